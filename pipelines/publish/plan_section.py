"""The section "Har planen gjort skillnad?": each focus area against its comparison areas.

Reads the marts `plan_effect`, `comparison_area` and `regso_indicator`; returns plain data
for `templates/plan.html.j2`, which also holds the caveats a committee reads first.
"""

from __future__ import annotations

import re

import pandas as pd

from pipelines.publish import texts
from pipelines.publish.charts import plan_chart

PLAN_MARTS = ("plan_effect", "comparison_area", "regso_indicator")


def effect_items(rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Each indicator's estimate in words, or why none was made, and the notes: a note is said
    once, as a footnote its items are marked with."""
    items, notes = [], {}
    for r in rows.itertuples():
        if r.estimate_made:
            text = str(r.effect_text)
        else:
            text = texts.NO_ESTIMATE.format(indicator=r.indicator_name, reason=r.no_estimate_reason)
        if isinstance(r.note, str) and r.note:
            text += notes.setdefault(r.note, texts.FOOTNOTE_MARKS[len(notes) % 9])
        items.append(text)
    return items, [f"{mark} {note}" for note, mark in notes.items()]


def matched_words(matched_on: object) -> str:
    """What the matching weighed, in words: 'Ekonomisk standard, median (tkr) (nivå 2011–2018);
    … (trend 2011–2018)' → 'nivå och trend 2011–2018 för Ekonomisk standard, median (tkr)'."""
    if not isinstance(matched_on, str) or not matched_on:
        return ""
    kinds, names, years = [], [], []
    for part in matched_on.split("; "):
        match = re.fullmatch(r"(.+) \((nivå|trend) ([0-9–]+)\)", part)
        if match is None:
            continue
        name, kind, span = match.groups()
        for seen, value in ((names, name), (kinds, kind), (years, span)):
            if value not in seen:
                seen.append(value)
    if not names:
        return ""
    return f"{' och '.join(kinds)} {', '.join(years)} för {texts.join_words(names)}"


def comparison_text(comp: pd.DataFrame) -> dict | None:
    """The comparison areas' områdestyp, its year, what the matching weighed, the areas by name
    (kommun), and the caveat when the områdestyp was observed after the plan's start."""
    if comp.empty:
        return None
    first = comp.iloc[0]
    note = first.get("baseline_note")
    caveat = None
    if isinstance(note, str) and note:
        caveat = texts.BASELINE_AFTER_START.format(
            year=int(first.baseline_type_year), start=int(first.start_year)
        )
    return {
        "omradestyp": int(first.omradestyp),
        "year": int(first.baseline_type_year),
        "matched": matched_words(first.get("matched_on")),
        "caveat": caveat,
        "areas": ", ".join(
            f"{c.comparison_regso_name} ({c.comparison_kommun})" for c in comp.itertuples()
        ),
    }


def plan_charts(
    rows: pd.DataFrame, values: pd.DataFrame, regso: pd.DataFrame, comp: pd.DataFrame
) -> list[dict]:
    """A chart per estimated indicator: the area (both sexes) against its comparison RegSO on
    the division of the estimate's last year, up to that year."""
    out = []
    area_name = str(rows.area_name.iloc[0])
    for r in rows[rows.estimate_made].itertuples():
        last = int(r.post_last_year)
        area_rows = values[
            (values.area_id == r.area_id)
            & (values.indicator == r.indicator)
            & (values.sex == "1+2")
            & (values.year <= last)
        ]
        regso_rows = regso[
            regso.regso.isin(set(comp.comparison_regso))
            & (regso.indicator == r.indicator)
            & (regso.sex == "1+2")
            & (regso.year <= last)
            & (regso.regso_division == ("RegSO2020" if last <= 2023 else "RegSO2025"))
        ]
        if area_rows.empty or regso_rows.empty:
            continue
        demo = bool(area_rows.demo.any() or regso_rows.demo.any())
        figure = plan_chart(area_rows, regso_rows, area_name, int(r.start_year), demo)
        out.append({"indicator": r.indicator, "figure": figure})
    return out


def plan_section(marts: dict[str, pd.DataFrame], kommun: str) -> dict | None:
    """The plan, its start, and per focus area its comparison areas, estimates and charts;
    None for a kommun without a plan."""
    effects = marts.get("plan_effect")
    if effects is None or effects.empty or not (effects.kommun == kommun).any():
        return None
    effects = effects[effects.kommun == kommun]
    comparisons = marts.get("comparison_area", pd.DataFrame(columns=["kommun", "area_id"]))
    regso = marts.get("regso_indicator", pd.DataFrame(columns=["regso", "indicator", "sex"]))
    values = marts["focus_area_indicator"]
    values = values[values.kommun == kommun]
    areas = []
    for area_id, rows in effects.groupby("area_id", sort=False):
        comp = comparisons[(comparisons.kommun == kommun) & (comparisons.area_id == area_id)]
        effects_text, notes = effect_items(rows)
        areas.append(
            {
                "name": str(rows.area_name.iloc[0]),
                "comparison": comparison_text(comp),
                "effects": effects_text,
                "notes": notes,
                "charts": plan_charts(rows, values, regso, comp),
            }
        )
    plan = effects.iloc[0]
    return {
        "name": str(plan.plan_name),
        "start_year": int(plan.start_year),
        "start_year_assumed": bool(plan.start_year_assumed),
        "areas": areas,
    }
