"""OCR of a sample's texts, each from its own crop: crops prepared for Tesseract (dark ink on white,
small text scaled up, rotated labels turned level), stacked into strips (one Tesseract call per
strip, not per text), and one retry policy (`readings`) for the texts whose tokens are missed."""

from __future__ import annotations

import functools
import logging
import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from factory.tools.audit.languages import digit_models, item_language, legacy_models, own_scripts, script_models, tessdata, without_english
from factory.tools.audit.pixels import background
from factory.tools.audit.texts import TextItem
from factory.tools.audit.tokens import all_found, fold

log = logging.getLogger(__name__)

STRIP_MAX_PX = 7000  # a strip taller than this is cut in two (Tesseract slows on huge images)
GAP_PX = 18
OCR_INK_PX = 26  # small chart text is scaled up until a line's ink is about this tall
PSM = 6  # Tesseract page segmentation: a block of lines (the strip), one crop a line
DIGITS = "0123456789.,%-+kMGT"
MAX_CROP_PX = 4_000_000  # a prepared crop is scaled up no further than this (honest samples' largest: 0.37 MP)


def prepare(image: Image.Image, item: TextItem, clean: bool = False) -> Image.Image | None:
    """An item's crop as Tesseract reads it best: dark ink on white whatever the colours, scaled until
    a line's ink is OCR_INK_PX tall, turned level; `clean`: without furniture (`without_furniture`).
    None when the box holds no pixels."""
    x0, y0, x1, y1 = item.box
    # a page text gets some room; a chart label's neighbour (a bar's end) and a cell's borders stay out
    pad = {"text": 3, "cell": -2}.get(item.kind, 1)
    mark = len(fold(item.text)) <= 2
    if mark and item.kind == "text":  # a footnote mark, a variable, a numerator: its neighbours' ink stays out
        pad = 0
    box = (max(0, int(math.floor(x0)) - pad), max(0, int(math.floor(y0)) - pad),
           min(image.width, int(math.ceil(x1)) + pad), min(image.height, int(math.ceil(y1)) + pad))
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return None
    rgb = np.asarray(image.crop(box).convert("RGB"), dtype=np.float64)
    # the background is the crop's most common colour: its border can be mostly a table's rules
    # (a row's top and bottom lines), whose median made a white row read as grey ink
    distance = np.linalg.norm(rgb - background(rgb.reshape(-1, 3).astype(np.uint8)), axis=2)
    # dark ink on white, as far from white as the pixel is from the crop's background, whatever the colours
    ink = np.clip(distance / max(float(distance.max()), 40.0), 0.0, 1.0)
    if mark and item.kind == "text":  # a fraction bar running through a short text's box, edge to edge, is no glyph of it
        solid = ink > 0.5
        ink[solid[:, 0] & solid[:, -1] & (solid.mean(axis=1) > 0.8)] = 0.0
    if clean:
        ink = without_furniture(ink, (int(math.floor(y0)) - box[1], box[3] - int(math.ceil(y1))))
    crop = Image.fromarray((255 * (1.0 - ink)).astype(np.uint8), "L")
    if item.angle:
        crop = crop.rotate(-item.angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if item.angle:  # a rotated label's box says little about its size (and holds its neighbours' ends)
        scale = 2.5
    else:  # scale by the height of a line's ink: runs of inked rows, one per line
        scale = min(4.0, max(0.5, OCR_INK_PX / max(line_height(np.asarray(crop) < 160, crop.height), 1.0)))
    scale = min(scale, math.sqrt(MAX_CROP_PX / (crop.width * crop.height)))  # a huge box with specks of ink: bounded
    if scale != 1.0:
        crop = crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))), Image.Resampling.LANCZOS)
    return ImageOps.expand(crop, border=8, fill=255)


def line_height(ink: np.ndarray, default: float) -> float:
    """Height of one line of text in an ink mask: the median run of inked rows. Rows of marks apart
    from their line (Thai vowels and tone marks, Arabic dots, an i's dot) are no line: as runs of
    their own they halved the median and scaled the text up to 4x."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ink.any(axis=1).astype(np.int8), [0]])))
    runs = edges[1::2] - edges[::2]
    runs = runs[runs >= 0.4 * runs.max()] if len(runs) else runs
    return float(np.median(runs)) if len(runs) else default


def without_furniture(ink: np.ndarray, pads: tuple[int, int]) -> np.ndarray:
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


def read_crops(crops: list[Image.Image | None], lang: str = "eng", whitelist: str | None = None, oem: int | None = None) -> list[list[str]]:
    """The OCR words read in each crop, the crops stacked into strips (one Tesseract call per strip),
    with the Tesseract language `lang` ('rus+eng'); `whitelist`: only these characters (numbers);
    `oem`: Tesseract's engine (0: legacy), its default (LSTM) when None."""
    import pytesseract

    words: list[list[str]] = [[] for _ in crops]
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
        config = (f"{tessdata()[0]} --psm {PSM}" + (f" --oem {oem}" if oem is not None else "")
                  + (f" -c tessedit_char_whitelist={whitelist}" if whitelist else ""))
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


def ocr_items(image: Image.Image, items: list[TextItem], lang: str = "eng", whitelist: str | None = None,
              clean: bool = False) -> list[list[str]]:
    """The OCR words read in each item's own crop of `image` (see `prepare` and `read_crops`)."""
    return read_crops([prepare(image, item, clean) for item in items], lang, whitelist)


# --- the retry policy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One reading of a text: its crop as drawn or `clean` (`without_furniture`), with Tesseract
    language `lang`, numbers only with `whitelist`'s characters or (None) every character, with
    Tesseract's engine `oem` (0: legacy; None: its default, LSTM). `step` orders the readings;
    texts at the same step with the same reading share one strip."""

    step: int
    lang: str
    whitelist: str | None = None
    clean: bool = False
    oem: int | None = None

    @property
    def how(self) -> tuple[str, str | None, bool, int | None]:
        return self.lang, self.whitelist, self.clean, self.oem


def digit_whitelist(text: str) -> str:
    """The characters a digits-only reading may write: Latin digits and signs, and all ten digits of each
    other numbering system the text writes in (Devanagari १२३ read as 'श्२३' without them)."""
    native = {chr(ord(ch) - unicodedata.decimal(ch)) for ch in text if unicodedata.category(ch) == "Nd" and not "0" <= ch <= "9"}
    return DIGITS + "".join(chr(ord(zero) + d) for zero in sorted(native) for d in range(10))


def readings(text: str, lang: str, script: str | None = None, legacy: str | None = None, digits: str | None = None) -> list[Reading]:
    """Every reading of a text, in the order they are tried; each after the first only while a token
    of the text is still missing (a token counts as found when any reading holds it):

    0. the crop as drawn, with `lang` (the sample's models and those of the scripts the text writes in);
    1. a number, digits only, its native digits allowed;
    2. without English, when the text writes letters or digits the other models read (`without_english`);
    3. English alone, when the text holds Latin letters or digits (a CJK model alone read 'Email'
       as '].104011'; beside Hindi's, English lost every '1' of '12.5' and '2021' to the danda '।');
    4. the clean crop, in a strip of missed texts, with the models of the scripts the text writes in
       (`own_scripts`): a Japanese letter's sender read as nothing beside the address line's tops;
    5. with `script`, Tesseract's models of the text's scripts (`script_models`): faces the
       language's model barely reads (Noto Serif Ethiopic);
    6. the clean crop with `legacy`, the legacy engine's models of the text's scripts (`legacy_models`,
       `--oem 0`): Tesseract's 4.0.0 amh read Noto Serif Ethiopic words ('ሰንጠረዥ', 'ቀን') every LSTM
       model missed; on the multilingual set's am_ET documents it found more on the clean crop than on
       the crop as drawn (0.920 against 0.894 of the tokens), whose neighbouring lines' ink it minds;
    7. with `digits`, the models that read the text's native digits its script's models barely read
       (`digit_models`: Persian's for Arabic-Indic digits).

    A reading the text already had is not repeated. The clean crop is read even where it holds the
    very pixels of the crop as drawn: in a strip of missed texts Tesseract reads them otherwise (46 of
    870 Korean and Chinese tokens were read only so)."""
    steps = [Reading(0, lang)]
    if fold(text).isdigit():
        steps.append(Reading(1, lang, digit_whitelist(text)))
    alone = without_english(lang, text)
    if alone:
        steps.append(Reading(2, alone))
    if lang != "eng" and any("a" <= ch <= "z" or "0" <= ch <= "9" for ch in text.casefold()):
        steps.append(Reading(3, "eng"))
    steps.append(Reading(4, own_scripts(text, lang), clean=True))
    if script:
        steps.append(Reading(5, script))
    if legacy:
        steps.append(Reading(6, legacy, clean=True, oem=0))
    if digits:
        steps.append(Reading(7, digits))
    out: list[Reading] = []
    for reading in steps:
        if all(reading.how != r.how for r in out):
            out.append(reading)
    return out


STEPS = 8


def read_texts(image: Image.Image, items: list[TextItem], lang: str, installed: frozenset[str], mono: bool) -> tuple[list[list[list[str]]], str | None]:
    """(per item, the OCR words of each of its readings; a note on a missing model): the items read by
    the steps of `readings`, step by step, each step reading in one strip per reading the items it
    still misses a token of."""
    note = None
    plans: list[list[Reading]] = []
    for item in items:
        item_lang, item_note = item_language(item.text, lang, installed)
        legacy, legacy_note = legacy_models(item.text, installed)
        note = note or item_note or legacy_note
        plans.append(readings(item.text, item_lang, script_models(item.text, installed), legacy, digit_models(item.text, item_lang, installed)))
    read: list[list[list[str]]] = [[] for _ in items]
    for step in range(STEPS):
        groups: dict[Reading, list[int]] = defaultdict(list)
        for i, item in enumerate(items):
            reading = next((r for r in plans[i] if r.step == step), None)
            if reading is None or (step and all_found(item.text, read[i], mono)):
                continue
            groups[reading].append(i)
        for reading, members in sorted(groups.items(), key=lambda g: (g[0].lang, g[0].whitelist or "")):
            batch = [prepare(image, items[i], reading.clean) for i in members]
            for i, words in zip(members, read_crops(batch, reading.lang, reading.whitelist, reading.oem)):
                read[i].append(words)
    engine = _han_reader()
    for i, item in enumerate(items):  # Han text Tesseract still misses: read once more by RapidOCR
        if engine is not None and _writes_han(item.text) and not all_found(item.text, read[i], mono):
            crop = prepare(image, item)
            if crop is not None:
                result, _ = engine(np.asarray(crop.convert("RGB")))
                read[i].append([line[1] for line in result or []])
    return read, note


HAN = ("CJK", "HIRAGANA", "KATAKANA")  # PP-OCR's Chinese model reads kana too, not Hangul


def _writes_han(text: str) -> bool:
    return any(unicodedata.name(ch, "").split(" ")[0] in HAN for ch in text if unicodedata.category(ch).startswith("L"))


@functools.lru_cache(maxsize=1)
def _han_reader():
    """RapidOCR (rapidocr-onnxruntime, PP-OCRv4 Chinese/English models shipped in its wheel), or None when
    it is not installed (`pip install 'render-factory[audit]'`): Tesseract's jpn and chi_* models missed
    small kanji and hanzi ('麒麟' at 11 px) that it reads."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        log.warning("rapidocr-onnxruntime is not installed: Han text is read by Tesseract alone (pip install 'render-factory[audit]')")
        return None
    # one thread: the audit already runs one OCR process per core
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

