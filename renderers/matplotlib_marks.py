"""Boxes of a Matplotlib chart's marks (bars, wedges, points), named by row, series and value.

Read from the drawn figure's artists: bar containers in series order (bars in row order),
pie wedges in row order, line and scatter points in series order. Stacked areas are polygons
with no mark per cell; their data points are listed like a line's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.patches import Wedge

from factory.tabular import format_value

POINT_HALF_PX = 4.0


def _entry(kind: str, row: int, series: int, table: Any, box: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind, "row": row, "series": series, "label": str(table.rows[row][0])}
    if 0 <= series < len(table.series):
        out["value"] = format_value(table.rows[row][series + 1], table.series[series])
    out["box"] = [round(float(v), 1) for v in box]
    return out


def mark_boxes(drawn: Any) -> list[dict[str, Any]]:
    spec, fig = drawn.spec, drawn.figure
    _, height = drawn.canvas.get_width_height()
    table = spec.table
    n = len(table.rows)
    out: list[dict[str, Any]] = []

    def flip(bb) -> list[float]:
        return [bb.x0, height - bb.y1, bb.x1, height - bb.y0]

    for ax in fig.axes:
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        for j, container in enumerate(bars):
            for i, patch in enumerate(container.patches[:n]):
                if table.rows[i][j + 1] is not None:
                    out.append(_entry("bar", i, j, table, flip(patch.get_window_extent())))
        wedges = [p for p in ax.patches if isinstance(p, Wedge)]
        for i, wedge in enumerate(wedges[:n]):
            out.append(_entry("wedge", i, 0, table, flip(wedge.get_window_extent())))
        if spec.chart_type in ("line", "multi_line", "area", "stacked_area"):
            cum = np.zeros(n)
            for j in range(len(table.series)):
                values = np.array([np.nan if v is None else v for v in table.values(j)], dtype=float)
                ys = cum + values if spec.chart_type == "stacked_area" else values
                if spec.chart_type == "stacked_area":
                    cum = ys
                for i, (x, y) in enumerate(zip(range(n), ys)):
                    if np.isfinite(y):
                        px, py = ax.transData.transform((x, y))
                        h = POINT_HALF_PX
                        out.append(_entry("point", i, j, table, [px - h, height - py - h, px + h, height - py + h]))
        scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
        for j, coll in enumerate(scatters):
            offsets = coll.get_offset_transform().transform(np.asarray(coll.get_offsets()))
            half = max(float(np.sqrt(np.max(coll.get_sizes()))) * fig.dpi / 72.0 / 2, 2.0)
            rows = [i for i in range(n) if table.rows[i][j + 1] is not None]
            for i, (px, py) in zip(rows, offsets):
                out.append(_entry("point", i, j, table, [px - half, height - py - half, px + half, height - py + half]))
    return out
