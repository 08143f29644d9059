"""Font stacks for pages and tables, and which characters each stack can draw.

Chromium silently falls back to another font (or to tofu boxes) for characters the named fonts
lack, so the image would not show the font the source names. Every family used here is an
installed font (fontconfig), and `check_glyphs` drops a sample whose text a stack cannot draw.
"""

from __future__ import annotations

import functools
import math
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

from factory.errors import Dropped, FactoryError
from factory.generators.locales import info, script_families

FONT_PACKAGES = "fonts-dejavu-core fonts-liberation fonts-noto-core fonts-noto-cjk"


@dataclass(frozen=True)
class FontStack:
    families: tuple[str, ...]
    generic: str  # sans-serif | serif | monospace

    def css(self, extra: tuple[str, ...] = ()) -> str:
        # Unquoted family names are valid CSS and survive HTML autoescaping unchanged.
        return ", ".join((*self.families, *extra, self.generic))

    def for_locale(self, locale: str, generic: str | None = None) -> tuple[str, ...]:
        """The stack's families with the locale's script faces (`locales.script_families`): Arabic,
        Indic, Thai... faces before the Latin ones, CJK faces after. `generic` picks the script's
        serif or sans face (default: the stack's own)."""
        before, after = script_families(locale, generic or self.generic)
        return (*before, *self.families, *after)

    def locale_css(self, locale: str, generic: str | None = None) -> str:
        return ", ".join((*self.for_locale(locale, generic), self.generic))


SANS = {
    "dejavu_sans": FontStack(("DejaVu Sans",), "sans-serif"),
    "liberation_sans": FontStack(("Liberation Sans",), "sans-serif"),
    "noto_sans": FontStack(("Noto Sans",), "sans-serif"),
    "noto_sans_display": FontStack(("Noto Sans Display", "Noto Sans"), "sans-serif"),
    "liberation_sans_narrow": FontStack(("Liberation Sans Narrow", "Liberation Sans"), "sans-serif"),
}
SERIF = {
    "dejavu_serif": FontStack(("DejaVu Serif",), "serif"),
    "liberation_serif": FontStack(("Liberation Serif",), "serif"),
    "noto_serif": FontStack(("Noto Serif",), "serif"),
    "noto_serif_display": FontStack(("Noto Serif Display", "Noto Serif"), "serif"),
}
MONO = {
    "dejavu_mono": FontStack(("DejaVu Sans Mono",), "monospace"),
    "liberation_mono": FontStack(("Liberation Mono",), "monospace"),
}
STACKS: dict[str, FontStack] = {**SANS, **SERIF, **MONO}
# A display cut's hairlines are thinner than a pixel at text sizes (10-16 px): Noto Serif Display
# drew an 'п' without its bar, an 'e' without its crossbar, an 'H' without its bar ('H1' read '111')
# and an en dash at 1.4:1. Text set at such sizes (a document, a table's cells, a page's body)
# takes the text cut of the same design; headings keep the display cut.
TEXT_CUTS = {"noto_serif_display": "noto_serif"}


def text_cut(key: str) -> str:
    return TEXT_CUTS.get(key, key)

# Scripts the Latin stacks lack get their own Noto face in every stack of the page
# (`FontStack.for_locale`, from the table in factory.generators.locales).


@functools.lru_cache(maxsize=1)
def installed_fonts() -> dict[str, tuple[str, int]]:
    """Family -> (file, face index) of its regular face, as fontconfig (and so Chromium) sees it."""
    if shutil.which("fc-list") is None:
        raise FactoryError(f"fc-list not found: install fontconfig and the fonts ({FONT_PACKAGES}) with apt-get")
    out = subprocess.run(
        ["fc-list", "--format", "%{family}\t%{style[0]}\t%{file}\t%{index}\n"],
        check=True, capture_output=True, text=True,
    ).stdout
    fonts: dict[str, tuple[str, int]] = {}
    regular_seen: set[str] = set()
    for line in sorted(out.splitlines()):
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        families, style, path, index = parts
        regular = style in ("Regular", "Book")
        for family in families.split(","):
            if family in regular_seen or (family in fonts and not regular):
                continue
            fonts[family] = (path, int(index or 0))
            if regular:
                regular_seen.add(family)
    return fonts


def require_families(families: Iterable[str]) -> None:
    fonts = installed_fonts()
    missing = sorted({f for f in families if f not in fonts})
    if missing:
        raise FactoryError(
            f"font famil{'ies' if len(missing) > 1 else 'y'} {', '.join(missing)} not installed: "
            f"apt-get install {FONT_PACKAGES}"
        )


@functools.lru_cache(maxsize=None)
def family_coverage(family: str) -> frozenset[int]:
    """Code points the family's regular face maps to a glyph."""
    from fontTools.ttLib import TTFont

    require_families([family])
    path, index = installed_fonts()[family]
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset((font.getBestCmap() or {}).keys())
    finally:
        font.close()


@functools.lru_cache(maxsize=None)
def line_extent(family: str) -> float:
    """The family's ascent plus descent in em, as Chromium lays a line out (hhea; OS/2's typo metrics when
    the face sets USE_TYPO_METRICS): the height a line needs to hold its glyphs, stacked marks included.
    Noto Serif Thai spans 1.60 em and Noto Serif Devanagari 1.56, so at line height 1.25 a line's
    tone marks and vowel signs met the next line's (the multilingual audit's Thai and Hindi letters)."""
    from fontTools.ttLib import TTFont

    require_families([family])
    path, index = installed_fonts()[family]
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        em = font["head"].unitsPerEm
        os2 = font["OS/2"]
        if os2.fsSelection & (1 << 7):  # USE_TYPO_METRICS
            return (os2.sTypoAscender - os2.sTypoDescender) / em
        return (font["hhea"].ascent - font["hhea"].descent) / em
    finally:
        font.close()


def script_leading(locale: str, *keys: str) -> float:
    """The smallest line height (em, rounded up to 0.05) whose lines hold the locale's script face of each
    stack key (`line_extent`): Thai, Indic, Arabic... marks stack above and below the letters. 0 where the
    Latin or CJK faces draw the text (a Latin line holds them)."""
    extents = [line_extent(face) for key in keys for face in script_families(locale, STACKS[key].generic)[0]]
    return math.ceil(max(extents) * 20 - 1e-6) / 20 if extents else 0.0


def element_leading(locale: str, *keys: str) -> float:
    """Line height (em) of a page's headings, buttons and figures and of a table image's cells in the locale:
    the script's own where it sets one (Arabic script: 1.8; its faces' 2.11 em would space every heading
    and row far apart), else `script_leading` of the stack keys. At the templates' 1.2-1.35 a Thai, Indic
    or Ethiopic line's marks stuck out of its line box into the rules and the lines next to it."""
    return info(locale).writing.leading or script_leading(locale, *keys)


@functools.lru_cache(maxsize=None)
def stack_coverage(families: tuple[str, ...]) -> frozenset[int]:
    covered: set[int] = set()
    for family in families:
        covered |= family_coverage(family)
    return frozenset(covered)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=None)
def _covers_ascii(families: tuple[str, ...]) -> bool:
    return all(code in stack_coverage(families) for code in range(33, 127))


def missing_glyphs(text: str, families: tuple[str, ...]) -> list[str]:
    """Characters of `text` (whitespace and controls aside) that none of `families` can draw."""
    covered = stack_coverage(families)
    # A page is mostly ASCII markup and base64; scanning only the rest keeps this well under 1 ms.
    chars = set(_NON_ASCII.findall(text)) if _covers_ascii(families) else set(text)
    return sorted(c for c in chars if ord(c) > 32 and not c.isspace() and ord(c) not in covered)


def stacks_for(keys: Iterable[str], chars: str, locale: str) -> list[str]:
    """The stack keys among `keys` that draw every one of `chars` (with the locale's CJK fallback).

    Choosing fonts this way keeps, say, Vietnamese pages off Liberation, which lacks its
    letters, instead of drawing the page and then dropping it.
    """
    ok = []
    for key in keys:
        stack = STACKS[key]
        if not missing_glyphs(chars, stack.for_locale(locale)):
            ok.append(key)
    return ok


def check_glyphs(text: str, *stacks: tuple[str, ...]) -> None:
    """Drop the sample unless every stack can draw every character of `text`."""
    if all(_covers_ascii(families) for families in stacks):
        text = "".join(set(_NON_ASCII.findall(text)))  # scan the long page once, not per stack
    for families in stacks:
        missing = missing_glyphs(text, families)
        if missing:
            shown = "".join(missing[:12])
            raise Dropped("missing_glyph", f"{', '.join(families)} cannot draw {shown!r}")
