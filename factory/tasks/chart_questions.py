"""Chart questions as people ask them: compositional, visual and counting, in many phrasings.

Each question is built as a program (`factory.tasks.qa_programs`) and then worded
(`factory.tasks.qa_phrasing`). A question first draws its answer type (a number, a label or
yes/no; yes/no draws its answer, Yes or No, before the operands are chosen, so both come out
equally often), then an operation of that type that fits the chart, then how it refers to series
and rows: by name, by drawn colour (`factory.tasks.colour_names`: only unambiguous names), by
position ("the second bar from the left", "the last point") or by legend order. Questions about the
chart itself ask how many series or rows it shows, what an axis shows, or which colour a series is.

Every pair in json carries its program (`program.expr`, `program.format`), so anyone can re-run it
on the json table (`qa_programs.json_env` + `execute`), and `reading` (how the image lets a reader
find the answer; questions it cannot answer within ChartQA's relaxed 5% are never asked).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from factory.generators.table_request import lower_first
from factory.tabular import Table
from factory.tasks.answerability import ChartView
from factory.tasks.chart_qa import _time_order
from factory.tasks.qa_phrasing import (
    CMP,
    DOWNWARD_FROM,
    ORDINALS,
    ask_slots,
    fill,
    hi_slots,
    pick,
    plural,
)
from factory.tasks.qa_programs import (
    Draft,
    Env,
    Invalid,
    execute,
    fmt_number,
    rationale,
    readable,
    round_between,
    steps,
    strip_unit,
    table_env,
)

# operations whose program chains two or more steps (the "compositional" questions)
COMPOSITIONAL = {"diff_extremes", "count_threshold", "count_mean", "rank", "sum_top", "share", "change", "mean_filtered",
                 "sum_filtered", "nth_label", "gap_label", "above_mean_yesno", "sum_yesno", "is_extreme"}  # fmt: skip
COUNTING = {"count_threshold", "count_mean", "count_rows", "count_series"}
ANSWER_TYPES = {"number": 0.4, "label": 0.3, "yesno": 0.3}

# chart types whose rows are drawn left to right (or top to bottom for barh) in table order
_POSITIONAL = {"bar", "barh", "grouped_bar", "stacked_bar", "line", "multi_line", "area", "stacked_area", "negative_bar",
               "histogram", "step_line", "lollipop", "stacked_bar_100", "error_bars", "combo"}  # fmt: skip
# chart types whose series are drawn as opaque marks in one colour each
_SERIES_COLOURED = {"grouped_bar": "bar", "stacked_bar": "segment", "multi_line": "line", "stacked_bar_100": "segment"}
_ROW_COLOURED = {"pie", "donut"}
_MARKS = {"line": "point", "multi_line": "point", "area": "point", "stacked_area": "point", "step_line": "point",
          "scatter": "point", "pie": "slice", "donut": "slice", "rose": "slice", "dot_plot": "dot", "lollipop": "lollipop"}  # fmt: skip
_TIME_PREPS = ("in", "for")
_LABEL_PREPS = ("for", "of")


@dataclass
class _Series:
    index: int
    phrase: str  # "revenue", "revenue of Germany"
    rows: list[int]


@dataclass
class ChartFacts:
    """What a question may refer to besides the table: drawn colours, printed names, axis titles."""

    chart_type: str = "bar"
    series_colours: dict[int, str] = field(default_factory=dict)  # unambiguous colour names
    row_colours: dict[int, str] = field(default_factory=dict)
    legend_series: dict[int, str] = field(default_factory=dict)  # series -> its name as the legend prints it
    axis_titles: dict[str, str] = field(default_factory=dict)  # "x"/"y" -> drawn title
    legend_order: list[int] = field(default_factory=list)  # series in the legend's reading order
    drawn: list[str] = field(default_factory=list)  # the colours in drawing order (hex)

    def colour_ref(self, key: str, index: int) -> dict[str, Any]:
        """A colour reference for json: the series or row, its name and the colour drawn."""
        name = (self.series_colours if key == "series" else self.row_colours)[index]
        return {"kind": "colour", key: index, "name": name, "drawn": self.drawn[index]}


_D3_CATEGORY10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_VEGA_TABLEAU10 = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac")


def drawn_colours(engine: str, style: dict[str, Any]) -> list[str]:
    """The series (or slice) colours in drawing order: the spec's palette, or the engine's own
    where the spec leaves it to the engine (a Plotly template's colorway, plotly.js's D3 category10
    for templates without one; a Vega theme's category range as vl-convert's vega-themes define it,
    Vega-Lite's tableau10 for themes without one)."""
    colours = list(style.get("colors") or [])
    if colours:
        return colours
    if engine == "plotly":
        import plotly.io as pio
        from matplotlib.colors import to_hex

        way = pio.templates[style.get("template") or "plotly"].layout.colorway
        if not way:
            return list(_D3_CATEGORY10)
        out = []
        for c in way:
            if c.startswith("rgb("):
                c = tuple(int(v) / 255 for v in c[4:-1].split(","))
            out.append(to_hex(c))
        return out
    if engine == "vega_lite":
        from matplotlib.colors import to_hex

        from factory.chart_code.vega_code import theme_config

        theme = style.get("theme") or "default"
        found = (theme_config(theme).get("range") or {}).get("category")
        if found is None:
            return list(_VEGA_TABLEAU10)
        if isinstance(found, list) and found and all(isinstance(c, str) for c in found):
            return [to_hex(c) for c in found]
        return []  # a named scheme or anything else: not known here
    return []


def chart_facts(chart_type: str, style: dict[str, Any], table: Table, elements: dict[str, Any],
                engine: str = "matplotlib") -> ChartFacts:  # fmt: skip
    """ChartFacts from plain data (a spec's or a sample json's chart type, style, table and drawn
    elements), so a json alone rebuilds what its programs refer to."""
    from factory.tasks.colour_names import unambiguous_names

    colours = drawn_colours(engine, style)
    others = [c for c in (style.get("background"), style.get("axes_background")) if isinstance(c, str) and c.startswith("#")]
    series_colours: dict[int, str] = {}
    row_colours: dict[int, str] = {}
    if chart_type in _SERIES_COLOURED and len(table.series) > 1 and len(colours) >= len(table.series):
        series_colours = unambiguous_names({j: colours[j] for j in range(len(table.series))}, others)  # type: ignore[assignment]
    if chart_type in _ROW_COLOURED and len(table.series) == 1 and len(colours) >= len(table.rows):
        row_colours = unambiguous_names({i: colours[i] for i in range(len(table.rows))}, others)  # type: ignore[assignment]
    entries = [e for e in elements.get("legend_texts", ()) if isinstance(e, dict)]
    legend = {" ".join(str(e.get("text", "")).split()): e for e in entries}
    legend_series: dict[int, str] = {}
    boxes = {}
    for j, c in enumerate(table.series):
        for name in (c.name, strip_unit(c.name)):
            if name in legend:
                legend_series[j] = name
                boxes[j] = legend[name].get("box")
                break
    legend_order = []
    if len(boxes) == len(table.series) and all(b for b in boxes.values()):
        # reading order of the drawn legend: rows top to bottom (a row is a text's height), then left to right
        height = max(1.0, min(b[3] - b[1] for b in boxes.values()))
        legend_order = sorted(boxes, key=lambda j: (round(((boxes[j][1] + boxes[j][3]) / 2) / height), boxes[j][0]))
    titles = {}
    for axis in ("x", "y"):
        for e in elements.get(f"{axis}_label", ()):
            text = " ".join(str(e.get("text", "")).split())
            if text:
                titles[axis] = text
    return ChartFacts(chart_type, series_colours, row_colours, legend_series, titles, legend_order, colours)


def drawn_view(view: ChartView, table: Table, elements: dict[str, Any]) -> ChartView:
    """`view` with only the value labels the image really shows (their text among the drawn
    value labels): an engine may leave out labels the style asks for (a rose's wedges)."""
    from factory.tabular import format_value

    texts = {" ".join(str(e.get("text", "")).split()) for e in elements.get("value_labels", ()) if isinstance(e, dict)}
    printed = {(s, r) for s, r in view.printed_cells if format_value(table.rows[r][s + 1], table.series[s]) in texts}
    return ChartView(view.values, printed, view.printed_rows, view.error)


def program_env(meta: dict[str, Any]) -> Env:
    """The environment a sample's QA programs run on, rebuilt from its json alone."""
    from factory.tabular import Column

    meta = {k: (json.loads(v) if isinstance(v, str) and k in ("source", "targets", "render") else v) for k, v in meta.items()}
    source = meta["source"]
    t = source["table"]
    table = Table(title=t.get("title", ""), columns=[Column(**c) for c in t["columns"]], rows=[list(r) for r in t["rows"]],
                  facts=t.get("facts") or {})  # fmt: skip
    elements = (meta.get("render") or {}).get("elements") or {}
    facts = chart_facts(source.get("chart_type", ""), source.get("style") or {}, table, elements, source.get("engine") or "matplotlib")
    return table_env(table, facts.series_colours, facts.axis_titles, facts.legend_series)


class _Chart:
    def __init__(self, table: Table, facts: ChartFacts):
        self.table, self.facts, self.kind = table, facts, facts.chart_type
        self.env: Env = table_env(table, facts.series_colours, facts.axis_titles, facts.legend_series)
        self.labels = table.labels()
        self.n = len(self.labels)
        tf = table.facts or {}
        head = strip_unit(table.label_column.name) or "category"
        self.dim = lower_first(head) if head.isascii() else head
        if self.kind == "histogram":  # rows are ranges of the measured variable
            self.dim = f"{self.dim} bin" if self.dim.isascii() else "bin"
        self.dims = plural(self.dim)
        self.time = _time_order(table, self.labels) == 1  # rows run forward in time
        kind, measure = tf.get("series_kind"), tf.get("measure")
        self.series: list[_Series] = []
        for j, column in enumerate(table.series):
            name = self.env.series[j]
            if kind in ("single", "siblings"):
                phrase = lower_first(name)
            elif kind == "years" and measure:
                phrase = f"{lower_first(measure)} in {name}"
            elif kind is not None and measure:
                phrase = f"{lower_first(measure)} of {name}"
            else:
                phrase = name if len(table.series) > 1 else lower_first(name) if kind is None else "value"
            rows = [i for i in range(self.n) if (j, i) in self.env.values]
            self.series.append(_Series(j, phrase, rows))
        self.usable = [s for s in self.series if len(s.rows) >= 2]
        self.full = [s for s in self.usable if len(s.rows) == self.n]
        self.additive = bool(tf.get("additive", True))
        self.mark = _MARKS.get(self.kind, "bar")
        self.multi = len(self.series) > 1

    # references ------------------------------------------------------------------------------

    def series_ref(self, rng: np.random.Generator, s: _Series, refs: list, colour_p: float = 0.5) -> str:
        return self.series_refs(rng, s, refs, colour_p)[0]

    def series_refs(self, rng: np.random.Generator, s: _Series, refs: list, colour_p: float = 0.5,
                    cell: bool = False) -> tuple[str, str]:
        """(the series as a noun phrase with article, the same as a measure without article)."""
        colour = self.facts.series_colours.get(s.index)
        if self.multi and colour and self.kind in _SERIES_COLOURED and rng.random() < colour_p:
            mark = _SERIES_COLOURED[self.kind]
            refs.append(self.facts.colour_ref("series", s.index))
            marks = mark if mark == "line" else mark + "s"  # one line per series, many bars
            if cell:  # one mark of the series: "the blue bar", "the orange line"
                return f"the {colour} {mark}", f"value of the {colour} {mark}"
            ref = str(pick(rng, (f"the {colour} {mark}" if mark == "line" else f"the {colour} series", f"the {colour} series")))
            return ref, f"value of the {colour} {marks}"
        if self.multi and s.index in self.facts.legend_order and rng.random() < 0.15:
            place = self.facts.legend_order.index(s.index)
            refs.append({"kind": "legend", "series": s.index, "order": place + 1})
            ref = f"the {ORDINALS[place]} series in the legend"
            return ref, "value of " + ref
        return f"the {s.phrase}", s.phrase

    def row_ref(self, rng: np.random.Generator, r: int, refs: list, named: list, position_p: float = 0.3) -> str:
        """A row with its preposition: "for Germany", "in 2019", "for the second bar from the left"."""
        colour = self.facts.row_colours.get(r)
        if colour and rng.random() < 0.5:
            refs.append(self.facts.colour_ref("row", r))
            return pick(rng, (f"for the {colour} {self.mark}", f"of the {colour} {self.mark}"))  # type: ignore[return-value]
        if self.kind in _POSITIONAL and self.n >= 3 and rng.random() < position_p:
            refs.append({"kind": "position", "row": r})
            return pick(rng, ("for ", "at ")) + self.position(rng, r)  # type: ignore[operator]
        named.append(r)
        return f"{pick(rng, _TIME_PREPS if self.time else _LABEL_PREPS)} {self.labels[r]}"

    def position(self, rng: np.random.Generator, r: int) -> str:
        mark = "group of bars" if self.kind == "grouped_bar" else self.mark
        first, last = ("top", "bottom") if self.kind == "barh" else ("left", "right")
        extreme = {"left": "leftmost", "right": "rightmost", "top": "topmost", "bottom": "bottom"}
        if r == 0:
            return pick(rng, (f"the {extreme[first]} {mark}", f"the first {mark} from the {first}", f"the first {mark}"))  # type: ignore[return-value]
        if r == self.n - 1:
            return pick(rng, (f"the {extreme[last]} {mark}", f"the last {mark}", f"the first {mark} from the {last}"))  # type: ignore[return-value]
        if self.n - 1 - r < r:
            return f"the {ORDINALS[self.n - 1 - r]} {mark} from the {last}"
        return f"the {ORDINALS[r]} {mark} from the {first}"

    def cell_ref(self, rng: np.random.Generator, s: _Series, r: int, refs: list, named: list) -> str:
        colour = self.facts.row_colours.get(r)
        if colour and not self.multi and rng.random() < 0.5:
            refs.append(self.facts.colour_ref("row", r))
            return pick(rng, (f"the value of the {colour} {self.mark}", f"the {colour} {self.mark}'s value",
                              f"the {s.phrase} of the {colour} {self.mark}"))  # type: ignore[return-value]
        series = self.series_refs(rng, s, refs, cell=True)[0] if self.multi else pick(rng, (f"the {s.phrase}", f"the {s.phrase}", "the value"))
        return f"{series} {self.row_ref(rng, r, refs, named)}"

    def threshold(self, rng: np.random.Generator, s: _Series) -> Decimal | None:
        """A round number between two neighbouring values of `s` (never equal to one)."""
        return round_between([self.env.values[(s.index, r)] for r in s.rows], self.table.series[s.index].decimals, rng)


def _S(ch: _Chart, rng: np.random.Generator, s: _Series, refs: list) -> dict[str, Any]:
    ref, bare = ch.series_refs(rng, s, refs, colour_p=0.35)
    return {"S": ref, "S_bare": bare, "dim": ch.dim, "dims": ch.dims}


# number answers ----------------------------------------------------------------------------------


def b_lookup(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    r = int(pick(rng, s.rows))
    refs, named = [], []
    cell = ch.cell_ref(rng, s, r, refs, named)
    return Draft("lookup", ["cell", s.index, r], f"col:{s.index}", {**ask_slots(rng), "cell": cell}, named, refs)


def b_extreme_value(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s, high = pick(rng, ch.usable), rng.random() < 0.5
    refs: list = []
    return Draft("extreme_value", [("max" if high else "min"), ["col", s.index]], f"col:{s.index}",
              {**_S(ch, rng, s, refs), **hi_slots(rng, high), **ask_slots(rng)}, [], refs)  # fmt: skip


def _two_cells(ch: _Chart, rng: np.random.Generator, s: _Series, k: int = 2) -> tuple[list[int], list[str], list, list] | None:
    if len(s.rows) < k:
        return None
    rows = [s.rows[int(i)] for i in rng.choice(len(s.rows), size=k, replace=False)]
    refs, named = [], []
    texts = [ch.cell_ref(rng, s, r, refs, named) for r in rows]
    return rows, texts, refs, named


def b_difference(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    rows, texts, refs, named = _two_cells(ch, rng, s)
    expr = ["absdiff", ["cell", s.index, rows[0]], ["cell", s.index, rows[1]]]
    return Draft("difference", expr, f"col:{s.index}", {"cell": texts[0], "cell2": texts[1]}, named, refs)


def b_sum(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    if ch.additive and s in ch.full and rng.random() < 0.5:
        refs: list = []
        return Draft("total", ["sum", ["col", s.index]], f"col:{s.index}", _S(ch, rng, s, refs), [], refs)
    rows, texts, refs, named = _two_cells(ch, rng, s)
    expr = ["add", ["cell", s.index, rows[0]], ["cell", s.index, rows[1]]]
    return Draft("sum", expr, f"col:{s.index}", {"cell": texts[0], "cell2": texts[1]}, named, refs)


def b_average(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.full or ch.usable)
    refs: list = []
    return Draft("average", ["mean", ["col", s.index]], f"mean:{s.index}", _S(ch, rng, s, refs), [], refs)


def b_ratio(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    rows, texts, refs, named = _two_cells(ch, rng, s)
    expr = ["div", ["cell", s.index, rows[0]], ["cell", s.index, rows[1]]]
    return Draft("ratio", expr, "ratio", {"cell": texts[0], "cell2": texts[1]}, named, refs)


def b_diff_extremes(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    refs: list = []
    col = ["col", s.index]
    return Draft("diff_extremes", ["sub", ["max", col], ["min", col]], f"col:{s.index}", _S(ch, rng, s, refs), [], refs)


def _threshold_filter(ch: _Chart, rng: np.random.Generator):
    """A series, a threshold the axis can resolve and a side of it: (series, threshold, above,
    refs, slots, filter program), or None when the series has no such threshold."""
    s = pick(rng, ch.usable)
    t = ch.threshold(rng, s)
    if t is None:
        return None
    above = rng.random() < 0.5
    refs: list = []
    slots = {**_S(ch, rng, s, refs), "cmp": pick(rng, CMP[above]), "t": fmt_number(t, ch.table.series[s.index])}
    return s, t, above, refs, slots, ["above" if above else "below", ["col", s.index], ["num", str(t)]]


def b_count_threshold(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    found = _threshold_filter(ch, rng)
    if found is None:
        return None
    _, _, _, refs, slots, inner = found
    return Draft("count_threshold", ["count", inner], "int", slots, [], refs)


def b_count_mean(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    if len(s.rows) < 3:
        return None
    above = rng.random() < 0.5
    refs: list = []
    col = ["col", s.index]
    expr = ["count", ["above" if above else "below", col, ["mean", col]]]
    return Draft("count_mean", expr, "int", {**_S(ch, rng, s, refs), "cmp": pick(rng, CMP[above])}, [], refs)


def b_count_rows(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.full or ch.usable)
    refs: list = []
    return Draft("count_rows", ["nrows"], "int", {**_S(ch, rng, s, refs), "marks": plural(ch.mark)}, [], refs, counted=True)


def b_count_series(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    if not ch.multi:
        return None
    nouns = ("series", "data series", "lines") if ch.kind in ("multi_line", "slope") else ("series", "data series", "colours of bars") \
        if "bar" in ch.kind else ("series", "data series")  # fmt: skip
    return Draft("count_series", ["nseries"], "int", {"series_noun": pick(rng, nouns), "dim": ch.dim, "dims": ch.dims}, counted=True)


def b_rank(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    if len(s.rows) < 3:
        return None
    r = int(pick(rng, s.rows))
    refs: list = []
    return Draft("rank", ["rank", ["col", s.index], r], "int", {**_S(ch, rng, s, refs), "L": ch.labels[r]}, [r], refs)


def b_sum_top(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    if len(s.rows) < 4:
        return None
    k, high = int(rng.integers(2, min(4, len(s.rows) - 1) + 1)), rng.random() < 0.75
    refs: list = []
    slots = {**_S(ch, rng, s, refs), **hi_slots(rng, high), "k": pick(rng, (str(k), ("two", "three", "four")[k - 2]))}
    return Draft("sum_top", ["sum", ["top" if high else "bottom", ["col", s.index], k]], f"col:{s.index}", slots, [], refs)


def b_share(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    if not ch.additive or not ch.full:
        return None
    s = pick(rng, ch.full)
    r = int(pick(rng, s.rows))
    refs: list = []
    return Draft("share", ["share", ["cell", s.index, r], ["sum", ["col", s.index]]], "share", {**_S(ch, rng, s, refs), "L": ch.labels[r]}, [r], refs)


def b_change(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    if not ch.time:
        return None
    s = pick(rng, ch.usable)
    a, b = sorted(int(i) for i in rng.choice(s.rows, size=2, replace=False))
    refs: list = []
    slots = {**_S(ch, rng, s, refs), "L": ch.labels[a], "L2": ch.labels[b]}
    return Draft("change", ["sub", ["cell", s.index, b], ["cell", s.index, a]], f"col:{s.index}", slots, [a, b], refs)


def _filtered(op: str, agg: str, fmt: str):
    def build(ch: _Chart, rng: np.random.Generator) -> Draft | None:
        found = _threshold_filter(ch, rng)
        if found is None:
            return None
        s, t, above, refs, slots, inner = found
        kept = [r for r in s.rows if (ch.env.values[(s.index, r)] > t) == above]
        if len(kept) < 2:
            return None  # an aggregate of one value is a lookup
        return Draft(op, [agg, inner], fmt.format(s=s.index), slots, [], refs)

    return build


# label answers ----------------------------------------------------------------------------------


def b_extreme_label(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s, high = pick(rng, ch.usable), rng.random() < 0.5
    refs: list = []
    return Draft("extreme_label", ["argmax" if high else "argmin", ["col", s.index]], "label", {**_S(ch, rng, s, refs), **hi_slots(rng, high)}, [], refs)


def b_nth_label(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s, high = pick(rng, ch.usable), rng.random() < 0.6
    if len(s.rows) < 4:
        return None
    k = int(rng.integers(2, 4))
    refs: list = []
    slots = {**_S(ch, rng, s, refs), **hi_slots(rng, high), "nth": ORDINALS[k - 1]}
    return Draft("nth_label", ["nth" if high else "nth_low", ["col", s.index], k], "label", slots, [], refs)


def b_compare_label(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    a, b = (int(s.rows[int(i)]) for i in rng.choice(len(s.rows), size=2, replace=False))
    refs: list = []
    return Draft("compare_label", ["argmax", ["pick", s.index, [a, b]]], "label", {**_S(ch, rng, s, refs), "L": ch.labels[a], "L2": ch.labels[b]}, [a, b], refs)


def b_gap_label(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    pairs = [(s, t) for i, s in enumerate(ch.usable) for t in ch.usable[i + 1 :]
             if ch.table.series[s.index].unit == ch.table.series[t.index].unit and len(set(s.rows) & set(t.rows)) >= 3]  # fmt: skip
    if not pairs:
        return None
    s, t = pairs[int(rng.integers(len(pairs)))]
    refs: list = []
    slots = {**_S(ch, rng, s, refs), "T": ch.series_ref(rng, t, refs, colour_p=0.35)}
    if slots["S"] == slots["T"]:
        return None
    return Draft("gap_label", ["argmax", ["gap", ["col", s.index], ["col", t.index]]], "label", slots, [], refs)


def b_position_label(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    if ch.kind not in _POSITIONAL or ch.n < 3:
        return None
    r = int(rng.integers(ch.n))
    refs = [{"kind": "position", "row": r}]
    return Draft("position_label", ["label", r], "label", {"pos": ch.position(rng, r), "dim": ch.dim}, [r], refs)


def b_colour_series(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    options = [s for s in ch.facts.series_colours if s in ch.facts.legend_series] if ch.kind in _SERIES_COLOURED else []
    if not options or not ch.multi:
        return None
    s = int(pick(rng, options))
    colour = ch.facts.series_colours[s]
    mark = _SERIES_COLOURED[ch.kind]
    refs = [ch.facts.colour_ref("series", s)]
    slots = {"colour": colour, "mark_of_series": mark, "marks": plural(mark)}
    return Draft("colour_series", ["series", s], "text", slots, [], refs)


def b_series_colour(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    options = [s for s in ch.facts.series_colours if s in ch.facts.legend_series] if ch.kind in _SERIES_COLOURED else []
    if not options or not ch.multi:
        return None
    s = ch.series[int(pick(rng, options))]
    refs = [ch.facts.colour_ref("series", s.index)]
    return Draft("series_colour", ["colour", s.index], "text", {"S": f"the {s.phrase}", "marks": plural(_SERIES_COLOURED[ch.kind])}, [], refs)


def b_axis_title(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    axes = sorted(ch.facts.axis_titles)
    if not axes:
        return None
    axis = str(pick(rng, axes))
    return Draft("axis_title", ["axis_title", axis], "text", {"axis": axis, "dims": ch.dims})


# yes/no answers ---------------------------------------------------------------------------------


def b_compare_yesno(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    want = rng.random() < 0.5
    a, b = (int(s.rows[int(i)]) for i in rng.choice(len(s.rows), size=2, replace=False))
    va, vb = ch.env.values[(s.index, a)], ch.env.values[(s.index, b)]
    if va == vb:
        return None
    template = int(rng.integers(6))
    downward = template >= DOWNWARD_FROM
    if ((va > vb) != downward) != want:
        a, b = b, a
    refs, named = [], []
    cells = [ch.cell_ref(rng, s, a, refs, named), ch.cell_ref(rng, s, b, refs, named)]
    expr = ["lt" if downward else "gt", ["cell", s.index, a], ["cell", s.index, b]]
    return Draft("compare_yesno", expr, "yesno", {"cell": cells[0], "cell2": cells[1]}, named, refs, template)


def b_above_mean_yesno(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.full or ch.usable)
    if len(s.rows) < 3:
        return None
    want = rng.random() < 0.5
    template = int(rng.integers(6))
    downward = template >= DOWNWARD_FROM
    mean = sum(ch.env.values[(s.index, r)] for r in s.rows) / len(s.rows)
    fits = [r for r in s.rows if ch.env.values[(s.index, r)] != mean and ((ch.env.values[(s.index, r)] > mean) != downward) == want]
    if not fits:
        return None
    r = int(pick(rng, fits))
    refs, named = [], []
    cell = ch.cell_ref(rng, s, r, refs, named)
    slots = {**_S(ch, rng, s, []), "cell": cell}
    slots["S"] = f"the {s.phrase}"
    slots["S_bare"] = s.phrase
    col = ["col", s.index]
    expr = ["lt" if downward else "gt", ["cell", s.index, r], ["mean", col]]
    return Draft("above_mean_yesno", expr, "yesno", slots, named, refs, template)


def b_trend_yesno(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    if not ch.time:
        return None
    s = pick(rng, ch.usable)
    want = rng.random() < 0.5
    a, b = sorted(int(i) for i in rng.choice(s.rows, size=2, replace=False))
    va, vb = ch.env.values[(s.index, a)], ch.env.values[(s.index, b)]
    if va == vb:
        return None
    template = int(rng.integers(6))
    downward = template >= DOWNWARD_FROM
    if ((vb > va) != downward) != want:
        template, downward = (template + DOWNWARD_FROM) % 6, not downward  # ask the other way round
    refs: list = []
    slots = {**_S(ch, rng, s, refs), "L": ch.labels[a], "L2": ch.labels[b]}
    expr = ["lt" if downward else "gt", ["cell", s.index, b], ["cell", s.index, a]]
    return Draft("trend_yesno", expr, "yesno", slots, [a, b], refs, template)


def b_is_extreme(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s, high = pick(rng, ch.usable), rng.random() < 0.5
    values = {r: ch.env.values[(s.index, r)] for r in s.rows}
    best = (max if high else min)(values.values())
    winners = [r for r, v in values.items() if v == best]
    if len(winners) != 1:
        return None
    want = rng.random() < 0.5
    r = winners[0] if want else int(pick(rng, [q for q in s.rows if q != winners[0]]))
    refs: list = []
    slots = {**_S(ch, rng, s, refs), **hi_slots(rng, high), "L": ch.labels[r]}
    return Draft("is_extreme", ["is", ["argmax" if high else "argmin", ["col", s.index]], r], "yesno", slots, [r], refs)


def b_sum_yesno(ch: _Chart, rng: np.random.Generator) -> Draft | None:
    s = pick(rng, ch.usable)
    if len(s.rows) < 3:
        return None
    picked = _two_cells(ch, rng, s, 3)
    rows, texts, refs, named = picked
    va, vb, vc = (ch.env.values[(s.index, r)] for r in rows)
    if va + vb == vc:
        return None
    want = rng.random() < 0.5
    template = int(rng.integers(6))
    downward = template >= DOWNWARD_FROM
    if ((va + vb > vc) != downward) != want:
        template, downward = (template + DOWNWARD_FROM) % 6, not downward
    op = "lt" if downward else "gt"
    expr = [op, ["add", ["cell", s.index, rows[0]], ["cell", s.index, rows[1]]], ["cell", s.index, rows[2]]]
    return Draft("sum_yesno", expr, "yesno", {"cell": texts[0], "cell2": texts[1], "cell3": texts[2]}, named, refs, template)


BUILDERS: dict[str, tuple[str, float, Callable[[_Chart, np.random.Generator], Draft | None]]] = {
    "lookup": ("number", 5, b_lookup),
    "extreme_value": ("number", 3, b_extreme_value),
    "difference": ("number", 2, b_difference),
    "sum": ("number", 2, b_sum),
    "average": ("number", 2, b_average),
    "ratio": ("number", 1.5, b_ratio),
    "diff_extremes": ("number", 3, b_diff_extremes),
    "count_threshold": ("number", 4, b_count_threshold),
    "count_mean": ("number", 3.5, b_count_mean),
    "count_rows": ("number", 2, b_count_rows),
    "count_series": ("number", 1, b_count_series),
    "rank": ("number", 2, b_rank),
    "sum_top": ("number", 2, b_sum_top),
    "share": ("number", 2, b_share),
    "change": ("number", 2, b_change),
    "mean_filtered": ("number", 1.5, _filtered("mean_filtered", "mean", "mean:{s}")),
    "sum_filtered": ("number", 1.5, _filtered("sum_filtered", "sum", "col:{s}")),
    "extreme_label": ("label", 4, b_extreme_label),
    "nth_label": ("label", 2.5, b_nth_label),
    "compare_label": ("label", 3, b_compare_label),
    "gap_label": ("label", 2, b_gap_label),
    "position_label": ("label", 1.5, b_position_label),
    "colour_series": ("label", 1.5, b_colour_series),
    "series_colour": ("label", 1.5, b_series_colour),
    "axis_title": ("label", 0.4, b_axis_title),
    "compare_yesno": ("yesno", 4, b_compare_yesno),
    "above_mean_yesno": ("yesno", 3, b_above_mean_yesno),
    "trend_yesno": ("yesno", 2.5, b_trend_yesno),
    "is_extreme": ("yesno", 2.5, b_is_extreme),
    "sum_yesno": ("yesno", 2, b_sum_yesno),
}


def _cdf(weights: list[float]) -> np.ndarray:
    p = np.array(weights, dtype=float)
    cdf = (p / p.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf


def _weighted(rng: np.random.Generator, cdf: np.ndarray) -> int:
    """`rng.choice(len(p), p=p)` from p's cumulative sums made once: the same draw from the same
    rng state (numpy's own algorithm: one `random()`, searched in the normalised cumsum), without
    checking and summing p on each of a chart's ~100 attempts (a fifth of make_questions' time)."""
    return int(cdf.searchsorted(rng.random(), side="right"))


_UNRUN = object()
_DRAW_TABLES = (list(ANSWER_TYPES), _cdf(list(ANSWER_TYPES.values())),
                {t: ([k for k, (kt, _, _) in BUILDERS.items() if kt == t],
                     _cdf([w for kt, w, _ in BUILDERS.values() if kt == t])) for t in ANSWER_TYPES})  # fmt: skip


def _reading(reads: dict[tuple[str, str], Any], key: str, q: Draft, env: Env, view: ChartView) -> dict[str, Any] | None | object:
    """`readable` for candidate q, _UNRUN where it raises Invalid. Past its two checks of the
    candidate itself (its named rows printed; counted), readable runs the program twice on the
    chart's fixed env and view: that part is kept per program (expr and format)."""
    if q.counted or any(r not in view.printed_rows for r in q.named):
        try:
            return readable(q.expr, q.fmt, env, view, q.named, q.counted)
        except Invalid:
            return _UNRUN
    if (key, q.fmt) not in reads:
        try:
            reads[(key, q.fmt)] = readable(q.expr, q.fmt, env, view, [], False)
        except Invalid:
            reads[(key, q.fmt)] = _UNRUN
    how = reads[(key, q.fmt)]
    return dict(how) if isinstance(how, dict) else how


def make_questions(table: Table, rng: np.random.Generator, n: int, view: ChartView | None = None,
                   facts: ChartFacts | None = None, with_rationale: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """Up to n distinct QA pairs, deterministic from rng.

    Each pair: question, answer, template (the operation), answer_type, steps, refs (colour,
    position and legend references), program ({op, expr, format, cells, named}), and with `view`
    its reading (how the image lets a reader find the answer; unanswerable questions are not asked).
    """
    if n <= 0 or not table.rows or not table.series:
        return []
    if len(set(table.labels())) != len(table.labels()):
        return []
    ch = _Chart(table, facts or ChartFacts())
    if not ch.usable:
        return []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    types, type_cdf, builders = _DRAW_TABLES
    runs: dict[tuple[str, str], Any] = {}  # a program comes up again and again; its run (or its failure) does not change
    reads: dict[tuple[str, str], Any] = {}  # nor does how the image lets a reader find its answer
    attempts = 0
    while len(out) < n and attempts < 40 * n:
        attempts += 1
        answer_type = types[_weighted(rng, type_cdf)]
        names, cdf = builders[answer_type]
        name = names[_weighted(rng, cdf)]
        q = BUILDERS[name][2](ch, rng)
        if q is None:
            continue
        key = json.dumps(q.expr)
        result = runs.get((key, q.fmt), _UNRUN)
        if result is _UNRUN:
            try:
                result = execute(q.expr, q.fmt, ch.env)
            except Invalid:
                result = None
            runs[(key, q.fmt)] = result
        if result is None:
            continue
        how = _reading(reads, key, q, ch.env, view) if view is not None else None
        if how is _UNRUN:
            continue
        if q.fmt == "label" and result.value.r not in q.named:
            q.named.append(result.value.r)  # the answer's label must be printed too
            if view is not None and result.value.r not in view.printed_rows:
                continue
        if view is not None and how is None:
            continue
        question = fill(rng, q.op, q.slots, q.template)
        if question in seen or key in seen:
            continue  # one question per program and chart
        seen.update((question, key))
        cells = result.cells
        if q.op == "extreme_value":  # as in answerability.Program: the value is read off the extreme cell
            cells = [c for c in cells if ch.env.values[c] == result.value.v][:1]
        program = {"op": q.op, "expr": q.expr, "format": q.fmt, "cells": [list(c) for c in cells], "named": q.named}
        pair: dict[str, Any] = {"template": q.op, "question": question, "answer": result.answer, "answer_type": answer_type,
                                "steps": steps(q.expr), "refs": q.refs, "program": program}  # fmt: skip
        if how is not None:
            pair["reading"] = how
        if with_rationale:
            pair["rationale"] = rationale(q.expr, q.fmt, ch.env)
        out.append(pair)
    return out
