"""Pix2Struct's budgeted subtree crop: the largest subtree of a page whose target fits a budget.

From the paper (Lee et al. 2023, section 2.2): "The decoder sequence length is further reduced by
finding the largest linearized subtree that fits within a predefined sequence length. A bounding
box indicating the region covered by the chosen subtree is also drawn on the screenshot." Masking
(about half of the text spans, covered in the image, kept in the target) is then drawn from the
chosen subtree's spans.

`largest_subtree` takes any DOM tree in the renderer's facts shape and any "fits" test, so every
task that writes a linearized page (screenshot parsing here; an html_corpus generator's parse) can
share it. The search is top-down: a node whose linearization fits is a candidate and its
descendants (shorter by construction) are not measured; one that does not fit is searched below.
The longest candidate wins (ties: the first in document order), so a tokenizer is called only on
the frontier of the tree, not on every node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

from factory.tasks.simplified_html import simplify

Node = dict[str, Any]
BOX_COLOUR = (255, 0, 0)
BOX_WIDTH = 2


@dataclass
class Subtree:
    node: Node
    text: str
    box: list[float]  # [x0, y0, x1, y1] image pixels
    path: list[int]  # child indexes from the root, for the json


def largest_subtree(
    dom: Node,
    fits: Callable[[str], bool],
    bounds: tuple[float, float] | None = None,
    measure: Callable[[str], int] = len,
    with_extension: bool = False,
) -> Subtree | None:
    """The largest element subtree of `dom` whose simplified HTML is non-empty and fits; None when
    not even a single shown element does."""
    best: Subtree | None = None
    best_size = -1
    stack: list[tuple[Node, list[int]]] = [(dom, [])]
    while stack:
        node, path = stack.pop()
        if node.get("tag") == "#text":
            continue
        text = simplify(node, bounds, with_extension=with_extension)
        if not text:
            continue
        if node.get("box") and fits(text):
            size = measure(text)
            if size > best_size:
                best, best_size = Subtree(node, text, list(node["box"]), path), size
            continue
        children = node.get("children") or []
        for i in range(len(children) - 1, -1, -1):  # document order when popped
            stack.append((children[i], path + [i]))
    return best


def draw_box(image: Image.Image, box: list[float], colour: tuple[int, int, int] = BOX_COLOUR, width: int = BOX_WIDTH) -> Image.Image:
    """A copy of `image` with `box` outlined (inside the image), as Pix2Struct marks its subtree."""
    out = image.convert("RGB")
    x0, y0, x1, y1 = box
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(out.width, int(round(x1))), min(out.height, int(round(y1)))
    if x1 - x0 > 2 * width and y1 - y0 > 2 * width:
        ImageDraw.Draw(out).rectangle([x0, y0, x1 - 1, y1 - 1], outline=colour, width=width)
    return out
