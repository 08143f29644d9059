"""Names of generators, renderers and tasks, and where their code lives.

Entries are import paths, loaded on first use, so a charts-only run never imports Playwright and
a missing optional engine fails only when a recipe asks for it.
"""

from __future__ import annotations

import importlib
from typing import Any

from factory.errors import RecipeError

GENERATORS: dict[str, str] = {
    "charts": "factory.generators.charts:ChartGenerator",
    "pages": "factory.generators.pages:PagesGenerator",
    "table_images": "factory.generators.table_layouts:TableImagesGenerator",
}

RENDERERS: dict[str, str] = {
    "matplotlib": "renderers.matplotlib_renderer:MatplotlibRenderer",
    "chromium": "renderers.chromium:ChromiumRenderer",
}

TASKS: dict[str, str] = {
    "chart_to_table": "factory.tasks.chart_tasks:ChartToTable",
    "chart_to_code": "factory.tasks.chart_tasks:ChartToCode",
    "chart_qa": "factory.tasks.chart_tasks:ChartQA",
    "screenshot_to_html": "factory.tasks.page_tasks:ScreenshotToHtml",
    "screenshot_parsing": "factory.tasks.page_tasks:ScreenshotParsing",
    "table_to_html": "factory.tasks.page_tasks:TableToHtml",
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
