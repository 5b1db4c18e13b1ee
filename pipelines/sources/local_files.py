"""Values the kommun keeps itself, per focus area or per DeSO: `data/raw/local/*.csv`.

Columns (UTF-8 with or without BOM, comma- or semicolon-separated, one header row; see
:mod:`pipelines.core.csv_input`)::

    kommun,area_id,deso,indicator,year,numerator,denominator,value,source

- `kommun`: four digits; `area_id` (from areas/focus_areas.csv) **or** `deso` (a DeSO of a
  focus area): one of the two.
- `indicator`: an id from data/raw/catalog.toml (e.g. valdeltagande, ohalsotal).
- `numerator` and `denominator` (counts; the value is 100 × numerator / denominator for
  percentages and 100 000 × numerator / denominator for rates per 100 000), **or** `value`,
  never both.
- Per-DeSO rows need counts (a value per DeSO cannot be added up) and must cover every DeSO
  of the area for that indicator and year.
- `source`: where the figure comes from (e.g. "Valmyndigheten, valdistrikt 0123-0102").
- A file whose name starts with `demo_` holds demonstration data and is marked as such.

Per-DeSO rows are summed to their area (numerators and denominators). Any problem stops
with the file, line and reason: unknown kommun, area, DeSO or indicator; a value that is not
a number; a value outside the indicator's plausible range (`plausible` in catalog.toml) or a
numerator above its denominator for a share; counts and value both, or neither; a value per DeSO; a duplicate; a year outside
the range; neither or both of area and DeSO; per-DeSO rows that miss a DeSO of the area.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from pipelines.core.csv_input import (
    CsvInputError,
    FileProblems,
    kommun_code_hint,
    parse_number,
    read_csv,
)
from pipelines.registry.areas import AreaMember
from pipelines.registry.catalog import Catalog

LOCAL_DIR = "local"
COLUMNS = (
    "kommun",
    "area_id",
    "deso",
    "indicator",
    "year",
    "numerator",
    "denominator",
    "value",
    "source",
)
FIRST_YEAR = 1990


class LocalFileError(FileProblems):
    heading = "The kommun's value files have problems"


_number = parse_number
# The value from counts is factor × numerator / denominator (as in focus_area_indicator.sql).
UNIT_FACTOR = {"procent": 100.0, "per 100 000 inv.": 100000.0}


def _shown(x: float) -> str:
    """A number as in the file: no trailing .0 for whole numbers."""
    return str(int(x)) if x.is_integer() else str(x)


def load_local_values(raw_dir: Path, catalog: Catalog, members: list[AreaMember]) -> pd.DataFrame:
    """Read and check every CSV in data/raw/local/; one row per kommun × area × indicator × year."""
    folder = Path(raw_dir) / LOCAL_DIR
    area_names = {(m.kommun, m.area_id): m.area_name for m in members}
    area_of_deso = {(m.kommun, m.deso): m.area_id for m in members}
    # Only indicators SCB lacks per DeSO: the kommun's value for them comes from Kolada.
    indicators = set(catalog.kolada)
    area_deso: dict[tuple[str, str], set[str]] = {}
    for m in members:
        area_deso.setdefault((m.kommun, m.area_id), set()).add(m.deso)
    last_year = date.today().year
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[tuple, str] = {}
    for path in sorted(folder.glob("*.csv")):
        try:
            table = read_csv(path)
        except CsvInputError as exc:
            problems.append(str(exc))
            continue
        missing = [c for c in COLUMNS if c not in table.fieldnames]
        if missing:
            problems.append(f"{path}, line 1: missing column(s) {', '.join(missing)}.")
            continue
        for line, row in table.rows:
            where = f"{path}, line {line}"
            k = (row["kommun"] or "").strip()
            if not re.fullmatch(r"\d{4}", k):
                problems.append(
                    f"{where}: kommun {k!r} is not four digits (e.g. 0123){kommun_code_hint(k) or '.'}"
                )
                continue
            area, deso = (row["area_id"] or "").strip(), (row["deso"] or "").strip()
            indicator = (row["indicator"] or "").strip()
            if indicator not in indicators:
                problems.append(
                    f"{where}: unknown indicator {indicator!r}; known: {', '.join(sorted(indicators))}."
                )
                continue
            if bool(area) == bool(deso):
                problems.append(
                    f"{where}: give either area_id or deso, not {'both' if area else 'neither'}."
                )
                continue
            if deso:
                area = area_of_deso.get((k, deso), "")
                if not area:
                    problems.append(
                        f"{where}: DeSO {deso!r} is not in a focus area of kommun {k!r}."
                    )
                    continue
            elif (k, area) not in area_names:
                problems.append(
                    f"{where}: unknown area {area!r} for kommun {k!r} (see areas/focus_areas.csv)."
                )
                continue
            try:
                year = int((row["year"] or "").strip())
            except ValueError:
                problems.append(f"{where}: year {row['year']!r} is not a year.")
                continue
            if not FIRST_YEAR <= year <= last_year:
                problems.append(f"{where}: year {year} is outside {FIRST_YEAR}–{last_year}.")
                continue
            try:
                numerator, denominator, value = (
                    _number(row[c]) for c in ("numerator", "denominator", "value")
                )
            except ValueError:
                problems.append(
                    f"{where}: numerator, denominator and value must be numbers "
                    f"(got {row['numerator']!r}, {row['denominator']!r}, {row['value']!r})."
                )
                continue
            counts = (numerator, denominator)
            if value is not None and counts != (None, None):
                problems.append(
                    f"{where}: give numerator and denominator, or value, not both "
                    "(which one should count?)."
                )
                continue
            if value is None and None in counts:
                problems.append(f"{where}: give numerator and denominator, or value.")
                continue
            if deso and value is not None:
                problems.append(
                    f"{where}: a row per DeSO needs numerator and denominator (values per DeSO "
                    "cannot be added up); give value in one row for the whole area instead."
                )
                continue
            if denominator is not None and denominator <= 0:
                problems.append(f"{where}: denominator must be above 0.")
                continue
            spec = catalog.kolada[indicator]
            if value is None and spec.unit == "procent" and numerator > denominator:
                problems.append(
                    f"{where}: numerator {_shown(numerator)} is above denominator "
                    f"{_shown(denominator)}; a share cannot exceed the whole (are the columns "
                    "swapped?)."
                )
                continue
            shown = (
                value
                if value is not None
                else UNIT_FACTOR.get(spec.unit, 1.0) * numerator / denominator
            )
            low, high = spec.plausible
            if not low <= shown <= high:
                problems.append(
                    f"{where}: {indicator} {_shown(shown)} {spec.unit} is outside the plausible "
                    f"range {_shown(low)}–{_shown(high)} (catalog.toml); check the figure."
                )
                continue
            key = (k, area, indicator, year, deso or "")
            if key in seen:
                problems.append(
                    f"{where}: duplicate of {seen[key]} ({k}, {area or deso}, {indicator}, {year})."
                )
                continue
            seen[key] = where
            rows.append(
                {
                    "kommun": k,
                    "area_id": area,
                    "area_name": area_names[(k, area)],
                    "deso": deso or None,
                    "indicator": indicator,
                    "year": year,
                    "numerator": numerator,
                    "denominator": denominator,
                    "value": value,
                    "source": (row["source"] or "").strip() or path.name,
                    "demo": path.name.startswith("demo_"),
                    "file": path.name,
                }
            )
    levels: dict[tuple, set[str]] = {}
    for r in rows:
        levels.setdefault((r["kommun"], r["area_id"], r["indicator"], r["year"]), set()).add(
            "DeSO" if r["deso"] else "area"
        )
    for (k, area, indicator, year), kinds in levels.items():
        given = {
            r["deso"]
            for r in rows
            if r["deso"]
            and (r["kommun"], r["area_id"], r["indicator"], r["year"]) == (k, area, indicator, year)
        }
        if kinds == {"DeSO"} and given != area_deso[(k, area)]:
            absent = sorted(area_deso[(k, area)] - given)
            problems.append(
                f"{folder}: {k} {area} {indicator} {year} is given per DeSO but lacks "
                f"{', '.join(absent)}; give every DeSO of the area, or one row for the whole area."
            )
        if len(kinds) > 1:
            problems.append(
                f"{folder}: {k} {area} {indicator} {year} is given both for the area and per DeSO; "
                "use one or the other, or the DeSO would be counted twice."
            )
    if problems:
        raise LocalFileError(problems)
    columns = [
        "kommun",
        "area_id",
        "area_name",
        "deso",
        "indicator",
        "year",
        "numerator",
        "denominator",
        "value",
        "source",
        "demo",
        "file",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype(
        {"numerator": "float64", "denominator": "float64", "value": "float64", "year": "int32"}
    )
