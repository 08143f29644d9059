"""Which engine draws which chart types, and the recipe's engine weights checked against them.

Matplotlib draws the thirteen original types (`charts.CHART_TYPES`, unchanged so that existing
recipes make byte-identical datasets); Plotly and Vega-Lite draw those and the newer types, each
type only where the engine has a natural mark for it (Vega-Lite has no treemap or radar mark).
"""

from __future__ import annotations

from factory.generators.charts import CHART_TYPES

ENGINES: tuple[str, ...] = ("matplotlib", "plotly", "vega_lite")

# Types beyond the original thirteen; every one has a table that is exactly what it shows
# (factory.generators.chart_tables).
NEW_TYPES: tuple[str, ...] = (
    "box",
    "violin",
    "heatmap",
    "bubble",
    "error_bars",
    "combo",
    "waterfall",
    "funnel",
    "treemap",
    "radar",
    "candlestick",
    "step_line",
    "lollipop",
    "dot_plot",
    "dumbbell",
    "slope",
    "stacked_bar_100",
    "rose",
    "small_multiples",
    "bullet",
)
ALL_CHART_TYPES: tuple[str, ...] = CHART_TYPES + NEW_TYPES

_VEGA_NEW = ("heatmap", "bubble", "error_bars", "step_line", "lollipop", "dot_plot", "dumbbell", "slope",
             "stacked_bar_100", "rose", "small_multiples")  # fmt: skip
ENGINE_TYPES: dict[str, tuple[str, ...]] = {
    "matplotlib": CHART_TYPES,
    "plotly": ALL_CHART_TYPES,
    "vega_lite": CHART_TYPES + _VEGA_NEW,
}


# Scripts each engine draws correctly (`factory.generators.locales.SCRIPTS`). Matplotlib neither
# shapes nor reorders text (Arabic letters would stand alone, Hebrew run left to right, Indic and
# Thai marks sit wrong). Vega-Lite draws through resvg, measured against Chromium on the same
# strings: Tamil vowel signs dropped (நாடு drawn நடு), Devanagari and Bengali conjuncts misplaced,
# and Latin words inside Arabic or Hebrew fell back to an arbitrary bold italic face; Ethiopic has
# no face among its fonts. Plotly draws in Chromium, which shapes every script (HarfBuzz).
UNSHAPED_SCRIPTS = ("latin", "cyrillic", "greek", "han_simplified", "han_traditional", "japanese", "hangul", "georgian", "armenian")
ENGINE_SCRIPTS: dict[str, tuple[str, ...]] = {
    "matplotlib": UNSHAPED_SCRIPTS,
    "plotly": UNSHAPED_SCRIPTS + ("ethiopic", "arabic", "persian", "hebrew", "devanagari", "bengali", "tamil", "thai"),
    "vega_lite": UNSHAPED_SCRIPTS,
}


def engines_for_script(script: str, engines: dict[str, float]) -> dict[str, float]:
    """The recipe's engines (and weights) that draw `script` correctly."""
    return {name: weight for name, weight in engines.items() if script in ENGINE_SCRIPTS[name]}


def engines_for(chart_type: str) -> list[str]:
    return [e for e in ENGINES if chart_type in ENGINE_TYPES[e]]


def check_engines(value: dict[str, float]) -> dict[str, float]:
    """Known engine names with positive weights (a pydantic validator: raises ValueError)."""
    if not value:
        raise ValueError(f"name at least one engine with a weight, e.g. {{matplotlib: 1}}; known: {', '.join(ENGINES)}")
    for name, weight in value.items():
        if name not in ENGINES:
            raise ValueError(f"unknown engine '{name}'; known engines: {', '.join(ENGINES)}")
        if not weight > 0:
            raise ValueError(f"engine '{name}' needs a weight above 0 (got {weight}); leave it out to not use it")
    return {name: float(value[name]) for name in ENGINES if name in value}  # fixed order: same draws


def drawable_types(chart_types: list[str], engines: dict[str, float], explicit: bool) -> list[str]:
    """The chart types some chosen engine draws; a type the recipe asked for that none draws is an error."""
    kept = [t for t in chart_types if any(t in ENGINE_TYPES[e] for e in engines)]
    missing = [t for t in chart_types if t not in kept]
    if missing and explicit:
        raise ValueError(
            f"chart type '{missing[0]}' is drawn by {' or '.join(engines_for(missing[0]))}, which is not among "
            f"engines ({', '.join(engines)}); add it to generators.charts.engines or drop the type"
        )
    unused = [e for e in engines if not any(t in ENGINE_TYPES[e] for t in kept)]
    if unused:
        raise ValueError(f"engine '{unused[0]}' draws none of the chart types asked for; drop it or add its types")
    return kept
