"""Runs one chart script, or draws one Vega-Lite spec, inside the sandbox (started by
factory.metrics.sandbox as `python -I`).

Usage: harness.py FILE RESULT_FILE [matplotlib|plotly|vega] [OPTIONS]. Matplotlib and numpy (for
a Plotly script numpy and plotly) are imported first; then an audit
hook refuses network use, new processes, native-library loading, and any file write, rename or
removal outside the working folder; then the script runs as `__main__`. Every figure it saves is
read for the data it plots (bar values, line and scatter y values, pie shares); if it saves
none, its last open figure is written to chart.png. A Plotly script's figure (`fig`, else the
last Plotly figure it made) is returned as JSON for the factory's Plotly renderer to draw, with
the numbers its traces plot. In vega mode FILE is a Vega-Lite spec, drawn to chart.png by
vl-convert with the Vega-Lite version and font folders OPTIONS (JSON) names, as the factory's
renderer draws it; its canvas is measured on the SVG before the PNG is made, so a spec that
asks for an enormous picture gets a reason instead of the allocation. The result goes to
RESULT_FILE, opened before the script starts (the script may write nothing outside its folder).

This guards against mistakes and ordinary misbehaviour in model output. It is not a security
boundary against code written to escape (run untrusted predictions in a container for that).
"""

import json
import os
import re
import sys
import traceback

script_path, result_path = sys.argv[1], sys.argv[2]
MODE = sys.argv[3] if len(sys.argv) > 3 else "matplotlib"
if MODE == "vega":
    import vl_convert  # the native library loads before the audit hook, as Matplotlib's do

    OPTIONS = json.loads(sys.argv[4])
    for font_folder in OPTIONS["fonts"]:
        vl_convert.register_font_directory(font_folder)
elif MODE == "plotly":  # no Matplotlib: half a second less a script
    import numpy as np
    import plotly.graph_objects  # noqa: F401  (imported before the audit hook, like Matplotlib)
    from plotly.basedatatypes import BaseFigure
else:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.container import BarContainer
    from matplotlib.figure import Figure
    from matplotlib.patches import Wedge
MAX_FIGURE_CHARS = 20 << 20
result_file = open(result_path, "w", encoding="utf-8")  # noqa: SIM115
HOME = os.path.realpath(os.getcwd())
MAX_VALUES = 100000

BLOCKED_PREFIXES = ("socket.", "subprocess.", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.system",
                    "ctypes.", "pty.", "os.kill", "os.killpg", "signal.pthread_kill", "webbrowser.")  # fmt: skip
WRITE_EVENTS = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link", "os.symlink",
                "os.truncate", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile"}  # fmt: skip
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _inside(path):
    if isinstance(path, int):
        return True  # an fd this process already holds
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return real == HOME or real.startswith(HOME + os.sep)


def _hook(event, args):
    if event.startswith(BLOCKED_PREFIXES):
        raise PermissionError(f"sandbox: {event} is not allowed")
    if event == "open":
        path, mode, flags = (list(args) + [None, None, None])[:3]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & WRITE_FLAGS)
        if writing and not _inside(path):
            raise PermissionError(f"sandbox: writing {path!r} outside the working folder is not allowed")
    elif event in WRITE_EVENTS:
        for path in args[:2]:
            if isinstance(path, (str, bytes, os.PathLike)) and not _inside(path):
                raise PermissionError(f"sandbox: {event} on {path!r} outside the working folder is not allowed")


def _numbers(values):
    out = []
    for value in np.ravel(np.asarray(values, dtype=object)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if np.isfinite(number):
            out.append(number)
    return out


def plotted(fig):
    """The numbers a figure draws: bar values, line and scatter y values, pie shares."""
    values = []
    for ax in fig.axes:
        for container in ax.containers:
            if isinstance(container, BarContainer):
                values.extend(_numbers(getattr(container, "datavalues", [])))
        for line in ax.get_lines():
            values.extend(_numbers(line.get_ydata()))
        for collection in ax.collections:
            if type(collection).__name__ == "PathCollection":
                offsets = np.asarray(collection.get_offsets())
                if offsets.ndim == 2 and offsets.shape[1] == 2:
                    values.extend(_numbers(offsets[:, 1]))
        wedges = [p for p in ax.patches if isinstance(p, Wedge)]
        values.extend(round((w.theta2 - w.theta1) / 360.0, 6) for w in wedges)
    return values[:MAX_VALUES]


def vl_reason(exc):
    """vl-convert's message without its JavaScript stack frames ('Invalid specification {}...')."""
    lines = [line.strip() for line in str(exc).splitlines()]
    lines = [line for line in lines if line and not line.startswith("at ")]
    text = " ".join(lines).replace("Vega-Lite to SVG conversion failed: ", "").replace("Error: ", "", 1)
    return text[:400] or type(exc).__name__


def draw_vega():
    """Draw the spec to chart.png: what VegaLiteRenderer.draw_spec does, with the canvas checked."""
    out = {"ok": False, "error": None, "values": []}
    try:
        with open(script_path, encoding="utf-8") as f:
            spec = json.load(f)
        usermeta = spec.get("usermeta")
        embed = usermeta.get("embedOptions") if isinstance(usermeta, dict) else None
        theme = embed.get("theme") if isinstance(embed, dict) else None
        svg = vl_convert.vegalite_to_svg(spec, vl_version=OPTIONS["vl_version"], theme=theme if isinstance(theme, str) else None,
                                         allowed_base_urls=[])  # fmt: skip
        size = re.match(r'<svg[^>]*? width="([0-9.e+]+)" height="([0-9.e+]+)"', svg)
        width, height = (float(size.group(1)), float(size.group(2))) if size else (0.0, 0.0)
        if not size:
            out["error"] = "vl-convert's SVG names no canvas size"
        elif max(width, height) > OPTIONS["max_px"]:
            out["error"] = f"the chart would be {width:.0f}x{height:.0f} px; at most {OPTIONS['max_px']} px a side"
        else:
            with open("chart.png", "wb") as f:
                f.write(vl_convert.svg_to_png(svg))
            out["ok"] = True
    except (ValueError, TypeError) as exc:  # vl-convert's refusal of the spec, or JSON it cannot take
        out["error"] = vl_reason(exc)
    json.dump(out, result_file)
    result_file.close()


if MODE == "vega":
    sys.addaudithook(_hook)
    draw_vega()
    sys.exit(0)


saved = {"values": None}


def _recording_savefig(self, *args, **kwargs):
    saved["values"] = plotted(self)
    return _savefig(self, *args, **kwargs)


if MODE != "plotly":
    _savefig = Figure.savefig
    Figure.savefig = _recording_savefig
sys.addaudithook(_hook)
result = {"ok": False, "error": None, "values": []}
namespace = {"__name__": "__main__", "__file__": "prediction.py"}
try:
    with open(script_path, encoding="utf-8") as f:
        code = compile(f.read(), "prediction.py", "exec")
    exec(code, namespace)
    result["ok"] = True
except BaseException as exc:  # the script's own failure is the result, whatever it is
    frames = traceback.extract_tb(exc.__traceback__)
    line = next((fr.lineno for fr in reversed(frames) if fr.filename == "prediction.py"), None)
    result["error"] = f"{type(exc).__name__}: {str(exc)[:300]}" + (f" (line {line})" if line else "")


def plotly_numbers(value):
    """Numbers of a trace field: a list, nested lists, or Plotly's base64 typed array."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        import base64

        return _numbers(np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]))
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in (plotly_numbers(item) if isinstance(item, (list, tuple, dict)) else _numbers([item]))]
    return []


if MODE == "plotly":
    figure = namespace.get("fig")
    if not isinstance(figure, BaseFigure):
        figure = next((v for v in reversed(list(namespace.values())) if isinstance(v, BaseFigure)), None)
    if figure is None:
        result["ok"] = False
        result["error"] = result["error"] or "the script made no Plotly figure (name it fig)"
    else:
        try:
            text = figure.to_json()
            if len(text) <= MAX_FIGURE_CHARS:
                result["figure"] = json.loads(text)
                for trace in result["figure"].get("data", []):
                    field_names = ["values", "z"] + (["x"] if trace.get("orientation") == "h" else ["y"])
                    for name in field_names:
                        result["values"].extend(plotly_numbers(trace.get(name)))
                result["values"] = result["values"][:MAX_VALUES]
            else:
                result["error"] = result["error"] or "the figure's JSON is over 20 MB"
        except BaseException as exc:  # a figure the script broke
            result["ok"] = False
            result["error"] = result["error"] or f"{type(exc).__name__}: {str(exc)[:300]}"
    json.dump(result, result_file)
    result_file.close()
    sys.exit(0)
try:
    if saved["values"] is None and plt.get_fignums():
        fig = plt.figure(plt.get_fignums()[-1])
        fig.savefig("chart.png")
    result["values"] = saved["values"] or []
    result["saved"] = os.path.exists("chart.png")
except BaseException as exc:  # a figure the script broke
    result["saved"] = os.path.exists("chart.png")
    result["error"] = result["error"] or f"{type(exc).__name__}: {str(exc)[:300]}"
json.dump(result, result_file)
result_file.close()
