"""Table QA on table images: questions over the rendered table, answered as its cells print them.

The grid is read from the table's structure (plain data: the cell texts the page draws), never
from markup: row labels, the header of each column (a two-row header joins its two cells, "2021
Q1"), numeric columns read back from their printed text with the table's separators
(`displayed_numbers`: '.' and ',' or the Arabic '٫' and '٬', native digits), text columns
(Status, Region, a grouped table's group column). Section rows and the total row are not rows of
the grid (a question's "total" is the sum it computes, which the total row prints). Which rows the
picture shows whole comes from the renderer's cell boxes: a capture cut at its maximum height keeps
its questions to the rows above the cut, and asks nothing about whole columns.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from factory.components import Options, Render, Targets, Task
from factory.errors import Dropped
from factory.generators.table_layouts import occupancy
from factory.tasks.displayed_numbers import NumberFormat, learn, write_count
from factory.tasks.page_tasks import OVERFLOW_TOLERANCE, _boxes, _cells, check_contrast, check_text_fits
from factory.tasks.table_questions import Grid, NumberColumn, TextColumn, make_table_questions, row_nouns

NUMBER_KINDS = ("count", "money", "percent", "decimal")
# the separators table_layouts writes ('1,234.5'), and their Arabic-script forms (locales.localize_number)
SEPARATORS = {"arab": ("\u066b", "\u066c"), "arabext": ("\u066b", "\u066c")}


class TableQAOptions(Options):
    questions: int = Field(5, ge=1, le=30, description="QA pairs kept in json for every table")
    rationale: bool = Field(
        False, description="every QA pair gets a rationale (the program, the values it read, each step's result), "
        "and table_qa's target becomes that rationale ending in the answer")


class TableWriter:
    """Numbers written as the table's columns write them (`qa_programs.Env.writer`)."""

    def __init__(self, formats: list[NumberFormat], zero: int, decimal_sep: str):
        self.formats, self.zero, self.decimal_sep = formats, zero, decimal_sep

    def number(self, value, key, places):
        return self.formats[key].write(value, places, self.decimal_sep)

    def count(self, n: int) -> str:
        return write_count(n, self.zero)


def structure_grid(structure: dict[str, Any], digits: str = "latn") -> tuple[Grid, list[list[tuple[int, int]]]]:
    """The grid a table image shows, and for each grid row the cells (top-left positions) it is drawn with."""
    slots = occupancy(structure)
    by_pos = {(c["row"], c["col"]): c for row in structure["rows"] for c in row}
    h, n_cols, kinds = structure["header_rows"], structure["n_cols"], structure["column_kinds"]
    label_cols = sum(1 for k in kinds if k == "label")
    last = structure["n_rows"] - 1
    data_rows = []
    for i in range(h, structure["n_rows"]):
        cells = structure["rows"][i]
        if len(cells) == 1 and cells[0]["colspan"] == n_cols:
            continue  # a section row
        if structure.get("has_total") and i == last:
            continue
        data_rows.append(i)
    labels = [by_pos[slots[i][label_cols - 1]]["text"] for i in data_rows]

    def header(c: int) -> str:
        parts = list(dict.fromkeys(slots[k][c] for k in range(h)))
        return " ".join(by_pos[p]["text"] for p in parts if by_pos[p]["text"])

    def texts(c: int) -> list[str]:
        return [by_pos[slots[i][c]]["text"] for i in data_rows]

    decimal_sep, group_sep = SEPARATORS.get(digits, (".", ","))
    numbers: list[NumberColumn] = []
    formats: list[NumberFormat] = []
    categories: list[TextColumn] = []
    places: dict[tuple[str, int, int], str] = {}

    def place(kind: str, index: int, c: int) -> None:
        for r, i in enumerate(data_rows):
            row, col = slots[i][c]
            places[(kind, index, r)] = f"{row},{col}"

    names: set[str] = set()
    zero = 0x30
    for c in range(label_cols, n_cols):
        name = header(c)
        if not name or name in names:
            continue
        column = texts(c)
        if kinds[c] in NUMBER_KINDS:
            present = [t for t in column if t]
            learned = learn(present, decimal_sep, group_sep) if present else None
            if learned is None:
                continue  # not read back exactly: no question about it
            fmt, values = learned
            it = iter(values)
            place("number", len(numbers), c)
            numbers.append(NumberColumn(name, [next(it) if t else None for t in column], fmt.decimals, kinds[c] != "percent"))
            formats.append(fmt)
            zero = fmt.zero
        elif kinds[c] == "text":
            place("text", len(categories), c)
            categories.append(TextColumn(name, [t or None for t in column]))
        else:
            continue
        names.add(name)
    if label_cols == 2 and header(0):
        place("text", len(categories), 0)
        categories.append(TextColumn(header(0), [t or None for t in texts(0)]))
    shown_dec = next((f.decimal_sep for f in formats if f.decimal_sep), "")
    dim, dims = row_nouns(header(label_cols - 1))
    place("label", -1, label_cols - 1)
    grid = Grid(labels, numbers, categories, TableWriter(formats, zero, shown_dec), dim, dims, places=places)
    drawn_with = [list(dict.fromkeys(slots[i][c] for c in range(n_cols))) for i in data_rows]
    return grid, drawn_with


def program_env(meta: dict[str, Any]):
    """The environment a table_qa sample's programs run on, rebuilt from its json alone."""
    from factory.meta import unpack

    meta = unpack(dict(meta))
    source = meta["source"]
    grid, _ = structure_grid(source["structure"], (source.get("theme") or {}).get("digits", "latn"))
    return grid.env()


class TableQA(Task):
    """Table image question answering: the prompt is the first question, `txt` its answer."""

    name: ClassVar[str] = "table_qa"
    generator: ClassVar[str] = "table_images"
    options_model: ClassVar[type[Options]] = TableQAOptions

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        dom = render.facts["dom"]
        check_text_fits(dom, render.width)
        check_contrast(render)
        grid, drawn_with = structure_grid(source.structure, source.theme.get("digits", "latn"))
        nodes = {node["attrs"]["data-cell"]: node for node in _cells(dom)}
        shown_cells = []
        for row in source.structure["rows"]:
            for cell in row:
                node = nodes.get(f"{cell['row']},{cell['col']}")
                if node is None or not node.get("visible") or not node.get("box"):
                    continue
                x0, y0, x1, y1 = node["box"]
                tol = OVERFLOW_TOLERANCE
                if x0 < -tol or y0 < -tol or x1 > render.width + tol or y1 > render.height + tol:
                    continue
                shown_cells.append({**cell, "box": list(node["box"])})
        drawn = {(c["row"], c["col"]) for c in shown_cells}
        grid.shown = {i for i, cells in enumerate(drawn_with) if all(p in drawn for p in cells)}
        opts: TableQAOptions = self.options  # type: ignore[assignment]
        pairs = make_table_questions(grid, rng, opts.questions, opts.rationale)
        boxes = {f"{c['row']},{c['col']}": c["box"] for c in shown_cells}
        for pair in pairs:  # an answer that is one drawn cell: where it is ("row,col" in the structure)
            if pair.get("answer_cell") in boxes:
                pair["box"] = boxes[pair["answer_cell"]]
        if not pairs:
            raise Dropped("no_question", "no question fits this table (no readable numeric or text column)")
        first = pairs[0]
        text = first["rationale"] if opts.rationale else first["answer"]
        return Targets(text=text, prompt=first["question"], secondary={"qa": pairs, "cells": shown_cells, "boxes": _boxes(render)})
