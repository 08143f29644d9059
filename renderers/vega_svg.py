"""Texts, marks and the plot area of a Vega chart, read from the SVG that vl-convert draws.

Why the SVG and not the scenegraph: the SVG is what becomes the picture (resvg rasterizes it),
so measuring it needs no second conversion of the spec (a scenegraph call costs as much as the
SVG itself). Vega writes every item with its final transform: a text's `translate` is its
alphabetic baseline point (Vega moves top/middle/bottom baselines itself), `text-anchor` its
alignment, tspans its lines; marks carry the spec's `description` ("row|series") as
`aria-label`; groups carry `mark-<type> role-<role> <name>` classes and axes say "X-axis" or
"Y-axis" in theirs. Text widths are measured with FreeType on the font files the family names
resolve to (the files resvg draws), heights from Vega's own em box (0.79 above the baseline,
0.21 below).
"""

from __future__ import annotations

import functools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from factory.chart_code.colours import to_rgb

Matrix = tuple[float, float, float, float, float, float]  # SVG a b c d e f: x' = a x + c y + e
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
ASCENT, DESCENT = 0.79, 0.21  # Vega's text offsets: 'top' baseline is 0.79 em below the anchor
_TRANSFORM = re.compile(r"(translate|rotate|scale|matrix)\(([^)]*)\)")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_DESCRIBED = re.compile(r"^(\d+)\|(-?\d+)$")
_NS = "{http://www.w3.org/2000/svg}"
# Layer names the spec gives its text layers -> the kind of text (furniture is named by role).
NAMED_TEXT = {"values": "value", "note": "note", "logo": "logo", "reference": "reference", "callout": "callout"}
RULE_LAYERS = {"reference_rule"}  # rule layers (SVG <line>s) whose lines are measured: texts must stand clear of them
_ROLE_KIND = {"axis-title": "axis_title", "title-text": "title", "title-subtitle": "subtitle", "legend-label": "legend",
              "legend-title": "legend", "header-label": "label", "header-title": "label"}  # fmt: skip


@dataclass
class SvgChart:
    width: int
    height: int
    plot: list[float] | None = None  # the first (outermost) view's data rectangle
    texts: list[dict[str, Any]] = field(default_factory=list)
    marks: list[dict[str, Any]] = field(default_factory=list)
    legend_symbols: list[list[float]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)  # named rule layers' lines (the reference line): name, ends, half width


def _mul(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + c * B, b * A + d * B, a * C + c * D, b * C + d * D, a * E + c * F + e, b * E + d * F + f)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


@functools.lru_cache(maxsize=4096)
def parse_transform(text: str) -> Matrix:
    m = IDENTITY
    for name, args in _TRANSFORM.findall(text or ""):
        v = [float(x) for x in _NUMBER.findall(args)]
        if name == "translate":
            step = (1.0, 0.0, 0.0, 1.0, v[0], v[1] if len(v) > 1 else 0.0)
        elif name == "rotate":
            t = math.radians(v[0])
            c, s = math.cos(t), math.sin(t)
            step = (c, s, -s, c, 0.0, 0.0)
            if len(v) == 3:
                step = _mul(_mul((1.0, 0.0, 0.0, 1.0, v[1], v[2]), step), (1.0, 0.0, 0.0, 1.0, -v[1], -v[2]))
        elif name == "scale":
            step = (v[0], 0.0, 0.0, v[1] if len(v) > 1 else v[0], 0.0, 0.0)
        else:
            step = tuple(v[:6])  # type: ignore[assignment]
        m = _mul(m, step)
    return m


def _arc_points(x0: float, y0: float, rx: float, ry: float, phi: float, large: bool, sweep: bool, x1: float, y1: float) -> list[tuple[float, float]]:
    """Points along an SVG elliptical arc (endpoint to centre parameterization, SVG 1.1 F.6.5)."""
    if rx == 0 or ry == 0 or (x0 == x1 and y0 == y1):
        return [(x1, y1)]
    rx, ry = abs(rx), abs(ry)
    cp, sp = math.cos(math.radians(phi)), math.sin(math.radians(phi))
    dx, dy = (x0 - x1) / 2, (y0 - y1) / 2
    x1p, y1p = cp * dx + sp * dy, -sp * dx + cp * dy
    lam = x1p**2 / rx**2 + y1p**2 / ry**2
    if lam > 1:
        rx, ry = rx * math.sqrt(lam), ry * math.sqrt(lam)
    num = rx**2 * ry**2 - rx**2 * y1p**2 - ry**2 * x1p**2
    den = rx**2 * y1p**2 + ry**2 * x1p**2
    k = math.sqrt(max(num / den, 0.0)) if den else 0.0
    if large == sweep:
        k = -k
    cxp, cyp = k * rx * y1p / ry, -k * ry * x1p / rx
    cx, cy = cp * cxp - sp * cyp + (x0 + x1) / 2, sp * cxp + cp * cyp + (y0 + y1) / 2

    def angle(ux: float, uy: float, vx: float, vy: float) -> float:
        a = math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)
        return a

    t0 = angle(1, 0, (x1p - cxp) / rx, (y1p - cyp) / ry)
    dt = angle((x1p - cxp) / rx, (y1p - cyp) / ry, (-x1p - cxp) / rx, (-y1p - cyp) / ry)
    if not sweep and dt > 0:
        dt -= 2 * math.pi
    elif sweep and dt < 0:
        dt += 2 * math.pi
    n = max(4, int(abs(dt) / (math.pi / 16)) + 1)
    out = []
    for i in range(1, n + 1):
        t = t0 + dt * i / n
        ex, ey = rx * math.cos(t), ry * math.sin(t)
        out.append((cp * ex - sp * ey + cx, sp * ex + cp * ey + cy))
    return out


def path_points(d: str) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(every point that bounds the path, the vertices it moves or draws straight lines to)."""
    tokens = _PATH_TOKEN.findall(d or "")
    pts: list[tuple[float, float]] = []
    vertices: list[tuple[float, float]] = []
    x = y = sx = sy = 0.0
    i, cmd = 0, ""
    counts = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7, "Z": 0}
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            i += 1
            if cmd in "Zz":
                x, y = sx, sy
                continue
        elif not cmd:
            break
        n = counts[cmd.upper()]
        args = [float(t) for t in tokens[i : i + n]]
        if len(args) < n:
            break
        i += n
        rel = cmd.islower()
        up = cmd.upper()
        if up == "M":
            x, y = (x + args[0], y + args[1]) if rel else (args[0], args[1])
            sx, sy = x, y
            pts.append((x, y))
            vertices.append((x, y))
            cmd = "l" if rel else "L"  # further pairs are line-tos
        elif up == "L" or up == "T":
            x, y = (x + args[0], y + args[1]) if rel else (args[0], args[1])
            pts.append((x, y))
            if up == "L":
                vertices.append((x, y))
        elif up == "H":
            x = x + args[0] if rel else args[0]
            pts.append((x, y))
            vertices.append((x, y))
        elif up == "V":
            y = y + args[0] if rel else args[0]
            pts.append((x, y))
            vertices.append((x, y))
        elif up in ("C", "S", "Q"):
            ox, oy = (x, y) if rel else (0.0, 0.0)
            for k in range(0, n, 2):
                pts.append((ox + args[k], oy + args[k + 1]))
            x, y = ox + args[n - 2], oy + args[n - 1]
        elif up == "A":
            ex, ey = (x + args[5], y + args[6]) if rel else (args[5], args[6])
            pts.extend(_arc_points(x, y, args[0], args[1], args[2], bool(args[3]), bool(args[4]), ex, ey))
            x, y = ex, ey
    return pts, vertices


def _box_of(points: list[tuple[float, float]], m: Matrix, pad: float = 0.0) -> list[float] | None:
    if not points:
        return None
    moved = [_apply(m, px, py) for px, py in points]
    xs, ys = [p[0] for p in moved], [p[1] for p in moved]
    return [min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad]


_NAMED_COLOURS = {"black": (0, 0, 0), "white": (255, 255, 255), "none": None, "transparent": None}


@functools.lru_cache(maxsize=512)
def parse_colour(value: str | None) -> tuple[float, float, float] | None:
    """An SVG paint as 0-255 RGB (None: no paint)."""
    if value is None:
        return (0.0, 0.0, 0.0)  # SVG's default fill
    value = value.strip().lower()
    if value in _NAMED_COLOURS:
        c = _NAMED_COLOURS[value]
        return None if c is None else tuple(float(v) for v in c)  # type: ignore[return-value]
    try:
        return to_rgb(value)  # #rgb, #rrggbb, rgb(...), a CSS name: as the chart code reads its colours
    except ValueError:
        return (0.0, 0.0, 0.0)  # a paint nothing knows: SVG's default


def _px(value: str | None, default: float) -> float:
    if not value:
        return default
    found = _NUMBER.findall(value)
    return float(found[0]) if found else default


def measure_svg(svg: str, family: str, text_width) -> SvgChart:
    """Every text (kind, text, box, size, bold, colour, alpha), every described mark and the plot."""
    root = ET.fromstring(svg)
    out = SvgChart(int(round(_px(root.get("width"), 0))), int(round(_px(root.get("height"), 0))))

    def walk(node: ET.Element, m: Matrix, ctx: dict[str, Any], alpha: float) -> None:
        for child in node:
            tag = child.tag.replace(_NS, "")
            t = child.get("transform")
            cm = _mul(m, parse_transform(t)) if t else m
            a = alpha * float(child.get("opacity", 1) or 1)
            if tag == "g":
                cls = child.get("class", "")
                sub = ctx
                if cls:
                    sub = dict(ctx)
                    parts = cls.split()
                    role = next((p[5:] for p in parts if p.startswith("role-")), "")
                    mark = next((p[5:] for p in parts if p.startswith("mark-")), "")
                    names = [p[:-6] for p in parts if p.endswith("_marks")]
                    if role:
                        sub["role"] = role
                    if mark:
                        sub["mark"] = mark
                    sub["name"] = names[0] if names else (ctx.get("name", "") if role == "mark" else "")
                    if role == "frame" and out.plot is None:
                        sub["frame"] = True
                    if "cell" in parts or role == "scope":
                        sub["cell"] = True
                label = child.get("aria-label", "")
                if child.get("aria-roledescription") == "axis":
                    sub = dict(sub)
                    sub["axis"] = "x" if label.startswith("X-axis") else "y"
                walk(child, cm, sub, a)
            elif tag == "path":
                cls = child.get("class", "")
                if cls == "background" and ctx.get("frame") and out.plot is None and ctx.get("role") == "frame":
                    pts, _ = path_points(child.get("d", ""))
                    box = _box_of(pts, cm)
                    if box is not None:
                        out.plot = [round(box[0] - 0.5, 1), round(box[1] - 0.5, 1), round(box[2] - 0.5, 1), round(box[3] - 0.5, 1)]
                    continue
                if ctx.get("role") == "legend-symbol":
                    box = _box_of(path_points(child.get("d", ""))[0], cm)
                    if box is not None:
                        out.legend_symbols.append(box)
                    continue
                found = _DESCRIBED.match(child.get("aria-label", ""))
                if found is None or ctx.get("role") != "mark":
                    continue
                kind = ctx.get("mark", "")
                pts, vertices = path_points(child.get("d", ""))
                stroke = float(child.get("stroke-width", 0) or 0) if child.get("stroke") not in (None, "none") else 0.0
                row, series = int(found.group(1)), int(found.group(2))
                if kind in ("line", "area"):
                    out.marks.append({"row": row, "series": series, "kind": kind, "vertices": [_apply(cm, *v) for v in vertices],
                                      "half": max(stroke, 2.0) / 2 + 1, "name": ctx.get("name", "")})  # fmt: skip
                    continue
                box = _box_of(pts, cm, stroke / 2)
                if box is not None:
                    out.marks.append({"row": row, "series": series, "kind": kind, "box": box, "name": ctx.get("name", "")})
            elif tag == "line" and ctx.get("role") == "mark" and ctx.get("name") in RULE_LAYERS:
                ends = [_apply(cm, _px(child.get("x1"), 0.0), _px(child.get("y1"), 0.0)), _apply(cm, _px(child.get("x2"), 0.0), _px(child.get("y2"), 0.0))]
                width = _px(child.get("stroke-width"), 1.0) if child.get("stroke") not in (None, "none") else 0.0
                out.rules.append({"name": ctx["name"], "vertices": ends, "half": width / 2 + 1})
            elif tag == "text":
                _text(child, cm, ctx, a, family, text_width, out)

    walk(root, IDENTITY, {}, 1.0)
    return out


def _text(el: ET.Element, m: Matrix, ctx: dict[str, Any], alpha: float, family: str, text_width, out: SvgChart) -> None:
    a = alpha * float(el.get("fill-opacity", 1) or 1)
    if a <= 0:
        return  # hidden by Vega (overlapping axis labels it left out)
    spans = list(el)
    lines: list[tuple[str, float]] = []  # (text, dy from the first line's baseline)
    if spans:
        y = 0.0
        for k, span in enumerate(spans):
            if k:
                y += _px(span.get("dy"), 0.0)
            lines.append((span.text or "", y))
    else:
        lines.append((el.text or "", 0.0))
    if not any(t.strip() for t, _ in lines):
        return
    size = _px(el.get("font-size"), 11.0)
    bold = el.get("font-weight", "normal") in ("bold", "700", "600", "800", "900")
    fam = (el.get("font-family") or family).split(",")[0].strip().strip("'\"") or family
    width = max(text_width(t, fam, size, bold) for t, _ in lines)
    anchor = el.get("text-anchor", "start")
    left = {"start": 0.0, "middle": -width / 2, "end": -width}.get(anchor, 0.0)
    top, bottom = -ASCENT * size, lines[-1][1] + DESCENT * size
    corners = [(left, top), (left + width, top), (left + width, bottom), (left, bottom)]
    box = _box_of(corners, m)
    role = ctx.get("role", "")
    if role == "axis-label":
        kind = "xtick" if ctx.get("axis") == "x" else "ytick"
    elif role == "axis-title":
        kind = "xlabel" if ctx.get("axis") == "x" else "ylabel"
    elif role == "mark":
        kind = NAMED_TEXT.get(ctx.get("name", ""), "value")
    else:
        kind = _ROLE_KIND.get(role, "text")
    if kind == "title" and ctx.get("cell"):
        kind = "label"  # a facet's panel title
    colour = parse_colour(el.get("fill"))
    entry = {"kind": kind, "text": "\n".join(t for t, _ in lines), "box": box, "size": size, "bold": bold, "color": colour, "alpha": round(a, 4)}
    angle = math.degrees(math.atan2(m[1], m[0]))
    if abs(math.remainder(angle, 90.0)) >= 0.01:  # rotated off the axes: compared as the rotated box it is
        entry["angle"], entry["extent"] = angle, [width, bottom - top]
    out.texts.append(entry)
