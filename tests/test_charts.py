"""Chart specs, their Matplotlib scripts and the renderer: types, style axes, glyphs, pixels."""

from __future__ import annotations

import json
import logging
import math
import re
import subprocess
import sys
from collections import Counter, defaultdict

import matplotlib
import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from factory.chart_code.matplotlib_code import chart_script, figure_code
from factory.errors import Dropped, RecipeError
from factory.generators.charts import (
    CHART_TYPES,
    STYLE_AXES,
    ChartGenerator,
    ChartOptions,
    ChartSpec,
    exact_px,
)
from factory.recipe import recipe_from_dict
from factory.seeding import rng_for
from factory.tabular import Column, Table, format_value
from renderers.matplotlib_renderer import MatplotlibRenderer, overlapping_pairs, TextBox


@pytest.fixture(scope="module")
def renderer():
    return MatplotlibRenderer()


_GENERATORS: dict[str, ChartGenerator] = {}


def _sample(seed: int, **options) -> ChartSpec:
    key = json.dumps(options, sort_keys=True)
    if key not in _GENERATORS:  # a generator (its Faker pools) is costly to build: one per options
        _GENERATORS[key] = ChartGenerator(ChartOptions(**options))
    return _GENERATORS[key].sample(rng_for(seed), seed)


def _one_of_each(limit: int = 400) -> dict[str, ChartSpec]:
    gen = ChartGenerator(ChartOptions())
    found: dict[str, ChartSpec] = {}
    for seed in range(limit):
        spec = gen.sample(rng_for(seed), seed)
        found.setdefault(spec.chart_type, spec)
        if len(found) == len(CHART_TYPES):
            break
    return found


def test_chart_types_and_style_axes_are_published():
    required = {"bar", "barh", "grouped_bar", "stacked_bar", "line", "multi_line", "area", "stacked_area",
                "scatter", "pie", "donut", "histogram", "negative_bar"}  # fmt: skip
    assert required <= set(CHART_TYPES)
    assert len(STYLE_AXES) >= 10 and all(isinstance(v, str) and v for v in STYLE_AXES.values())


def test_unknown_chart_type_is_a_one_line_error_listing_known_types():
    with pytest.raises(ValidationError, match="known types: bar, barh"):
        ChartOptions(chart_types=["bar", "pi"])
    recipe = {"tasks": {"chart_to_table": 1}, "generators": {"charts": {"chart_types": ["pi"]}}}
    with pytest.raises(RecipeError) as err:
        recipe_from_dict(recipe)
    message = str(err.value)
    assert "\n" not in message and "generators.charts.chart_types" in message and "donut" in message


def test_option_errors_name_the_fix():
    with pytest.raises(ValidationError, match="not installed"):
        ChartOptions(fonts=["Comic Sans Nonexistent"])
    with pytest.raises(ValidationError, match="dpi"):
        ChartOptions(dpi=[20])
    with pytest.raises(ValidationError, match="unknown theme"):
        ChartOptions(themes=["nope"])
    with pytest.raises(ValidationError, match="needs at least 2 series"):
        ChartOptions(chart_types=["multi_line"], table={"series": (1, 1)})
    assert "multi_line" not in ChartOptions(table={"series": (1, 1)}).chart_types


def test_same_seed_same_spec_and_different_seeds_differ():
    a, b = _sample(11), _sample(11)
    gen = ChartGenerator(ChartOptions())
    assert json.dumps(gen.describe(a), sort_keys=True) == json.dumps(gen.describe(b), sort_keys=True)
    assert chart_script(a) == chart_script(b)
    assert len({chart_script(_sample(s)) for s in range(8)}) == 8


def test_types_are_drawn_uniformly_and_restrictions_hold():
    gen = ChartGenerator(ChartOptions(chart_types=["pie", "line"], dpi=[100], width_px=(500, 600)))
    specs = [gen.sample(rng_for(s), s) for s in range(60)]
    counts = Counter(s.chart_type for s in specs)
    assert set(counts) == {"pie", "line"} and min(counts.values()) >= 18
    assert {s.dpi for s in specs} == {100}
    assert all(500 <= s.width_px <= 608 for s in specs)


def test_every_type_gets_a_table_that_fits_it():
    gen = ChartGenerator(ChartOptions())
    by_type = defaultdict(list)
    for seed in range(260):
        spec = gen.sample(rng_for(seed), seed)
        by_type[spec.chart_type].append(spec)
    assert set(by_type) == set(CHART_TYPES)
    for spec in by_type["pie"] + by_type["donut"]:
        assert len(spec.table.series) == 1
        assert all(v is not None and v > 0 for v in spec.table.values(0))
    for spec in by_type["negative_bar"]:
        assert any(v is not None and v < 0 for v in spec.table.values(0))
    for kind in ("grouped_bar", "stacked_bar", "multi_line", "stacked_area"):
        assert all(len(s.table.series) >= 2 for s in by_type[kind])
    for spec in by_type["scatter"]:
        assert spec.table.label_column.kind == "number"
    for spec in by_type["histogram"]:
        edges = spec.style["bin_edges"]
        labels = spec.table.labels()
        assert len(labels) == len(edges) - 1
        col = Column("e", decimals=spec.style["bin_decimals"])
        assert labels == [f"{format_value(a, col)}-{format_value(b, col)}" for a, b in zip(edges, edges[1:])]
        counts = spec.table.values(0)
        assert all(c == int(c) and c >= 0 for c in counts) and sum(counts) == spec.table.facts["samples"]


def test_every_style_axis_varies_across_samples():
    gen = ChartGenerator(ChartOptions())
    specs = [gen.sample(rng_for(s), s) for s in range(120)]
    seen = defaultdict(set)
    for spec in specs:
        for key, value in spec.style.items():
            seen[key].add(json.dumps(value))
        seen["size"].add((spec.width_px, spec.height_px))
        seen["dpi"].add(spec.dpi)
    for key in ("theme", "palette", "font_family", "font_px", "grid", "legend", "value_labels", "number_format",
                "x_rotation", "spines", "background", "markers", "title_shown", "size", "dpi"):  # fmt: skip
        assert len(seen[key]) >= 2, key
    assert len(seen["theme"]) >= 8 and len(seen["font_family"]) >= 5


def test_describe_is_json_ready_and_complete():
    gen = ChartGenerator(ChartOptions())
    for spec in _one_of_each().values():
        data = gen.describe(spec)
        text = json.dumps(data, allow_nan=False)
        back = json.loads(text)
        assert back["chart_type"] == spec.chart_type and back["dpi"] == spec.dpi
        assert back["table"]["rows"] == json.loads(json.dumps(spec.table.rows))
        assert back["style"]["theme"] == spec.style["theme"]


def test_sizes_come_out_exactly():
    for dpi in (72, 80, 96, 100, 120, 144):
        for px in range(320, 1500, 8):
            got = exact_px(px, dpi)
            assert got >= px and int(got / dpi * dpi) == got


def test_value_labels_are_the_table_texts():
    for seed in range(200):
        spec = _sample(seed, chart_types=["bar", "grouped_bar", "barh", "pie", "line"])
        if not spec.style["value_labels"]:
            continue
        body = figure_code(spec).body
        for i in range(len(spec.table.series)):
            for value in spec.table.values(i):
                assert repr(format_value(value, spec.table.series[i])) in body


def test_dollar_signs_stay_literal_text(renderer):
    spec = _sample(3, chart_types=["bar"])
    spec.table = Table("Income $ by bracket", [Column("Bracket", kind="label"), Column("People", decimals=0)],
                       [["< $25k", 10.0], ["$25k-50k", 12.0], ["> $50k", 7.0]], {"label_kind": "categories"})  # fmt: skip
    render = renderer.render(spec)
    texts = [e["text"] for e in render.facts["elements"].get("x_tick_labels", [])]
    assert "< $25k" in texts and "$25k-50k" in texts


def test_render_facts_and_no_rcparams_leak(renderer):
    before = dict(matplotlib.rcParams)
    for spec in _one_of_each().values():
        render = renderer.render(spec)
        assert render.image.mode == "RGB"
        assert render.image.size == (render.source.width_px, render.source.height_px) == (render.width, render.height)
        elements = render.facts["elements"]
        left, top, right, bottom = elements["plot_area"]
        assert 0 <= left < right <= render.width and 0 <= top < bottom <= render.height
        assert render.facts["quality"]["draws"] >= 1
        assert render.facts["repairs"] == render.source.repairs
        json.dumps(render.facts, allow_nan=False)
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k] and k != "backend"} == set()


def test_render_is_deterministic(renderer):
    spec = _sample(5)
    a = renderer.render(spec)
    b = MatplotlibRenderer().render(spec)
    assert a.image.tobytes() == b.image.tobytes()
    assert a.facts == b.facts


def test_agg_caches_draw_the_same_pixels(monkeypatch):
    """The renderer answers Matplotlib's text-layout, font and tick questions from per-figure
    caches: pixels and measured text boxes must be those of a plain draw, and the caches must be used."""
    import contextlib

    from matplotlib.axis import Axis
    from matplotlib.text import Text

    from renderers import agg_caches
    from renderers import matplotlib_renderer as mr

    specs = list(_one_of_each().values()) + [_sample(seed) for seed in range(40, 52)]
    layouts, tick_updates = [], []
    plain_layout, plain_ticks = agg_caches._plain_get_layout, Axis._update_ticks
    monkeypatch.setattr(agg_caches, "_plain_get_layout", lambda text, r: layouts.append(1) or plain_layout(text, r))
    monkeypatch.setattr(Axis, "_update_ticks", lambda axis: tick_updates.append(1) or plain_ticks(axis))

    def drawn(spec):
        with mr.drawing(spec) as d:
            return d.image().tobytes(), [(b.text, b.x0, b.y0, b.x1, b.y1) for b in mr.text_boxes(d)]

    asked = len(layouts)
    cached = [drawn(spec) for spec in specs]
    computed, ticks_computed = len(layouts) - asked, len(tick_updates)
    assert Text._get_layout is agg_caches._get_layout
    attached = []
    monkeypatch.setattr(agg_caches, "attach", lambda renderer: attached.append(renderer))
    monkeypatch.setattr(agg_caches, "ticks_remembered", lambda figure: contextlib.nullcontext())
    asked = len(layouts)
    plain = [drawn(spec) for spec in specs]
    assert len(attached) == len(specs)
    assert computed < 0.5 * (len(layouts) - asked)  # most layouts came from the cache
    assert ticks_computed < 0.6 * (len(tick_updates) - ticks_computed)  # and most tick updates
    assert [i for i, (a, b) in enumerate(zip(cached, plain)) if a[0] != b[0]] == []
    assert [i for i, (a, b) in enumerate(zip(cached, plain)) if a[1] != b[1]] == []


def _cjk_spec():
    spec = _sample(1, chart_types=["bar"], fonts=["Liberation Sans"])
    spec.table = Table("東京の売上", [Column("都市", kind="label"), Column("売上", decimals=0)],
                       [["東京", 10.0], ["大阪", 12.0], ["名古屋", 7.0]], {"label_kind": "cities"})  # fmt: skip
    return spec


def test_missing_glyphs_switch_font_or_drop(renderer, caplog):
    caplog.set_level(logging.WARNING)
    with pytest.warns() as record:
        import warnings

        warnings.warn("sentinel", UserWarning)  # pytest.warns needs one; real ones are checked below
        render = renderer.render(_cjk_spec())
    assert not [w for w in record if "Glyph" in str(w.message)]
    assert render.source.style["font_family"].startswith("Noto Sans CJK")
    assert any(r.startswith("font:") for r in render.source.repairs)
    assert render.source.style["font_requested"] == "Liberation Sans"
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]

    emoji = _sample(1, chart_types=["bar"])
    emoji.table = Table("Mood", [Column("Face", kind="label"), Column("Votes")], [["\U0001fae0", 1.0], ["ok", 2.0]])
    with pytest.raises(Dropped) as err:
        renderer.render(emoji)
    assert err.value.reason == "missing_glyph"

    arabic = _sample(1, chart_types=["bar"])
    arabic.table = Table("", [Column("City", kind="label"), Column("N")], [["القاهرة", 1.0], ["دبي", 2.0]])
    with pytest.raises(Dropped) as err:
        renderer.render(arabic)
    assert err.value.reason == "unsupported_script"


def test_fonts_without_a_minus_sign_use_hyphens(renderer):
    spec = _sample(2, chart_types=["negative_bar"], fonts=["Noto Sans"])
    with pytest.warns() as record:
        import warnings

        warnings.warn("sentinel", UserWarning)
        render = renderer.render(spec)
    assert render.source.style["unicode_minus"] is False
    assert figure_code(render.source).rc["axes.unicode_minus"] is False
    assert not [w for w in record if "Glyph" in str(w.message)]


def test_rotated_boxes_are_compared_as_rotated():
    # Two 45-degree labels side by side: their bounding boxes overlap, the texts do not.
    def label(cx):
        w, h = 80.0, 12.0
        half = (w + h) * math.sqrt(0.5) / 2
        return TextBox("xtick", "x", cx - half, 50 - half, cx + half, 50 + half, 45.0, (w, h))

    assert overlapping_pairs([label(100), label(120)]) == []
    assert overlapping_pairs([label(100), label(105)]) == [(0, 1)]
    flat = [TextBox("title", "a", 0, 0, 50, 10), TextBox("legend", "b", 49.5, 0, 90, 10), TextBox("ylabel", "c", 80, 0, 120, 10)]
    assert overlapping_pairs(flat) == [(1, 2)]  # half a pixel of touching is tolerated
    # value labels side by side need a visible gap; stacked ones (y tick labels) may touch
    values = [TextBox("value", "5.99", 0, 0, 30, 10), TextBox("value", "5.95", 30.5, 0, 60, 10), TextBox("value", "6", 62.5, 0, 80, 10)]
    assert overlapping_pairs(values) == [(0, 1)]
    assert overlapping_pairs([TextBox("ytick", "1", 0, 0, 20, 10), TextBox("ytick", "2", 0, 9.5, 20, 19.5)]) == []


@pytest.mark.slow
def test_scripts_redraw_the_sample_pixel_for_pixel(tmp_path, renderer):
    """Every chart type: the chart-to-code script, run with plain python, writes the very image."""
    specs = _one_of_each()
    assert set(specs) == set(CHART_TYPES)
    # a repaired chart too: a crowded one gets rotated labels, and the script must carry that
    crowded = _sample(4, chart_types=["bar"], width_px=(480, 480))
    crowded.table = Table("Crowded", [Column("Company", kind="label"), Column("Sales", decimals=1)],
                          [[f"Company number {i}", float(i + 1)] for i in range(12)], {"label_kind": "companies"})  # fmt: skip
    crowded.style["x_rotation"] = 0
    specs["repaired"] = crowded
    images = {}
    for name, spec in specs.items():
        render = renderer.render(spec)
        folder = tmp_path / name
        folder.mkdir()
        (folder / "script.py").write_text(chart_script(render.source), encoding="utf-8")
        images[name] = (folder, render)
    assert images["repaired"][1].source.repairs, "the crowded chart should have needed a repair"
    # One chart exactly as a user runs it; the rest one after another in a second interpreter
    # (one Python start-up instead of fourteen), each in its own folder like `python script.py`.
    alone = subprocess.Popen([sys.executable, "script.py"], cwd=images["repaired"][0], stderr=subprocess.PIPE)
    runner = (
        "import os, runpy, sys\n"
        "import matplotlib.pyplot as plt\n"
        "for folder in sys.argv[1:]:\n"
        "    os.chdir(folder)\n"
        "    runpy.run_path('script.py', run_name='__main__')\n"
        "    plt.close('all')\n"
    )
    rest = [str(f) for name, (f, _) in images.items() if name != "repaired"]
    batch = subprocess.Popen([sys.executable, "-c", runner, *rest], stderr=subprocess.PIPE)
    for proc in (alone, batch):
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-2000:]
        assert not re.search(r"findfont|Glyph \d+ .*missing", err.decode()), err.decode()
    for name, (folder, render) in images.items():
        got = np.asarray(Image.open(folder / "chart.png").convert("RGB"))
        want = np.asarray(render.image)
        assert got.shape == want.shape, name
        assert np.array_equal(got, want), f"{name}: {(got != want).any(axis=2).sum()} pixels differ"


def test_script_is_self_contained():
    script = chart_script(_sample(9))
    imports = set(re.findall(r"^(?:import|from) (\w+)", script, flags=re.M))
    assert imports <= {"matplotlib", "numpy"}
    assert 'matplotlib.use("Agg")' in script and "bbox_inches" not in script
    compile(script, "chart.py", "exec")


def test_stacked_charts_stack_only_measures_that_add_up():
    """A stack of growth rates or average prices has a meaningless total: stacks get amounts."""
    seen = Counter()
    for seed in range(60):
        spec = _sample(seed, chart_types=["stacked_bar", "stacked_area"])
        assert spec.table.facts["additive"] is True, (seed, spec.table.facts["measure"])
        seen[spec.table.facts["measure"]] += 1
    assert len(seen) >= 5  # still a variety of measures
    lines = {_sample(seed, chart_types=["multi_line"]).table.facts["additive"] for seed in range(60)}
    assert lines == {True, False}  # other charts keep rates and averages
