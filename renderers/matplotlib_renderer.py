"""Draw chart specs with Matplotlib, once in the common case, and keep only legible charts.

The figure is built by executing `factory.chart_code.matplotlib_code.figure_code(spec).body` on a fresh
`Figure` + `FigureCanvasAgg` inside `rc_context`, so rcParams never leak between samples and the
chart-to-code script (the same body under pyplot) gives the same pixels. After one draw every
text box is measured with the cached renderer; if two texts overlap, a text leaves the canvas,
the plot area collapses or an inside legend hides data, the spec is repaired in a fixed order
(pad the corner, rotate, wrap, move pie labels, move the legend out, shrink fonts, thin ticks, grow the
figure, drop value labels) and redrawn. A chart that stays illegible is dropped with the reason:
text_overlap, text_clipped, plot_too_small or legend_hides_data; text no installed font can draw
is dropped as missing_glyph, and scripts Matplotlib cannot shape (Arabic, Hebrew, Indic, Thai) as
unsupported_script.
"""

from __future__ import annotations

import functools
import logging
import math
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib import font_manager, ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Wedge
from matplotlib.text import Text
from PIL import Image

from factory.chart_code.matplotlib_code import chart_texts, figure_code
from factory.chart_code.placement import INSIDE_KINDS, forget_reference_places, move_labels_inside, move_reference_text, place_crossed_labels, reference_text_in_the_way
from factory.chart_code.colours import needed_ratio
from factory.components import Render, Renderer
from factory.errors import Dropped
from factory.generators.charts import SEQUENTIAL_KINDS, ChartSpec, exact_px
from renderers import agg_caches, matplotlib_marks
from renderers.glyph_contrast import drawn_contrast
from renderers.matplotlib_settings import MatplotlibSettings

log = logging.getLogger(__name__)

MAX_DRAWS = 10
MIN_FONT_PX = 9.0  # base text size a repair may shrink to (tick labels at most 15% smaller)
OVERLAP_TOLERANCE_PX = 1.0  # boxes may touch by this much: text boxes include empty line gaps
CLIP_TOLERANCE_PX = 0.5
MIN_GAP_PX = 2.0  # x labels and value labels on one line keep at least this gap
SPACED_KINDS = frozenset({"xtick", "value"})
MIN_PLOT_FRACTION = (0.3, 0.25)  # plot area at least this share of figure width, height
MIN_PLOT_AREA = 0.35  # and at least this share of the figure's area (legends and titles get the rest)
MAX_ASPECT = 2.5  # a grown figure stays at most this much wider than tall
MINUS = "\u2212"
FURNITURE_KINDS = frozenset({"subtitle", "note", "logo", "callout", "reference"})
FALLBACK_FONTS = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK KR")
# Scripts Matplotlib cannot shape (joining, reordering, right-to-left): they would draw wrong.
_UNSHAPED = ((0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0FFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))


# -- fonts and glyphs ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def font_file(family: str) -> str | None:
    """The file Matplotlib draws `family` from, or None when it is not installed (no silent fallback)."""
    try:
        return font_manager.findfont(font_manager.FontProperties(family=[family]), fallback_to_default=False)
    except ValueError:
        return None


@functools.lru_cache(maxsize=None)
def font_charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def missing_glyphs(family: str, texts: Iterable[str]) -> set[str]:
    path = font_file(family)
    if path is None:
        return {"<font not installed>"}
    cmap = font_charmap(path)
    return {ch for t in texts for ch in t if not ch.isspace() and ord(ch) not in cmap}


def _unshaped(texts: Iterable[str]) -> str | None:
    for t in texts:
        for ch in t:
            code = ord(ch)
            if any(lo <= code <= hi for lo, hi in _UNSHAPED):
                return ch
    return None


def ensure_glyphs(spec: ChartSpec) -> None:
    """Switch to a font that can draw every character, or drop; never draw tofu."""
    texts = chart_texts(spec)
    bad = _unshaped(texts)
    if bad is not None:
        raise Dropped("unsupported_script", f"{unicodedata.name(bad, hex(ord(bad)))} needs text shaping")
    family = spec.style["font_family"]
    if spec.style.get("unicode_minus", True) and missing_glyphs(family, [MINUS]):
        spec.style["unicode_minus"] = False  # tick labels then use '-', which every font has
        texts = chart_texts(spec)
    missing = missing_glyphs(family, texts)
    if missing:
        fall_back_font(spec, texts, missing, FALLBACK_FONTS)


def fall_back_font(spec: Any, texts: list[str], missing: set[str], fallbacks: tuple[str, ...]) -> None:
    """The first of `fallbacks` that draws every text becomes the spec's family (the one asked for
    is kept as font_requested, the switch listed as a repair); with none, the chart is dropped."""
    family = spec.style["font_family"]
    for candidate in fallbacks:
        if candidate != family and not missing_glyphs(candidate, texts):
            spec.style["font_requested"] = family
            spec.style["font_family"] = candidate
            spec.repairs.append(f"font:{candidate}")
            return
    sample = "".join(sorted(missing))[:10]
    raise Dropped("missing_glyph", f"no installed font draws {sample!r} ({family} and fallbacks)")


# -- drawing -------------------------------------------------------------------------------------


@dataclass
class DrawnChart:
    """A drawn figure and the warnings it raised so far."""

    spec: ChartSpec
    figure: Figure
    canvas: FigureCanvasAgg
    caught: list = field(default_factory=list)  # warnings.WarningMessage, filled while it is built
    # id(axis) -> (ticks drawn, (label1 boxes, label2 boxes)), as the last draw computed them
    tick_label_boxes: dict[int, tuple[list, tuple[list, list]]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        return [str(w.message) for w in self.caught]

    @property
    def renderer(self):
        return self.canvas.get_renderer()

    def image(self) -> Image.Image:
        width, height = self.canvas.get_width_height()
        rgba = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        return rgba.convert("RGB")


@functools.lru_cache(maxsize=256)
def _compiled(body: str):
    return compile(body, "<chart>", "exec")


@contextmanager
def drawing(spec: ChartSpec) -> Iterator[DrawnChart]:
    """The figure of `spec`, drawn once, with its rcParams in force until the block ends.

    Measuring must happen inside the block: text sizes depend on the rcParams.
    """
    code = figure_code(spec)
    compiled = _compiled(code.body)
    with warnings.catch_warnings(record=True) as caught, matplotlib.rc_context():
        warnings.simplefilter("always")
        matplotlib.style.use(code.styles)
        matplotlib.rcParams.update(code.rc)
        fig = Figure(figsize=code.figsize, dpi=code.dpi, layout="constrained")
        canvas = FigureCanvasAgg(fig)
        agg_caches.attach(canvas.get_renderer())  # same pixels, less repeated work
        exec(compiled, {"fig": fig, "np": np, "ticker": ticker})  # noqa: S102 - our own generated code
        if canvas.get_width_height() != (spec.width_px, spec.height_px):
            raise RuntimeError(
                f"figure is {canvas.get_width_height()} pixels, spec says {(spec.width_px, spec.height_px)}"
            )
        drawn = DrawnChart(spec, fig, canvas, caught)
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                _remember_tick_label_boxes(axis, drawn.tick_label_boxes)
        with agg_caches.ticks_remembered(fig):
            canvas.draw()
        yield drawn


def _remember_tick_label_boxes(axis, store: dict) -> None:
    """Keep the tick-label boxes `Axis.draw` computes and throws away: measuring the labels again
    costs a third of the legibility check. Without the hook (another Matplotlib) they are measured."""
    compute = getattr(axis, "_get_ticklabel_bboxes", None)
    if compute is None:
        return

    def remembering(ticks, renderer):
        boxes = compute(ticks, renderer)
        store[id(axis)] = (list(ticks), boxes)
        return boxes

    axis._get_ticklabel_bboxes = remembering


def draw(spec: ChartSpec) -> DrawnChart:
    """`spec` drawn as it is: no measuring, no repairs (benchmarks and tests compare against this)."""
    with drawing(spec) as drawn:
        return drawn


# -- measuring -----------------------------------------------------------------------------------


@dataclass
class TextBox:
    """A drawn text (or legend frame) in display pixels, origin bottom-left."""

    kind: str  # title xlabel ylabel xtick ytick offset value pie_label legend legend_frame
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    angle: float = 0.0
    size: tuple[float, float] | None = None  # unrotated width, height for rotated text
    group: int = -1  # legend id for a legend's texts and frame
    font_px: float = 0.0
    index: int = -1  # value labels: their order among the axes' value texts (series-major)

    @property
    def axis_aligned(self) -> bool:
        return self.size is None or abs(math.remainder(self.angle, 90.0)) < 0.01


def _text_box(text: Text, kind: str, renderer, group: int = -1, bb=None, index: int = -1) -> TextBox | None:
    if not text.get_visible() or not text.get_text().strip():
        return None
    if bb is None:
        bb = text.get_window_extent(renderer)
    if not all(map(math.isfinite, (bb.x0, bb.y0, bb.x1, bb.y1))):
        return None
    angle = float(text.get_rotation())
    size = None
    if abs(math.remainder(angle, 90.0)) >= 0.01:
        size = _unrotated_size(text, renderer)
    shown = text.get_text().replace("\\$", "$")  # chart_code.escape keeps '$' out of mathtext
    font_px = text.get_fontsize() * renderer.dpi / 72.0
    return TextBox(kind, shown, bb.x0, bb.y0, bb.x1, bb.y1, angle, size, group, font_px, index)


def _unrotated_size(text: Text, renderer) -> tuple[float, float]:
    """Width and height of a rotated text before rotation (public API gives only its bounding box)."""
    _, info, extra = text._get_layout(renderer)
    if isinstance(extra, tuple) and len(extra) == 2 and len(np.atleast_1d(extra[1])) == 2:
        return float(extra[1][0]), float(extra[1][1])  # Matplotlib >= 3.10: (corner, (w, h))
    sizes = [entry[1] for entry in info]  # older: per-line (w, h, d)
    spacing = text.get_linespacing()
    height = sizes[0][1] + sum(h * spacing for _, h, *_ in sizes[1:])
    return float(max(w for w, *_ in sizes)), float(height)


def _drawn_ticks(axis) -> list:
    return axis._update_ticks()  # the ticks Axis.draw draws (locator output inside the view)


def text_boxes(drawn: DrawnChart) -> list[TextBox]:
    """Every text the drawn figure shows, plus legend frames, with its pixel box."""
    fig, renderer = drawn.figure, drawn.renderer
    boxes: list[TextBox] = []

    def add(text: Text, kind: str, group: int = -1, bb=None, index: int = -1) -> None:
        box = _text_box(text, kind, renderer, group, bb, index)
        if box is not None:
            boxes.append(box)

    def add_tick_labels(axis, kind: str) -> None:
        recorded = drawn.tick_label_boxes.get(id(axis))
        if recorded is None:
            for tick in _drawn_ticks(axis):
                add(tick.label1, kind)
                add(tick.label2, kind)
            return
        ticks, (first, second) = recorded
        for label_of, measured in ((lambda t: t.label1, iter(first)), (lambda t: t.label2, iter(second))):
            for tick in ticks:
                label = label_of(tick)
                if label.get_visible() and label.get_in_layout():  # exactly the labels Matplotlib measured
                    add(label, kind, bb=next(measured))

    legends = []
    for ax in fig.axes:
        for title in (ax.title, ax._left_title, ax._right_title):
            add(title, "title")
        add(ax.xaxis.label, "xlabel")
        add(ax.yaxis.label, "ylabel")
        add(ax.xaxis.offsetText, "offset")
        add(ax.yaxis.offsetText, "offset")
        add_tick_labels(ax.xaxis, "xtick")
        add_tick_labels(ax.yaxis, "ytick")
        pie = bool(ax.patches) and isinstance(ax.patches[0], Wedge)
        values = 0
        for text in ax.texts:
            if text.get_gid() in FURNITURE_KINDS:
                add(text, text.get_gid())
            elif pie and math.hypot(*text.get_position()) > 1.0:
                add(text, "pie_label")
            else:
                add(text, "value", index=values)
                values += 1
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
    for text in fig.texts:  # the note line (a supxlabel) and a brand mark beside it
        add(text, text.get_gid() if text.get_gid() in FURNITURE_KINDS else "text")
    legends.extend(fig.legends)
    for group, legend in enumerate(legends):
        for text in legend.get_texts():
            add(text, "legend", group)
        frame = legend.get_window_extent(renderer)
        boxes.append(TextBox("legend_frame", "", frame.x0, frame.y0, frame.x1, frame.y1, group=group))
    return boxes


@dataclass
class Legible:
    """A chart drawn legibly: the spec as drawn (repairs applied), its figure and text boxes."""

    spec: ChartSpec
    drawn: DrawnChart
    boxes: list[TextBox]
    draws: int
    inspected: Any = None


@dataclass
class Problem:
    reason: str  # text_overlap text_clipped plot_too_small legend_hides_data
    kinds: frozenset[str]
    detail: str
    pair: tuple[str, str] = ("", "")
    labels: tuple[int, ...] = ()  # value labels (TextBox.index) a mark crosses or that leave their own mark
    rule: bool = False  # the average line itself runs through a label (not its text: that one moves first)


def _segments_hit(box: np.ndarray, points: np.ndarray, pad: float) -> bool:
    """Whether the polyline through `points` (display px) passes through `box` grown by `pad`."""
    x0, y0, x1, y1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
    a, b = points[:-1], points[1:]
    ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    a, b = a[ok], b[ok]
    if not len(a):
        return False
    # Liang-Barsky clipping of every segment against the box at once
    d = b - a
    t0, t1 = np.zeros(len(a)), np.ones(len(a))
    for p, q in ((-d[:, 0], a[:, 0] - x0), (d[:, 0], x1 - a[:, 0]), (-d[:, 1], a[:, 1] - y0), (d[:, 1], y1 - a[:, 1])):
        parallel = p == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        outside = parallel & (q < 0)
        t0 = np.where(~parallel & (p < 0), np.maximum(t0, r), t0)
        t1 = np.where(~parallel & (p > 0), np.minimum(t1, r), t1)
        t0 = np.where(outside, 2.0, t0)
    return bool(np.any(t0 <= t1))


def _inside_wedge(wedge: Wedge, corners: np.ndarray, ax) -> bool:
    """Whether every corner (display px) lies within the wedge's angles and radii."""
    centre = ax.transData.transform(wedge.center)
    scale = abs(ax.transData.transform((wedge.center[0] + wedge.r, wedge.center[1]))[0] - centre[0])
    rel = corners - centre
    radius = np.hypot(rel[:, 0], rel[:, 1]) / max(scale, 1e-9)
    inner = 1.0 - wedge.width / wedge.r if wedge.width is not None else 0.0
    angle = np.degrees(np.arctan2(rel[:, 1], rel[:, 0]))
    lo, hi = wedge.theta1, wedge.theta2
    turn = (angle - lo) % 360.0
    return bool(np.all(turn <= (hi - lo) % 360.0 + 1e-6) and np.all(radius <= 1.0) and np.all(radius >= inner))


def value_label_marks(drawn: DrawnChart, boxes: list[TextBox]) -> list[Problem]:
    """Value labels crossed by a line or marker, lying on another bar, or (stacked bars, pie
    slices) not inside their own mark: each is a text_overlap naming the labels."""
    spec = drawn.spec
    labels = [b for b in boxes if b.kind == "value" and b.index >= 0]
    if not drawn.figure.axes:
        return []
    ax = drawn.figure.axes[0]
    kind = spec.chart_type
    hit: list[int] = []
    shrink = 1.0
    furniture: list[Problem] = []
    inside = {int(r) for r in spec.style.get("inside_labels", ())}
    pixels: list[np.ndarray] = []

    def faint(box: TextBox) -> bool:
        """A label on its mark whose glyphs draw below its WCAG ratio (white on a mid red slice
        drew 3.9:1 at 11 px, its colour 5:1): left out on its own, as one that spills off."""
        if not pixels:
            pixels.append(np.asarray(drawn.canvas.buffer_rgba())[..., :3])
        height = pixels[0].shape[0]
        ratio = drawn_contrast(pixels[0], {"box": [box.x0, height - box.y1, box.x1, height - box.y0]})
        return ratio is not None and ratio < needed_ratio(box.font_px, False)

    if kind in ("line", "multi_line", "area"):  # the reference label: no data line through it (its own line runs under it)
        for box in (b for b in boxes if b.kind == "reference"):
            rect = np.array([box.x0 + shrink, box.y0 + shrink, box.x1 - shrink, box.y1 - shrink])
            for line in ax.get_lines():
                if line.get_transform() is ax.transData and _segments_hit(rect, line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float)),
                                                                         line.get_linewidth() * drawn.figure.dpi / 72.0 / 2):  # fmt: skip
                    furniture.append(Problem("text_overlap", frozenset({"reference"}), f"a line crosses {box.text[:30]!r}", ("reference", "mark")))
                    break
    # an average line (axhline/axvline: not in data coordinates) under a bar's or any other label
    # that the line branch below does not see: it goes first, as furniture
    rules = [line for line in ax.get_lines() if line.get_transform() is not ax.transData] \
        if spec.style.get("reference_line", "none") != "none" and kind not in ("line", "multi_line", "area") else []  # fmt: skip
    for box in labels:
        rect = np.array([box.x0 + shrink, box.y0 + shrink, box.x1 - shrink, box.y1 - shrink])
        if any(_segments_hit(rect, line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float)),
                             line.get_linewidth() * drawn.figure.dpi / 72.0 / 2) for line in rules):  # fmt: skip
            furniture.append(Problem("text_overlap", frozenset({"value", "reference"}), f"the reference line crosses {box.text[:30]!r}", ("value", "reference"),
                                     (box.index,) if kind in INSIDE_KINDS else (), rule=True))  # fmt: skip
        if kind in ("line", "multi_line", "area"):
            for line in ax.get_lines():
                # each line in its own coordinates: a reference line (axhline) is x in axes fraction, y in data
                points = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
                pad = line.get_linewidth() * drawn.figure.dpi / 72.0 / 2
                marker = line.get_markersize() * drawn.figure.dpi / 72.0 / 2 if line.get_marker() not in ("", "None", None) else 0.0
                if _segments_hit(rect, points, pad):
                    if line.get_transform() is not ax.transData and spec.style.get("reference_line", "none") != "none":
                        furniture.append(Problem("text_overlap", frozenset({"value", "reference"}), f"the reference line crosses {box.text[:30]!r}",
                                                 ("value", "reference"), rule=True))  # fmt: skip
                        continue
                    hit.append(box.index)
                    break
                finite = points[np.isfinite(points).all(axis=1)]
                if marker and np.any((finite[:, 0] + marker > rect[0]) & (finite[:, 0] - marker < rect[2])
                                     & (finite[:, 1] + marker > rect[1]) & (finite[:, 1] - marker < rect[3])):
                    hit.append(box.index)
                    break
        elif kind == "stacked_bar":
            patch = ax.patches[box.index] if box.index < len(ax.patches) else None
            bb = patch.get_window_extent() if patch is not None else None
            if bb is None or rect[0] < bb.x0 or rect[2] > bb.x1 or rect[1] < bb.y0 or rect[3] > bb.y1 or faint(box):
                hit.append(box.index)
        elif kind in ("pie", "donut"):
            wedge = ax.patches[box.index] if box.index < len(ax.patches) else None
            corners = np.array([[rect[0], rect[1]], [rect[2], rect[1]], [rect[2], rect[3]], [rect[0], rect[3]]])
            if not isinstance(wedge, Wedge) or not _inside_wedge(wedge, corners, ax) or faint(box):
                hit.append(box.index)
        elif kind in INSIDE_KINDS and box.index in inside:  # moved inside its bar: all of it there, clear of the others
            own = ax.patches[box.index].get_window_extent() if box.index < len(ax.patches) else None
            if own is None or rect[0] < own.x0 or rect[2] > own.x1 or rect[1] < own.y0 or rect[3] > own.y1:
                furniture.append(Problem("text_overlap", frozenset({"value", "reference"}), f"{box.text[:30]!r} does not fit inside its bar",
                                         ("value", "reference"), (box.index,)))  # fmt: skip
        else:  # bars: a label stands clear of every bar
            for patch in ax.patches:
                bb = patch.get_window_extent()
                if bb.width > 0 and bb.height > 0 and rect[0] < bb.x1 and rect[2] > bb.x0 and rect[1] < bb.y1 and rect[3] > bb.y0:
                    hit.append(box.index)
                    break
    if not hit:
        return furniture
    return furniture + [Problem("text_overlap", frozenset({"value"}), f"{len(hit)} value label(s) crossed by or spilling off a mark", ("value", "mark"), tuple(hit))]


def _obb_corners(box: TextBox, shrink: float) -> np.ndarray:
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    w, h = box.size if box.size else (box.x1 - box.x0, box.y1 - box.y0)
    w, h = max(w - 2 * shrink, 0.0) / 2, max(h - 2 * shrink, 0.0) / 2
    t = math.radians(box.angle if box.size else 0.0)
    c, s = math.cos(t), math.sin(t)
    local = np.array([[-w, -h], [w, -h], [w, h], [-w, h]])
    return local @ np.array([[c, s], [-s, c]]) + np.array([cx, cy])


def _separated(a: np.ndarray, b: np.ndarray) -> bool:
    """Separating-axis test for two convex quadrilaterals."""
    for poly in (a, b):
        for i in range(4):
            edge = poly[(i + 1) % 4] - poly[i]
            normal = np.array([-edge[1], edge[0]])
            pa, pb = a @ normal, b @ normal
            if pa.max() <= pb.min() or pb.max() <= pa.min():
                return True
    return False


def overlapping_pairs(boxes: list[TextBox], tolerance: float = OVERLAP_TOLERANCE_PX) -> list[tuple[int, int]]:
    """Index pairs of boxes that overlap by more than `tolerance` pixels (rotated text exactly),
    or, for horizontal x labels and value labels, stand less than MIN_GAP_PX apart side by side."""
    if len(boxes) < 2:
        return []
    # Boxes shrink by the tolerance, except that texts set side by side on one line (x labels,
    # value labels) grow: "5.99" and "5.95" that merely touch read as "5.995.95".
    side = np.array([-MIN_GAP_PX / 2 if b.kind in SPACED_KINDS and b.angle == 0 else tolerance for b in boxes])
    arr = np.array([[b.x0, b.y0, b.x1, b.y1] for b in boxes])
    arr += np.column_stack([side, np.full(len(boxes), tolerance), -side, np.full(len(boxes), -tolerance)])
    ix = np.minimum(arr[:, None, 2], arr[None, :, 2]) - np.maximum(arr[:, None, 0], arr[None, :, 0])
    iy = np.minimum(arr[:, None, 3], arr[None, :, 3]) - np.maximum(arr[:, None, 1], arr[None, :, 1])
    hit = (ix > 0) & (iy > 0)
    pairs = []
    for i, j in zip(*np.nonzero(np.triu(hit, 1))):
        a, b = boxes[i], boxes[j]
        if a.group >= 0 and a.group == b.group:
            continue  # a legend's own texts sit inside its frame
        if not (a.axis_aligned and b.axis_aligned):
            if _separated(_obb_corners(a, tolerance), _obb_corners(b, tolerance)):
                continue
        pairs.append((int(i), int(j)))
    return pairs


def _data_points(ax) -> np.ndarray:
    """Display coordinates of the data marks an inside legend must not cover."""
    chunks = []
    for line in ax.get_lines():
        if line.get_transform() is ax.transData or line.get_transform() == ax.transData:
            xy = line.get_xydata()
            if len(xy):
                chunks.append(ax.transData.transform(xy))
    for coll in ax.collections:
        if isinstance(coll, PathCollection):  # scatter: one marker path at many offsets
            offsets = np.asarray(coll.get_offsets())
            if len(offsets):
                chunks.append(coll.get_offset_transform().transform(offsets))
        else:  # areas: the polygons' own vertices
            for path in coll.get_paths():
                chunks.append(coll.get_transform().transform(path.vertices))
    for patch in ax.patches:
        bb = patch.get_window_extent()
        if all(map(math.isfinite, (bb.x0, bb.y0, bb.x1, bb.y1))) and bb.width > 0 and bb.height > 0:
            # a bar is hidden when its outer end is: sample that edge
            xs = np.linspace(bb.x0, bb.x1, 5)
            ys = np.linspace(bb.y0, bb.y1, 5)
            chunks.append(np.column_stack([xs, np.full(5, bb.y1)]))
            chunks.append(np.column_stack([xs, np.full(5, bb.y0)]))
            chunks.append(np.column_stack([np.full(5, bb.x1), ys]))
    if not chunks:
        return np.zeros((0, 2))
    points = np.concatenate(chunks)
    return points[np.isfinite(points).all(axis=1)]


def find_problems(drawn: DrawnChart, boxes: list[TextBox]) -> list[Problem]:
    fig = drawn.figure
    width, height = drawn.canvas.get_width_height()
    problems: list[Problem] = []
    for text in drawn.warnings:
        if "Glyph" in text and "missing" in text:  # Matplotlib drew a box for it: drop the chart
            raise Dropped("missing_glyph", text)
        if "constrained_layout not applied" in text or "collapsed" in text:
            problems.append(Problem("plot_too_small", frozenset({"layout"}), text))
    for box in boxes:
        if box.x0 < -CLIP_TOLERANCE_PX or box.y0 < -CLIP_TOLERANCE_PX or box.x1 > width + CLIP_TOLERANCE_PX or box.y1 > height + CLIP_TOLERANCE_PX:
            problems.append(Problem("text_clipped", frozenset({box.kind}), f"{box.kind} {box.text[:40]!r} leaves the canvas"))
    problems += value_label_marks(drawn, boxes)
    for i, j in overlapping_pairs(boxes):
        a, b = boxes[i], boxes[j]
        problems.append(
            Problem("text_overlap", frozenset({a.kind, b.kind}), f"{a.kind} {a.text[:30]!r} overlaps {b.kind} {b.text[:30]!r}", (a.kind, b.kind))
        )
    for ax in fig.axes:
        bb = ax.get_window_extent()
        small = bb.width < MIN_PLOT_FRACTION[0] * width or bb.height < MIN_PLOT_FRACTION[1] * height
        if small or bb.width * bb.height < MIN_PLOT_AREA * width * height:
            problems.append(Problem("plot_too_small", frozenset({"layout"}), f"plot area {bb.width:.0f}x{bb.height:.0f} px"))
        legend = ax.get_legend()
        if legend is not None:
            frame = legend.get_window_extent(drawn.renderer)
            points = _data_points(ax)
            inside = (
                (points[:, 0] > frame.x0 + 1) & (points[:, 0] < frame.x1 - 1) & (points[:, 1] > frame.y0 + 1) & (points[:, 1] < frame.y1 - 1)
            )
            if inside.any():
                problems.append(Problem("legend_hides_data", frozenset({"legend_frame"}), f"legend covers {int(inside.sum())} data points"))
    return problems


# -- repairs -------------------------------------------------------------------------------------


def _kinds(problems: list[Problem]) -> set[str]:
    return set().union(*(p.kinds for p in problems)) if problems else set()


def _xtick_crowding(problems: list[Problem]) -> bool:
    return any(p.pair == ("xtick", "xtick") for p in problems) or any(
        p.reason == "text_clipped" and "xtick" in p.kinds for p in problems
    )


def _repair_reference_text(spec: ChartSpec, problems: list[Problem]) -> str | None:
    """The average line's own text in the way (after the labels the line crosses moved inside their
    bars): it moves to the line's other end once before the line goes (shared with the other
    engines: placement.move_reference_text)."""
    return move_reference_text(spec) if reference_text_in_the_way(problems) else None


def _repair_reference_labels(spec: ChartSpec, problems: list[Problem]) -> str | None:
    """An average line through a bar's value label: that label moves inside its bar (shared with
    the other engines: placement.move_labels_inside)."""
    return move_labels_inside(spec, {i for p in problems if p.pair == ("value", "reference") for i in p.labels})


_FURNITURE_STYLE = {"callout": ("callout", "none"), "reference": ("reference_line", "none"), "logo": ("logo", "none"),
                    "note": ("note", ""), "subtitle": ("subtitle", "")}  # fmt: skip


def _repair_furniture(spec: ChartSpec, problems: list[Problem]) -> str | None:
    """Furniture in the way (a callout on a value label, a brand mark on the title) goes first; an
    average line takes the labels moved inside their bars for it back to their place."""
    kinds = _kinds(problems)
    for kind, (key, off) in _FURNITURE_STYLE.items():
        if kind in kinds and spec.style.get(key, off) != off:
            spec.style[key] = off
            if kind == "reference":
                forget_reference_places(spec.style)
            return f"drop_{kind}"
    return None


def _repair_corner(spec: ChartSpec, problems: list[Problem]) -> str | None:
    """The first x label and the lowest y label meet at the corner: push tick labels off the axes."""
    if spec.style.get("tick_pad", 3.5) >= 8 or not any(set(p.pair) == {"xtick", "ytick"} for p in problems):
        return None
    spec.style["tick_pad"] = 8.0
    return "tick_pad:8"


def _repair_rotate(spec: ChartSpec, problems: list[Problem]) -> str | None:
    if spec.chart_type in ("pie", "donut", "barh") or not _xtick_crowding(problems):
        return None
    rot = int(spec.style.get("x_rotation", 0))
    if rot >= 90:
        return None
    spec.style["x_rotation"] = 45 if rot < 45 else 90
    return f"rotate_x_labels:{spec.style['x_rotation']}"


def _long(texts: Iterable[str], width: int) -> bool:
    return any(len(t) > width and " " in t for t in texts)


def _repair_wrap(spec: ChartSpec, problems: list[Problem]) -> str | None:
    """Break long texts into lines: the title, then series names and axis titles, then row labels."""
    kinds = _kinds(_text_problems(problems))
    lines = int(spec.style.get("title_lines", 1))
    if "title" in kinds and lines < 3 and len(spec.table.title.split()) > lines:
        spec.style["title_lines"] = lines + 1
        return f"wrap_title:{lines + 1}"
    names = [c.name for c in spec.table.series] + [spec.table.label_column.name]
    for key, wrappable, texts in (
        ("name_wrap", {"legend", "xlabel", "ylabel"}, names),
        ("wrap", {"xtick", "ytick", "pie_label", "layout"}, spec.table.labels()),
    ):
        if key == "wrap" and spec.style.get("x_rotation", 0):
            wrappable = wrappable - {"xtick"}  # a wrapped label turned on its side only gets thicker
        if key == "name_wrap" and not str(spec.style.get("legend", "none")).startswith("outside"):
            wrappable = wrappable - {"legend"}  # an inside legend in the way moves out instead
        if not kinds & wrappable:
            continue
        current = int(spec.style.get(key, 0))
        for width in (16, 10):
            if (current == 0 or width < current) and _long(texts, width):
                spec.style[key] = width
                return f"{key}:{width}"
    return None


def _repair_pie_legend(spec: ChartSpec, problems: list[Problem]) -> str | None:
    if spec.chart_type not in ("pie", "donut") or spec.style.get("pie_labels") != "wedges":
        return None
    if not _kinds(problems) & {"pie_label", "title", "layout"}:
        return None
    spec.style["pie_labels"] = "legend"
    spec.style["legend"] = "outside right"
    return "pie_labels_to_legend"


def _text_problems(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.reason != "legend_hides_data"]


def _repair_font(spec: ChartSpec, problems: list[Problem]) -> str | None:
    texts = _text_problems(problems)
    if spec.style["font_px"] <= MIN_FONT_PX + 0.05 or not texts:
        return None
    if spec.style.get("value_labels") and all("value" in p.kinds for p in texts):
        return None  # crowded value labels: dropping them (last repair) beats shrinking every text
    spec.style["font_px"] = round(max(MIN_FONT_PX, spec.style["font_px"] * 0.85), 1)
    return f"smaller_font:{spec.style['font_px']}"


def _thinnable(spec: ChartSpec) -> bool:
    if spec.chart_type in ("histogram", "scatter"):
        return True
    return (spec.table.facts.get("label_kind") or spec.style.get("label_kind")) in SEQUENTIAL_KINDS


def _repair_thin(spec: ChartSpec, problems: list[Problem]) -> str | None:
    if not _xtick_crowding(problems) or not _thinnable(spec):
        return None
    step = int(spec.style.get("x_tick_step", 1))
    if step >= 4:
        return None
    spec.style["x_tick_step"] = step * 2
    return f"thin_x_labels:{step * 2}"


def _repair_grow(spec: ChartSpec, problems: list[Problem], max_width: int, max_height: int) -> str | None:
    """More room: taller for crowded horizontal-bar labels, else wider (never wider than MAX_ASPECT)."""
    kinds = _kinds(_text_problems(problems))
    tall = spec.chart_type == "barh" and "ytick" in kinds
    wide = bool(kinds & {"xtick", "title", "legend", "layout", "pie_label"})
    if tall and spec.height_px < max_height:
        spec.height_px = exact_px(min(int(spec.height_px * 1.3), max_height), spec.dpi)
        return f"grow_figure:{spec.width_px}x{spec.height_px}"
    if wide and spec.width_px < max_width:
        spec.width_px = exact_px(min(int(spec.width_px * 1.3), max_width), spec.dpi)
        if spec.width_px > MAX_ASPECT * spec.height_px:
            spec.height_px = exact_px(min(int(spec.width_px / MAX_ASPECT), max_height), spec.dpi)
        return f"grow_figure:{spec.width_px}x{spec.height_px}"
    return None


def _repair_legend(spec: ChartSpec, problems: list[Problem]) -> str | None:
    if not _kinds(problems) & {"legend", "legend_frame"}:
        return None
    where = spec.style.get("legend", "none")
    if where == "none":
        return None
    if where == "outside bottom":
        return None
    spec.style["legend"] = "outside bottom" if where == "outside right" else "outside right"
    return f"legend:{spec.style['legend']}"


def _repair_label_marks(spec: ChartSpec, problems: list[Problem]) -> str | None:
    """Labels a mark crosses: a line's label moves to the other side of its point once, then it
    (or a label wider than its bar segment or slice) is left out of the picture."""
    crossed = sorted({i for p in problems if p.pair != ("value", "reference") for i in p.labels})
    if not crossed or not spec.style.get("value_labels"):
        return None
    rows = max(len(spec.table.rows), 1)
    return place_crossed_labels(spec, [divmod(index, rows) for index in crossed])


def _repair_values(spec: ChartSpec, problems: list[Problem]) -> str | None:
    if not spec.style.get("value_labels") or "value" not in _kinds(problems):
        return None
    spec.style["value_labels"] = False
    return "drop_value_labels"


class MatplotlibRenderer(Renderer):
    """Chart specs to RGB images, repaired until every text is legible (or dropped).

    Settings (recipe `renderers: {matplotlib: {...}}`): `max_draws` (10), and `max_width_px`
    (1400) / `max_height_px` (1200), the largest a repair may grow a figure.
    """

    name = "matplotlib"
    version = "1"

    def __init__(self, settings: dict[str, Any] | None = None):
        super().__init__(settings)
        options = MatplotlibSettings.model_validate({"max_draws": MAX_DRAWS, **self.settings})
        self.max_draws = options.max_draws
        self.max_width = options.max_width_px
        self.max_height = options.max_height_px

    def versions(self) -> dict[str, str]:
        return {"matplotlib": matplotlib.__version__, "numpy": np.__version__}

    def repairs(self) -> list[Callable[[ChartSpec, list[Problem]], str | None]]:
        """The fixed order in which repairs are tried; the first that applies is made."""
        return [
            _repair_reference_labels,
            _repair_reference_text,
            _repair_furniture,
            _repair_label_marks,
            _repair_corner,
            _repair_rotate,
            _repair_wrap,
            _repair_pie_legend,
            _repair_legend,
            _repair_font,
            _repair_thin,
            lambda spec, problems: _repair_grow(spec, problems, self.max_width, self.max_height),
            _repair_values,
        ]

    def cannot_fit(self, spec: ChartSpec) -> str | None:
        """Why no repair could make the category labels fit, judged before drawing (or None).

        A lower bound: each label takes at least its width at the smallest font, or, rotated and
        wrapped to 10 characters a line, its lines' height; a pie's labels, wrapped to 16
        characters, must fit one above the other in a legend.
        """
        labels = spec.table.labels()
        line = MIN_FONT_PX * 0.85 * 1.15
        if spec.chart_type in ("pie", "donut"):
            room = self.max_height * 0.9
            need = sum((math.ceil(len(t) / 16) if " " in t else 1) * line for t in labels)  # legend rows
        elif spec.chart_type in ("scatter", "histogram"):
            return None
        else:
            room = (self.max_height if spec.chart_type == "barh" else self.max_width) * 0.85
            need = sum(
                min(len(t) * 0.45 * MIN_FONT_PX * 0.85, (math.ceil(len(t) / 10) if " " in t else 1) * line) for t in labels
            )
            if spec.chart_type != "barh" and _thinnable(spec):
                need /= 4  # every fourth label may be shown
        if need > room:
            return f"{len(labels)} labels need at least {need:.0f} px along an axis of at most {room:.0f} px"
        return None

    def draw_legible(self, spec: ChartSpec, inspect: Callable[[DrawnChart], Any] | None = None) -> Legible:
        """Draw, measure, repair and redraw until legible, or raise Dropped.

        `inspect(drawn)`, if given, runs on the accepted drawing under its rcParams (tests use it
        to measure the figure their own way).
        """
        spec = spec.copy()
        ensure_glyphs(spec)
        hopeless = self.cannot_fit(spec)
        if hopeless:
            raise Dropped("text_overlap", hopeless)

        for attempt in range(1, self.max_draws + 1):
            with drawing(spec) as drawn:
                boxes = text_boxes(drawn)
                problems = find_problems(drawn, boxes)
                if not problems:
                    inspected = inspect(drawn) if inspect is not None else None
                    return Legible(spec, drawn, boxes, attempt, inspected)
            if attempt == self.max_draws:
                break
            for repair in self.repairs():
                done = repair(spec, problems)
                if done:
                    spec.repairs.append(done)
                    log.debug("chart repair %s after %s", done, problems[0].detail)
                    break
            else:
                break
        first = next((p for p in problems if p.reason != "text_clipped"), problems[0])
        raise Dropped(first.reason, first.detail)

    def render(self, source: ChartSpec) -> Render:
        result = self.draw_legible(source)
        spec, drawn, boxes = result.spec, result.drawn, result.boxes
        image = drawn.image()
        texts = [b for b in boxes if b.kind != "legend_frame"]
        facts = {
            "repairs": list(spec.repairs),
            "elements": elements(drawn, boxes),
            "marks": matplotlib_marks.mark_boxes(drawn),
            "quality": {
                "draws": result.draws,
                "texts": len(texts),
                "min_text_px": round(min((b.font_px for b in texts), default=0.0), 1),
            },
        }
        return Render(source=spec, image=image, width=image.width, height=image.height, facts=facts)


def _box(x0: float, y0: float, x1: float, y1: float, height: int) -> list[float]:
    """Display box (origin bottom-left) as [left, top, right, bottom] image pixels."""
    return [round(x0, 1), round(height - y1, 1), round(x1, 1), round(height - y0, 1)]


def elements(drawn: DrawnChart, boxes: list[TextBox]) -> dict[str, Any]:
    _, height = drawn.canvas.get_width_height()
    out: dict[str, Any] = {}
    axes = drawn.figure.axes
    if axes:
        bb = axes[0].get_window_extent()
        out["plot_area"] = _box(bb.x0, bb.y0, bb.x1, bb.y1, height)
    names = {
        "title": "title",
        "xlabel": "x_label",
        "ylabel": "y_label",
        "xtick": "x_tick_labels",
        "ytick": "y_tick_labels",
        "value": "value_labels",
        "pie_label": "pie_labels",
        "legend": "legend_texts",
        "legend_frame": "legends",
        "offset": "axis_offsets",
        "subtitle": "subtitle",
        "note": "notes",
        "logo": "logos",
        "callout": "callouts",
        "reference": "reference_labels",
        "text": "texts",
    }
    for box in boxes:
        key = names[box.kind]
        entry = {"text": box.text, "box": _box(box.x0, box.y0, box.x1, box.y1, height)} if box.kind != "legend_frame" else _box(box.x0, box.y0, box.x1, box.y1, height)
        out.setdefault(key, []).append(entry)
    return out
