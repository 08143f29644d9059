"""`render-chart` and chart_to_code scoring take untrusted files: a Plotly script runs in the
scoring sandbox (it cannot write outside its folder), a Vega-Lite spec is drawn in a limited
process of its own (one too big to draw kills only that process), and whatever cannot be drawn is
one `error:` line with the real reason, exit 2; `score` gives such a prediction 0 and goes on.
Real targets still draw their sample's very pixels. Real sandbox, vl-convert and Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from factory import images

ROOT = Path(__file__).resolve().parents[1]
BOMB = {"data": {"values": [{"a": 1}]}, "transform": [{"calculate": "sequence(0, 100000000)", "as": "b"}, {"flatten": ["b"]}],
        "mark": "point", "encoding": {"x": {"field": "b", "type": "quantitative"}}}  # fmt: skip  # passes every check, then needs GBs
HUGE = {"width": 100000, "height": 100000, "data": {"values": [{"a": 1}]}, "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "factory", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The one `error:` line of a refused command (exit 2, no traceback)."""
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == 2 and len(errors) == 1 and "Traceback" not in proc.stderr, (proc.returncode, proc.stderr[-3000:])
    return errors[0]


def same_pixels(png: bytes, other: bytes) -> bool:
    a, b = (np.asarray(images.decode(p).convert("RGB")) for p in (png, other))
    return a.shape == b.shape and np.array_equal(a, b)


def kept_bar(engine: str) -> tuple[str, bytes]:
    """(chart_to_code target, the sample's PNG) of the first kept bar chart of `engine`."""
    from factory.chart_code.targets import chart_code
    from factory.errors import Dropped
    from factory.generators.charts import ChartGenerator, ChartOptions
    from factory.seeding import rng_for
    from renderers.plotly_renderer import PlotlyRenderer
    from renderers.vega_renderer import VegaLiteRenderer

    renderer = PlotlyRenderer(None) if engine == "plotly" else VegaLiteRenderer(None)
    gen = ChartGenerator(ChartOptions(engines={engine: 1}, chart_types=["bar"]))
    try:
        for seed in range(8):
            try:
                render = renderer.render(gen.sample(rng_for(seed), seed))
            except Dropped:
                continue
            return chart_code(render.source), render.encoded
    finally:
        if hasattr(renderer, "close"):
            renderer.close()
    raise AssertionError(f"no kept {engine} bar chart in 8 seeds")


@pytest.mark.chromium
def test_plotly_target_draws_its_pixels_and_no_script_writes_outside_its_folder(tmp_path):
    code, png = kept_bar("plotly")
    script = tmp_path / "chart.py"
    script.write_text(code, encoding="utf-8")
    proc = cli("render-chart", str(script), "--out", str(tmp_path / "chart.png"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert same_pixels((tmp_path / "chart.png").read_bytes(), png)
    canary = tmp_path / "PWNED"
    script.write_text(f"import pathlib\npathlib.Path({str(canary)!r}).write_text('x')\n" + code, encoding="utf-8")
    line = error_line(cli("render-chart", str(script), "--out", str(tmp_path / "evil.png")))
    assert "outside the working folder" in line and "line 2" in line, line
    assert not canary.exists() and not (tmp_path / "evil.png").exists()


def test_vega_target_draws_its_pixels_and_vl_convert_says_why_a_spec_fails(tmp_path):
    code, png = kept_bar("vega_lite")
    spec = tmp_path / "chart.vl.json"
    spec.write_text(code, encoding="utf-8")
    proc = cli("render-chart", str(spec), "--out", str(tmp_path / "chart.png"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert same_pixels((tmp_path / "chart.png").read_bytes(), png)
    for text, reason in (("{}", "Invalid specification {}"),
                         ('{"data": {"url": "http://example.com/a.csv"}, "mark": "point"}', "External data url not allowed")):  # fmt: skip
        spec.write_text(text, encoding="utf-8")
        assert reason in error_line(cli("render-chart", str(spec), "--out", str(tmp_path / "bad.png")))


@pytest.mark.parametrize("spec, reason", [
    ([1, 2], "not an array"),
    ("x", "not a string"),
    (HUGE, "width 100000"),  # was: resvg's 40 GB allocation, SIGABRT
    ({"data": {"sequence": {"start": 0, "stop": 20000000, "as": "a"}}, "mark": "point",
      "encoding": {"x": {"field": "a", "type": "quantitative"}}}, "sequence generates 2e+07 rows"),  # was: V8 OOM, SIGTRAP
    ({"width": {"step": 50000}, "data": {"values": [{"a": i} for i in range(3)]}, "mark": "bar",
      "encoding": {"x": {"field": "a", "type": "nominal"}}}, "150010x"),  # the canvas, measured on the SVG before rasterizing
])  # fmt: skip
def test_a_spec_that_cannot_be_drawn_is_one_line(spec, reason, tmp_path):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    line = error_line(cli("render-chart", str(path), "--out", str(tmp_path / "o.png")))
    assert reason in line and "cannot be drawn as a Vega-Lite spec" in line, line
    assert not (tmp_path / "o.png").exists()


def test_a_spec_that_runs_away_is_stopped_by_the_timeout(tmp_path):
    path = tmp_path / "bomb.json"
    path.write_text(json.dumps(BOMB), encoding="utf-8")
    line = error_line(cli("render-chart", str(path), "--out", str(tmp_path / "o.png"), "--timeout", "2"))
    assert "timed out after 2 s" in line, line


def test_plotly_script_failures_are_one_line(tmp_path):
    cases = {
        "import plotly.graph_objects as go\n\nraise ValueError('no data')\n": "ValueError: no data (line 3)",
        "import plotly.graph_objects as go\nfig = go.Figure(go.Bar(y=[1, 2]), layout={'width': 60000, 'height': 60000})\n": "60000x60000 px",
        "import plotly.graph_objects as go\nfig = go.Figure(go.Bar(y=[1, 2]))\n": "needs width and height",
        "import plotly.graph_objects as go\nx = 1\n": "no Plotly figure",
    }
    for code, reason in cases.items():
        script = tmp_path / "chart.py"
        script.write_text(code, encoding="utf-8")
        assert reason in error_line(cli("render-chart", str(script), "--out", str(tmp_path / "o.png"))), code


@pytest.mark.slow
def test_score_gives_an_undrawable_spec_zero_with_its_reason_and_goes_on(tmp_path):
    from factory.generate import generate
    from factory.recipe import recipe_from_dict
    from factory.tools.preview import iter_shard, load_manifest

    recipe = {"name": "vl", "seed": 2, "samples": 3, "shard": {"samples": 3}, "splits": {"train": 1.0}, "tasks": {"chart_to_code": 1},
              "generators": {"charts": {"engines": {"vega_lite": 1}, "chart_types": ["bar"]}}}  # fmt: skip
    generate(recipe_from_dict(recipe), str(tmp_path / "ds"), workers=1)
    store, manifest = load_manifest(str(tmp_path / "ds"))
    keyed = [(s.key, s.text) for entry in manifest["shards"] for s in iter_shard(store, entry["name"])]
    assert len(keyed) == 3
    predictions = [json.dumps(BOMB), json.dumps(HUGE), keyed[2][1]]  # out of memory in its process; over the size; perfect
    lines = "".join(json.dumps({"key": key, "prediction": p}) + "\n" for (key, _), p in zip(keyed, predictions))
    (tmp_path / "p.jsonl").write_text(lines, encoding="utf-8")
    proc = cli("score", str(tmp_path / "p.jsonl"), "--dataset", str(tmp_path / "ds"), "--out", str(tmp_path / "s.html"),
               "--per-sample", str(tmp_path / "rows.jsonl"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["key"]: r for r in map(json.loads, (tmp_path / "rows.jsonl").read_text().splitlines())}
    assert [(rows[k]["executes"], rows[k]["ssim"]) for k, _ in keyed[:2]] == [(0.0, 0.0), (0.0, 0.0)]
    assert rows[keyed[2][0]]["executes"] == 1.0 and rows[keyed[2][0]]["ssim"] == pytest.approx(1.0)
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert "out of memory" in page and "width 100000" in page
