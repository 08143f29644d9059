"""Chart specs for the Plotly and Vega-Lite engines: a chart type, its table, and that engine's
own style axes plus the real-world furniture axes, each sampled independently.

The spec stays engine-neutral where it can (type, table, furniture, fonts, sizes, colours); the
engine's own look is one axis (`template` for Plotly, `theme` for Vega-Lite). Furniture text
(subtitle, source note, logo) is written into the style, so the json holds every text drawn.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from factory.generators import chart_tables
from factory.generators.chart_engines import ENGINE_TYPES
from factory.generators.charts import (
    _LIGHT_BACKGROUNDS,
    _QUALITATIVE,
    _RAMPS,
    _PLANS,
    ChartSpec,
    _choice,
    _luminance,
    _palette,
    _ramp,
    _round_to,
)
from factory.tabular import Table, format_value

PLOTLY_TEMPLATES = ("plotly", "plotly_white", "plotly_dark", "ggplot2", "seaborn", "simple_white", "presentation", "none")
VEGA_THEMES = ("default", "dark", "excel", "fivethirtyeight", "ggplot2", "googlecharts", "latimes", "powerbi", "quartz",
               "urbaninstitute", "vox", "carbonwhite", "carbong10")  # fmt: skip
DARK_LOOKS = {"plotly_dark", "dark"}
_DARK_BG = ("#111111", "#1e1e2e", "#202124", "#14213d")

STYLE_AXES: dict[str, str] = {
    "template / theme": "Plotly template (plotly, plotly_white, ggplot2, seaborn, ...) or Vega theme (excel, fivethirtyeight, vox, ...)",
    "palette": "series colours: a named qualitative palette, a one-hue ramp or the engine's own",
    "font": "font family (installed DejaVu/Liberation/Noto) and size, title and tick scales",
    "legend": "legend right, top, bottom or none",
    "grid": "grid lines on the value axis, both axes or none",
    "value_labels": "numbers written on marks, exactly as in the table",
    "number_format": "axis numbers plain, with thousands separators, currency-prefixed, compact (1.2k) or percent",
    "subtitle": "a subtitle under the title (unit or period), furniture",
    "note": "a source or note line under the chart ('Source: ...'), furniture",
    "reference_line": "an average or target line across the plot with its label, furniture",
    "highlight": "one bar drawn in an accent colour, the rest muted, furniture",
    "logo": "a generated brand mark in a corner, furniture",
}

_SOURCES = ("National Statistics Office", "World Bank", "company reports", "annual survey", "Eurostat",
            "OECD", "industry estimates", "central bank", "market research")  # fmt: skip
_BRANDS = ("DATAWIRE", "Chartbeat", "NUMERA", "The Ledger", "StatPoint", "Metrica", "Insight Weekly", "PLOTLINE")
_ASPECT = {"box": (1.2, 1.8), "violin": (1.2, 1.8), "heatmap": (1.1, 1.7), "funnel": (1.1, 1.6), "treemap": (1.2, 1.8),
           "radar": (1.0, 1.4), "rose": (1.0, 1.4), "small_multiples": (1.4, 2.0), "bullet": (1.6, 2.4)}  # fmt: skip
_SINGLE_COLOUR = {"bar", "barh", "line", "area", "histogram", "lollipop", "waterfall", "funnel", "rose", "error_bars",
                  "box", "violin", "candlestick", "bullet"}  # fmt: skip
_NO_AXES = {"pie", "donut", "treemap", "radar", "rose", "funnel"}
_LEGENDED = {"grouped_bar", "stacked_bar", "multi_line", "stacked_area", "scatter", "pie", "donut", "dot_plot",
             "dumbbell", "slope", "stacked_bar_100", "radar", "step_line", "combo"}  # fmt: skip
_REFERENCE = {"bar", "line", "area", "lollipop", "barh", "dot_plot", "step_line"}
_HIGHLIGHT = {"bar", "barh", "lollipop"}


def choose_engine(rng: np.random.Generator, engines: dict[str, float]) -> str:
    names = list(engines)
    weights = np.array([engines[n] for n in names], dtype=float)
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def sample_spec(gen: Any, rng: np.random.Generator, seed: int, engine: str) -> ChartSpec:
    types = [t for t in gen.options.chart_types if t in ENGINE_TYPES[engine]]
    chart_type = _choice(rng, types)
    if chart_type in chart_tables.BUILDERS:
        table = chart_tables.BUILDERS[chart_type](gen, rng, seed)
    else:
        table = gen._table(rng, seed, chart_type)
    table = gen.localized(table, rng)
    style: dict[str, Any] = {}
    if engine == "plotly":
        style["template"] = _choice(rng, PLOTLY_TEMPLATES)
    else:
        style["theme"] = _choice(rng, VEGA_THEMES)
    dark = (style.get("template") or style.get("theme")) in DARK_LOOKS
    _palette_axis(rng, chart_type, table, style, dark)
    families = gen.options.fonts
    style["font_family"] = _choice(rng, families)
    if gen.options.locales:
        from factory.generators.locales import script_families

        before, after = script_families(gen.locale, "serif" if "Serif" in style["font_family"] else "sans-serif")
        if after:  # Han, kana, Hangul: the locale's own CJK face (its glyph forms), which draws Latin too
            style["font_family"] = after[0]
        elif before and engine == "plotly":  # Arabic, Indic, Thai... text in the script's Noto face, Latin in the family
            style["script_font"] = before[0]
    style["title_weight"] = _choice(rng, ["normal", "bold"], p=[0.5, 0.5])
    style["font_px"] = _round_to(float(rng.uniform(11.0, 15.0)), 0)
    style["title_scale"] = _round_to(float(rng.uniform(1.2, 1.6)), 2)
    style["tick_scale"] = _round_to(float(rng.uniform(0.85, 1.0)), 2)
    style["value_scale"] = _round_to(float(rng.uniform(0.8, 0.95)), 2)
    legend = "none"
    if chart_type in _LEGENDED and (len(table.series) > 1 or chart_type in ("pie", "donut")):
        legend = _choice(rng, ["right", "bottom", "top"], p=[0.5, 0.3, 0.2])
    style["legend"] = legend
    style["grid"] = "none" if chart_type in _NO_AXES else _choice(rng, ["value", "both", "none"], p=[0.55, 0.25, 0.2])
    labels_ok = chart_type not in ("scatter", "stacked_area", "violin", "candlestick", "box", "small_multiples", "bubble")
    if chart_type in ("line", "multi_line", "area", "step_line") and len(table.rows) * len(table.series) > 16:
        labels_ok = False
    p = 0.85 if chart_type in ("pie", "donut", "heatmap", "funnel", "treemap", "waterfall", "bullet") else gen.options.value_label_probability
    style["value_labels"] = bool(labels_ok and rng.random() < p)
    style["number_format"] = _number_format(rng, chart_type, table)
    style["x_rotation"] = 0
    style["background"] = None if rng.random() < 0.5 else _choice(rng, _DARK_BG if dark else _LIGHT_BACKGROUNDS)
    style["line_width"] = _round_to(float(rng.uniform(1.5, 3.0)), 1)
    style["marker_size"] = _round_to(float(rng.uniform(6.0, 10.0)), 0)
    style["markers"] = bool(rng.random() < 0.5)
    style["bar_width"] = _round_to(float(rng.uniform(0.55, 0.85)), 2)
    style["area_alpha"] = _round_to(float(rng.uniform(0.35, 0.7)), 2)
    style["donut_hole"] = _round_to(float(rng.uniform(0.35, 0.6)), 2)
    style["title_shown"] = bool(table.title) and bool(rng.random() < gen.options.title_probability)
    style["title_align"] = _choice(rng, ["center", "left"], p=[0.6, 0.4])
    style["x_label"] = chart_type not in _NO_AXES and bool(rng.random() < 0.6)
    style["y_label"] = chart_type not in _NO_AXES and bool(rng.random() < 0.75)
    _furniture(rng, chart_type, table, style)
    if not style["title_shown"]:
        table = dataclasses.replace(table, title="")
    style["label_kind"] = str(table.facts.get("label_kind", ""))
    if chart_type == "histogram":
        style["bin_edges"] = list(table.facts["edges"])
        style["bin_decimals"] = int(table.facts["edge_decimals"])
    if chart_type == "violin":
        style["samples"] = table.facts["samples"]
    lo, hi = gen.options.width_px
    width = int(rng.integers(-(-lo // 8), max(hi // 8, -(-lo // 8)) + 1)) * 8
    a_lo, a_hi = _ASPECT.get(chart_type) or (_PLANS[chart_type].aspect if chart_type in _PLANS else (1.25, 1.9))
    height = int(round(width / float(rng.uniform(a_lo, a_hi)) / 8)) * 8
    if chart_type in ("barh", "dot_plot", "dumbbell", "bullet"):
        height = max(height, 120 + 34 * len(table.rows))
    height = max(320, min(height, 1000))
    if engine == "vega_lite":  # Vega sizes the plot area; the image is laid out around it
        style["plot_width"], style["plot_height"] = int(width * 0.78), int(height * 0.62)
    return ChartSpec(chart_type, table, style, width, height, 96, [], engine)


def _palette_axis(rng, chart_type: str, table: Table, style: dict, dark: bool) -> None:
    n = 1 if chart_type in _SINGLE_COLOUR else (len(table.rows) if chart_type in ("pie", "donut", "treemap") else max(len(table.series), 2))
    kind = _choice(rng, ["qualitative", "engine", "ramp"], p=[0.5, 0.35, 0.15])
    if kind == "engine":
        style["palette"], style["colors"] = "engine", []
        return
    if kind == "ramp" and n <= 5 and not dark:
        name = _choice(rng, _RAMPS)
        colors = _ramp(name, n)
    else:
        name = _choice(rng, _QUALITATIVE)
        base = list(_palette(name))
        start = int(rng.integers(len(base)))
        colors = [c for c in base[start:] + base[:start] if 0.08 < _luminance(c) < 0.9]
        colors = list(dict.fromkeys(colors))
        while len(colors) < n:
            colors.append(_palette("tab10")[len(colors) % 10])
    style["palette"], style["colors"] = name, colors[: max(n, 1)]


def _number_format(rng, chart_type: str, table: Table) -> str:
    if chart_type in _NO_AXES or chart_type == "heatmap":
        return "auto"
    numbers = [abs(v) for r in table.rows for v in r[1:] if isinstance(v, float)]
    options = ["auto", "plain"]
    top = max(numbers, default=0.0)
    series = table.series
    if top >= 1000:
        options += ["thousands", "compact"]
    if series and all(c.unit.startswith(("USD", "EUR", "GBP")) for c in series) and top >= 10:
        options.append("currency")
    if series and all(c.percent for c in series):
        options.append("percent")
    return _choice(rng, options)


def _furniture(rng, chart_type: str, table: Table, style: dict) -> None:
    """Subtitle, note line, reference line, highlighted bar and logo: each independent."""
    facts = table.facts or {}
    unit = facts.get("unit") or (table.series[0].unit if table.series else "")
    subtitle = ""
    if style["title_shown"] and rng.random() < 0.35:
        start, end = facts.get("start_year"), facts.get("end_year")
        options = []
        if unit and unit != "%":
            options.append(f"Figures in {unit}")
        if start and end and start != end:
            options.append(f"{start} to {end}")
        if facts.get("label_kind") in ("countries", "cities", "companies"):
            options.append(f"Selected {facts['label_kind']}")
        options.append("Latest available data")
        subtitle = _choice(rng, options)
    style["subtitle"] = subtitle
    note = ""
    if rng.random() < 0.35:
        note = _choice(rng, [f"Source: {_choice(rng, _SOURCES)}", f"Source: {_choice(rng, _SOURCES)}, {int(rng.integers(2015, 2026))}",
                             "Note: figures are rounded", "Note: preliminary data"])  # fmt: skip
    style["note"] = note
    reference = "none"
    if chart_type in _REFERENCE and len(table.series) == 1 and rng.random() < 0.25:
        values = [v for v in table.values(0) if v is not None]
        if values:
            col = table.series[0]
            mean = sum(values) / len(values)
            reference = "average"
            style["reference_value"] = float(format_value(mean, col).rstrip("%"))
            style["reference_text"] = f"Average: {format_value(mean, col)}"
    style["reference_line"] = reference
    highlight = -1
    if chart_type in _HIGHLIGHT and rng.random() < 0.2:
        values = table.values(0)
        best = max((v for v in values if v is not None), default=None)
        if best is not None:
            highlight = values.index(best)
    style["highlight"] = highlight
    style["logo"] = "none"
    if rng.random() < 0.15:
        style["logo"] = _choice(rng, ["top right", "bottom right"])
        style["logo_text"] = _choice(rng, _BRANDS)


def chart_texts(spec: ChartSpec) -> list[str]:
    """Every string a Plotly or Vega-Lite chart may draw, for glyph coverage checks."""
    s, table = spec.style, spec.table
    texts = [table.title, *table.labels(), *(c.name for c in table.columns), "0123456789.,%-+kMB$€£ "]
    for i in range(len(table.series)):
        texts += [format_value(v, table.series[i]) for v in table.values(i)]
    texts += [s.get("subtitle", ""), s.get("note", ""), s.get("reference_text", ""), s.get("logo_text", "")]
    return [t for t in texts if t]


def round_sig(value: float) -> float:
    return float(f"{value:.6g}") if math.isfinite(value) else 0.0
