"""Issue 21: chart QA as people ask it.

Thousands of questions are generated straight from chart specs (no image needed: the view is the
one the spec implies, ticks from Matplotlib's own locator) and classified by operation; every
program is re-run on the sample's json (dumped and loaded) and must give the stored answer; a few
rendered charts check that every colour a question names is the nearest unambiguous name of
colours read from the image's pixels.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import numpy as np
import pytest
from PIL import Image

from factory import images
from factory.components import to_jsonable
from factory.errors import Dropped
from factory.generators.charts import ChartGenerator, ChartOptions
from factory.seeding import rng_for
from factory.tabular import Column, Table
from factory.tasks.answerability import ChartView
from factory.tasks.chart_questions import (
    BUILDERS, COMPOSITIONAL, COUNTING, ChartFacts, chart_facts, make_questions, program_env,
)  # fmt: skip
from factory.tasks.colour_names import colour_name, delta_e, nearest
from factory.tasks.qa_phrasing import TEMPLATES
from factory.tasks.qa_programs import Invalid, execute, readable

CHARTS = 1000


def _spec_view(spec) -> ChartView:
    """What the spec implies the image shows: every row label, value labels where the style asks,
    the value axis read to a tenth of the step Matplotlib's tick locator picks for the data range."""
    from matplotlib.ticker import MaxNLocator

    table = spec.table
    values = {}
    env = program_env({"source": to_jsonable(spec)})
    values = dict(env.values)
    numbers = [float(v) for v in values.values()] or [0.0]
    ticks = MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10]).tick_values(min(min(numbers), 0), max(numbers))
    step = Decimal(str(round(ticks[1] - ticks[0], 10)))
    printed = set(values) if spec.style.get("value_labels") else set()
    return ChartView(values, printed, set(range(len(table.rows))), step / 10)


def _elements(spec) -> dict:
    """Drawn texts as the renderers record them: a legend (stacked rows) for several series, a y title."""
    legend = [{"text": c.name, "box": [500, 20 * j, 560, 20 * j + 12]} for j, c in enumerate(spec.table.series)]
    legend = legend if len(spec.table.series) > 1 else []
    return {"legend_texts": legend, "y_label": [{"text": spec.table.series[0].name, "box": [0, 100, 12, 200]}]}


def _facts(spec) -> ChartFacts:
    return chart_facts(spec.chart_type, spec.style, spec.table, _elements(spec), spec.engine)


@pytest.fixture(scope="module")
def generated():
    gen = ChartGenerator(ChartOptions(engines={"matplotlib": 1, "plotly": 1, "vega_lite": 1}))
    out = []
    for seed in range(CHARTS):
        spec = gen.sample(rng_for(seed), seed)
        pairs = make_questions(spec.table, rng_for(seed + 7), 5, _spec_view(spec), _facts(spec), with_rationale=True)
        out.append((spec, pairs))
    return out


def test_question_mix(generated):
    pairs = [p for _, ps in generated for p in ps]
    n = len(pairs)
    assert n > 3000
    compositional = sum(p["template"] in COMPOSITIONAL for p in pairs) / n
    visual = sum(any(r["kind"] in ("colour", "position") for r in p["refs"]) for p in pairs) / n
    counting = sum(p["template"] in COUNTING for p in pairs) / n
    yesno = [p["answer"] for p in pairs if p["answer_type"] == "yesno"]
    yes = yesno.count("Yes") / len(yesno)
    repeated = 1 - len({p["question"] for p in pairs}) / n
    types = Counter(p["answer_type"] for p in pairs)
    print(f"questions {n} compositional {compositional:.3f} colour/position {visual:.3f} counting {counting:.3f} "
          f"yes {yes:.3f} repeated {repeated:.4f} types {dict(types)}")  # fmt: skip
    assert compositional >= 0.20
    assert visual >= 0.04
    assert counting >= 0.08
    assert 0.45 <= yes <= 0.55
    assert repeated <= 0.02
    assert all(0.2 <= c / n <= 0.5 for c in types.values())
    assert all(sum(1 for p in pairs if p["template"] == op) > 0 for op in BUILDERS)


def test_no_question_twice_in_a_chart(generated):
    for _, pairs in generated:
        questions = [p["question"] for p in pairs]
        assert len(questions) == len(set(questions))


def test_every_program_reruns_on_the_json(generated):
    for spec, pairs in generated:
        meta = {"source": to_jsonable(spec), "targets": {"qa": pairs}, "render": {"elements": _elements(spec)}}
        meta = json.loads(json.dumps(meta))
        env = program_env(meta)
        for pair in meta["targets"]["qa"]:
            program = pair["program"]
            assert execute(program["expr"], program["format"], env).answer == pair["answer"], pair
            assert pair["rationale"].endswith("answer: " + pair["answer"])


def test_at_least_five_phrasings_per_operation():
    assert set(BUILDERS) <= set(TEMPLATES) | {"sum"}
    for op, templates in TEMPLATES.items():
        assert len(set(templates)) >= 5, op


# programs on a table worked by hand ---------------------------------------------------------------


def trade() -> Table:
    return Table(
        title="Exports",
        columns=[Column("Year", "label"), Column("Argentina", unit="USD bn", decimals=1), Column("Brazil", unit="USD bn", decimals=1)],
        rows=[["2019", 200.0, 120.5], ["2020", 158.5, 130.0], ["2021", 210.2, 125.0], ["2022", 199.9, 140.3], ["2023", 250.0, 90.1]],
        facts={"label_kind": "years", "series_kind": "countries", "measure": "Exports"},
    )


def test_hand_worked_programs():
    from factory.tasks.qa_programs import table_env

    env = table_env(trade())
    col, bra = ["col", 0], ["col", 1]
    cases = [
        (["sub", ["max", col], ["min", col]], "col:0", "91.5"),  # 250.0 - 158.5
        (["count", ["above", col, ["mean", col]]], "int", "2"),  # mean 203.72: 210.2, 250.0
        (["rank", col, 3], "int", "4"),  # 199.9 after 250.0, 210.2, 200.0
        (["sum", ["top", bra, 2]], "col:1", "270.3"),  # 140.3 + 130.0
        (["share", ["cell", 0, 4], ["sum", col]], "share", "24.5%"),  # 250 / 1018.6
        (["sub", ["cell", 1, 4], ["cell", 1, 0]], "col:1", "-30.4"),
        (["argmax", ["gap", col, bra]], "label", "2023"),  # 159.9
        (["mean", ["below", bra, ["num", "128"]]], "mean:1", "111.87"),  # (120.5 + 125.0 + 90.1) / 3
        (["nth", col, 2], "label", "2021"),
        (["lt", ["add", ["cell", 1, 0], ["cell", 1, 1]], ["cell", 0, 4]], "yesno", "No"),  # 250.5 vs 250.0
    ]
    for expr, fmt, answer in cases:
        assert execute(expr, fmt, env).answer == answer, expr
    with pytest.raises(Invalid):
        execute(["argmax", ["pick", 0, [0, 0]]], "label", env)  # a tie has no single answer


def test_readings_refuse_what_the_axis_cannot_resolve():
    from factory.tasks.qa_programs import table_env

    env = table_env(trade())
    coarse = ChartView(dict(env.values), set(), set(range(5)), Decimal(10))  # read to ±10
    fine = ChartView(dict(env.values), set(), set(range(5)), Decimal("0.1"))
    printed = ChartView(dict(env.values), set(env.values), set(range(5)), Decimal(10))
    close = ["gt", ["cell", 0, 0], ["cell", 0, 3]]  # 200.0 vs 199.9
    assert readable(close, "yesno", env, coarse, [0, 3]) is None
    assert readable(close, "yesno", env, fine, [0, 3]) is None  # 0.1 apart, each ±0.1
    assert readable(close, "yesno", env, printed, [0, 3])["how"] == "computed"
    spread = ["sub", ["max", ["col", 0]], ["min", ["col", 0]]]
    assert readable(spread, "col:0", env, coarse, [])  is None  # ±20 on 91.5 is beyond 5%
    assert readable(spread, "col:0", env, fine, [])["how"] == "estimate"
    mean_count = ["count", ["above", ["col", 1], ["mean", ["col", 1]]]]  # mean 121.18: 120.5 is too close at ±10
    assert readable(mean_count, "int", env, coarse, []) is None
    assert readable(mean_count, "int", env, fine, [])["how"] == "estimate"
    hidden = ChartView(dict(env.values), set(), {0, 1, 2, 3}, Decimal("0.1"))  # 2023 not printed
    assert readable(["argmax", ["col", 0]], "label", env, hidden, [4]) is None


def test_colour_names_are_nearest_and_unambiguous():
    from factory.tasks.colour_names import unambiguous_names

    assert colour_name("#1f77b4") in ("blue", "steel blue", "royal blue")  # matplotlib's first colour
    assert colour_name("#ff7f0e") in ("orange", "dark orange")
    assert colour_name("#2ca02c") in ("green", "forest green")
    names = unambiguous_names({0: "#1f77b4", 1: "#1f78b5", 2: "#d62728"})
    assert 0 not in names and 1 not in names and names[2] == colour_name("#d62728")  # two blues: neither named
    name, d1, d2 = nearest("#d62728")
    assert d1 <= d2


# pixels ----------------------------------------------------------------------------------------


def _pixel_colours(image: Image.Image, min_share: float = 0.0003) -> list[tuple[str, int]]:
    """The colours the image shows on at least `min_share` of its pixels, as hex, most common first."""
    rgb = np.asarray(image.convert("RGB")).reshape(-1, 3)
    values, counts = np.unique(rgb, axis=0, return_counts=True)
    keep = counts >= max(min_share * len(rgb), 20)
    order = np.argsort(-counts[keep])
    return [("#%02x%02x%02x" % tuple(int(c) for c in values[keep][i]), int(counts[keep][i])) for i in order]


def _rgb(hex_color: str) -> np.ndarray:
    return np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _blend(c: str, a: str, b: str) -> bool:
    """Whether c is an antialiasing mix of a and b (on the segment between them, within 4 levels)."""
    pc, pa, pb = _rgb(c), _rgb(a), _rgb(b)
    d = pb - pa
    t = float(np.clip(np.dot(pc - pa, d) / max(np.dot(d, d), 1e-9), 0, 1))
    return float(np.abs(pa + t * d - pc).max()) <= 4


def _rendered_with_colours():
    """(spec, image, pairs) for charts whose questions name colours, across the engines."""
    from renderers.matplotlib_renderer import MatplotlibRenderer
    from factory.tasks.chart_qa import chart_view

    from renderers.plotly_renderer import PlotlyRenderer
    from renderers.vega_renderer import VegaLiteRenderer

    found = []
    renderers = {"matplotlib": MatplotlibRenderer({}), "plotly": PlotlyRenderer(), "vega_lite": VegaLiteRenderer()}
    wanted = [("matplotlib", "grouped_bar"), ("matplotlib", "multi_line"), ("matplotlib", "pie"), ("plotly", "grouped_bar"),
              ("vega_lite", "stacked_bar"), ("vega_lite", "grouped_bar")]  # fmt: skip
    for k, (engine, chart_type) in enumerate(wanted):
        gen = ChartGenerator(ChartOptions(chart_types=[chart_type], engines={engine: 1}))
        for seed in range(60):
            spec = gen.sample(rng_for(seed), seed)
            if engine == "plotly" and spec.style.get("palette") != "engine":
                continue  # Plotly with its template's own colours
            if k == 5 and (spec.style.get("colors") or spec.style.get("theme", "default") == "default"):
                continue  # Vega-Lite with a theme's own colours (excel, googlecharts...)
            colours = chart_facts(spec.chart_type, spec.style, spec.table, {}, engine)
            if not (colours.series_colours or colours.row_colours):
                continue
            try:
                render = renderers[engine].render(spec)
            except Dropped:
                continue
            elements = render.facts.get("elements") or {}
            facts = chart_facts(spec.chart_type, spec.style, spec.table, elements, engine)
            if not (facts.series_colours or facts.row_colours):
                continue
            pairs = make_questions(render.source.table, rng_for(seed), 30, chart_view(render.source, elements), facts)
            if any(r["kind"] == "colour" for p in pairs for r in p["refs"]):
                image = render.image if render.image is not None else images.decode(render.encoded)
                found.append((render.source, image, pairs))
                break
    for renderer in renderers.values():
        getattr(renderer, "close", lambda: None)()
    return found


@pytest.mark.chromium
def test_named_colours_are_read_from_the_pixels():
    charts = _rendered_with_colours()
    assert len(charts) == 6
    assert charts[5][0].style.get("theme", "default") != "default" and not charts[5][0].style.get("colors")
    named_total = 0
    for spec, image, pairs in charts:
        drawn = _pixel_colours(image)
        for pair in pairs:
            for ref in pair["refs"]:
                if ref["kind"] != "colour":
                    continue
                named_total += 1
                # the colour of the named mark, as the pixels show it: the most common drawn colour
                # closest to the series' (or slice's) colour
                key = ref["series"] if "series" in ref else ref["row"]
                # the spec's palette, or (left to the engine) the engine's default recorded in the ref
                target = spec.style["colors"][key] if spec.style.get("colors") else ref["drawn"]
                assert ref["drawn"] == target
                near = [c for c, _ in drawn if delta_e(c, target) < 2.0]
                assert near, f"{ref['name']} ({target}) is not drawn in {spec.chart_type}"
                assert colour_name(near[0]) == ref["name"], (near[0], ref)
                # unambiguous: no other colour drawn on the image gets the same name (the mark's own
                # antialiased edges against a background or another mark are not other colours)
                others = [c for c, _ in drawn if delta_e(c, near[0]) >= 6.0 and colour_name(c) == ref["name"]
                          and not any(_blend(c, near[0], other) for other, _ in drawn)]  # fmt: skip
                assert not others, (ref, others)
    assert named_total >= 5


# finished datasets -----------------------------------------------------------------------------


def _samples(folder) -> list[tuple[str, dict]]:
    import tarfile
    from pathlib import Path

    out = []
    for path in sorted(Path(folder).rglob("*.tar")):
        with tarfile.open(path) as tar:
            members = {m.name: m for m in tar.getmembers()}
            for name in sorted(members):
                if name.endswith(".json"):
                    txt = members.get(name[: -len(".json")] + ".txt")
                    text = tar.extractfile(txt).read().decode() if txt else ""
                    out.append((text, json.load(tar.extractfile(members[name]))))
    return out


def test_programs_rerun_on_a_finished_dataset(chart_dataset):
    from factory.tools.audit import qa_problems

    checked = 0
    for _, meta in _samples(chart_dataset):
        parsed = {k: (json.loads(v) if isinstance(v, str) and k in ("source", "targets", "render") else v) for k, v in meta.items()}
        env = program_env(meta)
        for pair in parsed["targets"]["qa"]:
            program = pair["program"]
            assert execute(program["expr"], program["format"], env).answer == pair["answer"], pair
            checked += 1
        assert qa_problems(parsed)[1] == []
    assert checked >= 20


def test_rationale_option_makes_the_target(tmp_path, chart_recipe):
    from factory.generate import generate
    from factory.recipe import recipe_from_dict

    chart_recipe.update(samples=4, tasks={"chart_qa": {"weight": 1, "rationale": True}})
    chart_recipe["shard"] = {"samples": 4}
    generate(recipe_from_dict(chart_recipe), str(tmp_path / "out"), workers=1)
    samples = _samples(tmp_path / "out")
    assert samples
    for text, meta in samples:
        targets = json.loads(meta["targets"]) if isinstance(meta["targets"], str) else meta["targets"]
        first = targets["qa"][0]
        assert text == first["rationale"] and text.startswith("program: ") and text.endswith("answer: " + first["answer"])
        assert meta["prompt"] == first["question"]


def test_only_drawn_value_labels_count_as_printed():
    from factory.tasks.chart_questions import drawn_view
    from factory.tasks.qa_programs import table_env

    table = trade()
    env = table_env(table)
    view = ChartView(dict(env.values), set(env.values), set(range(5)), None)  # the style asked for every label
    shown = drawn_view(view, table, {"value_labels": [{"text": "200.0"}, {"text": "90.1"}]})
    assert shown.printed_cells == {(0, 0), (1, 4)}
    assert readable(["cell", 0, 1], "col:0", env, shown, [1]) is None  # 158.5 is drawn nowhere, no axis to read
    assert readable(["cell", 0, 0], "col:0", env, shown, [0])["how"] == "printed"
