"""Can a question about a chart be answered from its image, and how?

A question is a small program over the chart's cells (`Program`: the operation, the cells it
reads, the rows it names, the pairs whose order decides the answer). `reading(program, view)`
says how its answer can be read from what the image shows (`ChartView`):
- `printed`: the answer is a value label (or a tick) the chart prints;
- `computed`: worked out from printed values only;
- `estimate`: read off the value axis, each unprinted value to within a tenth of a tick step
  (pie slices: 2% of the whole); `tolerance` is the error that allows in the answer's units, and
  the question is asked only if it is within ChartQA's relaxed accuracy (5% of the answer) and
  every order the answer depends on is wider than the reading error;
- `counted`: counting marks or labels.
A question whose answer cannot be read that way, or that names a row label the image does not
print, gets None and is not asked. Nothing here depends on how the question is worded, so a
question grammar that records its program can reuse it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

RELAXED = Decimal("0.05")  # ChartQA's relaxed accuracy: a numeric answer within 5% counts
READ_FRACTION = 10  # a value read off the axis is within 1/READ_FRACTION of a tick step
PIE_READ = Decimal("0.02")  # a slice read by its angle: within 2% of the whole

Cell = tuple[int, int]  # (series, row)


@dataclass
class Program:
    """What a question computes: `op` over `cells`; `named` rows appear in the question or answer."""

    op: str  # lookup, extreme_value, extreme_label, difference, sum, average, comparison, trend, count_rows, count_threshold, ratio
    cells: list[Cell] = field(default_factory=list)
    named: list[int] = field(default_factory=list)
    answer: Decimal | None = None  # numeric answers
    orders: list[tuple[Cell, Cell]] = field(default_factory=list)  # pairs whose order decides the answer
    threshold: Decimal | None = None  # count_threshold

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "cells": [list(c) for c in self.cells], "named": list(self.named)}


@dataclass
class ChartView:
    """What a chart image shows that questions depend on."""

    values: dict[Cell, Decimal]  # every cell's value as the table holds it
    printed_cells: set[Cell]  # value labels drawn
    printed_rows: set[int]  # rows whose label the image prints (tick, legend, slice label)
    error: Decimal | None  # how far off a value read from the picture may be; None: not readable

    @classmethod
    def from_render(cls, spec: Any, values: dict[Cell, Decimal], elements: dict[str, Any]) -> "ChartView":
        style = spec.style
        hidden = {tuple(p) for p in style.get("hidden_values", ())}
        printed = {c for c in values if style.get("value_labels") and c not in hidden}
        kind = spec.chart_type
        labels = spec.table.labels()
        if kind in ("pie", "donut"):
            shown = {_plain(e["text"]) for key in ("pie_labels", "legend_texts") for e in elements.get(key, ())}
            total = sum((v for (s, _), v in values.items() if s == 0), Decimal(0))
            error = PIE_READ * total if total > 0 else None
        else:
            ticks = elements.get("y_tick_labels" if kind == "barh" else "x_tick_labels", ())
            shown = {_plain(e["text"]) for e in ticks}
            value_ticks = elements.get("x_tick_labels" if kind == "barh" else "y_tick_labels", ())
            step = None if elements.get("axis_offsets") else tick_step([e["text"] for e in value_ticks])
            error = step / READ_FRACTION if step else None
        if kind == "histogram":  # a bin "10-20" is named by the two edge ticks around it
            printed_rows = {i for i, t in enumerate(labels) if all(edge in shown for edge in _bin_edges(t))}
        else:
            printed_rows = {i for i, t in enumerate(labels) if _plain(t) in shown}
        return cls(values, printed & set(values), printed_rows, error)


def _plain(text: str) -> str:
    return " ".join(text.replace("\n", " ").split())


def _bin_edges(label: str) -> list[str]:
    match = re.match(r"^(-?[\d.]+)-(-?[\d.]+)$", label)
    return [match[1], match[2]] if match else [label]


_SUFFIX = {"k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9, "T": Decimal(10) ** 12}


def tick_number(text: str) -> Decimal | None:
    """A value-axis tick label as a number ("1,000", "−5", "2.5k", "10%"), or None."""
    t = text.strip().replace("\u2212", "-").replace(",", "").rstrip("%").strip()
    scale = Decimal(1)
    if t and t[-1] in _SUFFIX:
        t, scale = t[:-1].strip(), _SUFFIX[t[-1]]
    try:
        return Decimal(t) * scale
    except ArithmeticError:
        return None


def tick_step(texts: list[str]) -> Decimal | None:
    """The spacing of the value axis's tick labels, or None when they are not plain numbers."""
    numbers = sorted({n for n in map(tick_number, texts) if n is not None})
    if len(numbers) < 2 or len(numbers) < len(texts) - 1:
        return None
    gaps = [b - a for a, b in zip(numbers, numbers[1:])]
    return min(gaps)


def reading(program: Program, view: ChartView) -> dict[str, Any] | None:
    """How the answer of `program` can be read from the chart (see module docstring), or None."""
    if any(row not in view.printed_rows for row in program.named):
        return None
    if program.op == "count_rows":
        return {"how": "counted", "tolerance": 0}
    errors = {c: (Decimal(0) if c in view.printed_cells else view.error) for c in program.cells}
    if any(e is None for e in errors.values()):
        return None
    for a, b in program.orders:  # the answer rests on which of two values is larger
        if abs(view.values[a] - view.values[b]) <= errors[a] + errors[b]:
            return None
    if program.threshold is not None:
        if any(abs(view.values[c] - program.threshold) <= errors[c] for c in program.cells):
            return None
    total = sum(errors.values(), Decimal(0))
    exact = total == 0
    if program.answer is not None:
        tolerance = _tolerance(program, view, errors)
        if tolerance > RELAXED * abs(program.answer) or (program.answer == 0 and tolerance > 0):
            return None
    else:
        tolerance = Decimal(0)
    if exact:
        how = "printed" if program.op in ("lookup", "extreme_value") else "computed"
    else:
        how = "estimate"
    return {"how": how, "tolerance": float(tolerance)}


def _tolerance(program: Program, view: ChartView, errors: dict[Cell, Decimal]) -> Decimal:
    cells = program.cells
    if program.op in ("lookup", "extreme_value"):
        # an extreme's value is read off the extreme cell (the last one listed)
        return errors[cells[-1]]
    if program.op in ("difference", "sum"):
        return sum((errors[c] for c in cells), Decimal(0))
    if program.op == "average":
        return sum((errors[c] for c in cells), Decimal(0)) / len(cells)
    if program.op == "ratio":
        a, b = cells
        va, vb = abs(view.values[a]), abs(view.values[b])
        if va == 0 or vb == 0:
            return Decimal("Infinity")
        return (va / vb) * (errors[a] / va + errors[b] / vb)
    return Decimal(0)
