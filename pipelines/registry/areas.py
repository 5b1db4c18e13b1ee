"""The focus-area registry: `data/raw/areas/focus_areas.csv`, kept by each kommun.

One row per DeSO in a focus area, per DeSO division::

    kommun,area_id,area_name,division,deso,status,comment
    0123,sangvagen,Sångvägen,DeSO2018,0123C1290,obekräftad,RegSO Nibble
    0123,sangvagen,Sångvägen,DeSO2025,0123C1290,obekräftad,förslag: samma kod i DeSO 2025

`division` is `DeSO2018` (SCB's data up to 2023) or `DeSO2025` (from 2024); a file without
the column is all DeSO 2018. `status` is `bekräftad` once the kommun has confirmed the
membership, otherwise `obekräftad` (no public source lists the DeSO of the plans' areas).
Loading checks every row against the key of its own division (`data/raw/geography/`) and
reports every problem with the file, line and reason.

:func:`propose_next_division` derives an area's DeSO 2025 membership from its DeSO 2018
membership (`segregation areas --propose`), and :func:`division_continuity` says whether an
area's series may run on across the change of division.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.core.csv_input import (
    CsvFile,
    CsvInputError,
    FileProblems,
    RowProblem,
    append_rows,
    kommun_code_hint,
    read_csv,
)
from pipelines.core.geography import DEFAULT_DIVISION, DESO2018, DESO2025, DIVISIONS, load_deso_key

AREAS_FILE = Path("areas") / "focus_areas.csv"
COLUMNS = ("kommun", "area_id", "area_name", "deso", "status")
FILE_COLUMNS = ("kommun", "area_id", "area_name", "division", "deso", "status", "comment")
STATUSES = ("bekräftad", "obekräftad")
CONFIRMED = "bekräftad"
_DESO = re.compile(r"^(\d{4})[ABC]\d{4}$")
_AREA_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class AreaRegistryError(FileProblems):
    """The area file has problems; `problems` lists each with file and line."""

    heading = "Filen med fokusområden har fel"


@dataclass(frozen=True)
class AreaMember:
    kommun: str
    area_id: str
    area_name: str
    deso: str
    status: str
    regso: str
    regso_name: str
    division: str = DEFAULT_DIVISION
    comment: str = ""


def load_areas(raw_dir: Path, kommuner: list[str] | None = None) -> list[AreaMember]:
    """Read and validate the registry; raise :class:`AreaRegistryError` listing every problem."""
    path = Path(raw_dir) / AREAS_FILE
    if not path.exists():
        raise AreaRegistryError([f"{path} saknas. Den listar varje fokusområdes DeSO."])
    keys = {code: load_deso_key(raw_dir, code).set_index("deso") for code in DIVISIONS}
    try:
        table = read_csv(path)
    except CsvInputError as exc:
        raise AreaRegistryError([str(exc)]) from None
    missing = [c for c in COLUMNS if c not in table.fieldnames]
    if missing:
        raise AreaRegistryError([f"{path}, rad 1: kolumn saknas: {', '.join(missing)}."])
    area_names: dict[tuple[str, str], str] = {}
    problems: list[str] = list(table.problems)
    members = _area_rows(table, keys, kommuner, area_names, problems)
    problems += _area_problems(path, members, area_names)
    if not members and not problems:
        problems.append(f"{path} listar inget fokusområde.")
    if problems:
        raise AreaRegistryError(problems)
    return members


def _area_rows(
    table: CsvFile,
    keys: dict[str, pd.DataFrame],
    kommuner: list[str] | None,
    area_names: dict[tuple[str, str], str],
    problems: list[str],
) -> list[AreaMember]:
    """The rows that pass their checks; every problem goes to `problems` and each area's
    first name to `area_names`."""
    members: list[AreaMember] = []
    deso_area: dict[tuple[str, str, str], str] = {}
    seen_rows: set[tuple[str, str, str, str]] = set()
    for line, row in table.rows:
        where = f"{table.path}, rad {line}"
        deso, status = (row["deso"] or "").strip(), (row["status"] or "").strip().lower()
        try:
            division = _row_division(where, row)
            key = keys[division]
            k, area, name = _row_area(where, row, kommuner, area_names, problems)
            _check_deso(where, k, area, division, deso, key, seen_rows, deso_area)
        except RowProblem as exc:
            problems.append(str(exc))
            continue
        if status not in STATUSES:
            problems.append(f"{where}: status {status!r} ska vara 'bekräftad' eller 'obekräftad'.")
        members.append(
            AreaMember(
                k,
                area,
                name,
                deso,
                status,
                key.at[deso, "regso"],
                key.at[deso, "regso_name"],
                division,
                (row.get("comment") or "").strip(),
            )
        )
    return members


def _row_division(where: str, row: dict[str, str]) -> str:
    division = (row.get("division") or DEFAULT_DIVISION).strip()
    if division not in DIVISIONS:
        raise RowProblem(
            f"{where}: division {division!r} ska vara {' eller '.join(DIVISIONS)} "
            "(DeSO2018: SCB:s data till 2023; DeSO2025: från 2024)."
        )
    return division


def _row_area(
    where: str,
    row: dict[str, str],
    kommuner: list[str] | None,
    area_names: dict[tuple[str, str], str],
    problems: list[str],
) -> tuple[str, str, str]:
    """(kommun, area_id, area_name) of a row. A kommun missing from kommuner.csv, a missing
    name or a second name for the area go to `problems` without ending the row's checks."""
    k, area, name = (
        (row["kommun"] or "").strip(),
        (row["area_id"] or "").strip(),
        (row["area_name"] or "").strip(),
    )
    if not re.fullmatch(r"\d{4}", k):
        raise RowProblem(
            f"{where}: kommunkoden {k!r} har inte fyra siffror{kommun_code_hint(k) or '.'}"
        )
    if kommuner is not None and k not in kommuner:
        problems.append(f"{where}: kommunen {k} finns inte i areas/kommuner.csv.")
    if not _AREA_ID.match(area):
        raise RowProblem(
            f"{where}: area_id {area!r} får bara ha små bokstäver a–z, siffror och _ "
            "(t.ex. sangvagen)."
        )
    if not name:
        problems.append(f"{where}: området {area} har inget area_name.")
    previous_name = area_names.setdefault((k, area), name)
    if previous_name != name:
        problems.append(
            f"{where}: area_id {area} heter {name!r} här men {previous_name!r} ovanför; "
            "ett id, ett namn."
        )
    return k, area, name


def _check_deso(
    where: str,
    k: str,
    area: str,
    division: str,
    deso: str,
    key: pd.DataFrame,
    seen_rows: set[tuple[str, str, str, str]],
    deso_area: dict[tuple[str, str, str], str],
) -> None:
    """The DeSO is well formed, of the row's kommun, in its division's key, listed once for
    the area and in no other area of the kommun (`seen_rows`, `deso_area`: the rows so far)."""
    match = _DESO.match(deso)
    if not match:
        raise RowProblem(
            f"{where}: DeSO-koden {deso!r} är felskriven (nio tecken: kommunkod, A/B/C, fyra "
            "siffror, t.ex. 0123C1010)."
        )
    if match.group(1) != k:
        raise RowProblem(f"{where}: DeSO {deso} hör till kommun {match.group(1)}, inte {k}.")
    label = DIVISIONS[division].label
    if deso not in key.index:
        raise RowProblem(f"{where}: DeSO {deso} finns inte i SCB:s indelning {label}.")
    if (k, area, division, deso) in seen_rows:
        raise RowProblem(f"{where}: DeSO {deso} står två gånger för området {area} ({label}).")
    seen_rows.add((k, area, division, deso))
    other = deso_area.setdefault((k, division, deso), area)
    if other != area:
        raise RowProblem(
            f"{where}: DeSO {deso} ligger i två av kommun {k}s områden: {other} och {area} "
            f"({label})."
        )


def _area_problems(
    path: Path, members: list[AreaMember], area_names: dict[tuple[str, str], str]
) -> list[str]:
    """Every area named in the file has a valid DeSO, and a DeSO 2018 row."""
    problems: list[str] = []
    by_area: dict[tuple[str, str], int] = defaultdict(int)
    for m in members:
        by_area[(m.kommun, m.area_id)] += 1
    for (k, area), name in area_names.items():
        if by_area[(k, area)] == 0:
            problems.append(f"{path}: området {area} ({name}) i kommun {k} har ingen giltig DeSO.")
        elif not any(
            m.division == DEFAULT_DIVISION for m in members if (m.kommun, m.area_id) == (k, area)
        ):
            problems.append(
                f"{path}: området {area} ({name}) i kommun {k} har ingen rad för {DESO2018.label}; "
                "historiken till 2023 är på DeSO 2018, och områdets DeSO 2025 föreslås utifrån den."
            )
    return problems


def areas_frame(members: list[AreaMember]) -> pd.DataFrame:
    columns = list(AreaMember.__dataclass_fields__)
    return pd.DataFrame([m.__dict__ for m in members], columns=columns)


# -- from DeSO 2018 to DeSO 2025 ------------------------------------------------------------

KEPT = "samma kod"
SPLIT_INSIDE = "delad inom området"


@dataclass(frozen=True)
class Proposal:
    """A proposed DeSO 2025 row of an area, or (deso_2025 empty) a decision for the kommun."""

    kommun: str
    area_id: str
    area_name: str
    deso_2018: str
    deso_2025: str
    regso: str
    how: str  # samma kod, delad inom området, or kommunen avgör
    comment: str


def propose_next_division(members: list[AreaMember], raw_dir: Path) -> list[Proposal]:
    """Propose each area's DeSO 2025 membership from its DeSO 2018 membership.

    - a code that exists in both divisions carries over (`samma kod`);
    - a 2018 code that no longer exists is replaced by the 2025 codes sharing its first
      eight characters, when all of them lie in the area's RegSO (`delad inom området`:
      Råslätt 0680C1070 → 0680C1071, 0680C1072);
    - anything else is listed for the kommun to decide (`deso_2025` empty).
    Areas that already have DeSO 2025 rows are left as they are.
    """
    key25 = load_deso_key(raw_dir, DESO2025.code).set_index("deso")
    out: list[Proposal] = []
    areas: dict[tuple[str, str], list[AreaMember]] = defaultdict(list)
    for m in members:
        areas[(m.kommun, m.area_id)].append(m)
    for (kommun, area), rows in areas.items():
        if any(m.division == DESO2025.code for m in rows):
            continue
        old = [m for m in rows if m.division == DESO2018.code]
        area_regso = {m.regso for m in old}
        for m in old:
            out += _propose_member(kommun, area, m, key25, area_regso)
    return out


def _propose_member(
    kommun: str, area: str, m: AreaMember, key25: pd.DataFrame, area_regso: set[str]
) -> list[Proposal]:
    """The DeSO 2025 rows proposed for one DeSO 2018 member of an area (whose RegSO are
    `area_regso`), or one row for the kommun to decide."""
    if m.deso in key25.index:
        regso = key25.at[m.deso, "regso"]
        return [
            Proposal(
                kommun,
                area,
                m.area_name,
                m.deso,
                m.deso,
                regso,
                KEPT,
                f"förslag: samma kod i DeSO 2025 som i DeSO 2018 (RegSO {regso})",
            )
        ]
    children = sorted(c for c in key25.index if c[:8] == m.deso[:8])
    outside = [c for c in children if key25.at[c, "regso"] not in area_regso]
    if children and not outside:
        return [
            Proposal(
                kommun,
                area,
                m.area_name,
                m.deso,
                child,
                key25.at[child, "regso"],
                SPLIT_INSIDE,
                f"förslag: {m.deso} (DeSO 2018) delades i {', '.join(children)}, "
                f"alla i områdets RegSO {key25.at[child, 'regso']}",
            )
            for child in children
        ]
    why = (
        f"{m.deso} finns inte i DeSO 2025 och ingen ny kod börjar likadant"
        if not children
        else f"{m.deso} delades i {', '.join(children)}, men "
        f"{', '.join(outside)} ligger utanför områdets RegSO ({', '.join(sorted(area_regso))})"
    )
    return [Proposal(kommun, area, m.area_name, m.deso, "", "", "kommunen avgör", why)]


def proposal_rows(proposals: list[Proposal]) -> list[dict[str, str]]:
    """The proposals that can be written to the registry, as `focus_areas.csv` rows."""
    return [
        {
            "kommun": p.kommun,
            "area_id": p.area_id,
            "area_name": p.area_name,
            "division": DESO2025.code,
            "deso": p.deso_2025,
            "status": "obekräftad",
            "comment": p.comment,
        }
        for p in proposals
        if p.deso_2025
    ]


def write_proposals(raw_dir: Path, proposals: list[Proposal]) -> int:
    """Append the proposed DeSO 2025 rows to `focus_areas.csv` in the form the file was saved
    in (separator, byte order mark, line endings; the existing rows unchanged), adding the
    division column (DeSO2018 in the existing rows) if the file has none. Returns the number
    of rows written."""
    path = Path(raw_dir) / AREAS_FILE
    rows = proposal_rows(proposals)
    if not rows:
        return 0
    try:
        append_rows(path, FILE_COLUMNS, rows, fill={"division": DEFAULT_DIVISION})
    except CsvInputError as exc:
        raise AreaRegistryError([str(exc)]) from None
    return len(rows)


@dataclass(frozen=True)
class Continuity:
    """Whether an area's series runs on from DeSO 2018 to DeSO 2025, and why (in Swedish)."""

    kommun: str
    area_id: str
    same_land: bool
    confirmed: bool
    runs_on: bool
    reason: str


def division_continuity(members: list[AreaMember], raw_dir: Path) -> list[Continuity]:
    """An area's series runs on across the change of division when its DeSO 2025 members
    cover the same land as its DeSO 2018 members (every code kept, or split into codes that
    are all in the area) and the kommun has confirmed the DeSO 2025 membership."""
    codes25 = set(load_deso_key(raw_dir, DESO2025.code)["deso"])
    areas: dict[tuple[str, str], list[AreaMember]] = defaultdict(list)
    for m in members:
        areas[(m.kommun, m.area_id)].append(m)
    out = []
    for (kommun, area), rows in areas.items():
        old = {m.deso for m in rows if m.division == DESO2018.code}
        new = {m.deso for m in rows if m.division == DESO2025.code}
        if not new:
            out.append(
                Continuity(
                    kommun, area, False, False, False, "områdets DeSO 2025 saknas i registret"
                )
            )
            continue

        def successors(code: str) -> set[str]:
            return {code} if code in codes25 else {c for c in codes25 if c[:8] == code[:8]}

        expected = set().union(*(successors(d) for d in old)) if old else set()
        same_land = bool(old) and expected == new
        confirmed = all(m.status == CONFIRMED for m in rows if m.division == DESO2025.code)
        if same_land and confirmed:
            reason = "samma område i DeSO 2018 och DeSO 2025 (bekräftat av kommunen)"
        elif same_land:
            reason = (
                "områdets DeSO 2025 är obekräftade: serien börjar om 2024 tills kommunen "
                "bekräftat att de täcker samma område"
            )
        else:
            reason = (
                "områdets DeSO 2025 täcker inte samma område som dess DeSO 2018: "
                "serien börjar om 2024"
            )
        out.append(Continuity(kommun, area, same_land, confirmed, same_land and confirmed, reason))
    return out
