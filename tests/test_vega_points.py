"""Vega-Lite bubbles and scatter points stay inside the plot, off the tick labels around it (the
scale's domain is widened by the largest mark's radius), and x tick labels (scatter, bubble, heatmap, slope) turn when
the legibility repair rotates them (what `source.style.x_rotation` records is what is drawn)."""

from __future__ import annotations

import math

import numpy as np

import pytest

from factory.generators.charts import ChartGenerator, ChartOptions
from factory.seeding import rng_for


@pytest.fixture(scope="module")
def renderer():
    from renderers.vega_renderer import VegaLiteRenderer

    return VegaLiteRenderer()


def _circle_meets(box: list[float], rect: list[float]) -> bool:
    cx, cy, r = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, (box[2] - box[0]) / 2
    nx, ny = min(max(cx, rect[0]), rect[2]), min(max(cy, rect[1]), rect[3])
    return math.hypot(cx - nx, cy - ny) < r


@pytest.mark.parametrize("chart_type, seeds", [("bubble", range(8)), ("scatter", range(4))])
def test_marks_stay_inside_the_plot_and_off_every_text(renderer, chart_type, seeds):
    # before the domain padding a bubble at the domain's end was centred on the axis line: bubble
    # seeds 0 and 1 drew one over a tick label, seed 4 was dropped (a tick label on a bubble, 2.85:1)
    # and each of seeds 0-3 put one across the plot's edge; scatter seed 2 put a point across it
    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=[chart_type]))
    faults = []
    for seed in seeds:
        render = renderer.render(gen.sample(rng_for(seed), seed))
        elements = render.facts["elements"]
        x0, y0, x1, y1 = elements["plot_area"]
        texts = [(key, e) for key, entries in elements.items() if key != "plot_area" for e in entries]
        marks = [m for m in render.facts["marks"] if m["kind"] in ("bubble", "point")]
        assert marks, (chart_type, seed)
        for m in marks:
            b = m["box"]
            if b[0] < x0 - 0.5 or b[1] < y0 - 0.5 or b[2] > x1 + 0.5 or b[3] > y1 + 0.5:
                faults.append(f"{chart_type} seed {seed}: mark {b} leaves the plot {elements['plot_area']}")
            faults += [f"{chart_type} seed {seed}: mark {b} over {key} {e['text']!r}" for key, e in texts if _circle_meets(b, e["box"])]
    assert faults == []


@pytest.mark.parametrize("chart_type", ["scatter", "bubble", "heatmap", "slope"])
def test_x_labels_turn_with_the_rotation_repair(renderer, chart_type):
    # these four drew level x labels whatever the repair recorded, and the audit read them turned
    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=[chart_type]))
    spec = gen.sample(rng_for(0), 0)
    spec.style["x_rotation"] = 90  # what `repair` sets after overlapping x tick labels
    render = renderer.render(spec)
    ticks = render.facts["elements"]["x_tick_labels"]
    assert ticks and render.source.style["x_rotation"] == 90
    assert all(t["box"][3] - t["box"][1] > t["box"][2] - t["box"][0] for t in ticks if len(t["text"]) >= 2), ticks


@pytest.mark.parametrize("chart_type", ["line", "area", "step_line", "histogram"])
def test_value_labels_are_clear_of_lines_and_bars(renderer, chart_type):
    """Every value label kept stands clear of the marks, read from the pixels the audit's way (no
    colour in its box but its own and its background's); a label a segment would still run through
    is measured on the SVG and moved or left out on its own. On main, labels sat on their own
    point (their middle 6 px above it): all four fail (seeds 0-11 drew 9 line, 4 area, 9 step and
    14 histogram labels crossed by a line or a neighbouring bar)."""
    from factory import images
    from factory.tools.audit import foreign_share

    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=[chart_type], value_label_probability=1.0))
    crossed, labelled = [], 0
    for seed in range(5):
        render = renderer.render(gen.sample(rng_for(seed), seed))
        pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
        labels = render.facts["elements"].get("value_labels", [])
        labelled += bool(labels)
        for entry in labels:
            x0, y0, x1, y1 = (int(v) for v in entry["box"])
            crop = pixels[max(0, y0) : y1, max(0, x0) : x1]
            if foreign_share(crop[1:-1, 1:-1]) > 0.04:
                crossed.append((seed, entry["text"]))
    assert crossed == [] and labelled >= 1


@pytest.mark.parametrize("chart_type, seeds", [("line", range(3, 10)), ("area", (0, 3, 8))])
def test_crossed_line_labels_move_or_hide_one_by_one(renderer, tmp_path, chart_type, seeds):
    """A line's value label a segment still runs through moves below its point (an area's, which
    cannot go into its fill, is hidden): only that label, the others stay. Before, the chart was
    redrawn with no value labels at all (these seeds: 5 line and 4 area charts lost every label).
    Each label the json lists is drawn clear of the marks, and the chart's Vega-Lite code (which
    carries the placement) redraws the same pixels."""
    from factory import images
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file
    from factory.tools.audit import foreign_share

    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=[chart_type], value_label_probability=1.0))
    placed, moved, faults = 0, 0, []
    for seed in seeds:
        render = renderer.render(gen.sample(rng_for(seed), seed))
        style = render.source.style
        assert "drop_value_labels" not in render.source.repairs, (seed, render.source.repairs)
        if not any(r.startswith("value_labels_placed") for r in render.source.repairs):
            continue
        placed += 1
        moved += len(style.get("flipped_labels", ()))
        table = render.source.table
        shown = sum(v is not None for j in range(len(table.series)) for v in table.values(j)) - len(style["hidden_values"])
        labels = render.facts["elements"]["value_labels"]
        assert len(labels) == shown > 0, (seed, len(labels), shown)
        pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
        for entry in labels:
            x0, y0, x1, y1 = (int(v) for v in entry["box"])
            if foreign_share(pixels[max(0, y0) : y1, max(0, x0) : x1][1:-1, 1:-1]) > 0.04:
                faults.append((seed, entry["text"]))
        path = tmp_path / f"{seed}.json"
        path.write_text(chart_code(render.source), encoding="utf-8")
        again = np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB"))
        assert np.array_equal(again, pixels), seed
    assert faults == [] and placed >= 3
    assert moved >= (3 if chart_type == "line" else 0)


@pytest.mark.parametrize("seed", [1, 19, 42, 53, 76])
def test_average_line_stays_and_the_crossed_bar_label_moves_inside(renderer, tmp_path, seed):
    """A bar's (barh's) value label the average line runs through moves inside its bar, against its
    end, in black or white on the bar, and the line stays. Before, the chart was redrawn without
    the line (these seeds: 5 of the 9 in the first 25 labelled bar/barh charts with an average line
    that dropped it). Every label is drawn, a moved one wholly inside its own bar, none crossed in
    the pixels, and the chart's Vega-Lite code (which carries the placement) redraws the same pixels."""
    from factory import images
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file
    from factory.tools.audit import foreign_share

    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=["bar", "barh"], value_label_probability=1.0))
    spec = gen.sample(rng_for(seed), seed)
    assert spec.style["reference_line"] == "average" and spec.style["value_labels"]
    render = renderer.render(spec)
    style = render.source.style
    assert style["reference_line"] == "average" and style["inside_labels"], render.source.repairs
    labels = render.facts["elements"]["value_labels"]
    assert len(labels) == len(render.source.table.rows)  # drawn in row order, none left out
    bars = {m["row"]: m["box"] for m in render.facts["marks"] if m["kind"] == "bar"}
    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    for row, entry in enumerate(labels):
        x0, y0, x1, y1 = entry["box"]
        if row in style["inside_labels"]:
            b = bars[row]
            assert b[0] <= x0 + 1 and b[1] <= y0 + 1 and x1 - 1 <= b[2] and y1 - 1 <= b[3], (row, entry, b)
        crop = pixels[max(0, int(y0)) : int(y1), max(0, int(x0)) : int(x1)][1:-1, 1:-1]
        assert foreign_share(crop) <= 0.04, (row, entry["text"])
    path = tmp_path / "chart.json"
    path.write_text(chart_code(render.source), encoding="utf-8")
    again = np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB"))
    assert np.array_equal(again, pixels)


def _uncrossed_and_redrawn(render, renderer, tmp_path, labels: list[dict]) -> None:
    """No mark runs through any of `labels` in the pixels (the audit's reader), and the chart's
    Vega-Lite code redraws the very same pixels."""
    from factory import images
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file
    from factory.tools.audit import foreign_share

    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    for entry in labels:
        x0, y0, x1, y1 = (int(v) for v in entry["box"])
        assert foreign_share(pixels[max(0, y0) : y1, max(0, x0) : x1][1:-1, 1:-1]) <= 0.04, entry["text"]
    path = tmp_path / "chart.json"
    path.write_text(chart_code(render.source), encoding="utf-8")
    again = np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB"))
    assert np.array_equal(again, pixels)


def test_two_overlapping_line_labels_hide_only_the_moved_one(renderer, tmp_path):
    """A multi_line chart of the charts recipe (300 samples, seed 13: the one Vega-Lite chart that
    lost every value label there): a crossed label moved below its point lands on the other
    series' label. The overlap is named (series, row) and only the moved label is left out
    (`hidden_values`); before, the chart was redrawn with no value labels at all. Every other
    label is drawn, none on another or crossed in the pixels, and the code redraws the same pixels."""
    from factory.recipe import load_recipe
    from factory.samples import Workshop
    from renderers.engine_legibility import text_box
    from renderers.matplotlib_renderer import overlapping_pairs

    seed = 1190814494368683383
    workshop = Workshop(load_recipe("charts", {"seed": 13}))
    rng = rng_for(seed)
    task = workshop.choose_task(float(rng.random()))
    spec = workshop.tasks[task].prepare(workshop.task_generators[task].sample(rng, seed), rng)
    assert spec.chart_type == "multi_line" and spec.style["value_labels"]
    render = renderer.render(spec)
    style = render.source.style
    assert style["value_labels"] and "drop_value_labels" not in render.source.repairs, render.source.repairs
    hidden = {tuple(cell) for cell in style["hidden_values"]}
    assert len(hidden) == 1 and hidden <= {tuple(cell) for cell in style["flipped_labels"]}, style
    table = render.source.table
    labels = render.facts["elements"]["value_labels"]
    assert len(labels) == sum(v is not None for j in range(len(table.series)) for v in table.values(j)) - 1
    assert overlapping_pairs([text_box("value", e["text"], e["box"]) for e in labels]) == []
    _uncrossed_and_redrawn(render, renderer, tmp_path, labels)


def test_labels_a_neighbouring_bar_crosses_are_hidden_one_by_one(renderer, tmp_path):
    """A grouped bar chart (seed 1) drawn 560 px wide, its bars too narrow for their labels: the label
    a neighbouring, taller bar runs through ("100.5", beside "102.8") is left out on its own
    (`hidden_values`), the other eleven stay. Before aa320b8 the chart was redrawn with no value
    labels at all. (At its own 960 px, since each bar is centred on its label, no label is crossed.)
    The code redraws the same pixels."""

    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=["grouped_bar"], value_label_probability=1.0))
    spec = gen.sample(rng_for(1), 1)
    spec.width_px = 560
    render = renderer.render(spec)
    style = render.source.style
    assert style["value_labels"] and "drop_value_labels" not in render.source.repairs, render.source.repairs
    table = render.source.table
    labels = render.facts["elements"]["value_labels"]
    assert len(style["hidden_values"]) == 1 and len(labels) == len(table.rows) * len(table.series) - 1
    _uncrossed_and_redrawn(render, renderer, tmp_path, labels)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_bar_labels_stand_over_their_own_bars(renderer, tmp_path, seed):
    """Each grouped bar is centred on its own offset band, where Vega-Lite draws its value label, so
    every label stands centred over its own bar, just above its end. Before, Vega-Lite applied the
    bar's band width ({"band": w}) across the whole category band and pushed every bar right by
    (1 - w) / 2 of it, half a bar or more off its label: in seed 1 (4 series) a neighbouring bar
    crossed three labels, which were hidden; now all twelve are drawn. Measured on the SVG's boxes,
    labels clear of the marks in the pixels, and the code redraws the same pixels."""
    from factory import images
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file
    from factory.tools.audit import foreign_share

    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=["grouped_bar"], value_label_probability=1.0))
    render = renderer.render(gen.sample(rng_for(seed), seed))
    style = render.source.style
    assert style["value_labels"] and not style.get("hidden_values") and "drop_value_labels" not in render.source.repairs, render.source.repairs
    table = render.source.table
    assert len(table.series) >= 2 and all(v >= 0 for r in table.rows for v in r[1:])
    labels = render.facts["elements"]["value_labels"]
    bars = {(m["row"], m["series"]): m for m in render.facts["marks"] if m["kind"] == "bar"}
    cells = [(i, j) for i in range(len(table.rows)) for j in range(len(table.series))]  # the values layer's order
    assert len(labels) == len(cells) == len(bars)
    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    for cell, entry in zip(cells, labels):
        bar = bars[cell]
        assert entry["text"] == bar["value"]
        x0, y0, x1, y1 = entry["box"]
        assert abs((x0 + x1) / 2 - (bar["box"][0] + bar["box"][2]) / 2) <= 1, (cell, entry, bar)
        assert 0 <= bar["box"][1] - y1 <= 6, (cell, entry, bar)  # just above its own bar's end
        crop = pixels[max(0, int(y0)) : int(y1), max(0, int(x0)) : int(x1)][1:-1, 1:-1]
        assert foreign_share(crop) <= 0.04, (cell, entry["text"])
    path = tmp_path / "chart.json"
    path.write_text(chart_code(render.source), encoding="utf-8")
    again = np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB"))
    assert np.array_equal(again, pixels)


@pytest.mark.parametrize("seed", [0, 1, 10, 30])
def test_histogram_value_labels_are_drawn_in_readable_ink(renderer, tmp_path, seed):
    """A histogram's value labels are drawn in the ink every other value label uses (black or white
    by the background). Before, they had no colour: Vega's black on the dark theme (1.30:1), the
    theme's text colour on urbaninstitute and powerbi, and every label was dropped (these seeds:
    4 of the 11 of 40 labelled histograms, seeds 0-39). Every label is drawn, its glyphs at 4.5:1
    or more in the pixels, and the code redraws the same pixels."""
    from factory import images
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file
    from renderers.engine_legibility import drawn_contrast

    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=["histogram"], value_label_probability=1.0))
    render = renderer.render(gen.sample(rng_for(seed), seed))
    assert render.source.style["value_labels"] and "drop_value_labels" not in render.source.repairs, render.source.repairs
    labels = render.facts["elements"]["value_labels"]
    assert len(labels) == len(render.source.table.rows)
    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    low = [(e["text"], round(r, 2)) for e in labels if (r := drawn_contrast(pixels, {"box": e["box"]})) is not None and r < 4.5]
    assert low == []
    path = tmp_path / "chart.json"
    path.write_text(chart_code(render.source), encoding="utf-8")
    again = np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB"))
    assert np.array_equal(again, pixels)


@pytest.mark.parametrize("seed", [5, 10])
def test_histogram_bars_stand_on_zero(renderer, tmp_path, seed):
    """Each histogram bar runs from zero (the plot's bottom) up to its count, across its bin. Before,
    Vega-Lite oriented the ranged bar (x to x2, no y2) horizontally and drew a flat bar 5 px high
    centred on each count, in every theme (seed 5: default, seed 10: dark). Measured on the SVG's
    boxes and read in the pixels (the middle of each bar is the bar's colour, not the background);
    the code redraws the same pixels."""
    from factory import images
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file

    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=["histogram"]))
    render = renderer.render(gen.sample(rng_for(seed), seed))
    table = render.source.table
    bars = sorted((m for m in render.facts["marks"] if m["kind"] == "bar"), key=lambda m: m["row"])
    assert [m["row"] for m in bars] == list(range(len(table.rows)))
    bottom = render.facts["elements"]["plot_area"][3]
    assert all(abs(m["box"][3] - bottom) <= 1.5 for m in bars), (bottom, [m["box"] for m in bars])
    heights = [(m["box"][3] - m["box"][1], table.rows[m["row"]][1]) for m in bars]
    per_unit = max(h for h, _ in heights) / max(v for _, v in heights)
    assert all(abs(h - v * per_unit) <= 2 for h, v in heights), heights  # in proportion to the counts (a px of stroke)
    pixels = np.asarray(images.decode(render.encoded).convert("RGB")).astype(int)
    background = pixels[int(bottom) - 2, 2]
    for m in bars:
        x0, y0, x1, y1 = m["box"]
        if y1 - y0 < 8:
            continue
        middle = pixels[int((y0 + y1) / 2), int((x0 + x1) / 2)]
        assert np.abs(middle - background).sum() > 60, (m, middle, background)
    path = tmp_path / "chart.json"
    path.write_text(chart_code(render.source), encoding="utf-8")
    again = np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB"))
    assert np.array_equal(again, pixels.astype(np.uint8))


@pytest.mark.parametrize("seed, chart_type", [(4380689159058277189, "pie"), (6694311431764553745, "pie"), (2817314445907543773, "pie"),
                                              (7126099497179337149, "stacked_bar"), (3765885230192669498, "stacked_bar"),
                                              (4457162041005177848, "stacked_bar_100")])  # fmt: skip
def test_faint_labels_on_slices_and_segments_are_hidden_one_by_one(renderer, tmp_path, seed, chart_type):
    """The charts recipe's (300 samples, seed 13) six Vega-Lite charts that lost every value label:
    a label on its own slice or stacked segment whose glyphs are drawn at 4.05-4.49:1 (black or
    white on a mid colour, below 4.5:1 by `drawn_contrast`). That label is now named (series, row)
    and left out on its own (`hidden_values`); before, the chart was redrawn with no value labels
    at all. The labels drawn are the table's values in data order less the hidden ones, each at
    4.5:1 or more in the pixels, and the code redraws the same pixels."""
    from factory import images
    from factory.chart_code.targets import chart_code
    from factory.recipe import load_recipe
    from factory.tools.render_chart import render_file
    from factory.samples import Workshop
    from factory.tabular import format_value
    from renderers.engine_legibility import drawn_contrast

    workshop = Workshop(load_recipe("charts", {"seed": 13}))
    rng = rng_for(seed)
    task = workshop.choose_task(float(rng.random()))
    spec = workshop.tasks[task].prepare(workshop.task_generators[task].sample(rng, seed), rng)
    assert spec.chart_type == chart_type and spec.engine == "vega_lite" and spec.style["value_labels"]
    render = renderer.render(spec)
    style = render.source.style
    assert style["value_labels"] and "drop_value_labels" not in render.source.repairs, render.source.repairs
    hidden = {tuple(cell) for cell in style["hidden_values"]}
    assert 1 <= len(hidden) <= 3, hidden
    table = render.source.table
    shown = [format_value(row[j + 1], column) for i, row in enumerate(table.rows) for j, column in enumerate(table.series)
             if row[j + 1] is not None and (j, i) not in hidden]  # fmt: skip
    labels = render.facts["elements"]["value_labels"]
    assert [e["text"].strip() for e in labels] == [t.strip() for t in shown]
    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    assert [(e["text"], r) for e in labels if (r := drawn_contrast(pixels, {"box": e["box"]})) is not None and r < 4.5] == []
    path = tmp_path / "chart.json"
    path.write_text(chart_code(render.source), encoding="utf-8")
    again = np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB"))
    assert np.array_equal(again, pixels)
