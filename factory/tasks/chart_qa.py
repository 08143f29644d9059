"""Question-answer pairs about a chart, computed from the table it was drawn from.

Templates: value_lookup, maximum, minimum, difference, sum, average, comparison, trend, count,
ratio. Each is skipped when the table cannot support it (trend needs time labels in order, ratio
two positive values, maximum a unique top value...).

Answers are written the way the chart writes numbers. Arithmetic is done in exact decimals on the
values as shown (not on hidden float digits), then:
- lookup, maximum, minimum, difference (absolute), sum: the column's own format (decimals and
  '%' of `format_value`), so "12.5%" - "10.0%" answers "2.5%";
- average: the column's decimals when the mean is exact at that precision, else one more decimal;
  rounded half up, '%' kept for percent columns;
- ratio: two decimals, half up, no unit ("1.25");
- count: a whole number; comparison: "Yes"/"No" or the winning label/series; trend:
  "Increase"/"Decrease".
A label in an answer is the label exactly as shown on the chart.

Questions name the series ("the revenue", "the revenue of Germany", "the value for 2021"); series
of entities (countries, years...) are named with the table's measure when the generator recorded
one (`facts["measure"]`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from factory.generators.table_request import TIME_KINDS, lower_first, time_keys
from factory.tabular import Column, Table, format_value
from factory.tasks.answerability import ChartView, Program, reading
from factory.tasks.qa_phrasing import plural

TEMPLATES = ("value_lookup", "maximum", "minimum", "difference", "sum", "average", "comparison", "trend",
             "count", "ratio")  # fmt: skip
RATIO_DECIMALS = 2


@dataclass
class _Series:
    column: Column
    phrase: str  # noun phrase without article: "revenue", "revenue of Germany", "Sales"
    name: str
    values: list[Decimal | None]  # as shown on the chart
    index: int = 0  # the series' position in the table

    def cells(self, rows: list[int]) -> list[tuple[int, int]]:
        return [(self.index, i) for i in rows]

    def present(self) -> list[int]:
        return [i for i, v in enumerate(self.values) if v is not None]


class _Context:
    """A table read once for every template."""

    def __init__(self, table: Table):
        self.table = table
        self.labels = table.labels()
        facts = table.facts or {}
        head = _strip_unit(table.label_column.name) or "category"
        self.dim = lower_first(head) if head.isascii() else head
        self.dims = plural(self.dim)
        kind = facts.get("series_kind")
        measure = facts.get("measure")
        self.series: list[_Series] = []
        for j, column in enumerate(table.series):
            name = _strip_unit(column.name) or f"series {j + 1}"
            if kind in ("single", "siblings"):
                phrase = lower_first(name)
            elif kind == "years" and measure:
                phrase = f"{lower_first(measure)} in {name}"
            elif kind is not None and measure:
                phrase = f"{lower_first(measure)} of {name}"
            else:
                phrase = name if len(table.series) > 1 or kind is None else "value"
            values = [_shown(v, column) for v in table.values(j)]
            self.series.append(_Series(column, phrase, name, values, j))
        self.usable = [s for s in self.series if len(s.present()) >= 2]
        self.additive = bool(facts.get("additive", True))
        self.time_order = _time_order(table, self.labels)
        self.distinct_labels = len(set(self.labels)) == len(self.labels)


def make_qa(table: Table, rng: np.random.Generator, n: int, view: ChartView | None = None) -> list[dict]:
    """Up to n distinct QA pairs ({"template", "question", "answer", "reading", "program"}),
    deterministic from rng.

    Templates that fit the table are visited in a random order, round after round, until n pairs
    are found or the table has no more distinct questions to give. With `view` (what the image
    shows), a question whose answer cannot be read from the image is not asked
    (`factory.tasks.answerability`); `reading` says how each answer can be read.
    """
    if n <= 0 or not table.rows or not table.series:
        return []
    ctx = _Context(table)
    if not ctx.usable or not ctx.distinct_labels:
        return []
    fitting = [name for name in TEMPLATES if _FITS[name](ctx)]
    out: list[dict] = []
    seen: set[str] = set()
    misses = 0
    while fitting and len(out) < n and misses < 6 * len(fitting) + n:
        order = [fitting[int(i)] for i in rng.permutation(len(fitting))]
        for name in order:
            qa = _BUILDERS[name](ctx, rng)
            if qa is None or qa[0] in seen:
                misses += 1
                continue
            how = reading(qa[2], view) if view is not None else None
            if view is not None and how is None:
                misses += 1
                continue
            seen.add(qa[0])
            pair = {"template": name, "question": qa[0], "answer": qa[1]}
            if view is not None:
                pair.update(reading=how, program=qa[2].to_json())
            out.append(pair)
            if len(out) >= n:
                break
    return out


# templates -------------------------------------------------------------------------------------

def _pick(rng: np.random.Generator, items: list) -> object:
    return items[int(rng.integers(len(items)))]


def _two(rng: np.random.Generator, items: list[int]) -> tuple[int, int]:
    a, b = rng.choice(len(items), size=2, replace=False)
    return items[int(a)], items[int(b)]


def value_lookup(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    s: _Series = _pick(rng, ctx.usable)  # type: ignore[assignment]
    i = _pick(rng, s.present())
    program = Program("lookup", s.cells([i]), [i], s.values[i])
    return f"What is the {s.phrase} for {ctx.labels[i]}?", _fmt(s.values[i], s.column), program


def _extreme(ctx: _Context, rng: np.random.Generator, highest: bool) -> tuple[str, str, Program] | None:
    s: _Series = _pick(rng, ctx.usable)  # type: ignore[assignment]
    rows = s.present()
    top = (max if highest else min)(s.values[i] for i in rows)  # type: ignore[type-var]
    winners = [i for i in rows if s.values[i] == top]
    word = "highest" if highest else "lowest"
    if rng.random() < 0.6:
        if len(winners) != 1:
            return None
        w = winners[0]
        program = Program("extreme_label", s.cells(rows), [w], orders=[((s.index, w), (s.index, i)) for i in rows if i != w])
        return f"Which {ctx.dim} has the {word} {s.phrase}?", ctx.labels[w], program
    program = Program("extreme_value", s.cells(winners[:1]), [], top)
    return f"What is the {word} {s.phrase}?", _fmt(top, s.column), program


def maximum(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    return _extreme(ctx, rng, True)


def minimum(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    return _extreme(ctx, rng, False)


def difference(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    pairs = _same_unit_pairs(ctx)
    if pairs and rng.random() < 0.3:
        s, t = _pick(rng, pairs)  # type: ignore[misc]
        rows = [i for i in s.present() if t.values[i] is not None]
        if not rows:
            return None
        i = _pick(rng, rows)
        value = abs(s.values[i] - t.values[i])
        program = Program("difference", [(s.index, i), (t.index, i)], [i], value)
        return f"For {ctx.labels[i]}, what is the difference between the {s.phrase} and the {t.phrase}?", _fmt(value, s.column), program
    s = _pick(rng, ctx.usable)  # type: ignore[assignment]
    a, b = _two(rng, s.present())
    value = abs(s.values[a] - s.values[b])
    program = Program("difference", s.cells([a, b]), [a, b], value)
    return f"What is the difference between the {s.phrase} for {ctx.labels[a]} and for {ctx.labels[b]}?", _fmt(value, s.column), program


def total(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    s: _Series = _pick(rng, ctx.usable)  # type: ignore[assignment]
    rows = s.present()
    if ctx.additive and len(rows) == len(ctx.labels) and rng.random() < 0.6:
        value = sum(s.values[i] for i in rows)
        program = Program("sum", s.cells(rows), [], value)
        return f"What is the total {s.phrase} across all {ctx.dims}?", _fmt(value, s.column), program
    a, b = sorted(_two(rng, rows))
    value = s.values[a] + s.values[b]
    program = Program("sum", s.cells([a, b]), [a, b], value)
    return f"What is the sum of the {s.phrase} for {ctx.labels[a]} and {ctx.labels[b]}?", _fmt(value, s.column), program


def average(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    s: _Series = _pick(rng, ctx.usable)  # type: ignore[assignment]
    rows = s.present()
    mean = sum(s.values[i] for i in rows) / Decimal(len(rows))  # type: ignore[operator, misc]
    decimals = s.column.decimals
    if mean != _quantize(mean, decimals):
        decimals += 1
    text = _fmt(mean, s.column, decimals)
    scope = f"across all {ctx.dims}" if len(rows) == len(ctx.labels) else f"across the {ctx.dims} shown"
    return f"What is the average {s.phrase} {scope}?", text, Program("average", s.cells(rows), [], mean)


def comparison(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    pairs = _same_unit_pairs(ctx)
    if pairs and rng.random() < 0.3:
        s, t = _pick(rng, pairs)  # type: ignore[misc]
        rows = [i for i in s.present() if t.values[i] is not None and s.values[i] != t.values[i]]
        if not rows:
            return None
        i = _pick(rng, rows)
        winner = s if s.values[i] > t.values[i] else t
        program = Program("comparison", [(s.index, i), (t.index, i)], [i], orders=[((s.index, i), (t.index, i))])
        return f"For {ctx.labels[i]}, which is higher: {s.name} or {t.name}?", winner.name, program
    s = _pick(rng, ctx.usable)  # type: ignore[assignment]
    a, b = _two(rng, s.present())
    if s.values[a] == s.values[b]:
        return None
    program = Program("comparison", s.cells([a, b]), [a, b], orders=[((s.index, a), (s.index, b))])
    if rng.random() < 0.5:
        answer = "Yes" if s.values[a] > s.values[b] else "No"
        return f"Is the {s.phrase} for {ctx.labels[a]} higher than for {ctx.labels[b]}?", answer, program
    winner = a if s.values[a] > s.values[b] else b
    return f"Which {ctx.dim} has the higher {s.phrase}: {ctx.labels[a]} or {ctx.labels[b]}?", ctx.labels[winner], program


def trend(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    s: _Series = _pick(rng, ctx.usable)  # type: ignore[assignment]
    rows = s.present()
    a, b = sorted(_two(rng, rows))
    if rng.random() < 0.5:
        a, b = rows[0], rows[-1]
    if ctx.time_order < 0:
        a, b = b, a  # rows run from newest to oldest: ask from the earlier to the later time
    if s.values[a] == s.values[b]:
        return None
    answer = "Increase" if s.values[b] > s.values[a] else "Decrease"
    program = Program("trend", s.cells([a, b]), [a, b], orders=[((s.index, a), (s.index, b))])
    return f"Did the {s.phrase} increase or decrease from {ctx.labels[a]} to {ctx.labels[b]}?", answer, program


def count(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    if rng.random() < 0.2:
        return f"How many {ctx.dims} are shown in the chart?", str(len(ctx.labels)), Program("count_rows")
    s: _Series = _pick(rng, ctx.usable)  # type: ignore[assignment]
    rows = s.present()
    threshold = s.values[_pick(rng, rows)]
    above = rng.random() < 0.5
    hits = sum(1 for i in rows if (s.values[i] > threshold if above else s.values[i] < threshold))  # type: ignore[operator]
    word = "above" if above else "below"
    program = Program("count_threshold", s.cells(rows), [], threshold=threshold)
    return f"For how many {ctx.dims} is the {s.phrase} {word} {_fmt(threshold, s.column)}?", str(hits), program


def ratio(ctx: _Context, rng: np.random.Generator) -> tuple[str, str, Program] | None:
    s: _Series = _pick(rng, ctx.usable)  # type: ignore[assignment]
    rows = [i for i in s.present() if s.values[i] > 0]  # type: ignore[operator]
    if len(rows) < 2:
        return None
    a, b = _two(rng, rows)
    value = _quantize(s.values[a] / s.values[b], RATIO_DECIMALS)  # type: ignore[operator]
    if value == 0:
        return None
    program = Program("ratio", s.cells([a, b]), [a, b], value)
    return f"What is the ratio of the {s.phrase} for {ctx.labels[a]} to that for {ctx.labels[b]}?", _plain(value), program


_BUILDERS: dict[str, Callable[[_Context, np.random.Generator], tuple[str, str, Program] | None]] = {
    "value_lookup": value_lookup, "maximum": maximum, "minimum": minimum, "difference": difference,
    "sum": total, "average": average, "comparison": comparison, "trend": trend, "count": count, "ratio": ratio,
}  # fmt: skip


def _has_rows(k: int) -> Callable[[_Context], bool]:
    return lambda ctx: any(len(s.present()) >= k for s in ctx.usable)


_FITS: dict[str, Callable[[_Context], bool]] = {
    "value_lookup": _has_rows(1),
    "maximum": _has_rows(2),
    "minimum": _has_rows(2),
    "difference": _has_rows(2),
    "sum": _has_rows(2),
    "average": _has_rows(2),
    "comparison": _has_rows(2),
    "trend": lambda ctx: ctx.time_order != 0 and _has_rows(2)(ctx),
    "count": _has_rows(3),
    "ratio": lambda ctx: any(sum(1 for v in s.values if v is not None and v > 0) >= 2 for s in ctx.usable),
}


def chart_view(spec, elements: dict) -> ChartView:
    """What the drawn chart shows (value labels, row labels, axis ticks) for `make_qa`."""
    table = spec.table
    values = {}
    for j, column in enumerate(table.series):
        for i, v in enumerate(table.values(j)):
            shown = _shown(v, column)
            if shown is not None:
                values[(j, i)] = shown
    return ChartView.from_render(spec, values, elements)


# helpers ---------------------------------------------------------------------------------------


def _shown(value: object, column: Column) -> Decimal | None:
    """A cell as the exact decimal the chart shows ("12.5%" -> 12.5)."""
    if value is None or isinstance(value, str):
        return None
    text = format_value(value, column).rstrip("%")  # type: ignore[arg-type]
    return Decimal(text)


def _quantize(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def _fmt(value: Decimal | None, column: Column, decimals: int | None = None) -> str:
    """Like format_value, on exact decimals (half-up rounding when decimals must be cut)."""
    assert value is not None
    places = column.decimals if decimals is None else decimals
    return _plain(_quantize(value, places)) + ("%" if column.percent else "")


def _same_unit_pairs(ctx: _Context) -> list[tuple[_Series, _Series]]:
    out = []
    for i, s in enumerate(ctx.usable):
        for t in ctx.usable[i + 1 :]:
            if s.column.unit == t.column.unit and s.column.percent == t.column.percent and s.name != t.name:
                out.append((s, t))
    return out


def _time_order(table: Table, labels: list[str]) -> int:
    """1 when rows run forward in time, -1 backward, 0 when the labels are not ordered times."""
    facts = table.facts or {}
    if table.label_column.kind != "label":
        return 0
    if facts.get("label_kind") in TIME_KINDS and facts.get("order") == "time":
        return 1
    found = time_keys(labels)
    if found is None:
        return 0
    keys = found[1]
    if all(a < b for a, b in zip(keys, keys[1:])):
        return 1
    if all(a > b for a, b in zip(keys, keys[1:])):
        return -1
    return 0


def _strip_unit(name: str) -> str:
    """'Revenue (USD bn)' -> 'Revenue'."""
    head = name.strip()
    if head.endswith(")") and "(" in head:
        head = head[: head.rfind("(")].strip()
    return head
