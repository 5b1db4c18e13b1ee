"""The report's charts: figure builders, and their HTML in the order a page shows them.

Every builder returns a Plotly figure; :class:`ChartHtml` turns figures into HTML for the
templates, with Plotly's JavaScript inlined once, in the first chart or map of the page.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from pipelines.publish import texts
from pipelines.publish.chart_style import template
from pipelines.publish.texts import UNIT_TITLES

COLORS = {"area": "#c0392b", "kommun": "#2c3e50", "rest": "#7f8c8d"}
HIGHLIGHT = "#c0392b"
OTHERS = "rgba(127, 140, 141, 0.35)"
CONFIG = {"displaylogo": False, "displayModeBar": False, "locale": "sv"}


class ChartHtml:
    """Figures as HTML in the order the page calls for them; `count` says how many so far."""

    def __init__(self) -> None:
        self.count = 0

    def _html(self, fig: go.Figure, config: dict) -> Markup:
        out = fig.to_html(
            full_html=False, include_plotlyjs=self.count == 0, config=dict(config)
        )  # a copy: Plotly adds its own keys to the one it is given
        self.count += 1
        return Markup(out)  # noqa: S704 - Plotly's own HTML for a figure built here

    def chart(self, fig: go.Figure) -> Markup:
        """A chart in the report's size and number format."""
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
        return self._html(fig, CONFIG)

    def map(self, fig: go.Figure) -> Markup:
        """A map as :mod:`pipelines.publish.maps` drew it, zoomable with the mouse wheel."""
        return self._html(fig, {**CONFIG, "scrollZoom": True})


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
            text=texts.BREAK_NOTE.format(what=html.escape(texts.short_break(r.series_break))),
            font={"size": 10, "color": "#555"},
        )


def indicator_titles(fig: go.Figure, name: str, unit: str, demo: bool) -> None:
    """An indicator chart's title (marked when it shows demo data) and axis titles."""
    title = name + (texts.DEMO_SUBTITLE if demo else "")
    fig.update_layout(title={"text": title, "font": {"size": 15}}, showlegend=True)
    fig.update_xaxes(title_text=texts.YEAR_AXIS, dtick=1)
    fig.update_yaxes(title_text=UNIT_TITLES.get(unit, unit))


def indicator_chart(rows: pd.DataFrame, area_name: str, demo: bool) -> go.Figure:
    """An indicator over the years: the area, its comparison, and the rest of the kommun."""
    rows = rows.sort_values("year")
    name, unit = rows.indicator_name.iloc[0], rows.unit.iloc[0]
    fig = go.Figure()
    against_riket = rows.comparison_level.iloc[0].startswith("kommun mot riket")
    lines = [
        ("value", area_name, COLORS["area"], "solid"),
        (
            "comparison_value",
            texts.RIKET if against_riket else texts.KOMMUN,
            COLORS["kommun"],
            "dash",
        ),
    ]
    if rows.rest_of_kommun_value.notna().any():
        lines.append(("rest_of_kommun_value", texts.REST_OF_KOMMUN, COLORS["rest"], "dot"))
    if unit == "personer":  # a count: the kommun is not on the same scale
        lines = lines[:1]
    for column, label, color, dash in lines:
        fig.add_trace(
            go.Scatter(
                x=rows.year,
                y=rows[column],
                name=label,
                mode="lines+markers",
                line={"color": color, "dash": dash},
            )
        )
    indicator_titles(fig, name, unit, demo)
    mark_breaks(fig, rows)
    return fig


def _published_band(fig: go.Figure, published: pd.DataFrame) -> None:
    """Shade the years with published figures, and say where demo data takes over."""
    first, last = int(published.year.min()), int(published.year.max())
    fig.add_vrect(
        x0=first - 0.5,
        x1=last + 0.5,
        fillcolor="#d6eaf8",
        opacity=0.6,
        layer="below",
        line_width=0,
        annotation_text=texts.PUBLISHED_YEARS.format(first=first, last=last),
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
        text=texts.DEMO_AFTER.format(last=last),
        font={"size": 10, "color": "#c0392b"},
    )


def background_chart(rows: pd.DataFrame, demo: bool) -> go.Figure:
    """The kommun's population by background, shares over the years (as the plan's Tabell 1)."""
    fig = go.Figure()
    for column, label in texts.BACKGROUND_LINES:
        fig.add_trace(go.Scatter(x=rows.year, y=rows[column], name=label, mode="lines+markers"))
    subtitle = texts.BACKGROUND_DEMO_SUBTITLE if demo else ""
    fig.update_layout(title={"text": texts.BACKGROUND_TITLE + subtitle, "font": {"size": 15}})
    published = rows[~rows.demo.astype(bool)]
    if demo and not published.empty:
        _published_band(fig, published)
    mark_breaks(fig, rows)
    fig.update_xaxes(title_text=texts.YEAR_AXIS, dtick=2)
    fig.update_yaxes(title_text=texts.BACKGROUND_AXIS, rangemode="tozero")
    return fig


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
            name=texts.PLAN_RANGE,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=stats.year,
            y=stats["mean"],
            mode="lines+markers",
            line={"color": COLORS["kommun"], "dash": "dash"},
            name=texts.PLAN_MEAN,
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
        text=texts.PLAN_STARTS.format(start=start),
        font={"size": 10, "color": "#27ae60"},
    )
    indicator_titles(fig, name, unit, demo)
    return fig


def _other_kommuner_trace(others: pd.DataFrame) -> go.Scatter:
    """Every other kommun in one trace, their lines apart by a gap (None): one trace instead
    of up to 289 keeps the report small and quick to draw; hovering names the kommun."""
    xs: list[object] = []
    ys: list[object] = []
    names: list[str] = []
    for code, rows in others.groupby("kommun", sort=True):
        name = str(rows.kommun_name.iloc[0]) if "kommun_name" in rows else str(code)
        xs += [*rows.year.tolist(), None]
        ys += [*rows.value.tolist(), None]
        names += [name] * len(rows) + [""]
    return go.Scatter(
        x=xs or [None],
        y=ys or [None],
        customdata=names or [""],
        mode="lines",
        line={"color": OTHERS, "width": 1},
        name=texts.INDEX_OTHERS,
        connectgaps=False,
        hovertemplate="%{customdata} %{x}: %{y:.2f}<extra></extra>",
    )


def kommun_index_chart(index: pd.DataFrame, kommun: str, kommun_name: str, demo: bool) -> go.Figure:
    """D over time for every kommun loaded (grey), the report's kommun on top (red), with its
    value expected under random allocation as a dotted line."""
    others = index[index.kommun != kommun].sort_values(["kommun", "year"])
    fig = go.Figure(_other_kommuner_trace(others))
    own = index[index.kommun == kommun].sort_values("year")
    fig.add_trace(
        go.Scatter(
            x=own.year,
            y=own.value,
            mode="lines+markers",
            line={"color": HIGHLIGHT, "width": 3},
            name=kommun_name,
            hovertemplate=f"{kommun_name} %{{x}}: %{{y:.2f}}<extra></extra>",
        )
    )
    if "expected_random" in own and own.expected_random.notna().any():
        fig.add_trace(
            go.Scatter(
                x=own.year,
                y=own.expected_random,
                mode="lines",
                line={"color": HIGHLIGHT, "width": 1, "dash": "dot"},
                name=texts.INDEX_EXPECTED.format(kommun=kommun_name),
            )
        )
    fig.update_layout(
        title={
            "text": texts.index_title(kommun_name, others.kommun.nunique(), demo),
            "font": {"size": 14},
        },
        xaxis={"title": texts.YEAR_AXIS, "dtick": 1},
        yaxis={"title": texts.INDEX_AXIS, "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=380,
        template=template(),
    )
    return fig
