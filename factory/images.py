"""Image encoding and decoding: the one place pixels become bytes and back, so every path does it alike."""

from __future__ import annotations

import io

import imagecodecs
import numpy as np
from PIL import Image

EXTENSIONS = {"png": "png", "jpg": "jpg", "webp": "webp"}
_PNG_MODES = ("RGB", "RGBA", "L")  # 8-bit modes libpng takes as they are


def encode(image: Image.Image, fmt: str, quality: int = 90, png_compress_level: int = 1) -> bytes:
    if fmt == "png":
        return encode_png(image, png_compress_level)
    buf = io.BytesIO()
    if fmt == "jpg":
        image.convert("RGB").save(buf, format="JPEG", quality=quality, optimize=False, subsampling=0)
    elif fmt == "webp":
        image.save(buf, format="WEBP", quality=quality, method=4)
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return buf.getvalue()


def encode_png(image: Image.Image, level: int = 1) -> bytes:
    """Lossless PNG with unfiltered rows, by libpng.

    Pillow tries all five PNG filters on every row, which costs more than the compression itself
    (11 ms of a 800x624 chart at level 1). Rendered charts, pages and tables are flat colour and
    repeated glyphs, which deflate finds without filtering: 2.5-3x faster and as small or smaller
    (bench/bench_png.py measures both on real samples).
    """
    if image.mode not in _PNG_MODES:
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    return bytes(imagecodecs.png_encode(np.asarray(image), level=level, filter=imagecodecs.PNG.FILTER.NONE))


def encode_pixels(pixels: np.ndarray, fmt: str, quality: int = 90, png_compress_level: int = 1) -> bytes:
    """Like `encode`, for an RGB uint8 array (the degradation stage's output): PNG goes to libpng
    straight from the array, without the round trip through PIL's 4-byte RGB."""
    if fmt == "png":
        return bytes(imagecodecs.png_encode(np.ascontiguousarray(pixels), level=png_compress_level, filter=imagecodecs.PNG.FILTER.NONE))
    return encode(Image.fromarray(pixels), fmt, quality, png_compress_level)


def decode(data: bytes) -> Image.Image:
    return decode_with_pixels(data)[0]


def decode_with_pixels(data: bytes) -> tuple[Image.Image, np.ndarray | None]:
    """The image, and its pixels as a read-only (H, W, 3) array when it is an 8-bit RGB PNG (what
    Chromium hands back): decoded by libspng and made an image from, 20% under Pillow's own decoding,
    and the degradation stage takes the array as it is instead of unpacking the image again (2-3 ms
    a page). Any other image (another format, grey, alpha, 16-bit) is Pillow's, with no array."""
    pixels = _rgb_png(data)
    if pixels is not None:
        return Image.fromarray(pixels), pixels
    image = Image.open(io.BytesIO(data))
    image.load()
    return image, None


def _rgb_png(data: bytes) -> np.ndarray | None:
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and data[24:26] == b"\x08\x02"):
        return None  # IHDR: bit depth 8, colour type 2 (truecolour) only
    try:
        pixels = imagecodecs.spng_decode(data)
    except imagecodecs.SpngError:
        return None
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        return None
    pixels.flags.writeable = False
    return pixels
