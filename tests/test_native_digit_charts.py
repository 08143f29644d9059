"""Charts in locales with native digits write every number in them: axis ticks too.

plotly.js formats axis numbers with 0-9 only (its locales set the separators, not the numerals),
so the Plotly renderer learns the ticks it chose in a first draw and the figure gives them back
with their texts in the sample's digits (`style.native_ticks`). No OCR: the test reads the text of
every <text> element of the drawn SVG in the renderer's own page, then the targets (DePlot table,
QA answers, the Plotly script) and checks the script draws the same pixels. Plotly is the only
engine that draws these scripts (`chart_engines.ENGINE_SCRIPTS`), so it is the one tested.
"""

from __future__ import annotations

import os
import re
import unicodedata

import numpy as np
import pytest

from factory import images
from factory.generators import locales
from factory.recipe import recipe_from_dict
from factory.samples import Workshop
from factory.seeding import rng_for, sample_seed
from factory.tasks.chart_tasks import ChartTaskOptions, ChartToTable

HAVE_CHROMIUM = os.access("/usr/bin/chromium", os.X_OK) or bool(os.environ.get("RENDER_FACTORY_CHROMIUM"))
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine")

# Every locale with native digits, each with chart types whose numbers sit on different axes:
# y (bar), x (barh, scatter), a second y axis (combo), the polar radial axis (radar), a colour bar
# (heatmap), bullet gauges and their numbers (bullet), one axis per facet (small_multiples), percent
# ticks (stacked_bar_100).
CASES = [("ar_EG", "bar"), ("fa_IR", "barh"), ("hi_IN", "combo"), ("bn_BD", "radar"), ("th_TH", "heatmap"),
         ("ar_EG", "bullet"), ("fa_IR", "small_multiples"), ("hi_IN", "scatter"), ("th_TH", "stacked_bar_100")]
# the texts of every <text> of the chart's SVG, as drawn
_SVG_TEXTS_JS = "() => Array.from(document.querySelectorAll('#chart text'), (t) => t.textContent).filter((s) => s.trim())"


def digit_systems(text: str) -> set[str]:
    """The numbering systems of the decimal digits in `text` ('latn', 'arab', ...)."""
    zeros = {chr(zero): name for name, zero in locales.DIGIT_ZERO.items()}
    return {zeros.get(chr(ord(c) - unicodedata.digit(c)), "other") for c in text if unicodedata.category(c) == "Nd"}


@pytest.fixture(scope="module")
def plotly():
    from renderers.plotly_renderer import PlotlyRenderer

    renderer = PlotlyRenderer({})
    yield renderer
    renderer.close()


def draw(plotly, code: str, chart_type: str, digits: str = "native"):
    """The first kept chart of this type and locale: its spec, render, the SVG's texts and its targets."""
    from factory.errors import Dropped

    recipe = recipe_from_dict({"seed": 3, "tasks": {"chart_to_table": 1}, "generators": {"charts": {
        "locales": [code], "engines": {"plotly": 1.0}, "chart_types": [chart_type], "digits": digits, "table": {"source": "faker"}}}})
    (gen,) = Workshop(recipe).generators.values()
    for attempt in range(6):
        seed = sample_seed(3, 0, attempt)
        spec = gen.sample(rng_for(seed), seed)
        try:
            render = plotly.render(spec)
        except Dropped:
            continue
        texts = plotly._plot_tab().page.evaluate(_SVG_TEXTS_JS)
        targets = ChartToTable(ChartTaskOptions()).secondary(render.source, rng_for(seed), render)
        return spec, render, texts, targets
    raise AssertionError(f"no {code} {chart_type} chart kept in 6 attempts")


@needs_chromium
@pytest.mark.parametrize("code,chart_type", CASES)
def test_every_number_drawn_and_written_in_native_digits(plotly, code, chart_type):
    system = locales.info(code).digits
    spec, render, texts, targets = draw(plotly, code, chart_type)
    assert render.source.table.series[0].digits == system
    # every number the SVG shows is in the locale's digits: ticks, value labels, notes
    western = [t for t in texts if digit_systems(t) - {system}]
    assert not western, f"{code} {chart_type}: drawn with other digits: {western[:6]}"
    ticks = render.source.style.get("native_ticks") or []
    assert ticks and all(len(values) == len(shown) >= 2 for _, values, shown in ticks), ticks
    numbers = [t for t in texts if digit_systems(t) == {system}]
    assert len(numbers) >= 4, texts
    elements = render.facts["elements"]
    tick_texts = [t["text"] for kind in ("x_tick_labels", "y_tick_labels", "texts", "colorbar_labels") for t in elements.get(kind, [])]
    assert sum(digit_systems(t) == {system} for t in tick_texts) >= 3, tick_texts
    # the targets write the numbers as shown: the DePlot table's values, the drawn value labels,
    # QA answers, and the script's tick texts
    assert digit_systems(targets["table"]) == {system}, targets["table"][:200]
    for label in elements.get("value_labels", []):
        assert label["text"] in targets["table"], label["text"]
    asked = [str(q[k]) for q in targets["qa"] for k in ("question", "answer") if digit_systems(str(q[k]))]
    assert all(digit_systems(a) == {system} for a in asked), asked
    for path, values, shown in ticks:
        for text in shown:
            assert repr(locales.to_digits(text, system)) in targets["code"], (path, text)


@needs_chromium
@pytest.mark.slow
def test_native_digit_scripts_redraw_the_same_pixels_and_western_digits_stay_western(plotly, tmp_path):
    from factory.tools.render_chart import render_file

    for code, chart_type in (("hi_IN", "combo"), ("ar_EG", "bullet")):
        _, render, _, targets = draw(plotly, code, chart_type)
        script = tmp_path / f"{code}_{chart_type}.py"
        script.write_text(targets["code"], encoding="utf-8")
        a = np.asarray(images.decode(render_file(script, renderer=plotly)).convert("RGB"))
        b = np.asarray(images.decode(render.encoded).convert("RGB"))
        assert a.shape == b.shape and np.array_equal(a, b), f"{code} {chart_type}: the script draws other pixels"
    # digits: western in the same locale: 0-9 everywhere, no learned ticks, no extra draw
    spec, render, texts, targets = draw(plotly, "ar_EG", "bar", digits="western")
    assert "native_ticks" not in render.source.style
    assert set().union(*(digit_systems(t) for t in texts)) == {"latn"}
    assert digit_systems(targets["table"]) == {"latn"}
    assert re.search(r"[0-9]", targets["code"])


@needs_chromium
@pytest.mark.parametrize("code,chart_type", [("bn_BD", "bar"), ("ar_EG", "line"), ("fa_IR", "barh")])
def test_qa_programs_rerun_from_the_json_give_the_native_digit_answers(plotly, code, chart_type):
    """Each stored program, run again on the sample's json alone, writes the stored answer in the
    chart's digits, and the audit's answerability reader finds every printed value it cites."""
    import json

    from factory.generators.charts import ChartGenerator, ChartOptions
    from factory.tasks.chart_questions import program_env
    from factory.tasks.qa_programs import execute
    from factory.tools.audit import qa_problems

    _, render, _, _ = draw(plotly, code, chart_type)
    targets = ChartToTable(ChartTaskOptions(qa="programs", questions=8)).secondary(render.source, rng_for(5), render)
    meta = json.loads(json.dumps({"source": ChartGenerator(ChartOptions()).describe(render.source), "targets": targets,
                                  "render": {"elements": render.facts["elements"]}}))  # fmt: skip
    env = program_env(meta)
    for pair in targets["qa"]:
        program = pair["program"]
        assert execute(program["expr"], program["format"], env).answer == pair["answer"], pair["question"]
        assert "latn" not in digit_systems(pair["answer"]), pair
    assert targets["qa"] and qa_problems(meta)[1] == []
