"""The kommun's population by background (as the plan's Tabell 1), and the report's sources.

Plain data for `templates/background.html.j2` and the sources table of the page.
"""

from __future__ import annotations

import pandas as pd

from pipelines.publish import texts
from pipelines.publish.chart_style import number
from pipelines.publish.charts import background_chart

COUNTS = (  # (count, share) per group, then the total, as in Tabell 1
    ("utrikes_fodda_antal", "utrikes_fodda_andel"),
    ("inrikes_fodda_tva_utrikes_foraldrar_antal", "inrikes_fodda_tva_utrikes_foraldrar_andel"),
    ("inrikes_fodda_ovriga_antal", "inrikes_fodda_ovriga_andel"),
)


def _status(r: object) -> str:
    """Whether a year's figures are published or demo data, and its series break if any."""
    text = texts.DEMO_MARK if r.demo else texts.PUBLISHED
    series_break = getattr(r, "series_break", None)
    if series_break and pd.notna(series_break):
        text += f"; seriebrott: {texts.short_break(series_break)}"
    return text


def background_rows(background: pd.DataFrame) -> list[list[str]]:
    """One row per year: year, each group's count and share, the total, and the status."""
    rows = []
    for r in background.itertuples():
        cells = [str(r.year)]
        for count, share in COUNTS:
            cells += [number(getattr(r, count), 0), number(getattr(r, share))]
        rows.append([*cells, number(r.totalt_antal, 0), _status(r)])
    return rows


def background_section(background: pd.DataFrame) -> dict | None:
    """The section's chart and table, or None when the kommun has no such figures."""
    if background.empty:
        return None
    return {
        "figure": background_chart(background, bool(background.demo.any())),
        "rows": background_rows(background),
    }


def source_rows(indicators: pd.DataFrame, background: pd.DataFrame) -> list[list[str]]:
    """Each source table and when it was updated; the plan's published figures first."""
    columns = ["source_table", "source_updated"]
    sources = (
        pd.concat([indicators[columns], background[columns]])
        .drop_duplicates()
        .sort_values("source_table")
    )
    rows = [[str(s.source_table), str(s.source_updated)[:10]] for s in sources.itertuples()]
    published = background[~background.demo.astype(bool)]
    if not published.empty:
        source = texts.BACKGROUND_SOURCE.format(
            plan=texts.PLAN_SOURCE,
            years=f"{int(published.year.min())}–{int(published.year.max())}",
            tables=", ".join(sorted(set(published.source_table))),
        )
        rows.insert(0, [source, texts.PUBLISHED_IN_PLAN])
    return rows
