"""Figures for paper pages, drawn by the chart generator and the Matplotlib renderer.

A chart costs 40-80 ms to draw, more than a whole document may take, so the figures form a fixed
pool, each a pure function of its index (the same pool on every machine with the same versions),
the way `page_assets` paints its photos: papers pick an index with their own random stream, and
a process draws each figure the first time it is picked, then keeps it.
Each entry is a PNG data: URI with a file-name-like identifier (`chart_bar_3`) for targets.
"""

from __future__ import annotations

import base64
import functools
import io
import logging

from factory.errors import Dropped

log = logging.getLogger(__name__)

POOL_SIZE = 32
POOL_SEED = 1501
SEEDS_PER_FIGURE = 100  # figure i is the first legible chart among seeds POOL_SEED + 100 i + k
# Chart types that read well at column width, and light themes that suit a printed page.
FIGURE_TYPES = ("bar", "grouped_bar", "line", "multi_line", "scatter", "area", "stacked_bar", "histogram")
FIGURE_THEMES = ("default", "classic", "bmh", "seaborn-v0_8-whitegrid", "seaborn-v0_8-ticks", "grayscale", "ggplot")


@functools.lru_cache(maxsize=1)
def _drawing_tools():
    from factory.generators.charts import ChartGenerator, ChartOptions
    from renderers.matplotlib_renderer import MatplotlibRenderer

    generator = ChartGenerator(ChartOptions(chart_types=list(FIGURE_TYPES), themes=list(FIGURE_THEMES),
                                            width_px=(480, 640), dpi=[100, 120], title_probability=0.0))
    return generator, MatplotlibRenderer({})


@functools.lru_cache(maxsize=None)
def figure(index: int) -> dict:
    """Figure `index` of the pool: {name, src, width, height, chart_type}; a pure function of
    the index (and installed versions), drawn the first time a paper asks for it."""
    from factory.seeding import rng_for

    if not 0 <= index < POOL_SIZE:
        raise IndexError(f"figure {index} is not in the pool of {POOL_SIZE}")
    generator, renderer = _drawing_tools()
    for k in range(SEEDS_PER_FIGURE):
        seed = POOL_SEED + SEEDS_PER_FIGURE * index + k
        spec = generator.sample(rng_for(seed), seed)
        try:
            render = renderer.render(spec)
        except Dropped as drop:  # an illegible chart is not a figure; take the next seed
            log.debug("figure %d: chart seed %d dropped (%s)", index, seed, drop.reason)
            continue
        buf = io.BytesIO()
        render.image.convert("RGB").save(buf, format="PNG", compress_level=6)
        return {
            "name": f"chart_{spec.chart_type}_{index + 1}",
            "src": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
            "width": render.width,
            "height": render.height,
            "chart_type": spec.chart_type,
        }
    raise RuntimeError(f"no legible chart among {SEEDS_PER_FIGURE} seeds for figure {index}")
