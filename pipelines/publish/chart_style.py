"""The look of every chart, map and number in the report: one template and the Swedish
number format (the unit titles are in `pipelines/publish/texts.py`).

**Template.** Plotly's `plotly_white`, trimmed.

Plotly copies and re-validates the whole template each time a figure's template is set
by name. `plotly_white` carries defaults for some forty trace types, so that cost about
50 ms per chart (a fifth of a report's time) and 4 KB of each chart's HTML. :func:`template`
names `plotly_white`'s layout with its defaults for scatter traces only: every chart and map
here is a `go.Scatter` figure, so they look the same. It is registered with Plotly when a
figure first asks for it, not when the code location is imported.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE_NAME = "segregation_white"


@cache
def template() -> str:
    """The name of the report's template, registered with Plotly on the first call."""
    if TEMPLATE_NAME not in pio.templates:
        white = pio.templates["plotly_white"]
        pio.templates[TEMPLATE_NAME] = go.layout.Template(
            layout=white.layout, data={"scatter": white.data.scatter}
        )
    return TEMPLATE_NAME


def decimals(unit: str) -> int:
    """Decimals for a value of this unit: none for counts and rates per 100 000, else one."""
    return 0 if unit in ("personer", "per 100 000 inv.") else 1


def number(value: object, decimals: int = 1) -> str:
    """Swedish number format: space between thousands, decimal comma, '−' for minus, '–' for
    a missing value."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{float(value):,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text.replace("-", "−")
