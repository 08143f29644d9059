"""`render-factory render-chart FILE --out chart.png`: draw a chart-to-code target as the factory did.

A Plotly script (`.py` that builds `fig` with plotly.graph_objects) is run, its figure drawn by
the factory's Plotly renderer (bundled plotly.js in the locked-down Chromium); a Vega-Lite spec
(`.json`) is drawn by the factory's Vega-Lite renderer (vl-convert, the installed fonts, its
theme from `usermeta.embedOptions.theme`). Both give the sample's image pixel for pixel.
Matplotlib scripts need no help: `python script.py` writes chart.png.
"""

from __future__ import annotations

import argparse
import json
import runpy
from pathlib import Path
from typing import Any

from factory.errors import FactoryError
from factory.tools.outputs import check_outputs, write_file


def render_file(path: str | Path, settings: dict[str, Any] | None = None, renderer: Any = None) -> bytes:
    """PNG bytes of a Plotly script or a Vega-Lite spec file (`renderer`: an open renderer of that
    engine to draw with, else one is made and closed)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FactoryError(f"cannot read '{path}': {exc.strerror or exc}") from None
    if path.suffix == ".json" or text.lstrip().startswith("{"):
        try:
            spec = json.loads(text)
        except ValueError as exc:
            raise FactoryError(f"'{path}' is not valid JSON ({exc}); give a Vega-Lite spec or a Plotly script") from None
        from renderers.vega_renderer import VegaLiteRenderer

        return (renderer or VegaLiteRenderer(settings)).draw_spec(spec)[0]
    if "plotly" not in text:
        raise FactoryError(f"'{path}' is neither a Plotly script nor a Vega-Lite spec; run a Matplotlib script with python")
    namespace = runpy.run_path(str(path), run_name="render_chart")
    fig = namespace.get("fig")
    if fig is None or not hasattr(fig, "to_json"):
        raise FactoryError(f"'{path}' defines no Plotly figure named fig")
    from renderers.plotly_renderer import PlotlyRenderer

    resolved = json.loads(fig.to_json())
    layout = resolved.get("layout", {})
    if not layout.get("width") or not layout.get("height"):
        raise FactoryError(f"'{path}': the figure's layout needs width and height in pixels")
    if renderer is not None:
        return renderer.draw_figure(resolved, int(layout["width"]), int(layout["height"]))[0]
    renderer = PlotlyRenderer(settings)
    try:
        return renderer.draw_figure(resolved, int(layout["width"]), int(layout["height"]))[0]
    finally:
        renderer.close()


def cmd_render_chart(args: argparse.Namespace) -> int:
    settings = {"executable": args.browser} if args.browser else None
    out = check_outputs({"--out": args.out}, inputs={"chart file": args.file})["--out"]
    png = render_file(args.file, settings)
    write_file(out, png, "chart")
    print(f"wrote {args.out}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("render-chart", help="draw a chart_to_code target (Plotly script or Vega-Lite spec) as the factory did")
    p.add_argument("file", help="a Plotly .py script or a Vega-Lite .json spec from a sample's chart_to_code target")
    p.add_argument("--out", default="chart.png", help="PNG to write (default: chart.png)")
    p.add_argument("--browser", help="Chromium executable for Plotly scripts")
    p.set_defaults(func=cmd_render_chart)
