"""Vega-Lite charts drawn by vl-convert (Vega in an embedded JavaScript runtime, resvg), no browser.

Why vl-convert and not Vega in Chromium: no page or browser to keep alive, and its SVG-to-PNG
step is the same code the `render-chart` command runs. Data URLs are refused
(`allowed_base_urls=[]`): every chart's data is inline, nothing is fetched. Fonts come from the
installed set, registered explicitly (the folders of the font files the project's families
resolve to), so the same family names draw the same files as Matplotlib.

One conversion a draw: the spec becomes an SVG once, the texts, marks and plot area are read
from that SVG (`renderers.vega_svg`), and only a chart whose geometry is legible is rasterized
(resvg) for the contrast check and the sample. The picture is exactly the spec's width x height:
single and layered views use Vega's `fit` autosize (axes, legend, title and furniture inside the
size); a facet is drawn once, its cells resized to the measured overhang, and its padding made up
to the exact size (the SVG of that padding is the SVG Vega draws for it; a test re-renders the
spec and compares pixels).
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import math
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from factory.chart_code.placement import INSIDE_KINDS, PLACED_LINES
from factory.components import Render, Renderer
from factory.errors import Dropped
from factory.generators.engine_specs import chart_texts
from factory.tabular import format_value
from factory.chart_code.vega_code import VL_VERSION, vega_spec
from renderers import engine_legibility as legibility
from renderers.matplotlib_renderer import overlapping_pairs
from renderers.plotly_renderer import elements
from renderers.vega_svg import SvgChart, measure_svg

log = logging.getLogger(__name__)

FONT_FAMILIES = ("DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "Liberation Sans", "Liberation Serif", "Liberation Sans Narrow",
                 "Liberation Mono", "Noto Sans", "Noto Serif", "Noto Sans CJK JP")  # fmt: skip
_MARK_KIND = {"rect": "bar", "symbol": "point", "arc": "wedge", "line": "point", "area": "point", "rule": "segment"}
_SVG_HEAD = re.compile(r'^(<svg[^>]*?) width="[^"]*" height="[^"]*" viewBox="[^"]*">(<rect width=")[^"]*(" height=")[^"]*("[^>]*/>'
                       r'<g fill="none" stroke-miterlimit="10" transform="translate\()([-0-9.e]+),([-0-9.e]+)\)')  # fmt: skip
FACET_DRAWS = 4  # draws a facet may take to find cells that fit its size


@functools.lru_cache(maxsize=1)
def register_fonts() -> tuple[str, ...]:
    """Register the folders of the installed chart fonts with vl-convert, once per process."""
    import vl_convert

    from renderers.matplotlib_renderer import font_file

    folders = sorted({str(Path(p).parent) for p in (font_file(f) for f in FONT_FAMILIES) if p})
    for folder in folders:
        vl_convert.register_font_directory(folder)
    return tuple(folders)


_MEASURE_PX = 128  # widths are measured at this size and scaled: advances scale with the size


@functools.lru_cache(maxsize=64)
def _font(family: str, bold: bool):
    from matplotlib import font_manager
    from PIL import ImageFont

    path = font_manager.findfont(font_manager.FontProperties(family=[family, "DejaVu Sans"], weight="bold" if bold else "normal"))
    return ImageFont.truetype(path, _MEASURE_PX)


@functools.lru_cache(maxsize=16384)
def text_width(text: str, family: str, size: float, bold: bool = False) -> float:
    return _font(family, bold).getlength(text) * size / _MEASURE_PX


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def theme_of(vl: dict[str, Any]) -> str | None:
    return ((vl.get("usermeta") or {}).get("embedOptions") or {}).get("theme")


class VegaLiteRenderer(Renderer):
    """Chart specs for the vega_lite engine to PNG, with text and mark boxes; legible or dropped."""

    name = "vega_lite"
    version = "2"

    def versions(self) -> dict[str, str]:
        return {"vl-convert-python": importlib.metadata.version("vl-convert-python"), "vega-lite": VL_VERSION}

    def to_svg(self, vl: dict[str, Any]) -> str:
        """The SVG of a Vega-Lite spec (one conversion), its theme taken from usermeta.embedOptions."""
        import vl_convert

        register_fonts()
        try:
            return vl_convert.vegalite_to_svg(vl, vl_version=VL_VERSION, theme=theme_of(vl), allowed_base_urls=[])
        except ValueError as exc:  # vl-convert's first line is a heading; the reason is below it
            lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip() and not line.strip().startswith("at ")]
            raise Dropped("render_failed", " ".join(lines)[:300] or type(exc).__name__) from None

    @staticmethod
    def to_png(svg: str) -> bytes:
        import vl_convert

        return vl_convert.svg_to_png(svg)

    def draw_spec(self, vl: dict[str, Any]) -> tuple[bytes, str]:
        """PNG bytes and SVG of a Vega-Lite spec: what `render-chart` and the benchmark's limit do."""
        svg = self.to_svg(vl)
        return self.to_png(svg), svg

    def render(self, source: Any) -> Render:
        from factory import images

        spec = source.copy()
        legibility.ensure_glyphs(spec, chart_texts(spec))
        target = (spec.width_px, spec.height_px)
        draws = 0
        for attempt in range(1, legibility.MAX_DRAWS + 1):
            svg, chart, n = self._sized(spec, target)
            draws += n
            if _place_note(spec, chart):
                svg, chart, n = self._sized(spec, target)
                draws += n
            problems = _name_value_overlaps(spec, chart, legibility.find_problems(chart.texts, *target))
            problems += _layout_problems(spec, chart, target)
            png = pixels = None
            if not problems:
                png = self.to_png(svg)
                pixels = images.decode(png)
                cell_of = _cell_of(spec, chart)
                problems, lowest = legibility.contrast_check(pixels, chart.texts, cell_of)
                problems = problems or legibility.drawn_problems(spec, pixels, chart.texts, cell_of)
                if not problems:
                    break
            if spec.chart_type in PLACED_LINES and any(p.labels for p in problems) and not spec.style.get("label_sides"):
                # Vega draws every line label above its point: the crossed ones move from there
                spec.style["label_sides"] = [["above"] * len(spec.table.rows) for _ in spec.table.series]
            done = legibility.repair(spec, problems) if attempt < legibility.MAX_DRAWS else None
            if done is None:
                first = next((p for p in problems if p.reason != "text_clipped"), problems[0])
                raise Dropped(first.reason, first.detail)
            spec.repairs.append(done)
        assert png is not None and pixels is not None
        facts = {
            "repairs": list(spec.repairs),
            "elements": elements({"texts": chart.texts, "plot": chart.plot}),
            "marks": marks(spec, chart),
            "quality": {"draws": draws, "texts": len(chart.texts), "min_text_px": round(min((t["size"] for t in chart.texts), default=0.0), 1),
                        "min_contrast": lowest},
        }  # fmt: skip
        return Render(source=spec, image=pixels, encoded=png, encoded_format="png", width=target[0], height=target[1], facts=facts)

    def _sized(self, spec: Any, target: tuple[int, int]) -> tuple[str, SvgChart, int]:
        """The SVG and its measurements at exactly `target` size (a facet: cells and padding fitted)."""
        if spec.chart_type != "small_multiples":
            svg = self.to_svg(vega_spec(spec))
            return svg, measure_svg(svg, spec.style["font_family"], text_width), 1
        s = spec.style
        cols, rows = (2, 2) if len(spec.table.series) == 4 else (len(spec.table.series), 1)
        for draw in range(1, FACET_DRAWS + 1):
            pad = s.get("padding") or [10, 10, 10, 10]
            svg = self.to_svg(vega_spec(spec))
            chart = measure_svg(svg, s["font_family"], text_width)
            content = (chart.width - pad[0] - pad[2], chart.height - pad[1] - pad[3])
            spare = (target[0] - content[0], target[1] - content[1])
            if 16 <= spare[0] <= 60 and 16 <= spare[1] <= 60:  # padding makes up the rest
                left, top = spare[0] // 2, spare[1] // 2
                s["padding"] = [left, top, spare[0] - left, spare[1] - top]
                svg = _repadded(svg, target, left - pad[0], top - pad[1])
                return svg, measure_svg(svg, s["font_family"], text_width), draw
            s["cell_width"] = max(40, int(s["cell_width"] + (spare[0] - 30) // cols))
            s["cell_height"] = max(40, int(s["cell_height"] + (spare[1] - 30) // rows))
        raise Dropped("plot_too_small", f"facet cells found no size that fits {target[0]}x{target[1]} in {FACET_DRAWS} draws")


def _repadded(svg: str, size: tuple[int, int], dx: int, dy: int) -> str:
    """The SVG Vega draws for the same chart with padding that makes the picture `size`: only the
    canvas size, its background rectangle and the content's offset (by dx, dy) differ."""
    w, h = size

    def head(m: re.Match) -> str:
        x, y = float(m.group(5)) + dx, float(m.group(6)) + dy
        return f'{m.group(1)} width="{w}" height="{h}" viewBox="0 0 {w} {h}">{m.group(2)}{w}{m.group(3)}{h}{m.group(4)}{x:g},{y:g})'

    out, n = _SVG_HEAD.subn(head, svg, count=1)
    if n != 1:
        raise Dropped("render_failed", "vl-convert's SVG header changed: cannot set the facet's padding")
    return out


def _place_note(spec: Any, chart: SvgChart) -> bool:
    """A note (and a bottom brand mark) starts under the deepest text or legend symbol below the
    plot. The spec's estimate of that depth stands when it was deep enough; otherwise the depth
    measured here is recorded (`note_gap`) and the chart drawn again. True to redraw."""
    s = spec.style
    if not (s.get("note") or s.get("logo", "none").startswith("bottom")) or chart.plot is None:
        return False
    bottom = chart.plot[3]
    foot = [t for t in chart.texts if t["kind"] in ("note", "logo") and t["box"][1] > bottom]
    if not foot:
        return False
    others = [t["box"][3] for t in chart.texts if t["kind"] not in ("note", "logo") and t["box"][3] > bottom - 1]
    others += [b[3] for b in chart.legend_symbols if b[3] > bottom - 1]
    deepest = max(others, default=bottom)
    if min(t["box"][1] for t in foot) >= deepest + 3:
        return False
    s["note_gap"] = int(math.ceil(deepest - bottom + 6))
    return True


LABELS_BESIDE_BARS = {"bar", "negative_bar", "grouped_bar", "barh", "histogram"}  # value labels past the bar's end, never on a bar


def crossed_value_labels(spec: Any, chart: SvgChart, rules: bool = False, on_bars: frozenset[int] = frozenset()) -> list[tuple[int, str]]:
    """Value labels a line or area edge runs through, or (labels beside bars) that lie on a bar:
    measured on the SVG's paths and boxes, on the part of each label's box its figures' ink fills
    (Vega's em box less its descent below the baseline and the leading above the digits' tops).
    `rules`: the labels the reference line runs through instead. `on_bars`: labels (places) moved
    inside their own bar, checked by `_inside_problems` instead. Each label as (its place among
    the value labels in drawing order, its text)."""
    from renderers.matplotlib_renderer import _segments_hit

    lines = chart.rules if rules else chart.marks
    paths = [(np.asarray(m["vertices"], dtype=float), m["half"]) for m in lines if len(m.get("vertices", ())) > 1]
    if rules:
        # the label's whole box less a pixel (a reader's crop of it): a rule under the figures still runs through it
        boxes = [(t["text"], np.asarray(t["box"], dtype=float) + [1, 1, -1, -1]) for t in chart.texts if t["kind"] == "value"]
        return [(k, text) for k, (text, rect) in enumerate(boxes) if any(_segments_hit(rect, p, h) for p, h in paths)]
    bars = [m["box"] for m in chart.marks if m["kind"] == "rect" and "box" in m] if spec.chart_type in LABELS_BESIDE_BARS else []
    out = []
    for k, t in enumerate(t for t in chart.texts if t["kind"] == "value"):
        rect = _ink_rect(t)
        if any(_segments_hit(rect, points, half) for points, half in paths) or k not in on_bars and any(
            rect[0] < b[2] and rect[2] > b[0] and rect[1] < b[3] and rect[3] > b[1] for b in bars
        ):
            out.append((k, t["text"]))
    return out


LINE_LABELS = {"line", "multi_line", "step_line", "area", "stacked_area"}  # one values layer in data order (factory.chart_code.vega_code lines)
NAMED_LABELS = LINE_LABELS | LABELS_BESIDE_BARS  # bars: a negative bar's labels are a second layer, drawn first
LABELS_ON_MARKS = {"pie", "donut", "stacked_bar", "stacked_bar_100", "heatmap"}  # a label on each slice, segment or cell; one layer, data order


def value_label_cells(spec: Any, chart: SvgChart, on_marks: bool = False) -> list[tuple[int, int]] | None:
    """(series, row) of each value label drawn, in drawing order: a line chart's values layer draws
    the data's records in order, less the hidden ones (a bar chart's too, the layer of labels below
    negative bars first; with `on_marks`, a pie's, stacked bar's or heatmap's labels on their
    slices, segments or cells too). None when the texts drawn are not those records' (another
    chart type, or the count or a text differs): no label is then named."""
    if spec.chart_type not in NAMED_LABELS and not (on_marks and spec.chart_type in LABELS_ON_MARKS):
        return None
    hidden = {tuple(pair) for pair in spec.style.get("hidden_values", ())}
    table = spec.table
    expected = [((j, i), row[j + 1], format_value(row[j + 1], column)) for i, row in enumerate(table.rows) for j, column in enumerate(table.series)
                if row[j + 1] is not None and (j, i) not in hidden]  # fmt: skip
    if spec.chart_type in LABELS_BESIDE_BARS:
        expected.sort(key=lambda e: not (isinstance(e[1], (int, float)) and e[1] < 0))  # stable: each layer in data order
    drawn = [t["text"] for t in chart.texts if t["kind"] == "value"]
    if len(drawn) != len(expected) or any(text.strip() != want.strip() for text, (_, _, want) in zip(drawn, expected)):
        return None
    return [cell for cell, _, _ in expected]


def _cell_of(spec: Any, chart: SvgChart) -> Callable[[int, dict[str, Any]], tuple[int, int] | None]:
    """(series, row) of the value label that is `chart.texts[i]`, as the shared contrast checks
    (`engine_legibility.contrast_check`, `drawn_problems`) take it, named by `value_label_cells`
    (pie slices, stacked segments and heatmap cells included); None when it cannot be named."""
    cells = value_label_cells(spec, chart, on_marks=True) if spec.style.get("value_labels") else None
    order = {i: k for k, i in enumerate(i for i, t in enumerate(chart.texts) if t["kind"] == "value")}
    return lambda i, _: cells[order[i]] if cells is not None and i in order else None


def _name_value_overlaps(spec: Any, chart: SvgChart, problems: list[legibility.Problem]) -> list[legibility.Problem]:
    """Two value labels on each other (a label moved below its point onto its neighbour, the labels
    of two thin slices or segments side by side) named by (series, row): the fewest labels that
    part every pair (`_fewest_to_hide`) then go on their own through `place_crossed_labels`
    instead of every label. Unchanged when the labels cannot be named."""
    cells = value_label_cells(spec, chart, on_marks=True) if spec.style.get("value_labels") else None
    if cells is None:
        return problems
    texts = [t for t in chart.texts if t["kind"] == "value"]
    pairs = overlapping_pairs([legibility.text_box("value", t["text"], t["box"], -1, t.get("angle", 0.0), t.get("extent")) for t in texts])
    if not pairs:
        return problems
    moved = {tuple(pair) for pair in spec.style.get("flipped_labels", ())}
    named = sorted(cells[k] for k in _fewest_to_hide(pairs, {k for k, cell in enumerate(cells) if cell in moved}))
    a, b = (texts[k]["text"][:20] for k in pairs[0])
    rest = [p for p in problems if not (p.reason == "text_overlap" and p.kinds == {"value"})]
    return rest + [legibility.Problem("text_overlap", frozenset({"value"}), f"value label {a!r} overlaps {b!r}", tuple(named))]


def _fewest_to_hide(pairs: list[tuple[int, int]], moved: set[int]) -> set[int]:
    """Labels (places) to leave out so that no pair of `pairs` still overlaps: of a pair with one
    moved label that one, else the label on more of the pairs left, else the later; a label that
    sits on two neighbours then goes alone, not both neighbours with it (three thin segments in a
    row overlapped in a chain, and every later label of a pair went)."""
    out: set[int] = set()
    left = list(pairs)
    while left:
        count: dict[int, int] = {}
        for i, j in left:
            count[i], count[j] = count.get(i, 0) + 1, count.get(j, 0) + 1
        i, j = left[0]
        if (i in moved) != (j in moved):
            pick = i if i in moved else j
        else:
            pick = i if count[i] > count[j] else j
        out.add(pick)
        left = [p for p in left if pick not in p]
    return out


def _ink_rect(text: dict[str, Any]) -> np.ndarray:
    x0, y0, x1, y1 = text["box"]
    return np.array([x0 + 1, y0 + 0.1 * text["size"], x1 - 1, y1 - 0.21 * text["size"]])


def _inside_problems(spec: Any, chart: SvgChart, cells: list[tuple[int, int]] | None) -> tuple[list[legibility.Problem], frozenset[int]]:
    """Labels moved inside their bar (`style["inside_labels"]`) must lie wholly inside it (their box
    less a pixel): one that does not is named, and the repair then leaves the average line out.
    A label then hidden for reading too faintly on its bar draws nothing and needs no room (it was
    reported as not fitting, and the line went: 9 of Vega-Lite's 10 lines lost in 800 bar charts).
    Also the places of those labels, which the bar check then leaves alone."""
    hidden = {tuple(pair) for pair in spec.style.get("hidden_values", ())}
    rows = {int(r) for r in spec.style.get("inside_labels", ()) if (0, int(r)) not in hidden}
    if not rows or not spec.style.get("value_labels"):
        return [], frozenset()
    texts = [t for t in chart.texts if t["kind"] == "value"]
    bars = {m["row"]: m["box"] for m in chart.marks if m["kind"] == "rect" and "box" in m and m["series"] == 0}
    out, places = [], set()
    for row in sorted(rows):
        k = cells.index((0, row)) if cells is not None and (0, row) in cells else None
        bar = bars.get(row)
        box = np.asarray(texts[k]["box"], dtype=float) + [1, 1, -1, -1] if k is not None else None
        if k is not None:
            places.add(k)
        if box is None or bar is None or box[0] < bar[0] or box[1] < bar[1] or box[2] > bar[2] or box[3] > bar[3]:
            out.append(legibility.Problem("text_overlap", REFERENCE_ON_VALUE, f"value label {row} does not fit inside its bar", ((0, row),)))
    return out, frozenset(places)


REFERENCE_ON_VALUE = frozenset({"value", "reference"})


def _layout_problems(spec: Any, chart: SvgChart, target: tuple[int, int]) -> list[legibility.Problem]:
    out = []
    labelled = bool(spec.style.get("value_labels"))
    cells = value_label_cells(spec, chart) if labelled else None
    under_rule = crossed_value_labels(spec, chart, rules=True) if labelled else []
    if under_rule:
        # a bar's label is named and moves inside its bar (as Matplotlib's does); any other is
        # repaired by dropping the reference line (furniture goes first)
        named = tuple(cells[k] for k, _ in under_rule) if cells is not None and spec.chart_type in INSIDE_KINDS else ()
        out.append(legibility.Problem("text_overlap", REFERENCE_ON_VALUE, f"the reference line crosses value label {under_rule[0][1][:20]!r}",
                                      named, rule=True))  # fmt: skip
    inside, on_bars = _inside_problems(spec, chart, cells)
    out += inside
    crossed = crossed_value_labels(spec, chart, on_bars=on_bars) if labelled else []
    if crossed:
        # a line's or bar's crossed labels are named, then moved or hidden one by one (as Matplotlib
        # and Plotly do); any other chart's are left out together (the table still holds every value)
        named = tuple(cells[k] for k, _ in crossed) if cells is not None else ()
        out.append(legibility.Problem("text_overlap", frozenset({"value"}), f"{len(crossed)} value label(s) crossed by a mark, e.g. {crossed[0][1][:20]!r}", named))
    if (chart.width, chart.height) != target:
        out.append(legibility.Problem("plot_too_small", frozenset({"layout"}), f"laid out at {chart.width}x{chart.height}, not {target[0]}x{target[1]}"))
    if chart.plot is not None and spec.chart_type != "small_multiples":
        x0, y0, x1, y1 = chart.plot
        if x1 - x0 < legibility.MIN_PLOT_FRACTION[0] * target[0] or y1 - y0 < legibility.MIN_PLOT_FRACTION[1] * target[1]:
            out.append(legibility.Problem("plot_too_small", frozenset({"layout"}), f"plot area {x1 - x0:.0f}x{y1 - y0:.0f} px"))
    return out


def marks(spec: Any, chart: SvgChart) -> list[dict[str, Any]]:
    """Described marks named by row, series and the value shown; a line's or area's data points
    are its path's vertices (every second one on a step line), one per row it draws."""
    table = spec.table
    found: dict[tuple[int, int], tuple[str, list[float]]] = {}
    for m in chart.marks:
        if "box" in m:
            kind = "cell" if spec.chart_type == "heatmap" else ("bubble" if spec.chart_type == "bubble" else _MARK_KIND.get(m["kind"], m["kind"]))
            found.setdefault((m["row"], m["series"]), (kind, m["box"]))
    if spec.chart_type != "slope":
        for m in chart.marks:
            if "vertices" not in m:
                continue
            series = m["series"]
            if not 0 <= series < len(table.series):
                continue
            rows = [i for i, v in enumerate(table.values(series)) if v is not None]
            points = m["vertices"][::2] if spec.chart_type == "step_line" else m["vertices"][: len(rows)]
            h = m["half"]
            for row, (x, y) in zip(rows, points):
                found.setdefault((row, series), ("point", [x - h, y - h, x + h, y + h]))
    out = []
    for (row, series), (kind, box) in sorted(found.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        value = None
        if 0 <= row < len(table.rows) and 0 <= series < len(table.series):
            value = format_value(table.rows[row][series + 1], table.series[series])
        out.append(legibility.mark_entry(kind, row, series, value, box, table))
    return out
