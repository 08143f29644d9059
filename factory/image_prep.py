"""Image preparation for patch-based encoders (Pix2Struct, MatCha, DePlot) and fixed-side models.

Pix2Struct does not squash images to a square: it scales each image, keeping its aspect ratio,
to the largest grid of patches that fits a patch budget, then feeds the patches flattened with
their (row, column) ids. The grid rule (from Pix2Struct's image processor):

    scale = sqrt(max_patches * (p_h / h) * (p_w / w))
    rows  = max(min(floor(scale * h / p_h), max_patches), 1)
    cols  = max(min(floor(scale * w / p_w), max_patches), 1)

and the image is resized to (rows * p_h, cols * p_w). Resizing here is PIL's bilinear filter,
which antialiases when shrinking, like the reference's bilinear interpolation with antialias=True.

For visual QA (DePlot/MatCha on ChartQA, Pix2Struct on DocVQA) the question is not fed as text:
Pix2Struct's processor renders it as a header above the image (`render_header`: the text wrapped
at 80 characters, 36-px Arial, 5-px padding, black on white; header and image scaled to the wider
of the two, stacked) before patching. `render_header` here does the same, with Liberation Sans
(metric-compatible with Arial, a Debian package) instead of the Arial file the reference downloads.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from factory.errors import FactoryError


MAX_OUTPUT_PIXELS = 8192 * 8192  # Pix2Struct's largest setting (4,096 patches of 16 px) is 1 Mpx


def _pair(patch_size: int | tuple[int, int]) -> tuple[int, int]:
    ph, pw = (patch_size, patch_size) if isinstance(patch_size, int) else patch_size
    if ph < 1 or pw < 1:
        raise FactoryError(f"patch_size must be positive, got {patch_size}")
    return int(ph), int(pw)


def patch_grid(width: int, height: int, patch_size: int | tuple[int, int] = 16, max_patches: int = 2048) -> tuple[int, int]:
    """(rows, cols) of the Pix2Struct grid for an image of this size; rows * cols <= max_patches."""
    ph, pw = _pair(patch_size)
    if max_patches < 1:
        raise FactoryError(f"max_patches must be at least 1, got {max_patches}")
    if width < 1 or height < 1:
        raise FactoryError(f"cannot resize an empty image ({width}x{height})")
    scale = math.sqrt(max_patches * (ph / height) * (pw / width))
    rows = max(min(math.floor(scale * height / ph), max_patches), 1)
    cols = max(min(math.floor(scale * width / pw), max_patches), 1)
    return rows, cols


def text_px_at_patches(
    text_px: float, width: int, height: int, patch_size: int | tuple[int, int] = 16, max_patches: int = 2048
) -> float:
    """How many pixels tall text of `text_px` px on a width x height image is after resize_to_patches
    (the smaller of the two axes' scales: whole patches make them differ a little)."""
    ph, pw = _pair(patch_size)
    rows, cols = patch_grid(width, height, (ph, pw), max_patches)
    return text_px * min(rows * ph / height, cols * pw / width)


def resize_to_patches(image: Image.Image, patch_size: int | tuple[int, int] = 16, max_patches: int = 2048) -> Image.Image:
    """Aspect-preserving resize to the largest patch grid within `max_patches` (may enlarge)."""
    ph, pw = _pair(patch_size)
    rows, cols = patch_grid(image.width, image.height, (ph, pw), max_patches)
    size = (cols * pw, rows * ph)
    return image if image.size == size else image.resize(size, Image.BILINEAR)


def resize_max_side(image: Image.Image, max_side: int, upscale: bool = False) -> Image.Image:
    """Aspect-preserving resize so the longer side is `max_side` (smaller images kept unless upscale)."""
    if max_side < 1:
        raise FactoryError(f"max_side must be at least 1, got {max_side}")
    longest = max(image.width, image.height)
    if longest == max_side or (longest < max_side and not upscale):
        return image
    scale = max_side / longest
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.BILINEAR)


def standardize(array: np.ndarray) -> np.ndarray:
    """Per-image standardization as Pix2Struct does it: (x - mean) / max(std, 1 / sqrt(n))."""
    x = array.astype(np.float32)
    std = max(float(x.std()), 1.0 / math.sqrt(x.size))
    return (x - float(x.mean())) / std


def flattened_patches(
    image: Image.Image,
    patch_size: int | tuple[int, int] = 16,
    max_patches: int = 2048,
    normalize: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Pix2Struct encoder input: (max_patches, 2 + p_h * p_w * C) float32 rows of
    [row id, column id, patch pixels (row-major, channels last)], ids counted from 1, zero rows as
    padding; and the (max_patches,) int32 mask of real patches."""
    ph, pw = _pair(patch_size)
    return grid_patches(resize_to_patches(_rgb_or_gray(image), (ph, pw), max_patches), (ph, pw), max_patches, normalize)


def _rgb_or_gray(image: Image.Image) -> Image.Image:
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def grid_patches(
    resized: Image.Image, patch_size: int | tuple[int, int], max_patches: int, normalize: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """flattened_patches of an image already resized to a whole number of patches."""
    ph, pw = _pair(patch_size)
    array = np.asarray(_rgb_or_gray(resized))
    if array.ndim == 2:
        array = array[:, :, None]
    rows, cols = resized.height // ph, resized.width // pw
    if rows * cols > max_patches or rows * ph != resized.height or cols * pw != resized.width:
        raise FactoryError(f"image of {resized.width}x{resized.height} is not a grid of at most {max_patches} patches; resize it with resize_to_patches first")
    pixels = standardize(array) if normalize else array.astype(np.float32)
    channels = pixels.shape[2]
    patches = pixels.reshape(rows, ph, cols, pw, channels).transpose(0, 2, 1, 3, 4).reshape(rows * cols, ph * pw * channels)
    row_ids = np.repeat(np.arange(1, rows + 1, dtype=np.float32), cols)[:, None]
    col_ids = np.tile(np.arange(1, cols + 1, dtype=np.float32), rows)[:, None]
    out = np.zeros((max_patches, 2 + ph * pw * channels), dtype=np.float32)
    out[: rows * cols] = np.concatenate([row_ids, col_ids, patches], axis=1)
    mask = np.zeros(max_patches, dtype=np.int32)
    mask[: rows * cols] = 1
    return out, mask


HEADER_FONTS = ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _header_font(path: str | None, size: int) -> ImageFont.FreeTypeFont:
    candidates = [path] if path else [p for p in HEADER_FONTS if Path(p).is_file()]
    if not candidates:
        raise FactoryError("no header font: install fonts-liberation (scripts/setup.sh does) or pass header_font='path/to/font.ttf'")
    try:
        return ImageFont.truetype(candidates[0], size=size, encoding="UTF-8")
    except OSError as exc:
        raise FactoryError(f"header font '{candidates[0]}' cannot be read ({exc}); pass another header_font") from None


def render_text(text: str, font_path: str | None = None, text_size: int = 36, padding: int = 5) -> Image.Image:
    """`text` wrapped at 80 characters, drawn black on white with `padding` px around (Pix2Struct's
    render_text)."""
    wrapped = "\n".join(textwrap.TextWrapper(width=80).wrap(text=text))
    font = _header_font(font_path, text_size)
    _, _, width, height = ImageDraw.Draw(Image.new("RGB", (1, 1), "white")).textbbox((0, 0), wrapped, font)
    image = Image.new("RGB", (width + 2 * padding, height + 2 * padding), "white")
    ImageDraw.Draw(image).text((padding, padding), wrapped, fill="black", font=font)
    return image


def render_header(image: Image.Image, header: str, font_path: str | None = None, text_size: int = 36) -> Image.Image:
    """`header` rendered above `image`, both scaled to the wider one's width (Pix2Struct's
    render_header, which its processor applies to every VQA image before patching)."""
    head = render_text(header, font_path, text_size)
    width = max(head.width, image.width)
    height = int(image.height * (width / image.width))
    head_height = int(head.height * (width / head.width))
    out = Image.new("RGB", (width, height + head_height), "white")
    out.paste(head.resize((width, head_height)), (0, 0))
    out.paste(image.convert("RGB").resize((width, height)), (0, head_height))
    return out


class PrepareImage:
    """A sample transform for ShardDataset(transform=...): resizes sample["image"] (PIL).

    mode "patches": Pix2Struct resize to `max_patches` of `patch_size`; with flatten=True the
        sample also gets "flattened_patches" and "patch_mask" (fixed shapes, stackable).
    mode "side": longest side to `max_side`.
    header: text rendered above the image first, as Pix2Struct's VQA processor does: "prompt" (the
        sample's meta["prompt"], e.g. a chart_qa question), a callable sample -> text, or None.
    A plain class (not a lambda) so DataLoader workers can pickle it.
    """

    def __init__(
        self,
        mode: str = "patches",
        patch_size: int | tuple[int, int] = 16,
        max_patches: int = 2048,
        max_side: int = 1024,
        flatten: bool = False,
        upscale: bool = False,
        header: str | Callable[[dict[str, Any]], str] | None = None,
        header_font: str | None = None,
    ):
        if header is not None and header != "prompt" and not callable(header):
            raise FactoryError(f"PrepareImage header must be 'prompt', a function of the sample, or None; got {header!r}")
        if mode not in ("patches", "side"):
            raise FactoryError(f"PrepareImage mode must be 'patches' or 'side', got {mode!r}")
        self.mode = mode
        self.patch_size = _pair(patch_size)
        for name, value in (("max_patches", max_patches), ("max_side", max_side)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise FactoryError(f"PrepareImage {name} must be a whole number of at least 1, got {value!r}")
        pixels = max_patches * self.patch_size[0] * self.patch_size[1] if mode == "patches" else max_side * max_side
        if pixels > MAX_OUTPUT_PIXELS:  # the resized image (and its patches) would not fit a worker's memory
            raise FactoryError(
                f"PrepareImage would make images of up to {pixels:,} pixels (max_patches x patch_size^2, or max_side^2); "
                f"at most {MAX_OUTPUT_PIXELS:,} (8192 x 8192): lower max_patches, patch_size or max_side"
            )
        self.max_patches = max_patches
        self.max_side = max_side
        self.flatten = flatten
        self.upscale = upscale
        self.header = header
        self.header_font = header_font
        if header is not None:
            _header_font(header_font, 36)  # a missing font fails here, not in a DataLoader worker

    def __call__(self, sample: dict[str, Any]) -> dict[str, Any]:
        image = sample["image"]
        if not isinstance(image, Image.Image):
            raise FactoryError("PrepareImage needs PIL images: open the dataset with image='pil'")
        if self.header is not None:
            text = sample["meta"].get("prompt", "") if self.header == "prompt" else self.header(sample)
            image = sample["image"] = render_header(image, str(text), self.header_font)
        if self.mode == "side":
            sample["image"] = resize_max_side(image, self.max_side, self.upscale)
            return sample
        resized = resize_to_patches(image, self.patch_size, self.max_patches)
        if self.flatten:
            sample["flattened_patches"], sample["patch_mask"] = grid_patches(resized, self.patch_size, self.max_patches)
        sample["image"] = resized
        return sample
