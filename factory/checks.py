"""Checks on a rendered image that apply to every renderer."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from factory.errors import Dropped

THUMB_PX = 256  # the check looks at a box-averaged copy at most this large: cheap for every sample


def check_not_blank(image: Image.Image, min_std: float = 2.0, min_ink: float = 0.002) -> dict[str, float]:
    """Drop near-uniform images (blank or half-loaded renders); return the measured facts.

    Box-averaging (`Image.reduce`) keeps thin lines visible as faint ink; the statistics come from
    a 256-bin histogram, which costs a fraction of a millisecond.
    """
    factor = max(1, math.ceil(max(image.size) / THUMB_PX))
    thumb = (image.reduce(factor) if factor > 1 else image).convert("L")
    counts = np.bincount(np.frombuffer(thumb.tobytes(), dtype=np.uint8), minlength=256).astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    total = counts.sum()
    mean = float((counts * levels).sum() / total)
    std = math.sqrt(max(float((counts * (levels - mean) ** 2).sum() / total), 0.0))
    background = int(np.searchsorted(np.cumsum(counts), total / 2))  # the median grey level
    ink = float(counts[np.abs(levels - background) > 24].sum() / total)
    facts = {"pixel_std": round(std, 3), "ink_fraction": round(ink, 5)}
    if std < min_std or ink < min_ink:
        raise Dropped("blank_image", f"pixel std {std:.2f}, ink fraction {ink:.4f}")
    return facts
