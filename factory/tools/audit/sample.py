"""One sample's audit: its texts' contrast and boxes from the pixels, its tokens read by OCR (and the
missed ones by the control), its questions re-checked, a table image's blank width."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from factory.tools.audit.control import control_hits
from factory.tools.audit.languages import installed_languages, ocr_language
from factory.tools.audit.pixels import INVISIBLE, LARGE_TEXT_PX, LOW_CONTRAST, blank_width, crop_contrast, foreign_share
from factory.tools.audit.qa import qa_problems
from factory.tools.audit.reading import read_texts
from factory.tools.audit.texts import sample_locale, sample_mono, sample_serif, sample_texts
from factory.tools.audit.tokens import token_hits
from factory.tools.preview import sample_kind


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


def audit_sample(key: str, image_bytes: bytes, meta: dict[str, Any], installed: frozenset[str] | None = None) -> SampleAudit:
    """Read one sample the audit's way (see the package docstring), with the Tesseract model of its
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
    if (meta.get("generator") or {}).get("name") == "charts":
        result.questions, result.unanswerable = qa_problems(meta)
    if (meta.get("generator") or {}).get("name") == "table_images":
        result.blank_width = blank_width(pixels)
    return result
