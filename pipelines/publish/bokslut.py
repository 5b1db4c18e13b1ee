"""The yearly integrationsbokslut: one self-contained Swedish HTML file per kommun and year,
`integrationsbokslut_<kommun>_<år>.html`, beside the committee report and with its look.

Per responsible nämnd, styrelse or bolag its measures with their status; per theme the
measures beside the indicators they aim at; the goals for the kommun's employees, schools and
newly arrived; and what changed since the previous year's edition. The year is the latest the
kommun reported a measure's status for (or the one asked for). Reads only published marts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from pipelines.publish import texts
from pipelines.publish.area_section import plan_headings
from pipelines.publish.goals_section import GOAL_MARTS, goals_section
from pipelines.publish.measure_indicators import direction_changes, theme_groups
from pipelines.publish.measures_section import (
    bokslut_year,
    kommun_measures,
    responsible_groups,
    status_changes,
)
from pipelines.publish.report import ReportError, load_marts, render, write_atomically

BOKSLUT_MARTS = ("plan_measure", "focus_area_trend_history", *GOAL_MARTS)


@dataclass
class Bokslut:
    html: str
    year: int
    demo: bool
    example: bool


def bokslut_path(marts_dir: Path, kommun: str, year: int) -> Path:
    return Path(marts_dir) / texts.BOKSLUT_FILE.format(kommun=kommun, year=year)


def area_names(indicators: pd.DataFrame) -> dict[str, str]:
    return dict(zip(indicators.area_id, indicators.area_name, strict=False))


def build_bokslut(
    marts: dict[str, pd.DataFrame],
    kommun: str,
    kommun_name: str,
    run_date: date,
    year: int | None = None,
) -> Bokslut | None:
    """The kommun's bokslut for `year` (default: its latest reported year), or None when the
    kommun keeps no measures."""
    measures = kommun_measures(marts.get("plan_measure"), kommun)
    year = year or bokslut_year(measures)
    if measures.empty or year is None:
        return None
    if year not in set(measures.year):
        years = f"{int(measures.year.min())}–{int(measures.year.max())}"
        raise ReportError(
            f"Åtgärdsregistret har inga åtgärder för {kommun} år {year}; det täcker {years}."
        )
    sexes = marts["focus_area_indicator"]
    sexes = sexes[sexes.kommun == kommun]
    indicators = sexes[sexes.sex == "1+2"]
    history = marts.get("focus_area_trend_history")
    if history is not None:
        history = history[(history.kommun == kommun) & (history.sex == "1+2")]
    names = area_names(indicators)
    headings = plan_headings(marts.get("plan_theme"), kommun, measures.area_id.dropna().min())
    goals = goals_section(marts, kommun, year)
    example = bool(measures.example.any())
    demo = bool(indicators[indicators.year <= year].demo.any()) or _goals_demo(goals)
    html = render(
        "bokslut.html.j2",
        title=f"Integrationsbokslut {year} – {kommun_name} ({kommun})",
        run_date=run_date,
        year=year,
        plans=texts.join_words(sorted(set(measures.plan_name))),
        example=example,
        demo=demo,
        since={
            "measures": status_changes(measures, year),
            "directions": direction_changes(history, kommun, year),
        },
        responsible=responsible_groups(measures, year, names),
        themes=theme_groups(measures, indicators, history, year, names, headings, sexes),
        goals=goals,
    )
    return Bokslut(html, year, demo, example)


def _goals_demo(goals: dict) -> bool:
    rows = [row for g in goals.values() if g for key in g for row in _list(g[key])]
    return any(isinstance(r, dict) and r.get("demo") for r in rows)


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def write_bokslut(
    marts_dir: Path,
    kommun: str,
    kommun_name: str,
    year: int | None = None,
    out: Path | None = None,
    run_date: date | None = None,
) -> tuple[Path, Bokslut] | None:
    """Write the kommun's bokslut from the published marts (atomically: a temporary file, then
    a rename) to `out`, default `integrationsbokslut_<kommun>_<år>.html` in `marts_dir`.
    None when the kommun keeps no measures."""
    marts = load_marts(marts_dir, [kommun])
    bokslut = build_bokslut(marts, kommun, kommun_name, run_date or date.today(), year)
    if bokslut is None:
        return None
    path = Path(out) if out else bokslut_path(marts_dir, kommun, bokslut.year)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, bokslut.html)
    return path, bokslut
