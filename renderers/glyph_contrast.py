"""The WCAG contrast a text is drawn at, read from its glyphs in the picture, for every engine:
small thin text never reaches its colour, so a label whose colour reads 4.6:1 can draw at 3.5:1."""

from __future__ import annotations

from typing import Any

import numpy as np


def text_crop(pixels: np.ndarray, box: list[float]) -> np.ndarray | None:
    """The pixels under a text's box, clipped to the picture; None when under 2 px either way."""
    h, w = pixels.shape[:2]
    x0, y0, x1, y1 = box
    a, b = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
    c, d = min(int(np.ceil(x1)), w), min(int(np.ceil(y1)), h)
    if c - a < 2 or d - b < 2:
        return None
    return pixels[b:d, a:c]


def drawn_contrast(pixels: np.ndarray, text: dict[str, Any]) -> float | None:
    """The WCAG contrast a text is drawn at, read from its glyphs: its box's most common colour
    against the 98th percentile (by contrast) of the pixels that differ from it, i.e. the glyph
    cores, not their antialiased edges nor a stray pixel. Small thin text never reaches its nominal
    colour (no stroke covers a whole pixel), so a colour at 4.6:1 can draw at 3.5:1. None: no box."""
    crop = text_crop(pixels, text["box"])
    if crop is None:
        return None
    crop = crop.reshape(-1, 3).astype(np.float64)
    packed = (crop[:, 0].astype(np.int64) << 16) | (crop[:, 1].astype(np.int64) << 8) | crop[:, 2].astype(np.int64)
    values, counts = np.unique(packed, return_counts=True)
    top = int(values[np.argmax(counts)])
    bg = np.array([(top >> 16) & 255, (top >> 8) & 255, top & 255], dtype=np.float64)
    lum = luminance_array(crop)
    bg_lum = float(luminance_array(bg[None, :])[0])
    ratios = (np.maximum(lum, bg_lum) + 0.05) / (np.minimum(lum, bg_lum) + 0.05)
    ink = np.sort(ratios[ratios > 1.1])
    if len(ink) == 0:
        return 1.0
    return float(ink[min(len(ink) - 1, int(len(ink) * 0.98))])


def luminance_array(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of (n, 3) sRGB colours given as 0-255."""
    v = rgb / 255.0
    lin = np.where(v <= 0.03928, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])
