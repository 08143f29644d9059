"""Issue 13, finding 4: a chart target asks only for what the image can give.

QA: every question records how its answer can be read, and an estimated answer is within
ChartQA's 5% relaxed accuracy of what a reader can read off the axis (checked here from the
sample's own drawn texts: tick labels, value labels); a question names only row labels the image
prints. DePlot: the unit the axis shows is in the header or title; in 'visible' mode every header
cell is drawn. Fails on the code before the fix.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from factory.components import to_jsonable
from factory.errors import Dropped
from factory.generators.charts import ChartGenerator, ChartOptions
from factory.seeding import rng_for
from factory.tasks.chart_tasks import ChartQA, ChartTaskOptions, ChartToTable
from factory.tools.audit import qa_problems
from renderers.matplotlib_renderer import MatplotlibRenderer


@pytest.fixture(scope="module")
def drawn():
    gen, renderer = ChartGenerator(ChartOptions()), MatplotlibRenderer({})
    out = []
    for seed in range(24):
        spec = gen.sample(rng_for(seed), seed)
        try:
            out.append((seed, renderer.render(spec)))
        except Dropped:
            pass
    return out


def test_every_question_can_be_answered_from_the_image(drawn):
    """Each QA pair is re-read with the audit's own rule (factory.tools.audit.qa_problems, which
    knows nothing of the task): the rows it names are printed; a printed or computed answer's
    values are printed value labels; an estimate's tolerance is within ChartQA's 5% of the answer
    and no finer than what reading the axis allows (a tenth of a tick step per value not printed,
    divided by their number for an average)."""
    asked, estimates = 0, Counter()
    for seed, render in drawn:
        spec = render.source
        targets = ChartQA(ChartTaskOptions()).targets(spec, render, rng_for(seed)).secondary
        meta = {"generator": {"name": "charts"}, "source": ChartGenerator(ChartOptions()).describe(spec),
                "targets": to_jsonable(targets), "render": to_jsonable(render.facts)}
        questions, problems = qa_problems(meta)
        assert not problems, (seed, spec.chart_type, problems)
        asked += questions
        estimates.update(p["program"]["op"] for p in targets["qa"] if p["reading"]["how"] == "estimate")
    assert len(drawn) >= 18 and asked >= 4 * len(drawn), (len(drawn), asked)  # questions were asked, not dropped
    assert {"lookup", "sum", "average"} <= set(estimates), estimates  # the rule was exercised


def test_deplot_header_holds_the_unit_the_axis_shows(drawn):
    checked = 0
    for seed, render in drawn:
        spec, elements = render.source, render.facts["elements"]
        axis = elements.get("x_label" if spec.chart_type == "barh" else "y_label")
        if not axis or len(spec.table.series) < 2:
            continue
        unit = " ".join(axis[0]["text"].split())
        lines = ChartToTable(ChartTaskOptions()).targets(spec, render, rng_for(0)).text.split("\n")
        if unit in lines[0] or all(c.percent for c in spec.table.series):
            continue
        assert unit in lines[1], (seed, unit, lines[:2])
        checked += 1
    assert checked >= 3


def test_visible_headers_are_drawn(drawn):
    for seed, render in drawn:
        elements = render.facts["elements"]
        texts = " | ".join(" ".join(e["text"].split()) for k, v in elements.items() if k not in ("plot_area", "legends") for e in v)
        header = ChartToTable(ChartTaskOptions(headers="visible")).targets(render.source, render, rng_for(0)).text.split("\n")[1]
        for cell in header.split(" | "):
            name, unit = re.match(r"^(.*?)(?: \(([^()]*)\))?$", cell.strip()).groups()
            assert cell.strip() == "" or cell.strip() in texts or (name in texts and unit and unit in texts), (seed, cell)
