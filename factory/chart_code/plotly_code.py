"""Plotly figures for chart specs: the one place a spec becomes a Plotly figure.

`plotly_figure(spec)` gives the figure as plain JSON data (`data`, `layout`) and, per trace, what
its points are (kind, row, series) so the renderer can name every mark it measures.
`plotly_script(spec)` is the chart-to-code target: a Python script that builds the very same
figure with `plotly.graph_objects`; `render-factory render-chart script.py` draws it in the
factory's own Chromium page, pixel for pixel the sample's image (a test checks it).

Every number written on the chart comes from `factory.tabular.format_value`, as in the targets.
Text is given to Plotly with &, < and > as entities: Plotly reads a few HTML tags in text.
"""

from __future__ import annotations

import math
from typing import Any

from factory.chart_code.placement import INSIDE_KINDS, PLACED_LINES, drawn_value_texts, label_sides, reference_at
from factory.chart_code.colours import TEXT_AIM, ink_for, readable
from factory.generators.engine_specs import callout_above, logo_label, note_gap_guess
from factory.tabular import Table, format_value

PLOTLY_CONFIG = {"staticPlot": True, "displayModeBar": False}
HISTOGRAM_MARGIN = 0.05  # of the bins' span each side, as Matplotlib's default axes margins
# plotly.js's colorway when a template names none (the "presentation" and "none" templates)
_D3 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _template_layout(name: str) -> Any:
    import plotly.io as pio

    return pio.templates[name].layout


def backgrounds(style: dict[str, Any]) -> tuple[str, str]:
    """(paper, plot) background colours as the chart draws them."""
    if style.get("background"):
        return style["background"], style["background"]
    lay = _template_layout(style["template"])
    paper = lay.paper_bgcolor or "white"
    return paper, lay.plot_bgcolor or paper


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# where a line's value label sits against its point (factory.chart_code.placement.label_sides) in Plotly's words
LABEL_POSITIONS = {"above": "top center", "below": "bottom center", "left": "top left", "right": "top right"}


def label_positions(spec: Any, j: int) -> list[str] | str:
    """Plotly textposition of series j's value labels: a side per point on a line or area (a step
    line's label stands over the level it starts; a stacked area's over its stack)."""
    if spec.chart_type in PLACED_LINES:
        return [LABEL_POSITIONS[side] for side in label_sides(spec, j)]
    return "top right" if spec.chart_type == "step_line" else "top center"


def _tick_format(fmt: str, table: Table) -> dict[str, Any]:
    unit = table.series[0].unit if table.series else ""
    if fmt == "thousands":
        return {"tickformat": ",.0f"}
    if fmt == "compact":
        return {"tickformat": "~s"}
    if fmt == "currency":
        prefix = {"USD": "$", "EUR": "€", "GBP": "£"}.get(unit[:3], "$")
        return {"tickprefix": prefix, "tickformat": ",~r"}
    if fmt == "percent":
        return {"ticksuffix": "%"}
    if fmt == "plain":
        return {"tickformat": "~r"}
    return {}


class _Figure:
    def __init__(self, spec: Any):
        self.spec = spec
        self.s = spec.style
        self.t: Table = spec.table
        self.data: list[dict[str, Any]] = []
        self.marks: list[dict[str, Any] | None] = []  # per trace: what its points are
        self.layout: dict[str, Any] = {}
        self.annotations: list[dict[str, Any]] = []
        self.shapes: list[dict[str, Any]] = []

    # -- shared -----------------------------------------------------------------------------

    def color(self, i: int) -> str | None:
        colors = self.s.get("colors") or []
        return colors[i % len(colors)] if colors else None

    def drawn_color(self, i: int) -> str:
        """The colour a trace or slice is drawn in: the palette's, else the template's colorway."""
        colors = list(self.s.get("colors") or _template_layout(self.s["template"]).colorway or _D3)
        return colors[i % len(colors)]

    def inside_font(self, colours: list[str]) -> dict[str, Any]:
        """Text on marks: black or white per mark, whichever reads better on its colour."""
        inks = [ink_for(c) for c in colours]
        return {**self.value_font(), "color": inks if len(inks) > 1 else inks[0]}

    def ink(self) -> str:
        return ink_for(backgrounds(self.s)[0])

    def accent(self) -> str:
        return readable("#d62728", backgrounds(self.s), TEXT_AIM)

    def muted(self) -> str:
        return readable("#6b6b6b", (backgrounds(self.s)[0],), TEXT_AIM)

    def labels(self) -> list[str]:
        return [esc(x) for x in self.t.labels()]

    def add(self, trace: dict[str, Any], kind: str | None, series: int = 0, rows: list[int] | None = None) -> None:
        self.data.append(trace)
        if kind is None:
            self.marks.append(None)
        else:
            self.marks.append({"kind": kind, "series": series, "rows": rows if rows is not None else list(range(len(self.t.rows)))})

    def value_texts(self, j: int) -> list[str]:
        """Series j's value labels as drawn: blank where the renderer found a mark crossing one
        (`style["hidden_values"]`), so neither the image nor the targets claim it."""
        return drawn_value_texts(self.spec, j)

    def font(self, scale: float = 1.0) -> float:
        return round(self.s["font_px"] * scale, 1)

    def value_font(self) -> dict[str, Any]:
        return {"size": self.font(self.s["value_scale"])}

    def marker(self, i: int, **extra) -> dict[str, Any]:
        m: dict[str, Any] = dict(extra)
        c = self.color(i)
        if c:
            m["color"] = c
        return m

    def build(self) -> dict[str, Any]:
        getattr(self, f"_draw_{self.spec.chart_type}")()
        self._layout()
        self.native_ticks()
        return {"data": self.data, "layout": self.layout}

    def native_ticks(self) -> None:
        """Axis numbers in the sample's native digits. plotly.js writes numbers with 0-9 only, so
        the renderer records the ticks it chose in a first draw (`style.native_ticks`: layout path,
        values, texts); they come back here as tickvals, and their texts with the digits mapped as
        ticktext, so the image and the chart-to-code script show the same native numbers."""
        digits = native_digits(self.spec)
        if digits == "latn" or not self.s.get("native_ticks"):
            return
        from factory.generators.locales import to_digits

        for path, values, texts in self.s["native_ticks"]:
            parts = path.split(".")
            node: dict[str, Any] = self.data[int(parts[1])] if parts[0] == "data" else self.layout
            for part in parts[2:] if parts[0] == "data" else parts:
                node = node.setdefault(part, {})
            node.update({"tickmode": "array", "tickvals": list(values), "ticktext": [esc(to_digits(t, digits)) for t in texts]})

    def _layout(self) -> None:
        s, spec = self.s, self.spec
        bold = s["title_weight"] == "bold"
        lay = self.layout
        lay.setdefault("template", s["template"])
        lay.update({"width": spec.width_px, "height": spec.height_px, "autosize": False})
        family = f"{s['script_font']}, {s['font_family']}" if s.get("script_font") else s["font_family"]
        lay["font"] = {"family": family, "size": self.font()}
        lay["separators"] = ".,"
        top = 30
        if self.t.title:
            from factory.chart_code.placement import balanced_lines

            text = esc(balanced_lines(self.t.title, int(s.get("title_lines", 1)))).replace("\n", "<br>")
            title = {"text": text, "font": {"size": self.font(s["title_scale"]), "weight": 700 if bold else 400}}
            title.update({"x": 0.5, "xanchor": "center"} if s["title_align"] == "center" else {"x": 0.02, "xanchor": "left"})
            if s.get("subtitle"):
                title["subtitle"] = {"text": esc(s["subtitle"]), "font": {"size": self.font(0.9)}}
            lines = int(s.get("title_lines", 1))
            # plotly.js lifts a title of several lines by about 0.75 em above its anchor (measured:
            # 13 px at 18 px, whatever the line count): the pad makes that room, or line one is cut
            lift = int(round(0.8 * self.font(s["title_scale"]))) if "<br>" in text else 0
            title["yref"], title["y"], title["yanchor"], title["pad"] = "container", 1.0, "top", {"t": 10 + lift}
            lay["title"] = title
            top = int(20 + lift + lines * 1.3 * self.font(s["title_scale"]) + (1.4 * self.font(0.9) + 6 if s.get("subtitle") else 0))
        bottom = 30
        footer = bool(s.get("note")) or s.get("logo", "none").startswith("bottom")
        gap = int(s.get("note_gap") or note_gap_guess(spec))  # below the x axis block: guessed, measured when short
        if footer:
            bottom = gap + int(1.6 * self.font(0.8)) + 8
        if s.get("note"):
            self.annotations.append({"text": esc(s["note"]), "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left",
                                     "yanchor": "top", "yshift": -gap, "showarrow": False,
                                     "font": {"size": self.font(0.8), "color": self.muted()}})  # fmt: skip
        if s["legend"] == "top":  # a legend above the plot sits under the title: its rows get room too
            top += self._legend_depth()
        if self.spec.chart_type in ("radar", "rose"):  # angular labels stand outside the polar domain, over the title and the note
            room = int(1.5 * self.font(s["tick_scale"]) + 6)
            top, bottom = top + room, bottom + room
        legend_at = -0.18
        if s["legend"] == "bottom" and s.get("legend_gap"):
            # measured below the x axis block (plotly_renderer._lower_legend): the legend's top that
            # many px under the plot, in a bottom margin that holds it, so nothing moves the plot
            bottom = max(bottom, int(s["legend_gap"]) + self._legend_depth() + 6)
            legend_at = -int(s["legend_gap"]) / max(spec.height_px - top - bottom, 1)
        lay["margin"] = {"t": top, "b": bottom, "l": 40, "r": 30, "pad": 2}
        if s.get("logo", "none") != "none":
            right = s["logo"].endswith("right")
            upper = s["logo"].startswith("top")
            self.annotations.append({"text": esc(logo_label(s)), "xref": "paper", "yref": "paper",
                                     "x": 1 if right else 0, "y": 1 if upper else 0, "xanchor": "right" if right else "left",
                                     "yanchor": "bottom" if upper else "top", "yshift": 2 if upper else -gap,
                                     "showarrow": False, "font": {"size": self.font(0.75), "weight": 700, "color": self.muted()}})  # fmt: skip
        if s["legend"] == "none":
            lay["showlegend"] = False
        else:
            lay["showlegend"] = True
            lay["legend"] = {"right": {"orientation": "v"}, "bottom": {"orientation": "h", "y": legend_at, "yanchor": "top", "x": 0},
                             "top": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}}[s["legend"]]  # fmt: skip
            lay["legend"]["font"] = {"size": self.font(0.9)}
        if s.get("colors"):
            lay["colorway"] = list(s["colors"])
        if s.get("background"):
            lay["paper_bgcolor"] = s["background"]
            lay["plot_bgcolor"] = s["background"]
        self.callout()
        if s.get("text_colours") == "ink":  # a repair: every text in plain ink on the background
            lay["font"]["color"] = self.ink()
            if "title" in lay:
                lay["title"]["font"]["color"] = self.ink()
        if self.annotations:
            lay["annotations"] = lay.get("annotations", []) + self.annotations
        if self.shapes:
            lay["shapes"] = self.shapes
        for name in [k for k in lay if k.startswith(("xaxis", "yaxis"))] or []:
            lay[name].setdefault("automargin", True)

    def _legend_depth(self) -> int:
        """Room for a horizontal legend's rows (names at ~0.6 em a letter and 40 px of swatch each)."""
        names = self.t.labels() if self.spec.chart_type in ("pie", "donut", "slope") else [c.name for c in self.t.series]
        em = 0.6 * self.font(0.9)
        row_w = sum(len(n) * em + 40 for n in names)
        rows = max(1, math.ceil(row_w / max(self.spec.width_px - 70, 100)))
        return int(rows * 1.5 * self.font(0.9) + 10)

    def axes(self, horizontal: bool = False, category: bool = True) -> None:
        s, t = self.s, self.t
        value_axis, cat_axis = ("xaxis", "yaxis") if horizontal else ("yaxis", "xaxis")
        grid = s["grid"]
        value = {"showgrid": grid in ("value", "both"), "zeroline": True, **_tick_format(s["number_format"], t)}
        cat: dict[str, Any] = {"showgrid": grid == "both"}
        if category:
            cat["type"] = "category"
        if horizontal:
            cat["autorange"] = "reversed"
        if s.get("x_rotation") and not horizontal:
            cat["tickangle"] = -int(s["x_rotation"])
        tick = {"size": self.font(s["tick_scale"])}
        value["tickfont"], cat["tickfont"] = tick, dict(tick)
        x_title, y_title = axis_titles(self.spec)
        if horizontal:
            x_title, y_title = y_title, x_title
        if (x_title if not horizontal else y_title) and s.get("x_label" if not horizontal else "y_label"):
            pass
        cat_title = x_title if not horizontal else y_title
        val_title = y_title if not horizontal else x_title
        if cat_title:
            cat["title"] = {"text": esc(cat_title)}
        if val_title:
            value["title"] = {"text": esc(val_title)}
        self.layout[value_axis], self.layout[cat_axis] = value, cat

    def reference(self, horizontal: bool = False) -> None:
        if self.s.get("reference_line") != "average":
            return
        v = self.s["reference_value"]
        line = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": v, "y1": v,
                "line": {"dash": "dash", "width": 1.5, "color": self.accent()}}  # fmt: skip
        note = {"text": esc(self.s["reference_text"]), "xref": "paper", "x": 1, "xanchor": "right", "yref": "y", "y": v,
                "yanchor": "bottom", "showarrow": False, "font": {"size": self.font(0.8), "color": self.accent()},
                "bgcolor": backgrounds(self.s)[1]}  # fmt: skip
        start = reference_at(self.spec) == "start"  # moved to the line's near end by a repair (move_reference_text)
        if start:
            note.update({"x": 0, "xanchor": "left"})
        if horizontal:
            line.update({"xref": "x", "x0": v, "x1": v, "yref": "paper", "y0": 0, "y1": 1})
            note.update({"xref": "x", "x": v, "xanchor": "left", "yref": "paper", "y": 1, "yanchor": "bottom"})
            if start:  # inside the plot, at the line's foot
                note.update({"y": 0, "yshift": 2})
        self.shapes.append(line)
        self.annotations.append(note)

    def callout(self) -> None:
        """A label with an arrow pointing at one mark (above a peak, below a low point), on the
        background colour so it stays readable over grid lines and marks."""
        s = self.s
        if s.get("callout", "none") == "none":
            return
        row = int(s["callout_row"])
        up = callout_above(self.spec)
        self.annotations.append({"text": esc(s["callout_text"]), "x": self.labels()[row], "y": self.t.rows[row][1], "xref": "x", "yref": "y",
                                 "showarrow": True, "arrowhead": 2, "arrowsize": 1, "arrowwidth": 1.2, "arrowcolor": self.ink(),
                                 "ax": 0, "ay": -38 if up else 38, "standoff": 4, "bgcolor": backgrounds(s)[1],
                                 "font": {"size": self.font(0.85), "weight": 700, "color": self.ink()}})  # fmt: skip

    def bar_colors(self, j: int) -> Any:
        hi = self.s.get("highlight", -1)
        base = self.color(j) or "#1f77b4"
        if hi is None or hi < 0:
            return self.color(j)
        return ["#d62728" if i == hi else "#b0b0b0" for i in range(len(self.t.rows))] if base else None

    # -- chart types ------------------------------------------------------------------------

    def _bars(self, horizontal: bool = False, mode: str | None = None, percent: bool = False) -> None:
        s, t = self.s, self.t
        labels = self.labels()
        n = len(t.series)
        for j, col in enumerate(t.series):
            vals = t.values(j)
            tr: dict[str, Any] = {"type": "bar", "name": esc(col.name)}
            tr.update({"y": labels, "x": vals, "orientation": "h"} if horizontal else {"x": labels, "y": vals})
            colors = self.bar_colors(j) if n == 1 else self.color(j)
            if colors:
                tr["marker"] = {"color": colors}
            if s["value_labels"]:
                tr["text"] = [esc(x) for x in self.value_texts(j)]
                if mode == "stack":
                    tr["insidetextfont"] = self.inside_font([self.drawn_color(j)])
                tr["textposition"] = "inside" if mode == "stack" else "outside"
                tr["insidetextanchor"] = "middle"
                tr["textfont"] = self.value_font()
                tr["cliponaxis"] = False
                tr["textangle"] = 0
            self.add(tr, "bar", j)
        if s["value_labels"] and n == 1 and self.spec.chart_type in INSIDE_KINDS:
            self.inside_labels()
        if mode:
            self.layout["barmode"] = mode
        elif n > 1:
            self.layout["barmode"] = "group"
        self.layout["bargap"] = round(1 - s["bar_width"], 2)
        self.axes(horizontal)
        if percent:
            self.layout["xaxis" if horizontal else "yaxis"].update({"ticksuffix": "%", "range": [0, 100]})
        self.reference(horizontal)

    def inside_labels(self) -> None:
        """Value labels an average line ran through (`style["inside_labels"]`: rows), drawn inside
        their bar against its end, in black or white, whichever reads on the bar's colour. Set
        only then, so every other figure stays as it was. An inside label keeps its size (plotly.js
        would shrink one too big for its bar): the renderer sees it stick out and drops the line."""
        rows = {int(r) for r in self.s.get("inside_labels", ())}
        if not rows:
            return
        tr, n = self.data[0], len(self.t.rows)
        fill = (tr.get("marker") or {}).get("color") or self.drawn_color(0)
        fills = fill if isinstance(fill, list) else [fill] * n
        tr["textposition"] = ["inside" if i in rows else "outside" for i in range(n)]
        tr["insidetextanchor"] = "end"
        tr["insidetextfont"] = {**self.value_font(), "color": [ink_for(c) for c in fills]}
        tr["constraintext"] = "outside"

    def _draw_bar(self) -> None:
        self._bars()

    def _draw_barh(self) -> None:
        self._bars(horizontal=True)

    def _draw_negative_bar(self) -> None:
        self._bars()
        colors = list(self.s.get("colors") or []) + ["#1f77b4", "#d62728"]
        pos, neg = colors[0], (colors[1] if colors[1] != colors[0] else "#d62728")
        self.data[0]["marker"] = {"color": [pos if (v or 0) >= 0 else neg for v in self.t.values(0)]}

    def _draw_grouped_bar(self) -> None:
        self._bars(mode="group")

    def _draw_stacked_bar(self) -> None:
        self._bars(mode="stack")

    def _draw_stacked_bar_100(self) -> None:
        self._bars(mode="stack", percent=True)

    def _lines(self, shape: str = "linear", fill: str | None = None, stack: bool = False) -> None:
        s, t = self.s, self.t
        labels = self.labels()
        for j, col in enumerate(t.series):
            mode = "lines+markers" if s["markers"] else "lines"
            tr: dict[str, Any] = {"type": "scatter", "name": esc(col.name), "x": labels, "y": t.values(j), "mode": mode,
                                  "line": {"width": s["line_width"], "shape": shape}}  # fmt: skip
            c = self.color(j)
            if c:
                tr["line"]["color"] = c
            tr["marker"] = {"size": s["marker_size"]}
            if fill:
                tr["fill"] = fill
            if stack:
                tr["stackgroup"] = "one"
            if s["value_labels"]:
                tr["mode"] = mode + "+text"
                if not s["markers"]:
                    # plotly.js sets a label mrc/0.8 + 1 px from its point only when the point has a
                    # marker (else on the point, where the line runs): a clear one keeps the label
                    # half the line's width and 3.5 px off it
                    tr["mode"] = "lines+markers+text"
                    tr["marker"] = {"size": round(1.6 * (s["line_width"] / 2 + 2.5), 1), "color": "rgba(0,0,0,0)"}
                    tr["line"]["color"] = self.drawn_color(j)  # else the line takes the marker's colour
                tr["text"] = [esc(x) for x in self.value_texts(j)]
                # away from the line through its point (above a peak, below a dip, upper left on
                # a rise, upper right on a fall), as Matplotlib's; the renderer moves or hides one
                # a line still crosses
                tr["textposition"] = label_positions(self.spec, j)
                tr["textfont"] = self.value_font()
                tr["cliponaxis"] = False
            self.add(tr, "point", j)
        self.axes()
        # the first point sits on the y axis otherwise, and its label on the lowest y tick label
        self.layout["xaxis"]["range"] = [-0.35, len(t.rows) - 0.65]
        self.reference()

    def _draw_line(self) -> None:
        self._lines()

    def _draw_multi_line(self) -> None:
        self._lines()

    def _draw_step_line(self) -> None:
        self._lines(shape="hv")

    def _draw_area(self) -> None:
        self._lines(fill="tozeroy")

    def _draw_stacked_area(self) -> None:
        self._lines(stack=True)

    def _draw_scatter(self) -> None:
        s, t = self.s, self.t
        x = [r[0] for r in t.rows]
        for j, col in enumerate(t.series):
            self.add({"type": "scatter", "mode": "markers", "name": esc(col.name), "x": x, "y": t.values(j),
                      "marker": self.marker(j, size=s["marker_size"])}, "point", j)  # fmt: skip
        self.axes(category=False)
        self.layout["xaxis"].update(_tick_format("plain", t))

    def _draw_bubble(self) -> None:
        t = self.t
        sizes = t.values(1)
        top = max(v for v in sizes if v is not None)
        tr = {"type": "scatter", "mode": "markers", "name": esc(t.series[0].name), "x": [r[0] for r in t.rows], "y": t.values(0),
              "marker": self.marker(0, size=sizes, sizemode="area", sizeref=round(2.0 * top / 45.0**2, 6), opacity=0.7)}  # fmt: skip
        self.add(tr, "bubble", 0)
        self.axes(category=False)

    def _draw_pie(self, hole: float = 0.0) -> None:
        s, t = self.s, self.t
        tr: dict[str, Any] = {"type": "pie", "labels": self.labels(), "values": t.values(0), "sort": False,
                              "direction": "clockwise", "rotation": 90, "hole": hole, "name": esc(t.series[0].name),
                              "textfont": self.value_font()}  # fmt: skip
        if s.get("colors"):
            tr["marker"] = {"colors": list(s["colors"])}
        if s["value_labels"]:
            tr["text"] = [esc(x) for x in self.value_texts(0)]
            tr["textinfo"] = "text" if s["legend"] != "none" else "label+text"
        else:
            tr["textinfo"] = "none" if s["legend"] != "none" else "label"
        tr["textposition"] = "inside" if s["legend"] != "none" else "outside"
        if tr["textposition"] == "inside":
            tr["insidetextfont"] = self.inside_font([self.drawn_color(i) for i in range(len(t.rows))])
        self.add(tr, "wedge", 0)

    def _draw_donut(self) -> None:
        self._draw_pie(hole=self.s["donut_hole"])

    def _draw_histogram(self) -> None:
        from factory.chart_code.placement import histogram_edges

        s, t = self.s, self.t
        edges, texts = histogram_edges(self.spec)
        centres = [(a + b) / 2 for a, b in zip(edges, edges[1:])]
        widths = [b - a for a, b in zip(edges, edges[1:])]
        tr = {"type": "bar", "x": centres, "y": t.values(0), "width": widths, "name": esc(t.series[0].name),
              "marker": self.marker(0, line={"width": 1, "color": "white"})}  # fmt: skip
        if s["value_labels"]:
            tr.update({"text": [esc(x) for x in self.value_texts(0)], "textposition": "outside", "textfont": self.value_font(),
                       "cliponaxis": False, "textangle": 0})  # fmt: skip
        self.add(tr, "bar", 0)
        self.axes(category=False)
        # bars autorange flush with the plot's edges, which puts the first edge's tick under the
        # y axis's 0 at the corner: the margins Matplotlib gives a histogram keep them apart
        pad = HISTOGRAM_MARGIN * (edges[-1] - edges[0])
        self.layout["xaxis"].update({"tickvals": edges, "ticktext": texts, "tickformat": None, "range": [edges[0] - pad, edges[-1] + pad]})
        self.layout["xaxis"].pop("tickformat")

    def _draw_box(self) -> None:
        t = self.t
        cols = list(zip(*[r[1:] for r in t.rows]))
        tr = {"type": "box", "x": self.labels(), "lowerfence": list(cols[0]), "q1": list(cols[1]), "median": list(cols[2]),
              "q3": list(cols[3]), "upperfence": list(cols[4]), "name": esc(t.series[2].name), "marker": self.marker(0),
              "boxpoints": False}  # fmt: skip
        self.add(tr, "box", 0)
        self.axes()

    def _draw_violin(self) -> None:
        for i, (label, samples) in enumerate(zip(self.labels(), self.s["samples"])):
            tr = {"type": "violin", "x": [label] * len(samples), "y": samples, "name": label, "box": {"visible": True},
                  "points": False, "line": {"color": self.color(0) or "#1f77b4"}, "spanmode": "hard", "showlegend": False}  # fmt: skip
            self.add(tr, "violin", 0, [i])
        self.axes()

    def _draw_heatmap(self) -> None:
        s, t = self.s, self.t
        z = [list(r[1:]) for r in t.rows]
        ramp = s["palette"] if s["palette"] in ("Blues", "Greens", "Purples", "Oranges", "Viridis", "Plasma", "Cividis") else "Blues"
        scale = _colorscale(ramp.capitalize() if ramp.islower() else ramp)
        names = [esc(c.name) for c in t.series]
        tr = {"type": "heatmap", "z": z, "x": names, "y": self.labels(), "colorscale": scale, "xgap": 1, "ygap": 1}
        self.add(tr, "cell", -1)
        if s["value_labels"]:  # a text trace a column: each cell's number in black or white by the cell's own colour
            vals = [v for r in z for v in r if v is not None]
            lo, hi = min(vals), max(vals)
            hidden = {tuple(pair) for pair in s.get("hidden_values", ())}
            labels = self.labels()
            for j, (name, col) in enumerate(zip(names, t.series)):
                # one trace per column names each label by (column, row), so a label drawn too faintly
                # on its cell is left out on its own (`hidden_values`), not every label with it
                rows = [i for i, r in enumerate(t.rows) if r[j + 1] is not None and (j, i) not in hidden]
                if not rows:
                    continue
                inks = [ink_for(_scale_colour(scale, (t.rows[i][j + 1] - lo) / (hi - lo) if hi > lo else 0.5)) for i in rows]
                self.add({"type": "scatter", "mode": "text", "x": [name] * len(rows), "y": [labels[i] for i in rows],
                          "text": [esc(format_value(t.rows[i][j + 1], col)) for i in rows], "textposition": "middle center",
                          "textfont": {**self.value_font(), "color": inks}, "showlegend": False, "hoverinfo": "skip"}, "label", j, rows)  # fmt: skip
        self.layout["xaxis"] = {"type": "category", "side": "bottom", "tickfont": {"size": self.font(s["tick_scale"])}}
        self.layout["yaxis"] = {"type": "category", "autorange": "reversed", "tickfont": {"size": self.font(s["tick_scale"])}}

    def _draw_error_bars(self) -> None:
        s, t = self.s, self.t
        tr: dict[str, Any] = {"type": "bar", "x": self.labels(), "y": t.values(0), "name": esc(t.series[0].name),
                              "error_y": {"type": "data", "array": t.values(1), "visible": True, "thickness": 1.5, "width": 6}}  # fmt: skip
        if self.color(0):
            tr["marker"] = {"color": self.color(0)}
        self.add(tr, "bar", 0)
        self.layout["bargap"] = round(1 - s["bar_width"], 2)
        self.axes()

    def _draw_combo(self) -> None:
        s, t = self.s, self.t
        labels = self.labels()
        bar: dict[str, Any] = {"type": "bar", "x": labels, "y": t.values(0), "name": esc(t.series[0].name)}
        line: dict[str, Any] = {"type": "scatter", "mode": "lines+markers", "x": labels, "y": t.values(1), "yaxis": "y2",
                                "name": esc(t.series[1].name), "line": {"width": s["line_width"]}}  # fmt: skip
        if self.color(0):
            bar["marker"] = {"color": self.color(0)}
            line["line"]["color"] = self.color(1)
        if s["value_labels"]:
            bar.update({"text": [esc(x) for x in self.value_texts(0)], "textposition": "inside", "textfont": self.value_font(), "textangle": 0,
                        "insidetextfont": self.inside_font([self.drawn_color(0)])})
        self.add(bar, "bar", 0)
        self.add(line, "point", 1)
        self.axes()
        self.layout["yaxis"]["title"] = {"text": esc(t.series[0].name)}
        self.layout["yaxis2"] = {"overlaying": "y", "side": "right", "showgrid": False, "title": {"text": esc(t.series[1].name)},
                                 "ticksuffix": "%", "tickfont": {"size": self.font(s["tick_scale"])}}  # fmt: skip

    def _draw_waterfall(self) -> None:
        s, t = self.s, self.t
        n = len(t.rows)
        tr: dict[str, Any] = {"type": "waterfall", "x": self.labels(), "y": t.values(0), "name": esc(t.series[0].name),
                              "measure": ["relative"] * (n - 1) + ["total"], "connector": {"line": {"width": 1}}}  # fmt: skip
        if s["value_labels"]:
            tr.update({"text": [esc(x) for x in self.value_texts(0)], "textposition": "outside", "textfont": self.value_font(), "cliponaxis": False})
        self.add(tr, "bar", 0)
        self.axes()

    def _draw_funnel(self) -> None:
        s, t = self.s, self.t
        tr: dict[str, Any] = {"type": "funnel", "y": self.labels(), "x": t.values(0), "name": esc(t.series[0].name)}
        if self.color(0):
            tr["marker"] = {"color": self.color(0)}
        tr["text"] = [esc(x) for x in self.value_texts(0)] if s["value_labels"] else None
        tr["textinfo"] = "text" if s["value_labels"] else "none"
        if tr["text"] is None:
            del tr["text"]
        tr["textfont"] = self.value_font()
        tr["insidetextfont"] = self.inside_font([self.drawn_color(0)])
        self.add(tr, "bar", 0)
        self.layout["yaxis"] = {"type": "category", "tickfont": {"size": self.font(s["tick_scale"])}}

    def _draw_treemap(self) -> None:
        s, t = self.s, self.t
        tr: dict[str, Any] = {"type": "treemap", "labels": self.labels(), "parents": [""] * len(t.rows), "values": t.values(0),
                              "sort": False, "textfont": self.value_font(), "root": {"color": "rgba(0,0,0,0)"},
                              "tiling": {"pad": 2}, "marker": {"pad": {"t": 2, "l": 2, "r": 2, "b": 2}}}  # fmt: skip
        if s.get("colors"):
            tr["marker"]["colors"] = list(s["colors"])
        if s["value_labels"]:
            tr["text"] = [esc(x) for x in self.value_texts(0)]
            tr["textinfo"] = "label+text"
        else:
            tr["textinfo"] = "label"
        tr["insidetextfont"] = self.inside_font([self.drawn_color(i) for i in range(len(t.rows))])
        self.add(tr, "cell", 0)

    def _draw_radar(self) -> None:
        s, t = self.s, self.t
        labels = self.labels()
        for j, col in enumerate(t.series):
            vals = t.values(j)
            tr: dict[str, Any] = {"type": "scatterpolar", "r": vals + vals[:1], "theta": labels + labels[:1], "fill": "toself",
                                  "name": esc(col.name), "mode": "lines+markers", "line": {"width": s["line_width"]},
                                  "fillcolor": _rgba(self.drawn_color(j), 0.15)}  # a light fill: the radial tick labels stay readable over it
            if self.color(j):
                tr["line"]["color"] = self.color(j)
            self.add(tr, "point", j, list(range(len(t.rows))) + [0])
        radial: dict[str, Any] = {"visible": True, "tickfont": {"size": self.font(0.8)}}
        if s.get("hidden_ticks"):  # numbers a line runs through, left out by the renderer
            radial["labelalias"] = {text: "" for text in s["hidden_ticks"]}
        self.layout["polar"] = {"radialaxis": radial,
                                "angularaxis": {"type": "category", "tickfont": {"size": self.font(s["tick_scale"])}}}  # fmt: skip

    def _draw_rose(self) -> None:
        s, t = self.s, self.t
        tr: dict[str, Any] = {"type": "barpolar", "r": t.values(0), "theta": self.labels(), "name": esc(t.series[0].name)}
        colour = self.drawn_color(0)  # a light fill in a full outline: the radial tick labels over the wedges stay readable
        tr["marker"] = {"color": _rgba(colour, 0.4), "line": {"color": colour, "width": 1.5}}
        self.add(tr, "wedge", 0)
        # the radial axis runs along the middle of the longest wedge, its numbers set level beside
        # it: clear of the other wedges' edges and of that wedge's own arc but near the centre (where
        # every outline meets) and its end; the renderer leaves out a number an outline still
        # crosses (`hidden_ticks`)
        values = [v if v is not None else float("-inf") for v in t.values(0)]
        longest = max(range(len(values)), key=lambda i: values[i]) if values else 0
        angle = round((90 - longest * 360 / max(len(values), 1) + 180) % 360 - 180, 3)
        radial: dict[str, Any] = {"tickfont": {"size": self.font(0.8)}, "angle": angle, "tickangle": angle}
        if s.get("hidden_ticks"):
            radial["labelalias"] = {text: "" for text in s["hidden_ticks"]}
        # category: labels such as '2018-08' would otherwise make a date axis and draw no wedge at all
        self.layout["polar"] = {"radialaxis": radial,
                                "angularaxis": {"type": "category", "tickfont": {"size": self.font(s["tick_scale"])}, "direction": "clockwise",
                                                "rotation": 90}}  # fmt: skip

    def _draw_candlestick(self) -> None:
        t = self.t
        cols = list(zip(*[r[1:] for r in t.rows]))
        tr = {"type": "candlestick", "x": self.labels(), "open": list(cols[0]), "high": list(cols[1]), "low": list(cols[2]),
              "close": list(cols[3]), "name": "OHLC"}  # fmt: skip
        self.add(tr, "candle", 3)
        self.axes()
        self.layout["xaxis"]["rangeslider"] = {"visible": False}

    def _draw_lollipop(self) -> None:
        s, t = self.s, self.t
        labels = self.labels()
        vals = t.values(0)
        x: list[Any] = []
        y: list[Any] = []
        for lab, v in zip(labels, vals):
            x += [lab, lab, None]
            y += [0, v, None]
        self.add({"type": "scatter", "mode": "lines", "x": x, "y": y, "showlegend": False, "hoverinfo": "skip",
                  "line": {"color": self.color(0) or "#888888", "width": 2}}, None)  # fmt: skip
        tr: dict[str, Any] = {"type": "scatter", "mode": "markers", "x": labels, "y": vals, "name": esc(t.series[0].name),
                              "marker": self.marker(0, size=s["marker_size"] + 4)}  # fmt: skip
        if s["value_labels"]:
            tr.update({"mode": "markers+text", "text": [esc(v) for v in self.value_texts(0)], "textposition": "top center",
                       "textfont": self.value_font(), "cliponaxis": False})  # fmt: skip
        self.add(tr, "point", 0)
        self.axes()
        self.reference()

    def _draw_dot_plot(self) -> None:
        s, t = self.s, self.t
        labels = self.labels()
        for j, col in enumerate(t.series):
            tr: dict[str, Any] = {"type": "scatter", "mode": "markers", "y": labels, "x": t.values(j), "name": esc(col.name),
                                  "marker": self.marker(j, size=s["marker_size"] + 2)}  # fmt: skip
            self.add(tr, "point", j)
        self.axes(horizontal=True)

    def _draw_dumbbell(self) -> None:
        s, t = self.s, self.t
        labels = self.labels()
        x: list[Any] = []
        y: list[Any] = []
        for lab, a, b in zip(labels, t.values(0), t.values(1)):
            x += [a, b, None]
            y += [lab, lab, None]
        self.add({"type": "scatter", "mode": "lines", "x": x, "y": y, "showlegend": False, "hoverinfo": "skip",
                  "line": {"color": "#9a9a9a", "width": 3}}, None)  # fmt: skip
        for j, col in enumerate(t.series):
            self.add({"type": "scatter", "mode": "markers", "y": labels, "x": t.values(j), "name": esc(col.name),
                      "marker": self.marker(j, size=s["marker_size"] + 4)}, "point", j)  # fmt: skip
        self.axes(horizontal=True)

    def _draw_slope(self) -> None:
        s, t = self.s, self.t
        names = [esc(c.name) for c in t.series]
        for i, lab in enumerate(self.labels()):
            vals = [t.rows[i][1], t.rows[i][2]]
            texts = [esc(format_value(v, c)) for v, c in zip(vals, t.series)]
            tr: dict[str, Any] = {"type": "scatter", "mode": "lines+markers", "x": names, "y": vals, "name": lab,
                                  "line": {"width": s["line_width"]}, "marker": {"size": s["marker_size"]}}  # fmt: skip
            if self.s.get("colors"):
                tr["line"]["color"] = self.s["colors"][i % len(self.s["colors"])]
            if s["value_labels"]:
                tr.update({"mode": "lines+markers+text", "text": texts, "textposition": ["middle left", "middle right"],
                           "textfont": self.value_font(), "cliponaxis": False})  # fmt: skip
            self.add(tr, "point", -1, [i, i])
        self.axes()
        self.layout["showlegend"] = True
        self.layout["xaxis"]["range"] = [-0.4, 1.4]

    def _draw_small_multiples(self) -> None:
        s, t = self.s, self.t
        k = len(t.series)
        cols = 2 if k == 4 else k
        rows = 2 if k == 4 else 1
        gap = 0.08
        labels = self.labels()
        for j, col in enumerate(t.series):
            r, c = divmod(j, cols)
            x0 = c * (1 + gap) / cols
            x1 = x0 + (1 - gap * (cols - 1)) / cols
            y1 = 1 - r * (1 + gap * 2) / rows
            y0 = y1 - (1 - gap * 2 * (rows - 1)) / rows
            suffix = "" if j == 0 else str(j + 1)
            tr: dict[str, Any] = {"type": "scatter", "mode": "lines", "x": labels, "y": t.values(j), "name": esc(col.name),
                                  "xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "line": {"width": s["line_width"]}}  # fmt: skip
            if self.color(j):
                tr["line"]["color"] = self.color(j)
            self.add(tr, "point", j)
            tick = {"size": self.font(s["tick_scale"] * 0.9)}
            self.layout[f"xaxis{suffix}"] = {"domain": [round(x0, 4), round(x1, 4)], "anchor": f"y{suffix}", "type": "category",
                                             "tickfont": tick, "showgrid": False, "nticks": 4}  # fmt: skip
            if s.get("x_rotation"):  # as every category axis: the style's angle (a repair's) is the one drawn, not plotly's own
                self.layout[f"xaxis{suffix}"]["tickangle"] = -int(s["x_rotation"])
            self.layout[f"yaxis{suffix}"] = {"domain": [round(y0, 4), round(y1, 4)], "anchor": f"x{suffix}", "tickfont": dict(tick),
                                             "showgrid": s["grid"] != "none", **_tick_format(s["number_format"], t)}  # fmt: skip
            self.annotations.append({"text": esc(col.name), "xref": "paper", "yref": "paper", "x": (x0 + x1) / 2, "y": y1,
                                     "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": self.font(0.95)}})  # fmt: skip

    def _draw_bullet(self) -> None:
        t = self.t
        n = len(t.rows)
        col = t.series[0]
        fmt = f".{col.decimals}f"
        for i, row in enumerate(t.rows):
            actual, target = row[1], row[2]
            top = max(actual, target) * 1.25
            y1 = 1 - i / n - 0.04
            y0 = 1 - (i + 1) / n + 0.08
            native = col.digits != "latn"  # plotly.js writes the number in 0-9: an annotation writes it as the table does
            if native:
                self.annotations.append({"text": esc(format_value(actual, col)), "xref": "paper", "yref": "paper", "x": 0.9,
                                         "xanchor": "left", "y": round((y0 + y1) / 2, 4), "yanchor": "middle", "showarrow": False,
                                         "font": {"size": self.font(1.1)}})  # fmt: skip
            tr = {"type": "indicator", "mode": "gauge" if native else "number+gauge", "value": actual,
                  "number": {"valueformat": fmt, "font": {"size": self.font(1.1)}},
                  "domain": {"x": [0.3, 0.88], "y": [round(y0, 4), round(y1, 4)]},
                  "title": {"text": esc(str(row[0])), "font": {"size": self.font(0.95)}},
                  "gauge": {"shape": "bullet", "axis": {"range": [0, round(top, 6)], "tickfont": {"size": self.font(0.75)}},
                            "threshold": {"line": {"color": "#d62728", "width": 3}, "thickness": 0.8, "value": target},
                            "bar": {"color": self.color(0) or "#1f77b4", "thickness": 0.45},
                            "steps": [{"range": [0, round(top * 0.6, 6)], "color": "#dddddd"},
                                      {"range": [round(top * 0.6, 6), round(top, 6)], "color": "#eeeeee"}]}}  # fmt: skip
            self.add(tr, "bullet", 0, [i])


def _rgba(colour: str, alpha: float) -> str:
    from factory.chart_code.colours import to_rgb

    r, g, b = (int(round(v)) for v in to_rgb(colour))
    return f"rgba({r},{g},{b},{alpha})"


def _scale_colour(scale: list[list[Any]], t: float) -> str:
    """The colour a colorscale gives at t (0-1), interpolated in RGB as plotly.js does."""
    from factory.chart_code.colours import to_hex, to_rgb

    t = min(max(t, 0.0), 1.0)
    for (p0, c0), (p1, c1) in zip(scale, scale[1:]):
        if t <= p1:
            f = 0.0 if p1 == p0 else (t - p0) / (p1 - p0)
            a, b = to_rgb(c0), to_rgb(c1)
            return to_hex(tuple(x + (y - x) * f for x, y in zip(a, b)))  # type: ignore[arg-type]
    return to_hex(to_rgb(scale[-1][1]))


def _colorscale(name: str) -> list[list[Any]]:
    """A named colorscale written out as plotly.py resolves the name (plotly.js's own scale of the
    same name differs): the figure sent to the page and the script's figure then agree."""
    import plotly.colors

    return [[float(p), c] for p, c in plotly.colors.get_colorscale(name)]


def axis_titles(spec: Any) -> tuple[str, str]:
    """(category/x title, value/y title) shown, '' when hidden."""
    t, s = spec.table, spec.style
    if not t.series:
        return "", ""
    label_name = t.label_column.name
    if len(t.series) == 1 or spec.chart_type in ("bubble", "error_bars", "histogram", "box", "violin", "candlestick", "waterfall"):
        value_name = t.series[0].name if spec.chart_type not in ("box", "violin", "candlestick") else str(t.facts.get("measure", ""))
    else:
        units = {c.unit for c in t.series}
        value_name = units.pop() if len(units) == 1 else ""
    return (label_name if s.get("x_label") else ""), (value_name if s.get("y_label") else "")


def native_digits(spec: Any) -> str:
    """The numbering system the chart's numbers are written in (`Column.digits`): latn unless the
    sample's locale has native digits and the recipe's `digits` chose them."""
    return next((c.digits for c in spec.table.series if c.digits != "latn"), "latn")


def plotly_figure(spec: Any) -> tuple[dict[str, Any], list[dict[str, Any] | None]]:
    builder = _Figure(spec)
    fig = builder.build()
    return fig, builder.marks


def _literal(value: Any) -> str:
    """Python source for JSON-ready data."""
    import pprint

    return pprint.pformat(value, width=110, sort_dicts=False)


def plotly_script(spec: Any) -> str:
    """A self-contained Plotly script that builds the sample's figure as `fig`."""
    fig, _ = plotly_figure(spec)
    title = spec.table.title.replace("\n", " ").strip() or "untitled"
    title = title.replace("\\", "\\\\").replace('"""', "'''")
    lines = [
        f'"""{title}: {spec.chart_type.replace("_", " ")} chart, {spec.width_px}x{spec.height_px} px (Plotly).',
        "",
        "Draw it exactly as the dataset did: render-factory render-chart this_script.py --out chart.png",
        '"""',
        "import plotly.graph_objects as go",
        "",
        f"data = {_literal(fig['data'])}",
        f"layout = {_literal(fig['layout'])}",
        "fig = go.Figure(data=data, layout=layout)",
        "",
        'if __name__ == "__main__":',
        f"    fig.write_html(\"chart.html\", include_plotlyjs=True, config={PLOTLY_CONFIG!r})",
        "",
    ]
    return "\n".join(lines)


def isfinite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)
