"""Names of generators, renderers and tasks, and where their code lives.

Entries are import paths, loaded on first use, so a charts-only run never imports Playwright and
a missing optional engine fails only when a recipe asks for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from factory.errors import RecipeError

GENERATORS: dict[str, str] = {
    "charts": "factory.generators.charts:ChartGenerator",
    "pages": "factory.generators.pages:PagesGenerator",
    "table_images": "factory.generators.table_layouts:TableImagesGenerator",
    "documents": "factory.generators.documents:DocumentsGenerator",
    "html_corpus": "factory.generators.html_corpus:HtmlCorpusGenerator",
}

# Generators whose sources are a corpus's records (plans depend on the corpus: factory/plan.py).
RECORD_GENERATORS = ("html_corpus",)

RENDERERS: dict[str, str] = {
    "matplotlib": "renderers.matplotlib_renderer:MatplotlibRenderer",
    "chromium": "renderers.chromium:ChromiumRenderer",
    "plotly": "renderers.plotly_renderer:PlotlyRenderer",
    "vega_lite": "renderers.vega_renderer:VegaLiteRenderer",
}

# A renderer's check before a run writes anything (e.g. that its browser exists). Kept apart from
# the renderer classes so that checking a charts recipe does not import Matplotlib's backend.
RENDERER_PREFLIGHTS: dict[str, str] = {
    "chromium": "renderers.chromium:preflight",
    "plotly": "renderers.plotly_renderer:preflight",
}

# A renderer's settings model (recipe `renderers: {name: {...}}`), validated when the recipe loads.
RENDERER_SETTINGS: dict[str, str] = {
    "chromium": "renderers.chromium:ChromiumSettings",
    "matplotlib": "renderers.matplotlib_settings:MatplotlibSettings",
    "plotly": "renderers.chromium:ChromiumSettings",  # a Chromium renderer, with its settings
    "vega_lite": "factory.components:Options",  # takes no settings
}

TASKS: dict[str, str] = {
    "chart_to_table": "factory.tasks.chart_tasks:ChartToTable",
    "chart_to_code": "factory.tasks.chart_tasks:ChartToCode",
    "chart_qa": "factory.tasks.chart_tasks:ChartQA",
    "screenshot_to_html": "factory.tasks.page_tasks:ScreenshotToHtml",
    "screenshot_parsing": "factory.tasks.page_tasks:ScreenshotParsing",
    "table_to_html": "factory.tasks.page_tasks:TableToHtml",
    "document_to_json": "factory.tasks.document_tasks:DocumentToJson",
    "document_parsing": "factory.tasks.document_tasks:DocumentParsing",
    "document_qa": "factory.tasks.document_tasks:DocumentQA",
}


def _load(table: dict[str, str], kind: str, name: str) -> Any:
    if name not in table:
        known = ", ".join(sorted(table))
        raise RecipeError(f"unknown {kind} '{name}'; known {kind}s: {known}")
    module, _, attr = table[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def generator_class(name: str):
    return _load(GENERATORS, "generator", name)


def renderer_class(name: str):
    return _load(RENDERERS, "renderer", name)


def task_class(name: str):
    return _load(TASKS, "task", name)


def renderer_preflight(name: str) -> Callable[[dict[str, Any]], None] | None:
    """The check `name` needs before a run starts, or None when it needs none."""
    if name not in RENDERERS:
        _load(RENDERERS, "renderer", name)  # raises the one-line 'unknown renderer' error
    return _load(RENDERER_PREFLIGHTS, "renderer check", name) if name in RENDERER_PREFLIGHTS else None


def renderer_settings(name: str):
    """The settings model of renderer `name`, or None when it declares none."""
    return _load(RENDERER_SETTINGS, "renderer settings", name) if name in RENDERER_SETTINGS else None
