"""DePlot's linearized table (DESIGN.md section 6), the chart-to-table target.

    TITLE | <title>          ("TITLE | " when the chart has no title)
    <header cells>
    <one line per row>

Cells are joined by " | " and lines by a real newline. Numbers are written by
`factory.tabular.format_value`, exactly as the chart shows them.

Text is sanitised so it cannot break the format, by the same rule (`factory.tabular.clean_text`)
that tables apply where they are made, so the chart draws what the target writes: a '|' becomes
'/', control characters (NUL, tabs, line breaks...) become a space, runs of spaces collapse to one
and ends are trimmed. An empty cell stays empty ("a |  | b").
"""

from __future__ import annotations

from factory.tabular import Table, clean_text, format_value

SEPARATOR = " | "


def clean(text: str) -> str:
    """Cell or title text that cannot split a cell or a line (a no-op on tables already cleaned)."""
    return clean_text(text)


def linearize(table: Table, header: list[str] | None = None) -> str:
    """`header`, when given, replaces the column names (e.g. only what the chart draws)."""
    lines = ["TITLE" + SEPARATOR + clean(table.title)]
    names = header if header is not None else [column.name for column in table.columns]
    lines.append(SEPARATOR.join(clean(name) for name in names))
    for row in table.rows:
        lines.append(SEPARATOR.join(clean(format_value(value, column)) for value, column in zip(row, table.columns)))
    return "\n".join(lines)
