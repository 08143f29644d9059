"""WCAG contrast for chart text colours: measure a pair, or move a colour until it reads.

Engines' own looks (Plotly templates, Vega themes, Matplotlib style sheets) sometimes write text
in greys that do not reach 4.5:1 on their own background (Vega's fivethirtyeight: #999 on
#f0f0f0, 2.6:1). Such a colour keeps its hue and moves in lightness until it reaches the ratio
(`readable`), so the theme still looks like itself; furniture colours (reference lines, notes,
brand marks, callouts) are chosen the same way against the background they sit on.
"""

from __future__ import annotations

import colorsys
import functools
import re

RGB = tuple[float, float, float]
TEXT_RATIO = 4.5  # WCAG AA, normal text
LARGE_RATIO = 3.0  # WCAG AA, large text: 24 px and up, or 18.66 px and up in bold
SAFE_RATIO = 4.6  # what chosen colours aim at: a little above the line, for antialiasing
# What small grey and accent texts (notes, subtitles, reference labels, theme greys) aim at: WCAG
# AAA (7:1) rather than 4.5:1. Small text is drawn with strokes under a pixel wide, so no pixel of a
# glyph reaches its nominal colour: greys at 4.6-5.3:1 were drawn at 3.5-4.5:1 (Vega-Lite's resvg,
# and Matplotlib's and Chromium's notes: 19 of the charts recipe's 41 low-contrast texts in the audit).
# At 7:1 their glyph cores read 4.5:1 and above; a drawn-contrast check catches what is still below
# (`renderers.glyph_contrast.drawn_contrast`, used by every engine's renderer).
TEXT_AIM = 7.0
# Under 12 px even 7:1 is short where strokes are thinnest: in 300 Vega-Lite charts (resvg), of 1,563
# axis, legend and note texts under 12 px whose colours read 7-10:1, 49 drew below 4.5:1 (Liberation
# Serif and Liberation Sans Narrow above all) and each took a redraw in plain ink (9 of 150 charts);
# of 2,748 under 13 px at 10:1 and above, none did. Under 10 px Liberation Serif drew at 3.5-4.3:1
# at 10:1 and 4.47:1 at 15:1 in some themes: there the aim is plain ink (21:1: black, or white on
# dark grounds, `readable`'s end).
SMALL_TEXT_AIMS = ((10.0, 21.0), (12.0, 10.0))  # (under this many px, aim at this ratio), smallest first
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)")


def text_aim(px: float) -> float:
    """The contrast a text drawn at `px` pixels aims at: TEXT_AIM, more under 12 px (SMALL_TEXT_AIMS)."""
    return next((aim for below, aim in SMALL_TEXT_AIMS if px < below), TEXT_AIM)


@functools.lru_cache(maxsize=1024)
def to_rgb(colour: str) -> RGB:
    """#rgb, #rrggbb, rgb(...)/rgba(...) or a CSS/Matplotlib name as 0-255 floats."""
    c = colour.strip().lower()
    if c.startswith("#"):
        h = c[1:]
        if len(h) in (3, 4):
            h = "".join(ch * 2 for ch in h[:3])
        return (float(int(h[0:2], 16)), float(int(h[2:4], 16)), float(int(h[4:6], 16)))
    if c.startswith("rgb"):
        n = [float(v) for v in _NUMBER.findall(c)]
        return (n[0], n[1], n[2])
    from matplotlib.colors import to_rgb as mpl_rgb

    return tuple(round(v * 255, 3) for v in mpl_rgb(c))  # type: ignore[return-value]


def to_hex(rgb: RGB) -> str:
    return "#" + "".join(f"{max(0, min(255, round(v))):02x}" for v in rgb)


def _linear(v: float) -> float:
    v = v / 255.0
    return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    r, g, b = rgb
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(a: RGB | str, b: RGB | str) -> float:
    la = luminance(to_rgb(a) if isinstance(a, str) else a)
    lb = luminance(to_rgb(b) if isinstance(b, str) else b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def blend(fg: RGB, bg: RGB, alpha: float) -> RGB:
    return tuple(alpha * f + (1 - alpha) * b for f, b in zip(fg, bg))  # type: ignore[return-value]


def needed_ratio(size_px: float, bold: bool) -> float:
    large = size_px >= 24.0 or (bold and size_px >= 18.66)
    return LARGE_RATIO if large else TEXT_RATIO


@functools.lru_cache(maxsize=1024)
def readable(colour: str, backgrounds: tuple[str, ...], ratio: float = SAFE_RATIO) -> str:
    """`colour` if it reaches `ratio` on every background, else the nearest lightness of its hue
    that does (darker on light backgrounds, lighter on dark ones), as #rrggbb."""
    rgb = to_rgb(colour)
    if all(contrast(rgb, to_rgb(b)) >= ratio for b in backgrounds):
        return colour
    h, l, s = colorsys.rgb_to_hls(*(v / 255 for v in rgb))
    dark_bg = sum(luminance(to_rgb(b)) for b in backgrounds) / len(backgrounds) < 0.18
    for step in range(1, 101):
        ll = min(1.0, l + step / 100) if dark_bg else max(0.0, l - step / 100)
        cand = tuple(v * 255 for v in colorsys.hls_to_rgb(h, ll, s))
        if all(contrast(cand, to_rgb(b)) >= ratio for b in backgrounds):  # type: ignore[arg-type]
            return to_hex(cand)  # type: ignore[arg-type]
    return "#ffffff" if dark_bg else "#000000"


def ink_for(background: str) -> str:
    """Black or white, whichever reads better on `background`: one of them always reaches 4.58:1."""
    return "#000000" if contrast("#000000", background) >= contrast("#ffffff", background) else "#ffffff"
