"""Legibility for the Plotly and Vega-Lite engines: the same rules as Matplotlib's, on measured boxes.

A renderer measures every text it drew (kind, text, box in image pixels, top-left origin) and the
marks; `find_problems` names overlapping texts, texts that leave the canvas, and value labels
that leave the plot; `repair` changes the spec in a fixed order (drop crowded value labels,
rotate x labels, wrap the title, move the legend below, smaller fonts) and the chart is drawn
again, or the sample is dropped with the reason. Glyph coverage uses the font files Matplotlib
finds for the same family names (the installed set every engine draws from).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from factory.errors import Dropped
from renderers.matplotlib_renderer import TextBox, _unshaped, missing_glyphs, overlapping_pairs

FALLBACK_FONTS = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP")
MIN_FONT_PX = 9.0
CLIP_TOLERANCE_PX = 1.0
MAX_DRAWS = 6
NO_ROTATION = {"barh", "dot_plot", "dumbbell", "radar", "rose", "pie", "donut", "treemap", "funnel", "bullet"}


@dataclass
class Problem:
    reason: str
    kinds: frozenset[str]
    detail: str


def ensure_glyphs(spec: Any, texts: list[str], shapes: bool = False) -> None:
    """Switch to a font that draws every character, or drop: never tofu, never a silent fallback.

    `shapes`: the engine shapes text (Plotly in Chromium), so Arabic, Hebrew, Indic and Thai may be
    drawn; the spec's `script_font` (drawn before the family) then counts with it."""
    bad = _unshaped(texts)
    if bad is not None and not shapes:
        raise Dropped("unsupported_script", f"{unicodedata.name(bad, hex(ord(bad)))} needs text shaping")
    family = spec.style["font_family"]
    missing = missing_glyphs(family, texts)
    if spec.style.get("script_font"):
        missing &= missing_glyphs(spec.style["script_font"], texts)
    if not missing:
        return
    for candidate in FALLBACK_FONTS:
        if candidate != family and not missing_glyphs(candidate, texts):
            spec.style["font_requested"] = family
            spec.style["font_family"] = candidate
            spec.repairs.append(f"font:{candidate}")
            return
    raise Dropped("missing_glyph", f"no installed font draws {''.join(sorted(missing))[:10]!r} ({family} and fallbacks)")


def text_box(kind: str, text: str, box: list[float], group: int = -1) -> TextBox:
    """A measured text as the Matplotlib checks take it (they only compare, so y may grow downwards)."""
    return TextBox(kind, text, box[0], box[1], box[2], box[3], group=group)


def find_problems(texts: list[dict[str, Any]], width: int, height: int) -> list[Problem]:
    problems: list[Problem] = []
    boxes = [text_box(t["kind"], t["text"], t["box"], 0 if t["kind"] == "legend" else -1) for t in texts]
    for b in boxes:
        if b.x0 < -CLIP_TOLERANCE_PX or b.y0 < -CLIP_TOLERANCE_PX or b.x1 > width + CLIP_TOLERANCE_PX or b.y1 > height + CLIP_TOLERANCE_PX:
            problems.append(Problem("text_clipped", frozenset({b.kind}), f"{b.kind} {b.text[:40]!r} leaves the canvas"))
    for i, j in overlapping_pairs(boxes):
        a, b = boxes[i], boxes[j]
        problems.append(Problem("text_overlap", frozenset({a.kind, b.kind}), f"{a.kind} {a.text[:30]!r} overlaps {b.kind} {b.text[:30]!r}"))
    return problems


def repair(spec: Any, problems: list[Problem]) -> str | None:
    """The first repair that applies, made on `spec` (its name), or None when none is left."""
    s = spec.style
    kinds = set().union(*(p.kinds for p in problems))
    if s.get("value_labels") and "value" in kinds:
        s["value_labels"] = False
        return "drop_value_labels"
    if "annotation" in kinds and s.get("logo", "none") != "none":
        s["logo"] = "none"
        return "drop_logo"
    if "xtick" in kinds and int(s.get("x_rotation", 0)) < 90 and spec.chart_type not in NO_ROTATION:
        s["x_rotation"] = 45 if int(s.get("x_rotation", 0)) < 45 else 90
        return f"rotate_x_labels:{s['x_rotation']}"
    if "title" in kinds and int(s.get("title_lines", 1)) < 3 and len(spec.table.title.split()) > int(s.get("title_lines", 1)):
        s["title_lines"] = int(s.get("title_lines", 1)) + 1
        return f"wrap_title:{s['title_lines']}"
    if "legend" in kinds and s.get("legend") in ("right", "top"):
        s["legend"] = "bottom"
        return "legend:bottom"
    if s.get("subtitle") and "subtitle" in kinds:
        s["subtitle"] = ""
        return "drop_subtitle"
    if s["font_px"] > MIN_FONT_PX:
        s["font_px"] = max(MIN_FONT_PX, round(s["font_px"] * 0.85, 1))
        return f"smaller_font:{s['font_px']}"
    return None


def mark_entry(kind: str, row: int, series: int, value: Any, box: list[float], table: Any) -> dict[str, Any]:
    """One mark as the json lists it: kind, row and series (-1 when it is not one), value shown, box."""
    entry: dict[str, Any] = {"kind": kind, "row": row, "series": series}
    if 0 <= row < len(table.rows):
        entry["label"] = str(table.rows[row][0])
    if value is not None:
        entry["value"] = value
    entry["box"] = [round(float(v), 1) for v in box]
    return entry
