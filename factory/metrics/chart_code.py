"""chart_to_code: run the predicted script, then compare its picture (SSIM) and its data.

- `executes`: the script ran to its end and wrote a picture (chart.png, or its last open figure).
- `ssim`: structural similarity (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01,
  K2 0.03, mean over the image less a 5-pixel border, as scikit-image computes it with
  `gaussian_weights=True, use_sample_covariance=False`) of the two pictures in greyscale, the
  prediction resized to the reference's size when they differ; 0 without a picture.
- `data`: the numbers each figure plots (bar values, line and scatter y values, pie shares), read
  from the saved Matplotlib figure, compared as ChartQA's RNSS compares number sets (Hungarian
  matching on relative error).
The reference is the sample's own script, run in the same sandbox, so a perfect prediction scores
1 on all three. A Vega-Lite prediction is drawn in that sandbox too (vl-convert in its own process,
memory and time limits: `Sandbox.draw_vega`), its numbers read from its inline data; one that
cannot be drawn (invalid, too big, or killing its process) scores 0 with its reason, and the
run goes on.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from factory.errors import require
from factory.metrics.chart_table import number_set_similarity

K1, K2, SIGMA, TRUNCATE = 0.01, 0.03, 1.5, 3.5
MAX_VALUES = 2000  # numbers compared per figure: the matching is cubic in this


def ssim(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """Mean SSIM of two greyscale images of one shape."""
    ndimage = require("scipy.ndimage", "eval", "chart-to-code scoring")
    x, y = a.astype(np.float64), b.astype(np.float64)
    blur = lambda z: ndimage.gaussian_filter(z, sigma=SIGMA, truncate=TRUNCATE)  # noqa: E731
    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    pad = int(TRUNCATE * SIGMA + 0.5)
    if s.shape[0] > 2 * pad and s.shape[1] > 2 * pad:
        s = s[pad:-pad, pad:-pad]
    return float(s.mean())


def grey(data: bytes | Image.Image) -> Image.Image:
    image = data if isinstance(data, Image.Image) else Image.open(io.BytesIO(data))
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return image.convert("L")


def picture_similarity(reference: Image.Image, prediction: bytes | None) -> float:
    if prediction is None:
        return 0.0
    try:
        pred = grey(prediction)
    except (OSError, ValueError, Image.DecompressionBombError):
        return 0.0
    ref = grey(reference)
    if pred.size != ref.size:
        pred = pred.resize(ref.size, Image.Resampling.BILINEAR)
    return max(0.0, ssim(np.asarray(ref), np.asarray(pred)))


def data_similarity(reference: list[float], prediction: list[float]) -> float:
    return number_set_similarity(reference[:MAX_VALUES], prediction[:MAX_VALUES])


def vega_data_numbers(spec: Any) -> list[float]:
    """The numbers of a Vega-Lite spec's inline data (every `data.values` and `datasets`), in order."""
    out: list[float] = []

    def leaves(value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, (int, float)):
            if np.isfinite(value):
                out.append(float(value))
        elif isinstance(value, dict):
            for item in value.values():
                leaves(item)
        elif isinstance(value, list):
            for item in value:
                leaves(item)

    stack = [spec]
    while stack and len(out) < MAX_VALUES:
        node = stack.pop()
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                leaves(data["values"])
            if isinstance(node.get("datasets"), dict):
                leaves(node["datasets"])
            stack.extend(reversed([v for k, v in node.items() if k not in ("data", "datasets") and isinstance(v, (dict, list))]))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return out[:MAX_VALUES]
