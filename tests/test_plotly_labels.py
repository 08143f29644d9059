"""Plotly heatmap value labels go one by one: a label drawn too faintly on its mid-coloured cell
(`drawn_contrast` under 4.5:1) is named (column, row) and left out on its own (`hidden_values`).
Before, the labels were one text trace for the whole grid, no label could be named, and the chart
lost every value label ("drop_value_labels": 5 of the first 20 labelled heatmaps). The labels
drawn are the table's values less the hidden one, the targets do not claim it, every label drawn
reads at 4.5:1 in the pixels, and the chart's Plotly code redraws the same pixels."""

from __future__ import annotations

import numpy as np
import pytest

from factory.generators.charts import ChartGenerator, ChartOptions
from factory.seeding import rng_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def renderer():
    from renderers.plotly_renderer import PlotlyRenderer

    r = PlotlyRenderer()
    yield r
    r.close()


@pytest.mark.parametrize("seed", [2, 8])
def test_a_faint_plotly_heatmap_label_is_hidden_alone(renderer, tmp_path, seed):
    from factory import images
    from renderers.glyph_contrast import drawn_contrast

    gen = ChartGenerator(ChartOptions(engines={"plotly": 1}, chart_types=["heatmap"], value_label_probability=1.0))
    spec = gen.sample(rng_for(seed), seed)
    assert spec.chart_type == "heatmap" and spec.style["value_labels"]
    from factory.chart_code.targets import chart_code
    from factory.tools.render_chart import render_file
    from factory.tabular import format_value
    from factory.tasks.chart_qa import chart_view
    from factory.tasks.chart_questions import drawn_view
    from renderers.engine_legibility import text_box
    from renderers.matplotlib_renderer import overlapping_pairs

    render = renderer.render(spec)
    source, table = render.source, render.source.table
    assert "drop_value_labels" not in source.repairs, source.repairs
    hidden = {tuple(cell) for cell in source.style["hidden_values"]}
    assert len(hidden) == 1, hidden
    cells = {(j, i) for i, row in enumerate(table.rows) for j in range(len(table.series)) if row[j + 1] is not None}
    labels = render.facts["elements"]["value_labels"]
    # drawn a column at a time: the same texts as the table's cells less the hidden one
    assert sorted(e["text"].strip() for e in labels) == sorted(format_value(table.rows[i][j + 1], table.series[j]).strip() for j, i in cells - hidden)
    assert overlapping_pairs([text_box("value", e["text"], e["box"]) for e in labels]) == []
    assert drawn_view(chart_view(source, render.facts["elements"]), table, render.facts["elements"]).printed_cells == cells - hidden
    pixels = np.asarray(images.decode(render.encoded).convert("RGB"))
    path = tmp_path / "chart.py"
    path.write_text(chart_code(source), encoding="utf-8")
    assert np.array_equal(np.asarray(images.decode(render_file(path, renderer=renderer)).convert("RGB")), pixels)
    assert [(e["text"], r) for e in labels if (r := drawn_contrast(pixels, {"box": e["box"]})) is not None and r < 4.5] == []
