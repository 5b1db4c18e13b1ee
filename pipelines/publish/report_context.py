"""The committee report's national context: the kommun among the other kommuner loaded
(segregation index over time) and, per focus area, its områdestyp history and where it
stands among every DeSO loaded.

Reads the marts `segregation_index`, `focus_area_omradestyp` and
`focus_area_national_context`; a report built without them (an older published set)
simply leaves these parts out.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from pipelines.analysis.omradestyp import TYPE_LABELS
from pipelines.publish.chart_style import number, template

HEADLINE_MEASURE = "dissimilarity"
MEASURE_WORDS = {
    "dissimilarity": "olikhetsindex D (utländsk/svensk bakgrund)",
    "theil_h": "Theils H (utländsk/svensk bakgrund)",
    "isolation": "isolering (utländsk bakgrund)",
    "exposure": "exponering (utländsk mot svensk bakgrund)",
    "income_dissimilarity": "inkomstsegregation D (lägsta mot högsta kvintilen)",
}
HIGHLIGHT = "#c0392b"
OTHERS = "rgba(127, 140, 141, 0.35)"


def kommun_index_chart(index: pd.DataFrame, kommun: str, kommun_name: str, demo: bool) -> go.Figure:
    """D over time for every kommun loaded (grey), the report's kommun on top (red), with its
    value expected under random allocation as a dotted line."""
    fig = go.Figure()
    # Every other kommun in one trace, their lines apart by a gap (None): one trace instead
    # of up to 289 keeps the report small and quick to draw; hovering names the kommun.
    others = index[index.kommun != kommun].sort_values(["kommun", "year"])
    xs: list[object] = []
    ys: list[object] = []
    names: list[str] = []
    for code, rows in others.groupby("kommun", sort=True):
        name = str(rows.kommun_name.iloc[0]) if "kommun_name" in rows else str(code)
        xs += [*rows.year.tolist(), None]
        ys += [*rows.value.tolist(), None]
        names += [name] * len(rows) + [""]
    fig.add_trace(
        go.Scatter(
            x=xs or [None],
            y=ys or [None],
            customdata=names or [""],
            mode="lines",
            line={"color": OTHERS, "width": 1},
            name="Övriga inlästa kommuner",
            connectgaps=False,
            hovertemplate="%{customdata} %{x}: %{y:.2f}<extra></extra>",
        )
    )
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
                name=f"{kommun_name}: väntat vid slumpmässig fördelning",
            )
        )
    n_others = others.kommun.nunique()
    title = f"Olikhetsindex D i {kommun_name} och {n_others} " + (
        "annan kommun" if n_others == 1 else "andra kommuner"
    )
    if demo:
        title += " (DEMODATA)"
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        xaxis={"title": "År", "dtick": 1},
        yaxis={"title": "D (0 = jämnt fördelad, 1 = helt åtskild)", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        height=380,
        template=template(),
    )
    return fig


def kommun_comparison_section(
    marts: dict[str, pd.DataFrame], kommun: str, kommun_name: str, chart
) -> tuple[str, int]:
    """Section "<kommun> jämfört med andra kommuner", and its number of charts (0 or 1).

    `chart(fig) -> str` renders a figure the way the rest of the report does."""
    index = marts.get("segregation_index")
    if index is None or index.empty:
        return "", 0
    own_all = index[index.kommun == kommun]
    if own_all.empty:
        return "", 0
    headline = index[index.measure == HEADLINE_MEASURE]
    # one division per year: the division SCB's data for that year is on
    headline = headline.sort_values(["kommun", "year", "division"]).drop_duplicates(
        ["kommun", "year"], keep="last"
    )
    demo = bool(headline.demo.any())
    parts = [
        f'<section class="kommuner"><h2>{html.escape(kommun_name)} jämfört med andra kommuner</h2>'
    ]
    own = headline[headline.kommun == kommun].sort_values("year")
    if not own.empty:
        latest = own.iloc[-1]
        others = int(latest.kommuner_compared) if "kommuner_compared" in own else None
        rank = int(latest.rank_among_kommuner) if "rank_among_kommuner" in own else None
        text = (
            f"Olikhetsindex D mäter hur olika invånare med utländsk och svensk bakgrund är "
            f"fördelade över kommunens DeSO: 0 är helt jämnt, 1 helt åtskilt. {latest.year} var "
            f"D i {html.escape(kommun_name)} {number(latest.value, 2)}"
        )
        if pd.notna(latest.get("expected_random")):
            text += (
                f"; bara av slumpen, med lika många invånare i varje DeSO, hade det blivit "
                f"omkring {number(latest.expected_random, 2)}, så det justerade värdet är "
                f"{number(latest.adjusted, 2)}"
            )
        text += "."
        if rank is not None and others:
            text += (
                f" Bland de {others} kommuner som är inlästa ligger {html.escape(kommun_name)} "
                f"på plats {rank} (1 = mest segregerad)."
            )
        parts.append(f"<p>{text}</p>")
        parts.append(
            f'<div class="chart">{chart(kommun_index_chart(headline, kommun, kommun_name, demo))}</div>'
        )
    latest_year = own_all.year.max()
    order = {m: i for i, m in enumerate(MEASURE_WORDS)}
    latest_rows = own_all[own_all.year == latest_year].sort_values(
        "measure", key=lambda m: m.map(order)
    )
    rows = []
    for r in latest_rows.itertuples():
        interval = (
            f"{number(r.interval_low, 3)}–{number(r.interval_high, 3)}"
            if hasattr(r, "interval_low") and pd.notna(r.interval_low)
            else "–"
        )
        rows.append(
            "<tr>"
            f"<td>{html.escape(MEASURE_WORDS.get(r.measure, r.measure))}"
            + (' <span class="demo">demodata</span>' if r.demo else "")
            + "</td>"
            f"<td>{number(r.value, 3)}</td>"
            f"<td>{number(getattr(r, 'expected_random', None), 3)} ({interval})</td>"
            f"<td>{number(getattr(r, 'adjusted', None), 3)}</td>"
            f"<td>{'–' if pd.isna(getattr(r, 'rank_among_kommuner', None)) else int(r.rank_among_kommuner)}"
            f" av {'–' if pd.isna(getattr(r, 'kommuner_compared', None)) else int(r.kommuner_compared)}</td>"
            "</tr>"
        )
    parts.append(
        f"<h3>Alla mått {latest_year}</h3>"
        '<table class="numbers"><thead><tr><th>Mått</th><th>Värde</th>'
        "<th>Väntat vid slump (95 % av simuleringarna)</th><th>Justerat</th>"
        "<th>Plats bland kommunerna</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        '<p class="note">Små DeSO gör att indexen blir större än 0 även när invånarna fördelar '
        "sig helt slumpmässigt. Därför visas det värde som slumpen ensam ger (simulerat med "
        "samma antal invånare i varje DeSO) och ett justerat värde där slumpens del är "
        "borträknad. Metoden beskrivs i README.</p>"
    )
    parts.append("</section>")
    return "".join(parts), 1 if not own.empty else 0


def area_context_html(marts: dict[str, pd.DataFrame], kommun: str, area_id: str) -> str:
    """The focus area's områdestyp per year and RegSO, and its latest national percentiles."""
    parts = []
    types = marts.get("focus_area_omradestyp")
    if types is not None and not types.empty:
        rows = types[(types.kommun == kommun) & (types.area_id == area_id)]
        if not rows.empty:
            rows = rows.sort_values(["year", "regso"])
            body = []
            for r in rows.itertuples():
                label = (
                    getattr(r, "omradestyp_label", None) or TYPE_LABELS.get(int(r.omradestyp), "")
                    if pd.notna(r.omradestyp)
                    else "uppgift saknas"
                )
                kind = "–" if pd.isna(r.omradestyp) else f"{int(r.omradestyp)} {label}"
                share = getattr(r, "population_andel", None)
                body.append(
                    f"<tr><td>{r.year}</td><td>{html.escape(str(getattr(r, 'regso_name', '') or r.regso))}"
                    f" ({html.escape(str(r.regso))})</td><td>{html.escape(kind)}</td>"
                    f"<td>{'–' if share is None or pd.isna(share) else number(share, 0) + ' %'}</td></tr>"
                )
            parts.append(
                "<h3>Områdestyp (SCB:s socioekonomiska index)</h3>"
                '<table class="numbers"><thead><tr><th>År</th><th>RegSO</th><th>Områdestyp</th>'
                "<th>Andel av områdets invånare</th></tr></thead><tbody>"
                + "".join(body)
                + "</tbody></table>"
            )
    context = marts.get("focus_area_national_context")
    if context is not None and not context.empty:
        rows = context[
            (context.kommun == kommun) & (context.area_id == area_id) & (context.sex == "1+2")
        ]
        if not rows.empty:
            latest = rows.sort_values("year").groupby("indicator", sort=False).tail(1)
            body = []
            for r in latest.itertuples():
                better = r.share_of_deso_better_off
                if pd.notna(better):
                    words = f"{number(better, 0)} % av DeSO har ett gynnsammare värde"
                else:
                    words = f"högre än i {number(r.percentile, 0)} % av DeSO"
                body.append(
                    f"<tr><td>{html.escape(r.indicator_name)}"
                    + (' <span class="demo">demodata</span>' if r.demo else "")
                    + f"</td><td>{r.year}</td><td>{number(r.percentile, 0)}</td>"
                    f"<td>{html.escape(words)}</td>"
                    f"<td>{int(r.deso_compared)} DeSO i {int(r.kommuner_compared)} kommuner</td></tr>"
                )
            parts.append(
                "<h3>Jämfört med alla inlästa DeSO</h3>"
                '<table class="numbers"><thead><tr><th>Indikator</th><th>År</th>'
                "<th>Percentil</th><th>Vad det betyder</th><th>Jämfört med</th></tr></thead><tbody>"
                + "".join(body)
                + "</tbody></table>"
            )
    return "".join(parts)
