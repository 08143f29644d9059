"""Legibility for the Plotly and Vega-Lite engines: the same rules as Matplotlib's, on measured boxes.

A renderer measures every text it drew (kind, text, box in image pixels, top-left origin, size,
colour) and the marks; `find_problems` names overlapping texts and texts that leave the canvas;
`contrast_problems` names texts below WCAG contrast (4.5:1, 3:1 for large text) against what
is behind them in the drawn pixels; `repair` changes the spec in a fixed order (drop the piece
of furniture at fault, drop crowded or unreadable value labels, rotate x labels, wrap the title,
move the legend below, plain text colours, smaller fonts) and the chart is drawn again, or the
sample is dropped with the reason (text_overlap, text_clipped, low_contrast, plot_too_small).
Glyph coverage uses the font files Matplotlib finds for the same family names (the installed
set every engine draws from).

How contrast is read: a text's own colour is known (the engine wrote it; its opacity blends it
with what is behind); what is behind it is read from the picture: every colour covering at least
a fifth of the text's box that is not the text's own colour (the plain background, or a bar the
label sits on half-way). The text must reach the ratio against each of them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from factory.chart_code.placement import INSIDE_KINDS, forget_reference_places, move_labels_inside, move_reference_text, place_crossed_labels, reference_text_in_the_way
from factory.chart_code.colours import blend, contrast, needed_ratio
from factory.errors import Dropped
from renderers.glyph_contrast import drawn_contrast, text_crop
from renderers.matplotlib_renderer import TextBox, _unshaped, fall_back_font, missing_glyphs, overlapping_pairs

FALLBACK_FONTS = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP")
MIN_FONT_PX = 9.0
CLIP_TOLERANCE_PX = 1.0
MAX_DRAWS = 6
MIN_PLOT_FRACTION = (0.3, 0.25)  # plot area at least this share of the picture's width, height (as Matplotlib's)
BEHIND_SHARE = 0.2  # a colour covering this share of a text's box is something the text sits on
FURNITURE = {"note": "note", "logo": "logo", "reference": "reference_line", "callout": "callout"}
NO_ROTATION = {"barh", "dot_plot", "dumbbell", "radar", "rose", "pie", "donut", "treemap", "funnel", "bullet"}


@dataclass
class Problem:
    reason: str
    kinds: frozenset[str]
    detail: str
    labels: tuple[tuple[int, int], ...] = ()  # value labels ((series, row)) a mark crosses: moved or hidden one by one
    rule: bool = False  # the average line itself runs through a label (not its text: that one moves first)


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
    if missing:
        fall_back_font(spec, texts, missing, FALLBACK_FONTS)


def text_box(kind: str, text: str, box: list[float], group: int = -1, angle: float = 0.0, extent: list[float] | None = None) -> TextBox:
    """A measured text as the Matplotlib checks take it (they only compare, so y may grow downwards;
    an angle in y-down pixels turns the same way on the image). A text turned off the axes keeps
    its unrotated extent, so neighbours are compared as the rotated boxes they are, not their
    bounding rectangles (two 45-degree labels' rectangles overlap long before the labels do)."""
    size = (float(extent[0]), float(extent[1])) if extent else None
    return TextBox(kind, text, box[0], box[1], box[2], box[3], angle=angle if size else 0.0, size=size, group=group)


def find_problems(texts: list[dict[str, Any]], width: int, height: int) -> list[Problem]:
    problems: list[Problem] = []
    boxes = [text_box(t["kind"], t["text"], t["box"], 0 if t["kind"] == "legend" else -1, t.get("angle", 0.0), t.get("extent")) for t in texts]
    for b in boxes:
        if b.x0 < -CLIP_TOLERANCE_PX or b.y0 < -CLIP_TOLERANCE_PX or b.x1 > width + CLIP_TOLERANCE_PX or b.y1 > height + CLIP_TOLERANCE_PX:
            problems.append(Problem("text_clipped", frozenset({b.kind}), f"{b.kind} {b.text[:40]!r} leaves the canvas"))
    for i, j in overlapping_pairs(boxes):
        a, b = boxes[i], boxes[j]
        problems.append(Problem("text_overlap", frozenset({a.kind, b.kind}), f"{a.kind} {a.text[:30]!r} overlaps {b.kind} {b.text[:30]!r}"))
    return problems


def _behind(crop: np.ndarray, ink: tuple[float, float, float]) -> list[np.ndarray]:
    """The colours a text sits on: each covering BEHIND_SHARE of its box, the text's own excluded."""
    pixels = crop.reshape(-1, 3).astype(np.int32)
    packed = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    out = []
    for k in order:
        if counts[k] < BEHIND_SHARE * len(packed):
            break
        c = np.array([(values[k] >> 16) & 255, (values[k] >> 8) & 255, values[k] & 255], dtype=float)
        if np.abs(c - np.asarray(ink)).sum() > 24:  # a glyph's core is the text colour, not behind it
            out.append(c)
    if not out:  # thin text on a busy patch: the most common colour
        k = order[0]
        out.append(np.array([(values[k] >> 16) & 255, (values[k] >> 8) & 255, values[k] & 255], dtype=float))
    return out


def text_contrast(pixels: np.ndarray, text: dict[str, Any]) -> float | None:
    """The lowest WCAG contrast of a text against what is behind it (None: no colour or no box)."""
    if text.get("color") is None:
        return None
    crop = text_crop(pixels, text["box"])
    if crop is None:
        return None
    ink = tuple(float(v) for v in text["color"])
    alpha = float(text.get("alpha", 1.0))
    worst = None
    for bg in _behind(crop, ink):
        if not (np.abs(crop.astype(int) - bg.astype(int)).sum(axis=-1) > 40).any():
            return 1.0  # nothing drawn where the text should be (a font the engine could not find)
        shown = blend(ink, tuple(bg), alpha) if alpha < 1 else ink  # type: ignore[arg-type]
        ratio = contrast(shown, tuple(bg))  # type: ignore[arg-type]
        worst = ratio if worst is None else min(worst, ratio)
    return worst


def _rgb(image: Any) -> np.ndarray:
    """The picture's RGB channels as an array view (an RGBA picture is not converted, only sliced)."""
    if isinstance(image, np.ndarray):
        return image[..., :3]
    if image.mode in ("RGB", "RGBA"):
        return np.asarray(image)[..., :3]
    return np.asarray(image.convert("RGB"))


def contrast_check(image: Any, texts: list[dict[str, Any]],
                   cell_of: Callable[[int, dict[str, Any]], tuple[int, int] | None] | None = None) -> tuple[list[Problem], float]:
    """Texts below their WCAG ratio, and the lowest ratio of all (0 when none was measurable),
    for the sample's quality facts. With `cell_of` (as `drawn_problems` takes it) value labels
    below their ratio are named (series, row) and hidden on their own: a label too big for its thin
    stacked segment spills onto the background in white (1:1), and every label went with it."""
    pixels = _rgb(image)
    low = _LowTexts(cell_of)
    lowest = None
    for i, t in enumerate(texts):
        ratio = text_contrast(pixels, t)
        if ratio is None:
            continue
        lowest = ratio if lowest is None else min(lowest, ratio)
        need = needed_ratio(float(t.get("size", 0)), bool(t.get("bold")))
        if ratio < need:
            low.add(i, t, cell_of is not None and t["kind"] == "value", f"{t['kind']} {t['text'][:30]!r} at {ratio:.2f}:1 (needs {need:g}:1)")
    return low.problems("below their contrast"), round(lowest, 2) if lowest is not None else 0.0


class _LowTexts:
    """Texts found below their ratio, as problems: value labels (named by `cell_of`) in one that hides
    them on their own (`named_labels`), any other text in one of its own."""

    def __init__(self, cell_of: Callable[[int, dict[str, Any]], tuple[int, int] | None] | None):
        self.cell_of = cell_of
        self.out: list[Problem] = []
        self.labels: list[tuple[int, int] | None] = []
        self.first = ""

    def add(self, index: int, text: dict[str, Any], value: bool, detail: str) -> None:
        if value and self.cell_of is not None:
            self.labels.append(self.cell_of(index, text))
            self.first = self.first or detail
        else:
            self.out.append(Problem("low_contrast", frozenset({text["kind"]}), detail))

    def problems(self, how: str) -> list[Problem]:
        return self.out + named_labels("low_contrast", f"{len(self.labels)} value label(s) {how}, e.g. {self.first}", self.labels)


def named_labels(reason: str, detail: str, cells: list[tuple[int, int] | None]) -> list[Problem]:
    """One problem for value labels that go one by one (`hidden_values`, by (series, row)), or as a
    whole (no label named: the repair drops every value label) when one of them belongs to no known
    point (None)."""
    if not cells:
        return []
    known = tuple(sorted({c for c in cells if c is not None}))
    return [Problem(reason, frozenset({"value"}), detail, known if len(known) == len(set(cells)) else ())]


SHRUNK = 0.85  # a value label an engine drew under this share of its font size to fit its mark (`scale`) is hidden


def drawn_problems(spec: Any, pixels: Any, texts: list[dict[str, Any]],
                   cell_of: Callable[[int, dict[str, Any]], tuple[int, int] | None]) -> list[Problem]:
    """Texts a reader cannot read though the layout is sound: glyphs drawn below their WCAG ratio
    (`drawn_contrast`: small thin text never reaches its colour; white on a mid red slice draws at
    4.05-4.49:1), and value labels an engine shrank to fit inside a bar segment or slice (plotly.js
    drew a 12 px "0.4" 3 px high: `scale`). A value label named by (series, row) (`cell_of(index,
    text)`) is hidden on its own, all of them in one redraw; any other text takes the engine's
    repairs (plain ink colours, then smaller fonts...), and every value label goes when one of them
    cannot be named."""
    rgb = np.asarray(pixels.convert("RGB") if getattr(pixels, "mode", "RGB") != "RGB" else pixels)
    labelled = bool(spec.style.get("value_labels"))
    low = _LowTexts(cell_of)
    for i, t in enumerate(texts):
        value = labelled and t["kind"] == "value"
        if value and t.get("scale", 1.0) < SHRUNK:
            low.add(i, t, value, f"value {t['text'][:30]!r} shrunk to {float(t.get('size', 0)):.1f} px to fit its mark")
            continue
        ratio = drawn_contrast(rgb, t)
        need = needed_ratio(float(t.get("size", 0)), bool(t.get("bold")))
        if ratio is not None and ratio < need:
            low.add(i, t, value, f"{t['kind']} {t['text'][:30]!r} drawn at {ratio:.2f}:1 (needs {need:g}:1)")
    return low.problems("shrunk or drawn below their contrast")


def _drop_furniture(s: dict[str, Any], kinds: set[str]) -> str | None:
    for kind, key in FURNITURE.items():
        if kind in kinds and s.get(key, "none") not in ("none", "", None):
            s[key] = "" if key == "note" else "none"
            return f"drop_{kind}"
    return None


def repair(spec: Any, problems: list[Problem]) -> str | None:
    """The first repair that applies, made on `spec` (its name), or None when none is left."""
    s = spec.style
    kinds = set().union(*(p.kinds for p in problems))
    # a bar's label the average line runs through moves inside its bar (placement.move_labels_inside,
    # as Matplotlib does), first: the line's text on such a label is then often clear of it
    under_rule = {row for p in problems if p.kinds == {"value", "reference"} for _, row in p.labels}
    unnamed = any(p.rule and not p.labels for p in problems)  # a label crossed that cannot move: the line goes
    if under_rule and not unnamed and spec.chart_type in INSIDE_KINDS and s.get("reference_line", "none") != "none":
        return move_labels_inside(spec, under_rule)
    # the line's own text in the way (on a label, the subtitle, a tick) or off the canvas: it moves to
    # the line's other end once before the line goes (placement.move_reference_text, as in
    # Matplotlib); not when it only reads badly (it keeps its colours and ground there)
    if reference_text_in_the_way(problems):
        moved = move_reference_text(spec)
        if moved:
            return moved
    done = _drop_furniture(s, kinds)
    if done:
        if s.get("reference_line", "none") == "none":
            forget_reference_places(s)
        return done
    crossed = sorted({cell for p in problems for cell in p.labels})
    if crossed and s.get("value_labels"):
        return place_crossed_labels(spec, crossed)
    if s.get("value_labels") and "value" in kinds:
        s["value_labels"] = False
        return "drop_value_labels"
    if "annotation" in kinds and s.get("logo", "none") != "none":
        s["logo"] = "none"
        return "drop_logo"
    low = set().union(*(p.kinds for p in problems if p.reason == "low_contrast")) if any(p.reason == "low_contrast" for p in problems) else set()
    if low and s.get("text_colours") != "ink":
        s["text_colours"] = "ink"
        return "text_colours:ink"
    if low and not (kinds - low):
        return None  # plain colours and still unreadable: nothing left to try
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
