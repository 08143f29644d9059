"""Vega-Lite specs for chart specs: the chart-to-code target of the vega_lite engine and what its
renderer draws (the same dict, so the JSON target redraws the very pixels).

Data is inline (`data.values`, long form: one record per row and series, with the text the
chart writes in `t`); every mark carries `description: "row|series"`, which vl-convert keeps in
the scenegraph, so the renderer can name every measured mark. The engine's theme is recorded the
vega-embed way, in `usermeta.embedOptions.theme`; fonts, sizes and colours are in `config`.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

from factory.chart_code.placement import balanced_lines, histogram_edges, reference_at
from factory.chart_code.colours import ink_for, readable, text_aim
from factory.generators.engine_specs import callout_above, logo_label, note_gap_guess
from factory.tabular import Table, format_value

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # the schema's name; nothing is fetched
VL_VERSION = "5.21"
_D3_FORMAT = {"thousands": ",.0f", "compact": "~s", "plain": "~r", "percent": ""}


# where a line's value label sits against its point (factory.chart_code.placement.label_sides) in Vega's words:
# dx and dy in gaps (the label's distance from its point), align, baseline
_VEGA_PLACES = {"above": (0, -1, "center", "bottom"), "below": (0, 1, "center", "top"), "left": (-1, -1, "right", "bottom"), "right": (1, -1, "left", "bottom")}


BUBBLE_AREA = (30, 1600)  # px²: a bubble's area from the smallest to the largest size value


def edge_padding(area: float) -> int:
    """Pixels a continuous scale's domain is widened by at each end (Vega's `scale.padding`) so that a
    circle of `area` px² centred on the domain's end lies inside the plot: its radius and 2 px."""
    return int(math.ceil(math.sqrt(area / math.pi))) + 2


def _records(table: Table) -> list[dict[str, Any]]:
    out = []
    labels = table.labels()
    for i, row in enumerate(table.rows):
        for j, col in enumerate(table.series):
            v = row[j + 1]
            if v is None:
                continue
            out.append({"l": labels[i], "s": col.name, "v": v, "t": format_value(v, col), "d": f"{i}|{j}", "o": i})
    return out


class _Spec:
    def __init__(self, spec: Any):
        self.spec, self.s, self.t = spec, spec.style, spec.table
        self.layers: list[dict[str, Any]] = []

    def fs(self, scale: float = 1.0) -> float:
        return round(self.s["font_px"] * scale, 1)

    def axis_titles(self) -> tuple[str | None, str | None]:
        from factory.chart_code.plotly_code import axis_titles

        x, y = axis_titles(self.spec)
        return (x or None), (y or None)

    def value_axis(self) -> dict[str, Any]:
        fmt = self.s["number_format"]
        axis: dict[str, Any] = {"grid": self.s["grid"] in ("value", "both")}
        if fmt in ("thousands", "compact", "plain"):
            axis["format"] = _D3_FORMAT[fmt]
        elif fmt == "currency":
            unit = self.t.series[0].unit[:3]
            sym = {"USD": "$", "EUR": "€", "GBP": "£"}.get(unit, "$")
            axis["labelExpr"] = f"'{sym}' + format(datum.value, ',~r')"
        elif fmt == "percent":
            axis["labelExpr"] = "format(datum.value, '~r') + '%'"
        return axis

    def cat_axis(self) -> dict[str, Any]:
        axis: dict[str, Any] = {"grid": self.s["grid"] == "both", "labelAngle": -int(self.s.get("x_rotation", 0)),
                                "labelOverlap": False, "labelLimit": 0}  # fmt: skip
        return axis

    def x_cat(self, title: str | None) -> dict[str, Any]:
        return {"field": "l", "type": "nominal", "sort": None, "title": title, "axis": self.cat_axis()}

    def y_val(self, title: str | None, field: str = "v", **kw) -> dict[str, Any]:
        return {"field": field, "type": "quantitative", "title": title, "axis": self.value_axis(), **kw}

    def color(self, field: str = "s", legend: bool = True) -> dict[str, Any]:
        enc: dict[str, Any] = {"field": field, "type": "nominal", "sort": None, "title": None}
        if self.s.get("colors"):
            enc["scale"] = {"range": list(self.s["colors"])}
        if not legend or self.s["legend"] == "none":
            enc["legend"] = None
        else:
            enc["legend"] = {"orient": self.s["legend"]}
        return enc

    def category_colours(self) -> list[str]:
        """The colours categories are drawn in: the palette's, the theme's range, or Vega's own."""
        if self.s.get("colors"):
            return list(self.s["colors"])
        found = (theme_config(self.s.get("theme", "default")).get("range") or {}).get("category")
        if isinstance(found, list) and found and all(isinstance(c, str) for c in found):
            return list(found)
        return list(_TABLEAU10)

    def inside_text(self, field: str = "s", names: list[str] | None = None) -> dict[str, Any]:
        """Text on a series' (or slice's) own colour: black or white, whichever reads better."""
        colors = self.category_colours()
        names = names if names is not None else [c.name for c in self.t.series]
        tests = [{"test": f"datum.{field} == {json.dumps(name)}", "value": ink_for(colors[j % len(colors)])} for j, name in enumerate(names)]
        return {"condition": tests, "value": "black"}

    def single_color(self) -> str | None:
        return self.s["colors"][0] if self.s.get("colors") else None

    def mark(self, kind: str, **kw) -> dict[str, Any]:
        m = {"type": kind, **kw}
        c = self.single_color()
        if c and "color" not in m and kind != "text":
            m["color"] = c
        return m

    def values_layer(self, x: dict, y: dict, dy: float = -3, **enc) -> dict[str, Any]:
        """Labels whose bottom stands `-dy` px above their point (a bar's end, a line's vertex)."""
        return {"name": "values", "mark": {"type": "text", "baseline": "bottom", "dy": dy, "fontSize": self.fs(self.s["value_scale"]), "color": self.ink()},
                "encoding": {"x": x, "y": y, "text": {"field": "t"}, **enc}}  # fmt: skip

    def reference(self, horizontal: bool = False) -> list[dict[str, Any]]:
        if self.s.get("reference_line") != "average":
            return []
        ch = "x" if horizontal else "y"
        v = self.s["reference_value"]
        colour = self.accent(self.fs(0.8))
        text = {"type": "text", "align": "center" if horizontal else "left", "baseline": "bottom" if horizontal else "middle",
                "dx": 0 if horizontal else 4, "dy": -4 if horizontal else 0, "color": colour, "fontSize": self.fs(0.8)}  # fmt: skip
        across: Any = 0 if horizontal else {"expr": "width"}  # outside the plot: never on a mark
        if reference_at(self.spec) == "start":  # moved to the line's near end by a repair (move_reference_text): inside the plot
            text.update({"align": "left", "baseline": "bottom", "dx": 4, "dy": -4})
            across = {"expr": "height"} if horizontal else 0
        return [
            {"name": "reference_rule", "data": {"values": [{}]}, "mark": {"type": "rule", "strokeDash": [6, 4], "color": colour},
             "encoding": {ch: {"datum": v}}},  # measured by the renderer: no value label under it
            {"name": "reference", "data": {"values": [{}]}, "mark": text,
             "encoding": {ch: {"datum": v}, ("y" if horizontal else "x"): {"value": across}, "text": {"value": self.s["reference_text"]}}},
        ]  # fmt: skip

    def callout(self, horizontal: bool = False) -> list[dict[str, Any]]:
        """A label above one mark with a short line pointing down at it (Vega-Lite has no arrows)."""
        if self.s.get("callout", "none") == "none" or horizontal:
            return []
        row = int(self.s["callout_row"])
        x_title, y_title = self.axis_titles()
        pick = [{"filter": f"datum.o == {row} && datum.d == '{row}|0'"}]
        enc = {"x": self.x_cat(x_title), "y": self.y_val(y_title)}
        colour = self.ink()
        up = -1 if callout_above(self.spec) else 1
        return [
            {"transform": pick, "mark": {"type": "rule", "color": colour, "strokeWidth": 1, "yOffset": 4 * up, "y2Offset": 18 * up},
             "encoding": {**enc, "y2": {"field": "v"}}},
            {"name": "callout", "transform": pick,
             "mark": {"type": "text", "baseline": "bottom" if up < 0 else "top", "dy": 20 * up, "fontSize": self.fs(0.85),
                      "fontWeight": "bold", "color": colour},
             "encoding": {**enc, "text": {"value": self.s["callout_text"]}}},
        ]  # fmt: skip

    # -- chart types ---------------------------------------------------------------------

    def bars(self, horizontal=False, stack=None, group=False):
        x_title, y_title = self.axis_titles()
        cat, val = self.x_cat(x_title), self.y_val(y_title)
        if stack is not None:
            val["stack"] = stack
        if stack == "normalize":
            val["axis"] = {"format": "%", "grid": self.s["grid"] != "none"}
        enc: dict[str, Any] = {"x": val, "y": cat} if horizontal else {"x": cat, "y": val}
        enc["description"] = {"field": "d"}
        multi = len(self.t.series) > 1
        if multi:
            enc["color"] = self.color()
            if group:
                # the gaps between a group's bars are the offset scale's padding, so each bar fills and
                # is centred on its own offset band, where its label is drawn: a bar's band width
                # ({"band": w}) is applied by Vega-Lite across the whole category band, not the offset
                # band, and pushed every bar (1 - w) / 2 of a category's width right, off its label
                gap = round(1 - float(self.s["bar_width"]), 4)
                enc["xOffset" if not horizontal else "yOffset"] = {"field": "s", "sort": None, "scale": {"paddingInner": gap, "paddingOuter": round(gap / 2, 4)}}
        elif self.s.get("highlight", -1) >= 0:
            enc["color"] = {"condition": {"test": f"datum.o == {self.s['highlight']}", "value": HIGHLIGHT}, "value": HIGHLIGHT_REST}
        mark = self.mark("bar", width={"band": self.s["bar_width"]} if not horizontal else None)
        if horizontal:
            mark.pop("width")
            mark["height"] = {"band": self.s["bar_width"]}
        if multi and group:
            mark.pop("height" if horizontal else "width")
        layers = [{"mark": mark, "encoding": enc}]
        if self.s["value_labels"] and stack is None:
            lab_enc = {k: v for k, v in enc.items() if k in ("x", "y", "xOffset", "yOffset")}
            layer = self.values_layer(lab_enc.pop("x"), lab_enc.pop("y"), **lab_enc)
            if horizontal:
                layer["mark"].update({"dy": 0, "dx": 4, "align": "left", "baseline": "middle"})
            if any(isinstance(v, (int, float)) and v < 0 for r in self.t.rows for v in r[1:]):
                # a negative bar ends below (left of) its base: its label goes past that end, not onto the bar
                below = {**json.loads(json.dumps(layer)), "name": "values_below"}  # layer names are unique; measured as values
                below["mark"].update({"dx": -4, "align": "right"} if horizontal else {"dy": 3, "baseline": "top"})
                layer["transform"], below["transform"] = [{"filter": "datum.v >= 0"}], [{"filter": "datum.v < 0"}]
                layers.append(below)
            hidden = self.hidden_filter()
            if hidden:  # labels a bar or another label would cross, left out on their own
                for labels in [layer] + layers[1:]:  # and the negative bars' labels (values_below)
                    labels.setdefault("transform", []).append(hidden)
            self.place_inside_labels(layer, horizontal)
            self_axis = layer
            layers.append(self_axis)
        elif self.s["value_labels"]:
            layers.append({"name": "values", "mark": {"type": "text", "fontSize": self.fs(self.s["value_scale"])},
                           "encoding": {"x": enc["x"], "y": {**enc["y"], "bandPosition": 0.5} if horizontal else enc["y"],
                                        "text": {"field": "t"}, "detail": {"field": "s"}, "color": self.inside_text()}})  # fmt: skip
            if not horizontal and stack == "zero":
                # at the middle of its own segment (a stacked text sits at its segment's end, across the
                # boundary); segments stack as the bars do: Vega-Lite's default order, series descending
                layers[-1]["transform"] = [{"stack": "v", "groupby": ["l"], "sort": [{"field": "s", "order": "descending"}], "as": ["v0", "v1"]},
                                           {"calculate": "(datum.v0 + datum.v1) / 2", "as": "vm"}]  # fmt: skip
                layers[-1]["encoding"]["y"] = {**enc["y"], "field": "vm", "stack": None}
                layers[-1]["mark"]["baseline"] = "middle"
                if hidden := self.hidden_filter():  # labels drawn too faintly on their segment, left out on their own
                    layers[-1]["transform"].append(hidden)
            elif not horizontal:
                layers[-1]["encoding"]["y"] = {**enc["y"], "stack": stack}
                layers[-1]["mark"]["baseline"] = "middle"
        return layers + self.reference(horizontal) + self.callout(horizontal)

    def lines(self, interpolate="linear", area=False, stack=False):
        x_title, y_title = self.axis_titles()
        enc = {"x": self.x_cat(x_title), "y": self.y_val(y_title, stack="zero" if stack else None)}
        if len(self.t.series) > 1:
            enc["color"] = self.color()
        base: dict[str, Any] = {"interpolate": interpolate, "strokeWidth": self.s["line_width"]}
        if area:
            base["opacity"] = self.s["area_alpha"]
            base.pop("strokeWidth")
        else:
            base["point"] = bool(self.s["markers"])
        kind = "area" if area else "line"
        mark = self.mark(kind, **base) if len(self.t.series) == 1 else {"type": kind, **base}
        layers = [{"mark": mark, "encoding": {**enc, "description": {"field": "d"}}}]
        if self.s["value_labels"]:
            # clear of the line and its point markers; a label a neighbouring segment still runs
            # through is measured by the renderer, which moves it below its point or leaves it out
            gap = self.s["line_width"] / 2 + (3.5 if self.s["markers"] else 0) + 3
            layer = self.values_layer(enc["x"], enc["y"], dy=-round(gap, 1))
            self.place_line_labels(layer, round(gap, 1))
            layers.append(layer)
        return layers + self.reference() + self.callout()

    def place_line_labels(self, layer: dict[str, Any], gap: float) -> None:
        """The renderer's placement of crossed labels (`label_sides`, `hidden_values`) as the layer's
        own filter and per-label expressions; untouched when nothing was crossed, so those specs stay as they were."""
        hidden = self.hidden_filter()
        if hidden:
            layer["transform"] = [hidden]
        sides = self.s.get("label_sides")
        if not sides:
            return
        cells = {side: sorted(f"{row}|{j}" for j, column in enumerate(sides) for row, s in enumerate(column) if s == side) for side in _VEGA_PLACES}
        mark = layer["mark"]
        for key, default in (("dx", 0), ("dy", -gap), ("align", "center"), ("baseline", "bottom")):
            expr = json.dumps(default)
            for side, (dx, dy, align, baseline) in _VEGA_PLACES.items():
                value = {"dx": dx * gap, "dy": dy * gap, "align": align, "baseline": baseline}[key]
                if cells[side] and value != default:
                    expr = f"indexof({json.dumps(cells[side])}, datum.d) >= 0 ? {json.dumps(value)} : {expr}"
            mark[key] = {"expr": expr} if expr != json.dumps(default) else default

    def hidden_filter(self) -> dict[str, str] | None:
        """The labels the renderer left out on their own (`style["hidden_values"]`) as a filter."""
        hidden = sorted(f"{row}|{series}" for series, row in self.s.get("hidden_values", ()))
        return {"filter": f"indexof({json.dumps(hidden)}, datum.d) < 0"} if hidden else None

    def place_inside_labels(self, layer: dict[str, Any], horizontal: bool) -> None:
        """The value labels the renderer moved inside their bar, against its end, off an average line
        (`style["inside_labels"]`: rows), as per-label expressions on the layer's mark, in black or
        white on the bar's colour; untouched when no label moved, so those specs stay as they were."""
        rows = sorted(int(r) for r in self.s.get("inside_labels", ()))
        if not rows:
            return
        mark = layer["mark"]

        def where(cells: list[int]) -> str:
            return f"indexof({json.dumps([f'{r}|0' for r in cells])}, datum.d) >= 0"

        inside = {"dx": -mark["dx"], "align": "right"} if horizontal else {"dy": -mark["dy"], "baseline": "top"}
        for key, value in inside.items():
            mark[key] = {"expr": f"{where(rows)} ? {json.dumps(value)} : {json.dumps(mark[key])}"}
        inks = {r: ink_for(self.bar_fill(r)) for r in rows}
        colour = json.dumps(mark["color"])
        for ink in sorted(set(inks.values())):
            colour = f"{where([r for r in rows if inks[r] == ink])} ? {json.dumps(ink)} : {colour}"
        mark["color"] = {"expr": colour}

    def bar_fill(self, row: int) -> str:
        """A single-series bar's fill as Vega draws it: the highlight's, the palette's, the theme's
        bar colour, or Vega-Lite's own."""
        hi = int(self.s.get("highlight", -1))
        if hi >= 0:
            return HIGHLIGHT if row == hi else HIGHLIGHT_REST
        if self.single_color():
            return str(self.single_color())
        theme = theme_config(self.s.get("theme", "default"))
        found = (theme.get("bar") or {}).get("fill") or (theme.get("mark") or {}).get("color")
        return found if isinstance(found, str) else _TABLEAU10[0]

    def points(self, horizontal=False, size=None):
        x_title, y_title = self.axis_titles()
        enc: dict[str, Any] = {"x": self.y_val(y_title), "y": self.x_cat(x_title)} if horizontal else {"x": self.x_cat(x_title), "y": self.y_val(y_title)}
        if horizontal:
            enc["y"]["axis"] = {**enc["y"]["axis"], "labelAngle": 0}
        if len(self.t.series) > 1:
            enc["color"] = self.color()
        enc["description"] = {"field": "d"}
        return [{"mark": self.mark("point", filled=True, size=size or self.s["marker_size"] ** 2 * 1.6), "encoding": enc}]

    def build(self) -> dict[str, Any]:
        kind = self.spec.chart_type
        t = self.t
        data = _records(t)
        top: dict[str, Any] = {}
        if kind in ("bar", "negative_bar"):
            layers = self.bars()
            if kind == "negative_bar":
                colors = list(self.s.get("colors") or []) + ["#1f77b4", "#d62728"]
                layers[0]["encoding"]["color"] = {"condition": {"test": "datum.v < 0", "value": colors[1] if colors[1] != colors[0] else "#d62728"},
                                                  "value": colors[0]}  # fmt: skip
        elif kind == "barh":
            layers = self.bars(horizontal=True)
        elif kind == "grouped_bar":
            layers = self.bars(group=True)
        elif kind == "stacked_bar":
            layers = self.bars(stack="zero")
        elif kind == "stacked_bar_100":
            layers = self.bars(stack="zero")
            layers[0]["encoding"]["y"]["scale"] = {"domain": [0, 100]}
            layers[0]["encoding"]["y"]["axis"] = {"labelExpr": "datum.value + '%'", "grid": self.s["grid"] != "none"}
        elif kind in ("line", "multi_line"):
            layers = self.lines()
        elif kind == "step_line":
            layers = self.lines(interpolate="step-after")
        elif kind == "area":
            layers = self.lines(area=True)
        elif kind == "stacked_area":
            layers = self.lines(area=True, stack=True)
        elif kind in ("scatter", "bubble"):
            data = []
            x_col = t.label_column
            for i, row in enumerate(t.rows):
                if kind == "bubble":
                    data.append({"x": row[0], "v": row[1], "z": row[2], "s": t.series[0].name, "d": f"{i}|0"})
                else:
                    for j, col in enumerate(t.series):
                        if row[j + 1] is not None:
                            data.append({"x": row[0], "v": row[j + 1], "s": col.name, "d": f"{i}|{j}"})
            x_title, y_title = self.axis_titles()
            area = BUBBLE_AREA[1] if kind == "bubble" else self.s["marker_size"] ** 2 * 1.6
            pad = edge_padding(area)  # the largest mark stays inside the plot, off the tick labels around it
            enc = {"x": {"field": "x", "type": "quantitative", "title": x_title, "scale": {"zero": False, "padding": pad},
                         "axis": {"grid": self.s["grid"] == "both", "labelAngle": -int(self.s.get("x_rotation", 0))}},
                   "y": self.y_val(y_title, scale={"zero": False, "padding": pad}), "description": {"field": "d"}}  # fmt: skip
            if kind == "bubble":
                enc["size"] = {"field": "z", "type": "quantitative", "legend": None, "scale": {"range": list(BUBBLE_AREA)}}
                mark = self.mark("circle", opacity=0.7)
            else:
                if len(t.series) > 1:
                    enc["color"] = self.color()
                mark = self.mark("point", filled=True, size=area)
            layers = [{"mark": mark, "encoding": enc}]
            assert x_col is not None
        elif kind in ("pie", "donut"):
            inner = 0 if kind == "pie" else {"expr": f"min(width, height) / 2 * {self.s['donut_hole']}"}
            enc = {"theta": {"field": "v", "type": "quantitative", "stack": True}, "color": self.color("l", legend=True),
                   "order": {"field": "o"}, "description": {"field": "d"}}  # fmt: skip
            if self.s["legend"] == "none":
                enc["color"]["legend"] = {"orient": "right"}
            layers = [{"mark": {"type": "arc", "innerRadius": inner, "stroke": "white"}, "encoding": enc}]
            if self.s["value_labels"]:
                layers.append({"name": "values", "mark": {"type": "text", "radius": {"expr": "min(width, height) / 2 * 0.78"}, "fontSize": self.fs(self.s["value_scale"])},
                               "encoding": {"theta": enc["theta"], "order": enc["order"], "text": {"field": "t"},
                                            "color": self.inside_text("l", t.labels())}})  # fmt: skip
                if hidden := self.hidden_filter():
                    # labels drawn too faintly on their slice, left out on their own: the others stay at
                    # their slice's middle, the stack Vega-Lite makes for the text (by o) made before the filter
                    layers[-1]["transform"] = [{"stack": "v", "groupby": [], "sort": [{"field": "o", "order": "ascending"}], "as": ["v0", "v1"]},
                                               {"calculate": "0.5 * datum.v0 + 0.5 * datum.v1", "as": "vm"}, hidden]  # fmt: skip
                    layers[-1]["encoding"]["theta"] = {"field": "vm", "type": "quantitative", "stack": None}
        elif kind == "histogram":
            edges, texts = histogram_edges(self.spec)
            data = [{"a": edges[i], "b": edges[i + 1], "v": r[1], "t": format_value(r[1], t.series[0]), "d": f"{i}|0"}
                    for i, r in enumerate(t.rows)]  # fmt: skip
            x_title, y_title = self.axis_titles()
            enc = {"x": {"field": "a", "type": "quantitative", "title": x_title, "axis": {"values": edges, "format": f".{int(self.s['bin_decimals'])}f", "grid": False, "labelAngle": -int(self.s.get("x_rotation", 0))},
                         "scale": {"domain": [edges[0], edges[-1]], "nice": False}},
                   "x2": {"field": "b"}, "y": self.y_val(y_title), "y2": {"datum": 0}, "description": {"field": "d"}}  # fmt: skip
            # y2 at 0: with x to x2 a range and no y2, Vega-Lite orients the bar horizontally and draws
            # a flat bar 5 px high centred on each count, not a bar up from zero (every theme)
            layers = [{"mark": self.mark("bar", stroke="white", strokeWidth=1), "encoding": enc}]
            if self.s["value_labels"]:
                layers.append({"name": "values", "mark": {"type": "text", "baseline": "bottom", "dy": -3, "fontSize": self.fs(self.s["value_scale"]), "color": self.ink()},
                               "encoding": {"x": {"field": "m", "type": "quantitative"}, "y": {"field": "v", "type": "quantitative"}, "text": {"field": "t"}},
                               "transform": [{"calculate": "(datum.a + datum.b) / 2", "as": "m"}]})  # fmt: skip
                if hidden := self.hidden_filter():  # labels a neighbouring bar would cross, left out on their own
                    layers[-1]["transform"].append(hidden)
        elif kind == "heatmap":
            # no grid: a theme's band grid runs through the middle of every cell, over its number
            enc = {"x": {"field": "s", "type": "nominal", "sort": None, "title": None,
                         "axis": {"labelAngle": -int(self.s.get("x_rotation", 0)), "labelOverlap": False, "grid": False}},
                   "y": {"field": "l", "type": "nominal", "sort": None, "title": None, "axis": {"grid": False}},
                   "color": {"field": "v", "type": "quantitative", "title": None,
                             "scale": {"domain": list(_span(t)), "range": list(HEAT_RANGE), "interpolate": "rgb", "zero": False, "nice": False}},
                   "description": {"field": "d"}}  # fmt: skip
            layers = [{"mark": {"type": "rect"}, "encoding": enc}]
            if self.s["value_labels"]:
                for record in data:  # each cell's text in black or white, by the cell's own colour
                    record["k"] = ink_for(heat_colour(record["v"], *_span(t)))
                layers.append({"name": "values", "mark": {"type": "text", "fontSize": self.fs(self.s["value_scale"])},
                               "encoding": {"x": enc["x"], "y": enc["y"], "text": {"field": "t"},
                                            "color": {"condition": {"test": "datum.k == '#000000'", "value": "#000000"}, "value": "#ffffff"}}})  # fmt: skip
                if hidden := self.hidden_filter():  # labels drawn too faintly on their cell, left out on their own
                    layers[-1]["transform"] = [hidden]
        elif kind == "lollipop":
            layers = [{"mark": {"type": "rule", "color": "#999999", "strokeWidth": 2}, "encoding": {"x": self.x_cat(self.axis_titles()[0]), "y": self.y_val(self.axis_titles()[1])}}]
            layers += self.points(size=(self.s["marker_size"] + 4) ** 2 * 1.4)
            if self.s["value_labels"]:
                layers.append(self.values_layer(layers[0]["encoding"]["x"], layers[0]["encoding"]["y"], dy=-(self.s["marker_size"] + 4) * 0.67 - 3))
            layers += self.reference() + self.callout()
        elif kind == "dot_plot":
            layers = self.points(horizontal=True)
        elif kind == "dumbbell":
            x_title, y_title = self.axis_titles()
            rule_data = {"values": [{"l": lab, "a": r[1], "b": r[2]} for lab, r in zip(t.labels(), t.rows)]}
            layers = [{"data": rule_data, "mark": {"type": "rule", "color": "#9a9a9a", "strokeWidth": 3},
                       "encoding": {"y": {"field": "l", "type": "nominal", "sort": None, "title": x_title}, "x": {"field": "a", "type": "quantitative", "title": y_title}, "x2": {"field": "b"}}}]  # fmt: skip
            layers += self.points(horizontal=True, size=(self.s["marker_size"] + 4) ** 2 * 1.4)
        elif kind == "slope":
            enc = {"x": {"field": "s", "type": "nominal", "sort": None, "title": None, "axis": {"labelAngle": -int(self.s.get("x_rotation", 0))}, "scale": {"padding": 0.6}},
                   "y": self.y_val(self.axis_titles()[1]), "color": self.color("l"), "description": {"field": "d"}}  # fmt: skip
            if self.s.get("colors") and len(self.s["colors"]) < len(t.rows):
                enc["color"].pop("scale")
            layers = [{"mark": {"type": "line", "point": True, "strokeWidth": self.s["line_width"]}, "encoding": enc}]
            if self.s["value_labels"]:
                layers.append({"name": "values", "mark": {"type": "text", "dx": {"expr": "datum.s == " + json.dumps(t.series[0].name) + " ? -8 : 8"},
                                        "align": {"expr": "datum.s == " + json.dumps(t.series[0].name) + " ? 'right' : 'left'"},
                                        "fontSize": self.fs(self.s["value_scale"])},
                               "encoding": {"x": enc["x"], "y": enc["y"], "text": {"field": "t"}}})  # fmt: skip
        elif kind == "error_bars":
            data = [{"l": lab, "v": r[1], "lo": r[1] - r[2], "hi": r[1] + r[2], "t": format_value(r[1], t.series[0]), "d": f"{i}|0"}
                    for i, (lab, r) in enumerate(zip(t.labels(), t.rows))]  # fmt: skip
            x_title, y_title = self.axis_titles()
            layers = [{"mark": self.mark("bar", width={"band": self.s["bar_width"]}), "encoding": {"x": self.x_cat(x_title), "y": self.y_val(y_title), "description": {"field": "d"}}},
                      {"mark": {"type": "errorbar", "ticks": True, "color": "#333333"}, "encoding": {"x": self.x_cat(x_title), "y": {"field": "lo", "type": "quantitative"}, "y2": {"field": "hi"}}}]  # fmt: skip
        elif kind == "rose":
            enc = {"theta": {"field": "l", "type": "nominal", "sort": None, "stack": True}, "radius": {"field": "v", "type": "quantitative", "scale": {"type": "sqrt", "zero": True}},
                   "color": self.color("l"), "description": {"field": "d"}}  # fmt: skip
            enc["color"]["legend"] = {"orient": "right"}
            layers = [{"mark": {"type": "arc", "stroke": "white"}, "encoding": enc}]
        elif kind == "small_multiples":
            x_title, y_title = self.axis_titles()
            axis = self.value_axis()
            cols = 2 if len(t.series) == 4 else len(t.series)
            top = {"facet": {"field": "s", "type": "nominal", "sort": None, "title": None}, "columns": cols,
                   "spec": {"width": self.facet_cells()[0], "height": self.facet_cells()[1],
                            "mark": self.mark("line", strokeWidth=self.s["line_width"]),
                            "encoding": {"x": {**self.x_cat(None), "axis": {"labelAngle": -int(self.s.get("x_rotation", 0)), "labelOverlap": True}}, "y": {"field": "v", "type": "quantitative", "title": None, "axis": axis}, "description": {"field": "d"}}},
                   "resolve": {"scale": {"y": "independent"}}}  # fmt: skip
            layers = []
        else:
            raise ValueError(f"vega_lite draws no chart type {kind!r}")
        out: dict[str, Any] = {"$schema": SCHEMA}
        title = self.title()
        if title:
            out["title"] = title
        out["data"] = {"values": data}
        if top:  # a facet: Vega lays it out around its cells (no "fit"); padding makes up the exact size
            out.update(top)
            pad = self.s.get("padding") or [10, 10, 10, 10]
            out["padding"] = {"left": pad[0], "top": pad[1], "right": pad[2], "bottom": pad[3]}
        else:  # the whole picture, axes, legend and furniture included, is exactly width x height
            out["width"], out["height"] = self.spec.width_px, self.spec.height_px
            out["autosize"] = {"type": "fit", "contains": "padding"}
            out["padding"] = 10
            out["layer"] = layers + self.footer()
        out["config"] = self.config()
        out["background"] = self.background()
        look = self.s.get("theme", "default")
        if look != "default":
            out["usermeta"] = {"embedOptions": {"theme": look}}
        return out

    def facet_cells(self) -> tuple[int, int]:
        """A facet's cell size: Vega adds axes, headers and title around the cells; the renderer
        measures that on a first draw and records cells and padding that make the exact size."""
        return int(self.s["cell_width"]), int(self.s["cell_height"])

    # -- colours and furniture ---------------------------------------------------------------

    def background(self) -> str:
        """Always written: a theme's transparent background would leave the PNG transparent."""
        bg = self.s.get("background") or theme_config(self.s.get("theme", "default")).get("background")
        return bg if bg and bg != "transparent" else "#ffffff"

    def backgrounds(self) -> tuple[str, ...]:
        view = (theme_config(self.s.get("theme", "default")).get("view") or {}).get("fill")
        bg = self.background()
        return (bg, view) if view and not self.s.get("background") else (bg,)

    def ink(self) -> str:
        return ink_for(self.background())

    def accent(self, px: float) -> str:
        """The average line's colour, readable for its text at `px`."""
        return readable("#d62728", self.backgrounds(), text_aim(px))

    def muted(self, px: float) -> str:
        """Notes' and brand marks' grey, readable at `px`."""
        return readable("#6b6b6b", self.backgrounds(), text_aim(px))

    def footer(self) -> list[dict[str, Any]]:
        """The note (left) and a bottom brand mark (right) under everything, a top brand mark
        above the plot's right corner. `note_gap` is the depth of the x axis block (and a bottom
        legend) under the plot: estimated here, measured by the renderer when the estimate was short."""
        s = self.s
        layers: list[dict[str, Any]] = []
        gap = int(s.get("note_gap") or note_gap_guess(self.spec))
        if s.get("note"):
            layers.append({"name": "note", "data": {"values": [{}]},
                           "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": self.fs(0.8), "color": self.muted(self.fs(0.8))},
                           "encoding": {"x": {"value": 0}, "y": {"value": {"expr": f"height + {gap}"}}, "text": {"value": s["note"]}}})  # fmt: skip
        if s.get("logo", "none") != "none":
            top = s["logo"].startswith("top")
            y = {"value": -6} if top else {"value": {"expr": f"height + {gap}"}}
            layers.append({"name": "logo", "data": {"values": [{}]},
                           "mark": {"type": "text", "align": "right", "baseline": "bottom" if top else "top", "fontSize": self.fs(0.75),
                                    "fontWeight": "bold", "color": self.muted(self.fs(0.75))},
                           "encoding": {"x": {"value": {"expr": "width"}}, "y": y, "text": {"value": logo_label(s)}}})  # fmt: skip
        return layers

    def title(self) -> dict[str, Any] | None:
        if not self.t.title:
            return None
        text = balanced_lines(self.t.title, int(self.s.get("title_lines", 1))).split("\n")
        out: dict[str, Any] = {"text": text if len(text) > 1 else text[0], "anchor": "middle" if self.s["title_align"] == "center" else "start"}
        if self.s.get("subtitle"):
            out["subtitle"] = self.s["subtitle"]
        return out

    def config(self) -> dict[str, Any]:
        s = self.s
        fam = s["font_family"]
        weight = "bold" if s["title_weight"] == "bold" else "normal"
        cfg: dict[str, Any] = {
            "font": fam,
            "title": {"font": fam, "fontSize": self.fs(s["title_scale"]), "fontWeight": weight, "subtitleFont": fam,
                      "subtitleFontSize": self.fs(0.9)},
            "axis": {"labelFont": fam, "titleFont": fam, "labelFontSize": self.fs(s["tick_scale"]), "titleFontSize": self.fs()},
            "legend": {"labelFont": fam, "titleFont": fam, "labelFontSize": self.fs(0.9), "titleFontSize": self.fs(0.9)},
            "header": {"labelFont": fam, "titleFont": fam, "labelFontSize": self.fs(0.95)},
            "text": {"font": fam},
            "view": {"stroke": None if s["grid"] == "none" else "#dddddd"},
        }  # fmt: skip
        cfg["axisX"], cfg["axisY"] = dict(cfg["axis"]), dict(cfg["axis"])  # themes style these too (urbaninstitute: Lato)
        if s.get("colors"):
            cfg["range"] = {"category": list(s["colors"])}
        self.readable_text(cfg)
        return cfg

    def readable_text(self, cfg: dict[str, Any]) -> None:
        """Text colours of the theme that do not reach their aim (`text_aim` of the size they are
        drawn at) on the background move in lightness until they do (set for every axis orientation:
        themes style axisX/axisY too); after a `text_colours` repair every text is plain ink."""
        theme = theme_config(self.s.get("theme", "default"))
        bgs = self.backgrounds()
        plain = self.s.get("text_colours") == "ink"
        for section, keys in _TEXT_COLOURS.items():
            for key in keys:
                current = _theme_colour(theme, section, key)
                size = cfg.get(section, {}).get(_TEXT_SIZES[key], self.fs())
                colour = self.ink() if plain else readable(current, bgs, text_aim(size))
                if plain or colour != current:
                    for name in ((section, f"{section}X", f"{section}Y") if section == "axis" else (section,)):
                        cfg.setdefault(name, {})[key] = colour
        if plain:
            cfg.setdefault("text", {})["color"] = self.ink()


_TEXT_COLOURS = {"axis": ("labelColor", "titleColor"), "legend": ("labelColor", "titleColor"), "title": ("color", "subtitleColor"),
                 "header": ("labelColor", "titleColor")}  # fmt: skip
_TEXT_SIZES = {"labelColor": "labelFontSize", "titleColor": "titleFontSize", "color": "fontSize", "subtitleColor": "subtitleFontSize"}  # a colour's size key
_VEGA_TEXT_DEFAULT = {"labelColor": "#000000", "titleColor": "#000000", "color": "#000000", "subtitleColor": "#000000"}


@functools.lru_cache(maxsize=None)
def _themes() -> dict[str, Any]:
    import vl_convert

    return vl_convert.get_themes()


def theme_config(theme: str) -> dict[str, Any]:
    """The config a Vega theme (vega-themes, as vl-convert bundles it) puts under the spec's."""
    return {} if theme == "default" else dict(_themes().get(theme, {}))


def _theme_colour(theme: dict[str, Any], section: str, key: str) -> str:
    for name in ((f"{section}X", section) if section == "axis" else (section,)):
        value = (theme.get(name) or {}).get(key)
        if isinstance(value, str):
            return value
    fallback = (theme.get("style") or {}).get("guide-label", {}).get("fill") if key == "labelColor" else None
    return fallback if isinstance(fallback, str) else _VEGA_TEXT_DEFAULT[key]


_TABLEAU10 = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac")
HIGHLIGHT, HIGHLIGHT_REST = "#d62728", "#b0b0b0"  # a highlighted bar and the others
HEAT_RANGE = ("#f7fbff", "#08306b")  # a heatmap's colours, interpolated in RGB: each cell's colour is known


def _span(table: Table) -> tuple[float, float]:
    vals = [v for r in table.rows for v in r[1:] if isinstance(v, (int, float))]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def heat_colour(value: float, lo: float, hi: float) -> str:
    from factory.chart_code.colours import to_hex, to_rgb

    t = min(max((value - lo) / (hi - lo), 0.0), 1.0)
    a, b = to_rgb(HEAT_RANGE[0]), to_rgb(HEAT_RANGE[1])
    return to_hex(tuple(x + (y - x) * t for x, y in zip(a, b)))  # type: ignore[arg-type]


def vega_spec(spec: Any) -> dict[str, Any]:
    return _Spec(spec).build()


def vega_code(spec: Any) -> str:
    """The chart-to-code target: the Vega-Lite spec as indented JSON."""
    return json.dumps(vega_spec(spec), indent=1, ensure_ascii=False) + "\n"
