"""The "pages" generator: self-contained web pages composed from Jinja2 component templates.

A page is an archetype (landing, blog post, dashboard...) whose slots hold components (navbar,
hero, pricing table...), drawn in a sampled theme at a sampled viewport. The HTML is what a
person would hand-write: one inline stylesheet holding only the rules the page uses, indented
markup, meaningful class names, no scripts, and every picture embedded (data: URIs or inline
SVG), because the renderer refuses every network request. All text goes through Jinja2's
autoescaping.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import jinja2
import numpy as np
from markupsafe import Markup
from pydantic import Field, field_validator

from factory.components import Generator, Options, check_choices
from factory.generators.page_assets import ICONS, PictureBox
from factory.generators import locales
from factory.generators.page_components import ARCHETYPES, COMPONENT_KINDS, Composer, Composition
from factory.generators.page_fonts import check_glyphs, element_leading
from factory.generators.page_text import SUPPORTED_LOCALES, Writer
from factory.generators.page_theme import VIEWPORTS, sample_theme
from factory.generators.user_templates import TemplatesOption, loader
from html_templates import TEMPLATE_DIR

__all__ = ["ARCHETYPES", "COMPONENT_KINDS", "PageSource", "PagesGenerator", "PagesOptions", "portable_html", "render_page"]


class LegibleAt(Options):
    """Recipe `legible: {...}`: the capture height at which body text survives a model's resize."""

    max_patches: int = Field(2048, ge=1, le=1_000_000, description="the model's patch budget (Pix2Struct: 2048 or 4096)")
    patch_size: int = Field(16, ge=1, le=1024, description="pixels per side of a patch")
    min_text_px: float = Field(8.0, gt=0, le=200, description="smallest body text, in pixels of the resized image")


class PagesOptions(TemplatesOption):
    TEMPLATE_PREFIXES = ("components/", "archetypes/", "css/", "page.html", "macros.html")
    archetypes: list[str] = Field(default_factory=lambda: list(ARCHETYPES), description="archetypes to draw from")
    viewports: list[Literal["desktop", "tablet", "mobile"]] = Field(
        default_factory=lambda: ["desktop", "tablet", "mobile"], description="viewport classes to draw from"
    )
    full_page: bool = Field(True, description="capture the whole page, not just the first screen")
    max_height: int = Field(4000, ge=256, le=16384, description="capture at most this many CSS px of page height")
    legible: LegibleAt | None = Field(
        None, description="cut each capture (above the texts it would cross, as max_height does) where its body text, "
        "resized to max_patches Pix2Struct patches, would be below min_text_px; null: no such cut")
    dark_fraction: float = Field(0.3, ge=0, le=1, description="share of pages with a dark theme")
    locales: list[str] = Field(default_factory=lambda: ["en_US"], description="locales for the text (render-factory list shows them)")
    max_sections: int = Field(5, ge=1, le=9, description="most optional sections on a desktop page")
    digits: Literal["native", "western", "mixed"] = Field(
        "native", description="numbers in locales with native digits (Arabic, Persian, Hindi, Bengali, Thai): "
        "native, western (0-9), or mixed (either, per sample)")

    @field_validator("archetypes")
    @classmethod
    def _known_archetypes(cls, value: list[str]) -> list[str]:
        check_choices(value, ARCHETYPES, "archetype")
        return list(dict.fromkeys(value))

    @field_validator("viewports")
    @classmethod
    def _some_viewport(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one viewport: desktop, tablet, mobile")
        return list(dict.fromkeys(value))

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: list[str]) -> list[str]:
        check_choices(value, SUPPORTED_LOCALES, "locale", "unsupported", "supported")
        return list(dict.fromkeys(value))


@dataclass
class PageSource:
    """A page as plain data: the HTML the renderer draws, and how it was made."""

    html: str
    viewport_width: int
    viewport_height: int
    full_page: bool
    max_height: int
    javascript: bool = False
    archetype: str = ""
    theme: dict[str, Any] = field(default_factory=dict)
    components: list[dict[str, Any]] = field(default_factory=list)
    legible: dict[str, Any] | None = None  # the renderer's capture rule (PagesOptions.legible)


@functools.lru_cache(maxsize=4)
def environment(templates: str | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=loader(templates),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates ship with the package; skip a stat() per include
    )
    env.globals["icon_paths"] = ICONS  # globals reach imported macros too
    env.filters["nest"] = nest
    return env


_PRE = re.compile(r"<pre[\s>]|</pre>")


def nest(html: str, width: int) -> Markup:
    """Indent every line but the first by `width` spaces (blank lines stay empty), except lines
    inside `<pre>`: there whitespace is content, and indenting it would teach code that does not run.

    Jinja's own `indent` escapes line by line when given Markup, which cost more than the
    rest of page generation together.
    """
    pad = " " * width
    text = str(html)
    if "<pre" not in text:
        return Markup(("\n" + pad).join(text.split("\n")).replace("\n" + pad + "\n", "\n\n"))
    lines = text.split("\n")
    out = [lines[0]]
    inside = _pre_state(False, lines[0])
    for line in lines[1:]:
        out.append(line if inside or not line else pad + line)
        inside = _pre_state(inside, line)
    return Markup("\n".join(out))


def _pre_state(inside: bool, line: str) -> bool:
    """Whether the next line starts inside a <pre> block, given this line and the state before it."""
    for tag in _PRE.findall(line):
        inside = not tag.startswith("</")
    return inside


@functools.lru_cache(maxsize=1)
def _layout_css() -> frozenset[str]:
    return frozenset(p.stem.removeprefix("layout_") for p in (TEMPLATE_DIR / "css").glob("layout_*.css"))


def render_page(composition: Composition, theme: dict[str, Any], page: dict[str, Any], templates: str | None = None) -> str:
    """The page's HTML: components rendered into the archetype's layout, with the CSS they use
    (`templates`: the user's folder, which shadows built-in templates)."""
    env = environment(templates)
    common = {"t": theme}
    parts: dict[str, Markup] = {}
    kinds: list[str] = []
    for slot, components in composition.slots.items():
        rendered = []
        for comp in components:
            rendered.append(env.get_template(f"components/{comp.kind}.html").render(c=comp.data, **common))
            kinds.append(comp.kind)
        parts[slot] = Markup("\n".join(rendered))
    body = env.get_template(f"archetypes/{composition.archetype}.html").render(parts=parts, layout=composition.layout, **common)
    sheets = ["css/base.css"]
    if composition.archetype in _layout_css():
        sheets.append(f"css/layout_{composition.archetype}.css")
    sheets += [f"css/{kind}.css" for kind in dict.fromkeys(kinds)]
    css = "\n\n".join(env.get_template(name).render(**common).strip() for name in sheets)
    return env.get_template("page.html").render(page=page, css=Markup(css), body=Markup(body), **common) + "\n"


_DATA_IMAGE = re.compile(r'src="data:image/png;base64,[A-Za-z0-9+/=]*" data-src-name="([^"]+)"')


def portable_html(html: str) -> str:
    """The page with each embedded picture referenced by its file name (`assets/<name>.png`).

    Base64 pixels cannot be read off a screenshot and would swamp a screenshot-to-code target;
    the name can, and the exact renderable HTML stays in the sample's source.
    """
    return _DATA_IMAGE.sub(r'src="assets/\1.png"', html)


class PagesGenerator(Generator):
    name: ClassVar[str] = "pages"
    version: ClassVar[str] = "1"
    renderer: ClassVar[str] = "chromium"
    options_model: ClassVar[type[Options]] = PagesOptions

    def __init__(self, options: PagesOptions):
        super().__init__(options)
        self.options: PagesOptions = options

    def sample(self, rng: np.random.Generator, seed: int) -> PageSource:
        opts = self.options
        r = random.Random(int(rng.integers(0, 2**63)))
        archetype = r.choice(opts.archetypes)
        viewport = r.choice(opts.viewports)
        width, height = r.choice(VIEWPORTS[viewport])
        locale = r.choice(opts.locales)
        theme = sample_theme(r, viewport, locale, opts.dark_fraction)
        theme.update({"viewport": viewport, "locale": locale})
        digits = locales.digit_system(locale, opts.digits, r)
        if digits != "latn":  # only where the locale has native digits: other samples draw as before
            theme["digits"] = digits
        leading = element_leading(locale, theme["font_keys"]["body"], theme["font_keys"]["heading"])
        if leading:  # tall faces (Arabic, Thai, Indic, Ethiopic...): headings, buttons, figures and paragraphs get lines that hold them
            theme["leading"] = leading
            theme["line_height"] = max(theme["line_height"], leading)
        writer = Writer(locale, seed)
        composer = Composer(r, writer, PictureBox(r), theme, viewport)
        composition = composer.compose(archetype, opts.max_sections)
        page = {
            "lang": locale.replace("_", "-"),
            "dir": locales.info(locale).direction,
            "title": f"{composition.title} | {composer.brand}" if composition.title != composer.brand else composer.brand,
            "body_class": f"theme-{theme['mode']} page-{archetype.replace('_', '-')}",
        }
        html = locales.localize_html(render_page(composition, theme, page, opts.templates), digits)
        families = theme["font_families"]
        check_glyphs(html, tuple(families["body"]), tuple(families["heading"]))
        components = [comp.summary(slot) for slot, comps in composition.slots.items() for comp in comps]
        return PageSource(
            html=html,
            viewport_width=width,
            viewport_height=height,
            full_page=opts.full_page,
            max_height=opts.max_height,
            javascript=False,
            archetype=archetype,
            theme=theme,
            components=components,
            legible=opts.legible.model_dump() if opts.legible else None,
        )
