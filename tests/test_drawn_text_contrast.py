"""Issue 13: every text a Plotly or Matplotlib chart claims reads at WCAG contrast in its pixels, as
the audit measures it (`crop_contrast`: the glyph cores against the crop's most common colour), and
no value label is drawn shrunk to a few pixels.

Before: notes and reference labels were grey or red at 4.6:1 by colour and drawn at 3.7-4.5:1
(small text never reaches its colour); white labels on mid-coloured slices and segments drew at
3.2-4.5:1; plotly.js shrank a label too big for its stacked segment to 3-6 px (a "0.4" drawn as a
dot) while the targets still claimed it. Now small grey and accent texts aim at 7:1, the renderer
reads the contrast glyphs are drawn at, and a value label drawn too faint or shrunk is hidden on
its own (`hidden_values`: neither the image nor the targets claim it). Matplotlib: notes and
subtitles at 4.6-5.3:1 drew at 4.4-4.5:1, white labels on slices and segments at 4.0-4.5:1; the
same 7:1 aim, and a label on its mark drawn below its ratio is left out as one that spills off.
Real Chromium and Agg renders.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from factory import images
from factory.errors import Dropped
from factory.generators.charts import ChartGenerator, ChartOptions
from factory.seeding import rng_for
from factory.tools.audit import crop_contrast
from factory.tools.audit.pixels import LOW_CONTRAST

pytestmark = pytest.mark.slow

# Plotly seeds that drew such texts before: stacked_bar 11 (a note at 3.84:1), 12 (a label at 4.49:1),
# 13 (a label shrunk to 5 px, another at 3.24:1); pie 15 and 18 (labels at 4.46 and 4.07:1),
# 17 and 18 (notes at 3.99 and 3.74:1).
CASES = [("stacked_bar", 11), ("stacked_bar", 12), ("stacked_bar", 13), ("pie", 15), ("pie", 17), ("pie", 18)]
# Matplotlib: stacked_bar 10 (a note at 4.48:1), 11 (a subtitle at 4.37:1), 14 and 21 (labels at
# 4.02-4.46:1); pie 3, 8 and 15 (labels at 3.92-4.35:1); line 8 (a reference label at 4.20:1).
MATPLOTLIB_CASES = [("stacked_bar", 10), ("stacked_bar", 11), ("stacked_bar", 14), ("stacked_bar", 21), ("pie", 3), ("pie", 8), ("pie", 15), ("line", 8)]


@pytest.fixture(scope="module")
def renderer():
    from renderers.plotly_renderer import PlotlyRenderer

    r = PlotlyRenderer()
    yield r
    r.close()


def _unreadable(render, pixels: np.ndarray) -> tuple[list, list]:
    """(texts under 30 px read below 4.5:1, value labels drawn under 0.7 of their font size)."""
    style = render.source.style
    value_px = style["font_px"] * style.get("value_scale", 1.0)
    low, shrunk = [], []
    for kind, entries in render.facts["elements"].items():
        if kind in ("plot_area", "legends"):
            continue
        for entry in entries:
            x0, y0, x1, y1 = entry["box"]
            crop = pixels[max(0, int(y0)) : int(math.ceil(y1)), max(0, int(x0)) : int(math.ceil(x1))]
            ratio = crop_contrast(crop.reshape(-1, 3))[0]
            if y1 - y0 < 30 and ratio < LOW_CONTRAST[0]:
                low.append((kind, entry["text"], round(ratio, 2)))
            if kind == "value_labels" and y1 - y0 < 0.7 * value_px:
                shrunk.append((entry["text"], round(y1 - y0, 1)))
    return low, shrunk


def _render(renderer, engine: str, chart_type: str, seed: int):
    gen = ChartGenerator(ChartOptions(engines={engine: 1}, chart_types=[chart_type], value_label_probability=1.0))
    spec = gen.sample(rng_for(seed), seed)
    try:
        return spec, renderer.render(spec)
    except Dropped as drop:
        pytest.fail(f"dropped: {drop}")


@pytest.mark.parametrize("chart_type, seed", CASES)
def test_plotly_texts_read_at_their_contrast_and_size(renderer, tmp_path, chart_type, seed):
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file

    spec, render = _render(renderer, "plotly", chart_type, seed)
    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    low, shrunk = _unreadable(render, pixels)
    assert low == [] and shrunk == [], (low, shrunk, render.source.repairs)
    if spec.style["value_labels"]:
        assert render.facts["elements"].get("value_labels"), "the chart keeps value labels: only the unreadable ones go"
    # the hidden labels are the code's too: chart_to_code redraws the very image
    script = tmp_path / "chart.py"
    script.write_text(chart_code(render.source), encoding="utf-8")
    again = np.asarray(images.decode(render_file(script, renderer=renderer)).convert("RGB"))
    assert np.array_equal(again, pixels)


@pytest.mark.parametrize("chart_type, seed", MATPLOTLIB_CASES)
def test_matplotlib_texts_read_at_their_contrast(chart_type, seed):
    from renderers.matplotlib_renderer import MatplotlibRenderer

    spec, render = _render(MatplotlibRenderer({}), "matplotlib", chart_type, seed)
    low, _ = _unreadable(render, np.asarray(render.image.convert("RGB")))
    assert low == [], (low, render.source.repairs)
    if spec.style["value_labels"] and chart_type != "line":
        assert render.facts["elements"].get("value_labels"), "only the unreadable labels go"


# Matplotlib theme text (ticks, axis labels): Solarize_Light2's #657b83 (3.6:1) was moved only to
# 5.5:1, and its tick labels then drew at 3.9-4.4:1 (seeds 17, 31 and 68 of 80; 60 a "−2" at 4.3:1);
# ggplot's #555 ticks (5.9:1) were left as they were. Both now aim at 7:1, as Plotly's and Vega-Lite's.
SOLARIZED_CASES = [("scatter", 17), ("scatter", 31), ("line", 60), ("bar", 68)]


@pytest.mark.parametrize("chart_type, seed", SOLARIZED_CASES)
def test_matplotlib_theme_tick_labels_read_at_their_contrast(chart_type, seed):
    from renderers.matplotlib_renderer import MatplotlibRenderer

    gen = ChartGenerator(ChartOptions(engines={"matplotlib": 1}, themes=["Solarize_Light2"], chart_types=[chart_type]))
    render = MatplotlibRenderer({}).render(gen.sample(rng_for(seed), seed))
    low, _ = _unreadable(render, np.asarray(render.image.convert("RGB")))
    assert low == [], low


def test_matplotlib_theme_text_colours_aim_at_seven_to_one():
    import matplotlib
    import matplotlib.style

    from factory.chart_code.matplotlib_code import TEXT_COLOR_KEYS, rc_params
    from factory.chart_code.colours import TEXT_AIM, contrast
    from factory.generators.charts import THEMES

    gen = ChartGenerator(ChartOptions(engines={"matplotlib": 1}, themes=list(THEMES), chart_types=["bar", "line"]))
    seen = set()
    for seed in range(120):
        spec = gen.sample(rng_for(seed), seed)
        rc = rc_params(spec)
        theme = dict(matplotlib.rcParamsDefault)
        if spec.style["theme"] != "default":
            theme.update(matplotlib.style.library[spec.style["theme"]])
        backgrounds = [matplotlib.colors.to_hex(rc.get(k, theme[k])) for k in ("figure.facecolor", "axes.facecolor")]
        for key in TEXT_COLOR_KEYS:
            colour = matplotlib.colors.to_hex(rc.get(key, theme[key]))
            assert min(contrast(colour, b) for b in backgrounds) >= TEXT_AIM, (spec.style["theme"], key, colour, backgrounds)
        seen.add(spec.style["theme"])
    assert {"ggplot", "Solarize_Light2"} <= seen
