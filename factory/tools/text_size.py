"""How large a dataset's body text is once a patch-based model has resized its images.

Pix2Struct (and DePlot/MatCha) shrink every image to at most `max_patches` patches of 16x16 px,
keeping the aspect ratio (factory/image_prep.py), so text of H px on a tall W x H page comes out
at H x scale px: a 1280 x 3000 page at 2,048 patches keeps 0.36 of its height, and 16-px body
text becomes 5.8 px, too small to read. The Chromium renderer records each picture's body text
(`quality.body_text_px`: the font size most of its visible characters are drawn at); this module
turns that into pixels after the resize, per sample and for a dataset (`render-factory report`
prints the line). Samples without the fact (charts, older datasets) are counted as unmeasured.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from factory.image_prep import text_px_at_patches

DEFAULT_PATCHES = 2048
DEFAULT_MIN_PX = 8.0


def body_text_at_patches(meta: dict[str, Any], max_patches: int = DEFAULT_PATCHES, patch_size: int = 16) -> float | None:
    """The sample's body text in pixels once its image is resized to `max_patches` patches; None
    when the renderer recorded no body text size (`meta` as unpacked: quality is a dict)."""
    quality = meta.get("quality")
    size = quality.get("body_text_px") if isinstance(quality, dict) else None
    image = meta.get("image") or {}
    width, height = image.get("width"), image.get("height")
    if not size or not width or not height:
        return None
    return text_px_at_patches(float(size), int(width), int(height), patch_size, max_patches)


@dataclass
class TextAtPatches:
    """Body text at a patch budget over the samples added: median, smallest, how many below `min_px`."""

    max_patches: int = DEFAULT_PATCHES
    patch_size: int = 16
    min_px: float = DEFAULT_MIN_PX
    values: list[float] = field(default_factory=list)
    smallest_key: str = ""
    unmeasured: int = 0

    def add(self, meta: dict[str, Any]) -> float | None:
        value = body_text_at_patches(meta, self.max_patches, self.patch_size)
        if value is None:
            self.unmeasured += 1
            return None
        if not self.values or value < min(self.values):
            self.smallest_key = str(meta.get("key", ""))
        self.values.append(value)
        return value

    @property
    def below(self) -> int:
        return sum(v < self.min_px for v in self.values)

    def line(self) -> str:
        """One line for a report: 'body text at 2,048 patches: median 9.1 px, min 8.0 px (0 of 24 below 8 px)'."""
        head = f"body text at {self.max_patches:,} patches"
        if not self.values:
            return f"{head}: not measured (no sample records quality.body_text_px: it comes from the Chromium renderer)"
        return (
            f"{head}: median {statistics.median(self.values):.1f} px, min {min(self.values):.1f} px "
            f"({self.below} of {len(self.values)} below {self.min_px:g} px; smallest: {self.smallest_key})"
        )


__all__ = ["DEFAULT_MIN_PX", "DEFAULT_PATCHES", "TextAtPatches", "body_text_at_patches"]
