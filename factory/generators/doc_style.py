"""How a document looks: style axes sampled one by one, each from the sample's random stream.

Every axis is drawn independently of the others (the genre only decides which axes apply: a
receipt has a receipt width, not a paper size). Colours are chosen so that every text colour
keeps a WCAG contrast of at least 4.5:1 against every background it is printed on (paper, zebra
rows, the accent band), which `check_contrast` re-checks on the finished style.
"""

from __future__ import annotations

import functools
import math
import random
from typing import Any

from factory.errors import Dropped
from factory.generators.locales import info
from factory.generators.page_fonts import MONO, SANS, SERIF, STACKS, FontStack, script_leading, stacks_for, text_cut
from factory.generators.page_theme import contrast, hex_color

# Sheets in CSS px at 96 dpi (1 mm = 96 / 25.4 px).
PAPERS = {"a4": (794, 1123), "letter": (816, 1056)}
RECEIPT_WIDTHS = {58: 219, 80: 302}
# Handwriting-like faces for filled-in form values (Debian: fonts-dkg-handwriting, fonts-comic-neue,
# fonts-dancingscript, fonts-humor-sans). A value a face cannot draw falls back to a regular face.
HANDWRITING = {
    "dkg": FontStack(("DkgHandwriting",), "cursive"),
    "comic_neue": FontStack(("Comic Neue",), "cursive"),
    "dancing_script": FontStack(("Dancing Script",), "cursive"),
    "humor_sans": FontStack(("Humor Sans",), "cursive"),
}
INKS = ("#111111", "#1f2328", "#222222", "#2b2b2b", "#1b2a41", "#262626")
PEN_INKS = ("#1a3a8a", "#0b2e6b", "#1f1f1f", "#123c7a")
PAPER_TONES = ("#ffffff", "#ffffff", "#fdfcf8", "#fbfaf5", "#f9f9f7")
RECEIPT_TONES = ("#ffffff", "#fafaf7", "#f7f5ef", "#f4f4f2")
TABLE_STYLES = ("lines", "grid", "zebra", "minimal")
HEADER_STYLES = ("band", "rule", "plain")
MIN_CONTRAST = 4.5
MUTED_CONTRAST = 7.0  # muted text aims at WCAG AAA: small thin glyphs draw lighter than their colour (_muted)

STYLE_AXES = {
    "layout": "block arrangement, three per genre (e.g. invoice: classic, banner, split)",
    "paper": "A4 or Letter sheet; receipts 58 or 80 mm wide, as long as their content",
    "dpi": "pixels per inch of the picture (96, 120, 144 by default): the device scale",
    "fonts": "body and heading faces (sans or serif, mono on receipts) that draw the locale's letters",
    "handwriting": "filled form values in a handwriting-like face, pen ink colour, size and slight tilt",
    "sizes": "base font size, line height (at least the script face's own), heading scale and weight, cell padding, margins",
    "colours": "ink, muted text (>= 7:1), accent (brand) colour, paper tone, zebra rows, rules; all >= 4.5:1",
    "logo": "a brand mark (circle, square, triangle, hexagon) or none",
    "rules_and_boxes": "table style (lines, grid, zebra, minimal), header (accent band, rule, plain), dashed rules, corner radius",
    "alignment": "title and header alignment (start, centre, end)",
    "formats": "label case, date style (short, medium, long, ISO), currency display (symbol, code, bare number), statement columns",
}

LAYOUTS = {
    "invoice": ("classic", "banner", "split"),
    "receipt": ("thermal", "two_line", "columns"),
    "purchase_order": ("classic", "boxed", "banner"),
    "statement": ("bank", "summary_first", "compact"),
    "form": ("lines", "boxes", "grid"),
    "resume": ("single", "sidebar", "header_band"),
    "letter": ("block", "modified", "letterhead"),
    "paper": ("classic", "left", "boxed_abstract"),
}


@functools.lru_cache(maxsize=None)
def _stack_keys(group: str, locale: str, chars: str) -> list[str]:
    keys = sorted({"sans": SANS, "serif": SERIF, "mono": MONO}[group])
    return stacks_for(keys, chars, locale) or keys


def _css(key: str, locale: str) -> tuple[str, list[str]]:
    stack = STACKS[key] if key in STACKS else HANDWRITING[key]
    generic = stack.generic if stack.generic != "cursive" else "sans-serif"
    return stack.locale_css(locale, generic), list(stack.for_locale(locale, generic))


def _accent(r: random.Random, paper: str) -> str:
    """A brand colour dark enough for white text on it and for itself as text on the paper."""
    for _ in range(20):
        color = hex_color(r.randrange(360), r.randint(35, 80), r.randint(22, 38))
        if contrast(color, "#ffffff") >= MIN_CONTRAST and contrast(color, paper) >= MIN_CONTRAST:
            return color
    return "#1f3a5f"


def _muted(r: random.Random, ink: str, backgrounds: list[str]) -> str:
    """A grey for labels, affiliations, periods and receipts' unit prices: small text, often single
    thin glyphs (a superscript '1', '@', '–'), which draw lighter than their colour; at 4.5-5.3:1 the
    audit read 51 such glyphs and 7 labels at 2.8-4.5:1 in 300 documents, so it aims at 7:1."""
    for lightness in (r.randint(22, 32), 20, 16):
        color = hex_color(r.randrange(360), r.randint(0, 12), lightness)
        if all(contrast(color, bg) >= MUTED_CONTRAST for bg in backgrounds):
            return color
    return ink


def sample_style(r: random.Random, genre: str, locale: str, chars: str, dpi_choices: list[int], papers: list[str],
                 receipt_widths: list[int]) -> dict[str, Any]:
    """Every visual choice of one document, as plain data. `chars`: non-ASCII text it will print."""
    sans = _stack_keys("sans", locale, chars)
    serif = _stack_keys("serif", locale, chars)
    mono = _stack_keys("mono", locale, chars)
    body_key = r.choice(sans + serif)
    heading_key = body_key if r.random() < 0.5 else r.choice(sans + serif)
    receipt = genre == "receipt"
    if receipt and r.random() < 0.8:
        body_key = heading_key = r.choice(mono)
    if genre == "paper" and r.random() < 0.7:
        body_key = r.choice(serif)
    body_key, heading_key = text_cut(body_key), text_cut(heading_key)  # a document's headings are text sizes too
    paper_tone = r.choice(RECEIPT_TONES if receipt else PAPER_TONES)
    ink = r.choice(INKS)
    zebra = hex_color(r.randrange(360), r.randint(10, 40), r.randint(94, 96))
    accent = _accent(r, paper_tone)
    muted = _muted(r, ink, [paper_tone, zebra])
    rule = hex_color(r.randrange(360), r.randint(0, 20), r.randint(60, 82))
    if receipt:
        width_mm = r.choice(receipt_widths)
        paper, sheet_w, sheet_h = f"receipt_{width_mm}mm", RECEIPT_WIDTHS[width_mm], 0
        margin = r.randint(8, 14)
        font_size = r.choice((11, 12, 12, 13)) if width_mm == 80 else r.choice((10, 11, 11, 12))
    else:
        paper = r.choice(papers)
        sheet_w, sheet_h = PAPERS[paper]
        margin = r.randint(40, 72)
        font_size = r.choice((11, 12, 12, 13, 14)) if genre != "paper" else r.choice((10, 11, 11, 12))
    fonts: dict[str, str] = {}
    families: dict[str, list[str]] = {}
    for role, key in (("body", body_key), ("heading", heading_key), ("mono", r.choice(mono))):
        fonts[role], families[role] = _css(key, locale)
    style = {
        "paper": paper,
        "sheet_width": sheet_w,
        "sheet_height": sheet_h,
        "dpi": r.choice(dpi_choices),
        "margin": margin,
        "font_keys": {"body": body_key, "heading": heading_key},
        "fonts": fonts,
        "font_families": families,
        "font_size": font_size,
        "line_height": r.choice((1.25, 1.3, 1.4, 1.5)),
        "heading_scale": r.choice((1.5, 1.7, 2.0, 2.3)),
        "heading_weight": r.choice((600, 700)),
        "ink": ink,
        "muted": muted,
        "accent": accent,
        "accent_text": accent if r.random() < 0.6 else ink,
        "paper_tone": paper_tone,
        "zebra": zebra,
        "rule": rule,
        "rule_width": r.choice((1, 1, 2)),
        "table_style": r.choice(TABLE_STYLES),
        "header_style": r.choice(HEADER_STYLES),
        "align": r.choice(("start", "center", "end")),
        "label_case": r.choice(("title", "title", "upper")),
        "cell_pad": r.choice((4, 5, 6, 8)),
        "radius": r.choice((0, 0, 2, 4, 8)),
        "date_style": r.choice(("short", "medium", "long", "iso")),
        "month_style": r.choice(("numeric", "short")),
        "currency_display": r.choice(("symbol", "symbol", "code", "none")),
        "statement_columns": r.choice(("split", "signed")),
        "receipt_caps": r.random() < 0.5,
        "rules_dashed": r.random() < 0.7,
        "hand": "",
        "hand_ink": r.choice(PEN_INKS),
        "hand_size": r.choice((1.1, 1.2, 1.3)),
        "hand_tilt": r.choice((-1.5, -1.0, -0.5, 0, 0.5, 1.0)),
    }
    # Thai, Indic, Arabic... faces are taller than these line heights (Noto Serif Thai 1.60 em): at 1.25 a
    # line's tone marks and vowel signs stuck out of their elements (15 of 63 such documents dropped as
    # text_overflow) and met the next line's. Lines and headings hold the script's face (same draws).
    style["leading"] = script_leading(locale, body_key, heading_key)
    style["line_height"] = max(style["line_height"], style["leading"])
    # Han and kana: body text at least the script's smallest legible size once drawn at the sheet's dpi (same draws)
    style["font_size"] = max(style["font_size"], math.ceil(info(locale).writing.min_body_px * 96 / style["dpi"]))
    return style


def choose_handwriting(r: random.Random, style: dict[str, Any], locale: str, values: str) -> None:
    """Pick a handwriting face that draws every character of the filled-in values, if there is one."""
    from factory.generators.page_fonts import missing_glyphs

    usable = [key for key, stack in sorted(HANDWRITING.items())
              if not missing_glyphs(values, stack.for_locale(locale, "sans-serif"))]
    if usable:
        key = r.choice(usable)
        style["hand"] = key
        style["fonts"]["hand"], style["font_families"]["hand"] = _css(key, locale)
    else:  # no handwriting face for this script: a regular face in pen ink
        style["hand"] = ""
        style["fonts"]["hand"], style["font_families"]["hand"] = style["fonts"]["body"], style["font_families"]["body"]


def check_contrast(style: dict[str, Any]) -> None:
    """Every text colour against every background it can sit on: at least 4.5:1, or drop."""
    pairs = [(style["ink"], style["paper_tone"]), (style["ink"], style["zebra"]), (style["muted"], style["paper_tone"]),
             (style["muted"], style["zebra"]), (style["accent_text"], style["paper_tone"]), ("#ffffff", style["accent"]),
             (style["hand_ink"], style["paper_tone"])]
    for fg, bg in pairs:
        ratio = contrast(fg, bg)
        if ratio < MIN_CONTRAST:
            raise Dropped("low_contrast", f"text {fg} on {bg}: contrast {ratio:.2f} < {MIN_CONTRAST}")
