"""The measures registry: `data/raw/areas/measures.csv`, kept by each kommun.

One row per measure (åtgärd) of a plan in plans.csv, with its status written per year in
columns `status_<år>` (one column per year followed up; a new year is a new column in
Excel)::

    measure_id,kommun,plan,area_id,theme,measure,responsible,start_year,end_year,
    target_indicators,cost_tkr,example,comment,status_2020,status_2021,…

- `measure_id`: the measure's own stable id, unique in the file (letters, digits, `_`, `-`).
- `plan`: the plan's `plan_name` in plans.csv for the same kommun.
- `area_id`: one of the plan's focus areas, or empty for all of them.
- `theme`: one of the catalog's themes (:data:`pipelines.registry.catalog.THEMES`).
- `responsible`: the nämnd, styrelse or bolag that carries the measure out.
- `start_year`, `end_year`: `end_year` empty while the measure is ongoing.
- `target_indicators`: ids from `[indicators.*]` or `[kolada_indicators.*]` in catalog.toml,
  separated by `|`; may be empty.
- `cost_tkr`: optional cost in thousands of kronor (decimal comma or point).
- `example`: `ja` for an invented demonstration row, else empty or `nej`.
- `status_<år>`: planerad, pågår, genomförd or avbruten; empty = not reported that year. A
  status year lies within start_year..end_year and not before the plan's start year.

The years a measure is followed (:func:`last_year`): from start_year to end_year; for an
ongoing measure, to the latest year with any status in the kommun's rows (the year the kommun
has followed up to), at least start_year. Every problem is reported with file, line and reason
before anything is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from pipelines.core.csv_input import (
    CsvFile,
    CsvInputError,
    FileProblems,
    RowProblem,
    kommun_code_hint,
    parse_number,
    read_csv,
)
from pipelines.registry.catalog import THEMES, Catalog
from pipelines.registry.plans import FIRST_YEAR, Plan

MEASURES_FILE = Path("areas") / "measures.csv"
COLUMNS = (
    "measure_id",
    "kommun",
    "plan",
    "area_id",
    "theme",
    "measure",
    "responsible",
    "start_year",
    "end_year",
    "target_indicators",
)
STATUSES = ("planerad", "pågår", "genomförd", "avbruten")
# A measure may be decided for coming years.
YEARS_AHEAD = 10
_STATUS_COLUMN = re.compile(r"^status_(\d{4})$")
_MEASURE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class MeasureRegistryError(FileProblems):
    """The measures file has problems; `problems` lists each with file and line."""

    heading = "Filen med åtgärder har fel"


@dataclass(frozen=True)
class Measure:
    """One checked row of measures.csv."""

    measure_id: str
    kommun: str
    plan_name: str
    plan_start_year: int
    area_id: str  # empty: all the plan's areas
    areas: tuple[str, ...]
    theme: str
    measure: str
    responsible: str
    start_year: int
    end_year: int | None
    target_indicators: tuple[str, ...]
    cost_tkr: float | None
    example: bool
    comment: str
    status: dict[int, str]
    line: int
    source_file: str  # relative to the raw directory


@dataclass(frozen=True)
class _PlanScope:
    start_year: int
    areas: tuple[str, ...]


def load_measures(raw_dir: Path, catalog: Catalog, plans: list[Plan]) -> list[Measure]:
    """Read and check measures.csv; a missing file means no measures, not an error."""
    path = Path(raw_dir) / MEASURES_FILE
    if not path.exists():
        return []
    try:
        table = read_csv(path)
    except CsvInputError as exc:
        raise MeasureRegistryError([str(exc)]) from None
    missing = [c for c in COLUMNS if c not in table.fieldnames]
    bad_status = [
        c for c in table.fieldnames if c.startswith("status") and not _STATUS_COLUMN.match(c)
    ]
    if missing or bad_status:
        raise MeasureRegistryError(
            [f"{path}, rad 1: kolumn saknas: {', '.join(missing)}."] * bool(missing)
            + [
                f"{path}, rad 1: kolumnen {c!r} ska heta status_<år>, t.ex. status_2024."
                for c in bad_status
            ]
        )
    scopes = _plan_scopes(plans)
    measures = _measure_rows(table, scopes, catalog.indicator_ids)
    return measures


def _plan_scopes(plans: list[Plan]) -> dict[tuple[str, str], _PlanScope]:
    """Per (kommun, plan_name): the plan's first start year and its focus areas."""
    found: dict[tuple[str, str], list[Plan]] = {}
    for p in plans:
        found.setdefault((p.kommun, p.plan_name), []).append(p)
    return {
        key: _PlanScope(min(p.start_year for p in ps), tuple(sorted(p.area_id for p in ps)))
        for key, ps in found.items()
    }


def _measure_rows(
    table: CsvFile, scopes: dict[tuple[str, str], _PlanScope], known: set[str]
) -> list[Measure]:
    problems: list[str] = list(table.problems)
    measures: list[Measure] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        where = f"{table.path}, rad {line}"
        try:
            measure = _measure(where, line, row, scopes, known)
        except RowProblem as exc:
            problems.append(str(exc))
            continue
        if measure.measure_id in seen:
            problems.append(
                f"{where}: measure_id {measure.measure_id!r} finns redan på rad "
                f"{seen[measure.measure_id]}; varje åtgärd behöver ett eget id."
            )
            continue
        seen[measure.measure_id] = line
        measures.append(measure)
    if problems:
        raise MeasureRegistryError(problems)
    return measures


def _measure(
    where: str,
    line: int,
    row: dict[str, str],
    scopes: dict[tuple[str, str], _PlanScope],
    known: set[str],
) -> Measure:
    """One row checked, or :class:`RowProblem` with its first problem."""
    text = {k: (v or "").strip() for k, v in row.items()}
    measure_id = text.get("measure_id", "")
    if not _MEASURE_ID.match(measure_id):
        raise RowProblem(
            f"{where}: measure_id {measure_id!r} ska vara ett id med bokstäver a–z, siffror, "
            "_ eller - (t.ex. jfl-2021-01)."
        )
    kommun, plan, scope = _plan_of(where, text, scopes)
    area = text.get("area_id", "")
    if area and area not in scope.areas:
        raise RowProblem(
            f"{where}: area_id {area!r} är inget av planens fokusområden: "
            f"{', '.join(scope.areas)} (eller lämna tomt för alla planens områden)."
        )
    theme = text.get("theme", "")
    if theme not in THEMES:
        raise RowProblem(f"{where}: temat {theme!r} är inte något av: {'; '.join(THEMES)}.")
    for column in ("measure", "responsible"):
        if not text.get(column):
            raise RowProblem(f"{where}: {column} är tom.")
    start, end = _years(where, text)
    status = _status(where, text, start, end, scope.start_year)
    return Measure(
        measure_id=measure_id,
        kommun=kommun,
        plan_name=plan,
        plan_start_year=scope.start_year,
        area_id=area,
        areas=(area,) if area else scope.areas,
        theme=theme,
        measure=text["measure"],
        responsible=text["responsible"],
        start_year=start,
        end_year=end,
        target_indicators=_indicators(where, text, known),
        cost_tkr=_cost(where, text),
        example=_example(where, text),
        comment=text.get("comment", ""),
        status=status,
        line=line,
        source_file=MEASURES_FILE.as_posix(),
    )


def _plan_of(
    where: str, text: dict[str, str], scopes: dict[tuple[str, str], _PlanScope]
) -> tuple[str, str, _PlanScope]:
    kommun, plan = text.get("kommun", ""), text.get("plan", "")
    if not re.fullmatch(r"\d{4}", kommun):
        raise RowProblem(
            f"{where}: kommunkoden {kommun!r} har inte fyra siffror"
            f"{kommun_code_hint(kommun) or '.'}"
        )
    plans = sorted(name for k, name in scopes if k == kommun)
    if not plans:
        raise RowProblem(
            f"{where}: kommun {kommun} har ingen plan i areas/plans.csv; en åtgärd hör till "
            "en plan."
        )
    if (kommun, plan) not in scopes:
        raise RowProblem(
            f"{where}: planen {plan!r} finns inte för kommun {kommun} i areas/plans.csv; "
            f"skriv planens namn som där: {'; '.join(plans)}."
        )
    return kommun, plan, scopes[(kommun, plan)]


def _year(where: str, column: str, value: str, last: int) -> int:
    if not re.fullmatch(r"\d{4}", value) or not FIRST_YEAR <= int(value) <= last:
        raise RowProblem(
            f"{where}: {column} {value!r} ska vara ett år från {FIRST_YEAR} till {last}."
        )
    return int(value)


def _years(where: str, text: dict[str, str]) -> tuple[int, int | None]:
    last = date.today().year + YEARS_AHEAD
    start = _year(where, "start_year", text.get("start_year", ""), last)
    end_text = text.get("end_year", "")
    end = _year(where, "end_year", end_text, last) if end_text else None
    if end is not None and end < start:
        raise RowProblem(f"{where}: end_year {end} ligger före start_year {start}.")
    return start, end


def _status(
    where: str, text: dict[str, str], start: int, end: int | None, plan_start: int
) -> dict[int, str]:
    """The status per year; each a known word, within the measure's and the plan's years."""
    status: dict[int, str] = {}
    for column, value in text.items():
        match = _STATUS_COLUMN.match(column)
        if not match or not value:
            continue
        year, word = int(match[1]), value.lower()
        if word not in STATUSES:
            raise RowProblem(
                f"{where}: {column} {value!r} är ingen status; skriv en av: {', '.join(STATUSES)}."
            )
        if year < start or (end is not None and year > end):
            span = f"{start}–{end}" if end is not None else f"från {start}"
            raise RowProblem(f"{where}: {column} ligger utanför åtgärdens år ({span}).")
        if year < plan_start:
            raise RowProblem(
                f"{where}: {column} ligger före planens startår {plan_start} (plans.csv)."
            )
        status[year] = word
    return status


def _indicators(where: str, text: dict[str, str], known: set[str]) -> tuple[str, ...]:
    ids = [t.strip() for t in text.get("target_indicators", "").split("|") if t.strip()]
    unknown = [t for t in ids if t not in known]
    if unknown:
        raise RowProblem(
            f"{where}: okänd indikator {', '.join(unknown)}; använd id från [indicators.*] "
            f"eller [kolada_indicators.*] i catalog.toml: {', '.join(sorted(known))}."
        )
    return tuple(dict.fromkeys(ids))


def _cost(where: str, text: dict[str, str]) -> float | None:
    try:
        cost = parse_number(text.get("cost_tkr"))
    except ValueError:
        cost = -1.0
    if cost is not None and cost < 0:
        raise RowProblem(
            f"{where}: cost_tkr {text.get('cost_tkr')!r} ska vara ett belopp i tkr (0 eller mer) "
            "eller tomt."
        )
    return cost


def _example(where: str, text: dict[str, str]) -> bool:
    value = text.get("example", "").lower()
    if value not in ("", "ja", "nej"):
        raise RowProblem(f"{where}: example {value!r} ska vara ja, nej eller tomt.")
    return value == "ja"


def last_year(measure: Measure, measures: list[Measure]) -> int:
    """The last year a measure is followed: its end_year; for an ongoing measure the latest
    status year of any measure in its kommun, at least its start_year."""
    if measure.end_year is not None:
        return measure.end_year
    reported = [y for m in measures if m.kommun == measure.kommun for y in m.status]
    return max([measure.start_year, *reported])


MEASURE_COLUMNS = (
    "measure_id",
    "kommun",
    "plan_name",
    "plan_start_year",
    "area_id",
    "areas",
    "theme",
    "measure",
    "responsible",
    "start_year",
    "end_year",
    "last_year",
    "target_indicators",
    "cost_tkr",
    "example",
    "comment",
    "source_file",
    "line",
)


def measures_frame(measures: list[Measure]) -> pd.DataFrame:
    """One row per measure (raw.measures); areas and target_indicators joined by `|`."""
    rows = [
        {
            **{c: getattr(m, c) for c in MEASURE_COLUMNS if hasattr(m, c)},
            "areas": "|".join(m.areas),
            "target_indicators": "|".join(m.target_indicators),
            "last_year": last_year(m, measures),
        }
        for m in measures
    ]
    frame = pd.DataFrame(rows, columns=list(MEASURE_COLUMNS))
    return frame.astype(
        {
            "plan_start_year": "int64",
            "start_year": "int64",
            "end_year": "Int64",
            "last_year": "int64",
            "cost_tkr": "float64",
            "example": "bool",
            "line": "int64",
        }
    )


def status_frame(measures: list[Measure]) -> pd.DataFrame:
    """One row per measure and reported year (raw.measure_status)."""
    rows = [(m.measure_id, y, s) for m in measures for y, s in sorted(m.status.items())]
    frame = pd.DataFrame(rows, columns=["measure_id", "year", "status"])
    return frame.astype({"year": "int64", "status": "object", "measure_id": "object"})
