"""The integration plan's goals followed up yearly: `data/raw/goals/employees.csv`.

The kommun's own employees compared with its residents (Järfälla's plan: the share of the
kommun's employees with utländsk bakgrund should equal the population's; Jönköping's: the
share of foreign-born employees reflects the population). One row per kommun, year and
förvaltning::

    kommun,year,forvaltning,employees,employees_foreign_background,share,source,example,comment

- `forvaltning`: empty for the kommun as a whole, else the förvaltning's name.
- `employees`: the number of employees (optional where only a share is published).
- `employees_foreign_background`: of them, with utländsk bakgrund (SCB's definition:
  utrikes födda, or inrikes födda with two foreign-born parents).
- `share`: a published share (%) where the counts are missing: counts OR share, never a
  share beside `employees_foreign_background`.
- `source`: where the figure comes from (required); `example`: `ja` for an invented
  demonstration row; `comment`: free text.

The helpers shared with `newly_arrived.csv` (:mod:`pipelines.registry.newly_arrived`) are
here. A missing file means no rows, not an error; every problem is reported with file, line
and reason before anything is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
from pipelines.registry.plans import FIRST_YEAR

EMPLOYEES_FILE = Path("goals") / "employees.csv"
EMPLOYEE_COLUMNS = ("kommun", "year", "forvaltning", "employees", "source")


class GoalFileError(FileProblems):
    """A goals file has problems; `problems` lists each with file and line."""

    heading = "Filen med uppföljning av integrationsmålen har fel"


Row = dict[str, object]
RowReader = Callable[[str, dict[str, str]], Row]
FileCheck = Callable[[Path, list[Row]], list[str]]


def read_goal_file(
    path: Path,
    required: tuple[str, ...],
    read_row: RowReader,
    key: tuple[str, ...],
    whole: FileCheck,
) -> list[Row]:
    """Every row of a goals file checked by `read_row`, each with its `line`; a key seen
    before is a problem; then `whole` checks the good rows together. Raises
    :class:`GoalFileError` listing every problem."""
    if not path.exists():
        return []
    try:
        table = read_csv(path)
    except CsvInputError as exc:
        raise GoalFileError([str(exc)]) from None
    missing = [c for c in required if c not in table.fieldnames]
    if missing:
        raise GoalFileError([f"{path}, rad 1: kolumn saknas: {', '.join(missing)}."])
    return _rows(table, read_row, key, whole)


def _rows(table: CsvFile, read_row: RowReader, key: tuple[str, ...], whole: FileCheck) -> list[Row]:
    problems: list[str] = list(table.problems)
    rows: list[Row] = []
    seen: dict[tuple, int] = {}
    for line, raw in table.rows:
        where = f"{table.path}, rad {line}"
        try:
            row = read_row(where, {k: (v or "").strip() for k, v in raw.items()})
        except RowProblem as exc:
            problems.append(str(exc))
            continue
        found = tuple(row[k] for k in key)
        if found in seen:
            shown = ", ".join(str(v) if v else "(tom)" for v in found)
            problems.append(f"{where}: {', '.join(key)} {shown} finns redan på rad {seen[found]}.")
            continue
        seen[found] = line
        rows.append({**row, "line": line})
    problems += whole(table.path, rows)
    if problems:
        raise GoalFileError(problems)
    return rows


def kommun(where: str, text: dict[str, str], known: set[str]) -> str:
    code = text.get("kommun", "")
    if not re.fullmatch(r"\d{4}", code):
        raise RowProblem(
            f"{where}: kommunkoden {code!r} har inte fyra siffror{kommun_code_hint(code) or '.'}"
        )
    if code not in known:
        raise RowProblem(
            f"{where}: kommun {code} finns inte bland kommunerna i areas/kommuner.csv."
        )
    return code


def year(where: str, text: dict[str, str]) -> int:
    value, last = text.get("year", ""), date.today().year
    if not re.fullmatch(r"\d{4}", value) or not FIRST_YEAR <= int(value) <= last:
        raise RowProblem(f"{where}: year {value!r} ska vara ett år från {FIRST_YEAR} till {last}.")
    return int(value)


def count(where: str, text: dict[str, str], column: str) -> int | None:
    """A whole number of persons, 0 or more, or None for an empty field."""
    value = text.get(column, "")
    try:
        number = parse_number(value)
    except ValueError:
        number = -1.0
    if number is not None and (number < 0 or number != int(number)):
        raise RowProblem(
            f"{where}: {column} {value!r} ska vara ett antal personer (heltal) eller tomt."
        )
    return None if number is None else int(number)


def share(where: str, text: dict[str, str], column: str) -> float | None:
    """A share in percent, 0–100, or None for an empty field."""
    value = text.get(column, "")
    try:
        number = parse_number(value)
    except ValueError:
        number = -1.0
    if number is not None and not 0 <= number <= 100:
        raise RowProblem(
            f"{where}: {column} {value!r} ska vara en andel i procent (0–100) eller tomt."
        )
    return number


def part_of(where: str, part: tuple[str, int | None], whole: tuple[str, int | None]) -> None:
    if part[1] is not None and whole[1] is not None and part[1] > whole[1]:
        raise RowProblem(f"{where}: {part[0]} {part[1]} är fler än {whole[0]} {whole[1]}.")


def counts_or_share(where: str, counted: str, counts: int | None, value: float | None) -> None:
    """A row gives the counted part or a published share: one of them, not both."""
    if counts is not None and value is not None:
        raise RowProblem(
            f"{where}: ange antingen {counted} eller andelen, inte båda (andelen räknas från "
            "antalen)."
        )
    if counts is None and value is None:
        raise RowProblem(f"{where}: varken {counted} eller andelen är ifylld.")


def provenance(where: str, text: dict[str, str]) -> Row:
    """source (required), example (ja/nej/empty) and comment."""
    if not text.get("source"):
        raise RowProblem(f"{where}: source är tom; skriv var uppgiften kommer ifrån.")
    flag = text.get("example", "").lower()
    if flag not in ("", "ja", "nej"):
        raise RowProblem(f"{where}: example {flag!r} ska vara ja, nej eller tomt.")
    return {"source": text["source"], "example": flag == "ja", "comment": text.get("comment", "")}


def _employee_row(known: set[str]) -> RowReader:
    def read(where: str, text: dict[str, str]) -> Row:
        row: Row = {"kommun": kommun(where, text, known), "year": year(where, text)}
        row["forvaltning"] = text.get("forvaltning", "")
        total = count(where, text, "employees")
        foreign = count(where, text, "employees_foreign_background")
        published = share(where, text, "share")
        counts_or_share(where, "employees_foreign_background", foreign, published)
        if foreign is not None and total is None:
            raise RowProblem(f"{where}: employees_foreign_background utan employees.")
        part_of(where, ("employees_foreign_background", foreign), ("employees", total))
        row.update(employees=total, employees_foreign_background=foreign, share=published)
        return {**row, **provenance(where, text)}

    return read


def load_employees(raw_dir: Path, kommuner: list[str]) -> list[Row]:
    """Read and check goals/employees.csv; a missing file means no rows, not an error."""
    path = Path(raw_dir) / EMPLOYEES_FILE
    key = ("kommun", "year", "forvaltning")
    read_row = _employee_row(set(kommuner))
    return read_goal_file(path, EMPLOYEE_COLUMNS, read_row, key, _forvaltningar_within_total)


def _forvaltningar_within_total(path: Path, rows: list[Row]) -> list[str]:
    """The förvaltningar of a kommun and year have at most the kommun's employees together."""
    problems = []
    for total in (r for r in rows if not r["forvaltning"] and r["employees"] is not None):
        parts = [
            r
            for r in rows
            if r["forvaltning"] and (r["kommun"], r["year"]) == (total["kommun"], total["year"])
        ]
        summed = sum(int(r["employees"] or 0) for r in parts)
        if summed > int(total["employees"]):
            lines = ", ".join(str(r["line"]) for r in parts)
            problems.append(
                f"{path}, rad {total['line']}: förvaltningarna (rad {lines}) har tillsammans "
                f"{summed} anställda {total['year']}, fler än kommunens {total['employees']}."
            )
    return problems


EMPLOYEE_FRAME = {
    "kommun": "object",
    "kommun_name": "object",
    "year": "int64",
    "forvaltning": "object",
    "employees": "Int64",
    "employees_foreign_background": "Int64",
    "share": "float64",
    "source": "object",
    "example": "bool",
    "comment": "object",
    "source_file": "object",
    "line": "int64",
}


def goal_frame(
    rows: list[Row], names: dict[str, str], columns: dict[str, str], file: Path
) -> pd.DataFrame:
    """The rows as a typed table (raw.goal_*), with the kommun's name and the file read."""
    records = [
        {**r, "kommun_name": names.get(str(r["kommun"]), ""), "source_file": file.as_posix()}
        for r in rows
    ]
    frame = pd.DataFrame(records, columns=list(columns))
    return frame.astype(columns)
