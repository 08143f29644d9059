"""chart_qa: ChartQA's relaxed accuracy (Masry et al. 2022, end of section 5.1), as Pix2Struct
publishes it (`relaxed_correctness` in pix2struct/metrics.py):

- when the prediction parses as a float and the target as a non-zero float (a trailing '%'
  divides by 100 on both sides), the answer is right within 5% relative error;
- otherwise the two strings must be equal, ignoring case.

Surrounding whitespace is stripped from both first (a model's answer often ends with a newline);
that is the only change. A target of 0 is compared as text, as published ("0" vs "0.0" is wrong).
"""

from __future__ import annotations

from factory.metrics.chart_table import to_float

MAX_RELATIVE_CHANGE = 0.05


def relaxed_correctness(target: str, prediction: str, max_relative_change: float = MAX_RELATIVE_CHANGE) -> bool:
    target, prediction = target.strip(), prediction.strip()
    p, t = to_float(prediction), to_float(target)
    if p is not None and t:
        return abs(p - t) / abs(t) <= max_relative_change
    return prediction.lower() == target.lower()
