"""Chart specifications: a chart type, the table it draws, and every style choice, as plain data.

The spec is the single description of a chart. `factory.chart_code.matplotlib_code` turns it into Matplotlib
code and the renderer runs that code, so the image, the plotting script and the DePlot table all
come from the same record. Style axes are sampled one by one from the sample's rng; the few
couplings (a dark theme gets a dark background, a legend only when there are series to name)
keep the chart legible without narrowing the space much.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from factory.components import Generator, Options, check_choices, to_jsonable
from factory.errors import Dropped
from factory.generators.table_request import TableOptions, TableRequest
from factory.generators.tables import TableSource
from factory.tabular import Column, Table, format_value

log = logging.getLogger(__name__)

CHART_TYPES: tuple[str, ...] = (
    "bar",
    "barh",
    "grouped_bar",
    "stacked_bar",
    "line",
    "multi_line",
    "area",
    "stacked_area",
    "scatter",
    "pie",
    "donut",
    "histogram",
    "negative_bar",
)

STYLE_AXES: dict[str, str] = {
    "theme": "Matplotlib style sheet the chart starts from (default, ggplot, bmh, seaborn, ...)",
    "palette": "series colours: a named qualitative palette, a one-hue ramp or the theme's own cycle",
    "font": "font family (an installed DejaVu/Liberation/Noto face) and title weight",
    "font_size": "base text size in pixels, with title, tick, legend and value-label scales",
    "figure_size": "width and height in pixels (aspect ratio per chart type)",
    "dpi": "dots per inch: scales line widths, markers and tick lengths against the text",
    "grid": "grid lines on the value axis, the category axis, both or none; line style and alpha",
    "legend": "legend placement inside or outside the axes (an inside corner only where the lines leave it free), frame on or off (none for one series)",
    "value_labels": "numbers written on bars, points or wedges, formatted exactly as in the table",
    "ticks": "value-axis number format, x label rotation, tick direction",
    "spines": "which axes frame lines are drawn",
    "background": "figure and axes background colours (or the theme's)",
    "marks": "markers, line styles and widths, bar width and edge, area opacity, pie start angle",
    "title": "title shown or not, its alignment, and its line breaks (wrapped when it would not fit beside an outside legend)",
    "axis_labels": "which axis titles are shown",
    # furniture, drawn after every other axis (earlier choices stay those of older versions)
    "subtitle": "a line under the title (unit, period or selection), furniture",
    "note": "a source or note line under the chart ('Source: ...'), furniture",
    "reference_line": "an average line across the plot with its label, furniture",
    "highlight": "the highest bar in an accent colour, the rest muted, furniture",
    "logo": "a generated brand mark in the top or bottom right corner, furniture",
    "callout": "a label with an arrow pointing at the highest (or lowest) mark, furniture",
    "currency": "value axis written as currency ($1,250) when every series is in one currency",
}
_REFERENCE_TYPES = {"bar", "barh", "line", "area"}
_HIGHLIGHT_TYPES = {"bar", "barh"}
_CALLOUT_TYPES = {"bar", "line", "area"}

# Series that cannot show a missing value as a gap (stacks and shares need every cell).
_NO_GAPS = {"stacked_bar", "stacked_area", "pie", "donut"}
MULTI_SERIES = {"grouped_bar", "stacked_bar", "multi_line", "stacked_area"}
SEQUENTIAL_KINDS = ("years", "quarters", "months", "dates")
_CATEGORY_KINDS = ("categories", "countries", "companies", "products", "cities", "people")


@dataclass(frozen=True)
class _TypePlan:
    rows: tuple[int, int]
    series: tuple[int, int]
    label_kinds: tuple[str, ...] | None
    values: str = "positive"
    numeric_labels: bool = False
    aspect: tuple[float, float] = (1.25, 1.9)  # width / height
    additive: bool = False  # stacks: the series must add up to a meaningful total


_PLANS: dict[str, _TypePlan] = {
    "bar": _TypePlan((3, 12), (1, 1), _CATEGORY_KINDS + ("years", "months", "quarters")),
    "barh": _TypePlan((3, 14), (1, 1), _CATEGORY_KINDS, aspect=(0.9, 1.6)),
    "grouped_bar": _TypePlan((3, 8), (2, 4), ("years", "quarters", "countries", "categories", "products", "companies")),
    "stacked_bar": _TypePlan((3, 10), (2, 4), ("years", "quarters", "months", "countries", "categories", "companies"), additive=True),
    "line": _TypePlan((5, 20), (1, 1), SEQUENTIAL_KINDS, values="any"),
    "multi_line": _TypePlan((5, 16), (2, 4), SEQUENTIAL_KINDS, values="any"),
    "area": _TypePlan((5, 20), (1, 1), SEQUENTIAL_KINDS),
    "stacked_area": _TypePlan((5, 16), (2, 4), SEQUENTIAL_KINDS, additive=True),
    "scatter": _TypePlan((8, 30), (1, 3), None, values="any", numeric_labels=True),
    "pie": _TypePlan((3, 7), (1, 1), ("categories", "companies", "products", "countries"), values="share", aspect=(1.0, 1.6)),
    "donut": _TypePlan((3, 7), (1, 1), ("categories", "companies", "products", "countries"), values="share", aspect=(1.0, 1.6)),
    "histogram": _TypePlan((3, 12), (1, 1), None),
    "negative_bar": _TypePlan((3, 12), (1, 1), ("years", "quarters", "months", "countries", "categories", "companies"), values="with_negatives"),
}

THEMES: tuple[str, ...] = (
    "default",
    "classic",
    "ggplot",
    "bmh",
    "fivethirtyeight",
    "seaborn-v0_8-whitegrid",
    "seaborn-v0_8-darkgrid",
    "seaborn-v0_8-white",
    "seaborn-v0_8-ticks",
    "Solarize_Light2",
    "grayscale",
    "dark_background",
    "tableau-colorblind10",
)
DARK_THEMES = {"dark_background"}

FONT_FAMILIES: tuple[str, ...] = (
    "DejaVu Sans",
    "DejaVu Serif",
    "DejaVu Sans Mono",
    "Liberation Sans",
    "Liberation Serif",
    "Liberation Sans Narrow",
    "Liberation Mono",
    "Noto Sans",
    "Noto Serif",
)

_QUALITATIVE = ("tab10", "Set1", "Set2", "Dark2", "Paired", "Accent", "tab20b")
_RAMPS = ("Blues", "Greens", "Purples", "Oranges", "viridis", "plasma", "cividis")
_LIGHT_BACKGROUNDS = ("#ffffff", "#fbfbf8", "#f7f7f7", "#f4f6fa", "#fdf6e3", "#f5f5ef")
_DARK_BACKGROUNDS = ("#000000", "#111418", "#1e1e2e", "#202124", "#14213d")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINE_STYLES = ("-", "--", "-.", ":")


def _all_types() -> tuple[str, ...]:
    from factory.generators.chart_engines import ALL_CHART_TYPES

    return ALL_CHART_TYPES


def installed_families() -> set[str]:
    from matplotlib import font_manager

    return {f.name for f in font_manager.fontManager.ttflist}


class ChartOptions(Options):
    chart_types: list[str] = Field(
        default_factory=lambda: list(_all_types()),
        description="chart types, drawn uniformly (default: every type the chosen engines draw)",
    )
    engines: dict[str, float] = Field(
        default_factory=lambda: {"matplotlib": 1.0},
        description="drawing engines and their weights (matplotlib, plotly, vega_lite), chosen per sample",
    )
    table: TableOptions = TableOptions()
    themes: list[str] = Field(default_factory=lambda: list(THEMES), description="Matplotlib style sheets")
    fonts: list[str] = Field(default_factory=list, validate_default=True, description="font families (installed ones); empty = all known installed")
    dpi: list[int] = Field(default_factory=lambda: [72, 80, 96, 100, 120, 144], description="dpi choices")
    width_px: tuple[int, int] = Field((480, 960), description="image width range in pixels")
    title_probability: float = Field(0.85, ge=0, le=1)
    value_label_probability: float = Field(0.4, ge=0, le=1)
    locales: list[str] = Field(
        default_factory=list,
        description="locales drawn per sample (words, names, places, months, digits: render-factory list shows them); "
        "empty = table.locale alone, as before",
    )
    digits: Literal["native", "western", "mixed"] = Field(
        "native", description="values and labels in locales with native digits: native, western (0-9), or mixed (per sample)")

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: list[str]) -> list[str]:
        from factory.generators.locales import LOCALES

        if value:  # empty: table.locale alone
            check_choices(value, LOCALES, "locale", "unsupported", "supported")
        return list(dict.fromkeys(value))

    @field_validator("chart_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        from factory.generators.chart_engines import ALL_CHART_TYPES

        check_choices(value, ALL_CHART_TYPES, "chart type", known_word="known types")
        return list(dict.fromkeys(value))

    @field_validator("themes")
    @classmethod
    def _known_themes(cls, value: list[str]) -> list[str]:
        import matplotlib.style

        known = ["default", *matplotlib.style.available]
        check_choices(value, known, "theme")
        return value

    @field_validator("fonts")
    @classmethod
    def _installed_fonts(cls, value: list[str]) -> list[str]:
        have = installed_families()
        missing = [f for f in value if f not in have]
        if missing:
            raise ValueError(
                f"font family {missing[0]!r} is not installed; installed known families: "
                f"{', '.join(f for f in FONT_FAMILIES if f in have) or 'none (install fonts-dejavu-core)'}"
            )
        if not value:
            value = [f for f in FONT_FAMILIES if f in have]
            absent = [f for f in FONT_FAMILIES if f not in have]
            if absent:
                log.warning("chart fonts not installed, not used: %s", ", ".join(absent))
            if not value:
                raise ValueError("no known chart font is installed; install fonts-dejavu-core fonts-liberation fonts-noto-core")
        return value

    @field_validator("dpi")
    @classmethod
    def _dpi_range(cls, value: list[int]) -> list[int]:
        if not value or any(not 50 <= d <= 300 for d in value):
            raise ValueError("dpi choices must be between 50 and 300, e.g. [72, 100, 144]")
        return value

    @field_validator("width_px")
    @classmethod
    def _width_range(cls, value: tuple[int, int]) -> tuple[int, int]:
        lo, hi = value
        if not 320 <= lo <= hi <= 2048:
            raise ValueError("width_px must be [low, high] with 320 <= low <= high <= 2048")
        return value

    @field_validator("engines")
    @classmethod
    def _known_engines(cls, value: dict[str, float]) -> dict[str, float]:
        from factory.generators.chart_engines import check_engines

        return check_engines(value)

    @model_validator(mode="after")
    def _engines_draw_types(self) -> "ChartOptions":
        from factory.generators.chart_engines import drawable_types

        explicit = "chart_types" in self.model_fields_set
        kept = drawable_types(self.chart_types, self.engines, explicit)
        if kept != self.chart_types:
            self.chart_types = kept
            if not explicit:
                self.model_fields_set.discard("chart_types")  # still the default, narrowed
        return self

    @model_validator(mode="after")
    def _engines_draw_scripts(self) -> "ChartOptions":
        from factory.generators.chart_engines import ENGINE_SCRIPTS, engines_for_script
        from factory.generators.locales import info

        for code in self.locales:
            script = info(code).script
            if not engines_for_script(script, self.engines):
                able = [e for e, scripts in ENGINE_SCRIPTS.items() if script in scripts]
                raise ValueError(f"locale '{code}' writes {script} text, which none of engines ({', '.join(self.engines)}) "
                                 f"draws correctly; add {' or '.join(able)} to generators.charts.engines or drop the locale")
        return self

    @model_validator(mode="after")
    def _series_fit(self) -> "ChartOptions":
        if self.table.series[1] < 2:
            multi = [t for t in self.chart_types if t in MULTI_SERIES]
            if multi and "chart_types" in self.model_fields_set:
                raise ValueError(
                    f"chart type {multi[0]!r} needs at least 2 series but table.series allows at most "
                    f"{self.table.series[1]}; raise table.series or drop the multi-series types"
                )
            self.chart_types = [t for t in self.chart_types if t not in MULTI_SERIES]
        return self


@dataclass
class ChartSpec:
    chart_type: str
    table: Table
    style: dict[str, Any]
    width_px: int
    height_px: int
    dpi: int
    repairs: list[str] = field(default_factory=list)
    engine: str = "matplotlib"  # which renderer draws it: matplotlib, plotly or vega_lite

    def copy(self) -> "ChartSpec":
        """A copy whose style and repairs can change without touching this one (the table is shared)."""
        return dataclasses.replace(self, style=_deep_copy(self.style), repairs=list(self.repairs))


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


@functools.lru_cache(maxsize=None)
def _palette(name: str) -> tuple[str, ...]:
    import matplotlib
    import matplotlib.style
    from matplotlib.colors import to_hex

    if name.startswith("theme:"):
        theme = name.split(":", 1)[1]
        cycle = (matplotlib.style.library.get(theme) or {}).get("axes.prop_cycle") or matplotlib.rcParamsDefault["axes.prop_cycle"]
        return tuple(to_hex(c) for c in cycle.by_key()["color"])
    cmap = matplotlib.colormaps[name]
    return tuple(to_hex(c) for c in cmap.colors)  # type: ignore[attr-defined]


def _ramp(name: str, n: int) -> list[str]:
    import matplotlib
    from matplotlib.colors import to_hex

    cmap = matplotlib.colormaps[name]
    if n == 1:
        return [to_hex(cmap(0.7))]
    return [to_hex(cmap(0.35 + 0.55 * i / (n - 1))) for i in range(n)]


def _luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _choice(rng: np.random.Generator, options, p=None):
    options = list(options)
    return options[int(rng.choice(len(options), p=p))]


def _round_to(value: float, digits: int = 3) -> float:
    return float(round(value, digits))


def _corner_is_busy(table: Table, corner: str) -> bool:
    """Whether some series passes through the top (or bottom) 40% of the value range in the third
    of the x axis where an inside legend in `corner` would sit (it would hide data: a redraw)."""
    rows = [np.array([v for v in table.values(i) if v is not None], dtype=float) for i in range(len(table.series))]
    finite = np.concatenate([r[np.isfinite(r)] for r in rows]) if rows else np.zeros(0)
    if finite.size == 0:
        return False
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        return True
    for r in rows:
        third = max(1, len(r) // 3)
        part = ((r[-third:] if corner.endswith("right") else r[:third]) - lo) / (hi - lo)
        if np.any(part > 0.6) if corner.startswith("upper") else np.any(part < 0.4):
            return True
    return False


class ChartGenerator(Generator):
    """Samples a chart type uniformly, a table that fits it, then every style axis."""

    name = "charts"
    version = "2"  # 2: furniture axes for Matplotlib charts, 33 types for Plotly and Vega-Lite
    renderer = "matplotlib"
    options_model = ChartOptions

    def __init__(self, options: ChartOptions):
        super().__init__(options)
        self.options: ChartOptions = options
        self._tables = {options.table.locale: TableSource(options.table)}
        self.locale = options.table.locale  # the sample's locale and digits, set first thing in sample()
        self.digits = "latn"

    @property
    def tables(self) -> TableSource:
        """The table source of the sample's locale (one per locale, made on first use)."""
        if self.locale not in self._tables:
            from factory.generators import locales

            faker_locale = locales.info(self.locale).faker
            source = TableSource(self.options.table.model_copy(update={"locale": faker_locale}))
            source.faker_labels.locale_code = self.locale
            self._tables[self.locale] = source
        return self._tables[self.locale]

    def _pick_locale(self, rng: np.random.Generator) -> tuple[str, str]:
        """The sample's locale and digits; draws from rng only when the recipe gives several locales
        (or mixed digits in a locale that has native ones), so older recipes make the same datasets."""
        codes = self.options.locales
        if not codes:
            return self.options.table.locale, "latn"
        code = codes[0] if len(codes) == 1 else codes[int(rng.integers(len(codes)))]
        from factory.generators import locales

        native = locales.info(code).digits
        mode = self.options.digits
        if mode == "mixed" and native != "latn":
            mode = "native" if rng.random() < 0.5 else "western"
        return code, locales.digit_system(code, mode)

    def localized(self, table: Table, rng: np.random.Generator) -> Table:
        """The table in the sample's locale's words and digits (`chart_locale`)."""
        if not self.options.locales:
            return table
        from factory.generators.chart_locale import localize

        return localize(table, self.locale, self.digits, rng)

    def _engines(self) -> dict[str, float]:
        """The recipe's engines that draw the sample's script."""
        if not self.options.locales:
            return self.options.engines
        from factory.generators.chart_engines import engines_for_script
        from factory.generators.locales import info

        return engines_for_script(info(self.locale).script, self.options.engines)

    # -- tables -------------------------------------------------------------------------------

    def _request(self, chart_type: str) -> TableRequest:
        """What this chart type needs; TableSource cuts the recipe's row/series ranges to it."""
        plan = _PLANS[chart_type]
        return TableRequest(
            rows=plan.rows, series=plan.series, label_kinds=plan.label_kinds, values=plan.values,
            numeric_labels=plan.numeric_labels, additive=plan.additive,
        )

    def _table(self, rng: np.random.Generator, seed: int, chart_type: str) -> Table:
        if chart_type == "histogram" and self.tables.user is not None:  # the user's own values, binned
            values, series, file = self.tables.user.numeric_column(rng)
            source = Table(file.title, [Column(file.label_header, "label"), Column(series.name, unit=series.unit)], [], {"file": file.name})
            return _histogram_table(rng, source, values)
        table = self.tables.sample(rng, seed, self._request(chart_type))
        if chart_type == "histogram":
            return _histogram_table(rng, table)
        if chart_type in _NO_GAPS:
            kept = [r for r in table.rows if all(v is not None for v in r)]
            if len(kept) >= 2:
                table = dataclasses.replace(table, rows=kept)
        return table

    # -- sampling -----------------------------------------------------------------------------

    def renderer_for(self, source: ChartSpec) -> str:
        return source.engine

    def renderers(self) -> list[str]:
        return list(self.options.engines)

    def sample(self, rng: np.random.Generator, seed: int) -> ChartSpec:
        self.locale, self.digits = self._pick_locale(rng)
        engines = self._engines()
        if len(engines) > 1 or "matplotlib" not in engines:
            from factory.generators import engine_specs

            engine = engine_specs.choose_engine(rng, engines)
            if engine != "matplotlib":
                return engine_specs.sample_spec(self, rng, seed, engine)
            chart_type = _choice(rng, [t for t in self.options.chart_types if t in CHART_TYPES])
        else:
            chart_type = _choice(rng, self.options.chart_types)
        table = self.localized(self._table(rng, seed, chart_type), rng)
        style: dict[str, Any] = {}
        for axis in STYLE_AXES:
            getattr(self, f"_style_{axis}")(rng, chart_type, table, style)
        if self.options.locales:  # subtitle, note and reference label in the sample's words and digits
            from factory.generators.chart_locale import localize_furniture, table_unit

            localize_furniture(style, self.locale, self.digits, table_unit(table), rng)
        if not style["title_shown"]:
            table = dataclasses.replace(table, title="")
        style["label_kind"] = str(table.facts.get("label_kind", ""))
        if chart_type == "histogram":  # drawing needs the edges, and a spec read back from json has no facts
            style["bin_edges"] = list(table.facts["edges"])
            style["bin_decimals"] = int(table.facts["edge_decimals"])
        dpi = style.pop("_dpi")
        width, height = exact_px(style.pop("_width"), dpi), exact_px(style.pop("_height"), dpi)
        return ChartSpec(chart_type, table, style, width, height, dpi, [])

    def _style_theme(self, rng, chart_type, table, style):
        style["theme"] = _choice(rng, self.options.themes)

    def _style_palette(self, rng, chart_type, table, style):
        n = _colours_needed(chart_type, table)
        dark = style["theme"] in DARK_THEMES
        kinds = ["qualitative", "theme"] + ([] if dark else ["ramp"])
        kind = _choice(rng, kinds, p=[0.55, 0.3, 0.15] if not dark else [0.6, 0.4])
        if kind == "ramp" and n <= 5:
            name = _choice(rng, _RAMPS)
            colors = _ramp(name, n)
        else:
            if kind == "ramp":
                kind = "qualitative"
            name = _choice(rng, _QUALITATIVE) if kind == "qualitative" else f"theme:{style['theme']}"
            base = list(_palette(name))
            if len(set(base)) < n or (kind == "theme" and style["theme"] == "grayscale"):
                name, base = "tab10", list(_palette("tab10"))
            start = int(rng.integers(len(base)))
            rotated = base[start:] + base[:start]
            colors = []
            for c in rotated:  # distinct colours, never the background's near-white or near-black
                lum = _luminance(c)
                if c not in colors and (0.08 < lum < 0.93):
                    colors.append(c)
            colors = (colors or ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"])[: max(n, 1)]
            while len(colors) < n:
                colors.append(_palette("tab10")[len(colors) % 10])
        style["palette"] = name
        style["colors"] = colors

    def _style_font(self, rng, chart_type, table, style):
        style["font_family"] = _choice(rng, self.options.fonts)
        if self.options.locales:  # Han, kana, Hangul: the locale's own CJK face (its glyph forms), which draws Latin too
            from factory.generators.locales import script_families

            _, after = script_families(self.locale, "serif" if "Serif" in style["font_family"] else "sans-serif")
            if after:
                style["font_family"] = after[0]
        style["title_weight"] = _choice(rng, ["normal", "bold"], p=[0.6, 0.4])

    def _style_font_size(self, rng, chart_type, table, style):
        style["font_px"] = _round_to(float(rng.uniform(11.0, 16.0)), 1)
        style["title_scale"] = _round_to(float(rng.uniform(1.1, 1.5)), 2)
        style["tick_scale"] = _round_to(float(rng.uniform(0.85, 1.0)), 2)
        style["legend_scale"] = _round_to(float(rng.uniform(0.85, 1.0)), 2)
        style["value_scale"] = _round_to(float(rng.uniform(0.8, 0.95)), 2)

    def _style_figure_size(self, rng, chart_type, table, style):
        lo, hi = self.options.width_px
        width = int(rng.integers(-(-lo // 8), max(hi // 8, -(-lo // 8)) + 1)) * 8
        a_lo, a_hi = _PLANS[chart_type].aspect
        aspect = float(rng.uniform(a_lo, a_hi))
        if chart_type == "barh":
            aspect = min(aspect, 1.6 * 8 / max(len(table.rows), 8) + 0.4)
        height = int(round(width / aspect / 8)) * 8
        style["_width"], style["_height"] = width, max(320, min(height, 1100))

    def _style_dpi(self, rng, chart_type, table, style):
        style["_dpi"] = int(_choice(rng, self.options.dpi))

    def _style_grid(self, rng, chart_type, table, style):
        if chart_type in ("pie", "donut"):
            style["grid"] = "none"
        else:
            style["grid"] = _choice(rng, ["value", "both", "none", "category"], p=[0.45, 0.2, 0.3, 0.05])
        style["grid_linestyle"] = _choice(rng, ["-", "--", ":"])
        style["grid_alpha"] = _round_to(float(rng.uniform(0.35, 0.9)), 2)

    def _style_legend(self, rng, chart_type, table, style):
        named = len(table.series) > 1 or chart_type in ("pie", "donut")
        if not named:
            style["legend"] = "none"
        elif chart_type in ("grouped_bar", "stacked_bar", "stacked_area", "scatter"):
            # bars, stacks and clouds fill the axes: a fixed inside corner mostly covers data (a
            # redraw to move it out); 'best' finds a free spot when there is one
            style["legend"] = _choice(rng, ["best", "outside right", "outside bottom"], p=[0.3, 0.45, 0.25])
        else:
            style["legend"] = _choice(
                rng, ["best", "upper right", "upper left", "outside right", "outside bottom"], p=[0.35, 0.15, 0.1, 0.25, 0.15]
            )
            corners = ("upper right", "upper left", "lower right", "lower left")
            if style["legend"] in corners[:2] and _corner_is_busy(table, style["legend"]):
                style["legend"] = "best"  # lines run through that corner: let Matplotlib find a free one
            if style["legend"] == "best" and all(_corner_is_busy(table, c) for c in corners):
                style["legend"] = "outside right"  # no free corner: inside, it would hide data (a redraw)
        style["legend_frame"] = bool(rng.random() < 0.7)
        if chart_type in ("pie", "donut"):
            # Pie labels sit on the wedges or in a legend beside the pie (a legend on it hides wedges).
            style["pie_labels"] = _choice(rng, ["wedges", "legend"], p=[0.6, 0.4])
            if style["pie_labels"] == "wedges":
                style["legend"] = "none"
            elif not style["legend"].startswith("outside"):
                style["legend"] = "outside right"

    def _style_value_labels(self, rng, chart_type, table, style):
        allowed = chart_type not in ("scatter", "stacked_area")
        n_points = len(table.rows) * len(table.series)
        if chart_type in ("line", "multi_line", "area") and n_points > 24:
            allowed = False
        if chart_type == "multi_line" and len(table.series) > 2:
            allowed = False  # labels of three or more crossing lines collide
        p = 0.8 if chart_type in ("pie", "donut") else self.options.value_label_probability
        style["value_labels"] = bool(allowed and rng.random() < p)

    def _style_ticks(self, rng, chart_type, table, style):
        style["number_format"] = _number_format(rng, chart_type, table)
        rotations = [0, 30, 45, 90]
        rotation = int(_choice(rng, rotations, p=[0.7, 0.1, 0.15, 0.05])) if chart_type in _CATEGORICAL_X else 0
        if rotation == 0 and chart_type in _CATEGORICAL_X and not _labels_fit_flat(table, style):
            rotation = int(_choice(rng, [45, 90], p=[0.8, 0.2]))  # saves the redraw a repair would cost
        style["x_rotation"] = rotation
        style["tick_direction"] = _choice(rng, ["out", "in"], p=[0.75, 0.25])
        style["x_tick_step"] = 1
        style["wrap"] = 0

    def _style_spines(self, rng, chart_type, table, style):
        style["spines"] = _choice(rng, ["all", "open", "left_bottom_none", "bottom"], p=[0.4, 0.35, 0.1, 0.15])
        if style["spines"] == "left_bottom_none":
            style["spines"] = "none"

    def _style_background(self, rng, chart_type, table, style):
        if rng.random() < 0.5:
            style["background"] = None
            style["axes_background"] = None
            return
        pool = _DARK_BACKGROUNDS if style["theme"] in DARK_THEMES else _LIGHT_BACKGROUNDS
        fig_bg = _choice(rng, pool)
        style["background"] = fig_bg
        style["axes_background"] = fig_bg if rng.random() < 0.6 else _choice(rng, pool)

    def _style_marks(self, rng, chart_type, table, style):
        n = max(len(table.series), 1)
        markers = list(_MARKERS)
        start = int(rng.integers(len(markers)))
        use_markers = rng.random() < (0.9 if chart_type == "scatter" else 0.55)
        style["markers"] = [markers[(start + i) % len(markers)] if use_markers or chart_type == "scatter" else "" for i in range(n)]
        dashed = rng.random() < 0.3
        style["line_styles"] = [_LINE_STYLES[i % len(_LINE_STYLES)] if dashed else "-" for i in range(n)]
        style["line_width"] = _round_to(float(rng.uniform(1.2, 3.0)), 1)
        style["marker_size"] = _round_to(float(rng.uniform(4.0, 8.0)), 1)
        style["bar_width"] = _round_to(float(rng.uniform(0.55, 0.85)), 2)
        style["bar_edge"] = _choice(rng, ["none", "white", "dark"], p=[0.6, 0.25, 0.15])
        style["area_alpha"] = _round_to(float(rng.uniform(0.35, 0.8)), 2)
        style["start_angle"] = int(_choice(rng, [0, 90, 140]))
        style["donut_width"] = _round_to(float(rng.uniform(0.3, 0.5)), 2)
        style["scatter_alpha"] = _round_to(float(rng.uniform(0.6, 1.0)), 2)

    def _style_title(self, rng, chart_type, table, style):
        style["title_shown"] = bool(table.title) and bool(rng.random() < self.options.title_probability)
        style["title_loc"] = _choice(rng, ["center", "left"], p=[0.75, 0.25])
        # a title that clearly will not fit on one line starts wrapped (saves a repair's redraw)
        wide = style["title_weight"] == "bold" or "Mono" in style["font_family"]
        em = (0.6 if wide else 0.53) * style["font_px"] * style["title_scale"]
        room = 0.92 * style["_width"]
        if style.get("legend") == "outside right":  # the title spans the axes only, not the legend beside them
            names = table.labels() if chart_type in ("pie", "donut") else [c.name for c in table.series]
            legend_px = (max(map(len, names), default=0) * 0.6 + 3.0) * style["font_px"] * style["legend_scale"]
            room = max(room - legend_px, 0.4 * style["_width"])
        lines = math.ceil(len(table.title) * em / room) if style["title_shown"] else 1
        style["title_lines"] = max(1, min(lines, 3, len(table.title.split())))

    def _style_axis_labels(self, rng, chart_type, table, style):
        if chart_type in ("pie", "donut"):
            style["x_label"] = style["y_label"] = False
            return
        style["x_label"] = bool(rng.random() < 0.6)
        style["y_label"] = bool(rng.random() < 0.75)

    def _style_subtitle(self, rng, chart_type, table, style):
        from factory.generators.engine_specs import subtitle_axis

        subtitle_axis(rng, table, style)

    def _style_note(self, rng, chart_type, table, style):
        from factory.generators.engine_specs import note_axis

        note_axis(rng, style)
        if style["note"] and style.get("legend") == "outside bottom":
            style["legend"] = "outside right"  # the note takes the figure's bottom line

    def _style_reference_line(self, rng, chart_type, table, style):
        from factory.generators.engine_specs import reference_axis

        reference_axis(rng, chart_type, table, style, _REFERENCE_TYPES)

    def _style_highlight(self, rng, chart_type, table, style):
        from factory.generators.engine_specs import highlight_axis

        highlight_axis(rng, chart_type, table, style, _HIGHLIGHT_TYPES)

    def _style_logo(self, rng, chart_type, table, style):
        from factory.generators.engine_specs import logo_axis

        logo_axis(rng, style)

    def _style_callout(self, rng, chart_type, table, style):
        from factory.generators.engine_specs import callout

        callout(rng, chart_type, table, style, _CALLOUT_TYPES)
        if style["value_labels"] and style["callout"] != "none":
            # its arrow runs through the value label of the very point it names: the legibility
            # check dropped every such callout after a draw (10 of 10 in 400 charts); the draws of
            # `callout` are kept, so every other choice stays as it was
            style["callout"] = "none"
            style.pop("callout_row", None)
            style.pop("callout_text", None)

    def _style_currency(self, rng, chart_type, table, style):
        from factory.generators.engine_specs import currency_symbol

        style["currency"] = ""
        symbol = currency_symbol(table) if chart_type not in ("pie", "donut", "histogram") else None
        numbers = [abs(v) for r in table.rows for v in r[1:] if isinstance(v, (int, float)) and math.isfinite(v)]
        if symbol and numbers and max(numbers) >= 10 and rng.random() < 0.5:
            style["number_format"] = "currency"
            style["currency"] = symbol

    # -- description --------------------------------------------------------------------------

    def describe(self, spec: ChartSpec) -> dict[str, Any]:
        return {
            "engine": spec.engine,
            "chart_type": spec.chart_type,
            "width": spec.width_px,
            "height": spec.height_px,
            "dpi": spec.dpi,
            "style": to_jsonable(spec.style),
            "repairs": list(spec.repairs),
            "table": {
                "title": spec.table.title,
                "columns": to_jsonable(spec.table.columns),
                "rows": to_jsonable(spec.table.rows),
                "facts": to_jsonable(spec.table.facts),
            },
        }


_CATEGORICAL_X = {"bar", "grouped_bar", "stacked_bar", "line", "multi_line", "area", "stacked_area", "negative_bar"}


def exact_px(px: int, dpi: int) -> int:
    """The smallest multiple of 8 >= px that Matplotlib turns back into exactly that many pixels.

    A figure is px/dpi inches wide and Agg truncates inches*dpi, so some sizes come out a pixel
    short; those are skipped.
    """
    px = int(math.ceil(px / 8) * 8)
    while int(px / dpi * dpi) != px:
        px += 8
    return px


def _labels_fit_flat(table: Table, style: dict[str, Any]) -> bool:
    """Rough guess whether the category labels fit side by side unrotated (0.6 em per character)."""
    labels = table.labels()
    if not labels:
        return True
    char_px = 0.6 * style["font_px"] * style["tick_scale"]
    slot = 0.8 * style["_width"] / len(labels)
    return max(len(t) for t in labels) * char_px + 6 < slot


def _colours_needed(chart_type: str, table: Table) -> int:
    if chart_type in ("pie", "donut"):
        return len(table.rows)
    if chart_type == "negative_bar":
        return 2
    return max(len(table.series), 1)


def _number_format(rng: np.random.Generator, chart_type: str, table: Table) -> str:
    """How the value axis writes numbers; only formats that cannot misstate the data qualify."""
    if chart_type in ("pie", "donut"):
        return "none"
    numbers = [v for r in table.rows for v in r[1:] if isinstance(v, (int, float)) and v is not None and math.isfinite(v)]
    if chart_type in ("stacked_bar", "stacked_area"):
        numbers = numbers + [sum(v for v in r[1:] if v is not None) for r in table.rows]
    options = ["auto", "plain"]
    if numbers:
        top = max(abs(v) for v in numbers)
        span = max(numbers) - min(min(numbers), 0)
        if top >= 1000 and span >= 50:
            options.append("thousands")
        if top >= 10_000 and span >= 10_000:
            options.append("compact")
    series = [c for c in table.series] if chart_type != "histogram" else []
    if series and all(c.percent for c in series):
        options.append("percent")
    return _choice(rng, options)


def _histogram_table(rng: np.random.Generator, source: Table, data: np.ndarray | None = None) -> Table:
    """Values binned: the table holds what is drawn. `data`: the user's column, binned as it is;
    without it, generated tables get raw values drawn around their measure."""
    column = source.series[0] if source.series else Column("Value")
    if data is not None:
        shape, raw = "data", np.asarray(data, dtype=float)
        n = len(raw)
    else:
        values = [v for v in source.values(0) if v is not None] if source.series else []
        centre = float(np.median(values)) if values else 50.0
        spread = float(np.std(values)) if len(values) > 1 else 0.0
        if not math.isfinite(centre) or centre <= 0:
            centre = 50.0
        spread = max(spread, abs(centre) * 0.15, 1e-3)
        n = int(rng.integers(60, 600))
        shape = _choice(rng, ["normal", "skewed", "uniform", "bimodal"])
        if shape == "normal":
            raw = rng.normal(centre, spread, n)
        elif shape == "skewed":
            raw = centre * rng.lognormal(0.0, 0.5, n)
        elif shape == "uniform":
            raw = rng.uniform(max(centre - 2 * spread, 0.0), centre + 2 * spread, n)
        else:
            raw = np.concatenate([rng.normal(centre - spread, spread / 2, n // 2), rng.normal(centre + spread, spread / 2, n - n // 2)])
        raw = np.clip(raw, 0.0, None)
    k = int(rng.integers(5, 11))
    width = _nice_step((float(raw.max()) - float(raw.min())) / k)
    lo = math.floor(float(raw.min()) / width) * width
    hi = math.ceil(float(raw.max()) / width) * width
    if hi <= lo:
        hi = lo + width
    nbins = max(1, int(round((hi - lo) / width)))
    decimals = _decimals_of(width)
    edges = [round(lo + i * width, decimals) for i in range(nbins + 1)]
    if any(b <= a for a, b in zip(edges, edges[1:])):
        raise Dropped("table_unfit", f"values of '{column.name}' are too close together to bin at {decimals} decimals")
    counts, _ = np.histogram(raw, bins=edges)
    edge_col = Column("edge", decimals=decimals)
    texts = [format_value(e, edge_col) for e in edges]
    name = column.name
    rows = [[f"{texts[i]}-{texts[i + 1]}", float(c)] for i, c in enumerate(counts)]
    title = f"Distribution of {_strip_unit(name)}"
    facts = {
        "label_kind": "bins",
        "distribution": shape,
        "samples": n,
        "bin_width": width,
        "edges": [float(e) for e in edges],
        "edge_decimals": decimals,
        "source_title": source.title,
        **({"source": "user", "file": source.facts["file"], "column": name} if data is not None else {}),
    }
    return Table(title, [Column(name, kind="label", unit=column.unit), Column("Count", decimals=0)], rows, facts)


def _strip_unit(name: str) -> str:
    return name.split(" (")[0].strip() or name


def _nice_step(raw: float) -> float:
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * 10.0**exp
        if step >= raw * 0.999:
            return float(f"{step:.12g}")
    return float(f"{10.0 ** (exp + 1):.12g}")


def _decimals_of(step: float) -> int:
    for d in range(0, 7):
        if abs(round(step, d) - step) < 1e-9 * max(1.0, abs(step)):
            return d
    return 6
