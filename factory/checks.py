"""Checks on a rendered image that apply to every renderer."""

from __future__ import annotations

import numpy as np
from PIL import Image

from factory.errors import Dropped


def check_not_blank(image: Image.Image, min_std: float = 2.0, min_ink: float = 0.002) -> dict[str, float]:
    """Drop near-uniform images (blank or half-loaded renders); return the measured facts.

    Works on a small greyscale thumbnail: cheap enough for every sample.
    """
    thumb = image.convert("L")
    thumb.thumbnail((256, 256))
    pixels = np.asarray(thumb, dtype=np.float32)
    std = float(pixels.std())
    background = float(np.median(pixels))
    ink = float((np.abs(pixels - background) > 24).mean())
    facts = {"pixel_std": round(std, 3), "ink_fraction": round(ink, 5)}
    if std < min_std or ink < min_ink:
        raise Dropped("blank_image", f"pixel std {std:.2f}, ink fraction {ink:.4f}")
    return facts
