"""The committee report's national context: the kommun among the other kommuner loaded
(segregation index over time) and, per focus area, its områdestyp history and where it
stands among every DeSO loaded.

Reads the marts `segregation_index`, `focus_area_omradestyp` and
`focus_area_national_context`; a report built without them (an older published set)
simply leaves these parts out. Returns plain data for `templates/kommuner.html.j2` and
`templates/area.html.j2`.
"""

from __future__ import annotations

import pandas as pd

from pipelines.analysis.omradestyp import TYPE_LABELS
from pipelines.publish import texts
from pipelines.publish.chart_style import number
from pipelines.publish.charts import kommun_index_chart

HEADLINE_MEASURE = "dissimilarity"


def _count(value: object) -> str:
    return texts.MISSING if value is None or pd.isna(value) else str(int(value))


def index_headline(index: pd.DataFrame) -> pd.DataFrame:
    """The headline measure, one division per kommun and year: the one SCB's data is on."""
    headline = index[index.measure == HEADLINE_MEASURE]
    return headline.sort_values(["kommun", "year", "division"]).drop_duplicates(
        ["kommun", "year"], keep="last"
    )


def index_summary(own: pd.DataFrame) -> dict:
    """The kommun's latest headline index for the text: year, D, what chance alone gives,
    the adjusted D, and its place among the kommuner loaded (None when not known)."""
    latest = own.sort_values("year").iloc[-1]
    expected = latest.get("expected_random")
    has_expected = expected is not None and pd.notna(expected)
    return {
        "year": int(latest.year),
        "value": number(latest.value, 2),
        "expected": number(expected, 2) if has_expected else None,
        "adjusted": number(latest.get("adjusted"), 2) if has_expected else None,
        "others": int(latest.kommuner_compared) if "kommuner_compared" in own else None,
        "rank": int(latest.rank_among_kommuner) if "rank_among_kommuner" in own else None,
    }


def measure_rows(rows: pd.DataFrame) -> list[dict]:
    """Every measure of one year: value, what chance gives (95 % interval), adjusted, place."""
    order = {m: i for i, m in enumerate(texts.MEASURE_WORDS)}
    out = []
    for r in rows.sort_values("measure", key=lambda m: m.map(order)).itertuples():
        low, high = getattr(r, "interval_low", None), getattr(r, "interval_high", None)
        interval = (
            texts.MISSING if low is None or pd.isna(low) else f"{number(low, 3)}–{number(high, 3)}"
        )
        rank = _count(getattr(r, "rank_among_kommuner", None))
        compared = _count(getattr(r, "kommuner_compared", None))
        out.append(
            {
                "name": texts.MEASURE_WORDS.get(r.measure, r.measure),
                "demo": bool(r.demo),
                "cells": [
                    number(r.value, 3),
                    f"{number(getattr(r, 'expected_random', None), 3)} ({interval})",
                    number(getattr(r, "adjusted", None), 3),
                    f"{rank} av {compared}",
                ],
            }
        )
    return out


def kommun_comparison(marts: dict[str, pd.DataFrame], kommun: str, kommun_name: str) -> dict | None:
    """Section "<kommun> jämfört med andra kommuner", or None without the kommun's index."""
    index = marts.get("segregation_index")
    if index is None or index.empty or not (index.kommun == kommun).any():
        return None
    own_all = index[index.kommun == kommun]
    headline = index_headline(index)
    own = headline[headline.kommun == kommun]
    figure = None
    if not own.empty:
        figure = kommun_index_chart(headline, kommun, kommun_name, bool(headline.demo.any()))
    latest_year = own_all.year.max()
    return {
        "name": kommun_name,
        "summary": index_summary(own) if not own.empty else None,
        "figure": figure,
        "year": latest_year,
        "measures": measure_rows(own_all[own_all.year == latest_year]),
    }


def omradestyp_rows(types: pd.DataFrame | None, kommun: str, area_id: str) -> list[list[str]]:
    """The area's RegSO and their områdestyp per year: year, RegSO, type, share of residents."""
    if types is None or types.empty:
        return []
    rows = types[(types.kommun == kommun) & (types.area_id == area_id)]
    body = []
    for r in rows.sort_values(["year", "regso"]).itertuples():
        if pd.isna(r.omradestyp):
            kind = texts.MISSING
        else:
            label = getattr(r, "omradestyp_label", None) or TYPE_LABELS.get(int(r.omradestyp), "")
            kind = f"{int(r.omradestyp)} {label}"
        share = getattr(r, "population_andel", None)
        regso_name = str(getattr(r, "regso_name", "") or r.regso)
        body.append(
            [
                str(r.year),
                f"{regso_name} ({r.regso})",
                kind,
                texts.MISSING if share is None or pd.isna(share) else number(share, 0) + " %",
            ]
        )
    return body


def national_rows(context: pd.DataFrame | None, kommun: str, area_id: str) -> list[dict]:
    """The area's latest national percentile per indicator, and what it means."""
    if context is None or context.empty:
        return []
    rows = context[
        (context.kommun == kommun) & (context.area_id == area_id) & (context.sex == "1+2")
    ]
    out = []
    for r in rows.sort_values("year").groupby("indicator", sort=False).tail(1).itertuples():
        if pd.notna(r.share_of_deso_better_off):
            words = texts.SHARE_BETTER_OFF.format(share=number(r.share_of_deso_better_off, 0))
        else:
            words = texts.HIGHER_THAN.format(percentile=number(r.percentile, 0))
        compared = texts.COMPARED_WITH.format(
            deso=int(r.deso_compared), kommuner=int(r.kommuner_compared)
        )
        out.append(
            {
                "name": r.indicator_name,
                "demo": bool(r.demo),
                "cells": [str(r.year), number(r.percentile, 0), words, compared],
            }
        )
    return out


def area_context(marts: dict[str, pd.DataFrame], kommun: str, area_id: str) -> dict:
    """The focus area's områdestyp per year and RegSO, and its latest national percentiles."""
    return {
        "omradestyp": omradestyp_rows(marts.get("focus_area_omradestyp"), kommun, area_id),
        "national": national_rows(marts.get("focus_area_national_context"), kommun, area_id),
    }
