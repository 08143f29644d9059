"""Image encoding: the one place pixels become bytes, so every path encodes alike."""

from __future__ import annotations

import io

from PIL import Image

EXTENSIONS = {"png": "png", "jpg": "jpg", "webp": "webp"}


def encode(image: Image.Image, fmt: str, quality: int = 90, png_compress_level: int = 1) -> bytes:
    buf = io.BytesIO()
    if fmt == "png":
        image.save(buf, format="PNG", compress_level=png_compress_level)
    elif fmt == "jpg":
        image.convert("RGB").save(buf, format="JPEG", quality=quality, optimize=False, subsampling=0)
    elif fmt == "webp":
        image.save(buf, format="WEBP", quality=quality, method=4)
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
