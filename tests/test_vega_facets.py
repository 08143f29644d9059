"""Vega-Lite small multiples are sized by drawing, measuring and redrawing: the generator's first
guess of the cells should mostly fit, since each vl-convert draw is most of a chart's cost."""

from __future__ import annotations

from factory.errors import Dropped
from factory.generators.charts import ChartGenerator, ChartOptions
from factory.seeding import rng_for


def test_most_facets_fit_their_size_in_one_draw():
    from renderers.vega_renderer import VegaLiteRenderer

    renderer = VegaLiteRenderer()
    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=["small_multiples"]))
    draws = []
    for seed in range(16):
        try:
            draws.append(renderer.render(gen.sample(rng_for(seed), seed)).facts["quality"]["draws"])
        except Dropped:
            continue
    # the old guess (60 px of axes across a cell, 90 down) fitted one of these 16 in one draw; this one 12
    assert len(draws) >= 14
    assert sum(d == 1 for d in draws) >= len(draws) / 2, draws
