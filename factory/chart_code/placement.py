"""Where a chart's texts go, decided once for every engine: value labels beside their line or
inside their bar, labels a mark crosses moved or left out, the average line's text at one end or the
other, titles broken into balanced lines, histogram bin edges.

Each rule reads and writes the spec's `style` only, so Matplotlib, Plotly and Vega-Lite draw the same
placement and the targets (which read `hidden_values`) agree with every engine's picture."""

from __future__ import annotations

from typing import Any

from factory.tabular import Column, Table, format_value

def balanced_lines(text: str, lines: int) -> str:
    """`text` broken at spaces into `lines` lines of about equal length."""
    words = text.split(" ")
    if lines <= 1 or len(words) < 2:
        return text
    lines = min(lines, len(words))
    target = len(text) / lines
    out, current = [], ""
    for i, word in enumerate(words):
        left = len(words) - i  # words not yet placed, this one included
        room = lines - len(out) - 1  # breaks still to make
        if current and (len(current) + 1 + len(word) / 2 > target or left <= room) and room > 0:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    out.append(current)
    return "\n".join(out)

def value_texts(table: Table, index: int) -> list[str]:
    column: Column = table.series[index]
    return [format_value(v, column) for v in table.values(index)]


def drawn_value_texts(spec: Any, index: int) -> list[str]:
    """Series `index`'s value labels as drawn: blank where the renderer found a label would not
    fit its mark or would be crossed by one (`style["hidden_values"]`: [series, row] pairs)."""
    hidden = {tuple(pair) for pair in spec.style.get("hidden_values", ())}
    return ["" if (index, row) in hidden else text for row, text in enumerate(value_texts(spec.table, index))]

PLACED_LINES = ("line", "multi_line", "area")  # chart types whose value labels take a side of their line


def label_sides(spec: Any, index: int) -> list[str]:
    """Where each value label of line series `index` goes: away from the line through its point
    (below a dip, above a peak, upper left on a rise, upper right on a fall); an area's fill lies
    below its line, so its labels never go below. `style["label_sides"]` overrides."""
    given = spec.style.get("label_sides")
    if given:
        return list(given[index])
    values = spec.table.values(index)
    sides = []
    for i, v in enumerate(values):
        if v is None:
            sides.append("above")
            continue
        before = values[i - 1] if i > 0 else None
        after = values[i + 1] if i + 1 < len(values) else None
        lower = [n for n in (before, after) if n is not None and n < v]
        higher = [n for n in (before, after) if n is not None and n > v]
        if higher and not lower:
            side = "below" if spec.chart_type != "area" else "above"
        elif before is not None and after is not None and lower and higher:
            side = "left" if after > v else "right"
        else:
            side = "above"
        sides.append(side)
    return sides


_OTHER_SIDE = {"above": "below", "below": "above", "left": "below", "right": "below"}


def place_crossed_labels(spec: Any, cells: list[tuple[int, int]]) -> str:
    """Value labels a mark crosses (series, row), placed again the same way by every engine: a line's
    label moves to the other side of its point once (an area's never into its fill), then it is left
    out of the picture (`hidden_values`: the targets and questions then treat it as not printed)."""
    s = spec.style
    lines = spec.chart_type in PLACED_LINES
    sides = [label_sides(spec, j) for j in range(len(spec.table.series))] if lines else []
    hidden = [list(pair) for pair in s.get("hidden_values", [])]
    flipped = {tuple(pair) for pair in s.get("flipped_labels", [])}
    moved = 0
    for series, row in cells:
        if lines and (series, row) not in flipped and series < len(sides) and row < len(sides[series]):
            other = _OTHER_SIDE[sides[series][row]]
            if spec.chart_type != "area" or other != "below":
                sides[series][row] = other
                flipped.add((series, row))
                moved += 1
                continue
        if [series, row] not in hidden:
            hidden.append([series, row])
    if lines:
        s["label_sides"] = sides
        s["flipped_labels"] = sorted(list(pair) for pair in flipped)
    s["hidden_values"] = sorted(hidden)
    return f"value_labels_placed:{moved}_moved_{len(hidden)}_hidden"


INSIDE_KINDS = ("bar", "barh")  # chart types whose value labels an average line crosses move inside their bar


def move_labels_inside(spec: Any, crossed: set[int]) -> str | None:
    """Value labels (rows) an average line runs through, placed again the same way by every
    engine: they move inside their bar, against its end (`style["inside_labels"]`), once; a label
    still crossed there, or too big for its bar, leaves the line out instead (furniture goes first)
    and every label back where it was. None when this is not such a chart or no label is crossed."""
    s = spec.style
    if spec.chart_type not in INSIDE_KINDS or s.get("reference_line", "none") == "none" or not crossed:
        return None
    inside = {int(r) for r in s.get("inside_labels", ())}
    if crossed & inside:
        s["reference_line"] = "none"
        forget_reference_places(s)
        return "drop_reference"
    s["inside_labels"] = sorted(inside | crossed)
    return f"labels_inside:{len(crossed)}"


def forget_reference_places(style: dict[str, Any]) -> None:
    """An average line left out takes back what was placed for it: the labels moved inside their
    bars return to their place, and its text's place goes (every engine's repairs call this)."""
    style.pop("inside_labels", None)
    style.pop("reference_at", None)


REFERENCE_PLACES = ("end", "start")  # where an average line's text sits: at the line's far end (right; top for barh), or its near end


def reference_at(spec: Any) -> str:
    """Where the average line's text sits (`style["reference_at"]`, one of REFERENCE_PLACES)."""
    place = spec.style.get("reference_at", "end")
    return place if place in REFERENCE_PLACES else "end"


def reference_text_in_the_way(problems: list[Any]) -> bool:
    """Whether the average line's own text is at fault among a renderer's problems (each with
    `kinds`, `labels`, `rule`, `reason`): on another text or off the canvas, not the line itself
    through a label (`rule`), not a label named to move (`labels`), not its colours (it keeps its
    ground where it moves). Not when the line crosses a label that cannot move: the line goes."""
    if any(p.rule and not p.labels for p in problems):
        return False
    return any("reference" in p.kinds and not p.labels and not p.rule and p.reason != "low_contrast" for p in problems)


def move_reference_text(spec: Any) -> str | None:
    """The average line's own text in the way (on a value label, a tick label, the legend, the
    subtitle, a mark), placed again the same way by every engine: it moves to the line's other end
    once (`style["reference_at"]: "start"`: the left end, the bottom for barh); None when it has
    moved already or there is no line (the line then goes)."""
    s = spec.style
    if s.get("reference_line", "none") == "none" or reference_at(spec) != "end":
        return None
    s["reference_at"] = "start"
    return "reference_at:start"


def histogram_edges(spec: Any) -> tuple[list[float], list[str]]:
    """Bin edges and their tick texts (the same texts the bin labels "10-20" are made of)."""
    edges = [float(e) for e in spec.style["bin_edges"]]
    column = Column("edge", decimals=int(spec.style["bin_decimals"]), digits=spec.table.series[0].digits)  # the bins' digits
    return edges, [format_value(e, column) for e in edges]
