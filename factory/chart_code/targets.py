"""The chart-to-code target in each engine's own language, and how to draw it back.

Matplotlib charts keep their pyplot scripts (`factory.chart_code.matplotlib_code`); Plotly charts get a Python
script that builds the figure with plotly.graph_objects (`factory.chart_code.plotly_code`); Vega-Lite
charts get their Vega-Lite JSON spec (`factory.chart_code.vega_code`). `render-factory render-chart FILE`
draws a Plotly script or a Vega-Lite spec exactly as the factory drew the sample.
"""

from __future__ import annotations

from typing import Any

CODE_PROMPTS = {
    "matplotlib": "Write the Python Matplotlib code that draws this chart.",
    "plotly": "Write the Python Plotly code that draws this chart.",
    "vega_lite": "Write the Vega-Lite JSON specification that draws this chart.",
}


def chart_code(spec: Any) -> str:
    engine = getattr(spec, "engine", "matplotlib")
    if engine == "plotly":
        from factory.chart_code.plotly_code import plotly_script

        return plotly_script(spec)
    if engine == "vega_lite":
        from factory.chart_code.vega_code import vega_code

        return vega_code(spec)
    from factory.chart_code.matplotlib_code import chart_script

    return chart_script(spec)


def code_prompt(spec: Any) -> str:
    return CODE_PROMPTS[getattr(spec, "engine", "matplotlib")]
