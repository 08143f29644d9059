"""Vega-Lite value labels on slices, stacked segments and heatmap cells go one by one: a label on
another label, a label too big for its thin segment (it spills onto the background in white, 1:1)
and a label drawn too faintly on its cell are each named (series, row) and left out on their own
(`hidden_values`), not every value label of the chart ("drop_value_labels", as before). The labels
drawn are the table's values in data order less the hidden ones, none on another; the targets do
not claim a hidden label as printed, and the chart's Vega-Lite code redraws the same pixels."""

from __future__ import annotations

import numpy as np
import pytest

from factory.generators.charts import ChartGenerator, ChartOptions
from factory.seeding import rng_for


@pytest.fixture(scope="module")
def renderer():
    from renderers.vega_renderer import VegaLiteRenderer

    return VegaLiteRenderer()


def _spec(chart_type: str, seed: int):
    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=[chart_type], value_label_probability=1.0))
    spec = gen.sample(rng_for(seed), seed)
    assert spec.chart_type == chart_type and spec.style["value_labels"]
    return spec


def _recipe_spec(seed: int):
    """A sample's chart spec as `generate` makes it for the recipe of the audit in the report
    (charts, seed 5, Vega-Lite only, pie, donut, stacked and heatmap, value labels always)."""
    from factory.recipe import load_recipe
    from factory.samples import Workshop

    overrides = {"seed": 5, "generators.charts.engines": {"vega_lite": 1}, "generators.charts.value_label_probability": 1.0,
                 "generators.charts.chart_types": ["pie", "donut", "stacked_bar", "stacked_bar_100", "heatmap"]}  # fmt: skip
    workshop = Workshop(load_recipe("charts", overrides))
    rng = rng_for(seed)
    task = workshop.choose_task(float(rng.random()))
    return workshop.tasks[task].prepare(workshop.task_generators[task].sample(rng, seed), rng)


def _one_hidden(render, renderer, tmp_path, among: set[tuple[int, int]]) -> tuple[int, int]:
    """The one label left out (one of `among`); every other drawn in data order, none on another,
    only those printed for the questions, and the same pixels from the chart's code."""
    from factory import images
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file
    from factory.tabular import format_value
    from factory.tasks.chart_qa import chart_view
    from factory.tasks.chart_questions import drawn_view
    from renderers.engine_legibility import text_box
    from renderers.matplotlib_renderer import overlapping_pairs

    source = render.source
    assert source.style["value_labels"] and "drop_value_labels" not in source.repairs, source.repairs
    hidden = {tuple(cell) for cell in source.style["hidden_values"]}
    assert len(hidden) == 1 and hidden <= among, (hidden, among)
    table = source.table
    cells = [(j, i) for i, row in enumerate(table.rows) for j in range(len(table.series)) if row[j + 1] is not None]
    shown = [format_value(table.rows[i][j + 1], table.series[j]) for j, i in cells if (j, i) not in hidden]
    labels = render.facts["elements"]["value_labels"]
    assert [e["text"].strip() for e in labels] == [t.strip() for t in shown]
    assert overlapping_pairs([text_box("value", e["text"], e["box"]) for e in labels]) == []
    view = drawn_view(chart_view(source, render.facts["elements"]), table, render.facts["elements"])
    assert view.printed_cells == set(cells) - hidden
    path = tmp_path / "chart.json"
    path.write_text(chart_code(source), encoding="utf-8")
    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    assert np.array_equal(np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB")), pixels)
    return next(iter(hidden))


@pytest.mark.parametrize("chart_type, seed", [("pie", 2), ("donut", 2), ("stacked_bar", 0), ("stacked_bar", 4), ("stacked_bar_100", 1)])
def test_two_overlapping_labels_hide_only_one(renderer, tmp_path, chart_type, seed):
    """The first two rows' slices (or the first bar's two lowest segments) made a few thousandths
    of the whole: their labels stand on each other. The later one is left out, the other stays."""
    spec = _spec(chart_type, seed)
    rows = spec.table.rows
    if chart_type in ("pie", "donut"):
        small = round(sum(r[1] for r in rows) * 0.004, spec.table.series[0].decimals)
        rows[0][1] = rows[1][1] = small
        pair = {(0, 0), (0, 1)}
    else:
        top = max(sum(v for v in r[1:] if v is not None) for r in rows)
        rows[0][1] = round(top * 0.01, spec.table.series[0].decimals)
        rows[0][2] = round(top * 0.012, spec.table.series[1].decimals)
        pair = {(0, 0), (1, 0)}
    assert _one_hidden(renderer.render(spec), renderer, tmp_path, pair) == (max(pair) if chart_type not in ("pie", "donut") else (0, 1))


def test_a_label_spilling_off_its_segment_is_hidden_alone(renderer, tmp_path):
    """A stacked bar's lowest segment 1% of the tallest bar: its white label "6.5" is taller than the
    segment and spills onto the white background (1:1, `contrast_check`). It alone is left out."""
    spec = _spec("stacked_bar", 2)
    rows = spec.table.rows
    top = max(sum(v for v in r[1:] if v is not None) for r in rows)
    rows[0][1] = round(top * 0.01, spec.table.series[0].decimals)
    rows[0][2] = round(top * 0.012, spec.table.series[1].decimals)
    assert _one_hidden(renderer.render(spec), renderer, tmp_path, {(0, 0), (1, 0)}) == (0, 0)


@pytest.mark.parametrize("seed", [8409339834385692557, 6256351679134809858])
def test_a_faint_heatmap_label_is_hidden_alone(renderer, tmp_path, seed):
    """Two heatmaps of the audit's recipe (200 samples) that lost every value label: one cell's
    label drawn at 4.2-4.4:1 on its mid blue (`drawn_contrast`). Only that cell's label goes, and
    every label drawn reaches 4.5:1 in the pixels."""
    from factory import images
    from renderers.engine_legibility import drawn_contrast

    spec = _recipe_spec(seed)
    assert spec.chart_type == "heatmap" and spec.engine == "vega_lite" and spec.style["value_labels"]
    render = renderer.render(spec)
    table = render.source.table
    _one_hidden(render, renderer, tmp_path, {(j, i) for i in range(len(table.rows)) for j in range(len(table.series))})
    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    labels = render.facts["elements"]["value_labels"]
    assert [(e["text"], r) for e in labels if (r := drawn_contrast(pixels, {"box": e["box"]})) is not None and r < 4.5] == []


def test_the_fewest_labels_part_every_overlap():
    """A label on both its neighbours goes alone (the later of each pair hid two); a label moved
    off its point still goes before one that stayed (lines)."""
    from renderers.vega_renderer import _fewest_to_hide

    assert _fewest_to_hide([(0, 1), (1, 2)], set()) == {1}
    assert _fewest_to_hide([(0, 1)], {0}) == {0}
    assert _fewest_to_hide([(0, 1), (1, 2)], {0, 2}) == {0, 2}
    assert len(_fewest_to_hide([(5, 6), (8, 11), (9, 10), (9, 11), (10, 11)], set())) == 3


def test_a_label_moved_inside_its_bar_then_hidden_keeps_the_average_line(renderer, tmp_path):
    """Seed 179's average line crossed four bar labels; they moved inside their bars, where three
    drew too faintly on the bar's colour and were hidden. The check that moved labels fit their
    bar no longer finds a hidden one missing (it reported "does not fit" and the line went): the
    line stays, the three labels are hidden, every other label is drawn and the code redraws it."""
    from factory import images
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file

    gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=["bar", "barh"], value_label_probability=1.0))
    spec = gen.sample(rng_for(179), 179)
    assert spec.style["reference_line"] == "average" and spec.style["value_labels"]
    render = renderer.render(spec)
    style = render.source.style
    assert style["reference_line"] == "average", render.source.repairs
    hidden = {tuple(cell) for cell in style.get("hidden_values", ())}
    assert hidden and {row for _, row in hidden} <= set(style["inside_labels"]), (hidden, style.get("inside_labels"))
    assert len(render.facts["elements"]["value_labels"]) == len(render.source.table.rows) - len(hidden)
    path = tmp_path / "chart.json"
    path.write_text(chart_code(render.source), encoding="utf-8")
    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    assert np.array_equal(np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB")), pixels)
