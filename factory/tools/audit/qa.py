"""QA answerability, from the json alone: each chart question's recorded reading re-checked against
the texts the chart draws (the rows it names are printed, a printed or computed answer's values are
printed value labels, an estimate's tolerance is within ChartQA's 5% and no finer than a tenth of
the value axis's tick step)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from factory.generators.locales import to_digits
from factory.tools.audit.texts import CHART_SKIP

RELAXED = Decimal("0.05")  # ChartQA's relaxed accuracy


def _number(text: str) -> Decimal | None:
    t = str(text).strip().replace("\u2212", "-").replace(",", "").rstrip("%").strip()
    scale = Decimal(1)
    for suffix, factor in (("k", 3), ("M", 6), ("G", 9), ("T", 12)):
        if t.endswith(suffix):
            t, scale = t[:-1], Decimal(10) ** factor
    try:
        return Decimal(t) * scale
    except (InvalidOperation, ValueError):
        return None


def _cell_text(rows: list, columns: list, cell: list[int]) -> str | None:
    """A table cell as a value label prints it (fixed decimals, '%' for percent columns)."""
    series, row = cell
    column = columns[series + 1] if series + 1 < len(columns) else {}
    value = rows[row][series + 1] if row < len(rows) and series + 1 < len(rows[row]) else None
    if value is None:
        return None
    shown = f"{float(value):.{int(column.get('decimals', 0))}f}"
    if shown.startswith("-") and float(shown) == 0:
        shown = shown[1:]
    shown += "%" if column.get("percent") else ""
    return to_digits(shown, column.get("digits") or "latn")  # as the chart prints it: ৫৩২, ١٢٫٥ stays '.'


def qa_problems(meta: dict[str, Any]) -> tuple[int, list[str]]:
    """(questions, why each unanswerable one is) from the json alone."""
    source = meta.get("source") or {}
    qa = (meta.get("targets") or {}).get("qa") or []
    if not qa:
        return 0, []
    elements = (meta.get("render") or {}).get("elements") or {}
    kind = source.get("chart_type", "")
    table = source.get("table") or {}
    rows = table.get("rows") or []
    first = (table.get("columns") or [{}])[0]
    # a numeric label column (a scatter's x) is drawn with its decimals: 50.0 -> "50"
    labels = [f"{float(r[0]):.{int(first.get('decimals', 0))}f}" if first.get("kind") == "number" and isinstance(r[0], (int, float)) else str(r[0]) for r in rows]
    texts = {key: [" ".join(str(e.get("text", "")).split()) for e in v] for key, v in elements.items() if key not in CHART_SKIP}
    printed = set(texts.get("pie_labels", [])) | set(texts.get("legend_texts", []))
    printed |= set(texts.get("y_tick_labels" if kind == "barh" else "x_tick_labels", []))
    value_ticks = [n for n in (_number(t) for t in texts.get("x_tick_labels" if kind == "barh" else "y_tick_labels", [])) if n is not None]
    value_ticks = sorted(set(value_ticks))
    step = min((b - a for a, b in zip(value_ticks, value_ticks[1:])), default=None)
    value_labels = set(texts.get("value_labels", []))
    columns = table.get("columns") or []
    bad = []
    for pair in qa:
        reading = pair.get("reading") or {}
        program = pair.get("program") or {}
        how = reading.get("how")
        question = pair.get("question", "")
        if how not in ("printed", "computed", "estimate", "counted"):
            bad.append(f"no reading: {question}")
            continue
        for row in program.get("named", []):
            label = labels[row] if row < len(labels) else ""
            edges = re.match(r"^(-?[\d.]+)-(-?[\d.]+)$", label) if kind == "histogram" else None
            if label not in printed and not (edges and {edges[1], edges[2]} <= printed):
                bad.append(f"names {label!r}, printed nowhere: {question}")
                break
        else:
            if how in ("printed", "computed"):
                for cell in program.get("cells", []):
                    shown = _cell_text(rows, columns, cell)
                    if shown is not None and shown not in value_labels:
                        bad.append(f"{how} from {shown!r}, which no value label shows: {question}")
                        break
            elif how == "estimate":
                answer = _number(pair.get("answer", ""))
                tolerance = Decimal(str(reading.get("tolerance", 0)))
                op = program.get("op")
                if answer is not None and op in ("lookup", "extreme_value", "difference", "sum", "average", "ratio"):
                    cells = program.get("cells", [])
                    # a value not printed as a label is read off the axis: at best to a tenth of a tick step
                    unprinted = sum(1 for c in cells if _cell_text(rows, columns, c) not in value_labels)
                    needed = None if step is None else step / 10 * unprinted / (len(cells) if op == "average" else 1)
                    if tolerance > RELAXED * abs(answer):
                        bad.append(f"tolerance {tolerance} beyond 5% of {answer}: {question}")
                    elif op != "ratio" and kind not in ("pie", "donut") and (needed is None or tolerance < needed - Decimal("1e-9")):
                        bad.append(f"tolerance {tolerance} finer than the axis allows ({needed}): {question}")
    return len(qa), bad
