"""Pix2Struct's simplified HTML, computed from the DOM facts a renderer measured.

The format (DESIGN.md section 6): keep only visible nodes or nodes with visible descendants;
collapse a node with no visible content of its own and a single child into that child; keep for
each node only its text, an image's file name without extension (`img_src=`) and its alt text
(`img_alt=`); write nested groups as `<...>`:

    <<<Python> <img_src=py_logo img_alt=Python>> <<C++> <img_src=cpp_logo img_alt=C++>> <Submit>>

An element's text is the text of its own text nodes, kept in document order among its child
elements, so `<p>Hello <b>world</b> again</p>` gives `<Hello <world> again>`.

The DOM tree is the renderer's `facts["dom"]`: {"tag", "text", "visible", "box": [x0, y0, x1, y1],
"attrs", "children"}, with text nodes as {"tag": "#text", "text", "visible", "box"}. When the
capture was cut short (`bounds`), a node counts as visible only if its box lies inside the
image, so the target never names what the picture does not show.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

Node = dict[str, Any]
Group = list  # items: str (text or image attributes) or nested Group

EDGE_TOLERANCE = 2.0  # px a box may stick out of the image and still count as shown


MEDIA_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif", "image/svg+xml": "svg"}


def image_name(attrs: dict[str, Any], with_extension: bool = False) -> str:
    """The picture's file name: data-src-name, else the src path's last part; without its extension
    (this project's native form) or, `with_extension`, with it as Pix2Struct writes it
    (`img_src=py_logo.png`; a data: URI's media type gives the extension of a named picture)."""
    name = str(attrs.get("data-src-name") or "").strip()
    src = str(attrs.get("src") or "").strip()
    if name:
        if not with_extension:
            return name
        media = src[5:].split(",", 1)[0].split(";", 1)[0].strip().lower() if src[:5].lower() == "data:" else ""
        ext = MEDIA_EXTENSIONS.get(media) or posixpath.splitext(urlsplit(src).path)[1].lstrip(".").lower()
        return f"{name}.{ext}" if ext else name
    if not src or src.startswith("data:"):
        return ""
    base = posixpath.basename(urlsplit(src).path)
    if with_extension:
        return base
    stem, dot, _ = base.rpartition(".")
    return stem if dot and stem else base


def _inside(box: Any, bounds: tuple[float, float] | None) -> bool:
    if bounds is None:
        return True
    if not box or len(box) != 4:
        return False
    x0, y0, x1, y1 = box
    width, height = bounds
    tol = EDGE_TOLERANCE
    return x0 >= -tol and y0 >= -tol and x1 <= width + tol and y1 <= height + tol


def shown(node: Node, bounds: tuple[float, float] | None = None) -> bool:
    """Visible by the renderer's measure and, if `bounds` is given, inside the image."""
    return bool(node.get("visible")) and _inside(node.get("box"), bounds)


def _build(node: Node, bounds: tuple[float, float] | None, ext: bool = False) -> Group | str | None:
    tag = node.get("tag", "")
    if tag == "#text":
        text = (node.get("text") or "").strip()
        return text if text and shown(node, bounds) else None
    children = node.get("children") or []
    items: Group = []
    own = False  # the node has content of its own (text or image attributes)
    if tag == "img" and shown(node, bounds):
        attrs = node.get("attrs") or {}
        name, alt = image_name(attrs, ext), str(attrs.get("alt") or "").strip()
        parts = ([f"img_src={name}"] if name else []) + ([f"img_alt={alt}"] if alt else [])
        if parts:
            items.append(" ".join(parts))
            own = True
    has_text_nodes = any(child.get("tag") == "#text" for child in children)
    if not has_text_nodes and shown(node, bounds):
        # A tree without text nodes carries the element's own text in "text".
        text = (node.get("text") or "").strip()
        if text:
            items.append(text)
            own = True
    for child in children:
        item = _build(child, bounds, ext)
        if item is None:
            continue
        if isinstance(item, str):
            own = True
        items.append(item)
    if not items:
        return None
    if not own and len(items) == 1:
        return items[0]  # collapse into the only child
    return items


def _write(item: Group | str) -> str:
    if isinstance(item, str):
        return item
    return "<" + " ".join(_write(part) for part in item) + ">"


def simplify(dom: Node, bounds: tuple[float, float] | None = None, with_extension: bool = False) -> str:
    """The simplified HTML of `dom`; '' when nothing in it is visible.

    `bounds` = (width, height) of the image in the same pixels as the boxes: nodes outside it
    count as hidden (for captures cut at a maximum height). `with_extension`: picture names keep
    their file extension (`img_src=py_logo.png`, the Pix2Struct paper's form).
    """
    item = _build(dom, bounds, with_extension)
    if item is None:
        return ""
    if isinstance(item, str):
        return f"<{item}>"  # a lone text is still a group of its own
    return _write(item)


def text_spans(dom: Node, bounds: tuple[float, float] | None = None) -> list[dict[str, Any]]:
    """Every shown, non-blank text node as {"text", "box"}, in document order."""
    return [{"text": node["text"].strip(), "box": list(node["box"])} for node in _text_nodes(dom, bounds)]


def _text_nodes(node: Node, bounds: tuple[float, float] | None) -> Iterator[Node]:
    if node.get("tag") == "#text":
        if (node.get("text") or "").strip() and shown(node, bounds) and node.get("box"):
            yield node
        return
    for child in node.get("children") or []:
        yield from _text_nodes(child, bounds)
