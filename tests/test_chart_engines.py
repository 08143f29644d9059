"""Chart engines beside Matplotlib: every (engine, type) pair renders, its targets parse, its code
draws the very pixels again, and its mark boxes enclose the marks' pixels. One browser and one
converter per module; one chart per (engine, type)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from factory import images
from factory.engine_code import chart_code
from factory.errors import Dropped, RecipeError
from factory.generators.chart_engines import ALL_CHART_TYPES, ENGINE_TYPES
from factory.generators.charts import CHART_TYPES, ChartGenerator, ChartOptions
from factory.recipe import load_recipe, recipe_from_dict
from factory.seeding import rng_for
from factory.tasks.chart_tasks import chart_secondary
from factory.tools.preview import parse_deplot

pytestmark = pytest.mark.chromium


def _one_per_type(engine: str, limit: int = 600) -> dict[str, object]:
    gen = ChartGenerator(ChartOptions(engines={engine: 1}))
    found: dict[str, object] = {}
    for seed in range(limit):
        spec = gen.sample(rng_for(seed), seed)
        found.setdefault(spec.chart_type, spec)
        if len(found) == len(ENGINE_TYPES[engine]):
            break
    return found


@pytest.fixture(scope="module")
def plotly_renderer():
    from renderers.plotly_renderer import PlotlyRenderer

    renderer = PlotlyRenderer()
    yield renderer
    renderer.close()


@pytest.fixture(scope="module")
def plotly_renders(plotly_renderer):
    """(spec, render) for every Plotly type; a type whose first spec drops tries the next seed."""
    out = {}
    gen = ChartGenerator(ChartOptions(engines={"plotly": 1}))
    for chart_type in ENGINE_TYPES["plotly"]:
        gen_type = ChartGenerator(ChartOptions(engines={"plotly": 1}, chart_types=[chart_type]))
        for seed in range(6):
            spec = gen_type.sample(rng_for(seed), seed)
            try:
                out[chart_type] = (spec, plotly_renderer.render(spec))
                break
            except Dropped:
                continue
    assert gen is not None
    return out


def test_engine_table_and_counts():
    assert len(ALL_CHART_TYPES) >= 30 and len(set(ALL_CHART_TYPES)) == len(ALL_CHART_TYPES)
    assert all(len(types) >= 12 for types in ENGINE_TYPES.values())
    assert set(ENGINE_TYPES["matplotlib"]) == set(CHART_TYPES)


def test_engine_weights_are_validated_in_one_line():
    with pytest.raises(RecipeError) as err:
        recipe_from_dict({"tasks": {"chart_to_table": 1}, "generators": {"charts": {"engines": {"plotli": 1}}}})
    assert "unknown engine 'plotli'" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(RecipeError, match="drawn by plotly"):
        recipe_from_dict({"tasks": {"chart_to_table": 1}, "generators": {"charts": {"chart_types": ["treemap"], "engines": {"matplotlib": 1}}}})
    with pytest.raises(RecipeError, match="weight above 0"):
        recipe_from_dict({"tasks": {"chart_to_table": 1}, "generators": {"charts": {"engines": {"plotly": 0}}}})


def test_matplotlib_only_specs_are_unchanged_and_engines_mix_by_weight():
    plain = ChartGenerator(ChartOptions())
    spec = plain.sample(rng_for(3), 3)
    assert spec.engine == "matplotlib" and plain.describe(spec)["engine"] == "matplotlib"
    assert plain.renderer_for(spec) == "matplotlib" and plain.renderers() == ["matplotlib"]
    mixed = ChartGenerator(ChartOptions(engines={"matplotlib": 1, "plotly": 1, "vega_lite": 1}))
    counts = Counter(mixed.sample(rng_for(s), s).engine for s in range(90))
    assert set(counts) == {"matplotlib", "plotly", "vega_lite"} and min(counts.values()) >= 15
    assert set(mixed.renderers()) == {"matplotlib", "plotly", "vega_lite"}
    resolved = load_recipe("charts")
    assert set(resolved.generator_options["charts"].engines) == {"matplotlib", "plotly", "vega_lite"}


def test_plotly_every_type_renders_with_targets(plotly_renders):
    assert set(plotly_renders) == set(ENGINE_TYPES["plotly"])
    for chart_type, (spec, render) in plotly_renders.items():
        image = images.decode(render.encoded)
        assert image.size == (spec.width_px, spec.height_px), chart_type
        assert render.facts["page"]["requests_blocked"] == []
        assert render.facts["marks"], f"{chart_type}: no mark boxes"
        json.dumps(render.facts, allow_nan=False)
        extra = chart_secondary(render.source, rng_for(1), 5)
        title, rows = parse_deplot(extra["table"])
        assert len(rows) == len(spec.table.rows) + 1 and all(len(r) == len(spec.table.columns) for r in rows), chart_type
        compile(extra["code"], "chart.py", "exec")
        assert "plotly.graph_objects" in extra["code"]


def _mark_pixels_inside(image: np.ndarray, marks: list[dict], background: np.ndarray) -> list[str]:
    """Marks whose box holds no pixel that differs from the chart's background, or whose
    surroundings just outside hold the mark's own colour on every side (a box too small)."""
    bad = []
    h, w = image.shape[:2]
    for m in marks:
        x0, y0, x1, y1 = m["box"]
        a, b = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
        c, d = min(int(np.ceil(x1)), w), min(int(np.ceil(y1)), h)
        if c <= a or d <= b:
            bad.append(f"{m['kind']} row {m['row']}: empty box {m['box']}")
            continue
        inside = image[b:d, a:c].reshape(-1, 3)
        if not (np.abs(inside.astype(int) - background.astype(int)).sum(axis=1) > 30).any():
            bad.append(f"{m['kind']} row {m['row']}: no mark pixel inside {m['box']}")
    return bad


def test_plotly_mark_boxes_enclose_marks(plotly_renders):
    for chart_type, (spec, render) in plotly_renders.items():
        image = np.asarray(images.decode(render.encoded).convert("RGB"))
        corner = image[1, 1]
        marks = render.facts["marks"]
        assert _mark_pixels_inside(image, marks, corner) == [], chart_type
        for m in marks:
            assert set(m) >= {"kind", "row", "series", "box"}
            x0, y0, x1, y1 = m["box"]
            assert -2 <= x0 <= x1 <= spec.width_px + 2 and -2 <= y0 <= y1 <= spec.height_px + 2, (chart_type, m)


@pytest.mark.slow
def test_plotly_scripts_redraw_the_same_pixels(plotly_renders, tmp_path):
    """A sample of Plotly scripts, run through `render-factory render-chart`, give the very image."""
    chosen = ["bar", "pie", "waterfall", "small_multiples", "heatmap", "bullet"]
    for chart_type in chosen:
        spec, render = plotly_renders[chart_type]
        script = tmp_path / f"{chart_type}.py"
        script.write_text(chart_code(render.source), encoding="utf-8")
    cmd = [sys.executable, "-c", (
        "import sys; from factory.render_chart import render_file\n"
        "for name in sys.argv[1:]:\n"
        "    open(name[:-3] + '.png', 'wb').write(render_file(name))\n"
    ), *[str(tmp_path / f"{t}.py") for t in chosen]]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for chart_type in chosen:
        want = np.asarray(images.decode(plotly_renders[chart_type][1].encoded).convert("RGB"))
        got = np.asarray(Image.open(tmp_path / f"{chart_type}.png").convert("RGB"))
        assert got.shape == want.shape and np.array_equal(got, want), chart_type


@pytest.fixture(scope="module")
def vega_renders():
    from renderers.vega_renderer import VegaLiteRenderer

    renderer = VegaLiteRenderer()
    out = {}
    for chart_type in ENGINE_TYPES["vega_lite"]:
        gen = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=[chart_type]))
        for seed in range(6):
            spec = gen.sample(rng_for(seed), seed)
            try:
                out[chart_type] = (spec, renderer.render(spec))
                break
            except Dropped:
                continue
    return out


def test_vega_every_type_renders_with_targets_and_boxes(vega_renders):
    assert set(vega_renders) == set(ENGINE_TYPES["vega_lite"])
    for chart_type, (spec, render) in vega_renders.items():
        image = images.decode(render.encoded)
        assert image.size == (render.source.width_px, render.source.height_px), chart_type
        assert render.facts["marks"] and render.facts["elements"].get("y_tick_labels") or chart_type in ("pie", "donut", "rose", "heatmap"), chart_type
        json.dumps(render.facts, allow_nan=False)
        extra = chart_secondary(render.source, rng_for(1), 5)
        _, rows = parse_deplot(extra["table"])
        assert len(rows) == len(spec.table.rows) + 1, chart_type
        assert json.loads(extra["code"])["$schema"].endswith("v5.json")
        pixels = np.asarray(image.convert("RGB"))
        assert _mark_pixels_inside(pixels, render.facts["marks"], pixels[1, 1]) == [], chart_type


def test_vega_specs_redraw_the_same_pixels(vega_renders, tmp_path):
    from factory.render_chart import render_file

    for chart_type in ("bar", "pie", "heatmap", "small_multiples", "slope"):
        spec, render = vega_renders[chart_type]
        path = tmp_path / f"{chart_type}.json"
        path.write_text(chart_code(render.source), encoding="utf-8")
        got = np.asarray(images.decode(render_file(path)).convert("RGB"))
        want = np.asarray(images.decode(render.encoded).convert("RGB"))
        assert got.shape == want.shape and np.array_equal(got, want), chart_type


def test_text_boxes_are_measured_where_the_text_is(vega_renders):
    """Every measured tick label box holds ink (text pixels) and the ink of the title is inside its box."""
    spec, render = vega_renders["bar"]
    pixels = np.asarray(images.decode(render.encoded).convert("RGB")).astype(int)
    bg = pixels[1, 1]
    for entry in render.facts["elements"]["y_tick_labels"]:
        x0, y0, x1, y1 = (int(round(v)) for v in entry["box"])
        assert (np.abs(pixels[y0:y1, x0:x1] - bg).sum(axis=2) > 60).any(), entry


def test_mixed_shards_are_byte_identical_for_1_and_2_workers(tmp_path):
    from factory.generate import generate

    recipe = {"name": "engines", "seed": 5, "samples": 9, "shard": {"samples": 3},
              "tasks": {"chart_to_table": 1, "chart_to_code": 1},
              "generators": {"charts": {"engines": {"matplotlib": 1, "plotly": 1, "vega_lite": 1}}}}  # fmt: skip
    digests = []
    for workers in (1, 2):
        manifest = generate(recipe_from_dict(recipe), str(tmp_path / f"w{workers}"), workers=workers)
        digests.append([(s["name"], s["sha256"]) for s in manifest["shards"]])
        engines = set()
        for shard in sorted((tmp_path / f"w{workers}").glob("*.tar")):
            import tarfile

            from factory.meta import unpack

            with tarfile.open(shard) as tar:
                for member in tar:
                    if member.name.endswith(".json"):
                        engines.add(unpack(json.loads(tar.extractfile(member).read()))["source"]["engine"])
        assert engines == {"matplotlib", "plotly", "vega_lite"}
    assert digests[0] == digests[1]


def test_matplotlib_mark_boxes_enclose_marks():
    from renderers.matplotlib_renderer import MatplotlibRenderer

    renderer = MatplotlibRenderer()
    for chart_type, spec in _one_per_type("matplotlib").items():
        try:
            render = renderer.render(spec)
        except Dropped:
            continue
        marks = render.facts["marks"]
        assert marks, chart_type
        pixels = np.asarray(render.image)
        assert _mark_pixels_inside(pixels, marks, pixels[1, 1]) == [], chart_type
        expected = sum(v is not None for j in range(len(spec.table.series)) for v in spec.table.values(j))
        assert len(marks) == expected, chart_type
