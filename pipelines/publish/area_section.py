"""One section per focus area (and "Hela kommunen"): its DeSO, the headline table, women and
men, the area's place among all DeSO, and one chart per indicator.

Every function returns plain data (rows of formatted Swedish strings, figures); the template
`templates/area.html.j2` lays it out.
"""

from __future__ import annotations

import pandas as pd

from pipelines.publish import texts
from pipelines.publish.chart_style import decimals, number
from pipelines.publish.charts import indicator_chart
from pipelines.publish.context_section import area_context
from pipelines.registry.catalog import THEMES

AGAINST_RIKET = "kommun mot riket"


def indicator_order(rows: pd.DataFrame) -> list[str]:
    """Indicators in one fixed order for every area, table and chart: the plan's themes in
    the plan's order, then by indicator id."""
    pairs = rows[["indicator", "theme"]].drop_duplicates("indicator")
    rank = {theme: i for i, theme in enumerate(THEMES)}
    keyed = sorted(pairs.itertuples(), key=lambda r: (rank.get(r.theme, len(THEMES)), r.indicator))
    return [r.indicator for r in keyed]


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


def headline_row(r: pd.Series, trend: pd.DataFrame, segment: pd.DataFrame, other: str) -> dict:
    """One indicator's latest year in the headline table. `trend` holds its row of the
    `focus_area_trend` mart (or none), `segment` its values (year, gap) over the years."""
    places = decimals(r.unit)
    comparison = number(r.comparison_value, places)
    if r.comparison_level.startswith(AGAINST_RIKET) and other != texts.RIKET:
        comparison += texts.AGAINST_RIKET
    gap = number(r.gap, places) + ("" if pd.isna(r.gap) else f" {r.gap_unit}")
    if trend.empty:
        direction, parity = texts.MISSING, texts.MISSING
    else:
        t = trend.iloc[0]
        direction = texts.direction_text(t)
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
            texts.favourable(r.gap, r.higher_is_better),
            direction,
            parity,
        ],
    }


def headline(area_rows: pd.DataFrame, trend: pd.DataFrame, order: list[str]) -> dict:
    """The headline table: each indicator's latest year, grouped by theme under a theme row."""
    latest = area_rows.sort_values("year").groupby("indicator", sort=False).tail(1)
    latest = latest.set_index("indicator").loc[[i for i in order if i in set(latest.indicator)]]
    own, other = headline_levels(latest)
    rows: list[dict] = []
    theme = None
    for indicator, r in latest.iterrows():
        if r.theme != theme:
            theme = r.theme
            rows.append({"theme": theme.capitalize()})
        segment = area_rows[area_rows.indicator == indicator]
        rows.append(headline_row(r, trend[trend.indicator == indicator], segment, other))
    return {"own": own, "other": other, "rows": rows}


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
    order = indicator_order(indicators)
    sections = []
    for area_id, area_rows in indicators.groupby("area_id", sort=False):
        area_name = area_rows.area_name.iloc[0]
        sections.append(
            {
                "name": area_name,
                "membership": membership(marts.get("focus_area_membership"), kommun, area_id),
                "headline": headline(area_rows, trend[trend.area_id == area_id], order),
                "sexes": sex_rows(all_sexes[all_sexes.area_id == area_id], order),
                **area_context(marts, kommun, area_id),
                "charts": area_charts(area_rows, area_name, order),
            }
        )
    return sections
