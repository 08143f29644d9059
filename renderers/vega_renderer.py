"""Vega-Lite charts drawn by vl-convert (Vega in an embedded JavaScript runtime, resvg), no browser.

Why vl-convert and not Vega in Chromium: one call draws a chart in ~30 ms, no page or browser
to keep alive, and its SVG-to-PNG step is the same code the `render-chart` command runs. Data
URLs are refused (`allowed_base_urls=[]`): every chart's data is inline, nothing is fetched.
Fonts come from the installed set, registered explicitly (the folders of the font files the
project's families resolve to), so the same family names draw the same files as Matplotlib.

Measuring: vl-convert's scenegraph gives every mark and text item with its position, font and
alignment; text boxes are those positions with widths measured by FreeType on the same font
file, and mark boxes come from the items' geometry, named by the `description` ("row|series")
every mark carries. The image's size is what Vega lays out; the spec records it.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import math
import struct
from pathlib import Path
from typing import Any

from factory.components import Render, Renderer
from factory.errors import Dropped
from factory.generators.engine_specs import chart_texts
from factory.tabular import format_value
from factory.vega_code import VL_VERSION, vega_spec
from renderers import engine_legibility as legibility
from renderers.plotly_renderer import elements

log = logging.getLogger(__name__)

FONT_FAMILIES = ("DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "Liberation Sans", "Liberation Serif", "Liberation Sans Narrow",
                 "Liberation Mono", "Noto Sans", "Noto Serif", "Noto Sans CJK JP")  # fmt: skip
_ROLE_KIND = {"axis-title": "label", "title-text": "title", "title-subtitle": "subtitle", "legend-label": "legend",
              "legend-title": "legend", "header-label": "label", "header-title": "label"}  # fmt: skip
_MARK_KIND = {"rect": "bar", "symbol": "point", "arc": "wedge", "line": "point", "area": "point", "rule": "segment"}


@functools.lru_cache(maxsize=1)
def register_fonts() -> tuple[str, ...]:
    """Register the folders of the installed chart fonts with vl-convert, once per process."""
    import vl_convert

    from renderers.matplotlib_renderer import font_file

    folders = sorted({str(Path(p).parent) for p in (font_file(f) for f in FONT_FAMILIES) if p})
    for folder in folders:
        vl_convert.register_font_directory(folder)
    return tuple(folders)


@functools.lru_cache(maxsize=64)
def _font(family: str, bold: bool, size: float):
    from matplotlib import font_manager
    from PIL import ImageFont

    path = font_manager.findfont(font_manager.FontProperties(family=[family, "DejaVu Sans"], weight="bold" if bold else "normal"))
    return ImageFont.truetype(path, max(1, int(round(size * 8))))  # 8x size: sub-pixel widths


def text_width(text: str, family: str, size: float, bold: bool = False) -> float:
    return _font(family, bold, size).getlength(text) / 8.0


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


class VegaLiteRenderer(Renderer):
    """Chart specs for the vega_lite engine to PNG, with text and mark boxes; legible or dropped."""

    name = "vega_lite"
    version = "1"

    def versions(self) -> dict[str, str]:
        return {"vl-convert-python": importlib.metadata.version("vl-convert-python"), "vega-lite": VL_VERSION}

    def draw_spec(self, vl: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
        """PNG bytes and scenegraph of a Vega-Lite spec, its theme taken from usermeta.embedOptions."""
        import vl_convert

        register_fonts()
        theme = ((vl.get("usermeta") or {}).get("embedOptions") or {}).get("theme")
        kw = {"vl_version": VL_VERSION, "theme": theme, "allowed_base_urls": []}
        try:
            svg = vl_convert.vegalite_to_svg(vl, **kw)
            png = vl_convert.svg_to_png(svg)
            graph = vl_convert.vegalite_to_scenegraph(vl, **kw)
        except ValueError as exc:
            raise Dropped("render_failed", str(exc).strip().splitlines()[0][:300]) from None
        return png, graph

    def render(self, source: Any) -> Render:
        spec = source.copy()
        legibility.ensure_glyphs(spec, chart_texts(spec))
        for attempt in range(1, legibility.MAX_DRAWS + 1):
            png, graph = self.draw_spec(vega_spec(spec))
            width, height = _png_size(png)
            texts, found = measure(graph, spec.style["font_family"])
            problems = legibility.find_problems(texts, width, height)
            if not problems:
                break
            done = legibility.repair(spec, problems) if attempt < legibility.MAX_DRAWS else None
            if done is None:
                first = next((p for p in problems if p.reason != "text_clipped"), problems[0])
                raise Dropped(first.reason, first.detail)
            spec.repairs.append(done)
        spec.width_px, spec.height_px = width, height
        facts = {
            "repairs": list(spec.repairs),
            "elements": elements({"texts": texts}),
            "marks": marks(spec, found),
            "quality": {"draws": attempt, "texts": len(texts), "min_text_px": round(min((t["size"] for t in texts), default=0.0), 1)},
        }
        return Render(source=spec, encoded=png, encoded_format="png", width=width, height=height, facts=facts)


def _text_box(item: dict[str, Any], ox: float, oy: float, family: str) -> tuple[str, list[float], float]:
    size = float(item.get("fontSize", 11))
    lines = item["text"] if isinstance(item["text"], list) else [item["text"]]
    lines = [str(x) for x in lines]
    bold = str(item.get("fontWeight", "normal")) in ("bold", "700", "600")
    w = max(text_width(x, item.get("font") or family, size, bold) for x in lines)
    line_h = size * float(item.get("lineHeight", 1.0) or 1.0) if len(lines) > 1 else size
    h = size + (len(lines) - 1) * max(line_h, size)
    x, y = ox + float(item.get("x", 0)), oy + float(item.get("y", 0))
    if "radius" in item and "theta" in item:
        r, t = float(item["radius"]), float(item["theta"]) - math.pi / 2
        x, y = x + r * math.cos(t), y + r * math.sin(t)
    dx, dy = float(item.get("dx", 0) or 0), float(item.get("dy", 0) or 0)
    align = item.get("align", "left")
    left = {"left": 0.0, "center": -w / 2, "right": -w}.get(align, 0.0) + dx
    base = item.get("baseline", "alphabetic")
    top = {"top": 0.0, "middle": -h / 2, "bottom": -h, "line-top": 0.0, "line-bottom": -h}.get(base, -0.8 * size) + dy
    corners = [(left, top), (left + w, top), (left + w, top + h), (left, top + h)]
    a = math.radians(float(item.get("angle", 0) or 0))
    c, s = math.cos(a), math.sin(a)
    pts = [(x + px * c - py * s, y + px * s + py * c) for px, py in corners]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return "\n".join(lines), [min(xs), min(ys), max(xs), max(ys)], size


def _mark_box(kind: str, item: dict[str, Any], ox: float, oy: float) -> list[float] | None:
    x, y = ox + float(item.get("x", 0) or 0), oy + float(item.get("y", 0) or 0)
    if kind == "rect":
        w = float(item.get("width", (item.get("x2", 0) or 0) - item.get("x", 0)) or 0)
        h = float(item.get("height", (item.get("y2", 0) or 0) - item.get("y", 0)) or 0)
        return [min(x, x + w), min(y, y + h), max(x, x + w), max(y, y + h)]
    if kind == "symbol":
        half = math.sqrt(float(item.get("size", 64))) / 2 + float(item.get("strokeWidth", 1) or 1) / 2
        return [x - half, y - half, x + half, y + half]
    if kind in ("line", "area"):
        half = float(item.get("strokeWidth", 2) or 2) / 2 + 1
        return [x - half, y - half, x + half, y + half]
    if kind == "arc":
        r0, r1 = float(item.get("innerRadius", 0) or 0), float(item.get("outerRadius", 0) or 0)
        a0, a1 = float(item.get("startAngle", 0)), float(item.get("endAngle", 0))
        steps = [a0 + (a1 - a0) * k / 24 for k in range(25)]
        pts = [(x + r * math.sin(t), y - r * math.cos(t)) for t in steps for r in (r0, r1)]
        return [min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts)]
    return None


def measure(graph: dict[str, Any], family: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every text (kind, text, box, size) and every described mark ((row, series), kind, box)."""
    texts: list[dict[str, Any]] = []
    found: list[dict[str, Any]] = []
    origin = graph.get("origin") or [0, 0]

    def walk(node: dict[str, Any], ox: float, oy: float, orient: str | None) -> None:
        kind, role = node.get("marktype"), node.get("role", "")
        for item in node.get("items", []):
            if kind == "group":
                gx, gy = ox + float(item.get("x", 0) or 0), oy + float(item.get("y", 0) or 0)
                for child in item.get("items", []):
                    walk(child, gx, gy, item.get("orient", orient))
            elif kind == "text":
                if item.get("text") in (None, "", []) or item.get("opacity", 1) == 0:
                    continue
                shown, box, size = _text_box(item, ox, oy, family)
                if role == "axis-label":
                    k = "xtick" if orient in ("bottom", "top") else "ytick"
                elif role == "axis-title":
                    k = "xlabel" if orient in ("bottom", "top") else "ylabel"
                elif role == "mark":
                    k = {"values": "value", "note": "annotation", "logo": "annotation", "reference": "annotation"}.get(node.get("name", ""), "value")
                else:
                    k = _ROLE_KIND.get(role, "text")
                texts.append({"kind": k, "text": shown, "box": box, "size": size})
            elif item.get("description") and role == "mark":
                box = _mark_box(kind, item, ox, oy)
                if box is not None:
                    row, _, series = str(item["description"]).partition("|")
                    found.append({"row": int(row), "series": int(series), "kind": kind, "box": box})

    walk(graph["scenegraph"], float(origin[0]), float(origin[1]), None)
    return texts, found


def marks(spec: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    table = spec.table
    out = []
    for m in sorted(found, key=lambda m: (m["series"], m["row"])):
        row, series = m["row"], m["series"]
        value = None
        if 0 <= row < len(table.rows) and 0 <= series < len(table.series):
            value = format_value(table.rows[row][series + 1], table.series[series])
        kind = "cell" if spec.chart_type == "heatmap" else _MARK_KIND.get(m["kind"], m["kind"])
        out.append(legibility.mark_entry(kind, row, series, value, m["box"], table))
    return out
