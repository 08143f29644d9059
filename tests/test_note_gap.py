"""A chart's note (and a bottom brand mark) goes under the x axis block at a guessed depth
(`engine_specs.note_gap_guess`); a short guess costs a measured redraw. The guess counts the bottom
axis's own title (the value axis's, `y_label`, where bars lie along x) with its standoff: of these
24 Plotly charts with a footer, 6 were redrawn for it (2 now); over 400 Plotly charts 20 -> 12, over
200 Vega-Lite charts 5 -> 0."""

from __future__ import annotations

import pytest

from factory.errors import Dropped
from factory.generators.charts import ChartGenerator, ChartOptions
from factory.seeding import rng_for

pytestmark = pytest.mark.slow


def test_most_footers_clear_the_x_axis_block_at_the_first_guess(monkeypatch):
    from renderers import plotly_renderer

    placed = []
    place = plotly_renderer._place_note

    def counting(spec, measured):
        moved = place(spec, measured)
        placed.append(moved)
        return moved

    monkeypatch.setattr(plotly_renderer, "_place_note", counting)
    gen = ChartGenerator(ChartOptions(engines={"plotly": 1}, chart_types=["dot_plot", "dumbbell", "step_line", "multi_line", "histogram"]))
    renderer = plotly_renderer.PlotlyRenderer()
    footers = 0
    try:
        for seed in range(60):
            spec = gen.sample(rng_for(seed), seed)
            footers += bool(spec.style.get("note") or spec.style.get("logo", "none").startswith("bottom"))
            try:
                renderer.render(spec)
            except Dropped:
                continue
    finally:
        renderer.close()
    assert footers == 24
    assert sum(placed) <= 3
