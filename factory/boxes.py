"""Boxes in a sample's json, found and moved in one place.

The convention (README: Boxes): a box is `[x0, y0, x1, y1]` (left, top, right, bottom) in image
pixels of the sample's image, written under the key `"box"` of the thing it frames:
`{"kind": "text", "text": "Hello", "box": [10, 4, 52, 20]}`. Two chart keys predate the
convention and hold bare boxes: `render.elements.plot_area` (one box) and
`render.elements.legends` (a list of boxes). Nothing else is a box, so code that warps an image
(factory/augment) finds every box with `find_boxes` and moves them all with one array operation,
whatever generator, renderer or task wrote them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

BOX_KEY = "box"
BARE_BOX_KEYS = ("plot_area",)  # a box stored bare under this key
BARE_BOX_LIST_KEYS = ("legends",)  # a list of bare boxes stored under this key


def is_box(value: Any) -> bool:
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        return False
    for v in value:  # a page's json holds thousands: plain floats and ints first, without isinstance
        kind = type(v)
        if kind is not float and kind is not int and (not isinstance(v, (int, float)) or isinstance(v, bool)):
            return False
    return True


@dataclass
class BoxRef:
    """Where one box sits: `holder[key]` is the box; `owner` is the dict that describes what it frames
    (None for bare boxes)."""

    holder: Any  # dict or list
    key: Any  # str or int
    owner: dict[str, Any] | None

    @property
    def box(self) -> list[float]:
        return self.holder[self.key]

    @property
    def text(self) -> str:
        """The text this box frames ('' for shapes, images and bare boxes)."""
        if self.owner is None:
            return ""
        text = self.owner.get("text")
        return text.strip() if isinstance(text, str) else ""

    @property
    def visible(self) -> bool:
        """False only where the renderer said the thing is not drawn (DOM nodes)."""
        return self.owner is None or self.owner.get("visible", True) is not False


def find_boxes(data: Any) -> list[BoxRef]:
    """Every box in `data` (a json value), in document order."""
    return list(_walk(data))


def _walk(data: Any) -> Iterator[BoxRef]:
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            later = []
            for key, value in node.items():
                if key == BOX_KEY and is_box(value):
                    yield BoxRef(node, key, node)
                elif key in BARE_BOX_KEYS and is_box(value):
                    yield BoxRef(node, key, None)
                elif key in BARE_BOX_LIST_KEYS and isinstance(value, list) and value and all(is_box(v) for v in value):
                    for i in range(len(value)):
                        yield BoxRef(value, i, None)
                elif isinstance(value, (dict, list)):
                    later.append(value)
            stack.extend(reversed(later))
        elif isinstance(node, list):
            stack.extend(reversed([v for v in node if isinstance(v, (dict, list))]))


def as_array(refs: list[BoxRef]) -> np.ndarray:
    """(N, 4) float64 array of the boxes `refs` point at."""
    if not refs:
        return np.zeros((0, 4))
    return np.array([ref.box for ref in refs], dtype=np.float64)


def write_back(refs: list[BoxRef], boxes: np.ndarray, decimals: int = 1) -> None:
    """Store `boxes` (N, 4) where `refs` point, rounded; ints stay ints when rounding to 0 decimals."""
    rounded = np.round(boxes, decimals)
    rows = rounded.astype(np.int64).tolist() if decimals == 0 else rounded.tolist()  # Python ints or floats
    for ref, row in zip(refs, rows):
        ref.holder[ref.key] = row


def corners(boxes: np.ndarray) -> np.ndarray:
    """(N, 4, 2) corner points (top-left, top-right, bottom-right, bottom-left) of (N, 4) boxes."""
    x0, y0, x1, y1 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    return np.stack([np.stack([x0, y0], 1), np.stack([x1, y0], 1), np.stack([x1, y1], 1), np.stack([x0, y1], 1)], 1)


def edge_points(boxes: np.ndarray, per_edge: int) -> np.ndarray:
    """(N, 2 * per_edge + 2, 2) points along each box's top and bottom edges (corners included)
    and the middles of its sides: enough to follow a warp that bends horizontal lines."""
    t = np.linspace(0.0, 1.0, per_edge)
    x0, y0, x1, y1 = (boxes[:, i : i + 1] for i in range(4))
    xs = x0 + (x1 - x0) * t
    top = np.stack([xs, np.broadcast_to(y0, xs.shape)], -1)
    bottom = np.stack([xs, np.broadcast_to(y1, xs.shape)], -1)
    mid_y = (y0 + y1) / 2
    sides = np.stack([np.concatenate([x0, x1], 1), np.concatenate([mid_y, mid_y], 1)], -1)
    return np.concatenate([top, bottom, sides], 1)


def enclosing(points: np.ndarray) -> np.ndarray:
    """(N, 4) axis-aligned boxes around (N, K, 2) point sets."""
    return np.concatenate([points.min(axis=1), points.max(axis=1)], axis=1)


def clip(boxes: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Boxes cut to the image, and which ones had to be cut (beyond half a pixel)."""
    limit = np.array([width, height, width, height], dtype=np.float64)
    clipped = np.clip(boxes, 0.0, limit)
    cut = np.abs(clipped - boxes).max(axis=1) > 0.5 if len(boxes) else np.zeros(0, dtype=bool)
    return clipped, cut
