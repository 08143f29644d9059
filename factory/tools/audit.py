"""`render-factory audit`: an independent reader of a finished dataset.

It reads what the factory wrote — each sample's image and json — and checks that the image shows
what the target claims, with its own code (nothing of the generators, renderers or tasks):

- **tokens found**: every text the json gives a box for (chart texts, page text nodes, table
  cells) is cut out of the image and read by OCR (Tesseract); a target token counts as found
  when the OCR of its own crop holds it. The crops of one sample are stacked into one strip
  (dark backgrounds inverted, small text scaled up, rotated tick labels turned level) so a
  sample costs one Tesseract call. Texts with a token still missed are read once more, in a
  strip of their own, from crops without the rules through them and the neighbouring lines'
  ink in their room; the words of both readings count, the matching is the same.
- **contrast**: each crop's text colour against its background, from the pixels (WCAG ratio;
  below 4.5:1, or 3:1 for text 24 px or taller, is low; below 1.5:1 is invisible).
- **boxes**: text boxes outside the canvas; chart value labels crossed by a mark (pixels in the
  label's box that are neither its background, its text, nor a blend of the two).
- **QA answerability**: each chart question's recorded reading is re-checked against the drawn
  texts: the rows it names are printed, a printed or computed answer's values are printed value
  labels, an estimate's tolerance is within ChartQA's 5% and not finer than a tenth of the
  value axis's tick step.
- **blank width**: table images whose width is more than 25% blank.

Per task it reports these shares, and the worst samples with thumbnails, as one HTML page (like
`report`) and a JSON summary. It never writes into the dataset.

Why Tesseract: a Debian package (`tesseract-ocr`, Apache-2.0) with word boxes and confidences,
page-segmentation modes for sparse text, and no ONNX runtime or OpenCV wheels to install
(rapidocr-onnxruntime needs both, and its models are tuned for Chinese first).
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import json
import logging
import math
import os
import re
import shutil
import time
import unicodedata
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
from PIL import Image, ImageDraw, ImageOps

from factory.errors import FactoryError
from factory.generators.locales import to_digits
from factory.tools.html_page import page_head
from factory.tools.preview import iter_shard, load_manifest, sample_kind

log = logging.getLogger(__name__)

LARGE_TEXT_PX = 24.0  # WCAG large text: 18 pt (24 CSS px); 14 pt bold is also large
LOW_CONTRAST = (4.5, 3.0)  # body, large text
INVISIBLE = 1.5  # below this contrast nothing legible is written
RELAXED = Decimal("0.05")  # ChartQA's relaxed accuracy
STRIP_MAX_PX = 7000  # a strip taller than this is cut in two (Tesseract slows on huge images)
GAP_PX = 18
OCR_INK_PX = 26  # small chart text is scaled up until a line's ink is about this tall
PSM = 6  # Tesseract page segmentation: a block of lines (the strip), one crop a line
MAX_WORST = 8
THUMB_PX = 360
BLANK_WIDTH = 0.25


# --- pixels --------------------------------------------------------------------------------------


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of sRGB colours (..., 3) given as 0-255."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def _background(pixels: np.ndarray) -> np.ndarray:
    packed = (pixels[:, 0].astype(np.int64) << 16) | (pixels[:, 1].astype(np.int64) << 8) | pixels[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    top = int(values[np.argmax(counts)])
    return np.array([(top >> 16) & 255, (top >> 8) & 255, top & 255], dtype=np.float64)


def crop_contrast(crop: np.ndarray, percentile: float = 99.5) -> tuple[float, np.ndarray, np.ndarray]:
    """(contrast ratio, text colour, background colour) of a text's crop, read from its pixels.

    The background is the crop's most common colour; the text colour is, among the pixels that
    differ from it, the one at the given percentile of contrast (glyph cores, not their
    antialiased edges, nor a lone stray pixel). A crop of one colour has contrast 1: nothing is
    written there.
    """
    pixels = np.asarray(crop, dtype=np.uint8).reshape(-1, 3)
    if not len(pixels):
        return 1.0, np.zeros(3), np.zeros(3)
    background = _background(pixels)
    lum = relative_luminance(pixels)
    bg_lum = float(relative_luminance(background))
    ratios = (np.maximum(lum, bg_lum) + 0.05) / (np.minimum(lum, bg_lum) + 0.05)
    ink = np.flatnonzero(ratios > 1.1)  # pixels that differ from the background at all
    if len(ink) < 3:
        index = int(np.argmax(ratios))
    else:  # among them, the glyph cores rather than their antialiased edges
        order = ink[np.argsort(ratios[ink], kind="stable")]
        index = int(order[min(len(order) - 1, int(len(order) * percentile / 100.0))])
    return float(ratios[index]), pixels[index].astype(np.float64), background


def foreign_share(crop: np.ndarray) -> float:
    """Share of a label crop's pixels that are neither its background, its text colour, nor a
    blend of the two: a line, marker or second background running through the label."""
    pixels = np.asarray(crop, dtype=np.float64).reshape(-1, 3)
    if len(pixels) < 4:
        return 0.0
    _, text, background = crop_contrast(crop)
    axis = text - background
    length = float(axis @ axis)
    if length < 1.0:
        return 0.0
    rel = pixels - background
    t = np.clip(rel @ axis / length, -0.5, 1.5)
    distance = np.linalg.norm(rel - t[:, None] * axis[None, :], axis=1)
    return float(np.mean(distance > 60.0))


# --- what each sample claims ---------------------------------------------------------------------


@dataclass
class TextItem:
    """A text the sample's json places in its image: text, [x0, y0, x1, y1] image pixels, kind."""

    text: str
    box: tuple[float, float, float, float]
    kind: str
    angle: float = 0.0


CHART_SKIP = ("plot_area", "legends")


def sample_texts(meta: dict[str, Any]) -> list[TextItem]:
    """Every text with a box that the sample's json lists (charts, pages, table images)."""
    generator = (meta.get("generator") or {}).get("name", "")
    render = meta.get("render") or {}
    items: list[TextItem] = []
    if generator == "charts":
        style = (meta.get("source") or {}).get("style") or {}
        barh = (meta.get("source") or {}).get("chart_type") == "barh"
        for key, entries in (render.get("elements") or {}).items():
            if key in CHART_SKIP:
                continue
            for entry in entries:
                text = str(entry.get("text", "")).strip()
                if not text:
                    continue
                angle = 0.0
                if key == "x_tick_labels" and not barh:
                    angle = float(style.get("x_rotation", 0) or 0)
                elif key == "y_label":
                    angle = 90.0
                items.append(TextItem(text, tuple(entry["box"]), key, angle))
    elif generator == "table_images":
        for cell in (meta.get("targets") or {}).get("cells") or []:
            text = str(cell.get("text", "")).strip()
            if text:
                items.append(TextItem(text, tuple(cell["box"]), "cell"))
    else:
        for entry in render.get("boxes") or []:
            text = str(entry.get("text", "")).strip()
            if entry.get("kind") == "text" and text:
                items.append(TextItem(text, tuple(entry["box"]), "text"))
    return items


# --- which language to read ----------------------------------------------------------------------

# Tesseract's model (Debian package tesseract-ocr-<name with '-' for '_'>) for each language the
# generators write; Han is the one language whose model depends on the region (simplified or traditional).
TESSERACT_LANGS = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "nl": "nld", "pl": "pol", "cs": "ces", "da": "dan",
    "pt": "por", "vi": "vie", "ru": "rus", "uk": "ukr", "el": "ell", "ja": "jpn", "ko": "kor", "ar": "ara", "he": "heb",
    "fa": "fas", "hi": "hin", "bn": "ben", "ta": "tam", "th": "tha", "ka": "kat", "hy": "hye", "am": "amh",
    "zh_CN": "chi_sim", "zh_SG": "chi_sim", "zh_TW": "chi_tra", "zh_HK": "chi_tra", "zh": "chi_sim",
}  # fmt: skip


def sample_locale(meta: dict[str, Any]) -> str:
    """The locale a sample's text is written in, from its json ('en_US' when it names none): a document's
    `source.locale`, a page's or table's `source.theme.locale`, a chart's `source.table.facts.locale`,
    a corpus page's identified `source.language`."""
    source = meta.get("source") or {}
    table = source.get("table") if isinstance(source.get("table"), dict) else {}
    for value in (source.get("locale"), (source.get("theme") or {}).get("locale") if isinstance(source.get("theme"), dict) else None,
                  (table.get("facts") or {}).get("locale") if isinstance(table.get("facts"), dict) else None, source.get("language")):
        if isinstance(value, str) and value:
            return value.replace("-", "_")
    return "en_US"


@functools.lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """The Tesseract models installed here (`tesseract --list-langs`)."""
    import pytesseract

    try:
        return frozenset(pytesseract.get_languages(config=""))
    except (OSError, RuntimeError) as exc:  # TesseractNotFoundError is an OSError
        log.warning("cannot list Tesseract's languages (%s); reading with eng", exc)
        return frozenset({"eng"})


def ocr_language(locale: str, installed: frozenset[str] | None = None) -> tuple[str, str | None]:
    """(Tesseract language, note) for a locale: its own model plus English (numbers, codes and
    Latin brand names appear in every script), e.g. 'rus+eng', or a CJK model alone (3 Japanese
    documents: jpn 0.944 of their tokens, jpn+eng 0.860); 'eng' with a note saying which
    package to install when the locale's model is missing (the audit then reads it as Latin)."""
    installed = installed_languages() if installed is None else installed
    language = locale.split("_")[0]
    model = TESSERACT_LANGS.get(locale) or TESSERACT_LANGS.get(language)
    if model is None:
        return "eng", f"{locale}: no Tesseract model is known for language {language!r}; read with eng"
    if model == "eng":
        return "eng", None
    if model not in installed:
        package = "tesseract-ocr-" + model.replace("_", "-")
        return "eng", f"{locale}: Tesseract's {model} model is not installed; read with eng (install {package}: scripts/setup.sh does)"
    if model in CJK_MODELS:  # they read Latin letters and digits themselves; with eng beside them, kanji came out as Latin noise
        return model, None
    return f"{model}+eng", None


CJK_MODELS = ("jpn", "chi_sim", "chi_tra", "kor")


# A letter's script (the first word of its Unicode name) and the model that reads it, for texts in
# another script than their sample's locale: Greek in an English paper's formulas, a Russian name in
# a German letter. Han is read with the model of the locale's own Han when it has one.
SCRIPT_MODELS = {
    "GREEK": "ell", "CYRILLIC": "rus", "HIRAGANA": "jpn", "KATAKANA": "jpn", "CJK": "chi_sim", "HANGUL": "kor",
    "ARABIC": "ara", "HEBREW": "heb", "DEVANAGARI": "hin", "BENGALI": "ben", "TAMIL": "tam", "THAI": "tha",
    "GEORGIAN": "kat", "ARMENIAN": "hye", "ETHIOPIC": "amh",
}  # fmt: skip
COVERED = {"jpn": {"chi_sim"}, "chi_tra": {"chi_sim"}, "kor": {"chi_sim"}, "fas": {"ara"}, "ukr": {"rus"}}


def item_language(text: str, base: str, installed: frozenset[str]) -> tuple[str, str | None]:
    """(Tesseract language, note) for one text of a sample read with `base` ('rus+eng'): the base
    plus the model of every other script the text writes letters in (that is installed)."""
    have = set(base.split("+"))
    covered = have.union(*(COVERED.get(m, set()) for m in have))
    wanted = {SCRIPT_MODELS.get(unicodedata.name(ch, "").split(" ")[0]) for ch in text if unicodedata.category(ch).startswith("L")}
    wanted -= covered | {None}
    missing = sorted(m for m in wanted if m not in installed)
    extra = sorted(m for m in wanted if m in installed)
    note = (f"Tesseract's {', '.join(missing)} model is not installed; texts in its script read with {base} "
            f"(install {', '.join('tesseract-ocr-' + m.replace('_', '-') for m in missing)})") if missing else None
    if not extra:
        return base, note
    head = [m for m in base.split("+") if m != "eng"]
    return "+".join(head + extra + ["eng"]), note


# --- OCR ---------------------------------------------------------------------------------------


def _kept(ch: str) -> bool:
    """Letters, digits and the marks a script writes with (Indic and Thai vowel signs, viramas,
    kana voicing marks); the accents NFKD splits off Latin, Greek and Cyrillic letters are folded away."""
    return ch.isalnum() or (unicodedata.category(ch)[0] == "M" and not 0x300 <= ord(ch) <= 0x36F)


def _fold(text: str) -> str:
    """Letters, digits and script marks only, case- and accent-folded: what OCR and target are compared on."""
    text = unicodedata.normalize("NFKD", text).replace("\u2212", "-")
    return "".join(ch for ch in text.casefold() if _kept(ch))


# Scripts written without spaces between words: a phrase there is no word, so each grapheme cluster
# (a letter with the marks written on it) is a token of its own, in the target and in what OCR read.
UNSPACED = ("THAI", "LAO", "KHMER", "MYANMAR")


def _unspaced(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM" and unicodedata.name(ch, "").split(" ")[0] in UNSPACED


def _clusters(text: str) -> list[str]:
    """Grapheme clusters of a folded text: a letter with the marks that follow it."""
    out: list[str] = []
    for ch in text:
        if out and unicodedata.category(ch)[0] == "M":
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _units(text: str) -> tuple[list[str], list[str]]:
    """(words between spaces, clusters of the runs in scripts written without spaces) of a text, folded.
    A Thai word's digits and Latin letters stay a word of their own: 'ปี2020' is the cluster 'ปี' and the word '2020'."""
    words: list[str] = []
    clusters: list[str] = []
    for raw in text.split():
        folded = _fold(raw)
        start = 0
        for i in range(1, len(folded) + 1):
            if i == len(folded) or _unspaced(folded[i]) != _unspaced(folded[start]):
                run = folded[start:i]
                if _unspaced(run[0]):
                    clusters.extend(_clusters(run))
                else:
                    words.append(run)
                start = i
    return words, clusters


def tokens(text: str) -> list[str]:
    words, clusters = _units(text)
    return words + clusters


def token_hits(text: str, read: list[str], mono: bool = False) -> list[tuple[str, bool]]:
    """Each target token of a text and whether OCR read it (`read`: the words OCR read in its crop).
    Clusters of scripts without spaces are aligned in order with the clusters OCR read (a
    cluster found elsewhere in the line, out of order, is not found)."""
    from difflib import SequenceMatcher

    words, clusters = _units(text)
    hits = [(t, found(t, read, mono)) for t in words]
    if clusters:
        seen = _clusters("".join(ch for ch in _fold("".join(read)) if _unspaced(ch)))
        matched: set[int] = set()
        for a, _, size in SequenceMatcher(None, clusters, seen, autojunk=False).get_matching_blocks():
            matched.update(range(a, a + size))
        hits += [(c, i in matched) for i, c in enumerate(clusters)]
    return hits


def _prepare(image: Image.Image, item: TextItem, clean: bool = False) -> Image.Image | None:
    x0, y0, x1, y1 = item.box
    # a page text gets some room; a chart label's neighbour (a bar's end) and a cell's borders stay out
    pad = {"text": 3, "cell": -2}.get(item.kind, 1)
    mark = len(_fold(item.text)) <= 2
    if mark and item.kind == "text":  # a footnote mark, a variable, a numerator: its neighbours' ink stays out
        pad = 0
    box = (max(0, int(math.floor(x0)) - pad), max(0, int(math.floor(y0)) - pad),
           min(image.width, int(math.ceil(x1)) + pad), min(image.height, int(math.ceil(y1)) + pad))
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return None
    rgb = np.asarray(image.crop(box).convert("RGB"), dtype=np.float64)
    # the background is the crop's most common colour: its border can be mostly a table's rules
    # (a row's top and bottom lines), whose median made a white row read as grey ink
    distance = np.linalg.norm(rgb - _background(rgb.reshape(-1, 3).astype(np.uint8)), axis=2)
    # dark ink on white, as far from white as the pixel is from the crop's background, whatever the colours
    ink = np.clip(distance / max(float(distance.max()), 40.0), 0.0, 1.0)
    if mark and item.kind == "text":  # a fraction bar running through a short text's box, edge to edge, is no glyph of it
        solid = ink > 0.5
        ink[solid[:, 0] & solid[:, -1] & (solid.mean(axis=1) > 0.8)] = 0.0
    if clean:
        ink = _without_furniture(ink, (int(math.floor(y0)) - box[1], box[3] - int(math.ceil(y1))))
    crop = Image.fromarray((255 * (1.0 - ink)).astype(np.uint8), "L")
    if item.angle:
        crop = crop.rotate(-item.angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if item.angle:  # a rotated label's box says little about its size (and holds its neighbours' ends)
        scale = 2.5
    else:  # scale by the height of a line's ink: runs of inked rows, one per line
        inked = (np.asarray(crop) < 160).any(axis=1)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], inked.astype(np.int8), [0]])))
        runs = edges[1::2] - edges[::2]
        # rows of marks apart from their line (Thai vowels and tone marks, Arabic dots, an i's dot) are no
        # line: as runs of their own they halved the median and scaled the text up to 4x
        runs = runs[runs >= 0.4 * runs.max()] if len(runs) else runs
        line = float(np.median(runs)) if len(runs) else float(crop.height)
        scale = min(4.0, max(0.5, OCR_INK_PX / max(line, 1.0)))
    if scale != 1.0:
        crop = crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))), Image.Resampling.LANCZOS)
    return ImageOps.expand(crop, border=8, fill=255)


DIGITS = "0123456789.,%-+kMGT"


def _without_furniture(ink: np.ndarray, pads: tuple[int, int]) -> np.ndarray:
    """A text crop's ink without what is not its text: rules running through it edge to edge (a
    heading's underline, a table's lines) and the ink of the lines above and below that reaches
    into its room (`pads`: the crop's rows above and below the text's box), which does not
    continue into the box's own first or last row."""
    ink = ink.copy()
    solid = ink > 0.5
    ink[solid[:, 0] & solid[:, -1] & (solid.mean(axis=1) > 0.8)] = 0.0
    ink[:, solid[0, :] & solid[-1, :] & (solid.mean(axis=0) > 0.8)] = 0.0
    top, bottom = max(0, pads[0]), max(0, pads[1])
    height = ink.shape[0]
    if 0 < top < height:
        first = np.convolve(ink[top] > 0.25, np.ones(3), "same") > 0  # the box's first row, a column either side
        ink[:top, ~first] = 0.0
    if 0 < bottom < height:
        last = np.convolve(ink[height - bottom - 1] > 0.25, np.ones(3), "same") > 0
        ink[height - bottom :, ~last] = 0.0
    return ink


def ocr_items(image: Image.Image, items: list[TextItem], digits: bool = False, lang: str = "eng", whitelist: str = DIGITS,
              clean: bool = False) -> list[list[str]]:
    """The OCR words read in each item's own crop (one Tesseract call per strip of crops) with the
    Tesseract language `lang` ('rus+eng'); `digits` reads numbers only (a second pass for numeric
    texts the first pass missed, with `whitelist`'s characters)."""
    import pytesseract

    crops = [_prepare(image, item, clean) for item in items]
    words: list[list[str]] = [[] for _ in items]
    strips: list[list[tuple[int, Image.Image]]] = [[]]
    height = 0
    for index, crop in enumerate(crops):
        if crop is None:
            continue
        if height + crop.height > STRIP_MAX_PX and strips[-1]:
            strips.append([])
            height = 0
        strips[-1].append((index, crop))
        height += crop.height + GAP_PX
    for strip in strips:
        if not strip:
            continue
        width = max(c.width for _, c in strip) + 20
        canvas = Image.new("L", (width, sum(c.height + GAP_PX for _, c in strip) + GAP_PX), 255)
        spans = []
        y = GAP_PX
        for index, crop in strip:
            canvas.paste(crop, (10, y))
            spans.append((y, y + crop.height, index))
            y += crop.height + GAP_PX
        config = f"--psm {PSM}" + (f" -c tessedit_char_whitelist={whitelist}" if digits else "")
        data = pytesseract.image_to_data(canvas, lang=lang, config=config, output_type=pytesseract.Output.DICT)
        for text, top, h in zip(data["text"], data["top"], data["height"]):
            if not text.strip():
                continue
            middle = top + h / 2
            for start, end, index in spans:
                if start - 4 <= middle <= end + 4:
                    words[index].append(text)
                    break
    return words


# Glyphs OCR confuses whatever the data: 1/i/l, 0/o, 5/s; a monospace font's dotted or slashed
# zero is also read as 8, 6, 9 or ®. A word matches a token of the same length when every
# differing character is such a slip (a token cut short, "9.9" for "69.99", never matches).
# Letters drawn with the same glyph in Latin, Cyrillic and Greek: no image tells 'РАО' from 'PAO',
# so OCR's choice of script is no misreading. Both sides are compared with these folded to Latin.
# Arabic and Persian write yeh and kaf alike inside a word (ي/ی, ك/ک; final alef maksura ى is Persian's
# ی) and their digits alike but for 4, 5 and 6 (٣/۳): which code point OCR picks is no misreading.
HOMOGLYPHS = str.maketrans("аеорсухіјѕο" "يكى٠١٢٣٤٥٦٧٨٩", "aeopcyxijso" "یکی۰۱۲۳۴۵۶۷۸۹")  # Latin look-alikes: alike in both cases (after casefold)
SLIPS = {"1": "il", "i": "1l", "l": "1i", "0": "o", "o": "0", "5": "s", "s": "5"}
DOTTED_ZERO = "689qdø®"


def _slip(token: str, word: str, mono: bool) -> bool:
    if len(token) != len(word):
        return False
    return all(a == b or b in SLIPS.get(a, "") or (mono and a == "0" and b in DOTTED_ZERO) for a, b in zip(token, word))


def found(token: str, read: list[str], mono: bool = False) -> bool:
    """Whether OCR read `token` in a crop: as a word, across split words, or nearly (OCR slips);
    `mono`: the text is set in a monospace font, whose dotted zero OCR reads as 8, 6 or 9."""
    token = token.translate(HOMOGLYPHS)
    folded = [_fold(w).translate(HOMOGLYPHS) for w in read]
    if token in folded:
        return True
    if any(_slip(token, w, mono) for w in folded):
        return True
    joined = "".join(folded)
    if token in joined:
        return True
    if len(token) >= 4:
        from difflib import SequenceMatcher

        for i in range(max(1, len(joined) - len(token) + 1)):
            window = joined[i : i + len(token) + 1]
            if SequenceMatcher(None, token, window).ratio() >= 0.8:
                return True
    return False


# --- QA ------------------------------------------------------------------------------------------


def _number(text: str) -> Decimal | None:
    t = str(text).strip().replace("\u2212", "-").replace(",", "").rstrip("%").strip()
    scale = Decimal(1)
    for suffix, factor in (("k", 3), ("M", 6), ("G", 9), ("T", 12)):
        if t.endswith(suffix):
            t, scale = t[:-1], Decimal(10) ** factor
    try:
        return Decimal(t) * scale
    except (InvalidOperation, ValueError):
        return None


def _cell_text(rows: list, columns: list, cell: list[int]) -> str | None:
    """A table cell as a value label prints it (fixed decimals, '%' for percent columns)."""
    series, row = cell
    column = columns[series + 1] if series + 1 < len(columns) else {}
    value = rows[row][series + 1] if row < len(rows) and series + 1 < len(rows[row]) else None
    if value is None:
        return None
    shown = f"{float(value):.{int(column.get('decimals', 0))}f}"
    if shown.startswith("-") and float(shown) == 0:
        shown = shown[1:]
    shown += "%" if column.get("percent") else ""
    return to_digits(shown, column.get("digits") or "latn")  # as the chart prints it: ৫৩২, ١٢٫٥ stays '.'


def qa_problems(meta: dict[str, Any]) -> tuple[int, list[str]]:
    """(questions, why each unanswerable one is) from the json alone."""
    source = meta.get("source") or {}
    qa = (meta.get("targets") or {}).get("qa") or []
    if not qa:
        return 0, []
    elements = (meta.get("render") or {}).get("elements") or {}
    kind = source.get("chart_type", "")
    table = source.get("table") or {}
    rows = table.get("rows") or []
    first = (table.get("columns") or [{}])[0]
    # a numeric label column (a scatter's x) is drawn with its decimals: 50.0 -> "50"
    labels = [f"{float(r[0]):.{int(first.get('decimals', 0))}f}" if first.get("kind") == "number" and isinstance(r[0], (int, float)) else str(r[0]) for r in rows]
    texts = {key: [" ".join(str(e.get("text", "")).split()) for e in v] for key, v in elements.items() if key not in CHART_SKIP}
    printed = set(texts.get("pie_labels", [])) | set(texts.get("legend_texts", []))
    printed |= set(texts.get("y_tick_labels" if kind == "barh" else "x_tick_labels", []))
    value_ticks = [n for n in (_number(t) for t in texts.get("x_tick_labels" if kind == "barh" else "y_tick_labels", [])) if n is not None]
    value_ticks = sorted(set(value_ticks))
    step = min((b - a for a, b in zip(value_ticks, value_ticks[1:])), default=None)
    value_labels = set(texts.get("value_labels", []))
    columns = table.get("columns") or []
    bad = []
    for pair in qa:
        reading = pair.get("reading") or {}
        program = pair.get("program") or {}
        how = reading.get("how")
        question = pair.get("question", "")
        if how not in ("printed", "computed", "estimate", "counted"):
            bad.append(f"no reading: {question}")
            continue
        for row in program.get("named", []):
            label = labels[row] if row < len(labels) else ""
            edges = re.match(r"^(-?[\d.]+)-(-?[\d.]+)$", label) if kind == "histogram" else None
            if label not in printed and not (edges and {edges[1], edges[2]} <= printed):
                bad.append(f"names {label!r}, printed nowhere: {question}")
                break
        else:
            if how in ("printed", "computed"):
                for cell in program.get("cells", []):
                    shown = _cell_text(rows, columns, cell)
                    if shown is not None and shown not in value_labels:
                        bad.append(f"{how} from {shown!r}, which no value label shows: {question}")
                        break
            elif how == "estimate":
                answer = _number(pair.get("answer", ""))
                tolerance = Decimal(str(reading.get("tolerance", 0)))
                op = program.get("op")
                if answer is not None and op in ("lookup", "extreme_value", "difference", "sum", "average", "ratio"):
                    cells = program.get("cells", [])
                    # a value not printed as a label is read off the axis: at best to a tenth of a tick step
                    unprinted = sum(1 for c in cells if _cell_text(rows, columns, c) not in value_labels)
                    needed = None if step is None else step / 10 * unprinted / (len(cells) if op == "average" else 1)
                    if tolerance > RELAXED * abs(answer):
                        bad.append(f"tolerance {tolerance} beyond 5% of {answer}: {question}")
                    elif op != "ratio" and kind not in ("pie", "donut") and (needed is None or tolerance < needed - Decimal("1e-9")):
                        bad.append(f"tolerance {tolerance} finer than the axis allows ({needed}): {question}")
    return len(qa), bad


# --- one sample ----------------------------------------------------------------------------------


@dataclass
class SampleAudit:
    key: str
    task: str
    kind: str
    renderer: str = ""
    width: int = 0
    height: int = 0
    tokens: int = 0
    found: int = 0
    missing: list[str] = field(default_factory=list)
    missing_boxes: list[list[float]] = field(default_factory=list)
    texts: int = 0
    low_contrast: list[str] = field(default_factory=list)
    invisible: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    crossed: list[str] = field(default_factory=list)
    questions: int = 0
    unanswerable: list[str] = field(default_factory=list)
    blank_width: float | None = None
    locale: str = "en_US"
    ocr_language: str = "eng"
    ocr_note: str | None = None  # why the sample was read with another model than its locale's
    image_misses: list[str] = field(default_factory=list)  # missed tokens the clean control read: the image's fault
    beyond_reader: int = 0  # missed tokens the control missed too: beyond the reader

    @property
    def badness(self) -> float:
        missing = 1 - self.found / self.tokens if self.tokens else 0.0
        return missing + 0.2 * len(self.invisible) + 0.05 * (len(self.low_contrast) + len(self.outside) + len(self.crossed)) + 0.1 * len(self.unanswerable)


def _second_language(text: str, lang: str) -> str:
    """The second look's language: the sample's models less those of a script the text does not
    write in (a paper's variable 'g', an e-mail address, a date in digits in a Japanese or Russian
    document): jpn read a lone 'g' as 'に' and '1988/07/12' as '7988/0772', rus a Latin 'T' as a
    Cyrillic 'Т'. Models of Latin-script languages (pol, deu) stay; a text with native digits
    keeps every model."""
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in text):
        return lang
    scripts = {SCRIPT_MODELS.get(unicodedata.name(ch, "").split(" ")[0]) for ch in text if unicodedata.category(ch).startswith("L")}
    scripted = set(SCRIPT_MODELS.values()) | set(COVERED)
    models = lang.split("+")
    kept = [m for m in models if m not in scripted or m in scripts or COVERED.get(m, set()) & scripts]
    if kept == models:  # a CJK text stays with its model alone (with eng beside it, kanji came out as Latin noise)
        return lang
    return "+".join(kept + ([] if "eng" in kept else ["eng"]))


def audit_sample(key: str, image_bytes: bytes, meta: dict[str, Any], installed: frozenset[str] | None = None) -> SampleAudit:
    """Read one sample the audit's way (see the module docstring), with the Tesseract model of its
    locale (`installed`: the models to choose from; default: those installed here)."""
    image = Image.open(io.BytesIO(image_bytes)).convert("RGB")
    pixels = np.asarray(image)
    renderer = str((meta.get("renderer") or {}).get("name", "?"))
    result = SampleAudit(key, str(meta.get("task", "?")), sample_kind(meta), renderer, image.width, image.height)
    result.locale = sample_locale(meta)
    result.ocr_language, result.ocr_note = ocr_language(result.locale, installed)
    lang = result.ocr_language
    items = sample_texts(meta)
    result.texts = len(items)
    inside = []
    for item in items:
        x0, y0, x1, y1 = item.box
        if x0 < -1 or y0 < -1 or x1 > image.width + 1 or y1 > image.height + 1:
            result.outside.append(item.text[:60])
        inset = 2 if item.kind == "cell" else 0  # a cell's box holds its borders
        crop = pixels[max(0, int(y0) + inset) : max(0, int(math.ceil(y1)) - inset), max(0, int(x0) + inset) : max(0, int(math.ceil(x1)) - inset)]
        if crop.size == 0:
            result.invisible.append(item.text[:60])
            continue
        ratio, _, _ = crop_contrast(crop.reshape(-1, 3))
        large = (y1 - y0) >= LARGE_TEXT_PX * 1.1 and item.kind not in ("text", "cell") or (y1 - y0) >= 2 * LARGE_TEXT_PX
        if ratio < INVISIBLE:
            result.invisible.append(f"{item.text[:60]} ({ratio:.2f}:1)")
        elif ratio < LOW_CONTRAST[1 if large else 0]:
            result.low_contrast.append(f"{item.text[:60]} ({ratio:.2f}:1)")
        if item.kind == "value_labels" and foreign_share(crop[1:-1, 1:-1]) > 0.04:
            result.crossed.append(item.text[:60])
        inside.append(item)
    installed = installed_languages() if installed is None else installed
    style = (meta.get("source") or {}).get("style")
    mono = isinstance(style, dict) and "Mono" in str(style.get("font_family", ""))
    read, note = read_texts(image, inside, lang, installed, mono)
    result.ocr_note = result.ocr_note or note
    hits = [token_hits(item.text, words, mono) for item, words in zip(inside, read)]
    controls = control_hits(image, inside, hits, result.locale, lang, installed, mono, sample_serif(meta))
    for item, words, item_hits, control in zip(inside, read, hits, controls):
        for k, (token, ok) in enumerate(item_hits):
            result.tokens += 1
            if ok:
                result.found += 1
                continue
            result.missing.append(f"{token} (in {item.text[:40]!r}, OCR: {' '.join(words)[:40]!r})")
            result.missing_boxes.append(list(item.box))
            if control is not None and control[k]:  # read in the clean control, not in the image: the image's miss
                result.image_misses.append(result.missing[-1])
            else:
                result.beyond_reader += 1
    if (meta.get("generator") or {}).get("name") == "charts":
        result.questions, result.unanswerable = qa_problems(meta)
    if (meta.get("generator") or {}).get("name") == "table_images":
        background = pixels[0, 0].astype(int)
        ink = (np.abs(pixels.astype(int) - background).sum(axis=2) > 30).any(axis=0)
        result.blank_width = round(1 - float(ink.mean()), 3)
    return result


def _retry_languages(lang: str, text: str) -> list[str]:
    """The languages a text OCR missed is read again with: its script's model alone when it was read
    beside English (English's model took 'Σίγουρος' for 'Yiyoupoc', Bengali for 'Stat'), and English
    alone for a text with Latin letters or digits (a CJK model alone read 'Email' as '].104011';
    beside Hindi's, English lost every '1' of '12.5' and '2021' to the danda '।')."""
    models = lang.split("+")
    again = ["+".join(m for m in models if m != "eng")] if "eng" in models and len(models) > 1 else []
    if models != ["eng"] and any("a" <= ch <= "z" or "0" <= ch <= "9" for ch in text.casefold()):
        again.append("eng")
    return again


def _digit_whitelist(text: str) -> str:
    """The characters a digits-only reading may write: Latin digits and signs, and all ten digits of each
    other numbering system the text writes in (Devanagari १२३ read as 'श्२३' without them)."""
    native = {chr(ord(ch) - unicodedata.decimal(ch)) for ch in text if unicodedata.category(ch) == "Nd" and not "0" <= ch <= "9"}
    return DIGITS + "".join(chr(ord(zero) + d) for zero in sorted(native) for d in range(10))


def read_texts(image: Image.Image, items: list[TextItem], lang: str, installed: frozenset[str], mono: bool) -> tuple[list[list[str]], str | None]:
    """(the OCR words read in each item's crop, a note on a missing model): each item read with its
    sample's language and its own script's models (one strip per language); then what that missed
    read again: numbers digits only, other texts with `_retry_language`, and what is still missed from a crop
    without furniture (`_without_furniture`) with `_second_language` (the words of every pass count)."""
    groups: dict[str, list[int]] = defaultdict(list)  # one Tesseract language, one strip
    langs: list[str] = []
    note = None
    for i, item in enumerate(items):
        item_lang, item_note = item_language(item.text, lang, installed)
        groups[item_lang].append(i)
        langs.append(item_lang)
        note = note or item_note
    read: list[list[str]] = [[] for _ in items]
    for item_lang, members in sorted(groups.items()):
        for i, words in zip(members, ocr_items(image, [items[i] for i in members], lang=item_lang)):
            read[i] = words

    def missed(i: int) -> bool:
        return not all(ok for _, ok in token_hits(items[i].text, read[i], mono))

    numeric: dict[str, list[int]] = defaultdict(list)  # numbers the first pass missed: read again, digits only
    for i, item in enumerate(items):
        if _fold(item.text).isdigit() and missed(i):
            numeric[_digit_whitelist(item.text)].append(i)
    for whitelist, members in sorted(numeric.items()):
        for i, words in zip(members, ocr_items(image, [items[i] for i in members], digits=True, lang=lang, whitelist=whitelist)):
            read[i] = read[i] + words
    retry: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        for again in _retry_languages(langs[i], item.text) if missed(i) else []:
            retry[again].append(i)
    for again, members in sorted(retry.items()):
        for i, words in zip(members, ocr_items(image, [items[i] for i in members], lang=again)):
            read[i] = read[i] + words
    clean: dict[str, list[int]] = defaultdict(list)  # still missed: a look without furniture, in a strip of their own
    for i, item in enumerate(items):
        if missed(i):
            clean[_second_language(item.text, langs[i])].append(i)
    for again, members in sorted(clean.items()):
        for i, words in zip(members, ocr_items(image, [items[i] for i in members], lang=again, clean=True)):
            read[i] = read[i] + words
    return read, note


# --- control reads: is a missed token the image's fault or beyond the reader? --------------------

# The face a control text is set in, per script (the first word of a character's Unicode name):
# Debian's Noto faces (fonts-noto-core, fonts-noto-cjk), Noto Sans for Latin, Cyrillic, Greek and the rest.
CONTROL_FACES = {
    "ARABIC": "Noto Sans Arabic", "ARABIC-INDIC": "Noto Sans Arabic", "EXTENDED": "Noto Sans Arabic", "HEBREW": "Noto Sans Hebrew",
    "DEVANAGARI": "Noto Sans Devanagari", "BENGALI": "Noto Sans Bengali", "TAMIL": "Noto Sans Tamil", "THAI": "Noto Sans Thai",
    "GEORGIAN": "Noto Sans Georgian", "ARMENIAN": "Noto Sans Armenian", "ETHIOPIC": "Noto Sans Ethiopic", "LAO": "Noto Sans Lao",
    "KHMER": "Noto Sans Khmer", "MYANMAR": "Noto Sans Myanmar",
}  # fmt: skip
CJK_FACES = {"zh_CN": "Noto Sans CJK SC", "zh_SG": "Noto Sans CJK SC", "zh_TW": "Noto Sans CJK TC", "zh_HK": "Noto Sans CJK HK",
             "ja": "Noto Sans CJK JP", "ko": "Noto Sans CJK KR", "zh": "Noto Sans CJK SC"}  # fmt: skip
CJK_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "FULLWIDTH", "HALFWIDTH")
CONTROL_PX = 64  # size the control's face is measured at before it is scaled to the image's ink height


@functools.lru_cache(maxsize=None)
def _face(family: str, size: int):
    """A TrueType face by family name (fontconfig's file and index), with raqm layout (shaping, bidi)."""
    import subprocess

    from PIL import ImageFont

    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", f"{family}:style=Regular"], capture_output=True, text=True,
                             timeout=20, check=True).stdout
        path, index = out.split("\t")
        return ImageFont.truetype(path, size, index=int(index or 0), layout_engine=ImageFont.Layout.RAQM)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        log.warning("control reads: no face for %s (%s); PIL's default face", family, exc)
        return ImageFont.load_default(size)


def _face_name(ch: str, locale: str, current: str, serif: bool = False) -> str:
    script = unicodedata.name(ch, "").split(" ")[0]
    if not ch.strip() or unicodedata.category(ch)[0] == "M" and script not in CONTROL_FACES:
        return current  # spaces and combining accents stay in the run they are in
    if script in CJK_SCRIPTS:
        name = CJK_FACES.get(locale) or CJK_FACES.get(locale.split("_")[0]) or "Noto Sans CJK SC"
    else:
        name = CONTROL_FACES.get(script, "Noto Sans")
    if serif:  # the serif cut of the script (Arabic's is Naskh), when it is installed
        cut = "Noto Naskh Arabic" if name == "Noto Sans Arabic" else name.replace("Noto Sans", "Noto Serif")
        name = cut if _face(cut, CONTROL_PX).getname()[0] == cut else name
    return name


def sample_serif(meta: dict[str, Any]) -> bool:
    """Whether the sample's body text is set in a serif face (its first family names a Serif, not a Sans):
    the control is set in the serif cut then (Ethiopic read clean in Noto Sans and missed in Noto Serif
    was no image fault: 449 such 'image misses' in 10 Amharic samples)."""
    source = meta.get("source") or {}
    style = source.get("style") if isinstance(source.get("style"), dict) else {}
    theme = source.get("theme") if isinstance(source.get("theme"), dict) else {}
    for value in ((style.get("fonts") or {}).get("body") if isinstance(style.get("fonts"), dict) else None, style.get("font_family"),
                  (theme.get("fonts") or {}).get("body") if isinstance(theme.get("fonts"), dict) else None, theme.get("font")):
        if isinstance(value, str) and value:
            first = value.split(",")[0]
            return "Serif" in first or "Naskh" in first
    return False


def _ink_height(image: Image.Image, item: TextItem) -> float:
    """Height of one line's ink in an item's box (rows that hold ink, in runs: their median)."""
    x0, y0, x1, y1 = (int(math.floor(item.box[0])), int(math.floor(item.box[1])), int(math.ceil(item.box[2])), int(math.ceil(item.box[3])))
    rgb = np.asarray(image.crop((max(0, x0), max(0, y0), min(image.width, x1), min(image.height, y1))).convert("RGB"), dtype=np.float64)
    if rgb.size == 0:
        return max(1.0, y1 - y0)
    ink = np.linalg.norm(rgb - _background(rgb.reshape(-1, 3).astype(np.uint8)), axis=2) > 60
    if item.angle:  # measured across the turned line
        ink = np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).rotate(-item.angle, expand=True)) > 127
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ink.any(axis=1).astype(np.int8), [0]])))
    runs = edges[1::2] - edges[::2]
    runs = runs[runs >= 0.4 * runs.max()] if len(runs) else runs  # as in _prepare: marks apart from their line are no line
    return float(np.median(runs)) if len(runs) else max(1.0, y1 - y0)


def _draw_line(text: str, locale: str, size: int, serif: bool = False) -> Image.Image:
    """One line of text, black on white, each script's run in its Noto face (raqm shapes and orders it)."""
    runs: list[tuple[str, str]] = []
    for ch in text:
        name = _face_name(ch, locale, runs[-1][0] if runs else "Noto Sans", serif)
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + ch)
        else:
            runs.append((name, ch))
    widths = [_face(name, size).getlength(run) for name, run in runs]
    canvas = Image.new("L", (int(sum(widths)) + size, 3 * size), 255)
    draw = ImageDraw.Draw(canvas)
    x = size / 2
    for (name, run), width in zip(runs, widths):
        draw.text((x, 2 * size), run, fill=0, font=_face(name, size), anchor="ls")
        x += width
    return canvas


def control_image(texts: list[tuple[str, float]], locale: str, serif: bool = False) -> tuple[Image.Image, list[TextItem]]:
    """The control: each (text, ink height) set on a line of its own, clean, black on white, in a Noto
    face of its script (its serif cut for `serif`) at the image's ink height; with the items (text and
    box) the audit reads."""
    lines = []
    for text, height in texts:
        flat = " ".join(text.split())
        probe = _draw_line(flat, locale, CONTROL_PX, serif)
        ink = (np.asarray(probe) < 128).any(axis=1)
        measured = max(1, int(ink.sum()))
        size = max(6, round(CONTROL_PX * height / measured))
        line = _draw_line(flat, locale, size, serif)
        lines.append(line.crop(ImageOps.invert(line).getbbox() or (0, 0, line.width, line.height)))
    width = max((line.width for line in lines), default=1) + 2 * GAP_PX
    canvas = Image.new("RGB", (width, sum(line.height + 2 * GAP_PX for line in lines) + GAP_PX), "#ffffff")
    items = []
    y = GAP_PX
    for (text, _), line in zip(texts, lines):
        canvas.paste(line.convert("RGB"), (GAP_PX, y))
        items.append(TextItem(text, (GAP_PX - 1, y - 1, GAP_PX + line.width + 1, y + line.height + 1), "text"))
        y += line.height + 2 * GAP_PX
    return canvas, items


def control_hits(image: Image.Image, items: list[TextItem], hits: list[list[tuple[str, bool]]], locale: str, lang: str,
                 installed: frozenset[str], mono: bool, serif: bool = False) -> list[list[bool] | None]:
    """Per item, whether each token is read in the control (None for items OCR missed nothing of):
    a token missed in the image and read in the control is the image's miss; one missed in both is
    beyond the reader (Tesseract does not read that text even clean)."""
    missed = [i for i, item_hits in enumerate(hits) if not all(ok for _, ok in item_hits)]
    out: list[list[bool] | None] = [None] * len(items)
    if not missed:
        return out
    canvas, controls = control_image([(items[i].text, _ink_height(image, items[i])) for i in missed], locale, serif)
    read, _ = read_texts(canvas, controls, lang, installed, mono)
    for i, control, words in zip(missed, controls, read):
        out[i] = [ok for _, ok in token_hits(control.text, words, mono)]
    return out


def _audit_raw(args: tuple[str, bytes, bytes]) -> SampleAudit:
    from factory.meta import unpack

    key, image, meta_bytes = args
    return audit_sample(key, image, unpack(json.loads(meta_bytes)))


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"  # Tesseract's own threads would fight the worker processes


# --- the dataset ---------------------------------------------------------------------------------


def check_ocr() -> None:
    if shutil.which("tesseract") is None:
        raise FactoryError("the audit reads images with Tesseract, which is not installed: "
                           "sudo apt-get install -y tesseract-ocr tesseract-ocr-eng (scripts/setup.sh installs it)")


def _samples(store, manifest: dict[str, Any], limit: int):
    """Up to `limit` samples spread evenly over the shards (the first ones of each; a shard with
    fewer samples than its share leaves the rest to the others)."""
    shards = manifest["shards"]
    sizes = [int(entry.get("samples", 0)) for entry in shards]
    share = [0] * len(shards)
    left = min(limit, sum(sizes))
    while left > 0:
        open_ = [i for i, n in enumerate(sizes) if share[i] < n]
        each = max(1, left // len(open_))
        for i in open_:
            extra = min(each, sizes[i] - share[i], left)
            share[i] += extra
            left -= extra
            if left == 0:
                break
    for entry, wanted in zip(shards, share):
        if wanted == 0:
            continue
        for n, sample in enumerate(iter_shard(store, entry["name"])):
            if n >= wanted:
                break
            yield sample


def run_audit(dataset: str, samples: int = 300, workers: int | None = None) -> tuple[dict[str, Any], list[SampleAudit], dict[str, bytes]]:
    """Audit up to `samples` samples; returns the JSON summary, every sample's audit and the
    images of the worst ones (for thumbnails). Reads the dataset only."""
    check_ocr()
    if samples < 1:
        raise FactoryError(f"--samples must be at least 1, got {samples}")
    store, manifest = load_manifest(dataset)
    raw = [(s.key, s.image, s.members["json"]) for s in _samples(store, manifest, samples)]
    t0 = time.perf_counter()
    workers = max(1, workers or os.cpu_count() or 1)
    if workers == 1:
        _init_worker()
        results = [_audit_raw(r) for r in raw]
    else:
        with ProcessPoolExecutor(workers, initializer=_init_worker) as pool:
            results = list(pool.map(_audit_raw, raw, chunksize=2))
    seconds = time.perf_counter() - t0
    summary = summarise(results, manifest, dataset, seconds)
    worst_keys = {w["key"] for task in summary["tasks"].values() for w in task["worst"]}
    images = {key: image for key, image, _ in raw if key in worst_keys}
    return summary, results, images


def _image_figures(group: list[SampleAudit]) -> dict[str, Any]:
    """Missed tokens split by the control read: the image's misses (read clean, not in the image) and
    those beyond the reader (missed clean too); `tokens_found_or_beyond_reader` = 1 - image misses / tokens."""
    tokens = sum(r.tokens for r in group)
    misses = sum(len(r.image_misses) for r in group)
    return {
        "tokens_image_misses": misses,
        "tokens_beyond_reader": sum(r.beyond_reader for r in group),
        "tokens_found_or_beyond_reader": round(1 - misses / tokens, 4) if tokens else None,
    }


def _figures(group: list[SampleAudit]) -> dict[str, Any]:
    tokens = sum(r.tokens for r in group)
    return {
        "samples": len(group),
        "tokens_found": round(sum(r.found for r in group) / tokens, 4) if tokens else None,
        **_image_figures(group),
        "samples_invisible_text": sum(bool(r.invisible) for r in group),
        "texts_low_contrast": sum(len(r.low_contrast) for r in group),
        "questions_unanswerable": sum(len(r.unanswerable) for r in group),
    }


def summarise(results: list[SampleAudit], manifest: dict[str, Any], dataset: str, seconds: float) -> dict[str, Any]:
    by_task: dict[str, list[SampleAudit]] = defaultdict(list)
    by_renderer: dict[str, list[SampleAudit]] = defaultdict(list)
    by_locale: dict[str, list[SampleAudit]] = defaultdict(list)
    for r in results:
        by_task[r.task].append(r)
        by_renderer[r.renderer].append(r)
        by_locale[r.locale].append(r)
    tasks = {}
    for task, group in sorted(by_task.items()):
        token_total = sum(r.tokens for r in group)
        questions = sum(r.questions for r in group)
        unanswerable = sum(len(r.unanswerable) for r in group)
        blanks = [r.blank_width for r in group if r.blank_width is not None]
        worst = sorted(group, key=lambda r: (-r.badness, r.key))[:MAX_WORST]
        tasks[task] = {
            "samples": len(group),
            "texts": sum(r.texts for r in group),
            "tokens": token_total,
            "tokens_found": round(sum(r.found for r in group) / token_total, 4) if token_total else None,
            **_image_figures(group),
            "texts_low_contrast": sum(len(r.low_contrast) for r in group),
            "samples_low_contrast": sum(bool(r.low_contrast) for r in group),
            "texts_invisible": sum(len(r.invisible) for r in group),
            "samples_invisible_text": sum(bool(r.invisible) for r in group),
            "boxes_outside_canvas": sum(len(r.outside) for r in group),
            "value_labels_crossed_by_marks": sum(len(r.crossed) for r in group),
            "questions": questions,
            "questions_unanswerable": unanswerable,
            "tables_over_25pct_blank_width": sum(b > BLANK_WIDTH for b in blanks) if blanks else None,
            "worst": [{"key": r.key, "kind": r.kind, "badness": round(r.badness, 3), "tokens": r.tokens, "found": r.found,
                       "missing": r.missing[:12], "image_misses": r.image_misses[:12], "low_contrast": r.low_contrast[:6], "invisible": r.invisible[:6],
                       "outside": r.outside[:6], "crossed": r.crossed[:6], "unanswerable": r.unanswerable[:6]} for r in worst],
        }
    token_total = sum(r.tokens for r in results)
    return {
        "dataset": dataset,
        "name": manifest.get("name", ""),
        "samples_audited": len(results),
        "samples_in_dataset": (manifest.get("samples") or {}).get("total"),
        "seconds": round(seconds, 1),
        "ocr": _ocr_version(),
        "tokens_found": round(sum(r.found for r in results) / token_total, 4) if token_total else None,
        **_image_figures(results),
        "tasks": tasks,
        "renderers": {name: _figures(group) for name, group in sorted(by_renderer.items())},
        "locales": {locale: {"ocr_language": group[0].ocr_language, **_figures(group)} for locale, group in sorted(by_locale.items())},
        # locales read with another model than their own (its data is not installed): their figures say little
        "ocr_notes": sorted({r.ocr_note for r in results if r.ocr_note}),
    }


def _ocr_version() -> str:
    import pytesseract

    try:
        return f"tesseract {pytesseract.get_tesseract_version()}"
    except (OSError, RuntimeError) as exc:  # pytesseract raises its own TesseractNotFoundError (an OSError)
        return f"tesseract unavailable ({exc})"


# --- the page ------------------------------------------------------------------------------------


def _thumbnail(image_bytes: bytes, boxes: list[list[float]]) -> str:
    image = Image.open(io.BytesIO(image_bytes)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle([x0 - 2, y0 - 2, x1 + 2, y1 + 2], outline=(220, 30, 30), width=3)
    image.thumbnail((THUMB_PX, THUMB_PX * 3))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


PAGE = jinja2.Template(
    page_head('Audit: {{ s.name }}')
    + """
<body>
<h1>Audit: {{ s.name }}</h1>
<div class="muted">{{ s.samples_audited }} of {{ s.samples_in_dataset }} samples read in {{ s.seconds }} s with {{ s.ocr }}; dataset <code>{{ s.dataset }}</code>.
Nothing in the dataset was changed.</div>
<p>Every text the json gives a box for is cut out of the image and read by OCR; a token is found when the OCR of its own crop holds it.
A missed token's text is then set again cleanly (black on white, a Noto face of its script, at the image's ink height) and read the same way:
read there, it is the image's miss; missed there too, it is beyond the reader (Tesseract), not the image's fault.
Contrast is measured from the pixels (WCAG: below 4.5:1 is low, 3:1 for large text; below 1.5:1 is invisible).
Chart questions are re-checked against the drawn texts.</p>

{% for note in s.ocr_notes %}<p class="warn">OCR: {{ note }}</p>{% endfor %}

<h2>Per task</h2>
<table><tr><th>task</th><th>samples</th><th>tokens</th><th>tokens found</th><th>image misses (beyond the reader)</th><th>found or beyond the reader</th><th>low-contrast texts (samples)</th><th>invisible texts (samples)</th>
<th>boxes outside canvas</th><th>value labels crossed by marks</th><th>questions (unanswerable)</th><th>tables &gt;25% blank</th></tr>
{% for task, t in s.tasks.items() %}<tr><td>{{ task }}</td><td class="num">{{ t.samples }}</td><td class="num">{{ t.tokens }}</td>
<td class="num">{{ t.tokens_found }}</td><td class="num {{ 'warn' if t.tokens_image_misses else 'ok' }}">{{ t.tokens_image_misses }} ({{ t.tokens_beyond_reader }})</td>
<td class="num">{{ t.tokens_found_or_beyond_reader }}</td><td class="num">{{ t.texts_low_contrast }} ({{ t.samples_low_contrast }})</td>
<td class="num {{ 'warn' if t.texts_invisible else 'ok' }}">{{ t.texts_invisible }} ({{ t.samples_invisible_text }})</td>
<td class="num">{{ t.boxes_outside_canvas }}</td><td class="num">{{ t.value_labels_crossed_by_marks }}</td>
<td class="num {{ 'warn' if t.questions_unanswerable else '' }}">{{ t.questions }} ({{ t.questions_unanswerable }})</td>
<td class="num">{{ '' if t.tables_over_25pct_blank_width is none else t.tables_over_25pct_blank_width }}</td></tr>{% endfor %}
</table>

<h2>Per renderer</h2>
<table><tr><th>renderer</th><th>samples</th><th>tokens found</th><th>samples with invisible text</th><th>low-contrast texts</th><th>unanswerable questions</th></tr>
{% for name, r in s.renderers.items() %}<tr><td>{{ name }}</td><td class="num">{{ r.samples }}</td><td class="num">{{ r.tokens_found }}</td>
<td class="num">{{ r.samples_invisible_text }}</td><td class="num">{{ r.texts_low_contrast }}</td><td class="num">{{ r.questions_unanswerable }}</td></tr>{% endfor %}
</table>

<h2>Per locale</h2>
<p class="muted">Each sample is read with the Tesseract model of its locale and English's (numbers and Latin names appear in every script).</p>
<table><tr><th>locale</th><th>OCR language</th><th>samples</th><th>tokens found</th><th>image misses (beyond the reader)</th><th>found or beyond the reader</th><th>samples with invisible text</th><th>low-contrast texts</th></tr>
{% for name, r in s.locales.items() %}<tr><td>{{ name }}</td><td>{{ r.ocr_language }}</td><td class="num">{{ r.samples }}</td><td class="num">{{ r.tokens_found }}</td>
<td class="num">{{ r.tokens_image_misses }} ({{ r.tokens_beyond_reader }})</td><td class="num">{{ r.tokens_found_or_beyond_reader }}</td>
<td class="num">{{ r.samples_invisible_text }}</td><td class="num">{{ r.texts_low_contrast }}</td></tr>{% endfor %}
</table>

<h2>Worst samples</h2>
<p class="muted">Per task, the samples with the most missing tokens and flags; red boxes mark texts with a token OCR did not find.</p>
{% for task, t in s.tasks.items() %}<h3>{{ task }}</h3>
<table><tr><th>sample</th><th>picture</th><th>what the audit found</th></tr>
{% for w in t.worst %}<tr><td><code>{{ w.key }}</code><br>{{ w.kind }}<br>{{ w.found }} of {{ w.tokens }} tokens</td>
<td>{% if thumbs.get(w.key) %}<img alt="{{ w.key }}" src="{{ thumbs[w.key] }}">{% endif %}</td>
<td>{% for label, items in [("missing", w.missing), ("missed in the image, read in the control", w.image_misses), ("low contrast", w.low_contrast), ("invisible", w.invisible), ("outside the canvas", w.outside), ("crossed by a mark", w.crossed), ("unanswerable", w.unanswerable)] %}
{% if items %}<b>{{ label }}</b>: {% for i in items %}<code>{{ i }}</code>{% if not loop.last %}; {% endif %}{% endfor %}<br>{% endif %}{% endfor %}</td></tr>{% endfor %}
</table>{% endfor %}
</body>
</html>
""",
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def write_audit(dataset: str, out: str | Path, json_out: str | Path | None = None, samples: int = 300,
                workers: int | None = None) -> tuple[Path, Path, dict[str, Any]]:
    summary, results, images = run_audit(dataset, samples, workers)
    by_key = {r.key: r for r in results}
    thumbs = {key: _thumbnail(image, by_key[key].missing_boxes) for key, image in images.items()}
    page = PAGE.render(s=summary, thumbs=thumbs)
    path = Path(out)
    json_path = Path(json_out) if json_out else path.with_suffix(".json")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise FactoryError(f"cannot write the audit to '{path}': {exc.strerror or exc}; choose another --out") from None
    return path, json_path, summary


def cmd_audit(args: argparse.Namespace) -> int:
    path, json_path, summary = write_audit(args.dataset, args.out, args.json, args.samples, args.workers)
    for task, t in summary["tasks"].items():
        print(f"{task}: {t['samples']} samples, tokens found {t['tokens_found']} (image misses {t['tokens_image_misses']}, "
              f"beyond the reader {t['tokens_beyond_reader']}), invisible-text samples "
              f"{t['samples_invisible_text']}, low-contrast texts {t['texts_low_contrast']}, questions unanswerable "
              f"{t['questions_unanswerable']} of {t['questions']}")
    for note in summary["ocr_notes"]:
        print(f"note: {note}")
    print(f"audit of {summary['samples_audited']} samples written to {path.resolve()} and {json_path.resolve()}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="read a finished dataset with OCR: is every target token legible in its image?")
    p.add_argument("dataset", help="dataset folder or URL (holds manifest.json)")
    p.add_argument("--samples", type=int, default=300, help="audit at most this many samples, spread over the shards (default 300)")
    p.add_argument("--out", default="audit.html", help="HTML page to write (default: audit.html)")
    p.add_argument("--json", help="JSON summary to write (default: the page's name with .json)")
    p.add_argument("--workers", type=int, help="OCR processes (default: all cores)")
    p.set_defaults(func=cmd_audit)


__all__ = ["SampleAudit", "add_parser", "audit_sample", "crop_contrast", "foreign_share", "run_audit", "sample_texts", "write_audit"]
