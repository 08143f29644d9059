"""The per-figure caches answer exactly what Matplotlib computes, text by text, pixel by pixel."""

from __future__ import annotations

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from renderers import agg_caches

# Each variant differs from the first in one property the layout depends on.
VARIANTS = [
    {},
    {"rotation": 45},
    {"rotation": 90, "rotation_mode": "anchor"},
    {"ha": "right"},
    {"va": "top"},
    {"multialignment": "right"},
    {"linespacing": 2.0},
    {"fontsize": 17},
    {"fontweight": "bold"},
    {"family": "DejaVu Serif"},
    {"parse_math": False, "text": "$x^2$ a\nlonger line"},
    {"text": "$x^2$ a\nlonger line"},
    {"antialiased": False, "rotation": 30},
]


def _extents(cached: bool, dpi: float) -> list[tuple]:
    fig = Figure(figsize=(4, 3), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    if cached:
        agg_caches.attach(renderer)
    texts = []
    for i, variant in enumerate(VARIANTS):
        options = dict(variant)
        texts.append(fig.text(0.1 + 0.02 * i, 0.5, options.pop("text", "Ag 12\nx"), **options))
    out = []
    for _ in range(2):  # the second round is answered from the cache
        boxes = []
        for t in texts:
            bbox, lines, (corner, size) = t._get_layout(renderer)  # relative to the text's anchor
            boxes.append((tuple(bbox.bounds), repr(lines), repr((corner, size)), tuple(t.get_window_extent(renderer).bounds)))
        out.append(boxes)
    canvas.draw()
    return out + [canvas.buffer_rgba().tobytes()]


def test_layout_cache_tells_texts_apart():
    assert agg_caches.install()
    with matplotlib.rc_context():
        for dpi in (72, 133):
            cached, plain = _extents(True, dpi), _extents(False, dpi)
            assert cached[0] == plain[0]
            assert cached[1] == plain[1]
            assert cached[2] == plain[2]  # pixels
            assert len(set(cached[0])) == len(VARIANTS)  # every variant lays out differently


def test_remembered_ticks_follow_the_axes_box_view_and_tick_count():
    """Within a draw the axis is asked again only in an unchanged state; any change is recomputed."""
    fig = Figure(figsize=(8, 6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([0, 1000], [0, 1])
    asked = []

    def locs() -> list[float]:
        return [t.get_loc() for t in ax.xaxis._update_ticks()]

    with agg_caches.ticks_remembered(fig):
        asked.append(locs())
        ax.set_position([0.1, 0.1, 0.08, 0.8])  # a narrow axes gets fewer ticks (MaxNLocator 'auto')
        asked.append(locs())
        ax.set_xlim(0, 10)
        asked.append(locs())
        asked.append(locs())
    assert "_update_ticks" not in vars(ax.xaxis)  # the axis has its own method back
    assert len(asked[0]) > len(asked[1])
    assert max(asked[2]) <= 10 and asked[3] == asked[2]
    ax.set_position([0.1, 0.1, 0.8, 0.8])
    ax.set_xlim(0, 1000)
    assert locs() == asked[0]


def test_font_files_match_matplotlib_at_any_size_and_follow_generic_families():
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    manager = font_manager.fontManager
    with matplotlib.rc_context():
        for rc in (["DejaVu Sans", "Liberation Sans"], ["Liberation Sans", "DejaVu Sans"]):
            matplotlib.rcParams["font.sans-serif"] = rc
            for family in (["sans-serif"], ["DejaVu Serif"], ["Liberation Mono", "DejaVu Sans"]):
                for weight in ("normal", "bold"):
                    for size in (6.0, 9.5, 31.0):
                        prop = FontProperties(family=family, weight=weight, size=size)
                        assert agg_caches.font_files(prop) == manager._find_fonts_by_props(prop), (rc, family, weight, size)
        # the generic family's list decides: a key without the rcParams would answer the first list
        matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans"]
        first = agg_caches.font_files(FontProperties(family=["sans-serif"]))
        matplotlib.rcParams["font.sans-serif"] = ["Liberation Sans"]
        assert agg_caches.font_files(FontProperties(family=["sans-serif"])) != first
