"""The look of every chart and map in the report: Plotly's `plotly_white`, trimmed.

Plotly copies and re-validates the whole template each time a figure's template is set
by name. `plotly_white` carries defaults for some forty trace types, so that cost about
50 ms per chart (a fifth of a report's time) and 4 KB of each chart's HTML. `TEMPLATE` is
`plotly_white`'s layout with its defaults for scatter traces only: every chart and map
here is a `go.Scatter` figure, so they look the same.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE = "segregation_white"

if TEMPLATE not in pio.templates:
    _white = pio.templates["plotly_white"]
    pio.templates[TEMPLATE] = go.layout.Template(
        layout=_white.layout, data={"scatter": _white.data.scatter}
    )
