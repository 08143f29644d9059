"""Names of generators, renderers and tasks, and where their code lives.

Entries are import paths, loaded on first use, so a charts-only run never imports Playwright and
a missing optional engine fails only when a recipe asks for it.

Installed packages add their own through Python entry points (PLUGIN_GROUPS): an entry point's
value is an import path of the same form, so a plug-in is loaded as lazily as a built-in. A
plug-in never replaces a built-in of the same name (README: Plug-ins).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from collections.abc import Callable
from typing import Any

from factory.errors import RecipeError

log = logging.getLogger(__name__)

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
    "table_qa": "factory.tasks.table_qa:TableQA",
    "document_to_json": "factory.tasks.document_tasks:DocumentToJson",
    "document_parsing": "factory.tasks.document_tasks:DocumentParsing",
    "document_qa": "factory.tasks.document_tasks:DocumentQA",
    "document_table_qa": "factory.tasks.document_tasks:DocumentTableQA",
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


# Entry-point group -> the table its entries join. A renderer plug-in may also name its settings
# model (a pydantic model validated when the recipe loads) and its check before a run, under the
# renderer's own name in the last two groups.
PLUGIN_GROUPS: dict[str, dict[str, str]] = {
    "render_factory.generators": GENERATORS,
    "render_factory.tasks": TASKS,
    "render_factory.renderers": RENDERERS,
    "render_factory.renderer_settings": RENDERER_SETTINGS,
    "render_factory.renderer_preflights": RENDERER_PREFLIGHTS,
}
# (group, name) -> "distribution version" of every plug-in entry in the tables, for `list`.
PLUGINS: dict[tuple[str, str], str] = {}
_BUILTIN = {group: frozenset(table) for group, table in PLUGIN_GROUPS.items()}


def load_plugins() -> dict[tuple[str, str], str]:
    """Add the installed packages' entry points to the tables (again: after installing one while
    this process runs); returns PLUGINS. Spawned workers load them when they import this module."""
    for group, table in PLUGIN_GROUPS.items():
        for point in importlib.metadata.entry_points(group=group):
            if point.name in _BUILTIN[group]:
                log.warning("plug-in %s '%s' (%s) ignored: a built-in has that name", group.rpartition(".")[2], point.name, point.value)
                continue
            if ":" not in point.value:
                log.warning("plug-in %s '%s' ignored: its value '%s' is not 'module:Class'", group.rpartition(".")[2], point.name, point.value)
                continue
            table[point.name] = point.value
            dist = getattr(point, "dist", None)
            PLUGINS[(group, point.name)] = f"{dist.name} {dist.version}" if dist is not None else point.value
    return PLUGINS


load_plugins()
