"""One section per focus area (and "Hela kommunen"): its DeSO, the headline table, women and
men, the area's place among all DeSO, and one chart per indicator.

Every function returns plain data (rows of formatted Swedish strings, figures); the template
`templates/area.html.j2` lays it out.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipelines.publish import texts
from pipelines.publish.chart_style import decimals, number
from pipelines.publish.charts import indicator_chart
from pipelines.publish.context_section import area_context
from pipelines.publish.measures_section import area_measures
from pipelines.registry.catalog import THEMES

AGAINST_RIKET = "kommun mot riket"


def indicator_order(rows: pd.DataFrame, plan_themes: Sequence[str] = ()) -> list[str]:
    """Indicators in one fixed order for every table and chart: the themes in the plan's order
    (`plan_themes`, the kommun's own plan), else the catalog's, then by indicator id."""
    pairs = rows[["indicator", "theme"]].drop_duplicates("indicator")
    themes = [*plan_themes, *(t for t in THEMES if t not in plan_themes)]
    rank = {theme: i for i, theme in enumerate(themes)}
    keyed = sorted(pairs.itertuples(), key=lambda r: (rank.get(r.theme, len(themes)), r.indicator))
    return [r.indicator for r in keyed]


def plan_headings(themes: pd.DataFrame | None, kommun: str, area_id: str) -> dict[str, str]:
    """The plan's own theme headings (the `plan_theme` mart) for an area, catalog theme →
    heading in the plan's order; an area without its own plan row (e.g. "Hela kommunen") takes
    the kommun's first. Empty: the catalog's themes."""
    if themes is None or themes.empty:
        return {}
    rows = themes[themes.kommun == kommun]
    if rows.empty:
        return {}
    own = rows[rows.area_id == area_id]
    rows = own if not own.empty else rows[rows.area_id == rows.area_id.iloc[0]]
    return {r.theme: r.heading for r in rows.sort_values("position").itertuples()}


def membership(members: pd.DataFrame | None, kommun: str, area_id: str) -> list[dict]:
    """The area's DeSO per division (with their RegSO), and whether the kommun confirmed them."""
    if members is None:
        return []
    rows = members[(members.kommun == kommun) & (members.area_id == area_id)]
    out = []
    for division, d in rows.groupby("division", sort=True):
        out.append(
            {
                "division": division.replace("DeSO", "DeSO "),
                "deso": [
                    {"deso": r.deso, "regso_name": str(r.regso_name), "regso": r.regso}
                    for r in d.sort_values("deso").itertuples()
                ],
                "confirmed": sorted(set(d.status)) == ["bekräftad"],
            }
        )
    return out


def headline_levels(latest: pd.DataFrame) -> tuple[str, str]:
    """Whose values the headline table holds: (own, other) column titles."""
    against_riket = latest.comparison_level.str.startswith(AGAINST_RIKET)
    if against_riket.all():
        return texts.HEADLINE_LEVELS["kommun"]
    return texts.HEADLINE_LEVELS["area" if not against_riket.any() else "both"]


HEADLINE_COLUMNS = ["Indikator", "År", "{own}", "{other}", "Gap ({own_word} − {other_word})",
                    "Bättre/sämre än {other_word}", "Riktning", "Slutår"]  # fmt: skip
SHARED_COLUMNS = (6, 7)  # Riktning, Slutår: dropped for a sentence when every row says the same


def shown_gap(value: object, comparison: object, places: int) -> float | None:
    """The gap as the table shows it: the difference of the two values rounded as shown, so
    the three numbers in a row add up."""
    if value is None or comparison is None or pd.isna(value) or pd.isna(comparison):
        return None
    return round(float(value), places) - round(float(comparison), places)


def headline_row(
    r: pd.Series, trend: pd.DataFrame, segment: pd.DataFrame, other: str, notes: dict[str, str]
) -> dict:
    """One indicator's latest year in the headline table. `trend` holds its row of the
    `focus_area_trend` mart (or none), `segment` its values (year, gap) over the years;
    `notes` collects the table's footnotes (text → mark)."""
    places = decimals(r.unit)
    comparison = number(r.comparison_value, places)
    if r.comparison_level.startswith(AGAINST_RIKET) and other != texts.RIKET:
        comparison += texts.AGAINST_RIKET
    gap_value = shown_gap(r.value, r.comparison_value, places) if pd.notna(r.gap) else None
    gap = number(gap_value, places) + ("" if gap_value is None else f" {r.gap_unit}")
    if trend.empty:
        direction, parity = texts.MISSING, texts.MISSING
    else:
        t = trend.iloc[0]
        note = texts.restart_note(t)
        mark = None
        if note is not None:
            mark = notes.setdefault(note, texts.FOOTNOTE_MARKS[len(notes) % 9])
        direction = texts.direction_text(t, mark)
        start = t.get("series_start_year")
        if start is not None and pd.notna(start):
            segment = segment[segment.year >= int(start)]
        parity = texts.parity_text(segment[["year", "gap"]], t.parity_year_at_current_pace)
    return {
        "name": r.indicator_name,
        "demo": bool(r.demo),
        "cells": [
            str(r.year),
            number(r.value, places),
            comparison,
            gap,
            texts.favourable(gap_value, r.higher_is_better, places),
            direction,
            parity,
        ],
    }


def drop_shared_columns(columns: list[str], rows: list[dict]) -> tuple[list[str], list[str]]:
    """Columns that say the same in every row that has a value (two or more) leave the table for
    a sentence above it: the remaining columns, and the sentences. Changes `rows` in place."""
    body = [r for r in rows if "cells" in r]
    sentences, drop = [], []
    for col in SHARED_COLUMNS:
        shown = [r["cells"][col - 1] for r in body if r["cells"][col - 1] != texts.MISSING]
        values = set(shown)
        if len(shown) > 1 and len(values) == 1:
            value = values.pop()
            sentences.append(texts.SAME_IN_EVERY_ROW.format(column=columns[col], value=value))
            drop.append(col)
    for r in body:
        r["cells"] = [c for i, c in enumerate(r["cells"], start=1) if i not in drop]
    return [c for i, c in enumerate(columns) if i not in drop], sentences


def headline(
    area_rows: pd.DataFrame,
    trend: pd.DataFrame,
    order: list[str],
    headings: dict[str, str] | None = None,
) -> dict:
    """The headline table: each indicator's latest year, grouped by theme under a theme row,
    with its columns, the sentences for columns that say the same in every row, and the
    footnotes."""
    latest = area_rows.sort_values("year").groupby("indicator", sort=False).tail(1)
    latest = latest.set_index("indicator").loc[[i for i in order if i in set(latest.indicator)]]
    own, other = headline_levels(latest)
    rows: list[dict] = []
    notes: dict[str, str] = {}
    theme = None
    for indicator, r in latest.iterrows():
        if r.theme != theme:
            theme = r.theme
            rows.append({"theme": (headings or {}).get(theme) or theme.capitalize()})
        segment = area_rows[area_rows.indicator == indicator]
        rows.append(headline_row(r, trend[trend.indicator == indicator], segment, other, notes))
    words = {"own": own, "other": other}
    words |= {"own_word": own.split()[0].lower(), "other_word": other.split()[0].lower()}
    columns, sentences = drop_shared_columns([c.format(**words) for c in HEADLINE_COLUMNS], rows)
    return {
        "own": own,
        "other": other,
        "columns": columns,
        "sentences": sentences,
        "notes": [f"{mark} {note}" for note, mark in notes.items()],
        "rows": rows,
    }


def sex_rows(rows: pd.DataFrame, order: list[str]) -> list[list[str]]:
    """Women and men beside the total, the latest year of each indicator that has them:
    rows of indicator, year, total, women, men."""
    body = []
    for indicator in order:
        r = rows[rows.indicator == indicator]
        sexes = r[r.sex.isin(["1", "2"])]
        if sexes.empty:
            continue
        year = sexes.year.max()
        r = r[r.year == year].set_index("sex")
        cells = [number(r.value.get(sex), decimals(r.unit.iloc[0])) for sex in ("1+2", "2", "1")]
        body.append([r.indicator_name.iloc[0], str(year), *cells])
    return body


def area_charts(area_rows: pd.DataFrame, area_name: str, order: list[str]) -> list[dict]:
    """One chart per indicator, in the table's order."""
    out = []
    for indicator in order:
        rows = area_rows[area_rows.indicator == indicator]
        if not rows.empty:
            figure = indicator_chart(rows, area_name, bool(rows.demo.any()))
            out.append({"indicator": indicator, "figure": figure})
    return out


def area_sections(marts: dict[str, pd.DataFrame], kommun: str) -> list[dict]:
    """Every focus area's section (and the kommun's own, "Hela kommunen"), in the marts' order."""
    all_sexes = marts["focus_area_indicator"]
    all_sexes = all_sexes[all_sexes.kommun == kommun]
    indicators = all_sexes[all_sexes.sex == "1+2"]
    trend = marts["focus_area_trend"]
    trend = trend[(trend.kommun == kommun) & (trend.sex == "1+2")]
    sections = []
    for area_id, area_rows in indicators.groupby("area_id", sort=False):
        area_name = area_rows.area_name.iloc[0]
        headings = plan_headings(marts.get("plan_theme"), kommun, area_id)
        order = indicator_order(indicators, list(headings))
        sections.append(
            {
                "name": area_name,
                "membership": membership(marts.get("focus_area_membership"), kommun, area_id),
                "headline": headline(area_rows, trend[trend.area_id == area_id], order, headings),
                "sexes": sex_rows(all_sexes[all_sexes.area_id == area_id], order),
                **area_context(marts, kommun, area_id),
                "measures": area_measures(marts, kommun, area_id),
                "charts": area_charts(area_rows, area_name, order),
            }
        )
    return sections
