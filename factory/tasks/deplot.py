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
# How google/deplot and the MatCha checkpoints write a row break: their SentencePiece vocabulary
# has no newline, so the byte-fallback piece `<0x0A>` stands for it, between spaces, in what
# `processor.decode(...)` returns ("TITLE |  <0x0A> Year | Sales <0x0A> 2011 | 70"); users
# replace it with "\n" before DePlot's own table parsing (deplot/metrics.py splits lines).
PUBLISHED_ROW_BREAK = " <0x0A> "
MISSING = "nan"  # how ChartQA/PlotQA tables (and so DePlot) write an empty cell


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


def bare_number(text: str) -> str:
    """A cell or answer without the '%' the chart shows: "12.5%" -> "12.5" (ChartQA's answers and
    tables hold bare numbers; its relaxed accuracy reads "12.5%" as 0.125). Text stays as it is."""
    stripped = text[:-1] if text.endswith("%") else text
    try:
        float(stripped)
    except ValueError:
        return text
    return stripped


def linearize_published(table: Table, header: list[str] | None = None) -> str:
    """The `deplot` profile: DePlot's table as the published checkpoints emit it: bare numbers,
    `nan` for an empty cell, rows joined by ` <0x0A> ` (`header` as in `linearize`)."""
    lines = ["TITLE" + SEPARATOR + clean(table.title)]
    names = header if header is not None else [column.name for column in table.columns]
    lines.append(SEPARATOR.join(clean(name) for name in names))
    for row in table.rows:
        cells = []
        for value, column in zip(row, table.columns):
            if value is None or (isinstance(value, str) and not value.strip()):
                cells.append(MISSING)
            elif isinstance(value, str):
                cells.append(clean(value))
            else:
                cells.append(bare_number(clean(format_value(value, column))))
        lines.append(SEPARATOR.join(cells))
    return PUBLISHED_ROW_BREAK.join(lines)
