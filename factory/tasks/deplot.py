"""DePlot's linearized table (DESIGN.md section 6), the chart-to-table target.

    TITLE | <title>          ("TITLE | " when the chart has no title)
    <header cells>
    <one line per row>

Cells are joined by " | " and lines by a real newline. Numbers are written by
`factory.tabular.format_value`, exactly as the chart shows them.

Text is sanitised so it cannot break the format: line breaks and tabs become a space, a '|' inside
a title, header or label becomes '/', runs of spaces collapse to one and ends are trimmed. An
empty cell stays empty ("a |  | b").
"""

from __future__ import annotations

import re

from factory.tabular import Table, format_value

SEPARATOR = " | "
_PIPE = re.compile(r"\s*\|\s*")


def clean(text: str) -> str:
    """Cell or title text that cannot split a cell or a line."""
    text = _PIPE.sub("/", str(text))
    return " ".join(text.split())


def linearize(table: Table, header: list[str] | None = None) -> str:
    """`header`, when given, replaces the column names (e.g. only what the chart draws)."""
    lines = ["TITLE" + SEPARATOR + clean(table.title)]
    names = header if header is not None else [column.name for column in table.columns]
    lines.append(SEPARATOR.join(clean(name) for name in names))
    for row in table.rows:
        lines.append(SEPARATOR.join(clean(format_value(value, column)) for value, column in zip(row, table.columns)))
    return "\n".join(lines)
