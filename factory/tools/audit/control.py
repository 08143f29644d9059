"""Control reads: is a missed token the image's fault or beyond the reader? The missed texts are set
again cleanly (black on white, a Noto face of their script, at the image's ink height) and read
the same way; a token read there and missed in the image is the image's miss."""

from __future__ import annotations

import functools
import logging
import math
import unicodedata

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from factory.tools.audit.pixels import background
from factory.tools.audit.reading import GAP_PX, line_height, read_texts
from factory.tools.audit.texts import TextItem
from factory.tools.audit.tokens import token_hits

log = logging.getLogger(__name__)

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

# Bounds on the controls' pixels, so a json whose texts cannot be what its boxes hold (20,000 legend
# texts of 50 letters in a 49 px box) costs bounded memory and time. A sample's texts are audited
# while their boxes and controls (`line_estimate`) stay in the sample's budget (sample.READ_BUDGET_PX);
# a control line is drawn no larger than LINE_OVER_ESTIMATE times its estimate (LINE_FLOOR_PX at
# least, MAX_LINE_PX at most): a text whose letters draw far wider than its ink height says (2,000
# dashes) is drawn smaller. Lines are read in canvases of at most CANVAS_PX (one, in honest samples).
LINE_OVER_ESTIMATE = 8
LINE_FLOOR_PX = 64_000
MAX_LINE_PX = 4_000_000
CANVAS_PX = 32_000_000


def line_estimate(text: str, ink: float) -> float:
    """About the pixels a control line of `text` at ink height `ink` is drawn in: a face of 1.4 times
    the ink height, letters 0.6 of it wide, a canvas three faces tall."""
    size = 1.4 * ink
    return len(text) * 0.6 * size * 3 * size


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


def face_name(ch: str, locale: str, current: str, serif: bool = False) -> str:
    """The Noto face a control sets `ch` in (`current`: the face of the run it follows)."""
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


def ink_height(image: Image.Image, item: TextItem) -> float:
    """Height of one line's ink in an item's box (as `prepare` measures it)."""
    x0, y0, x1, y1 = (int(math.floor(item.box[0])), int(math.floor(item.box[1])), int(math.ceil(item.box[2])), int(math.ceil(item.box[3])))
    rgb = np.asarray(image.crop((max(0, x0), max(0, y0), min(image.width, x1), min(image.height, y1))).convert("RGB"), dtype=np.float64)
    if rgb.size == 0:
        return max(1.0, y1 - y0)
    ink = np.linalg.norm(rgb - background(rgb.reshape(-1, 3).astype(np.uint8)), axis=2) > 60
    if item.angle:  # measured across the turned line
        ink = np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).rotate(-item.angle, expand=True)) > 127
    return line_height(ink, max(1.0, y1 - y0))


def _draw_line(text: str, locale: str, size: int, serif: bool = False) -> Image.Image:
    """One line of text, black on white, each script's run in its Noto face (raqm shapes and orders it)."""
    runs: list[tuple[str, str]] = []
    for ch in text:
        name = face_name(ch, locale, runs[-1][0] if runs else "Noto Sans", serif)
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


def _control_lines(texts: list[tuple[str, float]], locale: str, serif: bool, limits: list[float] | None) -> list[Image.Image]:
    """Each (text, ink height) drawn at that ink height, cropped to its ink; a line whose drawing would
    exceed its limit (pixels) drawn smaller, to fit it."""
    lines = []
    for k, (text, height) in enumerate(texts):
        flat = " ".join(text.split())
        probe = _draw_line(flat, locale, CONTROL_PX, serif)
        ink = (np.asarray(probe) < 128).any(axis=1)
        measured = max(1, int(ink.sum()))
        size = max(6, round(CONTROL_PX * height / measured))
        if limits is not None and probe.width * probe.height * (size / CONTROL_PX) ** 2 > limits[k]:
            size = max(6, int(CONTROL_PX * math.sqrt(limits[k] / (probe.width * probe.height))))
        line = _draw_line(flat, locale, size, serif)
        lines.append(line.crop(ImageOps.invert(line).getbbox() or (0, 0, line.width, line.height)))
    return lines


def control_image(texts: list[tuple[str, float]], locale: str, serif: bool = False,
                  limits: list[float] | None = None) -> tuple[Image.Image, list[TextItem]]:
    """The control: each (text, ink height) set on a line of its own, clean, black on white, in a Noto
    face of its script (its serif cut for `serif`) at the image's ink height (smaller where a line would
    exceed its `limits` pixels); with the items (text and box) the audit reads."""
    return _stack(texts, _control_lines(texts, locale, serif, limits))


def _stack(texts: list[tuple[str, float]], lines: list[Image.Image]) -> tuple[Image.Image, list[TextItem]]:
    """The lines stacked on one white canvas, with their items."""
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
    beyond the reader (Tesseract does not read that text even clean). The control is read with the
    image's own readings (`read_texts`), so no reading makes a token the image's miss by itself."""
    missed = [i for i, item_hits in enumerate(hits) if not all(ok for _, ok in item_hits)]
    out: list[list[bool] | None] = [None] * len(items)
    if not missed:
        return out
    texts = [(items[i].text, ink_height(image, items[i])) for i in missed]
    lines = _control_lines(texts, locale, serif, [_line_limit(text, ink) for text, ink in texts])
    for chunk in _canvases(lines):
        canvas, controls = _stack([texts[k] for k in chunk], [lines[k] for k in chunk])
        read, _ = read_texts(canvas, controls, lang, installed, mono)
        for k, control, words in zip(chunk, controls, read):
            out[missed[k]] = [ok for _, ok in token_hits(control.text, words, mono)]
    return out


def _line_limit(text: str, ink: float) -> float:
    """The most pixels a control line is drawn in (see LINE_OVER_ESTIMATE)."""
    return min(MAX_LINE_PX, max(LINE_FLOOR_PX, LINE_OVER_ESTIMATE * line_estimate(text, ink)))


def _canvases(lines: list[Image.Image]) -> list[list[int]]:
    """The lines in order, in groups whose stacked canvas (widest line by their heights) is at most CANVAS_PX."""
    groups: list[list[int]] = []
    width = height = 0
    for k, line in enumerate(lines):
        w, h = line.width + 2 * GAP_PX, line.height + 2 * GAP_PX
        if groups and max(width, w) * (height + h + GAP_PX) <= CANVAS_PX:
            groups[-1].append(k)
            width, height = max(width, w), height + h
        else:
            groups.append([k])
            width, height = w, h
    return groups
