"""Per-figure caches that let Agg draw a figure's pixels with less repeated work.

Constrained layout measures every text twice before the figure draws it, and Matplotlib 3.11 lays
each text out (line metrics, rotation, alignment), looks its font up and reads two font tables
every time. All of that is a pure function of the text's properties while one figure is drawn
(its rcParams do not change), so `attach` gives the figure's renderer caches for it. The answers
are Matplotlib's own, computed once: the pixels are those of a plain draw, which
tests/test_charts.py checks on every chart type. Nothing changes for a renderer without them, so
the pyplot scripts of chart_to_code, run in the same process, draw as they would anywhere.

Each shortcut uses a private Matplotlib hook and is skipped when that hook is missing: another
Matplotlib draws the same figure, only slower.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib import font_manager, ft2font
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.text import Text

_LAYOUTS = "_render_factory_text_layouts"  # renderer attribute: text properties -> layout
_plain_get_layout = getattr(Text, "_get_layout", None)


def prop_key(prop: font_manager.FontProperties) -> tuple:
    """A FontProperties' state as a hashable key (its own hash is over the same values; the
    object itself is mutable, so it cannot be the key)."""
    return tuple(prop.__dict__.items())


def attach(renderer: Any) -> None:
    """Give this figure's renderer the caches; call before the figure is built or drawn."""
    fonts: dict[tuple, Any] = {}

    def find_fonts(prop):  # rcParams are fixed while one figure draws: a key ~4x cheaper than font_files'
        key = prop_key(prop)
        found = fonts.get(key)
        if found is None:
            found = fonts[key] = font_files(prop)
        return found

    heights = {}

    def font_height_metrics(prop):
        key = (prop_key(prop), renderer.dpi)
        found = heights.get(key)
        if found is None:
            found = heights[key] = _font_heights(find_fonts(prop), prop.get_size_in_points(), renderer.dpi)
        return found

    # Matplotlib asks the renderer first when it has this method (an AFM hook for PDF/PS).
    renderer._get_font_height_metrics = font_height_metrics
    if hasattr(renderer, "_prepare_font"):

        def prepare_font(prop):  # RendererAgg._prepare_font, with the font lookup remembered
            font = font_manager.get_font(find_fonts(prop))
            font.clear()
            font.set_size(prop.get_size_in_points(), renderer.dpi)
            return font

        renderer._prepare_font = prepare_font
    if _draws_glyphs_one_by_one(renderer):
        renderer.draw_text = functools.partial(_draw_text, renderer)
    if install():
        setattr(renderer, _LAYOUTS, {})


_FONT_FILES: dict[tuple, Any] = {}  # process-wide: font properties less size -> font files
_ALL_SCALABLE: dict[tuple, bool] = {}  # (font manager, font count) -> no bitmap-only fonts
_FAMILY_LISTS = ("font.serif", "font.sans-serif", "font.cursive", "font.fantasy", "font.monospace")


def font_files(prop: font_manager.FontProperties):
    """`FontManager._find_fonts_by_props(prop)`, remembered for the whole process whatever the size.

    Matplotlib caches a lookup by every property, size included, so each new font size of each
    chart scores all 412 installed fonts again (~3 ms a chart). The size only counts for
    fonts that are not scalable; when every installed font is, the answer depends on the
    family, style, variant, weight, stretch and file, and on the rcParams that expand generic
    families, which are all in the key.
    """
    manager = font_manager.fontManager
    fonts = (manager, len(manager.ttflist))
    scalable = _ALL_SCALABLE.get(fonts)
    if scalable is None:
        scalable = _ALL_SCALABLE[fonts] = all(entry.size == "scalable" for entry in manager.ttflist)
    state = tuple(item for item in prop.__dict__.items() if not (scalable and item[0] == "_size"))
    rc = tuple(tuple(matplotlib.rcParams[name]) for name in _FAMILY_LISTS)
    key = (fonts, state, rc)
    found = _FONT_FILES.get(key)
    if found is None:
        found = _FONT_FILES[key] = manager._find_fonts_by_props(prop)
    return found


def _font_heights(paths, size_pt: float, dpi: float) -> tuple[float | None, float | None, float | None]:
    """Ascent, descent and line gap in pixels, computed exactly as `Text._get_layout` does."""
    font = font_manager.get_font(paths)
    for name, gap, ascent, descent in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * size_pt * dpi / 72
        return table[ascent] * scale, -table[descent] * scale, table[gap] * scale
    return None, None, None  # Matplotlib then measures "lp" itself


def _draws_glyphs_one_by_one(renderer: Any) -> bool:
    """Whether `renderer` is a Matplotlib 3.11-style RendererAgg, which draws plain text glyph by
    glyph through `_draw_text_glyphs_and_boxes` (what `_draw_text` repeats)."""
    return (
        hasattr(renderer, "_draw_text_glyphs_and_boxes")
        and hasattr(renderer, "_renderer")
        and hasattr(ft2font, "RenderMode")
        and all(hasattr(ft2font.FT2Font, name) for name in ("_layout", "_set_transform", "_render_glyph"))
    )


def _draw_text(renderer, gc, x, y, s, prop, angle, ismath=False, mtext=None):
    """`RendererAgg.draw_text` for plain text, with the rotation matrix built once per text
    instead of once per glyph (Matplotlib builds it with numpy for every glyph; text drawing is
    ~15% faster). Every glyph gets the same FreeType calls with the same arguments: same pixels."""
    if ismath:
        return type(renderer).draw_text(renderer, gc, x, y, s, prop, angle, ismath, mtext)
    font = renderer._prepare_font(prop)
    flags = get_hinting_flag()
    items = font._layout(
        s,
        flags=flags,
        features=mtext.get_fontfeatures() if mtext is not None else None,
        language=mtext.get_language() if mtext is not None else None,
    )
    size = prop.get_size_in_points()
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)  # no slant, no stretch
    antialiased = gc.get_antialiased()
    mode = ft2font.RenderMode.NORMAL if antialiased else ft2font.RenderMode.MONO
    height = renderer.height
    for item in items:
        glyph_font = item.ft_object
        glyph_font.set_size(size, renderer.dpi)
        glyph_font._set_transform(
            matrix,
            [round(0x40 * (x + item.x * cos - item.y * sin)), round(0x40 * (height - y + item.x * sin + item.y * cos))],
        )
        bitmap = glyph_font._render_glyph(item.glyph_index, flags, mode)
        buffer = bitmap.buffer
        if not antialiased:
            buffer *= 0xFF
        renderer._renderer.draw_text_image(buffer, bitmap.left, int(height) - bitmap.top + buffer.shape[0], 0, gc)


def _get_layout(self: Text, renderer):
    """`Text._get_layout`, answered from the renderer's cache when it has one.

    The layout is relative to the text's anchor: it depends on the text, its font, rotation,
    alignment, line spacing and the figure's dpi, never on where the text stands. Wrapped text
    (wrapping depends on the position) and TeX are laid out every time.
    """
    cache = getattr(renderer, _LAYOUTS, None)
    if cache is None or self.get_wrap() or self.get_usetex():
        return _plain_get_layout(self, renderer)
    key = (
        self.get_text(),
        prop_key(self._fontproperties),
        self.get_rotation(),
        self.get_rotation_mode(),
        self.get_horizontalalignment(),
        self.get_verticalalignment(),
        self._get_multialignment(),
        self._linespacing,
        self.get_figure(root=True).dpi,
        self.get_parse_math(),
    )
    found = cache.get(key)
    if found is None:
        found = cache[key] = _plain_get_layout(self, renderer)
    bbox, lines, box = found
    return bbox.frozen(), list(lines), box  # callers get their own copies, as from Matplotlib


@contextmanager
def ticks_remembered(figure: Figure) -> Iterator[None]:
    """While the block runs (one draw), an axis asked for its ticks again in the state it was
    last asked in gets the ticks it has.

    `Axis._update_ticks` runs the locator and formatter and moves every tick; one constrained
    draw asks it some 20 times (each spine, each tick-label sibling, each layout pass) for about
    six different states. The state is the axes box, the view interval, the dpi and the number
    of ticks; locators, formatters and tick settings do not change during a draw.
    """
    axes = [axis for ax in figure.axes for axis in ax._axis_map.values()] if hasattr(Axis, "_update_ticks") else []
    for axis in axes:
        axis._update_ticks = _remembering_update_ticks(axis)
    try:
        yield
    finally:
        for axis in axes:
            del axis._update_ticks  # back to the class's method


def _remembering_update_ticks(axis: Axis):
    last: list = []  # [state, ticks, tick counts after the call]

    def update_ticks():
        ax = axis.axes
        state = (tuple(ax.bbox.bounds), tuple(axis.get_view_interval()), ax.get_figure(root=True).dpi)
        counts = (len(axis.majorTicks), len(axis.minorTicks))
        if last and last[0] == state and last[2] == counts:
            return list(last[1])
        ticks = type(axis)._update_ticks(axis)
        last[:] = [state, ticks, (len(axis.majorTicks), len(axis.minorTicks))]
        return list(ticks)

    return update_ticks


@functools.cache
def install() -> bool:
    """Route `Text._get_layout` through the cache (once per process); False if this Matplotlib
    has no such method. Renderers without the cache are untouched."""
    if _plain_get_layout is None:
        return False
    Text._get_layout = _get_layout
    return True
