"""Figures for paper pages, drawn by the chart generator and the Matplotlib renderer.

A chart costs 40-80 ms to draw, more than a whole document may take, so each process draws a
fixed pool once, from a fixed seed (the same pool on every machine with the same versions), the
way `page_assets` paints its photos; papers pick from the pool with their own random stream.
Each entry is a PNG data: URI with a file-name-like identifier (`chart_bar_3`) for targets.
"""

from __future__ import annotations

import base64
import functools
import io
import logging

from factory.errors import Dropped

log = logging.getLogger(__name__)

POOL_SIZE = 12
POOL_SEED = 1501
# Chart types that read well at column width, and light themes that suit a printed page.
FIGURE_TYPES = ("bar", "grouped_bar", "line", "multi_line", "scatter", "area", "stacked_bar", "histogram")
FIGURE_THEMES = ("default", "classic", "bmh", "seaborn-v0_8-whitegrid", "seaborn-v0_8-ticks", "grayscale", "ggplot")


@functools.lru_cache(maxsize=1)
def figure_pool() -> tuple[dict, ...]:
    """POOL_SIZE chart pictures: {name, src, width, height, chart_type}; a pure function of versions."""
    from factory.generators.charts import ChartGenerator, ChartOptions
    from factory.seeding import rng_for
    from renderers.matplotlib_renderer import MatplotlibRenderer

    generator = ChartGenerator(ChartOptions(chart_types=list(FIGURE_TYPES), themes=list(FIGURE_THEMES),
                                            width_px=(480, 640), dpi=[100, 120], title_probability=0.0))
    renderer = MatplotlibRenderer({})
    pool = []
    attempt = 0
    while len(pool) < POOL_SIZE and attempt < POOL_SIZE * 4:
        seed = POOL_SEED + attempt
        attempt += 1
        spec = generator.sample(rng_for(seed), seed)
        try:
            render = renderer.render(spec)
        except Dropped as drop:  # an illegible chart is not a figure; take the next seed
            log.debug("figure pool: chart %d dropped (%s)", seed, drop.reason)
            continue
        buf = io.BytesIO()
        render.image.convert("RGB").save(buf, format="PNG", compress_level=6)
        pool.append({
            "name": f"chart_{spec.chart_type}_{len(pool) + 1}",
            "src": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
            "width": render.width,
            "height": render.height,
            "chart_type": spec.chart_type,
        })
    return tuple(pool)
