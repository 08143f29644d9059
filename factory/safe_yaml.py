"""YAML from people and from disk, read in bounded time and memory.

PyYAML's safe loader builds no objects of its own choosing, but it still follows every alias (a
few lines can expand to billions of values: an "alias bomb"), composes nesting recursively (a few
thousand levels end in a RecursionError), accepts an anchor that contains itself, and keeps the
last of two equal keys without a word. `load` refuses each with one line that says where:

- the text is at most MAX_BYTES;
- nesting is at most MAX_DEPTH levels, counted with aliases expanded;
- the document, with aliases expanded, has at most MAX_VALUES values;
- no anchor contains an alias to itself;
- no mapping repeats a key (merge keys `<<` still work as YAML defines them).
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_VALUES = 100_000


class YamlLimitError(ValueError):
    """A YAML text over one of the limits, or with a duplicate key; the message says which, where."""


def _at(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than MAX_DEPTH while it composes."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlLimitError(
                    f"nesting deeper than {MAX_DEPTH} levels at line {mark.line + 1}; a recipe needs a few levels"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_keys(node: yaml.MappingNode) -> None:
    seen: dict[tuple[str, str], yaml.Node] = {}
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            first = seen.setdefault((key.tag, key.value), key)
            if first is not key:
                raise YamlLimitError(f"key '{key.value[:80]}' appears twice in one mapping ({_at(first)} and {_at(key)}); keep one")


def check_graph(root: yaml.Node) -> None:
    """Expanded size and depth, self-containing anchors and duplicate keys, without recursion:
    each node is measured once, however many aliases point at it."""
    measured: dict[int, tuple[int, int]] = {}  # node id -> (values, depth) with aliases expanded
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            parts = [measured[id(c)] for c in _children(node)]
            values = 1 + sum(p[0] for p in parts)
            depth = 1 + max((p[1] for p in parts), default=0)
            if values > MAX_VALUES:
                raise YamlLimitError(
                    f"aliases expand to more than {MAX_VALUES:,} values (from {_at(node)}); write the recipe out without an alias bomb"
                )
            if depth > MAX_DEPTH:
                raise YamlLimitError(f"nesting deeper than {MAX_DEPTH} levels once aliases are expanded (from {_at(node)})")
            measured[key] = (values, depth)
            visiting.discard(key)
            continue
        if key in measured:
            continue
        if key in visiting:
            raise YamlLimitError(f"an anchor contains an alias to itself ({_at(node)}); a recipe cannot be infinite")
        visiting.add(key)
        if isinstance(node, yaml.MappingNode):
            _check_keys(node)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def load(text: str) -> Any:
    """The one YAML document in `text` as Python data; YamlLimitError or yaml.YAMLError if not."""
    if len(text) > MAX_BYTES:
        raise YamlLimitError(f"{len(text):,} characters, more than the {MAX_BYTES:,} a recipe may have")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_graph(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()
