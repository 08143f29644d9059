"""One sample's audit: its texts' contrast and boxes from the pixels, its tokens read by OCR (and the
missed ones by the control), its questions re-checked, a table image's blank width."""

from __future__ import annotations

import io
import json
import math
import warnings
from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import Any

import numpy as np
from PIL import Image

from factory.tools.audit.control import control_hits, ink_height, line_estimate
from factory.tools.audit.languages import installed_languages, ocr_language
from factory.tools.audit.pixels import INVISIBLE, LARGE_TEXT_PX, LOW_CONTRAST, blank_width, crop_contrast, foreign_share
from factory.tools.audit.qa import qa_problems
from factory.tools.audit.reading import OCR_INK_PX, read_texts
from factory.tools.audit.texts import SampleDamage, TextItem, field_of, sample_locale, sample_mono, sample_serif, sample_texts
from factory.tools.audit.tokens import token_hits
from factory.tools.preview import sample_kind

# Bounds on one sample's audit, so a damaged or hostile sample costs bounded memory and time (one
# with 20,000 legend texts ran over 240 s at 5.6 GB before). A larger image is a damaged sample;
# texts past a bound are skipped and counted (`texts_skipped`), in the json's order. Honest samples
# sit far below them: images of at most 2.6 MP, 172 texts, 470 characters a text (over 7,000
# samples of every generator), reading costs of at most 6.5 MP (1,100 of them: documents 6.5, pages
# 4.4, tables 3.7, charts 0.7).
MAX_IMAGE_PX = 12_000_000
MAX_TEXTS = 500  # texts audited per sample
MAX_TEXT_CHARS = 2000  # a longer text is skipped
READ_BUDGET_PX = 16_000_000  # texts audited while what reading them costs (`read_cost`) comes to at most this


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
    texts_skipped: int = 0  # texts past the bounds above, not audited

    @property
    def badness(self) -> float:
        missing = 1 - self.found / self.tokens if self.tokens else 0.0
        return missing + 0.2 * len(self.invisible) + 0.05 * (len(self.low_contrast) + len(self.outside) + len(self.crossed)) + 0.1 * len(self.unanswerable)


def read_cost(item: TextItem, box_px: int, ink: float) -> float:
    """About the pixels reading a text costs: its box, its crop as scaled for OCR (`prepare`: to an ink
    height of OCR_INK_PX, 0.5 to 4 times; a rotated label 2.5 times) and its control line."""
    scale = 2.5 if item.angle else min(4.0, max(0.5, OCR_INK_PX / max(ink, 1.0)))
    return box_px * (1 + scale * scale) + line_estimate(item.text, ink)


def read_meta(data: bytes | None) -> dict[str, Any]:
    """A json member as the audit reads it; a SampleDamage when it is missing or no JSON object."""
    from factory.meta import unpack

    if data is None:
        raise SampleDamage("it has no json member")
    try:
        meta = json.loads(data)
        if not isinstance(meta, dict):
            raise SampleDamage(f"its json member is a JSON {type(meta).__name__}, not an object")
        return unpack(meta)
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON (the member or a field packed in it), nested too deep
        raise SampleDamage(f"its json member is not readable JSON ({exc})") from None


def read_image(data: bytes | None) -> Image.Image:
    """A sample's image, decoded; a SampleDamage when it is missing, does not decode (a truncated PNG)
    or is over MAX_IMAGE_PX (checked on its header, before decoding)."""
    if data is None:
        raise SampleDamage("it has no image member (png, jpg or webp)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_IMAGE_PX:
                raise SampleDamage(f"its image is {image.width}x{image.height} pixels, over the audit's {MAX_IMAGE_PX / 1e6:g} MP bound")
            return image.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # PIL's own bound, checked on opening
        raise SampleDamage(f"its image is over the audit's {MAX_IMAGE_PX / 1e6:g} MP bound ({exc})") from None
    except (OSError, ValueError, EOFError) as exc:
        raise SampleDamage(f"its image cannot be decoded ({exc})") from None


def audit_sample(key: str, image_bytes: bytes | None, meta: dict[str, Any], installed: frozenset[str] | None = None) -> SampleAudit:
    """Read one sample the audit's way (see the package docstring), with the Tesseract model of its
    locale (`installed`: the models to choose from; default: those installed here). A SampleDamage
    when its json or image cannot be read; texts past the bounds above are skipped and counted."""
    items = sample_texts(meta)  # first: it names a damaged json's fault (a box, a field that is no object)
    image = read_image(image_bytes)
    pixels = np.asarray(image)
    renderer = str(field_of(meta, "renderer").get("name", "?"))
    result = SampleAudit(key, str(meta.get("task", "?")), sample_kind(meta), renderer, image.width, image.height)
    result.locale = sample_locale(meta)
    result.ocr_language, result.ocr_note = ocr_language(result.locale, installed)
    lang = result.ocr_language
    result.texts = len(items)
    inside = []
    spent, audited = 0.0, 0
    for item in items:
        if audited >= MAX_TEXTS or len(item.text) > MAX_TEXT_CHARS:
            result.texts_skipped += 1
            continue
        x0, y0, x1, y1 = item.box
        inset = 2 if item.kind == "cell" else 0  # a cell's box holds its borders
        crop = pixels[max(0, int(y0) + inset) : max(0, int(math.ceil(y1)) - inset), max(0, int(x0) + inset) : max(0, int(math.ceil(x1)) - inset)]
        cost = read_cost(item, crop.size // 3, ink_height(image, item)) if crop.size else 0.0
        if spent + cost > READ_BUDGET_PX:
            result.texts_skipped += 1
            continue
        spent, audited = spent + cost, audited + 1
        if x0 < -1 or y0 < -1 or x1 > image.width + 1 or y1 > image.height + 1:
            result.outside.append(item.text[:60])
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
    mono = sample_mono(meta)
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
            result.missing.append(f"{token} (in {item.text[:40]!r}, OCR: {' '.join(w for reading in words for w in reading)[:40]!r})")
            result.missing_boxes.append(list(item.box))
            if control is not None and control[k]:  # read in the clean control, not in the image: the image's miss
                result.image_misses.append(result.missing[-1])
            else:
                result.beyond_reader += 1
    generator = field_of(meta, "generator").get("name")
    if generator == "charts":
        try:
            result.questions, result.unanswerable = qa_problems(meta)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, InvalidOperation) as exc:
            # qa_problems reads the json alone: these are the json's questions or table shaped otherwise
            raise SampleDamage(f"its chart questions cannot be checked ({type(exc).__name__}: {exc})") from None
    if generator == "table_images":
        result.blank_width = blank_width(pixels)
    return result
