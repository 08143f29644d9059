"""The "table_images" generator: random table structures drawn as HTML tables in several styles.

A structure is a grid of cells with one or two header rows, row and column spans, empty cells,
and numeric and text columns. It is plain data, so the table-to-HTML target is written from the
structure itself and never parsed back out of markup. Every cell in the page carries
`data-cell="<row>,<col>"` (its top-left grid position), which the renderer's DOM facts keep, so
the task can find each cell's box, empty cells included.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from html import escape
from typing import Any, ClassVar, Literal

import numpy as np
from markupsafe import Markup
from pydantic import Field, field_validator, model_validator

from factory.components import Generator, Options, check_choices
from factory.generators import locales
from factory.generators.page_fonts import MONO, SANS, SERIF, STACKS, check_glyphs, element_leading, stacks_for, text_cut
from factory.generators.page_text import SUPPORTED_LOCALES, Writer, locale_chars
from factory.generators.page_theme import hex_color, readable_on
from factory.generators.pages import environment
from factory.generators.table_vocab import CATEGORY_DOMAINS, SERIES_ENTITIES

TABLE_STYLES = ("bordered", "zebra", "minimal", "financial", "dense", "spreadsheet", "academic", "dark")

STATUS_EN = ("Open", "Closed", "On hold", "Active", "Pending", "Done", "In review")
REGIONS_EN = SERIES_ENTITIES["regions"]
DEPARTMENTS_EN = next(d.items for d in CATEGORY_DOMAINS if d.header == "Department")
CATEGORIES_EN = ("Hardware", "Software", "Services", "Support", "Training", "Licensing", "Consulting")
# What a column holds decides its header (never the other way round): a City column holds real
# cities, a Status column statuses, an Owner column people.
ROW_LABEL_HEADERS_EN = {
    "companies": ("Company", "Account", "Supplier", "Customer"),
    "people": ("Name", "Employee", "Owner", "Contact"),
    "cities": ("City", "Office", "Location"),
    "countries": ("Country", "Market"),
    "items": ("Item", "Project"),
}
TEXT_COLUMNS_EN = {"Owner": "people", "Manager": "people", "Status": "statuses", "Region": "regions",
                   "Category": "categories", "City": "cities", "Country": "countries", "Supplier": "companies"}
GROUP_HEADERS_EN = {"Region": "regions", "Country": "countries", "Department": "departments"}
GROUP_KINDS = ("years", "quarters", "halves", "metrics")
NUMBER_KINDS = ("count", "money", "percent", "decimal")
METRIC_KINDS = {
    "Revenue": "money", "Price": "money", "Cost": "money", "Budget": "money", "Profit": "money",
    "Units": "count", "Orders": "count", "Visits": "count", "Headcount": "count", "Returns": "count",
    "Volume": "count", "Growth": "percent", "Margin": "percent", "Share": "percent", "Rate": "percent",
    "Score": "decimal",
}


class TableImagesOptions(Options):
    styles: list[str] = Field(default_factory=lambda: list(TABLE_STYLES), description="visual styles to draw from")
    rows: tuple[int, int] = Field((3, 12), description="inclusive range of body rows")
    columns: tuple[int, int] = Field((2, 7), description="inclusive range of grid columns")
    two_header_rows: float = Field(0.4, ge=0, le=1, description="share of tables with a grouped second header row")
    row_groups: float = Field(0.3, ge=0, le=1, description="share of tables whose first column groups rows (rowspan)")
    section_rows: float = Field(0.2, ge=0, le=1, description="share of tables with full-width section rows (colspan)")
    empty_cells: float = Field(0.08, ge=0, le=0.5, description="chance a data cell is empty")
    narrow: float = Field(0.15, ge=0, le=1, description="share of tables kept narrow, as on a phone: at most 4 columns and "
                          "10 body rows whatever rows and columns say (0: rows and columns always)")  # fmt: skip
    locales: list[str] = Field(default_factory=lambda: ["en_US"], description="locales for the text (render-factory list shows them)")
    max_height: int = Field(4000, ge=256, le=16384, description="capture at most this many CSS px of height")
    digits: Literal["native", "western", "mixed"] = Field(
        "native", description="numbers in locales with native digits: native, western (0-9), or mixed (per sample)")

    @field_validator("styles")
    @classmethod
    def _known_styles(cls, value: list[str]) -> list[str]:
        check_choices(value, TABLE_STYLES, "table style")
        return list(dict.fromkeys(value))

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: list[str]) -> list[str]:
        check_choices(value, SUPPORTED_LOCALES, "locale", "unsupported", "supported")
        return value

    @model_validator(mode="after")
    def _ranges(self) -> "TableImagesOptions":
        for name, (lo, hi), floor, ceiling in (("rows", self.rows, 1, 60), ("columns", self.columns, 2, 12)):
            if not floor <= lo <= hi <= ceiling:
                raise ValueError(f"{name} must be [low, high] with {floor} <= low <= high <= {ceiling}, got [{lo}, {hi}]")
        return self


@dataclass
class TableImageSource:
    """A table page: the HTML the renderer draws, and the structure the targets are written from.

    structure = {"n_rows", "n_cols", "header_rows", "rows": [[cell, ...], ...]} with each cell
    {"text", "row", "col", "rowspan", "colspan", "header"}; row/col are the cell's top-left grid
    position, rows[i] are the cells that start in grid row i (one <tr> each).
    """

    html: str
    viewport_width: int
    viewport_height: int
    full_page: bool
    max_height: int
    javascript: bool = False
    structure: dict[str, Any] = field(default_factory=dict)
    style: str = ""
    theme: dict[str, Any] = field(default_factory=dict)


def _cell(text: str, row: int, col: int, rowspan: int = 1, colspan: int = 1, header: bool = False) -> dict[str, Any]:
    return {"text": text, "row": row, "col": col, "rowspan": rowspan, "colspan": colspan, "header": header}


class _Numbers:
    """How one numeric column shows its values."""

    def __init__(self, r: random.Random, financial: bool, kind: str):
        self.kind = kind
        self.decimals = {"count": 0, "money": r.choice((0, 2)), "percent": 1, "decimal": r.choice((1, 2))}[self.kind]
        self.scale = 10 ** r.uniform(1, 5) if self.kind in ("count", "money") else (100 if self.kind == "percent" else 10 ** r.uniform(0, 2))
        self.negative = r.random() < (0.4 if financial else 0.15)
        self.thousands = financial or r.random() < 0.5
        self.parentheses = financial and r.random() < 0.5

    def draw(self, r: random.Random) -> float:
        """A value as the column shows it (rounded to its decimals)."""
        value = r.uniform(0.05, 1.0) * self.scale
        if self.kind == "percent":
            value = min(value, 99.9)
        if self.negative and r.random() < 0.3:
            value = -value
        return round(value, self.decimals)

    def text(self, value: float) -> str:
        shown = abs(value)
        text = f"{shown:,.{self.decimals}f}" if self.thousands else f"{shown:.{self.decimals}f}"
        if self.kind == "percent":
            text += "%"
        if value < 0:
            text = f"({text})" if self.parentheses else f"-{text}"
        return text

    def format(self, r: random.Random) -> str:
        return self.text(self.draw(r))


def _group_labels(r: random.Random, w: Writer, kind: str, n: int) -> list[str]:
    if kind == "years":
        start = r.randint(2008, 2024 - n)
        return [str(start + i) for i in range(n)]
    if kind == "halves":
        year = r.randint(2015, 2025)
        return [f"H{i % 2 + 1} {year + i // 2}" for i in range(n)]
    if kind == "quarters":
        year = r.randint(2015, 2025)
        return [f"Q{i % 4 + 1} {year + i // 4}" for i in range(n)]
    if w.english:
        return r.sample(sorted(METRIC_KINDS), n)
    return w.words(n)


def build_structure(r: random.Random, w: Writer, opts: TableImagesOptions, financial: bool, narrow: bool) -> dict[str, Any]:
    """A random, consistent table grid (see TableImageSource)."""
    n_cols = r.randint(*opts.columns)
    if narrow:
        n_cols = min(n_cols, 4)
    grouped_rows = n_cols >= 3 and r.random() < opts.row_groups
    label_cols = 2 if grouped_rows else 1
    data_cols = n_cols - label_cols
    text_col = label_cols + r.randrange(data_cols) if data_cols >= 2 and r.random() < 0.35 else -1
    table_kind = r.choice(NUMBER_KINDS)
    col_kind: dict[int, str] = {}  # a column named by a metric shows that metric's kind of number
    rows: list[list[dict[str, Any]]] = []

    # --- header ---------------------------------------------------------------------------
    two_headers = data_cols >= 2 and r.random() < opts.two_header_rows
    n_body = min(r.randint(*opts.rows), 10) if narrow else r.randint(*opts.rows)
    label_kind = r.choice(sorted(ROW_LABEL_HEADERS_EN))
    group_header = r.choice([h for h, kind in GROUP_HEADERS_EN.items() if len(_pool(w, kind)) >= n_body] or ["Country"])
    label_names = [r.choice(ROW_LABEL_HEADERS_EN[label_kind])]
    if grouped_rows:
        label_names.insert(0, group_header)
    if not w.english:
        label_names = w.words(label_cols)
    text_name = r.choice(sorted(h for h in TEXT_COLUMNS_EN if h not in label_names)) if w.english else w.label(1, 1)
    if not two_headers:
        names = _group_labels(r, w, r.choice(GROUP_KINDS), data_cols)
        header = [_cell(label_names[c], 0, c, header=True) for c in range(label_cols)]
        for i, c in enumerate(range(label_cols, n_cols)):
            header.append(_cell(text_name if c == text_col else names[i], 0, c, header=True))
            col_kind[c] = METRIC_KINDS.get(names[i], table_kind)
        rows.append(header)
        header_rows = 1
    else:
        top = [_cell(label_names[c], 0, c, rowspan=2, header=True) for c in range(label_cols)]
        bottom: list[dict[str, Any]] = []
        c = label_cols
        groups: list[tuple[int, int]] = []
        while c < n_cols:
            if c == text_col:
                groups.append((c, 1))
                c += 1
                continue
            size = min(r.choice((1, 2, 2, 3)), n_cols - c)
            if text_col > c:
                size = min(size, text_col - c)
            groups.append((c, size))
            c += size
        group_names = iter(_group_labels(r, w, r.choice(("years", "metrics")), len(groups)))
        sub_kind = r.choice(("quarters", "metrics", "halves"))
        for start, size in groups:
            name = next(group_names)
            if start == text_col:
                top.append(_cell(text_name, 0, start, rowspan=2, header=True))
            elif size == 1 and r.random() < 0.5:
                top.append(_cell(name, 0, start, rowspan=2, header=True))
                col_kind[start] = METRIC_KINDS.get(name, table_kind)
            else:
                top.append(_cell(name, 0, start, colspan=size, header=True))
                subs = _group_labels(r, w, sub_kind, size)
                short = [s.split(" ")[0] for s in subs]  # "Q1 2021" -> "Q1" under a year group
                if sub_kind != "metrics" and len(set(short)) == len(short):  # three halves keep their years:
                    subs = short  # 'H1, H2, H1' named two columns alike, and questions about them were ambiguous
                bottom += [_cell(subs[i], 1, start + i, header=True) for i in range(size)]
                for i in range(size):
                    col_kind[start + i] = METRIC_KINDS.get(subs[i], METRIC_KINDS.get(name, table_kind))
        if bottom:
            rows += [top, bottom]
            header_rows = 2
        else:  # every group is one column tall: a second header row would be empty
            rows.append([{**cell, "rowspan": 1} for cell in top])
            header_rows = 1

    numbers = {c: _Numbers(r, financial, col_kind.get(c, table_kind)) for c in range(label_cols, n_cols) if c != text_col}

    # --- body -----------------------------------------------------------------------------
    row_headers = r.random() < 0.3
    sections = not grouped_rows and n_body >= 4 and r.random() < opts.section_rows
    labels = _row_labels(r, w, label_kind, n_body)
    grid_row = header_rows
    body_left = n_body
    groups = _pool(w, GROUP_HEADERS_EN[group_header])
    group_names = iter(w.words(n_body) if not w.english else r.sample(groups, min(n_body, len(groups))) * n_body)
    text_kind = TEXT_COLUMNS_EN.get(text_name, "words")
    sums = dict.fromkeys(numbers, 0.0)  # what a total row shows: the column's shown values added up
    while body_left > 0:
        if sections and (grid_row == header_rows or r.random() < 0.25) and body_left >= 2:
            rows.append([_cell(next(group_names), grid_row, 0, colspan=n_cols, header=row_headers)])
            grid_row += 1
            body_left -= 1
            continue
        span = min(r.randint(1, 3), body_left) if grouped_rows else 1
        for k in range(span):
            row: list[dict[str, Any]] = []
            if grouped_rows and k == 0:
                row.append(_cell(next(group_names), grid_row, 0, rowspan=span, header=row_headers))
            row.append(_cell(labels[(grid_row - header_rows) % len(labels)], grid_row, label_cols - 1, header=row_headers))
            for c in range(label_cols, n_cols):
                if r.random() < opts.empty_cells:
                    text = ""
                elif c == text_col:
                    text = r.choice(_pool(w, text_kind)) if w.english else w.label(1, 1)
                else:
                    value = numbers[c].draw(r)
                    sums[c] += value
                    text = numbers[c].text(value)
                row.append(_cell(text, grid_row, c))
            rows.append(row)
            grid_row += 1
            body_left -= 1
    # a total row only where some column adds up (sums of percentages mean nothing), never a
    # "Total" beside nothing but empty cells
    summable = [c for c in numbers if numbers[c].kind != "percent"]
    has_total = r.random() < 0.3 and not sections and bool(summable)
    if has_total:
        total = [_cell("Total" if w.english else w.label(1, 1), grid_row, 0, colspan=label_cols, header=row_headers)]
        # a sum of percentages means nothing: those cells stay empty, as in a real report
        total += [
            _cell("" if c == text_col or numbers[c].kind == "percent" else numbers[c].text(round(sums[c], numbers[c].decimals)), grid_row, c)
            for c in range(label_cols, n_cols)
        ]
        rows.append(total)
        grid_row += 1
    return {"n_rows": grid_row, "n_cols": n_cols, "header_rows": header_rows, "rows": rows,
            "column_kinds": ["label" if c < label_cols else ("text" if c == text_col else numbers[c].kind) for c in range(n_cols)],
            "has_total": has_total}


def _pool(w: Writer, kind: str) -> list[str]:
    """The values a column of this kind holds (English tables)."""
    return {
        "companies": list(w.pools["companies"]), "people": list(w.pools["names"]), "cities": list(w.pools["cities"]),
        "countries": list(w.pools["countries"]), "regions": list(REGIONS_EN), "departments": list(DEPARTMENTS_EN),
        "statuses": list(STATUS_EN), "categories": list(CATEGORIES_EN),
    }[kind]


def _row_labels(r: random.Random, w: Writer, kind: str, n: int) -> list[str]:
    if kind == "items":
        return [w.label(1, 3) for _ in range(n)]
    pool = _pool(w, kind)
    return r.sample(pool, n) if n <= len(pool) else [r.choice(pool) for _ in range(n)]


def occupancy(structure: dict[str, Any]) -> list[list[tuple[int, int] | None]]:
    """Which cell (by its top-left position) covers each grid slot; raises on overlaps or holes."""
    n_rows, n_cols = structure["n_rows"], structure["n_cols"]
    grid: list[list[tuple[int, int] | None]] = [[None] * n_cols for _ in range(n_rows)]
    for tr, cells in enumerate(structure["rows"]):
        for cell in cells:
            if cell["row"] != tr:
                raise ValueError(f"cell at {cell['row']},{cell['col']} listed in row {tr}")
            for dr in range(cell["rowspan"]):
                for dc in range(cell["colspan"]):
                    rr, cc = cell["row"] + dr, cell["col"] + dc
                    if rr >= n_rows or cc >= n_cols:
                        raise ValueError(f"cell at {cell['row']},{cell['col']} spans outside the grid")
                    if grid[rr][cc] is not None:
                        raise ValueError(f"cells {grid[rr][cc]} and {(cell['row'], cell['col'])} overlap at {rr},{cc}")
                    grid[rr][cc] = (cell["row"], cell["col"])
    holes = [(i, j) for i in range(n_rows) for j in range(n_cols) if grid[i][j] is None]
    if holes:
        raise ValueError(f"grid slots {holes[:3]} are covered by no cell")
    return grid


# --- drawing -------------------------------------------------------------------------------

STYLE_FONTS = {
    "bordered": tuple(sorted(SANS)),
    "zebra": tuple(sorted(SANS)),
    "minimal": tuple(sorted(SANS)) + tuple(sorted(SERIF)),
    "financial": tuple(sorted(SERIF)) + ("liberation_sans", "noto_sans"),
    "dense": ("liberation_sans_narrow", "dejavu_sans", "liberation_sans", "noto_sans"),
    "spreadsheet": ("liberation_sans", "dejavu_sans", "noto_sans"),
    "academic": tuple(sorted(SERIF)),
    "dark": tuple(sorted(SANS)) + tuple(sorted(MONO)),
}
STYLE_SIZES = {"dense": (11, 12, 13), "spreadsheet": (12, 13, 14)}


def sample_table_theme(r: random.Random, style: str, locale: str) -> dict[str, Any]:
    font_key = text_cut(r.choice(stacks_for(STYLE_FONTS[style], locale_chars(locale), locale) or STYLE_FONTS[style]))
    stack = STACKS[font_key]
    hue = r.randrange(360)
    theme = {
        "font_key": font_key,
        "font": stack.locale_css(locale),
        "font_families": list(stack.for_locale(locale)),
        "font_size": r.choice(STYLE_SIZES.get(style, (13, 14, 15, 16))),
        "pad_y": r.choice((2, 3, 4) if style in ("dense", "spreadsheet") else (6, 8, 10)),
        "pad_x": r.choice((4, 6) if style in ("dense", "spreadsheet") else (10, 12, 16)),
        "accent": hex_color(hue, r.randint(45, 75), r.randint(35, 45)),
        "accent_soft": hex_color(hue, r.randint(30, 60), r.randint(93, 96)),
        "ink": hex_color(hue, r.randint(0, 15), r.randint(10, 20)),
        "rule": hex_color(hue, r.randint(0, 12), r.randint(70, 85)),
        "header_align": r.choice(("start", "center")),
        "text_align": r.choice(("start", "start", "center")),
        "margin": r.choice((8, 12, 16, 24)),
        "full_width": r.random() < 0.5,
        "caption": "",
    }
    # the accent is header text on white (zebra): it must read as text (WCAG AA)
    theme["accent"] = readable_on(theme["accent"], ["#ffffff", theme["accent_soft"]])
    leading = element_leading(locale, font_key)
    if leading:  # cells' lines hold the script's face (Thai, Indic, Ethiopic, Arabic...); no key, no change elsewhere
        theme["leading"] = leading
    return theme


def localize_structure(structure: dict[str, Any], system: str) -> None:
    """Every number in the cells written in `system`'s digits and symbols (the target is written from
    these texts, so it says what the picture shows)."""
    for cells in structure["rows"]:
        for cell in cells:
            cell["text"] = locales.localize_numbers(cell["text"], system)


def render_table(structure: dict[str, Any], style: str, theme: dict[str, Any], lang: str) -> str:
    env = environment()
    numeric = {i for i, kind in enumerate(structure["column_kinds"]) if kind not in ("label", "text")}
    css = "\n\n".join(env.get_template(name).render(t=theme).strip() for name in ("tables/base.css", f"tables/{style}.css"))
    head = structure["rows"][: structure["header_rows"]]
    body = structure["rows"][structure["header_rows"]:]
    direction = locales.info(theme["locale"]).direction if theme.get("locale") in locales.LOCALES else "ltr"
    return env.get_template("tables/table.html").render(
        t=theme, style=style, css=Markup(css), lang=lang, direction=direction, head=head, body=body, numeric=numeric,
        total_row=len(structure["rows"]) - 1 if structure.get("has_total") else -1,
    ) + "\n"


def _estimate_width(structure: dict[str, Any], theme: dict[str, Any], cjk: bool) -> int:
    """Rough natural width of the table in CSS px, to pick a viewport it fits."""
    char = theme["font_size"] * (0.95 if cjk else 0.58)
    widths = [0.0] * structure["n_cols"]
    for cells in structure["rows"]:
        for cell in cells:
            if cell["colspan"] == 1:
                text = cell["text"]
                if len(text) > 24:
                    text = max(text.split(" "), key=len) + "x" * 10  # long text wraps to ~this width
                widths[cell["col"]] = max(widths[cell["col"]], len(text) * char + 2 * theme["pad_x"] + 2)
    return int(sum(widths) + 2 * theme["margin"])


class TableImagesGenerator(Generator):
    name: ClassVar[str] = "table_images"
    version: ClassVar[str] = "1"
    renderer: ClassVar[str] = "chromium"
    options_model: ClassVar[type[Options]] = TableImagesOptions

    def __init__(self, options: TableImagesOptions):
        super().__init__(options)
        self.options: TableImagesOptions = options

    def sample(self, rng: np.random.Generator, seed: int) -> TableImageSource:
        opts = self.options
        r = random.Random(int(rng.integers(0, 2**63)))
        style = r.choice(opts.styles)
        locale = r.choice(opts.locales)
        writer = Writer(locale, seed)
        narrow = r.random() < opts.narrow
        structure = build_structure(r, writer, opts, financial=style == "financial", narrow=narrow)
        theme = sample_table_theme(r, style, locale)
        theme["locale"] = locale
        digits = locales.digit_system(locale, opts.digits, r)
        if digits != "latn":
            theme["digits"] = digits
            localize_structure(structure, digits)
        natural = _estimate_width(structure, theme, writer.cjk)
        width = int(min(1600, max(320, natural * r.uniform(1.05, 1.4))))
        html = render_table(structure, style, theme, locale.replace("_", "-"))
        check_glyphs(html, tuple(theme["font_families"]))
        return TableImageSource(
            html=html,
            viewport_width=width,
            viewport_height=64,  # the full-page capture grows to the table's height
            full_page=True,
            max_height=opts.max_height,
            javascript=False,
            structure=structure,
            style=style,
            theme=theme,
        )


def table_target(structure: dict[str, Any]) -> str:
    """The table-to-HTML target: <table> with <thead>/<tbody>, spans and cell text, no styles."""

    def row_html(cells: list[dict[str, Any]]) -> str:
        out = []
        for cell in cells:
            tag = "th" if cell["header"] else "td"
            spans = (f' rowspan="{cell["rowspan"]}"' if cell["rowspan"] > 1 else "") + (
                f' colspan="{cell["colspan"]}"' if cell["colspan"] > 1 else "")
            out.append(f"<{tag}{spans}>{escape(cell['text'], quote=False)}</{tag}>")
        return "<tr>" + "".join(out) + "</tr>"

    h = structure["header_rows"]
    lines = ["<table>", "<thead>"] + [row_html(cells) for cells in structure["rows"][:h]] + ["</thead>", "<tbody>"]
    lines += [row_html(cells) for cells in structure["rows"][h:]] + ["</tbody>", "</table>"]
    return "\n".join(lines)


__all__ = ["TABLE_STYLES", "TableImageSource", "TableImagesGenerator", "TableImagesOptions", "build_structure",
           "occupancy", "table_target"]
