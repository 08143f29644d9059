"""Questions about a table as drawn (a table image, a document's line items): the chart QA grammar
(`factory.tasks.qa_programs`) over the cells the image shows, worded from
`qa_phrasing.TABLE_TEMPLATES`.

A `Grid` is what the picture shows: row labels, numeric columns read back from their printed text
(`factory.tasks.displayed_numbers`: a column that does not read back exactly is left out), text
columns (Status, Region...) and, for documents, amounts printed outside the table (subtotal,
total). Answers are written as the table writes numbers (its digits, separators, signs, decimals:
the grid's `writer`), or the question is not asked. Only rows the image shows whole are named, and
a question over a whole column (its maximum, total, a count) is asked only when every row is shown.
As for charts, a question first draws its answer type (yes/no draws Yes or No before its operands,
so both come out equally often), then an operation that fits, then its wording; every pair keeps
its program, so `execute(program.expr, program.format, grid.env())` gives its answer again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from factory.tabular import Column
from factory.tasks.chart_questions import ANSWER_TYPES
from factory.tasks.qa_phrasing import (
    CMP,
    DOWNWARD_FROM,
    ORDINALS,
    TABLE_TEMPLATES,
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
    rationale,
    round_between,
    steps,
)

COMPOSITIONAL = {"diff_extremes", "count_threshold", "count_mean", "count_match", "rank", "sum_top", "sum_where", "mean_where",
                 "nth_label", "extreme_text", "extreme_other", "above_mean_yesno", "sum_yesno", "is_extreme"}  # fmt: skip
# a label column's header -> the noun for its rows (English headers; other tables say "row")
ROW_NOUNS = {"name": "person", "contact": "contact", "employee": "employee", "owner": "owner", "description": "item",
             "market": "market", "location": "location", "office": "office"}  # fmt: skip
_IRREGULAR = {"person": "people"}


@dataclass
class NumberColumn:
    name: str  # the header as printed
    values: list[Decimal | None]  # per row, as printed; None: an empty cell
    decimals: int
    additive: bool = True  # a total of the column means something (not percentages, not balances)


@dataclass
class TextColumn:
    name: str
    texts: list[str | None]
    countable: bool = True  # rows share its values (a Status), so counting them means something


@dataclass
class Grid:
    labels: list[str]
    numbers: list[NumberColumn]
    categories: list[TextColumn]
    writer: Any  # number(value, series or field name, places) -> str | None; count(n) -> str
    dim: str = "row"
    dims: str = "rows"
    shown: set[int] | None = None  # rows the image shows whole; None: all
    fields: dict[str, Decimal] = field(default_factory=dict)  # printed amounts outside the table
    field_names: dict[str, str] = field(default_factory=dict)  # field -> how a question names it ("the subtotal")
    additive_fields: set[str] = field(default_factory=set)  # amounts whose sum means something (subtotal + tax)
    # ("number" | "text", column, row) or ("label", -1, row) -> where the page draws that cell (a table
    # position "row,col", a document field path), so an answer that is one printed cell gets its box
    places: dict[tuple[str, int, int], str] = field(default_factory=dict)

    def env(self) -> Env:
        values = {(s, r): v for s, c in enumerate(self.numbers) for r, v in enumerate(c.values) if v is not None}
        texts = {(c, r): t for c, col in enumerate(self.categories) for r, t in enumerate(col.texts) if t}
        columns = [Column(c.name, decimals=c.decimals) for c in self.numbers]
        return Env(list(self.labels), [c.name for c in self.numbers], columns, values, texts=texts,
                   categories=[c.name for c in self.categories], fields=dict(self.fields), writer=self.writer)  # fmt: skip


def row_nouns(header: str) -> tuple[str, str]:
    """(singular, plural) noun for a table's rows from its label column's header ("Company")."""
    head = header.strip()
    if not head or not head.isascii() or not head.replace(" ", "").isalpha():
        return "row", "rows"
    noun = ROW_NOUNS.get(head.lower(), head.lower())
    return noun, _IRREGULAR.get(noun, plural(noun))


@dataclass
class _Col:
    index: int
    name: str
    bare: str  # the column as a measure: "Revenue", "2019 value"
    rows: list[int]  # shown rows with a value
    whole: bool  # every row is shown: a question may range over the column
    additive: bool


class _Table:
    def __init__(self, grid: Grid):
        self.grid = grid
        self.env = grid.env()
        self.labels = grid.labels
        self.n = len(self.labels)
        shown = set(range(self.n)) if grid.shown is None else set(grid.shown)
        self.complete = shown == set(range(self.n))
        counts: dict[str, int] = {}
        for label in self.labels:
            counts[label] = counts.get(label, 0) + 1
        self.referable = sorted(r for r in shown if self.labels[r] and counts[self.labels[r]] == 1)
        self.cols: list[_Col] = []
        for s, c in enumerate(grid.numbers):
            rows = [r for r in self.referable if c.values[r] is not None]
            present = [r for r in range(self.n) if c.values[r] is not None]
            worded = any(len(w) > 2 and w.isalpha() for w in c.name.split())
            bare = c.name if worded else f"{c.name} value"  # "Revenue", "2021 Q1 value"
            self.cols.append(_Col(s, c.name, bare, rows, self.complete and len(present) >= 2, c.additive))
        self.usable = [c for c in self.cols if len(c.rows) >= 2]
        self.whole = [c for c in self.cols if c.whole]
        self.cats = [(k, c) for k, c in enumerate(grid.categories)
                     if len({t for r, t in enumerate(c.texts) if t and r in self.referable}) >= 2]  # fmt: skip
        self.dim, self.dims = grid.dim, grid.dims
        self.want: bool | None = None  # the answer the next yes/no question is built for (None: draw)

    # references ----------------------------------------------------------------------------------

    def measure(self, rng: np.random.Generator, c: _Col) -> dict[str, Any]:
        ref = str(pick(rng, (f"the {c.bare}", f"the {c.name} column", f'the "{c.name}" column')))
        return {"S": ref, "S_bare": c.bare, "dim": self.dim, "dims": self.dims}

    def cell(self, rng: np.random.Generator, c: _Col, r: int) -> str:
        label = self.labels[r]
        return str(pick(rng, (f"the {c.bare} of {label}", f"the {c.bare} for {label}", f"the {c.bare} of {label}",
                              f'the value in the "{c.name}" column for {label}')))  # fmt: skip

    def values(self, c: _Col, rows: list[int] | None = None) -> dict[int, Decimal]:
        return {r: self.env.values[(c.index, r)] for r in (c.rows if rows is None else rows)}


def _quote(text: str) -> str:
    return f'"{text}"'


# number answers ----------------------------------------------------------------------------------


def b_lookup(t: _Table, rng: np.random.Generator) -> Draft | None:
    c = pick(rng, t.usable)
    r = int(pick(rng, c.rows))
    return Draft("lookup", ["cell", c.index, r], f"col:{c.index}", {**ask_slots(rng), "cell": t.cell(rng, c, r)}, [r])


def b_extreme_value(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c, high = pick(rng, t.whole), rng.random() < 0.5
    return Draft("extreme_value", ["max" if high else "min", ["col", c.index]], f"col:{c.index}",
              {**t.measure(rng, c), **hi_slots(rng, high), **ask_slots(rng)})  # fmt: skip


def _two(t: _Table, rng: np.random.Generator, c: _Col, k: int = 2) -> list[int] | None:
    if len(c.rows) < k:
        return None
    return [int(c.rows[int(i)]) for i in rng.choice(len(c.rows), size=k, replace=False)]


def b_difference(t: _Table, rng: np.random.Generator) -> Draft | None:
    c = pick(rng, t.usable)
    a, b = _two(t, rng, c)  # type: ignore[misc]
    expr = ["absdiff", ["cell", c.index, a], ["cell", c.index, b]]
    return Draft("difference", expr, f"col:{c.index}", {"cell": t.cell(rng, c, a), "cell2": t.cell(rng, c, b)}, [a, b])


def b_sum(t: _Table, rng: np.random.Generator) -> Draft | None:
    c = pick(rng, t.usable)
    if not c.additive:
        return None  # two balances or unit prices added up mean nothing
    if c.whole and rng.random() < 0.5:
        return Draft("total", ["sum", ["col", c.index]], f"col:{c.index}", t.measure(rng, c))
    a, b = _two(t, rng, c)  # type: ignore[misc]
    expr = ["add", ["cell", c.index, a], ["cell", c.index, b]]
    return Draft("sum", expr, f"col:{c.index}", {"cell": t.cell(rng, c, a), "cell2": t.cell(rng, c, b)}, [a, b])


def b_average(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c = pick(rng, t.whole)
    return Draft("average", ["mean", ["col", c.index]], f"mean:{c.index}", t.measure(rng, c))


def b_diff_extremes(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c = pick(rng, t.whole)
    col = ["col", c.index]
    return Draft("diff_extremes", ["sub", ["max", col], ["min", col]], f"col:{c.index}", t.measure(rng, c))


def _threshold(t: _Table, rng: np.random.Generator, c: _Col) -> tuple[Decimal, str] | None:
    """A round threshold between two of the column's values, and how the table would print it."""
    value = round_between(list(t.values(c).values()), c_decimals(t, c), rng)
    if value is None:
        return None
    text = t.grid.writer.number(value, c.index, c_decimals(t, c))
    return None if text is None else (value, text)


def c_decimals(t: _Table, c: _Col) -> int:
    return t.grid.numbers[c.index].decimals


def b_count_threshold(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c = pick(rng, t.whole)
    found = _threshold(t, rng, c)
    if found is None:
        return None
    above = rng.random() < 0.5
    slots = {**t.measure(rng, c), "cmp": pick(rng, CMP[above]), "t": found[1]}
    return Draft("count_threshold", ["count", ["above" if above else "below", ["col", c.index], ["num", str(found[0])]]], "int", slots)


def b_count_mean(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c = pick(rng, t.whole)
    if len(c.rows) < 3:
        return None
    above = rng.random() < 0.5
    col = ["col", c.index]
    return Draft("count_mean", ["count", ["above" if above else "below", col, ["mean", col]]], "int",
              {**t.measure(rng, c), "cmp": pick(rng, CMP[above])})  # fmt: skip


def _category(t: _Table, rng: np.random.Generator) -> tuple[int, str, str] | None:
    """A countable text column, one of its printed values and the column's name."""
    cats = [(k, c) for k, c in t.cats if c.countable]
    if not cats or not t.complete:
        return None
    k, col = cats[int(rng.integers(len(cats)))]
    values = sorted({x for r, x in enumerate(col.texts) if x and r in t.referable})
    return k, str(pick(rng, values)), col.name


def b_count_match(t: _Table, rng: np.random.Generator) -> Draft | None:
    found = _category(t, rng)
    if found is None:
        return None
    k, v, name = found
    return Draft("count_match", ["count", ["match", k, v]], "int", {"C": name, "v": _quote(v), "dim": t.dim, "dims": t.dims})


def _where(op: str, agg: str, fmt: str):
    def build(t: _Table, rng: np.random.Generator) -> Draft | None:
        found = _category(t, rng)
        if found is None or not t.whole:
            return None
        k, v, name = found
        c = pick(rng, t.whole)
        if agg == "sum" and not c.additive:
            return None
        kept = [r for r in range(t.n) if t.env.texts.get((k, r)) == v and (c.index, r) in t.env.values]
        if len(kept) < 2:
            return None  # an aggregate of one value is a lookup
        slots = {**t.measure(rng, c), "C": name, "v": _quote(v)}
        return Draft(op, [agg, ["where", ["col", c.index], k, v]], fmt.format(s=c.index), slots)

    return build


def _filtered(op: str, agg: str, fmt: str):
    def build(t: _Table, rng: np.random.Generator) -> Draft | None:
        if not t.whole:
            return None
        c = pick(rng, t.whole)
        if agg == "sum" and not c.additive:
            return None
        found = _threshold(t, rng, c)
        if found is None:
            return None
        above = rng.random() < 0.5
        kept = [v for v in t.values(c).values() if (v > found[0]) == above]
        if len(kept) < 2:
            return None
        slots = {**t.measure(rng, c), "cmp": pick(rng, CMP[above]), "t": found[1]}
        inner = ["above" if above else "below", ["col", c.index], ["num", str(found[0])]]
        return Draft(op, [agg, inner], fmt.format(s=c.index), slots)

    return build


def b_count_rows(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.complete or t.dim == "row":
        return None
    return Draft("count_rows", ["nrows"], "int", {"dim": t.dim, "dims": t.dims}, counted=True)


def b_rank(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c = pick(rng, t.whole)
    if len(c.rows) < 3:
        return None
    r = int(pick(rng, c.rows))
    return Draft("rank", ["rank", ["col", c.index], r], "int", {**t.measure(rng, c), "L": t.labels[r]}, [r])


def b_sum_top(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c = pick(rng, t.whole)
    if len(c.rows) < 4 or not c.additive:
        return None
    k, high = int(rng.integers(2, min(4, len(c.rows) - 1) + 1)), rng.random() < 0.75
    slots = {**t.measure(rng, c), **hi_slots(rng, high), "k": pick(rng, (str(k), ("two", "three", "four")[k - 2]))}
    return Draft("sum_top", ["sum", ["top" if high else "bottom", ["col", c.index], k]], f"col:{c.index}", slots)


def b_extreme_other(t: _Table, rng: np.random.Generator) -> Draft | None:
    if len(t.whole) < 2:
        return None
    i, j = (int(x) for x in rng.choice(len(t.whole), size=2, replace=False))
    c, d = t.whole[i], t.whole[j]
    high = rng.random() < 0.5
    slots = {**t.measure(rng, c), **hi_slots(rng, high), "T_bare": d.bare}
    return Draft("extreme_other", ["cell", d.index, ["argmax" if high else "argmin", ["col", c.index]]], f"col:{d.index}", slots)


def b_field_sum(t: _Table, rng: np.random.Generator) -> Draft | None:
    names = sorted(t.grid.additive_fields & set(t.grid.fields))
    if len(names) < 2:
        return None
    a, b = (names[int(i)] for i in rng.choice(len(names), size=2, replace=False))
    slots = {"F": t.grid.field_names[a], "F2": t.grid.field_names[b]}
    return Draft("field_sum", ["add", ["field", a], ["field", b]], f"field:{a}", slots)


def b_field_difference(t: _Table, rng: np.random.Generator) -> Draft | None:
    names = sorted(t.grid.fields)
    if len(names) < 2:
        return None
    a, b = (names[int(i)] for i in rng.choice(len(names), size=2, replace=False))
    if t.grid.fields[a] == t.grid.fields[b]:
        return None
    if t.grid.fields[a] < t.grid.fields[b]:
        a, b = b, a  # "by how much does the larger exceed the smaller"
    slots = {"F": t.grid.field_names[a], "F2": t.grid.field_names[b]}
    return Draft("field_difference", ["sub", ["field", a], ["field", b]], f"field:{a}", slots)


# label answers -----------------------------------------------------------------------------------


def b_extreme_label(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c, high = pick(rng, t.whole), rng.random() < 0.5
    return Draft("extreme_label", ["argmax" if high else "argmin", ["col", c.index]], "label", {**t.measure(rng, c), **hi_slots(rng, high)})


def b_nth_label(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c, high = pick(rng, t.whole), rng.random() < 0.6
    if len(c.rows) < 4:
        return None
    k = int(rng.integers(2, 4))
    slots = {**t.measure(rng, c), **hi_slots(rng, high), "nth": ORDINALS[k - 1]}
    return Draft("nth_label", ["nth" if high else "nth_low", ["col", c.index], k], "label", slots)


def b_compare_label(t: _Table, rng: np.random.Generator) -> Draft | None:
    c = pick(rng, t.usable)
    a, b = _two(t, rng, c)  # type: ignore[misc]
    slots = {**t.measure(rng, c), "L": t.labels[a], "L2": t.labels[b]}
    return Draft("compare_label", ["argmax", ["pick", c.index, [a, b]]], "label", slots, [a, b])


def b_text_lookup(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.cats:
        return None
    k, col = t.cats[int(rng.integers(len(t.cats)))]
    rows = [r for r in t.referable if col.texts[r]]
    r = int(pick(rng, rows))
    return Draft("text_lookup", ["text", k, r], "text", {"C": col.name, "L": t.labels[r]}, [r])


def b_extreme_text(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.cats or not t.whole:
        return None
    k, col = t.cats[int(rng.integers(len(t.cats)))]
    c, high = pick(rng, t.whole), rng.random() < 0.5
    slots = {**t.measure(rng, c), **hi_slots(rng, high), "C": col.name}
    return Draft("extreme_text", ["text", k, ["argmax" if high else "argmin", ["col", c.index]]], "text", slots)


# yes/no answers ----------------------------------------------------------------------------------


def _want(t: _Table, rng: np.random.Generator) -> bool:
    """The answer a yes/no question is built for: the one the table has had fewer of, else a coin."""
    return t.want if t.want is not None else bool(rng.random() < 0.5)


def _flip(template: int, truth_up: bool, want: bool) -> int:
    """`template`, or its opposite (higher <-> lower), so that the answer is `want`; `truth_up` is
    the answer of the upward question (the operands are never equal)."""
    up = template < DOWNWARD_FROM
    if (truth_up if up else not truth_up) != want:
        template = (template + DOWNWARD_FROM) % 6
    return template


def b_compare_yesno(t: _Table, rng: np.random.Generator) -> Draft | None:
    c = pick(rng, t.usable)
    want = _want(t, rng)
    a, b = _two(t, rng, c)  # type: ignore[misc]
    va, vb = t.env.values[(c.index, a)], t.env.values[(c.index, b)]
    if va == vb:
        return None
    template = _flip(int(rng.integers(6)), va > vb, want)
    up = template < DOWNWARD_FROM
    expr = ["gt" if up else "lt", ["cell", c.index, a], ["cell", c.index, b]]
    return Draft("compare_yesno", expr, "yesno", {"cell": t.cell(rng, c, a), "cell2": t.cell(rng, c, b)}, [a, b], template=template)


def b_threshold_yesno(t: _Table, rng: np.random.Generator) -> Draft | None:
    c = pick(rng, t.usable)
    want = _want(t, rng)
    found = _threshold(t, rng, c)
    if found is None:
        return None
    r = int(pick(rng, c.rows))
    template = _flip(int(rng.integers(6)), t.env.values[(c.index, r)] > found[0], want)
    up = template < DOWNWARD_FROM
    expr = ["gt" if up else "lt", ["cell", c.index, r], ["num", str(found[0])]]
    return Draft("threshold_yesno", expr, "yesno", {"cell": t.cell(rng, c, r), "t": found[1]}, [r], template=template)


def b_above_mean_yesno(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c = pick(rng, t.whole)
    if len(c.rows) < 3:
        return None
    want = _want(t, rng)
    template = int(rng.integers(6))
    up = template < DOWNWARD_FROM
    values = t.values(c)
    mean = sum(values.values()) / len(values)
    fits = [r for r, v in values.items() if v != mean and ((v > mean) == up) == want]
    if not fits:
        return None
    r = int(pick(rng, fits))
    slots = {**t.measure(rng, c), "cell": t.cell(rng, c, r)}
    expr = ["gt" if up else "lt", ["cell", c.index, r], ["mean", ["col", c.index]]]
    return Draft("above_mean_yesno", expr, "yesno", slots, [r], template=template)


def b_is_extreme(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.whole:
        return None
    c, high = pick(rng, t.whole), rng.random() < 0.5
    values = t.values(c)
    best = (max if high else min)(values.values())
    winners = [r for r, v in values.items() if v == best]
    if len(winners) != 1:
        return None
    want = _want(t, rng)
    r = winners[0] if want else int(pick(rng, [q for q in c.rows if q != winners[0]]))
    slots = {**t.measure(rng, c), **hi_slots(rng, high), "L": t.labels[r]}
    return Draft("is_extreme", ["is", ["argmax" if high else "argmin", ["col", c.index]], r], "yesno", slots, [r])


def b_sum_yesno(t: _Table, rng: np.random.Generator) -> Draft | None:
    c = pick(rng, t.usable)
    rows = _two(t, rng, c, 3) if c.additive else None
    if rows is None:
        return None
    va, vb, vc = (t.env.values[(c.index, r)] for r in rows)
    if va + vb == vc:
        return None
    want = _want(t, rng)
    template = _flip(int(rng.integers(6)), va + vb > vc, want)
    up = template < DOWNWARD_FROM
    expr = ["gt" if up else "lt", ["add", ["cell", c.index, rows[0]], ["cell", c.index, rows[1]]], ["cell", c.index, rows[2]]]
    slots = {"cell": t.cell(rng, c, rows[0]), "cell2": t.cell(rng, c, rows[1]), "cell3": t.cell(rng, c, rows[2])}
    return Draft("sum_yesno", expr, "yesno", slots, rows, template=template)


def b_has_yesno(t: _Table, rng: np.random.Generator) -> Draft | None:
    if not t.cats:
        return None
    k, col = t.cats[int(rng.integers(len(t.cats)))]
    want = _want(t, rng)
    r = int(pick(rng, [q for q in t.referable if col.texts[q]]))
    others = sorted({x for q, x in enumerate(col.texts) if x and q in t.referable and x != col.texts[r]})
    v = col.texts[r] if want else str(pick(rng, others))
    return Draft("has_yesno", ["has", k, r, v], "yesno", {"C": col.name, "L": t.labels[r], "v": _quote(str(v))}, [r])


def b_field_yesno(t: _Table, rng: np.random.Generator) -> Draft | None:
    names = sorted(t.grid.fields)
    if len(names) < 2:
        return None
    a, b = (names[int(i)] for i in rng.choice(len(names), size=2, replace=False))
    va, vb = t.grid.fields[a], t.grid.fields[b]
    if va == vb:
        return None
    want = _want(t, rng)
    template = _flip(int(rng.integers(6)), va > vb, want)
    up = template < DOWNWARD_FROM
    slots = {"F": t.grid.field_names[a], "F2": t.grid.field_names[b]}
    return Draft("field_yesno", ["gt" if up else "lt", ["field", a], ["field", b]], "yesno", slots, template=template)


BUILDERS: dict[str, tuple[str, float, Callable[[_Table, np.random.Generator], Draft | None]]] = {
    "lookup": ("number", 5, b_lookup),
    "extreme_value": ("number", 3, b_extreme_value),
    "difference": ("number", 2, b_difference),
    "sum": ("number", 2, b_sum),
    "average": ("number", 2, b_average),
    "diff_extremes": ("number", 2.5, b_diff_extremes),
    "count_threshold": ("number", 3, b_count_threshold),
    "count_mean": ("number", 2.5, b_count_mean),
    "count_match": ("number", 3, b_count_match),
    "count_rows": ("number", 1.5, b_count_rows),
    "rank": ("number", 1.5, b_rank),
    "sum_top": ("number", 1.5, b_sum_top),
    "sum_where": ("number", 2, _where("sum_where", "sum", "col:{s}")),
    "mean_where": ("number", 1.5, _where("mean_where", "mean", "mean:{s}")),
    "sum_filtered": ("number", 1.5, _filtered("sum_filtered", "sum", "col:{s}")),
    "mean_filtered": ("number", 1, _filtered("mean_filtered", "mean", "mean:{s}")),
    "extreme_other": ("number", 2.5, b_extreme_other),
    "field_sum": ("number", 2, b_field_sum),
    "field_difference": ("number", 2, b_field_difference),
    "extreme_label": ("label", 4, b_extreme_label),
    "nth_label": ("label", 2, b_nth_label),
    "compare_label": ("label", 3, b_compare_label),
    "text_lookup": ("label", 3, b_text_lookup),
    "extreme_text": ("label", 3, b_extreme_text),
    "compare_yesno": ("yesno", 4, b_compare_yesno),
    "threshold_yesno": ("yesno", 3, b_threshold_yesno),
    "above_mean_yesno": ("yesno", 3, b_above_mean_yesno),
    "is_extreme": ("yesno", 2.5, b_is_extreme),
    "sum_yesno": ("yesno", 2, b_sum_yesno),
    "has_yesno": ("yesno", 3, b_has_yesno),
    "field_yesno": ("yesno", 2, b_field_yesno),
}
COMPOSITIONAL |= {"sum_filtered", "mean_filtered", "field_difference"}


def _answer_cell(q: Draft, result: Any, env: Env) -> tuple[str, int, int] | None:
    """The one printed cell a question's answer is (a lookup, a text, a label), or None (computed)."""
    if q.fmt == "label":
        return ("label", -1, result.value.r)
    if q.expr[0] == "cell":
        s, r = result.cells[-1]  # a row given by a program reads its column first, the answer's cell last
        return ("number", s, r)
    if q.expr[0] == "text":
        row = q.expr[2] if isinstance(q.expr[2], int) else execute(q.expr[2], "label", env).value.r
        return ("text", q.expr[1], row)
    return None


def make_table_questions(grid: Grid, rng: np.random.Generator, n: int, with_rationale: bool = False) -> list[dict[str, Any]]:
    """Up to n distinct QA pairs about `grid`, deterministic from rng (see the module docstring).

    Each pair: question, answer, template (the operation), answer_type, steps and program ({op,
    expr, format, cells, named}); `answer_cell` (the grid's `places` entry) when the answer is one
    printed cell; with `with_rationale`, the program's working ending in the answer.
    """
    t = _Table(grid)
    if n <= 0 or not t.labels or (not t.usable and not t.cats and len(grid.fields) < 2):
        return []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    types = list(ANSWER_TYPES)
    type_p = np.array([ANSWER_TYPES[k] for k in types])
    attempts = 0
    while len(out) < n and attempts < 40 * n:
        attempts += 1
        answer_type = types[int(rng.choice(len(types), p=type_p / type_p.sum()))]
        names = [k for k, (kind, _, _) in BUILDERS.items() if kind == answer_type]
        weights = np.array([BUILDERS[k][1] for k in names])
        name = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        if not t.usable and name not in ("count_match", "count_rows", "text_lookup", "has_yesno", "field_sum",
                                         "field_difference", "field_yesno"):  # fmt: skip
            continue
        if answer_type == "yesno":
            yes = sum(1 for p in out if p["answer"] == "Yes")
            no = sum(1 for p in out if p["answer_type"] == "yesno") - yes
            t.want = None if yes == no else yes < no
        q = BUILDERS[name][2](t, rng)
        if q is None:
            continue
        try:
            result = execute(q.expr, q.fmt, t.env)
        except Invalid:
            continue
        if q.fmt == "label" and result.value.r not in t.referable:
            continue  # the answer's label must be printed, and printed once
        if q.fmt == "label":
            q.named.append(result.value.r)
        question = fill(rng, q.op, q.slots, q.template, TABLE_TEMPLATES)
        key = json.dumps(q.expr)
        if question in seen or key in seen:
            continue  # one question per program and table
        seen.update((question, key))
        program = {"op": q.op, "expr": q.expr, "format": q.fmt, "cells": [list(c) for c in result.cells], "named": q.named}
        pair: dict[str, Any] = {"template": q.op, "question": question, "answer": result.answer, "answer_type": answer_type,
                                "steps": steps(q.expr), "program": program}  # fmt: skip
        cell = _answer_cell(q, result, t.env)
        if cell is not None and cell in grid.places:
            pair["answer_cell"] = grid.places[cell]
        if with_rationale:
            pair["rationale"] = rationale(q.expr, q.fmt, t.env)
        out.append(pair)
    return out
