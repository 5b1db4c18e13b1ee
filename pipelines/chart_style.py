"""The look of every chart, map and number in the report: one template, unit titles and
the Swedish number format.

**Template.** Plotly's `plotly_white`, trimmed.

Plotly copies and re-validates the whole template each time a figure's template is set
by name. `plotly_white` carries defaults for some forty trace types, so that cost about
50 ms per chart (a fifth of a report's time) and 4 KB of each chart's HTML. `TEMPLATE` is
`plotly_white`'s layout with its defaults for scatter traces only: every chart and map
here is a `go.Scatter` figure, so they look the same.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE = "segregation_white"
# axis and legend titles per indicator unit (`unit` in the catalog)
UNIT_TITLES = {
    "procent": "Andel (%)",
    "tkr": "Tusen kronor",
    "personer": "Antal personer",
    "dagar": "Dagar",
    "per 100 000 inv.": "Per 100 000 invånare",
}

if TEMPLATE not in pio.templates:
    _white = pio.templates["plotly_white"]
    pio.templates[TEMPLATE] = go.layout.Template(
        layout=_white.layout, data={"scatter": _white.data.scatter}
    )


def number(value: object, decimals: int = 1) -> str:
    """Swedish number format: space between thousands, decimal comma, '−' for minus, '–' for
    a missing value."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{float(value):,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text.replace("-", "−")
