"""Visual themes for generated pages: palette, fonts, type scale, spacing, radius, shadows.

A theme is plain data (every sampled choice is kept, so a sample's json says how it looks), and
its values contain no characters HTML escaping would change, so the autoescaping templates
write them into CSS verbatim.
"""

from __future__ import annotations

import colorsys
import functools
import random

from factory.generators.page_fonts import MONO, SANS, SERIF, STACKS, stacks_for, text_cut
from factory.generators.page_text import locale_chars

VIEWPORTS = {
    "desktop": ((1280, 800), (1024, 768)),
    "tablet": ((768, 1024), (820, 1180)),
    "mobile": ((390, 844), (375, 812), (414, 896), (360, 780)),
}

SHADOWS = {
    "none": ("none", "none"),
    "subtle": ("0 1px 2px rgba(15, 23, 42, 0.08)", "0 1px 2px rgba(0, 0, 0, 0.5)"),
    "soft": ("0 4px 16px rgba(15, 23, 42, 0.08)", "0 4px 16px rgba(0, 0, 0, 0.45)"),
    "strong": ("0 12px 32px rgba(15, 23, 42, 0.16)", "0 12px 32px rgba(0, 0, 0, 0.6)"),
}


def hex_color(h: float, s: float, l: float) -> str:
    """HSL in degrees and percent to #rrggbb."""
    r, g, b = colorsys.hls_to_rgb((h % 360) / 360, l / 100, s / 100)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def luminance(color: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _palette(r: random.Random, dark: bool) -> dict[str, str]:
    hue = r.randrange(360)
    accent_hue = (hue + r.choice((30, 150, 180, 210, 330))) % 360
    sat = r.randint(50, 85)
    ns = r.randint(0, 16)  # tint of the neutrals
    if dark:
        bg_l = r.randint(6, 12)
        colors = {
            "bg": hex_color(hue, ns, bg_l),
            "surface": hex_color(hue, ns, bg_l + 4),
            "surface_alt": hex_color(hue, ns, bg_l + 8),
            "text": hex_color(hue, ns, r.randint(90, 96)),
            "muted": hex_color(hue, ns, r.randint(66, 74)),
            "border": hex_color(hue, ns, bg_l + r.randint(14, 20)),
            "primary": hex_color(hue, sat, r.randint(58, 68)),
            "accent": hex_color(accent_hue, sat, 62),
            "positive": hex_color(145, 55, 55),
            "negative": hex_color(0, 70, 65),
        }
    else:
        bg_l = r.choice((100, 99, 98))
        colors = {
            "bg": hex_color(hue, ns, bg_l),
            "surface": "#ffffff" if r.random() < 0.6 else hex_color(hue, ns, 99),
            "surface_alt": hex_color(hue, ns + r.randint(0, 20), r.randint(94, 97)),
            "text": hex_color(hue, ns, r.randint(8, 18)),
            "muted": hex_color(hue, ns, r.randint(36, 44)),
            "border": hex_color(hue, ns, r.randint(84, 90)),
            "primary": hex_color(hue, sat, r.randint(34, 46)),
            "accent": hex_color(accent_hue, sat, 48),
            "positive": hex_color(145, 60, 32),
            "negative": hex_color(0, 70, 42),
        }
    light, dark_text = "#ffffff", hex_color(hue, 30, 10)
    return _legible(colors, light, dark_text)


# Which colours are drawn as text on which (the templates' CSS): each pair must reach WCAG AA.
TEXT_ON = {
    "text": ("bg", "surface", "surface_alt"),
    "muted": ("bg", "surface", "surface_alt"),
    "primary": ("bg", "surface", "surface_alt"),
    "positive": ("bg", "surface", "surface_alt"),
    "negative": ("bg", "surface", "surface_alt"),
}
MIN_CONTRAST = 4.6  # WCAG AA body text is 4.5:1; a little above it survives rounding to #rrggbb


def _legible(colors: dict[str, str], light: str, dark_text: str) -> dict[str, str]:
    """Move each text colour's lightness away from its backgrounds until every pair in TEXT_ON
    reaches MIN_CONTRAST, then pick the button text for the primary colour (and darken or lighten
    the primary until that pair reaches it too)."""
    for name, backgrounds in TEXT_ON.items():
        colors[name] = readable_on(colors[name], [colors[b] for b in backgrounds])
    for _ in range(60):
        best = light if contrast(colors["primary"], light) >= contrast(colors["primary"], dark_text) else dark_text
        if contrast(colors["primary"], best) >= MIN_CONTRAST:
            break
        # move the primary away from its button text, which also keeps it legible on the page
        colors["primary"] = _step(colors["primary"], -1 if best == light else 1)
    colors["primary_contrast"] = best
    return colors


def readable_on(color: str, backgrounds: list[str], target: float = MIN_CONTRAST) -> str:
    """`color` darkened (on light backgrounds) or lightened (on dark ones) until it reaches
    `target` contrast against every background."""
    direction = -1 if luminance(backgrounds[0]) > 0.18 else 1
    for _ in range(100):
        if min(contrast(color, b) for b in backgrounds) >= target:
            break
        color = _step(color, direction)
    return color


def _step(color: str, direction: int) -> str:
    """One step (2% lightness) darker (-1) or lighter (+1), hue and saturation kept."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, l, s = colorsys.rgb_to_hls(r, g, b)
    l = min(1.0, max(0.0, l + 0.02 * direction))
    r, g, b = colorsys.hls_to_rgb(h, l, s)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


@functools.lru_cache(maxsize=None)
def usable_stacks(locale: str) -> tuple[list[str], list[str], list[str]]:
    """Sans, serif and mono stack keys that can draw the locale's letters (never empty)."""
    chars = locale_chars(locale)
    found = tuple(stacks_for(sorted(group), chars, locale) or sorted(group) for group in (SANS, SERIF, MONO))
    return found  # type: ignore[return-value]


def sample_theme(r: random.Random, viewport: str, locale: str, dark_fraction: float) -> dict:
    """Every visual choice of one page, as plain data."""
    dark = r.random() < dark_fraction
    sans, serif, mono_keys = usable_stacks(locale)
    body_key = r.choice(sans) if r.random() < 0.75 or not serif else r.choice(serif)
    heading_key = body_key if r.random() < 0.5 else r.choice(sans + serif)
    body_key = text_cut(body_key)  # the display cut stays for headings only
    mono_key = r.choice(mono_keys)
    body, heading, mono = STACKS[body_key], STACKS[heading_key], STACKS[mono_key]

    small = viewport == "mobile"
    font_size = r.choice((14, 15, 16) if small else (15, 16, 16, 17, 18))
    ratio = r.choice((1.125, 1.2, 1.25) if small else (1.2, 1.25, 1.333, 1.414))
    h1_cap = 36 if small else 58
    sizes = {f"h{i}": round(min(font_size * ratio ** (5 - i), h1_cap if i == 1 else 999)) for i in (1, 2, 3, 4)}
    sizes["h2"] = min(sizes["h2"], sizes["h1"])
    radius = r.choice((0, 2, 4, 6, 8, 12, 16))
    button_shape = r.choice(("match", "pill", "square"))
    shadow_name = r.choice(sorted(SHADOWS))
    return {
        "mode": "dark" if dark else "light",
        "colors": _palette(r, dark),
        "font_keys": {"body": body_key, "heading": heading_key, "mono": mono_key},
        "fonts": {"body": body.locale_css(locale), "heading": heading.locale_css(locale), "mono": mono.locale_css(locale, "sans-serif")},
        "font_families": {
            "body": list(body.for_locale(locale)),
            "heading": list(heading.for_locale(locale)),
            "mono": list(mono.for_locale(locale, "sans-serif")),
        },
        "font_size": font_size,
        "type_ratio": ratio,
        "sizes": sizes,
        "line_height": r.choice((1.4, 1.5, 1.6, 1.7)),
        "heading_weight": r.choice((600, 700, 800)),
        "heading_tracking": r.choice(("0", "-0.01em", "-0.02em")),
        "space": r.choice((4, 5, 6)),
        "section_space": r.choice((10, 12, 14, 16)),
        "radius": radius,
        "button_shape": button_shape,
        "radius_button": {"match": radius, "pill": 999, "square": 0}[button_shape],
        "shadow_name": shadow_name,
        "shadow": SHADOWS[shadow_name][1 if dark else 0],
        "container": r.choice((960, 1040, 1120, 1200)),
        "align": r.choice(("start", "center")),
        "card_style": r.choice(("border", "shadow", "filled")),
        "zebra": r.random() < 0.4,
        "footer_columns": r.choice((2, 3, 4)),
        "gallery_aspect": r.choice(("1 / 1", "4 / 3", "3 / 2")),
        "aside_width": r.choice((220, 240, 260, 280)),
        "form_narrow": r.random() < 0.6,
        "nav_variant": r.choice(("plain", "filled", "centered", "dark")),
    }
