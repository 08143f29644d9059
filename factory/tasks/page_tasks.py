"""Tasks on Chromium screenshots: page to HTML, screenshot parsing, table image to HTML.

All three read only the source (plain data) and the renderer's facts: `facts["dom"]` (the
measured DOM tree), `facts["boxes"]` (visible text, images, links, buttons, inputs) and
`facts["page"]` (document and captured heights). Every sample's json carries the element boxes
in screenshot pixels under `targets.boxes`, each `"box": [x0, y0, x1, y1]` like every box the
factory writes (README: Boxes).

Checks that make the image show what the target says:
- text that runs out of its element's box or off the page -> Dropped("text_overflow");
- a visible text below WCAG contrast (4.5:1, large text 3:1) -> Dropped("low_contrast");
- a page cut at the capture's maximum height -> Dropped("page_truncated") where the target
  describes the whole page (HTML, table); screenshot parsing keeps it and describes only what
  the picture shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from PIL import Image, ImageDraw
from pydantic import Field

from factory import images
from factory.components import Options, Render, Targets, Task
from factory.errors import Dropped
from factory.generators.pages import portable_html
from factory.generators.table_layouts import table_target
from factory.tasks.budget import Budget, BudgetOptions
from factory.tasks.design2code import placeholder_pictures, prune_css
from factory.tasks.budgeted_crop import budgeted_region, draw_region
from factory.tasks.simplified_html import simplify, text_spans
from factory.tasks.subtree import draw_box, largest_subtree

# The pix2struct profile's budget when the recipe gives none: about 512 T5 tokens of simplified HTML.
PIX2STRUCT_BUDGET = BudgetOptions(max_chars=2048, policy="crop")

OVERFLOW_TOLERANCE = 2.0  # px; text boxes are outward-rounded, and glyph overhang is normal
# A text range's box is the font's content area (ascent + descent: 1.36 em for Noto), which is
# taller than a tight line box (line-height 1.2) without any ink leaving the element. Allow a
# fifth of the text's height vertically, at most 12 px: far less than the line of text a real
# overflow spills.
VERTICAL_SLACK = (0.2, 12.0)

PROMPTS = {
    "screenshot_to_html": "Write the HTML and CSS that render this web page.",
    "screenshot_parsing": "Parse this screenshot into simplified HTML.",
    "screenshot_parsing_masked": "Parse this screenshot into simplified HTML, including the masked text.",
    "table_to_html": "Convert this table image to HTML.",
}


def _text_with_parent(node: dict[str, Any], parent: dict[str, Any] | None = None) -> Iterator[tuple[dict, dict | None]]:
    if node.get("tag") == "#text":
        yield node, parent
        return
    for child in node.get("children") or []:
        yield from _text_with_parent(child, node)


def check_text_fits(dom: dict[str, Any], width: float, tol: float = OVERFLOW_TOLERANCE) -> None:
    """Drop the sample if visible text sticks out of its element or off the page's sides."""
    for text, parent in _text_with_parent(dom):
        if not text.get("visible") or not text.get("box"):
            continue
        x0, y0, x1, y1 = text["box"]
        if x0 < -tol or x1 > width + tol:
            raise Dropped("text_overflow", f"{text['text'][:40]!r} spans x {x0}..{x1}, page width {width}")
        if parent is None or not parent.get("visible") or not parent.get("box"):
            continue
        px0, py0, px1, py1 = parent["box"]
        if px1 <= px0 or py1 <= py0:
            continue
        vtol = max(tol, min(VERTICAL_SLACK[1], VERTICAL_SLACK[0] * (y1 - y0)))
        if x0 < px0 - tol or x1 > px1 + tol or y0 < py0 - vtol or y1 > py1 + vtol:
            raise Dropped(
                "text_overflow",
                f"{text['text'][:40]!r} box {[x0, y0, x1, y1]} outside its <{parent.get('tag')}> box {[px0, py0, px1, py1]}",
            )


def check_contrast(render: Render) -> None:
    """Drop the sample if a visible text is below WCAG contrast against its background (4.5:1,
    3:1 for large text), as the renderer measured it from computed styles (`page.low_contrast`)."""
    low = (render.facts.get("page") or {}).get("low_contrast") or []
    if low:
        first = low[0]
        raise Dropped(
            "low_contrast",
            f"{first['text'][:40]!r} is {first['ratio']}:1 ({first['color']} on {first['background']}); "
            f"{len(low)} text(s) below {'3' if first.get('large') else '4.5'}:1",
        )


def _require_whole_page(render: Render) -> None:
    page = render.facts.get("page") or {}
    if page.get("truncated"):
        legible = getattr(render.source, "legible", None)
        cut_for_text = legible and page.get("captured_height", 0) < getattr(render.source, "max_height", 0)
        advice = (
            f"cut where body text stays legible at {legible['max_patches']} patches: raise legible.max_patches, or legible: null"
            if cut_for_text else "raise max_height, or use full_page: true"
        )
        raise Dropped(
            "page_truncated",
            f"document {page.get('document_height')} px tall, captured {page.get('captured_height')} px ({advice})",
        )


def _boxes(render: Render) -> list[dict[str, Any]]:
    return list(render.facts.get("boxes") or [])


def _image(render: Render) -> Image.Image:
    if render.image is not None:
        return render.image
    if render.encoded is None:
        raise ValueError("render has neither image nor encoded bytes")
    return images.decode(render.encoded)


def _checks_layout(source: Any) -> bool:
    """Generated pages promise that no text leaves its box; real pages (html_corpus) do not, and
    their targets hold only what the picture shows."""
    return bool(getattr(source, "layout_checks", True))


class ScreenshotToHtmlOptions(Options):
    max_chars: int | None = Field(None, ge=1, description="drop a page whose HTML target is longer (html_over_budget); null: no limit")


class ScreenshotToHtml(Task):
    """txt = the page's HTML, pictures referenced by file name (see pages.portable_html); a
    corpus page's sanitized HTML (its `target_html`).

    Profile `design2code`: Design2Code's form, a page that renders alone: every picture is one small
    self-contained placeholder (drawn in the image too: the page is rendered with it), and the
    stylesheet keeps only the rules that match an element of the page (factory/tasks/design2code.py)."""

    name: ClassVar[str] = "screenshot_to_html"
    generator: ClassVar[str] = "pages"
    generators: ClassVar[tuple[str, ...]] = ("pages", "html_corpus")
    options_model: ClassVar[type[Options]] = ScreenshotToHtmlOptions
    profiles: ClassVar[tuple[str, ...]] = ("native", "design2code")

    def prepare(self, source: Any, rng: np.random.Generator) -> Any:
        if self.profile == "design2code":
            import dataclasses

            return dataclasses.replace(source, html=placeholder_pictures(source.html))
        return source

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        _require_whole_page(render)
        if _checks_layout(source):
            check_text_fits(render.facts["dom"], render.width)
            check_contrast(render)
        secondary: dict[str, Any] = {"boxes": _boxes(render)}
        if self.profile == "design2code":
            html, secondary["css_rules_removed"] = prune_css(source.html, render.facts["dom"])
        else:
            html = getattr(source, "target_html", None) or portable_html(source.html)
        budget = getattr(self.options, "max_chars", None)
        if budget is not None and len(html) > budget:
            raise Dropped("html_over_budget", f"{len(html)} characters of HTML, budget {budget}")
        return Targets(text=html, prompt=PROMPTS[self.name], secondary=secondary)


class ScreenshotParsingOptions(Options):
    masked: bool | None = Field(
        None, description="cover about `mask_fraction` of the text spans with solid boxes (default: on for the pix2struct profile)"
    )
    mask_fraction: float = Field(0.5, gt=0, lt=1, description="share of text spans masked when masked is true")
    max_chars: int | None = Field(
        None, ge=8, description="Pix2Struct's budget: the target is the largest subtree whose simplified HTML fits "
        "in this many characters, and its region is outlined on the screenshot; null: the whole page"
    )
    outline: bool = Field(True, description="with max_chars: draw the chosen region's box on the screenshot (Pix2Struct)")


class ScreenshotParsing(Task):
    """txt = Pix2Struct simplified HTML of what the screenshot shows (DESIGN.md section 6).

    Profile `pix2struct`, the paper's pretraining form: picture names keep their extension
    (`img_src=logo.png`), the target is the largest subtree that fits the budget (the recipe's, else
    PIX2STRUCT_BUDGET) with its box drawn on the screenshot, and masking is on by default. A budget
    with policy `crop` does the same crop in the native form; `viewport` first keeps only the first
    screen (image and target), then crops if needed."""

    name: ClassVar[str] = "screenshot_parsing"
    generator: ClassVar[str] = "pages"
    generators: ClassVar[tuple[str, ...]] = ("pages", "html_corpus")
    options_model: ClassVar[type[Options]] = ScreenshotParsingOptions
    profiles: ClassVar[tuple[str, ...]] = ("native", "pix2struct")

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        opts: ScreenshotParsingOptions = self.options  # type: ignore[assignment]
        pix2struct = self.profile == "pix2struct"
        max_chars = getattr(opts, "max_chars", None)
        if self.budget is not None or not pix2struct:
            budget = self.budget
        else:  # the profile's budget: the option's characters, else PIX2STRUCT_BUDGET
            budget = Budget(BudgetOptions(max_chars=max_chars, policy="crop") if max_chars else PIX2STRUCT_BUDGET)
        dom = render.facts["dom"]
        image: Image.Image | None = None
        bounds = (render.width, render.height)
        if _checks_layout(source):
            check_text_fits(dom, render.width)
            check_contrast(render)
        secondary: dict[str, Any] = {"boxes": _boxes(render)}
        span_root = dom
        if max_chars is not None and budget is None:  # the option alone: the budgeted region, outlined
            region = budgeted_region(dom, bounds, max_chars)
            if region is None:
                raise Dropped("parse_over_budget", f"no visible subtree fits in {max_chars} characters")
            text, span_root = region.text, region.node  # masks, below, cover the region's spans only
            secondary["region"] = {"box": region.box, "whole_page": region.whole}
            if getattr(opts, "outline", True):
                image = draw_region(_image(render), region.box)
        else:
            if budget is not None and budget.policy == "viewport":
                scale = render.width / max(1, source.viewport_width)
                screen = min(render.height, int(round(source.viewport_height * scale)))
                if screen < render.height:
                    bounds = (render.width, screen)
                    image = _image(render).crop((0, 0, render.width, screen))
            text = simplify(dom, bounds, with_extension=pix2struct)
            if text and budget is not None and budget.policy in ("crop", "viewport") and (pix2struct or not budget.fits(text)):
                chosen = largest_subtree(dom, budget.fits, bounds, budget.length, with_extension=pix2struct)
                if chosen is None:
                    raise Dropped("over_budget", f"no element of the page fits {budget.limit} {budget.unit}")
                text, span_root = chosen.text, chosen.node
                secondary["subtree"] = {"box": chosen.box, "path": chosen.path, "length": budget.length(text), "unit": budget.unit}
        if not text:
            raise Dropped("empty_parse", "no visible text or named image in the capture")
        masked = opts.masked if opts.masked is not None else pix2struct
        prompt = PROMPTS[self.name]
        augmentation = None
        if masked:
            spans = text_spans(span_root, bounds)
            picked = [span for span, u in zip(spans, rng.random(len(spans))) if u < opts.mask_fraction]
            image = mask_spans(image if image is not None else _image(render), [span["box"] for span in picked])
            prompt = PROMPTS["screenshot_parsing_masked"]
            augmentation = {"kind": "masked_text", "mask_fraction": opts.mask_fraction, "masked_spans": picked}
        elif "region" in secondary and image is not None:
            augmentation = {"kind": "region_outline", "box": secondary["region"]["box"]}
        if "subtree" in secondary:
            image = draw_box(image if image is not None else _image(render), secondary["subtree"]["box"])
        return Targets(text=text, prompt=prompt, secondary=secondary, image=image, augmentation=augmentation)


def mask_spans(image: Image.Image, boxes: list[list[float]], pad: int = 1) -> Image.Image:
    """A copy of `image` with each box covered by a solid rectangle that stands out from its background."""
    out = image.convert("RGB")  # always a copy
    draw = ImageDraw.Draw(out)
    grey = np.asarray(out.convert("L"))
    for bx0, by0, bx1, by1 in boxes:
        x0, y0 = max(0, int(bx0) - pad), max(0, int(by0) - pad)
        x1, y1 = min(out.width, int(bx1) + pad), min(out.height, int(by1) + pad)
        if x1 <= x0 or y1 <= y0:
            continue
        light = grey[y0:y1, x0:x1].mean() >= 128
        draw.rectangle([x0, y0, x1 - 1, y1 - 1], fill=(60, 60, 60) if light else (200, 200, 200))
    return out


class TableToHtml(Task):
    """txt = the table's <table> structure; json targets.cells = every cell's box, empty ones included."""

    name: ClassVar[str] = "table_to_html"
    generator: ClassVar[str] = "table_images"

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        _require_whole_page(render)
        dom = render.facts["dom"]
        check_text_fits(dom, render.width)
        check_contrast(render)
        found = {node["attrs"]["data-cell"]: node for node in _cells(dom)}
        cells = []
        for row in source.structure["rows"]:
            for cell in row:
                node = found.get(f"{cell['row']},{cell['col']}")
                if node is None or not node.get("visible"):
                    raise Dropped("cell_not_rendered", f"cell {cell['row']},{cell['col']} has no visible box")
                x0, _, x1, _ = node["box"]
                if x0 < -OVERFLOW_TOLERANCE or x1 > render.width + OVERFLOW_TOLERANCE:
                    raise Dropped("text_overflow", f"cell {cell['row']},{cell['col']} spans x {x0}..{x1}, page width {render.width}")
                cells.append({**cell, "box": list(node["box"])})
        return Targets(
            text=table_target(source.structure),
            prompt=PROMPTS[self.name],
            secondary={"cells": cells, "boxes": _boxes(render)},
        )


def _cells(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if node.get("tag") in ("td", "th") and "data-cell" in (node.get("attrs") or {}):
        yield node
    for child in node.get("children") or []:
        if child.get("tag") != "#text":
            yield from _cells(child)
