"""Tables as plain data, and the one number formatter that charts and targets share.

A chart's value labels, its DePlot table and its QA answers all call `format_value`, so the text
in a target is exactly the text in the image.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal, Union

Cell = Union[str, float, None]


@dataclass
class Column:
    name: str  # header as shown, unit included: "Revenue (USD bn)", "Share (%)"
    kind: Literal["label", "number"] = "number"
    unit: str = ""  # the unit in the header, for reference ("USD bn", "%")
    decimals: int = 0  # digits after the point when the value is shown
    percent: bool = False  # shown with a trailing '%' ("12.5%")
    digits: str = "latn"  # numbering system of the digits shown: latn, or arab, arabext, deva, beng, thai


@dataclass
class Table:
    title: str
    columns: list[Column]  # columns[0] is the label (x) column
    rows: list[list[Cell]]
    facts: dict = field(default_factory=dict)  # how it was made: label kind, trend, seasonality...

    @property
    def label_column(self) -> Column:
        return self.columns[0]

    @property
    def series(self) -> list[Column]:
        return self.columns[1:]

    def labels(self) -> list[str]:
        return [format_value(r[0], self.columns[0]) for r in self.rows]

    def values(self, series_index: int) -> list[float | None]:
        return [r[series_index + 1] for r in self.rows]  # type: ignore[misc]


_PIPE = re.compile(r"\s*\|\s*")
# Bidirectional embeddings, overrides and isolates: they reorder what the image shows.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(text: str) -> str:
    """Table text (title, header, label) as both the image and the targets show it.

    One rule for both, applied where a table is made: '|' (the DePlot cell separator) becomes
    '/', control characters (NUL, tabs, line breaks...), unpaired surrogates and bidirectional
    controls become a space, runs of spaces collapse to one, and the ends are trimmed."""
    text = _PIPE.sub("/", str(text))
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS else c for c in text)
    elif _BIDI_CONTROLS.intersection(text):
        text = "".join(" " if c in _BIDI_CONTROLS else c for c in text)
    return " ".join(text.split())


def format_value(value: Cell, column: Column) -> str:
    """A cell as the chart shows it: fixed decimals, no thousands separators, '%' if a percent.

    Native digits ('١٢.٥', '१२.५') replace 0-9 only: '.', '-' and '%' stay ASCII, so a DePlot
    metric reads the cell with Python's float(), which takes any Unicode decimal digits."""
    if value is None:
        return ""
    if column.kind == "label" or isinstance(value, str):
        return str(value)
    text = f"{float(value):.{column.decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # no "-0.0"
    text += "%" if column.percent else ""
    if column.digits != "latn":
        from factory.generators.locales import to_digits

        text = to_digits(text, column.digits)
    return text


def display_rows(table: Table) -> list[list[str]]:
    return [[format_value(v, c) for v, c in zip(row, table.columns)] for row in table.rows]
