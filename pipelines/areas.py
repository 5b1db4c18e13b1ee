"""The focus-area registry: `data/raw/areas/focus_areas.csv`, kept by each kommun.

One row per DeSO in a focus area::

    kommun,area_id,area_name,deso,status,comment
    0123,sangvagen,Sångvägen,0123C1290,obekräftad,RegSO Nibble

`status` is `bekräftad` once the kommun has confirmed the membership, otherwise
`obekräftad` (no public source lists the DeSO of the plans' areas). Loading checks every
row against SCB's DeSO key (`data/raw/geography/koppling-deso2018-regso2020.csv`) and
stops at the first problems with the file, line and reason.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

AREAS_FILE = Path("areas") / "focus_areas.csv"
DESO_KEY_FILE = Path("geography") / "koppling-deso2018-regso2020.csv"
COLUMNS = ("kommun", "area_id", "area_name", "deso", "status")
STATUSES = ("bekräftad", "obekräftad")
_DESO = re.compile(r"^(\d{4})[ABC]\d{4}$")
_AREA_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class AreaRegistryError(ValueError):
    """The area file has problems; `problems` lists each with file and line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("The focus-area file has problems:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class AreaMember:
    kommun: str
    area_id: str
    area_name: str
    deso: str
    status: str
    regso: str
    regso_name: str


def load_deso_key(raw_dir: Path) -> pd.DataFrame:
    """SCB's key DeSO 2018 → RegSO 2020: columns kommun, kommun_name, deso, regso_name, regso."""
    path = Path(raw_dir) / DESO_KEY_FILE
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    return frame.rename(
        columns={
            "Kommun": "kommun",
            "Kommunnamn": "kommun_name",
            "DeSO_2018": "deso",
            "RegSO_2020": "regso_name",
            "RegSOkod_2020": "regso",
        }
    )


def load_areas(raw_dir: Path, kommuner: list[str] | None = None) -> list[AreaMember]:
    """Read and validate the registry; raise :class:`AreaRegistryError` listing every problem."""
    path = Path(raw_dir) / AREAS_FILE
    if not path.exists():
        raise AreaRegistryError([f"{path}: missing. It lists the DeSO of each focus area."])
    key = load_deso_key(raw_dir).set_index("deso")
    problems: list[str] = []
    members: list[AreaMember] = []
    area_names: dict[tuple[str, str], str] = {}
    deso_area: dict[tuple[str, str], str] = {}
    seen_rows: set[tuple[str, str, str]] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise AreaRegistryError([f"{path}, line 1: missing column(s) {', '.join(missing)}."])
        for line, row in enumerate(reader, start=2):
            where = f"{path}, line {line}"
            k, area, name = (
                (row["kommun"] or "").strip(),
                (row["area_id"] or "").strip(),
                (row["area_name"] or "").strip(),
            )
            deso, status = (row["deso"] or "").strip(), (row["status"] or "").strip().lower()
            if not re.fullmatch(r"\d{4}", k):
                problems.append(f"{where}: kommun {k!r} is not four digits.")
                continue
            if kommuner is not None and k not in kommuner:
                problems.append(f"{where}: kommun {k} is not in areas/kommuner.csv.")
            if not _AREA_ID.match(area):
                problems.append(
                    f"{where}: area_id {area!r} must be lower case letters, digits and _ (e.g. sangvagen)."
                )
                continue
            if not name:
                problems.append(f"{where}: area {area} has no area_name.")
            previous_name = area_names.setdefault((k, area), name)
            if previous_name != name:
                problems.append(
                    f"{where}: area_id {area} is named {name!r} here but {previous_name!r} above; one id, one name."
                )
            match = _DESO.match(deso)
            if not match:
                problems.append(
                    f"{where}: DeSO code {deso!r} is malformed (nine characters: kommun, A/B/C, four digits, e.g. 0123C1010)."
                )
                continue
            if match.group(1) != k:
                problems.append(
                    f"{where}: DeSO {deso} belongs to kommun {match.group(1)}, not {k}."
                )
                continue
            if deso not in key.index:
                problems.append(f"{where}: DeSO {deso} does not exist in SCB's DeSO 2018 division.")
                continue
            if (k, area, deso) in seen_rows:
                problems.append(f"{where}: DeSO {deso} is listed twice for area {area}.")
                continue
            seen_rows.add((k, area, deso))
            other = deso_area.setdefault((k, deso), area)
            if other != area:
                problems.append(
                    f"{where}: DeSO {deso} is in two areas of kommun {k}: {other} and {area}."
                )
                continue
            if status not in STATUSES:
                problems.append(f"{where}: status {status!r} must be 'bekräftad' or 'obekräftad'.")
            members.append(
                AreaMember(
                    k, area, name, deso, status, key.at[deso, "regso"], key.at[deso, "regso_name"]
                )
            )
    by_area: dict[tuple[str, str], int] = defaultdict(int)
    for m in members:
        by_area[(m.kommun, m.area_id)] += 1
    for (k, area), name in area_names.items():
        if by_area[(k, area)] == 0:
            problems.append(f"{path}: area {area} ({name}) in kommun {k} has no valid DeSO.")
    if not members and not problems:
        problems.append(f"{path}: lists no focus area.")
    if problems:
        raise AreaRegistryError(problems)
    return members


def areas_frame(members: list[AreaMember]) -> pd.DataFrame:
    return pd.DataFrame([m.__dict__ for m in members])
