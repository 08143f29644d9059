"""table_to_html: TEDS and TEDS-struct, PubTabNet's tree-edit-distance similarity.

Reimplemented from PubTabNet's `src/metric.py` (Zhong et al. 2020, "Image-based table
recognition: data, model, and evaluation"):

    TEDS(Ta, Tb) = 1 - EditDist(Ta, Tb) / max(|Ta|, |Tb|)

over the trees of the two `<table>` elements (parsed by lxml's HTML parser, which repairs
unclosed tags the way PubTabNet's evaluation does), with APTED's tree edit distance (`apted`):
insertions and deletions cost 1; renaming a node costs 1 when tag, colspan or rowspan differ,
and for two cells the normalized Levenshtein distance between their contents (the cell's
characters and inline tags as tokens), else 0. |T| counts the table's descendant elements.
TEDS-struct is the same with cell contents emptied. No `<table>` in the prediction scores 0.

One normalisation: `<th>` is read as `<td>`. PubTabNet's annotations write header cells as
`td` inside `thead` and its metric only compares the contents of `td` nodes; this project's
targets (and most models' outputs) use `th`, whose text the published code would ignore.
"""

from __future__ import annotations

from typing import Any

from factory.errors import require
from factory.metrics.text import normalized_distance


class _Node:
    __slots__ = ("tag", "colspan", "rowspan", "content", "children")

    def __init__(self, tag: str, colspan: int | None = None, rowspan: int | None = None, content: list[str] | None = None):
        self.tag = tag
        self.colspan = colspan
        self.rowspan = rowspan
        self.content = content
        self.children: list[_Node] = []


def _span(value: Any) -> int:
    try:
        return int(str(value).strip() or 1)
    except ValueError:
        return 1


def _cell_tokens(element: Any) -> list[str]:
    """A cell's content as PubTabNet tokenizes it: characters, and inline tags as tokens."""
    out: list[str] = []

    def walk(node: Any, top: bool) -> None:
        if not top:
            out.append(f"<{node.tag}>")
        if node.text is not None:
            out.extend(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child, False)
            if child.tail is not None:
                out.extend(child.tail)
        if not top:
            out.append(f"</{node.tag}>")

    walk(element, True)
    return out


def _tree(element: Any, structure_only: bool) -> _Node:
    tag = "td" if element.tag == "th" else element.tag
    if tag == "td":
        content = [] if structure_only else _cell_tokens(element)
        return _Node("td", _span(element.get("colspan", "1")), _span(element.get("rowspan", "1")), content)
    node = _Node(tag)
    for child in element:
        if isinstance(child.tag, str):  # comments and processing instructions are not nodes
            node.children.append(_tree(child, structure_only))
    return node


def _config():
    apted = require("apted", "eval", "TEDS scoring")

    class TableConfig(apted.Config):
        def rename(self, a: _Node, b: _Node) -> float:
            if a.tag != b.tag or a.colspan != b.colspan or a.rowspan != b.rowspan:
                return 1.0
            if a.tag == "td" and (a.content or b.content):
                return normalized_distance(a.content or [], b.content or [])
            return 0.0

        def children(self, node: _Node) -> list[_Node]:
            return node.children

    return apted.APTED, TableConfig()


def _table(html_text: str) -> Any | None:
    lxml_html = require("lxml.html", "eval", "TEDS scoring")
    if not html_text.strip():
        return None
    try:
        root = lxml_html.fromstring(html_text.encode("utf-8"), parser=lxml_html.HTMLParser(remove_comments=True, encoding="utf-8"))
    except (ValueError, TypeError):
        return None
    if root.tag == "table":
        return root
    found = root.xpath("//table")
    return found[0] if found else None


def _count(element: Any) -> int:
    return sum(1 for node in element.iter() if isinstance(node.tag, str)) - 1


def teds(target: str, prediction: str, structure_only: bool = False) -> float:
    """TEDS (or TEDS-struct) of the first `<table>` of each, in [0, 1]."""
    true, pred = _table(target), _table(prediction)
    if true is None or pred is None:
        return 0.0
    n_nodes = max(_count(true), _count(pred))
    if n_nodes == 0:
        return 1.0
    apted_cls, config = _config()
    distance = apted_cls(_tree(pred, structure_only), _tree(true, structure_only), config).compute_edit_distance()
    return max(0.0, 1.0 - float(distance) / n_nodes)
