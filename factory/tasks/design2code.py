"""The `design2code` profile of screenshot_to_html: a target page that renders alone.

Design2Code (Si et al. 2024) replaces every picture of its pages with one placeholder image, so a
model is not asked to produce pixels it cannot read off a screenshot, and its HTML is short enough
to generate. Here:

- `placeholder_pictures`: every embedded picture (`<img src="data:image/...;base64,...">`) becomes
  a tiny self-contained SVG placeholder of the picture's own size (a flat grey box, ~200 bytes),
  so the layout does not move and the page needs no file beside it; the page is rendered with the
  placeholders (the task's `prepare`), so the image shows exactly what the target draws.
- `prune_css`: the stylesheet keeps only rules one of whose selectors matches an element of the
  rendered page (the renderer's DOM facts: tags, ids, classes, attributes). Matching is
  conservative: a selector part it cannot judge (`:is()`, an attribute the facts do not carry, a
  sibling combinator) counts as matching, so a rule is only removed when no element can match it
  (which a test checks by rendering the target alone and comparing pixels). At-rules other than
  @media (font faces, keyframes) are kept; an @media block keeps its used rules.
"""

from __future__ import annotations

import base64
import re
import struct
from typing import Any
from urllib.parse import quote

PLACEHOLDER_FILL = "#d1d5db"
_IMG_DATA = re.compile(r'src="data:image/(png|jpeg|webp|gif);base64,([A-Za-z0-9+/=]*)"')
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S | re.I)


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def placeholder(width: int, height: int) -> str:
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>"
           f"<rect width='100%' height='100%' fill='{PLACEHOLDER_FILL}'/></svg>")  # fmt: skip
    return "data:image/svg+xml," + quote(svg, safe="='/: ")


def placeholder_pictures(html: str) -> str:
    """`html` with each embedded picture replaced by a placeholder of its own intrinsic size."""

    def swap(match: re.Match) -> str:
        try:
            head = base64.b64decode(match.group(2)[:64] + "=" * (-len(match.group(2)[:64]) % 4))
        except ValueError:
            head = b""
        size = _png_size(head) or (64, 64)
        return f'src="{placeholder(*size)}"'

    return _IMG_DATA.sub(swap, html)


# --- CSS rules in use ----------------------------------------------------------------------------


class _Element:
    __slots__ = ("tag", "id", "classes", "attrs", "parent", "siblings")

    def __init__(self, node: dict[str, Any], parent: "_Element | None"):
        attrs = node.get("attrs") or {}
        self.tag = str(node.get("tag") or "").lower()
        self.id = attrs.get("id")
        self.classes = set(str(attrs.get("class") or "").split())
        self.attrs = attrs
        self.parent = parent
        self.siblings: list[_Element] = []


def _elements(dom: dict[str, Any]) -> list[_Element]:
    out: list[_Element] = []

    def walk(node: dict[str, Any], parent: _Element | None) -> _Element:
        element = _Element(node, parent)
        out.append(element)
        kids = [walk(child, element) for child in node.get("children") or [] if child.get("tag") != "#text"]
        for kid in kids:
            kid.siblings = kids
        return element

    root = walk(dom, None)
    if root.tag != "html":  # facts start at <html>; make `html` and `:root` match anyway
        out.append(_Element({"tag": "html"}, None))
    return out


_COMPOUND = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*|\*)?((?:[#.][-_a-zA-Z0-9]+|\[[^\]]*\]|::?[-a-zA-Z]+(?:\([^)]*\))?)*)")
_PART = re.compile(r"[#.][-_a-zA-Z0-9]+|\[[^\]]*\]|::?[-a-zA-Z]+(?:\([^)]*\))?")
KNOWN_ATTRS = {"id", "class", "href", "src", "alt", "type", "placeholder", "value", "name", "role", "aria-label"}


def _compound_matches(compound: str, element: _Element) -> bool:
    match = _COMPOUND.fullmatch(compound)
    if match is None:
        return True  # cannot judge: keep
    tag, rest = match.group(1), match.group(2)
    if tag and tag != "*" and tag.lower() != element.tag:
        return False
    for part in _PART.findall(rest):
        if part.startswith("#") and element.id != part[1:]:
            return False
        if part.startswith(".") and part[1:] not in element.classes:
            return False
        if part.startswith("["):
            name = re.split(r"[~|^$*]?=", part[1:-1], maxsplit=1)[0].strip().lower()
            if name in KNOWN_ATTRS and "=" not in part and name not in element.attrs:
                return False
        if part == ":root" and element.tag != "html":
            return False
    return True


def _split_selector(selector: str) -> list[tuple[str, str]] | None:
    """[(combinator, compound)...] from left to right; None when it holds what this cannot parse."""
    if any(token in selector for token in (":is(", ":where(", ":has(", ":not(", "\\")):
        return None
    tokens = re.split(r"\s*([>+~])\s*|\s+", selector.strip())
    out: list[tuple[str, str]] = []
    combinator = " "
    for token in tokens:
        if token is None or token == "":
            continue
        if token in (">", "+", "~"):
            combinator = token
            continue
        out.append((combinator, token))
        combinator = " "
    return out or None


def _selector_used(selector: str, elements: list[_Element]) -> bool:
    parts = _split_selector(selector)
    if parts is None:
        return True

    def fits(index: int, element: _Element) -> bool:
        if not _compound_matches(parts[index][1], element):
            return False
        if index == 0:
            return True
        combinator = parts[index][0]
        if combinator == ">":
            return element.parent is not None and fits(index - 1, element.parent)
        if combinator in ("+", "~"):
            return any(fits(index - 1, sibling) for sibling in element.siblings if sibling is not element)
        ancestor = element.parent
        while ancestor is not None:
            if fits(index - 1, ancestor):
                return True
            ancestor = ancestor.parent
        return False

    return any(fits(len(parts) - 1, element) for element in elements)


def _split_top(css: str) -> list[tuple[str, str | None]]:
    """Top-level CSS items: (prelude, block body) for `prelude { body }`, (statement, None) for `...;`."""
    items: list[tuple[str, str | None]] = []
    i, n, start = 0, len(css), 0
    while i < n:
        c = css[i]
        if c == "/" and css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in "\"'":
            end = css.find(c, i + 1)
            i = n if end < 0 else end + 1
            continue
        if c == ";":
            items.append((css[start : i + 1].strip(), None))
            start = i = i + 1
            continue
        if c == "{":
            depth, j = 1, i + 1
            while j < n and depth:
                if css[j] == "{":
                    depth += 1
                elif css[j] == "}":
                    depth -= 1
                j += 1
            items.append((css[start:i].strip(), css[i + 1 : j - 1]))
            start = i = j
            continue
        i += 1
    return [(prelude, body) for prelude, body in items if prelude or body]


def _selectors(prelude: str) -> list[str]:
    out, depth, current = [], 0, ""
    for c in prelude:
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == "," and depth == 0:
            out.append(current.strip())
            current = ""
        else:
            current += c
    out.append(current.strip())
    return [s for s in out if s]


def _prune(css: str, elements: list[_Element], indent: str) -> tuple[list[str], int]:
    kept: list[str] = []
    removed = 0
    for prelude, body in _split_top(css):
        prelude = re.sub(r"/\*.*?\*/", "", prelude, flags=re.S).strip()
        if body is None:
            kept.append(prelude)
        elif prelude.startswith("@media"):
            inner, gone = _prune(body, elements, indent + "  ")
            removed += gone
            if inner:
                kept.append(prelude + " {\n" + "\n".join(indent + "  " + line for line in inner) + "\n" + indent + "}")
        elif prelude.startswith("@"):
            kept.append(prelude + " {" + body + "}")
        elif any(_selector_used(s, elements) for s in _selectors(prelude)):
            kept.append(prelude + " {" + body + "}")
        else:
            removed += 1
    return kept, removed


def prune_css(html: str, dom: dict[str, Any]) -> tuple[str, int]:
    """(`html` with its <style> blocks holding only rules some element of `dom` may match, how
    many rules were removed)."""
    elements = _elements(dom)
    removed = 0

    def swap(match: re.Match) -> str:
        nonlocal removed
        rules, gone = _prune(match.group(2), elements, "    ")
        removed += gone
        return match.group(1) + "\n    " + "\n    ".join(rules) + "\n  " + match.group(3)

    return _STYLE.sub(swap, html), removed
