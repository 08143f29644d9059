"""The name a person would give a drawn colour, and which of a chart's colours can be named at all.

Names come from the XKCD colour survey (`matplotlib.colors.XKCD_COLORS`: 954 names people gave
to RGB colours), restricted to the everyday ones people use when they ask about a chart ("the blue
bars", "the light green line"). A colour's name is the vocabulary entry nearest to it in CIELAB
(ΔE 1976). A chart colour is named only when the name is unambiguous: no other colour drawn in the
chart (other series, the backgrounds) has the same nearest name, and the colour is clearly nearer
that name than any other (`MARGIN`), so a reader of the pixels would call it the same.
"""

from __future__ import annotations

import functools
import math

# everyday colour words that the XKCD survey names (each looked up as "xkcd:<name>")
VOCABULARY: tuple[str, ...] = (
    "blue", "light blue", "dark blue", "navy", "sky blue", "royal blue", "teal", "turquoise", "cyan",
    "green", "light green", "dark green", "olive", "lime green", "forest green", "sea green",
    "yellow", "mustard", "gold", "orange", "light orange", "dark orange", "red", "dark red", "maroon",
    "crimson", "burgundy", "pink", "light pink", "hot pink", "magenta", "purple", "light purple",
    "dark purple", "violet", "lavender", "indigo", "brown", "light brown",
    "dark brown", "tan", "beige", "grey", "light grey", "dark grey", "black", "white", "salmon", "peach",
    "steel blue", "olive green", "brick red", "coral",
)  # fmt: skip
MARGIN = 3.0  # ΔE: the nearest name must beat the second nearest by this much


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def lab(hex_color: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB hex colour."""
    h = hex_color.lstrip("#")
    r, g, b = (_linear(int(h[i : i + 2], 16) / 255) for i in (0, 2, 4))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str) -> float:
    return math.dist(lab(a), lab(b))


@functools.lru_cache(maxsize=1)
def _named() -> tuple[tuple[str, tuple[float, float, float]], ...]:
    from matplotlib.colors import XKCD_COLORS

    return tuple((name, lab(XKCD_COLORS["xkcd:" + name])) for name in VOCABULARY)


@functools.lru_cache(maxsize=4096)
def nearest(hex_color: str) -> tuple[str, float, float]:
    """(nearest name, its ΔE, the second nearest name's ΔE)."""
    point = lab(hex_color.lower())
    ranked = sorted((math.dist(point, p), name) for name, p in _named())
    return ranked[0][1], ranked[0][0], ranked[1][0]


def colour_name(hex_color: str) -> str:
    return nearest(hex_color)[0]


def unambiguous_names(colours: dict[object, str], others: list[str] = ()) -> dict[object, str]:  # type: ignore[assignment]
    """{key: name} for the chart colours (key -> hex) that can be named without doubt.

    `others` are further colours drawn in the chart (backgrounds) that a name must not also fit.
    """
    names = {key: nearest(c) for key, c in colours.items()}
    taken: dict[str, int] = {}
    for key, (name, _, _) in names.items():
        taken[name] = taken.get(name, 0) + 1
    for c in others:
        if c:
            taken[colour_name(c)] = taken.get(colour_name(c), 0) + 1
    same = {}
    for key, (name, d1, d2) in names.items():
        if taken[name] == 1 and d2 - d1 >= MARGIN:
            same[key] = name
    return same
