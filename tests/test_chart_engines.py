"""Chart engines beside Matplotlib: every (engine, type) pair renders, its targets parse, its code
draws the very pixels again, its mark boxes enclose the marks' pixels, its texts reach WCAG
contrast, and its picture is exactly the spec's size. One browser and one converter per module,
one chart per (engine, type); one small mixed dataset made fresh, by 2 workers and by a killed
run resumed, compared byte for byte."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from factory import images
from factory.chart_code.targets import chart_code
from factory.errors import Dropped, RecipeError
from factory.generators.chart_engines import ALL_CHART_TYPES, ENGINE_TYPES
from factory.generators.charts import CHART_TYPES, ChartGenerator, ChartOptions
from factory.recipe import load_recipe, recipe_from_dict
from factory.seeding import rng_for
from factory.tasks.chart_tasks import chart_secondary
from factory.tools.preview import parse_deplot

pytestmark = pytest.mark.chromium
ROOT = Path(__file__).resolve().parents[1]


def _first_kept(renderer, engine: str, chart_type: str, tries: int = 8):
    """(sampled spec, render) of the first seed whose chart is kept."""
    gen = ChartGenerator(ChartOptions(engines={engine: 1}, chart_types=[chart_type]))
    for seed in range(tries):
        spec = gen.sample(rng_for(seed), seed)
        try:
            return spec, renderer.render(spec)
        except Dropped:
            continue
    raise AssertionError(f"{engine}/{chart_type}: no kept chart in {tries} seeds")


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
    return {t: _first_kept(plotly_renderer, "plotly", t) for t in ENGINE_TYPES["plotly"]}


@pytest.fixture(scope="module")
def vega_renderer():
    from renderers.vega_renderer import VegaLiteRenderer

    return VegaLiteRenderer()


@pytest.fixture(scope="module")
def vega_renders(vega_renderer):
    return {t: _first_kept(vega_renderer, "vega_lite", t) for t in ENGINE_TYPES["vega_lite"]}


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
    assert plain.options.chart_types == list(CHART_TYPES)  # the default narrowed to what Matplotlib draws
    spec = plain.sample(rng_for(3), 3)
    assert spec.engine == "matplotlib" and plain.describe(spec)["engine"] == "matplotlib"
    assert plain.renderer_for(spec) == "matplotlib" and plain.renderers() == ["matplotlib"]
    mixed = ChartGenerator(ChartOptions(engines={"matplotlib": 1, "plotly": 1, "vega_lite": 1}))
    specs = [mixed.sample(rng_for(s), s) for s in range(90)]
    counts = Counter(s.engine for s in specs)
    assert set(counts) == {"matplotlib", "plotly", "vega_lite"} and min(counts.values()) >= 15
    assert {s.chart_type for s in specs} - set(CHART_TYPES), "the new types are drawn by default"
    assert set(mixed.renderers()) == {"matplotlib", "plotly", "vega_lite"}
    resolved = load_recipe("charts")
    assert set(resolved.generator_options["charts"].engines) == {"matplotlib", "plotly", "vega_lite"}
    assert len(resolved.generator_options["charts"].chart_types) == len(ALL_CHART_TYPES)


def _targets_parse(spec, render, chart_type: str) -> dict:
    json.dumps(render.facts, allow_nan=False)
    extra = chart_secondary(render.source, rng_for(1), 5)
    _, rows = parse_deplot(extra["table"])
    assert len(rows) == len(spec.table.rows) + 1 and all(len(r) == len(spec.table.columns) for r in rows), chart_type
    return extra


def test_plotly_every_type_renders_with_targets(plotly_renders):
    assert set(plotly_renders) == set(ENGINE_TYPES["plotly"])
    for chart_type, (spec, render) in plotly_renders.items():
        image = images.decode(render.encoded)
        assert image.size == (spec.width_px, spec.height_px), chart_type
        assert render.facts["page"]["requests_blocked"] == []
        assert render.facts["marks"], f"{chart_type}: no mark boxes"
        extra = _targets_parse(spec, render, chart_type)
        compile(extra["code"], "chart.py", "exec")
        assert "plotly.graph_objects" in extra["code"]
        assert render.facts["quality"]["min_contrast"] >= 3.0, chart_type


def _mark_pixels_inside(image: np.ndarray, marks: list[dict], background: np.ndarray) -> list[str]:
    """Marks whose box holds no pixel that differs from the chart's background."""
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
        marks = render.facts["marks"]
        assert _mark_pixels_inside(image, marks, image[1, 1]) == [], chart_type
        for m in marks:
            assert set(m) >= {"kind", "row", "series", "box"}
            x0, y0, x1, y1 = m["box"]
            assert -2 <= x0 <= x1 <= spec.width_px + 2 and -2 <= y0 <= y1 <= spec.height_px + 2, (chart_type, m)


def _same_pixels(png_a: bytes, png_b: bytes) -> bool:
    a = np.asarray(images.decode(png_a).convert("RGB"))
    b = np.asarray(images.decode(png_b).convert("RGB"))
    return a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.slow
def test_plotly_scripts_redraw_the_same_pixels(plotly_renders, plotly_renderer, tmp_path):
    """Every type's Plotly script, drawn by `render-chart`'s own function (plotly.py builds the
    figure, template expanded) with the module's browser, gives the sample's very image."""
    from factory.tools.render_chart import render_file

    differ = []
    for chart_type, (_, render) in plotly_renders.items():
        script = tmp_path / f"{chart_type}.py"
        script.write_text(chart_code(render.source), encoding="utf-8")
        if not _same_pixels(render_file(script, renderer=plotly_renderer), render.encoded):
            differ.append(chart_type)
    assert differ == []


def test_vega_every_type_renders_at_its_size_with_targets_and_boxes(vega_renders):
    from factory.chart_code.vega_code import vega_spec

    assert set(vega_renders) == set(ENGINE_TYPES["vega_lite"])
    for chart_type, (spec, render) in vega_renders.items():
        image = images.decode(render.encoded)
        # the picture is the size the spec was sampled with, and the Vega-Lite spec says so
        assert image.size == (spec.width_px, spec.height_px) == (render.source.width_px, render.source.height_px), chart_type
        vl = vega_spec(render.source)
        if chart_type == "small_multiples":
            pad = vl["padding"]
            assert set(pad) == {"left", "top", "right", "bottom"} and render.source.style["padding"] == [pad[k] for k in ("left", "top", "right", "bottom")]
        else:
            assert (vl["width"], vl["height"]) == image.size and vl["autosize"] == {"type": "fit", "contains": "padding"}, chart_type
        assert render.facts["marks"] and (render.facts["elements"].get("y_tick_labels") or chart_type in ("pie", "donut", "rose", "heatmap")), chart_type
        extra = _targets_parse(spec, render, chart_type)
        assert json.loads(extra["code"])["$schema"].endswith("v5.json")
        pixels = np.asarray(image.convert("RGB"))
        assert _mark_pixels_inside(pixels, render.facts["marks"], pixels[1, 1]) == [], chart_type
        assert render.facts["quality"]["min_contrast"] >= 3.0, chart_type


@pytest.mark.slow
def test_vega_specs_redraw_the_same_pixels(vega_renders, vega_renderer, tmp_path):
    """Every type's Vega-Lite spec redraws the sample's pixels; one (small multiples) only through
    the documented command."""
    from factory.tools.render_chart import render_file

    differ = []
    for chart_type, (_, render) in vega_renders.items():
        path = tmp_path / f"{chart_type}.json"
        path.write_text(chart_code(render.source), encoding="utf-8")
        if chart_type != "small_multiples" and not _same_pixels(render_file(path, renderer=vega_renderer), render.encoded):
            differ.append(chart_type)
    assert differ == []
    out = tmp_path / "cli.png"
    proc = subprocess.run([sys.executable, "-m", "factory", "render-chart", str(tmp_path / "small_multiples.json"), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _same_pixels(out.read_bytes(), vega_renders["small_multiples"][1].encoded)


def test_text_boxes_are_measured_where_the_text_is(vega_renders, plotly_renders):
    """Every measured tick label box holds ink (text pixels), for both engines."""
    for renders in (vega_renders, plotly_renders):
        spec, render = renders["bar"]
        pixels = np.asarray(images.decode(render.encoded).convert("RGB")).astype(int)
        bg = pixels[1, 1]
        for entry in render.facts["elements"]["y_tick_labels"] + render.facts["elements"].get("x_tick_labels", []):
            x0, y0, x1, y1 = (int(round(v)) for v in entry["box"])
            assert (np.abs(pixels[y0:y1, x0:x1] - bg).sum(axis=2) > 60).any(), entry


def test_contrast_is_read_from_the_pixels_behind_each_text():
    """Grey text on white fails 4.5:1, black passes; a label half on a dark bar fails against the
    bar; a font the engine could not find (nothing drawn) fails; large text needs 3:1."""
    from renderers.engine_legibility import contrast_check

    from renderers.matplotlib_renderer import font_file

    font = ImageFont.truetype(font_file("DejaVu Sans"), 14)
    img = Image.new("RGB", (300, 120), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([150, 60, 300, 120], fill="#202020")  # a dark bar
    draw.text((10, 10), "Grey 123", fill="#9a9a9a", font=font)
    draw.text((10, 40), "Black 456", fill="#000000", font=font)
    draw.text((120, 70), "Half on bar", fill="#000000", font=font)
    draw.text((10, 80), "Big", fill="#808080", font=ImageFont.truetype(font_file("DejaVu Sans"), 26))  # 3.9:1: enough when large
    texts = [
        {"kind": "ytick", "text": "Grey 123", "box": [10, 10, 80, 28], "size": 14, "color": (154, 154, 154)},
        {"kind": "ytick", "text": "Black 456", "box": [10, 40, 85, 58], "size": 14, "color": (0, 0, 0)},
        {"kind": "value", "text": "Half on bar", "box": [120, 70, 205, 88], "size": 14, "color": (0, 0, 0)},
        {"kind": "title", "text": "Missing", "box": [200, 10, 280, 28], "size": 14, "color": (0, 0, 0)},
        {"kind": "title", "text": "Big", "box": [10, 80, 60, 112], "size": 26, "color": (128, 128, 128)},
    ]
    problems, lowest = contrast_check(img, texts)
    flagged = {p.detail.split("'")[1] for p in problems}
    assert flagged == {"Grey 123", "Half on bar", "Missing"} and lowest == 1.0


def test_unreadable_theme_text_is_repaired(plotly_renderer, vega_renderer, monkeypatch):
    """Plotly's dark template on a white background writes near-white text: the chart is redrawn in
    plain ink. Vega's fivethirtyeight greys (#999 on #f0f0f0) are moved to 4.6:1 before drawing;
    with that turned off, the check catches them and the same repair is made."""
    from factory.chart_code import vega_code

    spec = ChartGenerator(ChartOptions(engines={"plotly": 1}, chart_types=["bar"])).sample(rng_for(2), 2)
    spec.style.update({"template": "plotly_dark", "background": "#ffffff"})
    render = plotly_renderer.render(spec)
    assert "text_colours:ink" in render.facts["repairs"] and render.facts["quality"]["min_contrast"] >= 4.5
    spec = ChartGenerator(ChartOptions(engines={"vega_lite": 1}, chart_types=["line"])).sample(rng_for(3), 3)
    spec.style.update({"theme": "fivethirtyeight", "background": None, "value_labels": False})
    render = vega_renderer.render(spec)
    assert "text_colours:ink" not in render.facts["repairs"] and render.facts["quality"]["min_contrast"] >= 4.5
    monkeypatch.setattr(vega_code, "readable", lambda colour, backgrounds, ratio=4.6: colour)
    render = vega_renderer.render(spec)
    assert "text_colours:ink" in render.facts["repairs"] and render.facts["quality"]["min_contrast"] >= 4.5


MIXED = {"name": "engines", "seed": 12, "samples": 8, "shard": {"samples": 2}, "splits": {"train": 1.0},
         "tasks": {"chart_to_table": 1, "chart_to_code": 1},
         "generators": {"charts": {"engines": {"matplotlib": 1, "plotly": 1, "vega_lite": 1}}}}  # fmt: skip


def _digests(folder: Path) -> list[tuple[str, str]]:
    from factory.dataset.layout import MANIFEST

    manifest = json.loads((folder / MANIFEST).read_text())
    return [(s["name"], s["sha256"]) for s in manifest["shards"]]


@pytest.fixture(scope="module")
def fresh_mixed(tmp_path_factory) -> Path:
    from factory.generate import generate

    out = tmp_path_factory.mktemp("mixed") / "fresh"
    generate(recipe_from_dict(MIXED), str(out), workers=1)
    return out


@pytest.mark.slow
def test_mixed_shards_are_byte_identical_for_1_and_2_workers_and_a_killed_run_resumed(fresh_mixed, tmp_path):
    """A run killed mid-shard (its process group SIGKILLed: browser and all), then finished by
    two workers, writes the very shards one worker wrote in one go."""
    import yaml

    from factory.dataset.layout import MANIFEST, STATS_FOLDER
    from factory.generate import generate

    engines = set()
    for shard in sorted(fresh_mixed.glob("*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar:
                if member.name.endswith(".json"):
                    from factory.meta import unpack

                    engines.add(unpack(json.loads(tar.extractfile(member).read()))["source"]["engine"])
    assert engines == {"matplotlib", "plotly", "vega_lite"}
    recipe = tmp_path / "mixed.yaml"
    recipe.write_text(yaml.safe_dump(MIXED), encoding="utf-8")
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "factory", "generate", str(recipe), "--out", str(out), "--quiet", "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if list((out / STATS_FOLDER).glob("*.json")) if (out / STATS_FOLDER).exists() else []:
                if list(out.glob("*.partial")):  # one shard done, the next half written
                    break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    done = len(list((out / STATS_FOLDER).glob("*.json")))
    assert 1 <= done < 4 and not (out / MANIFEST).exists()
    generate(recipe_from_dict(MIXED), str(out), workers=2)
    assert _digests(out) == _digests(fresh_mixed)
    assert not list(out.glob("*.partial"))


def test_preview_puts_engines_side_by_side(fresh_mixed, tmp_path):
    from factory.tools.preview import write_preview

    path, samples = write_preview(str(fresh_mixed), tmp_path / "preview.html", n=8)
    html = path.read_text(encoding="utf-8")
    assert 'class="engines"' in html and "repeat(3," in html
    for engine in ("matplotlib", "plotly", "vega_lite"):
        assert f'<h2 class="engine">{engine} ' in html
    assert "mark: " in html  # mark boxes are drawn over the images too


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


def _furnished(chart_type: str, seed: int, **style):
    spec = ChartGenerator(ChartOptions(chart_types=[chart_type])).sample(rng_for(seed), seed)
    spec.table = spec.table if spec.table.title else type(spec.table)("Sales by year", spec.table.columns, spec.table.rows, spec.table.facts)
    spec.style.update(title_shown=True, **style)
    return spec


def test_matplotlib_furniture_is_drawn_named_and_redrawn_by_its_script(tmp_path):
    """Every furniture axis on Matplotlib charts: each text is where its box says, named in
    render.elements, legible, and the chart_to_code script draws the same pixels."""
    from factory.chart_code.matplotlib_code import chart_script
    from factory.generators.engine_specs import currency_symbol
    from renderers.matplotlib_renderer import MatplotlibRenderer

    renderer = MatplotlibRenderer()
    bar = _furnished("bar", 4, subtitle="Figures in USD bn", note="Source: World Bank", logo="bottom right", logo_text="NUMERA",
                     reference_line="average", highlight=1, callout="max", value_labels=False, legend="none")  # fmt: skip
    values = [v for v in bar.table.values(0) if v is not None]
    bar.style.update(reference_value=round(sum(values) / len(values), 1), reference_text="Average: x",
                     callout_row=values.index(max(values)), callout_text="Peak: y")  # fmt: skip
    bar.style.update(number_format="currency", currency="$")
    line = _furnished("line", 6, logo="top right", logo_text="PLOTLINE", callout="min", value_labels=False)
    low = min(v for v in line.table.values(0) if v is not None)
    line.style.update(callout_row=line.table.values(0).index(low), callout_text="Low point: z")
    assert currency_symbol(bar.table) in (None, "$", "\u20ac", "\u00a3")
    expect = {"bar": {"subtitle", "notes", "logos", "reference_labels", "callouts"}, "line": {"logos", "callouts"}}
    folders = []
    for name, spec in (("bar", bar), ("line", line)):
        render = renderer.render(spec)
        assert not render.source.repairs or not any(r.startswith("drop_") for r in render.source.repairs), render.source.repairs
        elements = render.facts["elements"]
        assert expect[name] <= set(elements), (name, sorted(elements))
        pixels = np.asarray(render.image).astype(int)
        bg = pixels[1, 1]
        for key in expect[name]:
            for entry in elements[key]:
                x0, y0, x1, y1 = (int(round(v)) for v in entry["box"])
                assert (np.abs(pixels[y0:y1, x0:x1] - bg).sum(axis=2) > 60).any(), (name, key, entry)
        if name == "bar":
            ticks = [e["text"] for e in elements["y_tick_labels"]]
            assert all(t.startswith("$") or t.startswith("\u2212$") for t in ticks), ticks
        folder = tmp_path / name
        folder.mkdir()
        (folder / "script.py").write_text(chart_script(render.source), encoding="utf-8")
        folders.append((folder, render))
    runner = "import os, runpy, sys\nfor f in sys.argv[1:]:\n    os.chdir(f)\n    runpy.run_path('script.py', run_name='__main__')\n"
    proc = subprocess.run([sys.executable, "-c", runner, *[str(f) for f, _ in folders]], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for folder, render in folders:
        got = np.asarray(Image.open(folder / "chart.png").convert("RGB"))
        assert np.array_equal(got, np.asarray(render.image)), folder.name


@pytest.mark.parametrize("qa", ["templates", "programs"])
def test_questions_read_only_value_labels_the_engine_drew(plotly_renders, vega_renders, qa):
    """A style may ask for value labels an engine leaves out (a Plotly rose's wedges, a Vega-Lite
    dot plot): neither QA path may say an answer is printed where no label shows it."""
    from factory.tools.audit import qa_problems

    gen = ChartGenerator(ChartOptions())
    asked = 0
    for renders in (plotly_renders, vega_renders):
        for chart_type, (spec, render) in renders.items():
            targets = chart_secondary(render.source, rng_for(3), 8, render.facts["elements"], qa=qa)
            meta = {"source": gen.describe(render.source), "targets": targets, "render": {"elements": render.facts["elements"]}}
            asked += len(targets["qa"])
            assert qa_problems(json.loads(json.dumps(meta)))[1] == [], chart_type
    assert asked > 100


def test_plotly_small_multiples_draw_x_labels_at_the_style_angle(plotly_renderer):
    """Plotly's facets took no `x_rotation`: the repair 'rotate_x_labels' set 45 then 90 and redrew
    level labels each time, and the json said 90 degrees over level text (the audit, turning the
    crop by the json's angle, read Greek months as noise: 6 of el_GR's 11 image misses). Each
    facet's x labels are now drawn at the style's angle: turned 90 degrees, a label's box is taller
    than wide."""
    gen = ChartGenerator(ChartOptions(engines={"plotly": 1}, chart_types=["small_multiples"], locales=["el_GR"]))
    spec = next(s for s in (gen.sample(rng_for(seed), seed) for seed in range(20)) if s.chart_type == "small_multiples")
    spec.style["x_rotation"] = 90
    render = plotly_renderer.render(spec)
    labels = [e for e in render.facts["elements"]["x_tick_labels"] if len(e["text"]) >= 4]
    assert spec.style["x_rotation"] == 90
    assert labels and all(e["box"][3] - e["box"][1] > e["box"][2] - e["box"][0] for e in labels), labels
