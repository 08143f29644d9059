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
    "callout": "a label with a line or arrow pointing at one mark (the highest or lowest), furniture",
}

LOGO_MARK = "\u2022"
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
_CALLOUT = {"bar", "line", "area", "lollipop", "step_line"}
_NO_FOOTER = {"small_multiples"}  # a facet has no single plot to hang a note under


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
    if gen.options.locales:  # subtitle, note and reference label in the sample's words and digits
        from factory.generators.chart_locale import localize_furniture, table_unit

        localize_furniture(style, gen.locale, gen.digits, table_unit(table), rng)
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
    fit_guess(chart_type, table, style, width)
    if engine == "vega_lite" and chart_type == "small_multiples":  # a facet: cells sized, then measured
        # Around a cell Vega draws ~35 px of axis across (~28 with two columns) and ~62 down; the
        # renderer redraws until 16-60 px are left over for padding, so a guess near those
        # (measured on 45 facets: 30-60 px more than the old 60 and 90 left) fits in one draw
        # about twice in three, where the old one fitted once in nine.
        k = len(table.series)
        cols, rows = (2, 2) if k == 4 else (k, 1)
        across = 35 if cols == 3 else 40
        style["cell_width"] = max(60, int((width - 20 - cols * across - (cols - 1) * 20) / cols))
        style["cell_height"] = max(60, int((height - 20 - (50 if style["title_shown"] else 0) - rows * 62) / rows))
    return ChartSpec(chart_type, table, style, width, height, 96, [], engine)


_CATEGORY_X = {"bar", "grouped_bar", "stacked_bar", "stacked_bar_100", "negative_bar", "line", "multi_line", "area", "stacked_area",
               "step_line", "lollipop", "waterfall", "error_bars", "combo", "box", "violin", "candlestick"}  # fmt: skip


def _em(style: dict) -> float:
    """A rough character width in ems for the family (no font is opened while sampling)."""
    family = style["font_family"]
    return 0.6 if "Mono" in family else (0.47 if "Narrow" in family else 0.56)


def fit_guess(chart_type: str, table: Table, style: dict, width: int) -> None:
    """What a first draw would show and a repair would then fix, guessed before drawing (every
    redraw costs a whole conversion): x labels start rotated when they will not fit side by side,
    value labels start off when they will not fit beside each other. A wrong guess is still
    caught by the measured check and repaired."""
    em = _em(style)
    fs = style["font_px"]
    labels = table.labels()
    n = max(len(labels), 1)
    legend_w = 0.0
    if style["legend"] == "right":
        names = labels if chart_type in ("pie", "donut") else [c.name for c in table.series]
        legend_w = max((len(x) for x in names), default=0) * em * fs * 0.9 + 44
    plot_w = max(width - 20 - 62 - (fs * 1.4 if style.get("y_label") else 0) - legend_w, 80)
    slot = plot_w / n
    if style["title_shown"] and table.title:  # a title wider than its room starts wrapped
        title_em = em * (1.08 if style["title_weight"] == "bold" else 1.0)
        room = max(width - 40 - (legend_w if chart_type not in ("pie", "donut") else 0), width * 0.4)
        lines = math.ceil(len(table.title) * title_em * fs * style["title_scale"] / room)
        style["title_lines"] = max(1, min(lines, 3, len(table.title.split())))
    if chart_type in _CATEGORY_X:
        tick = fs * style["tick_scale"]
        widest = max((len(x) for x in labels), default=1) * em * tick
        if widest + 8 > slot:
            style["x_rotation"] = 45 if slot * 0.7 > tick * 1.7 + 4 else 90
    if not style["value_labels"]:
        return
    vpx = fs * style["value_scale"]
    texts = [[format_value(v, c) for v in table.values(j)] for j, c in enumerate(table.series)]
    longest = max((len(t) for col in texts for t in col), default=0) * em * vpx
    if chart_type in ("pie", "donut"):
        values = [v for v in table.values(0) if v is not None]
        fits = bool(values) and min(values) / max(sum(values), 1e-9) >= 0.06
    elif chart_type == "heatmap":
        fits = longest + 6 < plot_w / max(len(table.series), 1)
    elif chart_type == "grouped_bar":
        fits = longest + 4 < slot * style["bar_width"] / max(len(table.series), 1)
    elif chart_type in ("stacked_bar", "stacked_bar_100"):
        fits = longest + 4 < slot * style["bar_width"]
    elif chart_type in _CATEGORY_X:
        fits = longest + 6 < slot
    else:
        fits = True
    if not fits:
        style["value_labels"] = False


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
    """Subtitle, note line, reference line, highlighted bar, logo and callout: each independent."""
    subtitle_axis(rng, table, style)
    note_axis(rng, style)
    reference_axis(rng, chart_type, table, style, _REFERENCE)
    highlight_axis(rng, chart_type, table, style, _HIGHLIGHT)
    logo_axis(rng, style)
    if chart_type in _NO_FOOTER:
        style["note"], style["logo"] = "", "none"
        style.pop("logo_text", None)
    if (style["note"] or style["logo"].startswith("bottom")) and style["legend"] == "bottom":
        style["legend"] = "top"  # the note takes the bottom line
    callout(rng, chart_type, table, style, _CALLOUT)


# -- furniture axes, shared by every engine (Matplotlib's generator calls them too) -----------


def subtitle_axis(rng, table: Table, style: dict) -> None:
    """A line under the title: the unit, the period, what was selected. Only under a title."""
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


def note_axis(rng, style: dict) -> None:
    note = ""
    if rng.random() < 0.35:
        note = _choice(rng, [f"Source: {_choice(rng, _SOURCES)}", f"Source: {_choice(rng, _SOURCES)}, {int(rng.integers(2015, 2026))}",
                             "Note: figures are rounded", "Note: preliminary data"])  # fmt: skip
    style["note"] = note


def reference_axis(rng, chart_type: str, table: Table, style: dict, types: set[str]) -> None:
    """An average line across the plot, labelled with the average as the table would write it."""
    reference = "none"
    if chart_type in types and len(table.series) == 1 and rng.random() < 0.25:
        values = [v for v in table.values(0) if v is not None]
        if values:
            col = table.series[0]
            mean = sum(values) / len(values)
            reference = "average"
            style["reference_value"] = float(format_value(mean, col).rstrip("%"))
            style["reference_text"] = f"Average: {format_value(mean, col)}"
    style["reference_line"] = reference


def highlight_axis(rng, chart_type: str, table: Table, style: dict, types: set[str]) -> None:
    """The highest bar in an accent colour, the others muted."""
    highlight = -1
    if chart_type in types and rng.random() < 0.2:
        values = table.values(0)
        best = max((v for v in values if v is not None), default=None)
        if best is not None:
            highlight = values.index(best)
    style["highlight"] = highlight


def logo_axis(rng, style: dict) -> None:
    style["logo"] = "none"
    if rng.random() < 0.15:
        style["logo"] = _choice(rng, ["top right", "bottom right"])
        style["logo_text"] = _choice(rng, _BRANDS)


def currency_symbol(table: Table) -> str | None:
    """The currency every series is in ($, EUR, GBP by its unit), or None."""
    units = {c.unit[:3] for c in table.series}
    if len(units) != 1:
        return None
    return {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3"}.get(units.pop())


def callout(rng, chart_type: str, table: Table, style: dict, types: set[str]) -> None:
    """A label pointing at the highest (or lowest) mark of a one-series chart, its value written
    as the table writes it."""
    style["callout"] = "none"
    if chart_type not in types or len(table.series) != 1 or rng.random() >= 0.2:
        return
    values = table.values(0)
    present = [(v, i) for i, v in enumerate(values) if v is not None]
    if len(present) < 3:
        return
    which = _choice(rng, ["max", "min"], p=[0.7, 0.3])
    value, row = max(present) if which == "max" else min(present)
    words = {"max": ["Peak", "Highest", "Record"], "min": ["Lowest", "Low point", "Bottom"]}[which]
    style["callout"] = which
    style["callout_row"] = int(row)
    style["callout_text"] = f"{_choice(rng, words)}: {format_value(value, table.series[0])}"


def note_gap_guess(spec: Any) -> int:
    """How far under the plot a note starts: x ticks, their labels (rotated ones by their
    widest label), the x axis title and a bottom legend, generously (the renderer corrects a short
    guess after measuring)."""
    s, t = spec.style, spec.table
    fs = s["font_px"]
    tick = fs * s["tick_scale"]
    depth = 0.0
    if spec.chart_type not in ("pie", "donut", "rose"):
        angle = math.radians(int(s.get("x_rotation", 0)))
        widest = max((len(x) for x in t.labels()), default=4) * 0.58 * tick
        depth = 8 + (widest * math.sin(angle) + tick * math.cos(angle) if angle else tick * 1.1)
        # the bottom axis's title: the value axis's (`y_label`) where the bars lie along x
        if s.get("y_label" if spec.chart_type in ("barh", "dot_plot", "dumbbell") else "x_label"):
            depth += 12 + fs * 1.3  # its standoff and line (measured on 400 Plotly charts: 6 + 1.1 em fell 1-15 px short)
    if s.get("legend") == "bottom":  # under the x axis block, or where a measured gap put it
        depth = max(depth, float(s.get("legend_gap") or 0)) + 14 + fs * 0.9 * 1.4
    return int(math.ceil(depth + 14))


def callout_above(spec: Any) -> bool:
    """A callout sits above its mark, except under a line's low point (a bar or stem is in the way below)."""
    return spec.style.get("callout") == "max" or spec.chart_type not in ("line", "step_line")


def logo_label(style: dict[str, Any]) -> str:
    """The brand mark as drawn: a bullet (a glyph every chart font has) and the brand name."""
    return f"{LOGO_MARK} {style['logo_text']}" if style.get("logo", "none") != "none" else ""


def chart_texts(spec: ChartSpec) -> list[str]:
    """Every string a Plotly or Vega-Lite chart may draw, for glyph coverage checks."""
    s, table = spec.style, spec.table
    texts = [table.title, *table.labels(), *(c.name for c in table.columns), "0123456789.,%-+kMB$€£ "]
    for i in range(len(table.series)):
        texts += [format_value(v, table.series[i]) for v in table.values(i)]
    texts += [s.get("subtitle", ""), s.get("note", ""), s.get("reference_text", ""), logo_label(s), s.get("callout_text", "")]
    return [t for t in texts if t]


def round_sig(value: float) -> float:
    return float(f"{value:.6g}") if math.isfinite(value) else 0.0
