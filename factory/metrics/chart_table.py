"""chart_to_table: DePlot's RMS (precision, recall, F1) and ChartQA's RNSS, as published.

Reimplemented from DePlot's `deplot/metrics.py` (google-research, Liu et al. 2023) and the paper:

RMS, Relative Mapping Similarity (`table_datapoints_precision_recall`):
1. Both tables are parsed from the linearized text: lower-cased, a first line `title | ...`
   gives the title, the next line the header, the rest the rows, cells split on " | ". The
   prediction is also read transposed; the better of the two (by F1) counts.
2. Each table becomes datapoints `"<row label> <column header>" -> cell` (plus `title`).
3. Datapoint keys are matched one to one by minimum total normalized Levenshtein cost
   (Hungarian assignment), with ANLS at `text_theta` = 0.5 (a key pair further apart than
   that costs 1).
4. A matched pair scores key similarity x value similarity: for numbers
   1 - min(1, |p - t| / |t|), set to 0 past `number_theta` = 0.1 (10% relative error); for text,
   ANLS. Precision = total / predicted datapoints, recall = total / target datapoints.
   Numbers parse as floats, with a trailing '%' divided by 100.

RNSS, Relative Number Set Similarity (`table_number_accuracy`, from ChartQA, Masry et al. 2022):
every cell of either table that parses as a float (no '%') is kept, numbers are matched by
Hungarian assignment on min(1, |p - t| / |t|), and RNSS = 1 - total distance / max(count).

Deviations from the published code, documented in the README:
- its per-example F1 list stores the recall (`per_point_scores["f1"].append(r)`, fixed in later
  copies of the same code); this module returns the true F1;
- its `_get_relative_distance` returns `int(not prediction)` for a 0 target: distance 1 for a
  correct 0 and 0 for any wrong number (inverted); here a 0 target is at distance 0 from a 0
  and 1 from anything else. RMS never reaches that branch (a 0 value cell is compared as text,
  `"0" == "0"`, as published); RNSS does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from factory.errors import require
from factory.metrics.text import anls

TEXT_THETA = 0.5
NUMBER_THETA = 0.1


def linear_sum_assignment(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    optimize = require("scipy.optimize", "eval", "scoring")
    return optimize.linear_sum_assignment(cost)


def to_float(text: str) -> float | None:
    try:
        if text.endswith("%"):
            return float(text.rstrip("%")) / 100.0
        return float(text)
    except ValueError:
        return None


def relative_distance(target: float, prediction: float, theta: float = 1.0) -> float:
    """min(1, |target - prediction| / |target|), and 1 past `theta`; a 0 target needs a 0."""
    if not target:
        return 0.0 if prediction == 0 else 1.0
    distance = min(abs((target - prediction) / target), 1.0)
    return distance if distance < theta else 1.0


@dataclass(frozen=True)
class Table:
    title: str | None = None
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def parse_table(text: str, transposed: bool = False) -> Table:
    lines = text.lower().splitlines()
    if not lines:
        return Table()
    if lines[0].startswith("title |"):
        title: str | None = lines[0][len("title |") :].strip()
        offset = 1
    else:
        title, offset = None, 0
    if len(lines) < offset + 1:
        return Table(title=title)
    rows = [tuple(v.strip() for v in line.split(" | ")) for line in lines[offset:]]
    if transposed:
        rows = [tuple(row) for row in itertools.zip_longest(*rows, fillvalue="")]
    return Table(title=title, headers=rows[0], rows=tuple(rows[1:]))


def datapoints(table: Table) -> list[tuple[str, str]]:
    points: dict[str, str] = {}
    if table.title is not None:
        points["title"] = table.title
    if not table.rows or len(table.headers) <= 1:
        return list(points.items())
    for row in table.rows:
        for header, cell in zip(table.headers[1:], row[1:]):
            points[f"{row[0]} {header}"] = cell
    return list(points.items())


def _datapoint_score(target: tuple[str, str], prediction: tuple[str, str], text_theta: float, number_theta: float) -> float:
    key = anls(target[0], prediction[0], text_theta)
    p, t = to_float(prediction[1]), to_float(target[1])
    if p is not None and t:
        return key * (1 - relative_distance(t, p, number_theta))
    if target[1] == prediction[1]:
        return key
    return key * anls(target[1], prediction[1], text_theta)


def _rms_tables(target: Table, prediction: Table, text_theta: float, number_theta: float) -> tuple[float, float, float]:
    t_points, p_points = datapoints(target), datapoints(prediction)
    if not t_points and not p_points:
        return 1.0, 1.0, 1.0
    if not t_points:
        return 0.0, 1.0, 0.0
    if not p_points:
        return 1.0, 0.0, 0.0
    cost = np.array([[1 - anls(t, p, text_theta) for p, _ in p_points] for t, _ in t_points])
    rows, cols = linear_sum_assignment(cost)
    score = sum(_datapoint_score(t_points[r], p_points[c], text_theta, number_theta) for r, c in zip(rows, cols))
    if score == 0:
        return 0.0, 0.0, 0.0
    precision, recall = score / len(p_points), score / len(t_points)
    return precision, recall, 2 * precision * recall / (precision + recall)


def rms(target: str, prediction: str, text_theta: float = TEXT_THETA, number_theta: float = NUMBER_THETA) -> tuple[float, float, float]:
    """(precision, recall, F1) in [0, 1]: the better of the prediction read as is or transposed."""
    parsed = parse_table(target)
    results = [_rms_tables(parsed, parse_table(prediction, transposed=tr), text_theta, number_theta) for tr in (True, False)]
    return max(results, key=lambda prf: prf[-1])


def table_numbers(text: str) -> list[float]:
    numbers = []
    for line in text.splitlines():
        for part in line.split(" | "):
            if part.strip():
                try:
                    numbers.append(float(part))
                except ValueError:
                    pass
    return numbers


def number_set_similarity(target: list[float], prediction: list[float]) -> float:
    """1 - (sum of matched min(1, relative errors)) / max(count): RNSS on two number lists."""
    if not target and not prediction:
        return 1.0
    if not target or not prediction:
        return 0.0
    cost = np.array([[relative_distance(t, p) for p in prediction] for t in target])
    rows, cols = linear_sum_assignment(cost)
    return float(1 - cost[rows, cols].sum() / max(len(target), len(prediction)))


def rnss(target: str, prediction: str) -> float:
    return number_set_similarity(table_numbers(target), table_numbers(prediction))
