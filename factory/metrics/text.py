"""String metrics shared by the task metrics: edit distance, ANLS, normalized edit similarity, token F1.

- `anls(target, prediction, theta)` is Pix2Struct's `anls_metric` (Biten et al. 2019, Eq. 1):
  1 - NL when the normalized Levenshtein distance NL = lev / max(len) is below `theta`, else 0;
  an empty target scores 1 only for an empty prediction. DePlot's RMS uses it for headers and
  text cells; DocVQA-style answers use it with theta 0.5.
- `edit_similarity(target, prediction)` is 1 - NL without the threshold: for long outputs
  (simplified HTML, documents) a threshold would turn every half-right page into 0.
- `token_f1` is SQuAD's bag-of-tokens F1 on the tokens `tokens()` gives: words, and `<` / `>`
  as tokens of their own so that a simplified-HTML group boundary counts like a word.

Levenshtein distances come from rapidfuzz (C++; works on strings and on lists of tokens), since
a Python double loop over two 3,000-character parses takes seconds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Hashable

from factory.errors import require

_TOKEN = re.compile(r"<|>|[^\s<>]+")


def levenshtein(a: str | Sequence[Hashable], b: str | Sequence[Hashable]) -> int:
    """Unit-cost edit distance between two strings or two token sequences."""
    if a == b:
        return 0
    return int(_levenshtein().distance(a, b))


_LEV = None


def _levenshtein():
    global _LEV
    if _LEV is None:
        require("rapidfuzz", "eval", "scoring")
        from rapidfuzz.distance import Levenshtein

        _LEV = Levenshtein
    return _LEV


def normalized_distance(a: str | Sequence[Hashable], b: str | Sequence[Hashable]) -> float:
    """lev(a, b) / max(len(a), len(b)); 0 for two empty inputs."""
    longest = max(len(a), len(b))
    return levenshtein(a, b) / longest if longest else 0.0


def anls(target: str, prediction: str, theta: float = 0.5) -> float:
    """Pix2Struct's anls_metric for one pair (no lower-casing: callers decide)."""
    if not target:
        return float(prediction == "")
    nl = normalized_distance(target, prediction)
    return 1.0 - nl if nl < theta else 0.0


def edit_similarity(target: str, prediction: str) -> float:
    """1 - normalized Levenshtein distance, in [0, 1]; two empty strings are identical."""
    return 1.0 - normalized_distance(target, prediction)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def token_f1(target: str, prediction: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the prediction's tokens against the target's, as multisets."""
    t, p = Counter(tokens(target)), Counter(tokens(prediction))
    if not t and not p:
        return 1.0, 1.0, 1.0
    common = sum((t & p).values())
    if common == 0:
        return 0.0, 0.0, 0.0
    precision = common / sum(p.values())
    recall = common / sum(t.values())
    return precision, recall, 2 * precision * recall / (precision + recall)
