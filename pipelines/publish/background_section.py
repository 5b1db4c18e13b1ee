"""The kommun's population by background, and the report's sources by name.

Plain data for `templates/background.html.j2` and the sources table of the page.
"""

from __future__ import annotations

from pathlib import Path

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


def published_years(background: pd.DataFrame, kommun: str) -> str | None:
    """The years whose background figures are the ones the plan published (Tabell 1), as
    'first–last'; None for any other kommun, or when none of its figures are those."""
    if kommun != texts.PLAN_SOURCE_KOMMUN or background.empty:
        return None
    published = background[~background.demo.astype(bool)]
    if published.empty:
        return None
    return f"{int(published.year.min())}–{int(published.year.max())}"


def source_names(raw_dir: Path | None) -> dict[str, str]:
    """Each source id's name from the catalog: SCB table id → the series' title, 'Kolada
    N00957' → the KPI's title, 'request <name>' → the request's title. Empty when the catalog
    cannot be read."""
    from pipelines.core.settings import Settings
    from pipelines.registry.catalog import CatalogError, load_catalog

    try:
        catalog = load_catalog(raw_dir or Settings.from_env().raw_dir)
    except (CatalogError, OSError):
        return {}
    names: dict[str, str] = {f"request {r.name}": r.title for r in catalog.scb.values()}
    for request in catalog.scb.values():  # a table in several requests: the first one's title
        for table in request.tables:
            names.setdefault(table.table_id, request.title)
    for k in catalog.kolada.values():
        names[f"Kolada {k.kpi}"] = k.kpi_title or k.name
    return names


def source_name(source: str, names: dict[str, str]) -> str:
    """A source as the committee reads it: its name with the id in brackets, 'TAB6684+TAB6571'
    as both tables by name."""
    if source.startswith("Kolada ") and source in names:
        return f"Kolada: {names[source]} ({source.removeprefix('Kolada ')})"
    parts = source.split("+")
    if all(part in names for part in parts):
        return "SCB: " + texts.join_words([f"{names[part]} ({part})" for part in parts])
    return source


def source_rows(
    indicators: pd.DataFrame,
    background: pd.DataFrame,
    kommun: str,
    names: dict[str, str] | None = None,
) -> list[list[str]]:
    """Each source by name and when it was updated; the plan's published figures first."""
    columns = ["source_table", "source_updated"]
    sources = (
        pd.concat([indicators[columns], background[columns]])
        .drop_duplicates()
        .sort_values("source_table")
    )
    rows = [
        [source_name(str(s.source_table), names or {}), str(s.source_updated)[:10]]
        for s in sources.itertuples()
    ]
    years = published_years(background, kommun)
    if years:
        published = background[~background.demo.astype(bool)]
        source = texts.BACKGROUND_SOURCE.format(
            plan=texts.PLAN_SOURCE,
            years=years,
            tables=", ".join(sorted(set(published.source_table))),
        )
        rows.insert(0, [source, texts.PUBLISHED_IN_PLAN])
    return rows


def missing_sources(status: pd.DataFrame | None, names: dict[str, str]) -> list[str]:
    """A sentence per source the run went on without (the `source_status` mart): which measure
    is missing in this run, and why."""
    if status is None or status.empty:
        return []
    return [
        texts.SOURCE_MISSING.format(
            title=names.get(f"request {r.request}", r.request), reason=str(r.reason).rstrip(".")
        )
        for r in status.itertuples()
    ]
