"""Pure functions from tables and arrays to Plotly figures; no Streamlit, no model calls.

Importing the package makes `TEMPLATE` ("playground") plotly's default template: plotly's own
"plotly" template with tick labels allowed past the chart's edge. plotly.js otherwise measures every
tick label of a numeric axis or colour bar on each drawing, to hide those past the edge of the chart
(`ticklabeloverflow` "hide past div"): each measurement forces the browser to lay the page out, and
on Self-attention that was about a sixth of the time a new sentence took to draw. Labels are placed
inside the margins plotly.js reserves for them, so none is hidden either way.
"""

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE = "playground"


def _template() -> go.layout.Template:
    spec = pio.templates["plotly"].to_plotly_json()
    layout = spec["layout"]
    for axis in (layout.setdefault("xaxis", {}), layout.setdefault("yaxis", {})):
        axis["ticklabeloverflow"] = "allow"
    layout.setdefault("coloraxis", {}).setdefault("colorbar", {})["ticklabeloverflow"] = "allow"
    for traces in spec["data"].values():
        for trace in traces:
            for owner in (trace, trace.get("marker", {})):
                if "colorbar" in owner:
                    owner["colorbar"]["ticklabeloverflow"] = "allow"
    return go.layout.Template(spec)


pio.templates[TEMPLATE] = _template()
pio.templates.default = TEMPLATE
