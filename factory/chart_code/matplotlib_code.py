"""Matplotlib code for a chart spec: the one place a spec becomes drawing instructions.

The renderer executes `figure_code(spec).body` on its own Figure and the chart-to-code target is
`chart_script(spec)`, the same body wrapped in imports and `savefig`. Because both run the very
same statements under the same style and rcParams, the script redraws the sample pixel for pixel.
Every number written on the chart comes from `factory.tabular.format_value`, as in the targets.
"""

from __future__ import annotations

import functools
import textwrap
from dataclasses import dataclass
from typing import Any

from factory.chart_code.colours import TEXT_AIM, ink_for, readable
from factory.chart_code.placement import balanced_lines, drawn_value_texts, histogram_edges, label_sides, reference_at, value_texts
from factory.tabular import Table

SALT = "render-factory"
# Part of Matplotlib's font-lookup cache key too, so constant: every text has an explicit size.
BASE_FONT_SIZE = 10.0
# Never consulted (charts name their family) but part of Matplotlib's font-lookup cache key, and
# themes change them: fixed, they keep that cache warm across themes (a miss costs ~15 ms).
GENERIC_FONTS = {
    "font.serif": ["DejaVu Serif"],
    "font.sans-serif": ["DejaVu Sans"],
    "font.monospace": ["DejaVu Sans Mono"],
    "font.cursive": ["DejaVu Sans"],
    "font.fantasy": ["DejaVu Sans"],
}
# Characters numeric tick labels may use (digits, separators, unicode minus, SI prefixes, %).
TICK_CHARS = "0123456789.,%-+ekMGTµm"
MINUS = "\u2212"
SUBTITLE_SCALE = 0.9
SUBTITLE_GAP_PT = 5
HIGHLIGHT_REST = "#c4c4c4"  # the bars beside a highlighted one


@dataclass(frozen=True)
class FigureCode:
    """What it takes to draw a spec: a style sheet, rcParams on top, and statements using `fig`."""

    theme: str
    rc: dict[str, Any]
    body: str
    width_px: int
    height_px: int
    dpi: int
    uses_ticker: bool

    @property
    def figsize(self) -> tuple[float, float]:
        return (self.width_px / self.dpi, self.height_px / self.dpi)

    @property
    def figsize_code(self) -> str:
        return f"({self.width_px} / {self.dpi}, {self.height_px} / {self.dpi})"

    @property
    def styles(self) -> list[str]:
        """Style sheets in order: matplotlib's defaults first, so a user's matplotlibrc never leaks in."""
        return ["default"] if self.theme == "default" else ["default", self.theme]


def figure_code(spec: Any) -> FigureCode:
    builder = _Builder(spec)
    body = builder.build()
    return FigureCode(spec.style["theme"], rc_params(spec), body, spec.width_px, spec.height_px, spec.dpi, builder.uses_ticker)


def chart_script(spec: Any) -> str:
    """A self-contained script that writes chart.png: the very image of the sample."""
    code = figure_code(spec)
    title = spec.table.title.replace("\n", " ").strip() or "untitled"
    header = [
        f'"""{_docstring_safe(title)}: {spec.chart_type.replace("_", " ")} chart, {spec.width_px}x{spec.height_px} px."""',
        "import matplotlib",
        "",
        'matplotlib.use("Agg")',
        "import matplotlib.pyplot as plt",
        "import numpy as np",
    ]
    if code.uses_ticker:
        header.append("from matplotlib import ticker")
    styles = code.styles
    header += [
        "",
        f"plt.style.use({styles[0]!r})" if len(styles) == 1 else f"plt.style.use({styles!r})",
        "plt.rcParams.update({",
        *[f"    {k!r}: {v!r}," for k, v in code.rc.items()],
        "})",
        "",
        f'fig = plt.figure(figsize={code.figsize_code}, dpi={code.dpi}, layout="constrained")',
    ]
    footer = [
        "",
        f'fig.savefig("chart.png", dpi={code.dpi}, facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor(), transparent=False)',
        "",
    ]
    return "\n".join(header) + "\n" + code.body + "\n".join(footer)


def _docstring_safe(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''")


def font_points(spec: Any, scale: float = 1.0) -> float:
    """A text size in whole points.

    Matplotlib caches font lookups per exact size, and a lookup that misses scores every installed
    font (hundreds with Noto, ~15 ms): a few sizes keep that cache warm, continuous sizes never do.
    """
    return float(max(5, round(spec.style["font_px"] * scale * 72.0 / spec.dpi)))


def rc_params(spec: Any) -> dict[str, Any]:
    s = spec.style
    grid = s["grid"]
    horizontal = spec.chart_type == "barh"
    value_axis, category_axis = ("x", "y") if horizontal else ("y", "x")
    axis = {"value": value_axis, "category": category_axis, "both": "both"}.get(grid, "both")
    spines = {
        "all": (True, True, True, True),
        "open": (True, False, True, False),  # left, right, bottom, top
        "none": (False, False, False, False),
        "bottom": (False, False, True, False),
    }[s["spines"]]
    if spec.chart_type in ("pie", "donut"):
        spines = (False, False, False, False)
    rc: dict[str, Any] = {
        "font.family": s["font_family"],
        **GENERIC_FONTS,
        "font.size": BASE_FONT_SIZE,  # every text below gets its own size
        "mathtext.fontset": "dejavusans",
        "axes.titlesize": font_points(spec, s["title_scale"]),
        "axes.titleweight": s["title_weight"],
        "axes.titley": 1.0,
        "axes.labelsize": font_points(spec),
        "xtick.labelsize": font_points(spec, s["tick_scale"]),
        "ytick.labelsize": font_points(spec, s["tick_scale"]),
        "legend.fontsize": font_points(spec, s["legend_scale"]),
        "legend.title_fontsize": font_points(spec, s["legend_scale"]),
        "legend.frameon": s["legend_frame"],
        "axes.grid": grid != "none",
        "axes.grid.axis": axis,
        "grid.linestyle": s["grid_linestyle"],
        "grid.alpha": s["grid_alpha"],
        "axes.axisbelow": True,
        "axes.spines.left": spines[0],
        "axes.spines.right": spines[1],
        "axes.spines.bottom": spines[2],
        "axes.spines.top": spines[3],
        "xtick.major.pad": s.get("tick_pad", 3.5),
        "ytick.major.pad": s.get("tick_pad", 3.5),
        "xtick.direction": s["tick_direction"],
        "ytick.direction": s["tick_direction"],
        "axes.unicode_minus": bool(s.get("unicode_minus", True)),
        "svg.hashsalt": SALT,
    }
    if spec.chart_type in ("pie", "donut"):
        rc["axes.grid"] = False
    if s.get("background"):
        rc["figure.facecolor"] = s["background"]
        rc["axes.facecolor"] = s["axes_background"] or s["background"]
    rc.update(_legible_text_colors(s["theme"], rc.get("figure.facecolor"), rc.get("axes.facecolor")))
    return rc


def backgrounds(spec: Any) -> tuple[str, str]:
    """(figure, axes) background colours as drawn: the spec's, else its style sheet's."""
    import matplotlib
    import matplotlib.style
    from matplotlib.colors import to_hex

    s = spec.style
    if s.get("background"):
        return s["background"], s.get("axes_background") or s["background"]
    sheet = matplotlib.style.library.get(s["theme"], {}) if s["theme"] != "default" else {}
    fig = sheet.get("figure.facecolor", matplotlib.rcParamsDefault["figure.facecolor"])
    axes = sheet.get("axes.facecolor", matplotlib.rcParamsDefault["axes.facecolor"])
    return to_hex(fig), to_hex(axes)


TEXT_COLOR_KEYS = ("text.color", "axes.labelcolor", "xtick.color", "ytick.color")


@functools.lru_cache(maxsize=None)
def _legible_text_colors(theme: str, figure_bg: str | None, axes_bg: str | None) -> dict[str, str]:
    """Text colours of the theme moved (lightness only) until they reach `TEXT_AIM` (7:1) on the
    figure's and the axes' backgrounds, as Plotly's and Vega-Lite's theme greys do: small tick
    labels never draw at their colour (ggplot's #555 ticks, 5.9:1, drew a '−0.2' at 4.4:1).
    Only colours that fall short are overridden (Solarize_Light2's #657b83 reads at 3.6:1)."""
    import matplotlib
    import matplotlib.style
    from matplotlib.colors import to_hex

    params = dict(matplotlib.rcParamsDefault)
    if theme != "default":
        params.update(matplotlib.style.library.get(theme, {}))
    backgrounds = (to_hex(figure_bg or params["figure.facecolor"]), to_hex(axes_bg or params["axes.facecolor"]))
    out = {}
    for key in TEXT_COLOR_KEYS:
        color = to_hex(params[key])
        moved = readable(color, backgrounds, TEXT_AIM)
        if moved != color:
            out[key] = moved
    return out


def escape(text: str) -> str:
    """Text as Matplotlib must be given it to show it literally (no mathtext)."""
    return text.replace("$", r"\$")


def _wrap(text: str, width: int) -> str:
    if width and len(text) > width and " " in text:
        return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
    return text


def category_labels(spec: Any) -> list[str]:
    """Row labels as drawn (wrapped when a repair asked for it)."""
    return [_wrap(t, spec.style.get("wrap", 0)) for t in spec.table.labels()]


def series_names(spec: Any) -> list[str]:
    return [_wrap(c.name, spec.style.get("name_wrap", 0)) for c in spec.table.series]


def title_text(spec: Any) -> str:
    return balanced_lines(spec.table.title, int(spec.style.get("title_lines", 1)))


# Where a line chart's value label sits against its point: offset (points), ha, va.
LABEL_PLACES = {
    "above": ((0, 6), "center", "bottom"),
    "below": ((0, -6), "center", "top"),
    "left": ((-4, 5), "right", "bottom"),
    "right": ((4, 5), "left", "bottom"),
}


def axis_titles(spec: Any) -> tuple[str, str]:
    """(x title, y title) as drawn (wrapped like series names); '' when hidden or absent."""
    table, s = spec.table, spec.style
    label_name = table.label_column.name
    if spec.chart_type == "histogram":
        value_name = table.series[0].name
    elif len(table.series) == 1:
        value_name = table.series[0].name
    else:
        units = {c.unit for c in table.series}
        value_name = units.pop() if len(units) == 1 else ""
    if spec.chart_type in ("pie", "donut"):
        return "", ""
    width = spec.style.get("name_wrap", 0)
    x, y = (_wrap(label_name, width), _wrap(value_name, width))
    if spec.chart_type == "barh":
        x, y = y, x
    return (x if s.get("x_label") else ""), (y if s.get("y_label") else "")


def chart_texts(spec: Any) -> list[str]:
    """Every string the chart draws (before mathtext escaping), for glyph coverage checks."""
    ticks = TICK_CHARS + (MINUS if spec.style.get("unicode_minus", True) else "")
    texts = [spec.table.title, *axis_titles(spec), *spec.table.labels(), *(c.name for c in spec.table.series), ticks]
    if spec.style.get("value_labels"):
        for i in range(len(spec.table.series)):
            texts += value_texts(spec.table, i)
    if spec.chart_type == "histogram":
        texts += histogram_edges(spec)[1]
    s = spec.style
    texts += [s.get("subtitle") or "", s.get("note") or "", s.get("reference_text") or "", s.get("currency") or ""]
    if s.get("callout", "none") != "none":
        texts.append(s["callout_text"])
    if s.get("logo", "none") != "none":
        from factory.generators.engine_specs import logo_label

        texts.append(logo_label(s))
    return [t for t in texts if t]


def _num(value: Any) -> str:
    if value is None:
        return "np.nan"
    return repr(float(value))


def _nums(values: list[Any]) -> str:
    return "[" + ", ".join(_num(v) for v in values) + "]"


def _strs(values: list[str]) -> str:
    return "[" + ", ".join(repr(escape(v)) for v in values) + "]"


class _Builder:
    """Emits the statements of one chart; readable code is part of the chart-to-code target."""

    def __init__(self, spec: Any):
        self.spec = spec
        self.s = spec.style
        self.table: Table = spec.table
        self.lines: list[str] = []
        self.uses_ticker = False

    def emit(self, *lines: str) -> None:
        self.lines.extend(lines)

    def build(self) -> str:
        kind = self.spec.chart_type
        self.emit("ax = fig.add_subplot()")
        getattr(self, f"_draw_{kind}")()
        self._titles()
        self._furniture()
        self._number_format()
        self._legend()
        return "\n".join(self.lines) + "\n"

    # -- shared pieces --------------------------------------------------------------------------

    @property
    def vsize(self) -> float:
        return font_points(self.spec, self.s["value_scale"])

    def _bar_colours(self) -> str:
        """One colour, or, with a highlighted bar, the palette's colour on it and grey on the rest."""
        hi = int(self.s.get("highlight", -1))
        if hi < 0:
            return repr(self.s["colors"][0])
        return repr([self.s["colors"][0] if i == hi else HIGHLIGHT_REST for i in range(len(self.table.rows))])

    def _edge(self) -> str:
        return {"none": "none", "white": "white", "dark": "#333333"}[self.s["bar_edge"]]

    def _series_dict(self) -> None:
        self.emit("series = {")
        for i, name in enumerate(series_names(self.spec)):
            self.emit(f"    {escape(name)!r}: {_nums(self.table.values(i))},")
        self.emit("}")

    def _value_label_dict(self) -> None:
        self.emit("value_labels = {")
        for i, name in enumerate(series_names(self.spec)):
            self.emit(f"    {escape(name)!r}: {_strs(drawn_value_texts(self.spec, i))},")
        self.emit("}")

    def _categories(self, axis: str = "x") -> None:
        self.emit(f"labels = {_strs(category_labels(self.spec))}", f"{axis} = np.arange(len(labels))")

    def _category_ticks(self, axis: str = "x") -> None:
        step = int(self.s.get("x_tick_step", 1)) if axis == "x" else 1
        sl = f"[::{step}]" if step > 1 else ""
        rot = int(self.s.get("x_rotation", 0)) if axis == "x" else 0
        extra = ""
        if rot and rot != 90:
            extra = f', rotation={rot}, ha="right", rotation_mode="anchor"'
        elif rot == 90:
            extra = ", rotation=90"
        self.emit(f"ax.set_{axis}ticks({axis}{sl}, labels{sl}{extra})")

    def _numeric_x_ticks(self) -> None:
        step = int(self.s.get("x_tick_step", 1))
        if step > 1:
            self.uses_ticker = True
            self.emit(f"ax.xaxis.set_major_locator(ticker.MaxNLocator({max(2, 8 // step)}))")
        rot = int(self.s.get("x_rotation", 0))
        if rot:
            self.emit(f'ax.tick_params(axis="x", labelrotation={rot})')

    def _bar_labels(self, bars: str, texts: str, **kw: str) -> None:
        extra = "".join(f", {k}={v}" for k, v in kw.items())
        self.emit(f"ax.bar_label({bars}, labels={texts}, padding=2, fontsize={self.vsize}{extra})")

    def _inside_labels(self, horizontal: bool = False) -> None:
        """Value labels an average line ran through (`style["inside_labels"]`: rows), moved inside
        their bar against its end, in black or white, whichever reads on the bar's colour."""
        rows = [int(r) for r in self.s.get("inside_labels", ())]
        if not rows:
            return
        hi = int(self.s.get("highlight", -1))
        values = self.table.values(0)
        inside = {}
        for r in rows:
            fill = self.s["colors"][0] if hi < 0 or r == hi else HIGHLIGHT_REST
            inside[r] = (ink_for(fill), 1 if (values[r] or 0) < 0 else -1)
        self.emit(f"for i, (color, sign) in {inside!r}.items():  # inside the bar, against its end")
        if horizontal:
            self.emit('    value_texts[i].xyann = (3 * sign, 0)', '    value_texts[i].set_ha("right" if sign < 0 else "left")')
        else:
            self.emit('    value_texts[i].xyann = (0, 3 * sign)', '    value_texts[i].set_va("top" if sign < 0 else "bottom")')
        self.emit("    value_texts[i].set_color(color)")

    def _titles(self) -> None:
        title = title_text(self.spec)
        if title and self.s.get("subtitle"):  # the subtitle sits between the title and the plot
            # the title's baseline sits `pad` above the plot: its descenders hang below it
            pad = round(SUBTITLE_GAP_PT + font_points(self.spec, SUBTITLE_SCALE) * 1.45 + font_points(self.spec, self.s["title_scale"]) * 0.3 + 2, 1)
            self.emit(f'ax.set_title({escape(title)!r}, loc="{self.s["title_loc"]}", pad={pad})')
        elif title:
            self.emit(f'ax.set_title({escape(title)!r}, loc="{self.s["title_loc"]}")')
        x, y = axis_titles(self.spec)
        if x:
            self.emit(f"ax.set_xlabel({escape(x)!r})")
        if y:
            self.emit(f"ax.set_ylabel({escape(y)!r})")

    # -- furniture ------------------------------------------------------------------------------

    def _furniture(self) -> None:
        """Subtitle, reference line, callout, note and brand mark; each text named by its gid so
        the renderer knows it (and a repair can drop it). Colours reach 7:1 on their background
        (colours.TEXT_AIM: small text draws lighter than its colour)."""
        s, spec = self.s, self.spec
        paper, plot = backgrounds(spec)
        if s.get("subtitle") and title_text(spec):
            x, ha = ("0", "left") if s["title_loc"] == "left" else ("0.5", "center")
            self.emit(f'ax.annotate({escape(s["subtitle"])!r}, ({x}, 1), xycoords="axes fraction", xytext=(0, {SUBTITLE_GAP_PT}), '
                      f'textcoords="offset points", ha="{ha}", va="bottom", fontsize={font_points(spec, SUBTITLE_SCALE)}, '
                      f'color="{readable("#555555", (paper,), TEXT_AIM)}", gid="subtitle")')  # fmt: skip
        if s.get("reference_line", "none") == "average":
            accent = readable("#d62728", (paper, plot), TEXT_AIM)
            v, text, size = s["reference_value"], escape(s["reference_text"]), font_points(spec, 0.8)
            box = f'{{"boxstyle": "square,pad=0.15", "fc": "{plot}", "ec": "none"}}'  # readable over a bar
            start = reference_at(spec) == "start"  # moved to the line's near end by a repair (move_reference_text)
            if spec.chart_type == "barh":
                y, dy, va = ("0", 3, "bottom") if start else ("1", -3, "top")
                self.emit(f'ax.axvline({v!r}, color="{accent}", linestyle="--", linewidth=1.2, zorder=3)',
                          f'ax.annotate({text!r}, ({v!r}, {y}), xycoords=("data", "axes fraction"), xytext=(3, {dy}), textcoords="offset points", '
                          f'ha="left", va="{va}", fontsize={size}, color="{accent}", bbox={box}, gid="reference")')  # fmt: skip
            else:
                x, dx, ha = ("0", 3, "left") if start else ("1", -3, "right")
                self.emit(f'ax.axhline({v!r}, color="{accent}", linestyle="--", linewidth=1.2, zorder=3)',
                          f'ax.annotate({text!r}, ({x}, {v!r}), xycoords=("axes fraction", "data"), xytext=({dx}, 3), textcoords="offset points", '
                          f'ha="{ha}", va="bottom", fontsize={size}, color="{accent}", bbox={box}, gid="reference")')  # fmt: skip
        if s.get("callout", "none") != "none":
            from factory.generators.engine_specs import callout_above

            row = int(s["callout_row"])
            ink = ink_for(plot)
            up = callout_above(spec)
            self.emit("ax.margins(y=0.25)")  # headroom: the label stays inside the axes, clear of the title
            self.emit(f'ax.annotate({escape(s["callout_text"])!r}, ({row}, {_num(self.table.rows[row][1])}), xytext=(0, {30 if up else -30}), '
                      f'textcoords="offset points", ha="center", va="{"bottom" if up else "top"}", fontsize={font_points(spec, 0.85)}, '
                      f'fontweight="bold", color="{ink}", arrowprops={{"arrowstyle": "-|>", "color": "{ink}", "lw": 1.0, "shrinkA": 0, "shrinkB": 3}}, '
                      f'bbox={{"boxstyle": "round,pad=0.2", "fc": "{plot}", "ec": "none"}}, gid="callout")')  # fmt: skip
        note, logo = s.get("note") or "", s.get("logo", "none")
        muted = readable("#6b6b6b", (paper,), TEXT_AIM)
        small = font_points(spec, 0.8)
        if note:  # the figure's bottom line, space kept for it by the constrained layout
            self.emit(f'fig.supxlabel({escape(note)!r}, x=0.01, ha="left", fontsize={small}, color="{muted}", gid="note")')
        if logo != "none":
            from factory.generators.engine_specs import logo_label

            text = escape(logo_label(s))
            kw = f'fontsize={font_points(spec, 0.75)}, fontweight="bold", color="{muted}", gid="logo"'
            if logo.startswith("top"):
                self.emit(f'ax.annotate({text!r}, (1, 1), xycoords="axes fraction", xytext=(0, {SUBTITLE_GAP_PT}), textcoords="offset points", '
                          f'ha="right", va="bottom", {kw})')  # fmt: skip
            elif note:  # on the note's line, at the right
                self.emit(f'fig.text(0.99, 0.01, {text!r}, ha="right", va="bottom", {kw})')
            else:
                self.emit(f'fig.supxlabel({text!r}, x=0.99, ha="right", {kw})')

    def _number_format(self) -> None:
        fmt = self.s.get("number_format", "auto")
        axis = "x" if self.spec.chart_type == "barh" else "y"
        if fmt == "plain":
            self.emit(f'ax.ticklabel_format(axis="{axis}", style="plain", useOffset=False)')
        elif fmt == "thousands":
            self.uses_ticker = True
            self.emit(f'ax.{axis}axis.set_major_formatter(ticker.StrMethodFormatter("{{x:,.0f}}"))')
        elif fmt == "compact":
            self.uses_ticker = True
            self.emit(f'ax.{axis}axis.set_major_formatter(ticker.EngFormatter(sep=""))')
        elif fmt == "percent":
            self.uses_ticker = True
            self.emit(f"ax.{axis}axis.set_major_formatter(ticker.PercentFormatter(xmax=100))")
        elif fmt == "currency":
            self.uses_ticker = True
            minus = MINUS if self.s.get("unicode_minus", True) else "-"
            sign = f'("{minus}" if v < 0 else "")'
            self.emit(f'ax.{axis}axis.set_major_formatter(ticker.FuncFormatter(lambda v, pos: {sign} + "{self.s["currency"]}" + format(abs(v), ",.10g")))')

    def _legend(self) -> None:
        where = self.s.get("legend", "none")
        if where == "none":
            return
        handles = "wedges, labels, " if self.spec.chart_type in ("pie", "donut") else ""
        n = len(self.table.rows) if handles else len(self.table.series)
        extra = ""
        if self.spec.chart_type == "scatter":  # a marker no taller than its legend row
            diameter = (self.s["marker_size"] ** 2 * 1.5) ** 0.5
            scale = min(1.0, 0.8 * font_points(self.spec, self.s["legend_scale"]) / diameter)
            extra = f", markerscale={round(scale, 2)}" if scale < 1.0 else ""
        if where == "outside right":
            self.emit(f'fig.legend({handles}loc="outside right upper"{extra})')
        elif where == "outside bottom":
            self.emit(f'fig.legend({handles}loc="outside lower center", ncols={min(n, 4)}{extra})')
        else:
            self.emit(f'ax.legend({handles}loc="{where}"{extra})')

    # -- chart types ----------------------------------------------------------------------------

    def _draw_bar(self) -> None:
        s = self.s
        self._categories()
        self.emit(f"values = {_nums(self.table.values(0))}")
        self.emit(
            f'bars = ax.bar(x, values, width={s["bar_width"]}, color={self._bar_colours()}, edgecolor="{self._edge()}")'
        )
        self._category_ticks()
        if s["value_labels"]:
            self._value_bar_labels()
            self._inside_labels()
            self.emit("ax.margins(y=0.1)")

    def _value_bar_labels(self) -> None:
        if self.s.get("inside_labels"):
            self.emit(f"value_texts = ax.bar_label(bars, labels={_strs(drawn_value_texts(self.spec, 0))}, padding=2, fontsize={self.vsize})")
        else:
            self._bar_labels("bars", _strs(drawn_value_texts(self.spec, 0)))

    def _draw_negative_bar(self) -> None:
        s = self.s
        pos, neg = s["colors"][0], s["colors"][1]
        self._categories()
        self.emit(f"values = {_nums(self.table.values(0))}")
        self.emit(f'colors = ["{pos}" if v >= 0 else "{neg}" for v in values]')
        self.emit(f'bars = ax.bar(x, values, width={s["bar_width"]}, color=colors, edgecolor="{self._edge()}")')
        self.emit('ax.axhline(0, color="#555555", linewidth=0.8)')
        self._category_ticks()
        if s["value_labels"]:
            self._bar_labels("bars", _strs(drawn_value_texts(self.spec, 0)))
            self.emit("ax.margins(y=0.12)")

    def _draw_barh(self) -> None:
        s = self.s
        self._categories("y")
        self.emit(f"values = {_nums(self.table.values(0))}")
        self.emit(
            f'bars = ax.barh(y, values, height={s["bar_width"]}, color={self._bar_colours()}, edgecolor="{self._edge()}")'
        )
        self._category_ticks("y")
        self.emit("ax.invert_yaxis()")
        if s["value_labels"]:
            self._value_bar_labels()
            self._inside_labels(horizontal=True)
            self.emit("ax.margins(x=0.15)")

    def _draw_grouped_bar(self) -> None:
        s = self.s
        self._categories()
        self._series_dict()
        if s["value_labels"]:
            self._value_label_dict()
        self.emit(f"colors = {s['colors'][: len(self.table.series)]!r}")
        self.emit(f"width = {s['bar_width']} / len(series)")
        self.emit("for i, (name, values) in enumerate(series.items()):")
        self.emit("    offset = (i - (len(series) - 1) / 2) * width")
        self.emit(f'    bars = ax.bar(x + offset, values, width, label=name, color=colors[i], edgecolor="{self._edge()}")')
        if s["value_labels"]:
            self.emit(f"    ax.bar_label(bars, labels=value_labels[name], padding=2, fontsize={self.vsize})")
        self._category_ticks()
        if s["value_labels"]:
            self.emit("ax.margins(y=0.1)")

    def _draw_stacked_bar(self) -> None:
        s = self.s
        colors = s["colors"][: len(self.table.series)]
        self._categories()
        self._series_dict()
        if s["value_labels"]:
            self._value_label_dict()
            self.emit(f"text_colors = {[ink_for(c) for c in colors]!r}")
        self.emit(f"colors = {colors!r}")
        self.emit("bottom = np.zeros(len(labels))")
        self.emit("for i, (name, values) in enumerate(series.items()):")
        self.emit(
            f'    bars = ax.bar(x, values, {s["bar_width"]}, bottom=bottom, label=name, color=colors[i], edgecolor="{self._edge()}")'
        )
        if s["value_labels"]:
            self.emit(
                f'    ax.bar_label(bars, labels=value_labels[name], label_type="center", fontsize={self.vsize}, color=text_colors[i])'
            )
        self.emit("    bottom += np.array(values)")
        self._category_ticks()

    def _line_kw(self, i: str = "i") -> str:
        s = self.s
        return (
            f"color=colors[{i}], linestyle=line_styles[{i}], marker=markers[{i}], "
            f"linewidth={s['line_width']}, markersize={s['marker_size']}"
        )

    def _line_styles(self) -> None:
        n = len(self.table.series)
        self.emit(f"colors = {self.s['colors'][:n]!r}")
        self.emit(f"line_styles = {self.s['line_styles'][:n]!r}")
        self.emit(f"markers = {self.s['markers'][:n]!r}")

    def _label_places(self) -> None:
        used = {side for i in range(len(self.table.series)) for side in label_sides(self.spec, i)}
        self.emit("places = {  # side: offset in points, horizontal and vertical alignment")
        for side, place in LABEL_PLACES.items():
            if side in used:
                self.emit(f"    {side!r}: {place!r},")
        self.emit("}")

    def _point_labels(self, values: str, texts: str, sides: str, indent: str = "") -> None:
        self.emit(
            f"{indent}for xi, yi, text, side in zip(x, {values}, {texts}, {sides}):",
            f"{indent}    offset, ha, va = places[side]",
            f'{indent}    ax.annotate(text, (xi, yi), xytext=offset, textcoords="offset points", ha=ha, va=va, fontsize={self.vsize})',
        )

    def _draw_line(self) -> None:
        self._categories()
        self.emit(f"values = {_nums(self.table.values(0))}")
        self._line_styles()
        self.emit(f"ax.plot(x, values, {self._line_kw('0')})")
        if self.s["value_labels"]:
            self._label_places()
            self._point_labels("values", _strs(drawn_value_texts(self.spec, 0)), repr(label_sides(self.spec, 0)))
            self.emit("ax.margins(y=0.1)")
        self._category_ticks()

    def _draw_multi_line(self) -> None:
        self._categories()
        self._series_dict()
        if self.s["value_labels"]:
            self._value_label_dict()
            self.emit(f"label_sides = {[label_sides(self.spec, i) for i in range(len(self.table.series))]!r}")
            self._label_places()
        self._line_styles()
        self.emit("for i, (name, values) in enumerate(series.items()):")
        self.emit(f"    ax.plot(x, values, label=name, {self._line_kw()})")
        if self.s["value_labels"]:
            self._point_labels("values", "value_labels[name]", "label_sides[i]", indent="    ")
        if self.s["value_labels"]:
            self.emit("ax.margins(y=0.1)")
        self._category_ticks()

    def _draw_area(self) -> None:
        s = self.s
        self._categories()
        self.emit(f"values = {_nums(self.table.values(0))}")
        self._line_styles()
        self.emit(f"ax.fill_between(x, values, color=colors[0], alpha={s['area_alpha']}, linewidth=0)")
        self.emit(f"ax.plot(x, values, {self._line_kw('0')})")
        if s["value_labels"]:
            self._label_places()
            self._point_labels("values", _strs(drawn_value_texts(self.spec, 0)), repr(label_sides(self.spec, 0)))
            self.emit("ax.margins(y=0.1)")
        self._category_ticks()

    def _draw_stacked_area(self) -> None:
        s = self.s
        self._categories()
        self._series_dict()
        self.emit(f"colors = {s['colors'][: len(self.table.series)]!r}")
        self.emit(f"ax.stackplot(x, *series.values(), labels=list(series), colors=colors, alpha={s['area_alpha']})")
        self._category_ticks()

    def _draw_scatter(self) -> None:
        s = self.s
        self.emit(f"x = {_nums([r[0] for r in self.table.rows])}")
        self._series_dict()
        n = len(self.table.series)
        self.emit(f"colors = {s['colors'][:n]!r}")
        self.emit(f"markers = {[m or 'o' for m in s['markers'][:n]]!r}")
        self.emit("for i, (name, values) in enumerate(series.items()):")
        self.emit(
            f"    ax.scatter(x, values, label=name, color=colors[i], marker=markers[i], "
            f"s={round(s['marker_size'] ** 2 * 1.5, 1)}, alpha={s['scatter_alpha']})"
        )
        self._numeric_x_ticks()

    def _draw_histogram(self) -> None:
        s = self.s
        edges, texts = histogram_edges(self.spec)
        step = int(s.get("x_tick_step", 1))
        self.emit(f"edges = {_nums(edges)}")
        self.emit(f"edge_labels = {_strs(texts)}")
        self.emit(f"counts = {_nums(self.table.values(0))}")
        edge = self._edge() if s["bar_edge"] != "none" else "white"
        self.emit(
            f'bars = ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="{s["colors"][0]}", '
            f'edgecolor="{edge}", linewidth=0.8)'
        )
        sl = f"[::{step}]" if step > 1 else ""
        rot = int(s.get("x_rotation", 0))
        extra = f', rotation={rot}, ha="right", rotation_mode="anchor"' if rot and rot != 90 else (", rotation=90" if rot else "")
        self.emit(f"ax.set_xticks(edges{sl}, edge_labels{sl}{extra})")
        if s["value_labels"]:
            self._bar_labels("bars", _strs(drawn_value_texts(self.spec, 0)))
            self.emit("ax.margins(y=0.1)")

    def _draw_pie(self, donut: bool = False) -> None:
        s = self.s
        n = len(self.table.rows)
        colors = s["colors"][:n]
        self.emit(f"labels = {_strs(category_labels(self.spec))}")
        self.emit(f"values = {_nums(self.table.values(0))}")
        self.emit(f"colors = {colors!r}")
        wedgeprops = {"edgecolor": "white", "linewidth": 1.0}
        if donut:
            wedgeprops["width"] = s["donut_width"]
        on_wedges = s.get("pie_labels", "wedges") == "wedges"
        label_arg = f'labels=labels, textprops={{"fontsize": {font_points(self.spec)}}}, ' if on_wedges else ""
        self.emit(
            f"wedges = ax.pie(values, {label_arg}colors=colors, startangle={s['start_angle']}, counterclock=False, "
            f"wedgeprops={wedgeprops!r})[0]"
        )
        if s["value_labels"]:
            radius = round(1 - s["donut_width"] / 2, 3) if donut else 0.65
            self.emit(f"value_labels = {_strs(drawn_value_texts(self.spec, 0))}")
            self.emit(f"text_colors = {[ink_for(c) for c in colors]!r}")
            self.emit(
                "for wedge, text, color in zip(wedges, value_labels, text_colors):",
                "    angle = np.deg2rad((wedge.theta1 + wedge.theta2) / 2)",
                f"    ax.text({radius} * np.cos(angle), {radius} * np.sin(angle), text, ha=\"center\", va=\"center\", "
                f"color=color, fontsize={self.vsize})",
            )

    def _draw_donut(self) -> None:
        self._draw_pie(donut=True)
