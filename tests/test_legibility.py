"""Kept charts are legible: no two texts overlap and no text leaves the canvas.

The check here walks the drawn figure itself (every visible Text, tick labels only where their
tick is drawn) and measures rotated text as rotated rectangles; it shares no code with the
renderer's own checks, so a bug there cannot hide a bug here.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from matplotlib.text import Text

from factory.errors import Dropped
from factory.generators.charts import CHART_TYPES, ChartGenerator, ChartOptions
from factory.seeding import rng_for
from factory.tabular import Column, Table
from renderers.matplotlib_renderer import MatplotlibRenderer

TOLERANCE_PX = 1.0  # texts may touch by a pixel (their boxes include line gaps)
CHARTS = 200


def _drawn_tick_labels(fig) -> dict[int, bool]:
    """id(label) -> whether its tick is drawn: a current locator position inside the view."""
    shown: dict[int, bool] = {}
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            locs = list(axis.get_majorticklocs())
            lo, hi = sorted(axis.get_view_interval())
            eps = 1e-9 * max(hi - lo, 1e-12)
            for i, tick in enumerate(axis.majorTicks):
                current = i < len(locs) and tick.get_loc() == locs[i] and lo - eps <= locs[i] <= hi + eps
                for label in (tick.label1, tick.label2):
                    shown[id(label)] = current
            for tick in axis.minorTicks:
                for label in (tick.label1, tick.label2):
                    shown.setdefault(id(label), False)
    return shown


def _legend_of(fig) -> dict[int, int]:
    owner = {}
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    for n, legend in enumerate(legends):
        for text in legend.get_texts():
            owner[id(text)] = n
    return owner


def visible_texts(drawn) -> list[dict]:
    """Every text the figure shows: its corners in display pixels (a rotated text's real outline)."""
    fig, renderer = drawn.figure, drawn.renderer
    ticks = _drawn_tick_labels(fig)
    owner = _legend_of(fig)
    out = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or not ticks.get(id(text), True):
            continue
        box = text.get_window_extent(renderer)
        if not all(map(math.isfinite, (box.x0, box.y0, box.x1, box.y1))):
            continue
        # the unrotated size, measured on a probe with the same font: the rotated box keeps its centre
        probe = Text(0, 0, text.get_text(), fontproperties=text.get_fontproperties(), linespacing=text.get_linespacing())
        probe.set_figure(fig)
        flat = probe.get_window_extent(renderer)
        w, h = flat.width - 2 * TOLERANCE_PX, flat.height - 2 * TOLERANCE_PX
        angle = math.radians(text.get_rotation())
        c, s = math.cos(angle), math.sin(angle)
        centre = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
        half = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
        corners = centre + half @ np.array([[c, s], [-s, c]])
        is_tick = id(text) in ticks
        out.append({"text": text.get_text(), "aabb": (box.x0, box.y0, box.x1, box.y1), "corners": corners,
                    "tick": is_tick, "legend": owner.get(id(text), -1)})  # fmt: skip
    return out


def _apart(a: np.ndarray, b: np.ndarray) -> bool:
    for poly in (a, b):
        for i in range(len(poly)):
            edge = poly[(i + 1) % len(poly)] - poly[i]
            axis = np.array([-edge[1], edge[0]])
            pa, pb = a @ axis, b @ axis
            if pa.max() <= pb.min() or pb.max() <= pa.min():
                return True
    return False


def legibility_faults(drawn) -> list[str]:
    texts = visible_texts(drawn)
    width, height = drawn.canvas.get_width_height()
    faults = []
    for t in texts:
        x0, y0, x1, y1 = t["aabb"]
        if x0 < -0.5 or y0 < -0.5 or x1 > width + 0.5 or y1 > height + 0.5:
            faults.append(f"clipped: {t['text']!r}")
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if a["legend"] >= 0 and a["legend"] == b["legend"]:
                continue
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a["aabb"], b["aabb"]
            if min(ax1, bx1) - max(ax0, bx0) <= 0 or min(ay1, by1) - max(ay0, by0) <= 0:
                continue  # outlines lie inside these boxes: far apart
            if not _apart(a["corners"], b["corners"]):
                kind = "tick labels" if a["tick"] and b["tick"] else "texts"
                faults.append(f"{kind} overlap: {a['text']!r} / {b['text']!r}")
    return faults


@pytest.mark.slow
def test_kept_charts_are_legible():
    gen = ChartGenerator(ChartOptions())
    renderer = MatplotlibRenderer()
    kept, dropped, repaired, types = 0, Counter(), 0, Counter()
    for seed in range(CHARTS):
        spec = gen.sample(rng_for(seed), seed)
        try:
            result = renderer.draw_legible(spec, inspect=legibility_faults)
        except Dropped as drop:
            dropped[drop.reason] += 1
            continue
        assert result.inspected == [], f"seed {seed} {spec.chart_type} repairs {result.spec.repairs}: {result.inspected[:5]}"
        kept += 1
        types[spec.chart_type] += 1
        repaired += bool(result.spec.repairs)
    assert set(types) == set(CHART_TYPES)
    assert sum(dropped.values()) <= 0.05 * CHARTS, dropped
    assert repaired >= 1  # the check also covered charts the renderer had to fix


def _hostile(chart_type: str, seed: int, rows: int, name: str) -> object:
    gen = ChartGenerator(ChartOptions(chart_types=[chart_type]))
    spec = gen.sample(rng_for(seed), seed)
    names = [name.format(i) for i in range(rows)]
    series = [Column(f"A very long series name that keeps going, number {j}", decimals=1) for j in range(len(spec.table.series))]
    rows = [[names[i]] + [float(10 + (i * 7 + j * 3) % 23) for j in range(len(series))] for i in range(rows)]
    title = "An extremely long title that would never fit on one line of a small chart at this size"
    spec.table = Table(title, [Column("Division", kind="label"), *series], rows, {"label_kind": "companies"})
    spec.style["value_labels"] = chart_type not in ("scatter", "stacked_area")
    spec.style["x_rotation"] = 0
    return spec


HUGE = (40, "International Consolidated Holdings Division {} of the Northern Territories")
LONG = (18, "Consolidated Holdings Division {}")


CASES = [pytest.param(t, HUGE, id=f"40_rows_very_long-{t}") for t in ("bar", "barh", "grouped_bar", "multi_line", "pie")]
CASES += [pytest.param(t, LONG, id=f"18_rows_long-{t}", marks=pytest.mark.slow) for t in ("bar", "barh", "pie")]


@pytest.mark.parametrize("chart_type,size", CASES)
def test_hostile_table_is_repaired_or_dropped_never_kept_illegible(chart_type, size):
    renderer = MatplotlibRenderer()
    spec = _hostile(chart_type, 3, *size)
    try:
        result = renderer.draw_legible(spec, inspect=legibility_faults)
    except Dropped as drop:
        assert drop.reason in {"text_overlap", "text_clipped", "plot_too_small", "legend_hides_data"}
        assert drop.detail
        return
    assert result.inspected == []  # kept only because it is legible (repaired or not)


def test_crowded_labels_are_repaired_and_kept():
    """Twelve longish labels on a narrow chart: rotated (or otherwise fixed), kept, legible."""
    gen = ChartGenerator(ChartOptions(chart_types=["bar"], width_px=(480, 480)))
    spec = gen.sample(rng_for(8), 8)
    spec.table = Table("Sales by company", [Column("Company", kind="label"), Column("Sales", decimals=1)],
                       [[f"Company number {i}", float(i + 1)] for i in range(12)], {"label_kind": "companies"})  # fmt: skip
    spec.style["x_rotation"] = 0
    spec.style["value_labels"] = False
    result = MatplotlibRenderer().draw_legible(spec, inspect=legibility_faults)
    assert result.inspected == []
    assert any(r.startswith(("rotate_x_labels", "wrap_labels", "smaller_font")) for r in result.spec.repairs)
    assert spec.repairs == []  # the caller's spec is left as it was; the drawn one carries the repairs
