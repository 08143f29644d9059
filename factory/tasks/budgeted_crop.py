"""Pix2Struct's budgeted target: the largest subtree whose simplified HTML fits a length budget.

Pix2Struct shortens its screenshot-parsing targets by "finding the largest linearized subtree
that fits within a predefined sequence length", and draws "a bounding box indicating the region
covered by the chosen subtree" on the screenshot (Lee et al. 2023, section 2.2). `budgeted_region`
makes that choice on the renderer's DOM facts with the very rules of
`factory.tasks.simplified_html.simplify`, so the chosen text is `simplify` of the chosen node
whenever it fits; `draw_region` draws the box. Shared by the screenshot_parsing task and by any
profile that wants the crop instead (crop the image to `Region.box`).

The budget is in characters of the written target (tokenizer-free). Ties go to the first node in
document order (an ancestor before a descendant that collapses into the same group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

from factory.tasks.simplified_html import image_name, shown

Node = dict[str, Any]
OUTLINE = (255, 0, 0)
OUTLINE_WIDTH = 2


@dataclass
class Region:
    text: str  # simplified HTML of the chosen subtree
    box: list[int]  # [x0, y0, x1, y1] in image pixels: the union of its shown texts and pictures
    node: Node  # the chosen DOM node (its text spans are the ones to mask)
    whole: bool  # the whole page fits: the chosen node is the root


def _xyxy(box: Any) -> tuple[float, float, float, float] | None:
    """A DOM fact's box ([x0, y0, x1, y1], factory/boxes.py) as a tuple; None if it has none."""
    if not box or len(box) != 4:
        return None
    return (box[0], box[1], box[2], box[3])


def _union(a: tuple | None, b: tuple | None) -> tuple | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _write(item: Any) -> str:
    if isinstance(item, str):
        return item
    return "<" + " ".join(_write(part) for part in item) + ">"


def budgeted_region(dom: Node, bounds: tuple[float, float] | None, max_chars: int) -> Region | None:
    """The largest subtree of `dom` whose simplified HTML has at most `max_chars` characters,
    and the box it covers; None when nothing visible fits (one text longer than the budget)."""
    memo: dict[int, tuple[Any, int, tuple | None]] = {}

    def build(node: Node) -> tuple[Any, int, tuple | None]:  # every node built once
        key = id(node)
        if key not in memo:
            memo[key] = _build_cached(node, bounds, build)
        return memo[key]

    root = build(dom)
    if root[0] is None:
        return None
    best: tuple[int, Node, Any, tuple | None] | None = None
    stack = [dom]
    while stack:  # pre-order: an ancestor is seen before its descendants, so it wins ties
        node = stack.pop()
        if node.get("tag") == "#text":
            continue
        item, length, box = build(node)
        if item is not None:
            written = length if isinstance(item, list) else length + 2
            if written <= max_chars and (best is None or written > best[0]):
                best = (written, node, item, box)
        stack.extend(reversed(node.get("children") or []))
    if best is None:
        return None
    _, node, item, box = best
    text = _write(item) if isinstance(item, list) else f"<{item}>"
    x0, y0, x1, y1 = box if box is not None else (0, 0, 0, 0)
    if bounds is not None:
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(bounds[0], x1), min(bounds[1], y1)
    return Region(text, [int(x0), int(y0), int(round(x1)), int(round(y1))], node, node is dom)


def _build_cached(node: Node, bounds: tuple[float, float] | None, build) -> tuple[Any, int, tuple | None]:
    """simplified_html._build for one node, with the written length and the box its content
    covers; its children's results come from `build` (memoized)."""
    tag = node.get("tag", "")
    if tag == "#text":
        text = (node.get("text") or "").strip()
        if text and shown(node, bounds):
            return text, len(text), _xyxy(node.get("box"))
        return None, 0, None
    children = node.get("children") or []
    items: list[Any] = []
    lengths: list[int] = []
    box = None
    own = False
    if tag == "img" and shown(node, bounds):
        attrs = node.get("attrs") or {}
        name, alt = image_name(attrs), str(attrs.get("alt") or "").strip()
        parts = ([f"img_src={name}"] if name else []) + ([f"img_alt={alt}"] if alt else [])
        if parts:
            part = " ".join(parts)
            items.append(part)
            lengths.append(len(part))
            box = _union(box, _xyxy(node.get("box")))
            own = True
    has_text_nodes = any(child.get("tag") == "#text" for child in children)
    if not has_text_nodes and shown(node, bounds):
        text = (node.get("text") or "").strip()
        if text:
            items.append(text)
            lengths.append(len(text))
            box = _union(box, _xyxy(node.get("box")))
            own = True
    for child in children:
        item, length, child_box = build(child)
        if item is None:
            continue
        if isinstance(item, str):
            own = True
        items.append(item)
        lengths.append(length)
        box = _union(box, child_box)
    if not items:
        return None, 0, None
    if not own and len(items) == 1:
        return items[0], lengths[0], box
    return items, 2 + sum(lengths) + len(items) - 1, box


def draw_region(image: Image.Image, box: list[int]) -> Image.Image:
    """A copy of `image` with the region's outline drawn, as Pix2Struct shows the chosen subtree."""
    out = image.convert("RGB")
    x0, y0, x1, y1 = box
    if x1 > x0 and y1 > y0:
        ImageDraw.Draw(out).rectangle([x0, y0, x1 - 1, y1 - 1], outline=OUTLINE, width=OUTLINE_WIDTH)
    return out
