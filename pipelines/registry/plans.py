"""The plans registry: `data/raw/areas/plans.csv`, kept by each kommun.

One row per plan, for a whole kommun (area_id empty: every focus area of the kommun) or
for one focus area (a row for an area overrides the kommun's row)::

    kommun,area_id,plan_name,start_year,target_indicators,comparison_k,status,comment
    0123,,Handlingsplan för områden med socioekonomiska utmaningar,2020,forvarvsarbetande|inkomst_median,,beslutad,…

- `start_year`: the first year the plan was in force. Left empty, the kommun has not yet
  said: the pipeline then uses :data:`DEFAULT_START_YEAR` for the demonstration and says so
  in every row built on it (`start_year_assumed`, `start_year_note`).
- `target_indicators`: indicator ids from `[indicators.*]` in data/raw/catalog.toml
  (SCB's DeSO indicators, the only ones with values for areas in other kommuner), separated
  by `|`.
- `comparison_k`: how many comparison areas to pick per focus area; empty means the
  setting `SEGREGATION_COMPARISON_K` (default 10).
- `themes` (optional column): the plan's own theme headings, in the plan's order, separated
  by `|`, each as `catalog theme=the plan's heading` (e.g. `arbete och vuxenutbildning=Arbete
  och egen försörjning`); a bare catalog theme keeps the catalog's name but takes the place.
  The report groups the indicators under these headings; empty: the catalog's themes.
- `status` and `comment`: free text for people (e.g. beslutad, förslag).

Every problem is reported with the file, line and reason, as for the other analyst files.
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
    read_csv,
)
from pipelines.registry.areas import AreaMember
from pipelines.registry.catalog import THEMES, Catalog

PLANS_FILE = Path("areas") / "plans.csv"
COLUMNS = ("kommun", "area_id", "plan_name", "start_year", "target_indicators")
# Used for the demonstration when a kommun has not written its plan's start year.
DEFAULT_START_YEAR = 2020
FIRST_YEAR = 2000
MAX_K = 100


class PlanRegistryError(FileProblems):
    """The plans file has problems; `problems` lists each with file and line."""

    heading = "Filen med planer har fel"


@dataclass(frozen=True)
class Plan:
    """The plan that applies to one focus area."""

    kommun: str
    area_id: str
    area_name: str
    plan_name: str
    start_year: int
    start_year_assumed: bool
    start_year_note: str
    target_indicators: tuple[str, ...]
    comparison_k: int
    status: str
    comment: str
    themes: str = ""  # "catalog theme=heading|…" in the plan's order (see the module's text)


def load_plans(
    raw_dir: Path, catalog: Catalog, members: list[AreaMember], default_k: int = 10
) -> list[Plan]:
    """Read and check plans.csv; one :class:`Plan` per focus area that has a plan.

    A missing file means no plans (nothing to evaluate), not an error."""
    path = Path(raw_dir) / PLANS_FILE
    if not path.exists():
        return []
    try:
        table = read_csv(path)
    except CsvInputError as exc:
        raise PlanRegistryError([str(exc)]) from None
    missing = [c for c in COLUMNS if c not in table.fieldnames]
    if missing:
        raise PlanRegistryError([f"{path}, rad 1: kolumn saknas: {', '.join(missing)}."])
    areas: dict[str, dict[str, str]] = {}
    for m in members:
        areas.setdefault(m.kommun, {})[m.area_id] = m.area_name
    rows = _plan_rows(table, areas, set(catalog.indicators), default_k)
    return _plans_per_area(areas, rows)


def _plan_rows(
    table: CsvFile, areas: dict[str, dict[str, str]], known: set[str], default_k: int
) -> dict[tuple[str, str], tuple[int, dict]]:
    """The checked rows by (kommun, area_id; empty for the whole kommun), with their line;
    raise :class:`PlanRegistryError` listing every problem."""
    last_year = date.today().year
    problems: list[str] = list(table.problems)
    rows: dict[tuple[str, str], tuple[int, dict]] = {}
    for line, row in table.rows:
        where = f"{table.path}, rad {line}"
        name = (row.get("plan_name") or "").strip()
        try:
            k, area = _plan_place(where, row, areas)
            if not name:
                problems.append(f"{where}: plan_name är tom; skriv planens namn.")
            start = _start_year(where, row, last_year)
            targets = _target_indicators(where, row, known)
            k_value = _comparison_k(where, row, default_k)
            themes = _themes(where, row)
        except RowProblem as exc:
            problems.append(str(exc))
            continue
        if (k, area) in rows:
            problems.append(
                f"{where}: en andra plan för kommun {k}"
                + (f", område {area}" if area else " (alla områden)")
                + f"; den första står på rad {rows[(k, area)][0]}."
            )
            continue
        rows[(k, area)] = (
            line,
            {
                "plan_name": name,
                "start": start,
                "targets": tuple(dict.fromkeys(targets)),
                "k": k_value,
                "status": (row.get("status") or "").strip(),
                "comment": (row.get("comment") or "").strip(),
                "themes": themes,
            },
        )
    if problems:
        raise PlanRegistryError(problems)
    return rows


def _plan_place(
    where: str, row: dict[str, str], areas: dict[str, dict[str, str]]
) -> tuple[str, str]:
    """(kommun, area_id) of a plan: a kommun with focus areas, and one of them or empty."""
    k = (row.get("kommun") or "").strip()
    area = (row.get("area_id") or "").strip()
    if not re.fullmatch(r"\d{4}", k):
        raise RowProblem(
            f"{where}: kommunkoden {k!r} har inte fyra siffror{kommun_code_hint(k) or '.'}"
        )
    if k not in areas:
        raise RowProblem(
            f"{where}: kommun {k} har inget fokusområde i areas/focus_areas.csv (eller finns "
            "inte i areas/kommuner.csv); en plan behöver de områden den gäller."
        )
    if area and area not in areas[k]:
        raise RowProblem(
            f"{where}: area_id {area!r} är inget fokusområde i kommun {k}; kända: "
            f"{', '.join(sorted(areas[k]))} (eller lämna tomt för alla områden)."
        )
    return k, area


def _start_year(where: str, row: dict[str, str], last_year: int) -> int | None:
    """The plan's first year, or None while the kommun has not said."""
    start_text = (row.get("start_year") or "").strip()
    start: int | None = None
    if start_text:
        if not re.fullmatch(r"\d{4}", start_text) or not (
            FIRST_YEAR <= int(start_text) <= last_year
        ):
            raise RowProblem(
                f"{where}: start_year {start_text!r} ska vara ett år från {FIRST_YEAR} till "
                f"{last_year}, eller tomt så länge kommunen inte har bestämt det."
            )
        start = int(start_text)
    return start


def _target_indicators(where: str, row: dict[str, str], known: set[str]) -> list[str]:
    targets = [t.strip() for t in (row.get("target_indicators") or "").split("|") if t.strip()]
    if not targets:
        raise RowProblem(
            f"{where}: target_indicators är tom; skriv indikatorernas id åtskilda med | "
            f"(kända: {', '.join(sorted(known))})."
        )
    unknown = [t for t in targets if t not in known]
    if unknown:
        raise RowProblem(
            f"{where}: okänd indikator {', '.join(unknown)}; använd id från "
            f"[indicators.*] i catalog.toml: {', '.join(sorted(known))} (indikatorer "
            "från Kolada har inga värden för områden i andra kommuner)."
        )
    return targets


def _themes(where: str, row: dict[str, str]) -> str:
    """The plan's theme headings, checked and written as 'catalog theme=heading|…'."""
    pairs = []
    for part in filter(None, (p.strip() for p in (row.get("themes") or "").split("|"))):
        theme, _, heading = (x.strip() for x in part.partition("="))
        if theme not in THEMES:
            raise RowProblem(
                f"{where}: temat {theme!r} i themes är inte ett av katalogens: "
                f"{'; '.join(THEMES)} (skriv 'katalogens tema=planens rubrik')."
            )
        if theme in (t for t, _ in pairs):
            raise RowProblem(f"{where}: temat {theme!r} står två gånger i themes.")
        pairs.append((theme, heading or theme))
    return "|".join(f"{t}={h}" for t, h in pairs)


def _comparison_k(where: str, row: dict[str, str], default_k: int) -> int:
    k_text = (row.get("comparison_k") or "").strip()
    k_value = default_k
    if k_text:
        if not k_text.isdigit() or not 1 <= int(k_text) <= MAX_K:
            raise RowProblem(
                f"{where}: comparison_k {k_text!r} ska vara ett heltal från 1 till {MAX_K}."
            )
        k_value = int(k_text)
    return k_value


def _plans_per_area(
    areas: dict[str, dict[str, str]], rows: dict[tuple[str, str], tuple[int, dict]]
) -> list[Plan]:
    """The plan of each focus area: its own row, else its kommun's row."""
    plans = []
    for k, by_area in areas.items():
        for area, area_name in by_area.items():
            found = rows.get((k, area)) or rows.get((k, ""))
            if not found:
                continue
            p = found[1]
            assumed = p["start"] is None
            start = DEFAULT_START_YEAR if assumed else p["start"]
            note = (
                f"startår saknas i plans.csv: {DEFAULT_START_YEAR} antaget för demonstrationen "
                "tills kommunen fyller i det"
                if assumed
                else "startår enligt kommunens beslut (plans.csv)"
            )
            plans.append(
                Plan(
                    k,
                    area,
                    area_name,
                    p["plan_name"],
                    start,
                    assumed,
                    note,
                    p["targets"],
                    p["k"],
                    p["status"],
                    p["comment"],
                    p["themes"],
                )
            )
    return plans


# What names a plan in every table built on it (raw.plans, comparison_area, plan_effect).
PLAN_FIELDS = (
    "kommun",
    "area_id",
    "area_name",
    "plan_name",
    "start_year",
    "start_year_assumed",
    "start_year_note",
)
PLAN_COLUMNS = (
    *PLAN_FIELDS,
    "target_indicators",
    "comparison_k",
    "status",
    "comment",
    "themes",
)


def plans_frame(plans: list[Plan]) -> pd.DataFrame:
    """One row per focus area with a plan; target_indicators joined by `|`."""
    frame = pd.DataFrame(
        [{**p.__dict__, "target_indicators": "|".join(p.target_indicators)} for p in plans],
        columns=list(PLAN_COLUMNS),
    )
    return frame.astype({"start_year": "int64", "comparison_k": "int64"})
