"""`render-factory audit`: an independent reader of a finished dataset (work in progress)."""

from __future__ import annotations

import numpy as np

LARGE_TEXT_PX = 24.0  # WCAG large text: 18 pt (24 CSS px), or 14 pt (18.66 px) bold


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of sRGB colours (..., 3) given as 0-255."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def crop_contrast(crop: np.ndarray, percentile: float = 99.0) -> tuple[float, np.ndarray, np.ndarray]:
    """(contrast ratio, text colour, background colour) of a text's crop, read from its pixels.

    The background is the crop's most common colour; the text colour is the pixel at the given
    percentile of contrast against it (glyph cores, not their antialiased edges, nor a lone
    stray pixel). A crop of one colour has contrast 1: nothing is written there.
    """
    pixels = np.asarray(crop, dtype=np.uint8).reshape(-1, 3)
    if not len(pixels):
        return 1.0, np.zeros(3), np.zeros(3)
    packed = (pixels[:, 0].astype(np.int64) << 16) | (pixels[:, 1].astype(np.int64) << 8) | pixels[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    top = int(values[np.argmax(counts)])
    background = np.array([(top >> 16) & 255, (top >> 8) & 255, top & 255], dtype=np.float64)
    lum = relative_luminance(pixels)
    bg_lum = float(relative_luminance(background))
    ratios = (np.maximum(lum, bg_lum) + 0.05) / (np.minimum(lum, bg_lum) + 0.05)
    index = int(np.argsort(ratios)[min(len(ratios) - 1, int(len(ratios) * percentile / 100.0))])
    return float(ratios[index]), pixels[index].astype(np.float64), background
