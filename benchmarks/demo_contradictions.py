"""Count areas whose demo figures contradict SCB's real områdestyp of their RegSO.

Reads the marts of a run (`data/marts/deso_indicator.parquet`, after `make run`) and SCB's
real export `data/raw/published/regso_omradestyp_2023.csv`, mapped to RegSO codes through
SCB's key `data/raw/geography/koppling-deso2018-regso2020.csv` with the csv module (not the
pipeline's code). A contradiction: a DeSO (or RegSO) of type 1 or 2 whose låg ekonomisk
standard or förvärvsarbetande share is not worse than its kommun's, or of type 5 whose share
is not better; latest year on DeSO 2018, both sexes, the kommun summed over all its DeSO.

Run: `.venv/bin/python -m benchmarks.demo_contradictions [marts_dir]`.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "data" / "raw" / "published" / "regso_omradestyp_2023.csv"
KEY = ROOT / "data" / "raw" / "geography" / "koppling-deso2018-regso2020.csv"
# indicator id → True where a higher share is better
INDICATORS = {"lag_ekonomisk_standard": False, "forvarvsarbetande": True}


def real_types(export: Path = EXPORT, key: Path = KEY) -> dict[str, tuple[str, int]]:
    """DeSO 2018 code → (RegSO code, SCB's områdestyp 2023), straight from SCB's files."""
    by_name: dict[tuple[str, str], int] = {}
    with export.open(encoding="utf-8-sig", newline="") as handle:
        for row in list(csv.reader(handle))[1:]:
            if not row or not row[0].strip():
                break
            match = re.match(r"^(.+?) \((.+)\)$", row[0].strip())
            assert match is not None, row
            by_name[(match.group(1), match.group(2))] = int(row[1])
    with key.open(encoding="utf-8-sig", newline="") as handle:
        return {
            r["DeSO_2018"]: (r["RegSOkod_2020"], by_name[(r["Kommunnamn"], r["RegSO_2020"])])
            for r in csv.DictReader(handle)
        }


def shares(marts_dir: Path) -> list[tuple[str, str, str, float, float]]:
    """(indicator, kommun, deso, numerator, denominator), latest year on DeSO 2018."""
    path = marts_dir / "deso_indicator.parquet"
    names = ", ".join(f"'{i}'" for i in INDICATORS)
    return duckdb.sql(
        f"""SELECT indicator, kommun, deso, numerator, denominator FROM '{path}'
            WHERE division = 'DeSO2018' AND sex = '1+2' AND indicator IN ({names})
              AND numerator IS NOT NULL AND denominator > 0
              AND year = (SELECT max(year) FROM '{path}' d WHERE d.division = 'DeSO2018'
                          AND d.indicator = indicator)"""
    ).fetchall()


def _worse_or_better(value: float, kommun: float, indicator: str) -> int:
    """+1 where `value` is better than the kommun's, -1 worse, 0 equal."""
    sign = (value > kommun) - (value < kommun)
    return sign if INDICATORS[indicator] else -sign


def contradictions(marts_dir: Path) -> dict[str, set[tuple[str, str, int]]]:
    """Contradicting (indicator, code, type) per level: 'deso' and 'regso'."""
    types = real_types()
    rows = shares(marts_dir)
    totals: dict[tuple[str, str], list[float]] = {}
    for indicator, k, deso, num, den in rows:
        for key in ((indicator, k), (indicator, types[deso][0])):
            totals.setdefault(key, [0.0, 0.0])
            totals[key][0] += num
            totals[key][1] += den

    def share(key: tuple[str, str]) -> float:
        return totals[key][0] / totals[key][1]

    out: dict[str, set[tuple[str, str, int]]] = {"deso": set(), "regso": set()}
    for indicator, k, deso, num, den in rows:
        code, kind = types[deso]
        for level, name, value in (
            ("deso", deso, num / den),
            ("regso", code, share((indicator, code))),
        ):
            side = _worse_or_better(value, share((indicator, k)), indicator)
            if (kind <= 2 and side >= 0) or (kind == 5 and side <= 0):
                out[level].add((indicator, name, kind))
    return out


def main() -> None:
    marts_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "marts"
    found = contradictions(marts_dir)
    for level, items in found.items():
        areas = {name for _, name, _ in items}
        print(f"{level}: {len(areas)} areas contradict their områdestyp ({len(items)} figures)")
        for indicator, name, kind in sorted(items)[:10]:
            print(f"  {name} typ {kind}: {indicator}")


if __name__ == "__main__":
    main()
