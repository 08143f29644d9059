"""What the audit reads from pixels alone: contrast (WCAG, from the text's own crop), a crop's
background colour, and marks running through a value label. No OCR here."""

from __future__ import annotations

import numpy as np

LARGE_TEXT_PX = 24.0  # WCAG large text: 18 pt (24 CSS px); 14 pt bold is also large
LOW_CONTRAST = (4.5, 3.0)  # body, large text
INVISIBLE = 1.5  # below this contrast nothing legible is written


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of sRGB colours (..., 3) given as 0-255."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def background(pixels: np.ndarray) -> np.ndarray:
    """The most common colour of (n, 3) pixels: a crop's border can be mostly a table's rules, whose
    median made a white row read as grey."""
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
    paper = background(pixels)
    lum = relative_luminance(pixels)
    bg_lum = float(relative_luminance(paper))
    ratios = (np.maximum(lum, bg_lum) + 0.05) / (np.minimum(lum, bg_lum) + 0.05)
    ink = np.flatnonzero(ratios > 1.1)  # pixels that differ from the background at all
    if len(ink) < 3:
        index = int(np.argmax(ratios))
    else:  # among them, the glyph cores rather than their antialiased edges
        order = ink[np.argsort(ratios[ink], kind="stable")]
        index = int(order[min(len(order) - 1, int(len(order) * percentile / 100.0))])
    return float(ratios[index]), pixels[index].astype(np.float64), paper


def foreign_share(crop: np.ndarray) -> float:
    """Share of a label crop's pixels that are neither its background, its text colour, nor a
    blend of the two: a line, marker or second background running through the label."""
    pixels = np.asarray(crop, dtype=np.float64).reshape(-1, 3)
    if len(pixels) < 4:
        return 0.0
    _, text, paper = crop_contrast(crop)
    axis = text - paper
    length = float(axis @ axis)
    if length < 1.0:
        return 0.0
    rel = pixels - paper
    t = np.clip(rel @ axis / length, -0.5, 1.5)
    distance = np.linalg.norm(rel - t[:, None] * axis[None, :], axis=1)
    return float(np.mean(distance > 60.0))


def blank_width(pixels: np.ndarray) -> float:
    """Share of an image's columns with no ink (a table image's blank width): nothing differs from
    its top-left pixel by more than 30 in the sum of channels."""
    paper = pixels[0, 0].astype(np.int16)
    ink = (np.abs(pixels.astype(np.int16) - paper).sum(axis=2, dtype=np.int16) > 30).any(axis=0)  # int16: a quarter of int64's memory
    return round(1 - float(ink.mean()), 3)
