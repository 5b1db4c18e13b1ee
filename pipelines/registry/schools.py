"""Pupils per school and background: `data/raw/goals/schools.csv`, kept by each kommun.

One row per kommun, year and school unit (skolenhet)::

    kommun,year,school_unit_code,school_name,pupils,pupils_foreign_background,source,example,comment

- `kommun`: four digits, one of the kommuner in areas/kommuner.csv.
- `school_unit_code`: Skolverket's skolenhetskod, eight digits (leading zeros kept: every
  field is read as text).
- `pupils`, `pupils_foreign_background`: whole numbers, 0 or more; the part (pupils with
  utländsk bakgrund) is at most the total.
- `source`: where the figures come from (the kommun's own register, or Skolverket's
  Skolenhetsregistret/SIRIS as verified by the kommun); never empty.
- `example`: `ja` for an invented demonstration row, else empty or `nej`.

The file is optional: without it there are no schools, not an error. Every problem is
reported with file, line and reason before anything is built.
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass, fields
from datetime import date
from pathlib import Path

import pandas as pd

from pipelines.core.csv_input import (
    CsvFile,
    CsvInputError,
    FileProblems,
    RowProblem,
    kommun_code_hint,
    read_csv,
)

SCHOOLS_FILE = Path("goals") / "schools.csv"
COLUMNS = (
    "kommun",
    "year",
    "school_unit_code",
    "school_name",
    "pupils",
    "pupils_foreign_background",
    "source",
    "example",
)
FIRST_YEAR = 2000
_CODE = re.compile(r"^\d{8}$")


class SchoolRegistryError(FileProblems):
    """The schools file has problems; `problems` lists each with file and line."""

    heading = "Filen med skolor har fel"


@dataclass(frozen=True)
class School:
    """One checked row of schools.csv: a school unit in a kommun and year."""

    kommun: str
    year: int
    school_unit_code: str
    school_name: str
    pupils: int
    pupils_foreign_background: int
    source: str
    example: bool
    comment: str
    line: int


def load_schools(raw_dir: Path, kommuner: list[str]) -> list[School]:
    """Read and check goals/schools.csv; a missing file means no schools, not an error."""
    path = Path(raw_dir) / SCHOOLS_FILE
    if not path.exists():
        return []
    try:
        table = read_csv(path)
    except CsvInputError as exc:
        raise SchoolRegistryError([str(exc)]) from None
    missing = [c for c in COLUMNS if c not in table.fieldnames]
    if missing:
        raise SchoolRegistryError([f"{path}, rad 1: kolumn saknas: {', '.join(missing)}."])
    return _school_rows(table, set(kommuner))


def _school_rows(table: CsvFile, kommuner: set[str]) -> list[School]:
    problems: list[str] = list(table.problems)
    schools: list[School] = []
    seen: dict[tuple[str, int, str], int] = {}
    names: dict[tuple[int, str], School] = {}
    for line, row in table.rows:
        where = f"{table.path}, rad {line}"
        try:
            school = _school(where, line, row, kommuner)
        except RowProblem as exc:
            problems.append(str(exc))
            continue
        key = (school.kommun, school.year, school.school_unit_code)
        named = names.get((school.year, school.school_unit_code))
        if named is not None and named.school_name != school.school_name:
            problems.append(
                f"{where}: skolenhetskoden {school.school_unit_code} heter "
                f"{named.school_name!r} på rad {named.line} samma år ({school.year}), här "
                f"{school.school_name!r}; en skolenhet har ett namn per år."
            )
            continue
        if key in seen:
            problems.append(
                f"{where}: skolenhetskoden {school.school_unit_code} står redan för kommun "
                f"{school.kommun} år {school.year} på rad {seen[key]}."
            )
            continue
        seen[key] = line
        names.setdefault((school.year, school.school_unit_code), school)
        schools.append(school)
    if problems:
        raise SchoolRegistryError(problems)
    return schools


def _school(where: str, line: int, row: dict[str, str], kommuner: set[str]) -> School:
    """One row checked, or :class:`RowProblem` with its first problem."""
    text = {k: (v or "").strip() for k, v in row.items()}
    kommun = text.get("kommun", "")
    if not re.fullmatch(r"\d{4}", kommun):
        raise RowProblem(
            f"{where}: kommunkoden {kommun!r} har inte fyra siffror"
            f"{kommun_code_hint(kommun) or '.'}"
        )
    if kommun not in kommuner:
        raise RowProblem(f"{where}: kommun {kommun} finns inte bland kommunerna i kommuner.csv.")
    year = _year(where, text.get("year", ""))
    code = text.get("school_unit_code", "")
    if not _CODE.match(code):
        hint = (
            f"; menade du 0{code}? (Excel tar bort inledande nollor: formatera kolumnen som Text)"
            if re.fullmatch(r"\d{7}", code)
            else "."
        )
        raise RowProblem(
            f"{where}: skolenhetskoden {code!r} ska vara åtta siffror (Skolverkets "
            f"skolenhetskod){hint}"
        )
    for column in ("school_name", "source"):
        if not text.get(column):
            raise RowProblem(f"{where}: {column} är tom.")
    pupils = _count(where, "pupils", text)
    foreign = _count(where, "pupils_foreign_background", text)
    if foreign > pupils:
        raise RowProblem(
            f"{where}: pupils_foreign_background {foreign} är fler än pupils {pupils}; "
            "delen kan inte vara större än totalen."
        )
    return School(
        kommun=kommun,
        year=year,
        school_unit_code=code,
        school_name=text["school_name"],
        pupils=pupils,
        pupils_foreign_background=foreign,
        source=text["source"],
        example=_example(where, text),
        comment=text.get("comment", ""),
        line=line,
    )


def _year(where: str, value: str) -> int:
    last = date.today().year
    if not re.fullmatch(r"\d{4}", value) or not FIRST_YEAR <= int(value) <= last:
        raise RowProblem(f"{where}: year {value!r} ska vara ett år från {FIRST_YEAR} till {last}.")
    return int(value)


def _count(where: str, column: str, text: dict[str, str]) -> int:
    value = text.get(column, "").replace(" ", "").replace("\u00a0", "")
    if not re.fullmatch(r"-?\d+", value):
        raise RowProblem(
            f"{where}: {column} {text.get(column, '')!r} ska vara ett antal elever (ett heltal)."
        )
    if int(value) < 0:
        raise RowProblem(f"{where}: {column} {value} är negativt; ett antal elever är 0 eller mer.")
    return int(value)


def _example(where: str, text: dict[str, str]) -> bool:
    value = text.get("example", "").lower()
    if value not in ("", "ja", "nej"):
        raise RowProblem(f"{where}: example {value!r} ska vara ja, nej eller tomt.")
    return value == "ja"


SCHOOL_COLUMNS = tuple(f.name for f in fields(School))


def schools_frame(schools: list[School], names: dict[str, str]) -> pd.DataFrame:
    """One row per school and year (raw.schools), with the kommun's name from `names`."""
    frame = pd.DataFrame([astuple(s) for s in schools], columns=list(SCHOOL_COLUMNS))
    frame.insert(1, "kommun_name", frame["kommun"].map(names).astype("object"))
    frame["source_file"] = SCHOOLS_FILE.as_posix()
    return frame.astype(
        {
            "year": "int64",
            "pupils": "int64",
            "pupils_foreign_background": "int64",
            "example": "bool",
            "line": "int64",
            "kommun": "object",
            "school_unit_code": "object",
            "school_name": "object",
            "source": "object",
            "comment": "object",
            "source_file": "object",
        }
    )
