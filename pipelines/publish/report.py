"""The committee report: one self-contained Swedish HTML file per kommun.

Reads only Parquet exports, never the writer's database: in a run, the marts' staged
Parquet files, so the reports are published in the same swap as the marts; afterwards,
`segregation report` rebuilds one from the published files. Plotly's JavaScript is inlined
once per file, so the report opens offline in any browser. When any figure comes from
demo data, a banner says so at the top and every affected chart says so in its title.
The map at the top (`pipelines/publish/maps.py`) draws the kommun's DeSO boundaries from the raw
layer, coloured by the `deso_indicator` mart, with plain filled shapes that need no network.
"""

from __future__ import annotations

import html
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pyarrow.parquet as pq

from pipelines.publish import maps
from pipelines.publish.chart_style import UNIT_TITLES, number, template
from pipelines.publish.report_context import area_context_html, kommun_comparison_section

MARTS = ("population_background", "focus_area_indicator", "focus_area_trend")
OPTIONAL_MARTS = (  # maps, areas' DeSO, national context (pipelines/publish/report_context.py)
    "deso_indicator",
    "focus_area_membership",
    "segregation_index",
    "regso_omradestyp",
    "focus_area_omradestyp",
    "focus_area_national_context",
)
SEX_LABELS = {"1+2": "totalt", "1": "män", "2": "kvinnor"}
THEMES = (  # the plan's five themes, in the plan's order (pipelines/registry/catalog.py)
    "bostadsområden",
    "brottslighet och trygghet",
    "barn och ungas uppväxtvillkor",
    "kultur, demokrati och civilsamhälle",
    "arbete och vuxenutbildning",
)
PARITY_MIN_YEARS = 5  # years of data in the current segment before a parity year is given
PARITY_MAX_AHEAD = 20  # a parity year further ahead than this is not given
PLAN_SOURCE = "Tabell 1, Järfälla kommuns handlingsplan för integration 2017–2018 (Dnr Kst 2016/56)"
COLORS = {"area": "#c0392b", "kommun": "#2c3e50", "rest": "#7f8c8d"}
DEMO_BANNER = (
    "Rapporten innehåller DEMODATA: påhittade siffror som visar hur rapporten fungerar, inte "
    "SCB:s statistik. Diagram och tabeller med demodata är märkta. Kör pipelinen med "
    "SEGREGATION_SOURCE=live för verkliga värden."
)


class ReportError(RuntimeError):
    """The published marts needed for the report are missing or do not cover the kommun."""


@dataclass
class ReportResult:
    path: Path
    charts: int
    demo: bool


def load_marts(marts_dir: Path, kommuner: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """The published marts the report reads, from Parquet (see :func:`read_marts`)."""
    return read_marts(
        {name: Path(marts_dir) / f"{name}.parquet" for name in MARTS + OPTIONAL_MARTS + PLAN_MARTS},
        kommuner,
    )


def read_marts(
    paths: dict[str, Path], kommuner: Sequence[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The report's marts from these Parquet files (published, or staged for publishing).

    With `kommuner` (the kommuner to report on), the two marts that cover every DeSO and
    RegSO loaded are read only as far as those reports use them: `deso_indicator` for the
    kommuner's own DeSO (the maps), `regso_indicator` for their comparison areas. For the
    whole country that is a few thousand rows instead of 1.4 million."""
    out = {}
    for name in MARTS:
        path = paths.get(name)
        if path is None or not Path(path).exists():
            raise ReportError(f"{path or name} is missing: run the pipeline first (make run).")
        out[name] = pd.read_parquet(path)
    for name in OPTIONAL_MARTS + PLAN_MARTS:
        path = paths.get(name)
        if path is None or not Path(path).exists():
            continue
        if kommuner is not None and name == "deso_indicator":
            out[name] = _read_where(path, "kommun", kommuner)
        elif kommuner is not None and name == "regso_indicator":
            comparisons = out.get("comparison_area")
            wanted = [] if comparisons is None else comparisons.comparison_regso.unique().tolist()
            out[name] = _read_where(path, "regso", wanted)
        else:
            out[name] = pd.read_parquet(path)
    return out


def _read_where(path: Path, column: str, values: Sequence[str]) -> pd.DataFrame:
    """The rows of a Parquet file whose `column` is one of `values` (none: no rows)."""
    if not values:
        return pq.read_schema(path).empty_table().to_pandas()
    return pd.read_parquet(path, filters=[(column, "in", list(values))])


def _chart(fig: go.Figure, first: bool) -> str:
    fig.update_layout(
        template=template(),
        height=360,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.2},
        separators=", ",
        font={"family": "sans-serif"},
    )
    # full numbers with a space between thousands (13 200, never 13,2k)
    fig.update_yaxes(tickformat=",~f", exponentformat="none")
    fig.update_xaxes(tickformat="d")
    return fig.to_html(
        full_html=False,
        include_plotlyjs=first,
        config={"displaylogo": False, "displayModeBar": False, "locale": "sv"},
    )


def short_break(text: str) -> str:
    """A series break in a few Swedish words for a chart: 'ny indelning: DeSO 2025; ny
    tabell: TAB6534' → 'DeSO 2025, ny tabell'."""
    words = []
    for part in str(text).split("; "):
        kind, _, what = part.partition(": ")
        if kind == "ny indelning" or kind == "ny åldersgrupp":
            words.append(what)
        elif kind == "ny tabell":
            words.append("ny tabell")
        elif "CKM" in part:
            words.append("SCB:s brus (CKM)")
        else:
            words.append(part)
    return ", ".join(words)


def restart_words(reason: object) -> str:
    """Why a trend restarts, in a few words for the headline table."""
    text = str(reason)
    if "obekräftade" in text:
        return "ny DeSO-indelning, områdets DeSO 2025 obekräftade"
    if "täcker inte samma område" in text:
        return "ny DeSO-indelning, annat område"
    if text.startswith("ny åldersgrupp"):
        return text
    return "seriebrott"


def mark_breaks(fig: go.Figure, rows: pd.DataFrame) -> None:
    """A dashed line and a short Swedish note before each year whose series breaks."""
    if "series_break" not in rows.columns:
        return
    breaks = rows.dropna(subset=["series_break"]).drop_duplicates("year")
    for r in breaks.itertuples():
        fig.add_vline(x=r.year - 0.5, line={"color": "#888", "dash": "dash", "width": 1})
        fig.add_annotation(
            x=r.year - 0.5,
            y=1.0,
            yref="paper",
            yanchor="bottom",
            xanchor="right",
            showarrow=False,
            text=f"Seriebrott: {html.escape(short_break(r.series_break))}",
            font={"size": 10, "color": "#555"},
        )


def _titles(fig: go.Figure, name: str, unit: str, demo: bool) -> None:
    """An indicator chart's title (marked when it shows demo data) and axis titles."""
    title = name + ("<br><sup>DEMODATA, inte SCB:s statistik</sup>" if demo else "")
    fig.update_layout(title={"text": title, "font": {"size": 15}}, showlegend=True)
    fig.update_xaxes(title_text="År", dtick=1)
    fig.update_yaxes(title_text=UNIT_TITLES.get(unit, unit))


def indicator_chart(rows: pd.DataFrame, area_name: str, demo: bool) -> go.Figure:
    rows = rows.sort_values("year")
    name, unit = rows.indicator_name.iloc[0], rows.unit.iloc[0]
    fig = go.Figure()
    against_riket = rows.comparison_level.iloc[0].startswith("kommun mot riket")
    lines = [
        ("value", area_name, COLORS["area"]),
        ("comparison_value", "Riket" if against_riket else "Kommunen", COLORS["kommun"]),
    ]
    if rows.rest_of_kommun_value.notna().any():
        lines.append(("rest_of_kommun_value", "Övriga kommunen", COLORS["rest"]))
    if unit == "personer":  # a count: the kommun is not on the same scale
        lines = lines[:1]
    for column, label, color in lines:
        fig.add_trace(
            go.Scatter(
                x=rows.year,
                y=rows[column],
                name=label,
                mode="lines+markers",
                line={
                    "color": color,
                    "dash": "solid"
                    if column == "value"
                    else "dot"
                    if column == "rest_of_kommun_value"
                    else "dash",
                },
            )
        )
    _titles(fig, name, unit, demo)
    mark_breaks(fig, rows)
    return fig


def background_chart(rows: pd.DataFrame, demo: bool) -> go.Figure:
    fig = go.Figure()
    for column, label in (
        ("utrikes_fodda_andel", "Utrikes födda"),
        (
            "inrikes_fodda_tva_utrikes_foraldrar_andel",
            "Inrikes födda med två utrikes födda föräldrar",
        ),
        ("inrikes_fodda_ovriga_andel", "Övriga inrikes födda"),
    ):
        fig.add_trace(go.Scatter(x=rows.year, y=rows[column], name=label, mode="lines+markers"))
    subtitle = "<br><sup>Delvis DEMODATA: se kolumnen Uppgift i tabellen</sup>" if demo else ""
    fig.update_layout(
        title={"text": "Befolkning efter bakgrund, andel (%)" + subtitle, "font": {"size": 15}}
    )
    published = rows[~rows.demo.astype(bool)]
    if demo and not published.empty:
        first, last = int(published.year.min()), int(published.year.max())
        fig.add_vrect(
            x0=first - 0.5,
            x1=last + 0.5,
            fillcolor="#d6eaf8",
            opacity=0.6,
            layer="below",
            line_width=0,
            annotation_text=f"Publicerade siffror {first}–{last}",
            annotation_position="top left",
            annotation_font={"size": 10, "color": "#1f4e79"},
        )
        fig.add_annotation(
            x=last + 0.5,
            y=1.0,
            yref="paper",
            xanchor="left",
            yanchor="top",
            showarrow=False,
            text="Demodata efter " + str(last),
            font={"size": 10, "color": "#c0392b"},
        )
    mark_breaks(fig, rows)
    fig.update_xaxes(title_text="År", dtick=2)
    fig.update_yaxes(title_text="Andel av befolkningen (%)", rangemode="tozero")
    return fig


def indicator_order(rows: pd.DataFrame) -> list[str]:
    """Indicators in one fixed order for every area, table and chart: the plan's themes in
    the plan's order, then by indicator id."""
    pairs = rows[["indicator", "theme"]].drop_duplicates("indicator")
    rank = {theme: i for i, theme in enumerate(THEMES)}
    keyed = sorted(pairs.itertuples(), key=lambda r: (rank.get(r.theme, len(THEMES)), r.indicator))
    return [r.indicator for r in keyed]


def favourable(gap: object, higher_is_better: object) -> str:
    """Whether a gap (the area minus its comparison) is favourable, from the catalog's
    higher_is_better: 'bättre', 'sämre', 'lika' or 'ingen värdering' (neutral)."""
    if gap is None or pd.isna(gap):
        return "–"
    better = str(higher_is_better).lower()
    if better not in ("true", "false"):
        return "ingen värdering"
    if round(float(gap), 1) == 0:
        return "lika"
    return "bättre" if (float(gap) > 0) == (better == "true") else "sämre"


def parity_text(gaps: pd.DataFrame, parity: object) -> str:
    """The parity year, only when the current segment has at least PARITY_MIN_YEARS years,
    the absolute gap shrinks steadily (in at least two of three steps, and from first to
    last year) and the year is at most PARITY_MAX_AHEAD years after the latest; otherwise
    'inget slutår beräknas' with the reason. `gaps` holds year and gap of the segment."""
    gaps = gaps.dropna(subset=["gap"]).sort_values("year")
    years = len(gaps)
    if years < PARITY_MIN_YEARS:
        return (
            f"inget slutår beräknas: {years} år med data i serien (minst {PARITY_MIN_YEARS} behövs)"
        )
    size = gaps.gap.abs().tolist()
    steps = [b < a for a, b in zip(size, size[1:])]
    if not size[-1] < size[0]:
        return "inget slutår beräknas: gapet minskar inte"
    if sum(steps) * 3 < len(steps) * 2:
        return "inget slutår beräknas: gapet minskar inte jämnt"
    if parity is None or pd.isna(parity):
        return "inget slutår beräknas: gapet minskar för långsamt"
    latest = int(gaps.year.iloc[-1])
    if int(parity) - latest > PARITY_MAX_AHEAD:
        return (
            f"inget slutår beräknas: i nuvarande takt mer än {PARITY_MAX_AHEAD} år fram "
            f"({int(parity)})"
        )
    return f"i nuvarande takt lika {int(parity)}"


def membership_html(members: pd.DataFrame | None, kommun: str, area_id: str) -> str:
    """The area's DeSO and RegSO per division, and whether the kommun has confirmed them."""
    if members is None:
        return ""
    rows = members[(members.kommun == kommun) & (members.area_id == area_id)]
    if rows.empty:
        return ""
    lines = []
    for division, d in rows.groupby("division", sort=True):
        deso = ", ".join(
            f"{html.escape(r.deso)} (RegSO {html.escape(str(r.regso_name))}, {html.escape(r.regso)})"
            for r in d.sort_values("deso").itertuples()
        )
        statuses = sorted(set(d.status))
        status = (
            "bekräftade av kommunen"
            if statuses == ["bekräftad"]
            else "<strong>obekräftad</strong>: kommunen har inte bekräftat att området består av "
            "just dessa DeSO"
        )
        label = division.replace("DeSO", "DeSO ")
        lines.append(f"<li>{html.escape(label)}: {deso} – {status}</li>")
    return f'<div class="membership"><p>Områdets DeSO:</p><ul>{"".join(lines)}</ul></div>'


def sex_table(rows: pd.DataFrame, order: list[str]) -> str:
    """Women and men beside the total, the latest year of each indicator that has them."""
    by_sex = rows[rows.sex.isin(["1", "2"])]
    if by_sex.empty:
        return ""
    body = []
    for indicator in order:
        r = rows[rows.indicator == indicator]
        sexes = r[r.sex.isin(["1", "2"])]
        if sexes.empty:
            continue
        year = sexes.year.max()
        r = r[r.year == year].set_index("sex")
        decimals = 0 if r.unit.iloc[0] in ("personer", "per 100 000 inv.") else 1
        cells = [number(r.value.get(sex), decimals) for sex in ("1+2", "2", "1")]
        body.append([html.escape(r.indicator_name.iloc[0]), str(year), *cells])
    if not body:
        return ""
    return "<h3>Kvinnor och män</h3>" + _table(
        ["Indikator", "År", "Totalt", "Kvinnor", "Män"], body, "numbers sexes"
    )


def _table(headers: list[str], rows: list[list[str]], css: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        row if isinstance(row, str) else "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def omradestyp_map(
    types: pd.DataFrame | None, kommun: str, boundaries: maps.Boundaries | None
) -> go.Figure | None:
    """The kommun's RegSO coloured by områdestyp the latest year SCB gives one, or None."""
    if types is None or types.empty or boundaries is None:
        return None
    own = types[(types.kommun == kommun) & types.omradestyp.notna()]
    if own.empty:
        return None
    year = int(own.year.max())
    return maps.regso_map(boundaries, own[own.year == year][["regso", "omradestyp"]], year=year)


def map_section(
    marts: dict[str, pd.DataFrame],
    kommun: str,
    kommun_name: str,
    raw_dir: Path | None,
    first: bool,
    indicator: str = maps.DEFAULT_MAP_INDICATOR,
) -> tuple[str, int]:
    """The map section's HTML and its number of maps (0 when a sentence says why none)."""
    if raw_dir is None:
        from pipelines.core.settings import Settings

        raw_dir = Settings.from_env().raw_dir
    boundaries = maps.load_deso_boundaries(raw_dir, kommun)  # read once, for both maps
    figure = maps.deso_map_for_kommun(
        marts.get("deso_indicator"), kommun, kommun_name, raw_dir, indicator, boundaries
    )
    parts = ['<section class="maps"><h2>Karta</h2>']
    if isinstance(figure, str):
        parts.append(f'<p class="no-map">{html.escape(figure)}</p></section>')
        return "".join(parts), 0
    figures = [figure, *filter(None, [maps.focus_zoom(figure)])]
    types_map = omradestyp_map(marts.get("regso_omradestyp"), kommun, boundaries)
    if types_map is not None:
        figures.append(types_map)
    plots = [
        fig.to_html(
            full_html=False,
            include_plotlyjs=first and i == 0,
            config={
                "displaylogo": False,
                "displayModeBar": False,
                "locale": "sv",
                "scrollZoom": True,
            },
        )
        for i, fig in enumerate(figures)
    ]
    parts.append(
        "<p>Kommunens DeSO färgade efter indikatorns värde senaste året; fokusområdena har röd "
        "kontur och namn. Håll muspekaren över ett område för DeSO, RegSO, fokusområde och värde. "
        "Grått betyder att uppgift saknas (undertryckt cell, eller en DeSO-kod som inte finns i "
        "uppgifternas områdesindelning). Rulla för att zooma, dubbelklicka för att återställa."
        + (
            " Den sista kartan visar SCB:s områdestyp per RegSO det senaste året med uppgift."
            if types_map is not None
            else ""
        )
        + "</p>"
    )
    for i, plot in enumerate(plots):
        parts.append(f'<div class="map" id="karta-deso-{kommun}-{i + 1}">{plot}</div>')
    parts.append("</section>")
    return "".join(parts), len(plots)


def build_report(
    marts: dict[str, pd.DataFrame],
    kommun: str,
    kommun_name: str,
    run_date: date,
    raw_dir: Path | None = None,
) -> tuple[str, int, bool]:
    """The report's HTML for one kommun, the number of charts, and whether demo data is in it.

    `raw_dir` holds the map's boundaries (default: `SEGREGATION_RAW_DIR`)."""
    all_sexes = marts["focus_area_indicator"]
    all_sexes = all_sexes[all_sexes.kommun == kommun]
    indicators = all_sexes[all_sexes.sex == "1+2"]
    trend = marts["focus_area_trend"]
    trend = trend[(trend.kommun == kommun) & (trend.sex == "1+2")]
    background = marts["population_background"]
    background = background[background.kommun == kommun].sort_values("year")
    members = marts.get("focus_area_membership")
    if indicators.empty and background.empty:
        raise ReportError(f"The published marts hold no data for kommun {kommun}.")
    demo = bool(indicators.demo.any() or background.demo.any())
    order = indicator_order(indicators)

    parts: list[str] = []
    map_html, charts = map_section(marts, kommun, kommun_name, raw_dir, first=True)
    parts.append(map_html)
    first = charts == 0
    for area_id, area_rows in indicators.groupby("area_id", sort=False):
        area_name = area_rows.area_name.iloc[0]
        latest = area_rows.sort_values("year").groupby("indicator", sort=False).tail(1)
        latest = latest.set_index("indicator").loc[[i for i in order if i in set(latest.indicator)]]
        against_riket = latest.comparison_level.str.startswith("kommun mot riket")
        own, other = (
            ("Kommunen", "Riket")
            if against_riket.all()
            else ("Området", "Kommunen")
            if not against_riket.any()
            else ("Området (eller kommunen)", "Kommunen (eller riket)")
        )
        table_rows: list = []
        theme = None
        for indicator, r in latest.iterrows():
            if r.theme != theme:
                theme = r.theme
                table_rows.append(
                    f'<tr class="theme"><td colspan="8">{html.escape(theme.capitalize())}</td></tr>'
                )
            t = trend[(trend.area_id == area_id) & (trend.indicator == indicator)]
            direction = t.direction.iloc[0] if not t.empty else "–"
            since = f" sedan {t.first_year.iloc[0]}" if not t.empty else ""
            start = None
            if not t.empty and "series_start_year" in t and pd.notna(t.series_start_year.iloc[0]):
                # the trend restarted at a break: say so, and what it was before
                start = int(t.series_start_year.iloc[0])
                before = t.previous_direction.iloc[0]
                since = f" från {start} ({restart_words(t.restart_reason.iloc[0])})"
                if pd.notna(before):
                    since += (
                        f"; {int(t.previous_first_year.iloc[0])}–"
                        f"{int(t.previous_latest_year.iloc[0])}: {before}"
                    )
            parity = t.parity_year_at_current_pace.iloc[0] if not t.empty else None
            segment = area_rows[area_rows.indicator == indicator]
            if start is not None:
                segment = segment[segment.year >= start]
            decimals = 0 if r.unit in ("personer", "per 100 000 inv.") else 1
            table_rows.append(
                [
                    html.escape(r.indicator_name)
                    + (' <span class="demo">demodata</span>' if r.demo else ""),
                    str(r.year),
                    number(r.value, decimals),
                    number(r.comparison_value, decimals)
                    + (
                        " (riket)"
                        if r.comparison_level.startswith("kommun mot riket") and other != "Riket"
                        else ""
                    ),
                    number(r.gap, decimals)
                    + ("" if pd.isna(r.gap) else f" {html.escape(r.gap_unit)}"),
                    html.escape(favourable(r.gap, r.higher_is_better)),
                    html.escape(direction + since),
                    html.escape("–" if t.empty else parity_text(segment[["year", "gap"]], parity)),
                ]
            )
        parts.append(f'<section class="area"><h2>{html.escape(area_name)}</h2>')
        parts.append(membership_html(members, kommun, area_id))
        parts.append(
            _table(
                [
                    "Indikator",
                    "År",
                    own,
                    other,
                    f"Gap ({own.split()[0].lower()} − {other.split()[0].lower()})",
                    f"Bättre/sämre än {other.split()[0].lower()}",
                    "Riktning",
                    "Slutår",
                ],
                table_rows,
                "headline",
            )
        )
        parts.append(sex_table(all_sexes[all_sexes.area_id == area_id], order))
        parts.append(area_context_html(marts, kommun, area_id))
        parts.append('<div class="charts">')
        for indicator in order:
            rows = area_rows[area_rows.indicator == indicator]
            if rows.empty:
                continue
            fig = indicator_chart(rows, area_name, bool(rows.demo.any()))
            parts.append(
                f'<div class="chart" data-indicator="{html.escape(indicator)}">'
                f"{_chart(fig, first)}</div>"
            )
            first = False
            charts += 1
        parts.append("</div></section>")

    def render(fig: go.Figure) -> str:
        nonlocal first
        out = _chart(fig, first)
        first = False
        return out

    comparison_html, comparison_charts = kommun_comparison_section(
        marts, kommun, kommun_name, render
    )
    parts.append(comparison_html)
    charts += comparison_charts

    if not background.empty:
        bg_demo = bool(background.demo.any())
        rows = [
            [
                str(r.year),
                number(r.utrikes_fodda_antal, 0),
                number(r.utrikes_fodda_andel),
                number(r.inrikes_fodda_tva_utrikes_foraldrar_antal, 0),
                number(r.inrikes_fodda_tva_utrikes_foraldrar_andel),
                number(r.inrikes_fodda_ovriga_antal, 0),
                number(r.inrikes_fodda_ovriga_andel),
                number(r.totalt_antal, 0),
                ("demodata" if r.demo else "publicerad")
                + (
                    f"; seriebrott: {html.escape(short_break(r.series_break))}"
                    if getattr(r, "series_break", None) and pd.notna(r.series_break)
                    else ""
                ),
            ]
            for r in background.itertuples()
        ]
        parts.append(
            '<section class="background"><h2>Befolkning efter bakgrund (som Tabell 1)</h2>'
        )
        parts.append(
            f'<div class="chart">{_chart(background_chart(background, bg_demo), first)}</div>'
        )
        first = False
        charts += 1
        parts.append(
            _table(
                [
                    "År",
                    "Utrikes födda",
                    "%",
                    "Inrikes födda, två utrikes födda föräldrar",
                    "%",
                    "Övriga inrikes födda",
                    "%",
                    "Totalt",
                    "Uppgift",
                ],
                rows,
                "numbers",
            )
        )
        parts.append("</section>")

    plan_html, plan_charts = plan_section(marts, kommun, first)
    if plan_charts:
        first = False
    charts += plan_charts
    parts.append(plan_html)

    sources = (
        pd.concat(
            [
                indicators[["source_table", "source_updated"]],
                background[["source_table", "source_updated"]],
            ]
        )
        .drop_duplicates()
        .sort_values("source_table")
    )
    source_rows = [
        [html.escape(str(s.source_table)), html.escape(str(s.source_updated)[:10])]
        for s in sources.itertuples()
    ]
    published = background[~background.demo.astype(bool)]
    if not published.empty:
        years = f"{int(published.year.min())}–{int(published.year.max())}"
        source_rows.insert(
            0,
            [
                html.escape(
                    f"{PLAN_SOURCE}: befolkning efter bakgrund {years} "
                    f"(SCB {', '.join(sorted(set(published.source_table)))})"
                ),
                "publicerad i planen",
            ],
        )
    title = f"Segregationsuppföljning – {kommun_name} ({kommun})"
    banner = f'<div class="banner">{html.escape(DEMO_BANNER)}</div>' if demo else ""
    body = "\n".join(parts)
    page = f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<script>window.addEventListener('error', function (e) {{
  var b = document.documentElement; b.setAttribute('data-js-errors', (b.getAttribute('data-js-errors') || '') + e.message + ';');
}});</script>
<style>
body {{ font-family: sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }}
.banner {{ background: #fdecea; border: 2px solid #c0392b; color: #7b241c; padding: 1rem; font-weight: bold; margin: 1rem 0; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 1rem; }}
.demo {{ color: #c0392b; font-size: 0.8em; }}
.map {{ max-width: 780px; }}
.membership {{ background: #f4f6f7; border-left: 4px solid #2c3e50; padding: 0.3rem 1rem; }}
.membership strong {{ color: #7b241c; }}
tr.theme td {{ font-weight: bold; background: #f4f6f7; text-align: left; }}
.headline td:nth-child(n+2):nth-child(-n+5), .numbers td {{ white-space: nowrap; }}
.chart, .map, table, .membership {{ break-inside: avoid; page-break-inside: avoid; }}
@page {{ size: A4; margin: 12mm; }}
@media print {{
  body {{ margin: 0; max-width: none; padding: 0; font-size: 10pt; }}
  section.area, section.kommuner, section.background, section.about {{ break-before: page; page-break-before: always; }}
  .charts {{ display: grid; grid-template-columns: 1fr 1fr; gap: 2mm; }}
  .chart {{ zoom: 0.6; }}
  .map {{ zoom: 0.8; }}
  table {{ font-size: 8pt; }}
}}
footer {{ color: #555; font-size: 0.85rem; margin-top: 2rem; }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>Fokusområdena jämförda med kommunens genomsnitt år för år: områdets värde, hela kommunens
värde och övriga kommunen (kommunen utom alla fokusområden). Gapet är områdets värde minus
kommunens. Indikatorer som bara finns för hela kommunen (Kolada) visas under "Hela kommunen",
jämförda med riket. Riktningen avser det absoluta gapet mellan första och senaste året;
"ingen säker förändring" betyder att gapet ändrats mer än gränsen men inte mer än årens
brus (95-procentigt intervall för lutningen). Rapportdatum
{run_date.isoformat()}.</p>
{banner}
{body}
<section class="about">
<h2>Om siffrorna</h2>
<p><strong>Källor.</strong> Värdena för fokusområdena kommer från SCB:s statistik per DeSO
(demografiska statistikområden, omkring 700–2 700 invånare vardera). Indikatorer för hela
kommunen kommer från Kolada och jämförs med riket. Befolkningen efter bakgrund 2005–2015 är
de siffror som publicerades i {html.escape(PLAN_SOURCE)}. Källtabellerna står under Källor
nedan.</p>
<p><strong>Obekräftad.</strong> Ett fokusområde är en grupp DeSO som kommunen har valt.
"Obekräftad" betyder att kommunen ännu inte har bekräftat att just dessa DeSO motsvarar
området; siffrorna kan alltså gälla ett något annat område än det planen avser. Varje områdes
DeSO står överst i dess avsnitt.</p>
<p><strong>Summerade antal.</strong> Ett områdes andel räknas som summan av täljarna genom
summan av nämnarna i områdets DeSO, inte som ett medelvärde av DeSO-andelar.</p>
<p><strong>Medianer är ungefärliga.</strong> En median kan inte summeras. Områdets median är
ett medelvärde av DeSO-medianerna, viktat med befolkningen, och är en uppskattning.</p>
<p><strong>Undertryckta celler.</strong> SCB visar inte värden för mycket små grupper (..).
Sådana värden saknas i rapporten; de räknas aldrig som noll.</p>
<p><strong>Brus från 2025.</strong> Från 2025 lägger SCB till ett litet slumpmässigt brus
(CKM) i tabellerna för att skydda enskilda personer. Små skillnader mellan år ska därför inte
tolkas.</p>
<p><strong>Seriebrott 2025.</strong> SCB delade in landet i nya DeSO 2025 (används från
2024 års siffror). Där ett område inte bevisligen är detsamma i båda indelningarna börjar
serien om; diagrammen visar brottet med en streckad linje. Slutår (när gapet skulle vara
slutet i nuvarande takt) anges bara när serien har minst {PARITY_MIN_YEARS} år och gapet
minskar jämnt, och högst {PARITY_MAX_AHEAD} år fram.</p>
<p><strong>Bättre/sämre.</strong> Om ett gap är gynnsamt avgörs av om ett högre värde är
bättre för indikatorn; för indikatorer som beskriver området utan värdering (till exempel
andel med utländsk bakgrund) står "ingen värdering".</p>
</section>
<footer>
<h2>Källor</h2>
{_table(["Källa (SCB-tabell, Kolada-nyckeltal, kommunens fil)", "Uppdaterad hos källan (annars hämtningsdatum)"], source_rows)}
<p>Områdesvärden är summerade täljare genom summerade nämnare över områdets DeSO; medianer är
befolkningsviktade medelvärden av DeSO-medianer (en approximation). Saknade celler (..) ger
saknat värde, aldrig noll. Områdenas DeSO finns i data/raw/areas/focus_areas.csv.</p>
</footer>
</body></html>
"""
    return page, charts, demo


# -- "Har planen gjort skillnad?" ---------------------------------------------------------------

# "Har planen gjort skillnad?": the plans' comparison areas, their values, the estimates
PLAN_MARTS = ("plan_effect", "comparison_area", "regso_indicator")

PLAN_CAVEATS = (
    "<p><strong>Så ska jämförelsen läsas.</strong> Jämförelseområdena är bostadsområden (RegSO) "
    "i andra kommuner av samma områdestyp som fokusområdet, som liknade det mest före planen. "
    "Om fokusområdet har förbättrats mer än de, talar det för att planen har gjort skillnad, "
    "men det bevisar det inte:</p><ul>"
    "<li>Människor flyttar in och ut. Ett område kan bli bättre för att de som bor där har "
    "bytts ut, inte för att någons liv har blivit bättre.</li>"
    "<li>Små tal svänger. I ett område med några tusen invånare kan några få personer flytta "
    "siffrorna en procentenhet eller mer från ett år till ett annat.</li>"
    "<li>Från 2025 lägger SCB till ett litet brus i tabellerna (CKM), så små skillnader mellan "
    "år ska inte tolkas.</li>"
    "<li>Jämförelseområdena kan ha haft egna satsningar. Då blir planens effekt svårare att "
    "se.</li></ul>"
    "<p>Placebojämförelsen gör samma beräkning för varje jämförelseområde, som om det hade "
    "haft planen. Om fokusområdet hamnar högt bland dem tyder det på en verklig skillnad. Om "
    "det hamnar mitt i är skillnaden inte större än den som uppstår av sig själv.</p>"
)


def plan_chart(
    area_rows: pd.DataFrame, regso_rows: pd.DataFrame, area_name: str, start: int, demo: bool
) -> go.Figure:
    """The area against its comparison areas: their mean and range, with the plan's start."""
    area_rows = area_rows.sort_values("year")
    name, unit = area_rows.indicator_name.iloc[0], area_rows.unit.iloc[0]
    stats = regso_rows.groupby("year").value.agg(["mean", "min", "max"]).reset_index()
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=stats.year,
            y=stats["max"],
            mode="lines",
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=stats.year,
            y=stats["min"],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(44, 62, 80, 0.15)",
            name="Jämförelseområdena, lägsta–högsta",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=stats.year,
            y=stats["mean"],
            mode="lines+markers",
            line={"color": COLORS["kommun"], "dash": "dash"},
            name="Jämförelseområdena, medel",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=area_rows.year,
            y=area_rows.value,
            mode="lines+markers",
            line={"color": COLORS["area"]},
            name=area_name,
        )
    )
    fig.add_vline(x=start - 0.5, line={"color": "#27ae60", "width": 2})
    fig.add_annotation(
        x=start - 0.5,
        y=1.0,
        yref="paper",
        yanchor="bottom",
        xanchor="left",
        showarrow=False,
        text=f"Planen startar {start}",
        font={"size": 10, "color": "#27ae60"},
    )
    _titles(fig, name, unit, demo)
    return fig


def plan_section(marts: dict[str, pd.DataFrame], kommun: str, first: bool) -> tuple[str, int]:
    """The section "Har planen gjort skillnad?" for a kommun with a plan; '' without one."""
    effects = marts.get("plan_effect")
    if effects is None or effects.empty or not (effects.kommun == kommun).any():
        return "", 0
    effects = effects[effects.kommun == kommun]
    comparisons = marts.get("comparison_area", pd.DataFrame(columns=["kommun", "area_id"]))
    regso = marts.get("regso_indicator", pd.DataFrame(columns=["regso", "indicator", "sex"]))
    values = marts["focus_area_indicator"]
    charts = 0
    parts = ['<section class="plan"><h2>Har planen gjort skillnad?</h2>']
    plan = effects.iloc[0]
    parts.append(
        f"<p>{html.escape(str(plan.plan_name))}, i kraft från {int(plan.start_year)}"
        + (
            f" <strong>(startåret är inte ifyllt av kommunen: {int(plan.start_year)} är antaget "
            "för demonstrationen)</strong>"
            if plan.start_year_assumed
            else ""
        )
        + ".</p>"
    )
    parts.append(PLAN_CAVEATS)
    for area_id, rows in effects.groupby("area_id", sort=False):
        area_name = rows.area_name.iloc[0]
        comp = comparisons[(comparisons.kommun == kommun) & (comparisons.area_id == area_id)]
        parts.append(f"<h3>{html.escape(str(area_name))}</h3>")
        if comp.empty:
            parts.append(
                "<p>Inga jämförelseområden kunde väljas (områdestyp saknas, eller inget RegSO "
                "av samma typ i en annan kommun har värden före planen).</p>"
            )
        else:
            listed = ", ".join(
                f"{c.comparison_regso_name} ({c.comparison_kommun})" for c in comp.itertuples()
            )
            parts.append(
                f"<p>Jämförelseområden (områdestyp {int(comp.omradestyp.iloc[0])}, "
                f"{int(comp.baseline_type_year.iloc[0])}): {html.escape(listed)}.</p>"
            )
        items = []
        for r in rows.itertuples():
            text = (
                r.effect_text
                if r.estimate_made
                else (f"{r.indicator_name}: ingen skattning – {r.no_estimate_reason}.")
            )
            if isinstance(r.note, str) and r.note:
                text += f" ({r.note})"
            items.append(f"<li>{html.escape(str(text))}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
        parts.append('<div class="charts">')
        for r in rows[rows.estimate_made].itertuples():
            last = int(r.post_last_year)
            area_rows = values[
                (values.kommun == kommun)
                & (values.area_id == area_id)
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
            fig = plan_chart(area_rows, regso_rows, str(area_name), int(r.start_year), demo)
            parts.append(
                f'<div class="chart" data-plan-indicator="{html.escape(r.indicator)}">'
                f"{_chart(fig, first and charts == 0)}</div>"
            )
            charts += 1
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts), charts


def write_report(
    marts_dir: Path,
    kommun: str,
    kommun_name: str,
    out: Path,
    run_date: date | None = None,
    raw_dir: Path | None = None,
) -> ReportResult:
    """Write one kommun's report atomically (temporary file, then rename)."""
    page, charts, demo = build_report(
        load_marts(marts_dir, [kommun]), kommun, kommun_name, run_date or date.today(), raw_dir
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return ReportResult(out, charts, demo)


def report_path(marts_dir: Path, kommun: str) -> Path:
    return Path(marts_dir) / f"rapport_{kommun}.html"
