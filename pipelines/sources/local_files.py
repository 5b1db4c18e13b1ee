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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from pipelines.core.csv_input import (
    CsvInputError,
    FileProblems,
    RowProblem,
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
    heading = "Kommunens egna värdefiler har fel"


_number = parse_number
# The value from counts is factor × numerator / denominator (as in focus_area_indicator.sql).
UNIT_FACTOR = {"procent": 100.0, "per 100 000 inv.": 100000.0}


def _shown(x: float) -> str:
    """A number as in the file: no trailing .0 for whole numbers."""
    return str(int(x)) if x.is_integer() else str(x)


@dataclass(frozen=True)
class _Known:
    """What a row is checked against: the focus areas, their DeSO and the indicators."""

    catalog: Catalog
    area_names: dict[tuple[str, str], str]
    area_of_deso: dict[tuple[str, str], str]
    area_deso: dict[tuple[str, str], set[str]]
    indicators: set[str]
    last_year: int

    @classmethod
    def of(cls, catalog: Catalog, members: list[AreaMember]) -> _Known:
        area_deso: dict[tuple[str, str], set[str]] = {}
        for m in members:
            area_deso.setdefault((m.kommun, m.area_id), set()).add(m.deso)
        return cls(
            catalog,
            area_names={(m.kommun, m.area_id): m.area_name for m in members},
            area_of_deso={(m.kommun, m.deso): m.area_id for m in members},
            area_deso=area_deso,
            # Only indicators SCB lacks per DeSO: the kommun's value for them comes from Kolada.
            indicators=set(catalog.kolada),
            last_year=date.today().year,
        )


def load_local_values(raw_dir: Path, catalog: Catalog, members: list[AreaMember]) -> pd.DataFrame:
    """Read and check every CSV in data/raw/local/; one row per kommun × area × indicator × year."""
    folder = Path(raw_dir) / LOCAL_DIR
    known = _Known.of(catalog, members)
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[tuple, str] = {}
    for path in sorted(folder.glob("*.csv")):
        _read_file(path, known, problems, rows, seen)
    problems += _coverage_problems(folder, rows, known.area_deso)
    if problems:
        raise LocalFileError(problems)
    return _values_frame(rows)


def _read_file(
    path: Path, known: _Known, problems: list[str], rows: list[dict], seen: dict[tuple, str]
) -> None:
    """Check one file's rows: the good ones go to `rows`, each problem to `problems`
    (`seen`: where each kommun × area × indicator × year × DeSO was first given)."""
    try:
        table = read_csv(path)
    except CsvInputError as exc:
        problems.append(str(exc))
        return
    missing = [c for c in COLUMNS if c not in table.fieldnames]
    if missing:
        problems.append(f"{path}, rad 1: kolumn saknas: {', '.join(missing)}.")
        return
    problems += table.problems
    for line, row in table.rows:
        where = f"{path}, rad {line}"
        try:
            k, area, deso, indicator = _row_place(where, row, known)
            year = _row_year(where, row, known.last_year)
            numerator, denominator, value = _row_counts(where, row, deso)
            _check_plausible(where, indicator, known.catalog, numerator, denominator, value)
        except RowProblem as exc:
            problems.append(str(exc))
            continue
        key = (k, area, indicator, year, deso or "")
        if key in seen:
            problems.append(
                f"{where}: samma som {seen[key]} ({k}, {area or deso}, {indicator}, {year})."
            )
            continue
        seen[key] = where
        rows.append(
            {
                "kommun": k,
                "area_id": area,
                "area_name": known.area_names[(k, area)],
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


def _row_place(where: str, row: dict[str, str], known: _Known) -> tuple[str, str, str, str]:
    """(kommun, area_id, deso, indicator) of a row; the area of a per-DeSO row is the DeSO's."""
    k = (row["kommun"] or "").strip()
    if not re.fullmatch(r"\d{4}", k):
        raise RowProblem(
            f"{where}: kommunkoden {k!r} har inte fyra siffror (t.ex. 0123)"
            f"{kommun_code_hint(k) or '.'}"
        )
    area, deso = (row["area_id"] or "").strip(), (row["deso"] or "").strip()
    indicator = (row["indicator"] or "").strip()
    if indicator not in known.indicators:
        raise RowProblem(
            f"{where}: okänd indikator {indicator!r}; kända: {', '.join(sorted(known.indicators))}."
        )
    if bool(area) == bool(deso):
        raise RowProblem(
            f"{where}: ange antingen area_id eller deso, inte {'båda' if area else 'ingen'}."
        )
    if deso:
        area = known.area_of_deso.get((k, deso), "")
        if not area:
            raise RowProblem(
                f"{where}: DeSO {deso!r} ligger inte i något fokusområde i kommun {k!r}."
            )
    elif (k, area) not in known.area_names:
        raise RowProblem(
            f"{where}: okänt område {area!r} i kommun {k!r} (se areas/focus_areas.csv)."
        )
    return k, area, deso, indicator


def _row_year(where: str, row: dict[str, str], last_year: int) -> int:
    try:
        year = int((row["year"] or "").strip())
    except ValueError:
        raise RowProblem(f"{where}: year {row['year']!r} är inget år.") from None
    if not FIRST_YEAR <= year <= last_year:
        raise RowProblem(f"{where}: året {year} ligger utanför {FIRST_YEAR}–{last_year}.")
    return year


def _row_counts(
    where: str, row: dict[str, str], deso: str
) -> tuple[float | None, float | None, float | None]:
    """(numerator, denominator, value): counts or a value, never both; counts per DeSO."""
    try:
        numerator, denominator, value = (
            _number(row[c]) for c in ("numerator", "denominator", "value")
        )
    except ValueError:
        raise RowProblem(
            f"{where}: numerator, denominator och value ska vara tal "
            f"(här {row['numerator']!r}, {row['denominator']!r}, {row['value']!r})."
        ) from None
    counts = (numerator, denominator)
    if value is not None and counts != (None, None):
        raise RowProblem(
            f"{where}: ange numerator och denominator, eller value, inte båda (vilket ska gälla?)."
        )
    if value is None and None in counts:
        raise RowProblem(f"{where}: ange numerator och denominator, eller value.")
    if deso and value is not None:
        raise RowProblem(
            f"{where}: en rad per DeSO behöver numerator och denominator (värden per DeSO "
            "går inte att lägga ihop); ange i stället value på en rad för hela området."
        )
    if denominator is not None and denominator <= 0:
        raise RowProblem(f"{where}: denominator ska vara större än 0.")
    return numerator, denominator, value


def _check_plausible(
    where: str,
    indicator: str,
    catalog: Catalog,
    numerator: float | None,
    denominator: float | None,
    value: float | None,
) -> None:
    """A share's numerator is not above its denominator; the figure is in the indicator's
    plausible range (`plausible` in catalog.toml)."""
    spec = catalog.kolada[indicator]
    if value is None and spec.unit == "procent" and numerator > denominator:
        raise RowProblem(
            f"{where}: numerator {_shown(numerator)} är större än denominator "
            f"{_shown(denominator)}; en andel kan inte vara större än det hela (har kolumnerna "
            "bytt plats?)."
        )
    shown = (
        value if value is not None else UNIT_FACTOR.get(spec.unit, 1.0) * numerator / denominator
    )
    low, high = spec.plausible
    if not low <= shown <= high:
        raise RowProblem(
            f"{where}: {indicator} {_shown(shown)} {spec.unit} ligger utanför det rimliga "
            f"intervallet {_shown(low)}–{_shown(high)} (catalog.toml); kontrollera siffran."
        )


def _coverage_problems(
    folder: Path, rows: list[dict], area_deso: dict[tuple[str, str], set[str]]
) -> list[str]:
    """Per-DeSO rows must cover every DeSO of the area, and never come with a row for the
    whole area (the DeSO would be counted twice)."""
    problems: list[str] = []
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
                f"{folder}: {k} {area} {indicator} {year} är angivet per DeSO men saknar "
                f"{', '.join(absent)}; ange alla områdets DeSO, eller en rad för hela området."
            )
        if len(kinds) > 1:
            problems.append(
                f"{folder}: {k} {area} {indicator} {year} är angivet både för området och per "
                "DeSO; använd det ena eller det andra, annars räknas DeSO två gånger."
            )
    return problems


def _values_frame(rows: list[dict]) -> pd.DataFrame:
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
