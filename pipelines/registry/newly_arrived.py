"""Newly arrived (nyanlända) followed up yearly: `data/raw/goals/newly_arrived.csv`.

The plans' goal that newly arrived get work faster (Järfälla: within 1–2 years instead of
the national 7–8). One row per kommun, year and sex::

    kommun,year,sex,received,followed_up,in_work_or_studies,share_in_work_or_studies,
    source,example,comment

- `sex`: kvinnor, män or totalt (also K, M, T, Kvinnor, Män, Totalt).
- `received`: newly arrived received (mottagna) by the kommun that year, optional.
- `followed_up`: persons whose establishment period (etableringsuppdraget) ended, optional.
- `in_work_or_studies`: of them, in work or studies (optional); or a published
  `share_in_work_or_studies` (%) where the counts are missing: counts OR share.
- `source` (required), `example` (`ja` for an invented row), `comment`.

Where kvinnor, män and totalt are all given for a kommun and year, kvinnor + män is at most
totalt for each count. A missing file means no rows, not an error.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.core.csv_input import RowProblem
from pipelines.registry.goals import (
    Row,
    RowReader,
    count,
    kommun,
    part_of,
    provenance,
    read_goal_file,
    share,
    year,
)

NEWLY_ARRIVED_FILE = Path("goals") / "newly_arrived.csv"
COLUMNS = ("kommun", "year", "sex", "source")
SEXES = {"k": "kvinnor", "kvinnor": "kvinnor", "m": "män", "män": "män"}
SEXES |= {"t": "totalt", "totalt": "totalt"}
COUNTS = ("received", "followed_up", "in_work_or_studies")


def _sex(where: str, text: dict[str, str]) -> str:
    value = text.get("sex", "")
    if value.lower() not in SEXES:
        raise RowProblem(f"{where}: sex {value!r} ska vara kvinnor, män eller totalt (K, M, T).")
    return SEXES[value.lower()]


def _row(known: set[str]) -> RowReader:
    def read(where: str, text: dict[str, str]) -> Row:
        row: Row = {"kommun": kommun(where, text, known), "year": year(where, text)}
        row["sex"] = _sex(where, text)
        row.update({c: count(where, text, c) for c in COUNTS})
        row["share_in_work_or_studies"] = share(where, text, "share_in_work_or_studies")
        if row["in_work_or_studies"] is not None and row["share_in_work_or_studies"] is not None:
            raise RowProblem(
                f"{where}: ange antingen in_work_or_studies eller share_in_work_or_studies, "
                "inte båda (andelen räknas från antalen)."
            )
        if row["in_work_or_studies"] is not None and row["followed_up"] is None:
            raise RowProblem(f"{where}: in_work_or_studies utan followed_up.")
        part_of(
            where,
            ("in_work_or_studies", row["in_work_or_studies"]),  # type: ignore[arg-type]
            ("followed_up", row["followed_up"]),  # type: ignore[arg-type]
        )
        return {**row, **provenance(where, text)}

    return read


def load_newly_arrived(raw_dir: Path, kommuner: list[str]) -> list[Row]:
    """Read and check goals/newly_arrived.csv; a missing file means no rows, not an error."""
    path = Path(raw_dir) / NEWLY_ARRIVED_FILE
    key = ("kommun", "year", "sex")
    return read_goal_file(path, COLUMNS, _row(set(kommuner)), key, _sexes_within_total)


def _sexes_within_total(path: Path, rows: list[Row]) -> list[str]:
    """kvinnor + män ≤ totalt for each count where all three rows give it."""
    by_key = {(r["kommun"], r["year"], r["sex"]): r for r in rows}
    problems = []
    for (code, when, sex), total in by_key.items():
        women, men = by_key.get((code, when, "kvinnor")), by_key.get((code, when, "män"))
        if sex != "totalt" or women is None or men is None:
            continue
        for column in COUNTS:
            values = (women[column], men[column], total[column])
            if None in values or values[0] + values[1] <= values[2]:  # type: ignore[operator]
                continue
            problems.append(
                f"{path}, rad {total['line']}: {column} kvinnor {values[0]} + män {values[1]} "
                f"(rad {women['line']}, {men['line']}) är fler än totalt {values[2]}."
            )
    return problems


NEWLY_ARRIVED_FRAME = {
    "kommun": "object",
    "kommun_name": "object",
    "year": "int64",
    "sex": "object",
    "received": "Int64",
    "followed_up": "Int64",
    "in_work_or_studies": "Int64",
    "share_in_work_or_studies": "float64",
    "source": "object",
    "example": "bool",
    "comment": "object",
    "source_file": "object",
    "line": "int64",
}
