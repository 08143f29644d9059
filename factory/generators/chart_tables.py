"""Tables for the newer chart types: each table is exactly what its chart shows.

A box plot shows a five-number summary per category, so its table is that summary (Min, Q1,
Median, Q3, Max); a waterfall shows changes and a total, so its table holds the changes and a
last "Total" row; a candlestick shows open, high, low and close per period. Every value is
rounded to the decimals its column shows, like every generated table (faker_tables).

Most types start from a generated table (`TableSource`, the recipe's table options apply) and
reshape it; raw values a chart draws but does not label (a violin's samples) go into the
table's facts, from where the spec's style carries them to the drawing.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from factory.generators.table_request import TableRequest
from factory.tabular import Column, Table

_CATS = ("categories", "countries", "companies", "products", "cities")
_TIME = ("years", "quarters", "months", "dates")
FUNNEL_STAGES = (
    ("Visits", "Product views", "Add to cart", "Checkout", "Purchases"),
    ("Impressions", "Clicks", "Sign-ups", "Trials", "Subscriptions"),
    ("Applicants", "Screened", "Interviewed", "Offers", "Hires"),
    ("Leads", "Qualified leads", "Proposals", "Negotiations", "Deals won"),
)
BULLET_METRICS = (
    ("Revenue (USD k)", 300, 2), ("Profit (USD k)", 80, 2), ("Orders", 1200, 3), ("New customers", 400, 3),
    ("Satisfaction (score)", 5, 1), ("Units sold", 900, 3), ("Visits (k)", 60, 2),
)  # fmt: skip


def _round(values, decimals: int) -> list[float]:
    return [float(round(float(v), decimals)) + 0.0 for v in values]


def _base(gen, rng, seed, rows, series, kinds, values="positive", additive=False, numeric=False) -> Table:
    request = TableRequest(rows=rows, series=series, label_kinds=kinds, values=values, additive=additive,
                           numeric_labels=numeric)  # fmt: skip
    table = gen.tables.sample(rng, seed, request)
    kept = [r for r in table.rows if all(v is not None for v in r)]
    return dataclasses.replace(table, rows=kept) if len(kept) >= 2 else table


def _summary(gen, rng, seed, violin: bool) -> Table:
    base = _base(gen, rng, seed, (3, 6), (1, 1), _CATS)
    col = base.series[0]
    rows, samples = [], []
    for label, centre in ((r[0], r[1]) for r in base.rows):
        centre = float(centre) if centre else 1.0
        n = int(rng.integers(25, 80))
        raw = centre * rng.lognormal(0.0, float(rng.uniform(0.15, 0.45)), n)
        raw = np.array(_round(raw, col.decimals))
        q = np.percentile(raw, [0, 25, 50, 75, 100])
        rows.append([label, *_round(q, col.decimals)])
        samples.append([float(v) for v in raw])
    measure = col.name
    columns = [base.label_column] + [Column(n, unit=col.unit, decimals=col.decimals, percent=col.percent)
                                     for n in ("Min", "Q1", "Median", "Q3", "Max")]  # fmt: skip
    facts = {**base.facts, "measure": measure, "value_axis": measure, "series_kind": "statistics", "additive": False}
    if violin:
        facts["samples"] = samples
    title = base.title or ""
    if title:
        title = f"Distribution of {measure.split(' (')[0].lower()} by {base.label_column.name.lower()}"
    return Table(title, columns, rows, facts)


def box(gen, rng, seed) -> Table:
    return _summary(gen, rng, seed, violin=False)


def violin(gen, rng, seed) -> Table:
    return _summary(gen, rng, seed, violin=True)


def heatmap(gen, rng, seed) -> Table:
    return _base(gen, rng, seed, (3, 8), (3, 6), _TIME[:3] + _CATS)


def bubble(gen, rng, seed) -> Table:
    base = _base(gen, rng, seed, (4, 10), (1, 1), None, numeric=True)
    sizes = _round(rng.uniform(2, 60, len(base.rows)), 1)
    size_col = Column("Population (m)", unit="m", decimals=1)
    rows = [list(r[:2]) + [s] for r, s in zip(base.rows, sizes)]
    facts = {**base.facts, "size_measure": "Population (m)"}
    return Table(base.title, base.columns[:2] + [size_col], rows, facts)


def error_bars(gen, rng, seed) -> Table:
    base = _base(gen, rng, seed, (3, 8), (1, 1), _CATS + ("years", "quarters"))
    col = base.series[0]
    rows = []
    for r in base.rows:
        err = max(float(r[1]) * float(rng.uniform(0.05, 0.25)), 10.0 ** -col.decimals)
        rows.append([r[0], r[1], _round([err], col.decimals)[0]])
    err_col = Column("Error (±)", unit=col.unit, decimals=col.decimals, percent=col.percent)
    return Table(base.title, base.columns[:2] + [err_col], rows, {**base.facts, "error": "standard error"})


def combo(gen, rng, seed) -> Table:
    base = _base(gen, rng, seed, (4, 10), (1, 1), ("years", "quarters", "months"))
    col = base.series[0]
    values = [float(r[1]) for r in base.rows]
    growth = [0.0] + [(b - a) / a * 100 if a else 0.0 for a, b in zip(values, values[1:])]
    g_col = Column("Growth (%)", unit="%", decimals=1)
    rows = [[r[0], r[1], _round([g], 1)[0]] for r, g in zip(base.rows, growth)]
    facts = {**base.facts, "secondary_axis": g_col.name, "additive": False}
    return Table(base.title, [base.label_column, col, g_col], rows[1:] if len(rows) > 3 else rows, facts)


def waterfall(gen, rng, seed) -> Table:
    base = _base(gen, rng, seed, (3, 7), (1, 1), ("quarters", "months", "categories"), values="with_negatives")
    col = base.series[0]
    rows = [list(r[:2]) for r in base.rows]
    total = _round([sum(float(r[1]) for r in rows)], col.decimals)[0]
    rows.append(["Total", total])
    change = Column(f"Change ({col.unit})" if col.unit and not col.percent else "Change", unit=col.unit,
                    decimals=col.decimals, percent=col.percent)  # fmt: skip
    return Table(base.title, [base.label_column, change], rows, {**base.facts, "total_row": True, "additive": True})


def funnel(gen, rng, seed) -> Table:
    stages = FUNNEL_STAGES[int(rng.integers(len(FUNNEL_STAGES)))]
    n = int(rng.integers(3, len(stages) + 1))
    top = float(10 ** rng.uniform(3, 5))
    values = [top]
    for _ in range(n - 1):
        values.append(values[-1] * float(rng.uniform(0.25, 0.8)))
    rows = [[s, float(round(v))] for s, v in zip(stages, values)]
    title = "" if rng.random() < 0.1 else f"{('Sales', 'Marketing', 'Hiring', 'Conversion')[int(rng.integers(4))]} funnel"
    facts = {"source": "generated", "label_kind": "stages", "order": "listed", "measure": "Count",
             "series_kind": "single", "additive": False}  # fmt: skip
    return Table(title, [Column("Stage", kind="label"), Column("Count")], rows, facts)


def treemap(gen, rng, seed) -> Table:
    return _base(gen, rng, seed, (4, 10), (1, 1), ("categories", "countries", "companies", "products"), values="share")


def radar(gen, rng, seed) -> Table:
    base = _base(gen, rng, seed, (5, 8), (1, 3), ("categories", "products"), values="positive")
    return base


def candlestick(gen, rng, seed) -> Table:
    base = _base(gen, rng, seed, (6, 16), (1, 1), ("dates", "months"))
    col = base.series[0]
    d = col.decimals
    price = float(base.rows[0][1]) or 100.0
    rows = []
    for r in base.rows:
        o = price
        c = o * float(np.exp(rng.normal(0, 0.04)))
        hi = max(o, c) * float(1 + abs(rng.normal(0, 0.02)))
        lo = min(o, c) * float(1 - abs(rng.normal(0, 0.02)))
        o, hi, lo, c = _round([o, hi, lo, c], d)
        hi, lo = max(hi, o, c), min(lo, o, c)
        rows.append([r[0], o, hi, lo, c])
        price = c
    unit = col.unit if col.unit and col.unit != "%" else "USD"
    columns = [base.label_column] + [Column(n, unit=unit, decimals=d) for n in ("Open", "High", "Low", "Close")]
    title = "" if not base.title else f"Share price ({unit})"
    facts = {**base.facts, "measure": "Share price", "series_kind": "ohlc", "additive": False}
    return Table(title, columns, rows, facts)


def step_line(gen, rng, seed) -> Table:
    return _base(gen, rng, seed, (5, 16), (1, 3), _TIME, values="any")


def lollipop(gen, rng, seed) -> Table:
    return _base(gen, rng, seed, (3, 12), (1, 1), _CATS)


def dot_plot(gen, rng, seed) -> Table:
    return _base(gen, rng, seed, (3, 10), (1, 3), _CATS)


def dumbbell(gen, rng, seed) -> Table:
    return _base(gen, rng, seed, (3, 9), (2, 2), _CATS)


def slope(gen, rng, seed) -> Table:
    return _base(gen, rng, seed, (3, 7), (2, 2), _CATS)


def stacked_bar_100(gen, rng, seed) -> Table:
    base = _base(gen, rng, seed, (3, 8), (2, 4), _CATS + ("years", "quarters"), additive=True)
    rows = []
    for r in base.rows:
        parts = [float(v) for v in r[1:]]
        total = sum(parts) or 1.0
        shares = _largest_remainder([p / total for p in parts], 1000)
        rows.append([r[0], *[s / 10 for s in shares]])
    columns = [base.label_column] + [Column(c.name.split(" (")[0], unit="%", decimals=1, percent=True) for c in base.series]
    title = f"{base.title.split(' (')[0]} (share of total)" if base.title else ""
    return Table(title, columns, rows, {**base.facts, "share": "percent_of_row", "unit": "%"})


def rose(gen, rng, seed) -> Table:
    return _base(gen, rng, seed, (5, 12), (1, 1), ("months", "categories"))


def small_multiples(gen, rng, seed) -> Table:
    return _base(gen, rng, seed, (5, 12), (2, 4), _TIME, values="any")


def bullet(gen, rng, seed) -> Table:
    n = int(rng.integers(2, 5))
    picks = rng.choice(len(BULLET_METRICS), size=n, replace=False)
    rows = []
    for i in sorted(int(p) for p in picks):
        name, scale, _ = BULLET_METRICS[i]
        target = float(scale) * float(rng.uniform(0.6, 1.4))
        actual = target * float(rng.uniform(0.55, 1.2))
        d = 1 if scale < 10 else 0
        rows.append([name, *_round([actual, target], d)])
    d = max(1 if BULLET_METRICS[int(p)][1] < 10 else 0 for p in picks)
    columns = [Column("Metric", kind="label"), Column("Actual", decimals=d), Column("Target", decimals=d)]
    title = "" if rng.random() < 0.1 else f"Performance against target, Q{int(rng.integers(1, 5))} {int(rng.integers(2015, 2026))}"
    facts = {"source": "generated", "label_kind": "metrics", "order": "listed", "series_kind": "siblings",
             "measure": "Value", "additive": False}  # fmt: skip
    return Table(title, columns, rows, facts)


def _largest_remainder(weights: list[float], total: int) -> list[int]:
    exact = [w / (sum(weights) or 1.0) * total for w in weights]
    base = [math.floor(e) for e in exact]
    order = sorted(range(len(exact)), key=lambda i: -(exact[i] - base[i]))
    for i in order[: total - sum(base)]:
        base[i] += 1
    return base


BUILDERS: dict[str, Callable] = {
    "box": box, "violin": violin, "heatmap": heatmap, "bubble": bubble, "error_bars": error_bars, "combo": combo,
    "waterfall": waterfall, "funnel": funnel, "treemap": treemap, "radar": radar, "candlestick": candlestick,
    "step_line": step_line, "lollipop": lollipop, "dot_plot": dot_plot, "dumbbell": dumbbell, "slope": slope,
    "stacked_bar_100": stacked_bar_100, "rose": rose, "small_multiples": small_multiples, "bullet": bullet,
}  # fmt: skip
