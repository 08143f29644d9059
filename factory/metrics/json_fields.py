"""document_to_json: Donut's field-level F1 and tree-edit-distance accuracy, over any JSON.

Reimplemented from `JSONParseEvaluator` in Donut's `donut/util.py` (Kim et al. 2022, "OCR-free
Document Understanding Transformer", section 3.3 and appendix A.3):

- `normalize`: keys sorted by (length, name); scalars become one-element lists of stripped
  strings; empty values disappear; a list of dicts stays a list of (normalized) dicts.
- Field F1 (`cal_f1`): both sides flattened to (dotted key path, leaf value) pairs; a predicted
  pair that is in the target's remaining pairs is a true positive (and is consumed), else a
  false positive; target pairs left over are false negatives. Donut micro-averages over the
  whole test set, F1 = TP / (TP + (FP + FN) / 2); `field_counts` returns the counts for that,
  `field_f1` one document's F1.
- TED accuracy (`cal_acc`): the normalized JSON as an ordered tree (`<root>`, key nodes,
  `<subtree>` for each dict in a list, `<leaf>value` leaves), tree edit distance with Donut's
  costs (insert/delete a leaf: its length; any other node: 1; rename leaf to leaf: Levenshtein of
  the values; leaf to non-leaf: 1 + the leaf's length; non-leaf to non-leaf: 0 if equal else 1),
  accuracy = max(0, 1 - TED(pred, target) / TED(empty, target)). Donut computes the distance
  with `zss` (Zhang-Shasha); this module uses APTED, which computes the same ordered tree edit
  distance, and TED(empty, target) is the cost of inserting every non-root node of the target.

A prediction that is not valid JSON counts as `{}` (every target field missed, accuracy 0).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from factory.errors import require
from factory.metrics.text import levenshtein

LEAF = "<leaf>"


def normalize(data: Any) -> Any:
    if not data:
        return {}
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key in sorted(data, key=lambda k: (len(k), k)):
            value = normalize(data[key])
            if value:
                out[key] = value if isinstance(value, list) else [value]
        return out
    if isinstance(data, list):
        if all(isinstance(item, dict) for item in data):
            return [item for item in (normalize(item) for item in data) if item]
        return [str(item).strip() for item in data if type(item) in (str, int, float) and str(item).strip()]
    return [str(data).strip()]


def flatten(data: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def walk(value: Any, key: str) -> None:
        if type(value) is dict:
            for child_key, child in value.items():
                walk(child, f"{key}.{child_key}" if key else child_key)
        elif type(value) is list:
            for item in value:
                walk(item, key)
        else:
            out.append((key, value))

    walk(data, "")
    return out


def parse_json(text: str) -> Any:
    """The prediction as data; {} when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return {}


def field_counts(target: Any, prediction: Any) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of Donut's field matching."""
    remaining = Counter(flatten(normalize(target)))
    tp = fp = 0
    for pair in flatten(normalize(prediction)):
        if remaining[pair] > 0:
            remaining[pair] -= 1
            tp += 1
        else:
            fp += 1
    return tp, fp, sum(remaining.values())


def f1_from_counts(tp: int, fp: int, fn: int) -> float:
    if tp + fp + fn == 0:
        return 1.0
    return tp / (tp + (fp + fn) / 2)


def field_f1(target: Any, prediction: Any) -> float:
    return f1_from_counts(*field_counts(target, prediction))


class _Node:
    __slots__ = ("label", "children")

    def __init__(self, label: str):
        self.label = label
        self.children: list[_Node] = []


def build_tree(data: Any, name: str = "<root>") -> _Node:
    node = _Node(name)
    if isinstance(data, dict):
        for key, value in data.items():
            node.children.append(build_tree(value, key))
    elif isinstance(data, list):
        if all(isinstance(item, dict) for item in data):
            node.children.extend(build_tree(item, "<subtree>") for item in data)
        else:
            node.children.extend(_Node(f"{LEAF}{item}") for item in data)
    else:
        raise TypeError(f"cannot build a tree from {type(data).__name__} under {name!r}")
    return node


def _insert_cost(node: _Node) -> int:
    return len(node.label) - len(LEAF) if node.label.startswith(LEAF) else 1


def _update_cost(a: _Node, b: _Node) -> int:
    a_leaf, b_leaf = a.label.startswith(LEAF), b.label.startswith(LEAF)
    if a_leaf and b_leaf:
        return levenshtein(a.label[len(LEAF) :], b.label[len(LEAF) :])
    if b_leaf:
        return 1 + len(b.label) - len(LEAF)
    if a_leaf:
        return 1 + len(a.label) - len(LEAF)
    return int(a.label != b.label)


def tree_edit_distance(a: _Node, b: _Node) -> float:
    apted = require("apted", "eval", "tree edit distance scoring")

    class DonutConfig(apted.Config):
        def delete(self, node: _Node) -> int:
            return _insert_cost(node)

        def insert(self, node: _Node) -> int:
            return _insert_cost(node)

        def rename(self, x: _Node, y: _Node) -> int:
            return _update_cost(x, y)

        def children(self, node: _Node) -> list[_Node]:
            return node.children

    return float(apted.APTED(a, b, DonutConfig()).compute_edit_distance())


def _subtree_cost(node: _Node) -> int:
    return sum(_insert_cost(child) + _subtree_cost(child) for child in node.children)


def ted_accuracy(target: Any, prediction: Any) -> float:
    """max(0, 1 - TED(prediction, target) / TED(empty, target)), in [0, 1]."""
    answer = build_tree(normalize(target))
    full = _subtree_cost(answer)
    if full == 0:
        return 1.0 if not normalize(prediction) else 0.0
    return max(0.0, 1.0 - tree_edit_distance(build_tree(normalize(prediction)), answer) / full)
