"""The "documents" generator: invoices, receipts, purchase orders, statements, filled forms,
résumés, business letters and scientific-paper pages, as HTML/CSS for the Chromium renderer.

A document is a genre (what it says: `doc_content`), a layout (how its blocks are arranged: one
of several per genre, in `html_templates/documents/<genre>.html`) and a style (fonts, sizes,
colours, logo, rules and boxes, alignment, paper size, dpi: `doc_style`), drawn independently.
Every printed value of the document's fields sits in an element marked `data-field="<path>"`
(`items.0.amount`), which is how tasks find each field's box in the rendered page. The source
keeps the fields (the JSON target, in schema order), the numbers behind them and the QA pairs.

Text is written as it is printed: no CSS text-transform or generated content, so the DOM text
(and so every target) is exactly what the picture shows; upper-case labels are upper-cased here.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Literal

import jinja2
import numpy as np
from markupsafe import Markup, escape
from pydantic import Field, field_validator

from factory.components import Generator, Options, check_choices
from factory.errors import FactoryError
from factory.generators import doc_content, locales
from factory.generators.doc_content import GENRES, Content, DocWriter, Room, doc_faker, flatten
from factory.generators.doc_locale import LOCALES, SUPPORTED, doc_locale
from factory.generators.doc_style import HANDWRITING, LAYOUTS, check_contrast, choose_handwriting, sample_style
from factory.generators.page_fonts import check_glyphs, installed_fonts
from factory.generators.user_templates import TemplatesOption, loader

__all__ = ["GENRES", "LAYOUTS", "DocumentSource", "DocumentsGenerator", "DocumentsOptions"]

HANDWRITING_PACKAGES = "fonts-dkg-handwriting fonts-comic-neue fonts-dancingscript fonts-humor-sans"
MATH_FAMILY = "Noto Sans Math"
CHARS_SEED = 7919
# Rough line budgets (in body lines) of everything on a sheet that is not a list row or running
# text: headers, address blocks, totals, signatures. Measured on rendered samples; `Room` turns
# the rest of the sheet into rows and lines.
RESERVED_LINES = {"invoice": 24, "receipt": 0, "purchase_order": 27, "statement": 24, "form": 10, "resume": 16,
                  "letter": 22, "paper": 0}


class DocumentsOptions(TemplatesOption):
    TEMPLATE_PREFIXES = ("documents/",)
    genres: list[str] = Field(default_factory=lambda: list(GENRES), description="genres to draw from")
    locales: list[str] = Field(default_factory=lambda: list(LOCALES), description="locales (names, addresses, formats, labels)")
    papers: list[str] = Field(default_factory=lambda: ["a4", "letter"], description="sheet sizes: a4, letter")
    receipt_widths: list[int] = Field(default_factory=lambda: [58, 80], description="receipt paper widths in mm: 58, 80")
    dpi: list[int] = Field(default_factory=lambda: [96, 120, 144], description="dots per inch of the picture (96 = 1 px per CSS px)")
    max_receipt_height: int = Field(2400, ge=400, le=8000, description="longest receipt, CSS px")
    digits: Literal["native", "western", "mixed"] = Field(
        "native", description="amounts, numbers and dates in locales with native digits: native, western (0-9), or mixed (per sample)")

    @field_validator("genres")
    @classmethod
    def _known_genres(cls, value: list[str]) -> list[str]:
        check_choices(value, GENRES, "genre")
        return list(dict.fromkeys(value))

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: list[str]) -> list[str]:
        check_choices(value, SUPPORTED, "locale", "unsupported", "supported")
        return list(dict.fromkeys(value))

    @field_validator("papers")
    @classmethod
    def _known_papers(cls, value: list[str]) -> list[str]:
        check_choices(value, ("a4", "letter"), "paper size")
        return list(dict.fromkeys(value))

    @field_validator("receipt_widths")
    @classmethod
    def _known_widths(cls, value: list[int]) -> list[int]:
        check_choices([str(v) for v in value], ("58", "80"), "receipt width")
        return list(dict.fromkeys(value))

    @field_validator("dpi")
    @classmethod
    def _dpi_range(cls, value: list[int]) -> list[int]:
        if not value or any(not 72 <= d <= 300 for d in value):
            raise ValueError("dpi choices must be between 72 and 300, e.g. [96, 144]")
        return value


@dataclass
class DocumentSource:
    """A document as plain data: the HTML the renderer draws, its fields and how it was made."""

    html: str
    viewport_width: int
    viewport_height: int
    full_page: bool
    max_height: int
    device_scale_factor: float
    genre: str
    layout: str
    locale: str
    fields: dict[str, Any]
    qa: list[dict[str, str]]
    numbers: dict[str, Any] = field(default_factory=dict)
    style: dict[str, Any] = field(default_factory=dict)
    figure: str = ""
    measure_words: bool = True
    javascript: bool = False


@functools.lru_cache(maxsize=4)
def environment(templates: str | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=loader(templates),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
    )
    env.globals["fv"] = field_value
    return env


def field_value(path: str, value: Any, tag: str = "span", cls: str = "") -> Markup:
    """A printed field value: `<tag data-field="path">value</tag>`, lines of a multi-line value
    separated by <br>. A Python global rather than a template macro: documents print dozens of
    fields, and macro calls cost more than the rest of the template."""
    text = Markup("<br>").join(escape(line) for line in str(value).split("\n"))
    attr = f' class="{escape(cls)}"' if cls else ""
    return Markup(f'<{tag}{attr} data-field="{escape(path)}">{text}</{tag}>')


def _cased(labels: dict[str, str], case: str) -> dict[str, str]:
    if case != "upper":
        return labels
    return {k: v if "{}" in v else v.upper() for k, v in labels.items()}


def render_document(genre: str, layout: str, content: Content, style: dict[str, Any], loc, labels: dict[str, str],
                    templates: str | None = None) -> str:
    env = environment(templates)
    context = {"f": content.fields, "v": content.view, "s": style, "L": labels, "layout": layout, "genre": genre, "loc": loc}
    body = env.get_template(f"documents/{genre}.html").render(**context)
    css = env.get_template("documents/base.css").render(**context).strip() + "\n\n" + \
        env.get_template(f"documents/{genre}.css").render(**context).strip()
    title = content.view.get("title") or content.fields.get("title") or genre
    return env.get_template("documents/page.html").render(css=Markup(css), body=Markup(body), title=title, **context) + "\n"


def _room(genre: str, style: dict[str, Any], max_receipt_height: int, cjk: bool) -> Room:
    width = style["sheet_width"] - 2 * style["margin"]
    height = (style["sheet_height"] or max_receipt_height) - 2 * style["margin"]
    line_px = style["font_size"] * style["line_height"]
    row_px = line_px + 2 * style["cell_pad"] + 1
    reserved = RESERVED_LINES[genre] * line_px
    rows = max(1, int((height - reserved) // row_px))
    char_px = style["font_size"] * (1.0 if cjk else 0.5)
    return Room(rows=rows, lines=int(height // line_px), chars_per_line=int(width // char_px), width_px=width, line_px=line_px)


class DocumentsGenerator(Generator):
    name: ClassVar[str] = "documents"
    version: ClassVar[str] = "1"
    renderer: ClassVar[str] = "chromium"
    options_model: ClassVar[type[Options]] = DocumentsOptions

    def __init__(self, options: DocumentsOptions):
        super().__init__(options)
        self.options: DocumentsOptions = options
        fonts = installed_fonts()
        missing = sorted({f for stack in HANDWRITING.values() for f in stack.families if f not in fonts})
        if "form" in options.genres and missing:
            raise FactoryError(f"handwriting font famil{'ies' if len(missing) > 1 else 'y'} {', '.join(missing)} "
                               f"not installed (filled forms need them): apt-get install {HANDWRITING_PACKAGES}")
        if "paper" in options.genres and MATH_FAMILY not in fonts:
            raise FactoryError(f"font family {MATH_FAMILY} not installed (paper equations need it): apt-get install fonts-noto-core")

    @classmethod
    def for_kinds(cls, options: DocumentsOptions, kinds: tuple[str, ...]) -> DocumentsOptions:
        """The recipe's genres that are among `kinds`, in the recipe's order."""
        genres = [g for g in options.genres if g in kinds]
        if not genres:
            raise ValueError(f"genres {', '.join(options.genres)} hold none of {', '.join(kinds)}")
        return options if genres == options.genres else options.model_copy(update={"genres": genres})

    def sample(self, rng: np.random.Generator, seed: int) -> DocumentSource:
        opts = self.options
        r = random.Random(int(rng.integers(0, 2**63)))
        genre = r.choice(opts.genres)
        layout = r.choice(LAYOUTS[genre])
        locale = r.choice(opts.locales)
        loc = doc_locale(locale, locales.digit_system(locale, opts.digits, r))
        labels = loc.labels()
        chars = document_chars(locale)
        style = sample_style(r, genre, locale, chars, opts.dpi, opts.papers, opts.receipt_widths)
        writer = DocWriter(r, loc, seed)
        writer.L = _cased(labels, style["label_case"])
        room = _room(genre, style, opts.max_receipt_height, loc.cjk)
        figure_name = ""
        if genre == "paper":
            from factory.generators.doc_figures import POOL_SIZE, figure as pool_figure

            figure = dict(pool_figure(r.randrange(POOL_SIZE)))
            figure["src"] = Markup(figure["src"])  # base64: nothing to escape, and escaping it is slow
            figure_name = figure["name"]
            content = doc_content.paper(writer, room, style, figure)
        else:
            content = doc_content.BUILDERS[genre](writer, room, style)
        if genre == "form":
            values = "".join(str(item["value"]) for item in content.fields["fields"])
            choose_handwriting(r, style, locale, values)
        check_contrast(style)
        html = render_document(genre, layout, content, style, loc, writer.L, opts.templates)
        families = style["font_families"]
        stacks = [tuple(families["body"]), tuple(families["heading"])]
        if genre == "receipt":
            stacks.append(tuple(families["mono"]))
        check_glyphs(_printed_text(content, writer.L), *stacks)
        if genre == "form":
            check_glyphs("".join(str(i["value"]) for i in content.fields["fields"]), tuple(families["hand"]))
        if genre == "paper":
            check_glyphs("".join(content.view["mathml"]), (MATH_FAMILY,))
        receipt = genre == "receipt"
        return DocumentSource(
            html=html,
            viewport_width=style["sheet_width"],
            viewport_height=400 if receipt else style["sheet_height"],
            full_page=True,
            max_height=opts.max_receipt_height if receipt else style["sheet_height"],
            device_scale_factor=style["dpi"] / 96,
            genre=genre,
            layout=layout,
            locale=locale,
            fields=content.fields,
            qa=content.qa,
            numbers=content.numbers,
            style=style,
            figure=figure_name,
        )



@functools.lru_cache(maxsize=None)
def document_chars(locale: str) -> str:
    """The non-ASCII characters a locale's documents print (labels, Faker words, names, companies,
    addresses, Babel's symbols), from a fixed seed: what the chosen fonts must draw. A character
    missed here is still caught by the glyph check on the finished document."""
    loc = doc_locale(locale)
    fake = doc_faker(locale)
    fake.seed_instance(CHARS_SEED)
    parts = list(loc.labels().values()) + list(fake.get_words_list())
    if locale not in LOCALES:  # words, names and cities from `locales`, native digits and symbols
        parts += [locales.chars_of(locale), doc_locale(locale, locales.info(locale).digits).money(Decimal("-1234.5"))]
    for _ in range(40):
        parts += [fake.name(), fake.company(), fake.address(), fake.job()]
    parts += [loc.money(Decimal("-1234.5"), display) for display in ("symbol", "code")] + [loc.percent(Decimal("0.19"))]
    text = "".join(parts)
    return "".join(sorted({c for c in text if ord(c) > 127 and not c.isspace()}))


def _printed_text(content: Content, labels: dict[str, str]) -> str:
    """Every string the document prints (values and labels), for the glyph check."""
    parts = [str(v) for _, v in flatten(content.fields) if isinstance(v, str)]
    parts += list(labels.values())
    for value in content.view.values():
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, dict):
            parts += [v for v in value.values() if isinstance(v, str)]
    return "\n".join(parts)
