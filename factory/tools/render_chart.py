"""`render-factory render-chart FILE --out chart.png`: draw a chart-to-code target as the factory did.

The file is untrusted (a prediction, a download), so it goes through the sandbox `score` uses
(factory.metrics.sandbox: its own process and temporary folder, `python -I`, CPU, memory and
file limits, a timeout, no network). A Plotly script (`.py` that builds `fig` with
plotly.graph_objects) runs there; only its figure's JSON comes back, drawn by the factory's
Plotly renderer (bundled plotly.js in the locked-down Chromium). A Vega-Lite spec (`.json`) is
checked (size, canvas, generated rows) and drawn there by vl-convert as the factory's Vega-Lite
renderer draws it (the installed fonts, its theme from `usermeta.embedOptions.theme`). Both give
the sample's image pixel for pixel. Anything that cannot be drawn is one line saying why.
Matplotlib scripts need no help: `python script.py` writes chart.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from factory.errors import Dropped, FactoryError
from factory.tools.outputs import check_outputs, write_file

MAX_FILE_BYTES = 20 << 20  # a script or spec; targets are a few kB


def _read(path: Path) -> str:
    """The file's text, read at most MAX_FILE_BYTES (a device or a huge file costs no more)."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FactoryError(f"cannot read '{path}': {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise FactoryError(f"'{path}' is over {MAX_FILE_BYTES >> 20} MB; a chart_to_code target is a few kB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FactoryError(f"'{path}' is not UTF-8 text ({exc.reason} at byte {exc.start}); give a Plotly script or a Vega-Lite spec") from None


def _line(reason: str) -> str:
    """A reason on one line (an exception's message may hold several)."""
    return " ".join(reason.split())


def render_file(path: str | Path, settings: dict[str, Any] | None = None, renderer: Any = None, timeout: float = 60.0) -> bytes:
    """PNG bytes of a Plotly script or a Vega-Lite spec file, run or drawn in the sandbox
    (`renderer`: an open Plotly renderer to draw a script's figure with, else one is made and
    closed; a spec is always drawn in its own process). FactoryError says why one cannot be."""
    from factory.metrics.sandbox import Sandbox, figure_size

    path = Path(path)
    text = _read(path)
    sandbox = Sandbox(timeout)
    if path.suffix == ".json" or text.lstrip().startswith(("{", "[")):
        drawn = sandbox.draw_vega(text)
        if not drawn.ok or drawn.image is None:
            raise FactoryError(f"'{path}' cannot be drawn as a Vega-Lite spec: {_line(drawn.error or 'no picture')}")
        return drawn.image
    if "plotly" not in text:
        raise FactoryError(f"'{path}' is neither a Plotly script nor a Vega-Lite spec; run a Matplotlib script with python")
    run = sandbox.start(text, "plotly").wait()
    if not run.ok or run.figure is None:
        raise FactoryError(f"'{path}' did not run to its end in the sandbox: {_line(run.error or 'it made no Plotly figure (name it fig)')}")
    try:
        width, height = figure_size(run.figure)
    except ValueError as exc:
        raise FactoryError(f"'{path}': {exc}") from None
    own = renderer is None
    if own:
        from renderers.plotly_renderer import PlotlyRenderer

        renderer = PlotlyRenderer(settings)
    try:
        png = renderer.draw_figure(run.figure, width, height)[0]
    except Dropped as exc:
        raise FactoryError(f"'{path}': its figure could not be drawn ({exc.reason}: {_line(exc.detail)})") from None
    except ValueError as exc:  # JSON the page cannot take (NaN, infinity)
        raise FactoryError(f"'{path}': its figure could not be drawn ({_line(str(exc))})") from None
    finally:
        if own:
            renderer.close()
    return png


def cmd_render_chart(args: argparse.Namespace) -> int:
    settings = {"executable": args.browser} if args.browser else None
    out = check_outputs({"--out": args.out}, inputs={"chart file": args.file})["--out"]
    png = render_file(args.file, settings, timeout=args.timeout)
    write_file(out, png, "chart")
    print(f"wrote {args.out}")
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 1 and 3600 seconds, got {text}")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("render-chart", help="draw a chart_to_code target (Plotly script or Vega-Lite spec) as the factory did")
    p.add_argument("file", help="a Plotly .py script or a Vega-Lite .json spec from a sample's chart_to_code target")
    p.add_argument("--out", default="chart.png", help="PNG to write (default: chart.png)")
    p.add_argument("--browser", help="Chromium executable for Plotly scripts")
    p.add_argument("--timeout", type=_seconds, default=60.0, help="seconds the script or spec may take in the sandbox (default: 60)")
    p.set_defaults(func=cmd_render_chart)
