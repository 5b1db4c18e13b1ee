"""The indicators beside the measures that aim at them, as the integrationsbokslut shows them.

Per theme: each target indicator in each of the measures' areas, its latest value up to the
bokslut's year, the change since the plan started (or since the series restarted, when that
came later), and its direction as it stood at the end of the bokslut's year
(`focus_area_trend_history`, the committee report's rules). Per measure: the indicators whose
gap moved more than the indicator's threshold while the measure ran. Moving while a measure
ran is not the measure's doing; the text says so.
"""

from __future__ import annotations

import pandas as pd

from pipelines.publish import texts
from pipelines.publish.chart_style import decimals, number
from pipelines.publish.measures_section import (
    WHOLE_KOMMUN,
    area_words,
    latest_status,
    measure_list,
    period,
)


def split(text: object) -> list[str]:
    """'a|b' → ['a', 'b']; empty or missing → []."""
    return [] if not isinstance(text, str) or not text else text.split("|")


def measure_areas(row: pd.Series) -> list[str]:
    """The focus areas a measure concerns (the mart lists them in `areas`)."""
    return split(row.areas)


def series(indicators: pd.DataFrame, area_id: str, indicator: str, year: int) -> pd.DataFrame:
    """An indicator's yearly rows (both sexes) for an area up to `year`; for an indicator only
    the kommun as a whole has (Kolada), the kommun's rows."""
    rows = indicators[(indicators.indicator == indicator) & (indicators.year <= year)]
    own = rows[rows.area_id == area_id]
    return (own if not own.empty else rows[rows.area_id == WHOLE_KOMMUN]).sort_values("year")


def trend_as_of(history: pd.DataFrame | None, rows: pd.DataFrame, year: int) -> pd.Series | None:
    """The trend of the series in `rows` as it stood at the end of `year` (the latest
    computation up to that year), or None."""
    if history is None or history.empty or rows.empty:
        return None
    first = rows.iloc[0]
    h = history[
        (history.area_id == first.area_id)
        & (history.indicator == first.indicator)
        & (history.as_of_year <= year)
    ]
    return None if h.empty else h.sort_values("as_of_year").iloc[-1]


def change_since(rows: pd.DataFrame, trend: pd.Series | None, start: int) -> str:
    """The value's change from the plan's start (or the series' restart, if later) to the
    latest year, with the years it spans."""
    base_year = start
    if trend is not None and pd.notna(trend.get("series_start_year")):
        base_year = max(start, int(trend.series_start_year))
    values = rows[(rows.year >= base_year) & rows.value.notna()]
    if len(values) < 2:
        return texts.MISSING
    first, last = values.iloc[0], values.iloc[-1]
    places = decimals(last.unit)
    change = round(float(last.value), places) - round(float(first.value), places)
    sign = "+" if change > 0 else ""
    return f"{sign}{number(change, places)} ({int(first.year)}–{int(last.year)})"


def short_direction(trend: pd.Series) -> str:
    """'närmar sig sedan 2011', or 'för få år från 2024' after a series break (the table's
    note says what a restart is)."""
    start = _start(trend)
    if start is not None:
        return f"{trend.direction} från {start}"
    return f"{trend.direction} sedan {int(trend.first_year)}"


def sex_values(sexes: pd.DataFrame | None, last: pd.Series) -> list[str]:
    """Women's and men's values beside a row's total (same area, indicator and year)."""
    if sexes is None:
        return [texts.MISSING, texts.MISSING]
    same = (
        sexes[
            (sexes.area_id == last.area_id)
            & (sexes.indicator == last.indicator)
            & (sexes.year == last.year)
        ]
        .set_index("sex")
        .value
    )
    return [number(same.get(sex), decimals(last.unit)) for sex in ("2", "1")]


def indicator_row(
    rows: pd.DataFrame,
    history: pd.DataFrame | None,
    year: int,
    start: int,
    sexes: pd.DataFrame | None = None,
) -> dict:
    """One indicator in one area: latest value (women and men beside it), comparison value,
    change, direction."""
    last = rows[rows.value.notna()].iloc[-1]
    places = decimals(last.unit)
    trend = trend_as_of(history, rows, year)
    direction = texts.MISSING if trend is None else short_direction(trend)
    return {
        "name": f"{last.indicator_name}",
        "demo": bool(rows.demo.any()),
        "cells": [
            str(last.area_name),
            str(int(last.year)),
            number(last.value, places),
            *sex_values(sexes, last),
            number(last.comparison_value, places),
            change_since(rows, trend, start),
            direction,
        ],
    }


def theme_indicators(
    measures: pd.DataFrame,
    indicators: pd.DataFrame,
    history: pd.DataFrame | None,
    year: int,
    start: int,
    sexes: pd.DataFrame | None = None,
) -> list[dict]:
    """The indicators a theme's measures aim at, in each of their areas (each pair once)."""
    pairs: list[tuple[str, str]] = []
    for r in measure_list(measures).itertuples():
        for indicator in split(r.target_indicators):
            for area in measure_areas(r):
                if (indicator, area) not in pairs:
                    pairs.append((indicator, area))
    out, seen = [], set()
    for indicator, area in pairs:
        rows = series(indicators, area, indicator, year)
        key = (indicator, rows.area_id.iloc[0] if not rows.empty else area)
        if rows.value.notna().any() and key not in seen:
            seen.add(key)
            out.append(indicator_row(rows, history, year, start, sexes))
    return out


def _threshold(history: pd.DataFrame | None, indicator: str) -> float | None:
    if history is None or history.empty:
        return None
    rows = history[history.indicator == indicator].trend_threshold.dropna()
    return None if rows.empty else float(rows.iloc[0])


def moved(rows: pd.DataFrame, threshold: float | None, first: int, last: int) -> str | None:
    """How the gap moved from `first` to `last` (within the series as it then ran), when its
    absolute value changed by at least the indicator's threshold; '' when it moved less;
    None when it cannot be said (fewer than two years, or no threshold)."""
    window = rows[(rows.year >= first) & (rows.year <= last) & rows.gap.notna()]
    restarts = window[window.series_restarts.fillna(False).astype(bool)]
    if not restarts.empty:
        window = window[window.year >= restarts.year.max()]
    if len(window) < 2 or threshold is None:
        return None
    a, b = window.iloc[0], window.iloc[-1]
    change = abs(float(b.gap)) - abs(float(a.gap))
    if abs(change) < threshold:
        return ""
    places = decimals(b.unit)
    towards = texts.CLOSER if change < 0 else texts.FURTHER
    against = texts.RIKET_WORD if b.area_id == WHOLE_KOMMUN else texts.KOMMUN_WORD
    return texts.MOVED.format(
        indicator=b.indicator_name,
        area=b.area_name,
        first=number(a.gap, places),
        last=number(b.gap, places),
        unit=b.gap_unit,
        years=f"{int(a.year)}–{int(b.year)}",
        towards=towards.format(against=against),
    )


def moved_while_running(
    row: pd.Series, indicators: pd.DataFrame, history: pd.DataFrame | None, year: int
) -> tuple[list[str], int]:
    """The target indicators whose gap moved more than their threshold in the measure's
    years up to the bokslut's year, in words, and how many indicator series could be judged at
    all; never a claim that the measure moved them."""
    first = int(row.start_year)
    last = year if pd.isna(row.end_year) else min(int(row.end_year), year)
    out, judged = [], 0
    for indicator in split(row.target_indicators):
        for area in measure_areas(row):
            rows = series(indicators, area, indicator, year)
            text = moved(rows, _threshold(history, indicator), first, last)
            judged += text is not None
            if text and text not in out:
                out.append(text)
    return out, judged


def measure_item(
    r: pd.Series,
    measures: pd.DataFrame,
    indicators: pd.DataFrame,
    history: pd.DataFrame | None,
    year: int,
    names: dict[str, str],
) -> dict:
    """One measure under its theme: who, where, when, its latest status up to `year`, and
    which indicators moved while it ran."""
    moved_lines, judged = moved_while_running(r, indicators, history, year)
    return {
        "name": r.measure,
        "demo": bool(r.example),
        "responsible": r.responsible,
        "areas": area_words(r, names),
        "period": period(r),
        "status": latest_status(measures[measures.measure_id == r.measure_id], year),
        "moved": moved_lines,
        "judged": judged,
        "aims_at": bool(split(r.target_indicators)),
    }


def theme_groups(
    measures: pd.DataFrame,
    indicators: pd.DataFrame,
    history: pd.DataFrame | None,
    year: int,
    names: dict[str, str],
    headings: dict[str, str],
    sexes: pd.DataFrame | None = None,
) -> list[dict]:
    """Per theme (the plan's order and headings where it has them): its measures with their
    status in `year`, what moved while each ran, and the indicators they aim at."""
    start = int(measures.plan_start_year.min())
    order = [*headings, *sorted(set(measures.theme) - set(headings))]
    groups = []
    for theme in order:
        rows = measures[measures.theme == theme]
        if rows.empty:
            continue
        items = [
            measure_item(r, rows, indicators, history, year, names)
            for _, r in measure_list(rows).iterrows()
        ]
        indicator_rows = theme_indicators(rows, indicators, history, year, start, sexes)
        groups.append(
            {
                "theme": headings.get(theme) or theme.capitalize(),
                "measures": items,
                "indicators": indicator_rows,
            }  # fmt: skip
        )
    return groups


def _start(row: pd.Series) -> int | None:
    start = row.get("series_start_year")
    return None if start is None or pd.isna(start) else int(start)


def direction_changes(history: pd.DataFrame | None, kommun: str, year: int) -> dict[str, list]:
    """The indicators (per area, both sexes) whose direction at the end of `year` differs from
    the one at the end of the year before ('Indikator, Område: fjärmar sig → närmar sig'), and
    apart from them those whose series restarted in between (a new division or age group:
    their direction is judged anew, not changed)."""
    out: dict[str, list] = {"changed": [], "restarted": []}
    if history is None or history.empty:
        return out
    h = history[(history.kommun == kommun) & (history.sex == "1+2")]
    for _, rows in h.groupby(["area_id", "indicator"], sort=True):
        rows = rows.sort_values("as_of_year")
        now, before = rows[rows.as_of_year <= year], rows[rows.as_of_year <= year - 1]
        if now.empty or before.empty or now.iloc[-1].as_of_year == before.iloc[-1].as_of_year:
            continue
        a, b = before.iloc[-1], now.iloc[-1]
        if _start(a) != _start(b):
            out["restarted"].append(f"{b.indicator_name}, {b.area_name}")
        elif a.direction != b.direction:
            out["changed"].append(
                texts.DIRECTION_CHANGED.format(
                    indicator=b.indicator_name, area=b.area_name, was=a.direction, now=b.direction
                )
            )
    return out
