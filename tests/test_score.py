"""`render-factory score` end to end on a real mixed dataset (charts, pages, tables) with a held-out
chart type: perfect predictions score 100, broken ones what their metric says, bad input one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from factory.generate import generate
from factory.recipe import recipe_from_dict
from factory.tools.preview import iter_shard, load_manifest
from factory.dataset import layout

RECIPE = {
    "name": "scored",
    "seed": 5,
    "samples": 16,
    "shard": {"samples": 4},
    "splits": {"train": 0.5, "test": 0.5},
    "tasks": {"chart_to_code": 1, "chart_to_table": 1, "screenshot_to_html": 1, "table_to_html": 1},
    "generators": {"charts": {"chart_types": ["bar", "line", "pie"]}, "pages": {"viewports": ["mobile"], "max_sections": 2}},
    "holdout": {"test": [{"field": "source.chart_type", "values": ["pie"]}]},
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scored") / "ds"
    generate(recipe_from_dict(json.loads(json.dumps(RECIPE))), str(out), workers=1)
    return out


def samples(dataset: Path) -> list:
    store, manifest = load_manifest(str(dataset))
    return [s for entry in manifest["shards"] for s in iter_shard(store, entry["name"])]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "factory.cli", *args], capture_output=True, text=True, timeout=300)


def test_holdout_keeps_the_held_out_type_in_test_only(dataset):
    found = {(s.meta["split"], s.meta["source"]["chart_type"]) for s in samples(dataset) if s.meta["generator"]["name"] == "charts"}
    assert ("train", "pie") not in found
    manifest = json.loads((dataset / layout.MANIFEST).read_text())
    assert manifest["holdout"]["rules"] == {"test": [{"field": "chart_type", "values": ["pie"]}]}
    assert manifest["holdout"]["redrawn"] == manifest["drops"]["by_reason"].get("held_out", 0)
    card = (dataset / layout.CARD).read_text()
    assert "## Held-out values" in card and "source.chart\\_type in pie" in card


BROKEN = {
    "chart_to_code": "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3]\n",  # a syntax error: nothing runs
    "screenshot_to_html": "",
}


def broken(sample) -> str:
    if sample.meta["task"] == "table_to_html":  # one cell's text changed: TEDS < 1, structure intact
        return sample.text.replace("</td>", "x</td>", 1)
    if sample.meta["task"] == "chart_to_table":  # the title line lost
        return sample.text.split("\n", 1)[1]
    return BROKEN[sample.meta["task"]]


def test_score_perfect_and_broken_predictions(dataset, tmp_path):
    by_task: dict[str, list] = {}
    for s in samples(dataset):
        by_task.setdefault(s.meta["task"], []).append(s)
    assert set(by_task) == set(RECIPE["tasks"])
    perfect = {task: group[0] for task, group in by_task.items()}
    bad = {task: group[1] for task, group in by_task.items() if len(group) > 1}
    lines = [json.dumps({"key": s.key, "prediction": s.text}) for s in perfect.values()]
    lines += [json.dumps({"key": s.key, "prediction": broken(s)}) for s in bad.values()]
    lines += ["{not json", json.dumps({"key": "nope_000001", "prediction": "x"}), json.dumps({"key": perfect["chart_to_table"].key, "prediction": "dup"})]
    preds = tmp_path / "preds.jsonl"
    preds.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("score", str(preds), "--dataset", str(dataset), "--out", str(tmp_path / "score.html"),
                 "--per-sample", str(tmp_path / "rows.jsonl"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = {r["key"]: r for r in map(json.loads, (tmp_path / "rows.jsonl").read_text().splitlines())}
    headline = {"chart_to_code": "ssim", "chart_to_table": "rms_f1", "screenshot_to_html": "visual", "table_to_html": "teds"}
    for task, s in perfect.items():
        row = rows[s.key]
        assert all(v == pytest.approx(1.0) for k, v in row.items() if k in headline or k in ("data", "executes", "rnss", "teds_struct",
                   "block_match", "text", "position", "color", "rms_precision", "rms_recall", headline[task])), row  # fmt: skip
        assert row[headline[task]] == pytest.approx(1.0)
    code = rows[bad["chart_to_code"].key]
    assert code["executes"] == 0.0 and code["ssim"] == 0.0 and code["data"] == 0.0
    assert rows[bad["screenshot_to_html"].key]["visual"] == 0.0
    table = rows[bad["table_to_html"].key]
    assert 0.9 < table["teds"] < 1.0 and table["teds_struct"] == 1.0
    assert {"chart_to_code", "screenshot_to_html", "table_to_html"} <= set(bad)
    if "chart_to_table" in bad:
        assert rows[bad["chart_to_table"].key]["rms_recall"] < 1.0  # the title datapoint is missing
    summary = json.loads((tmp_path / "score.json").read_text())
    assert summary["malformed"]["count"] == 1 and summary["duplicates"]["count"] == 1
    assert summary["unknown_keys"] == {"count": 1, "examples": ["nope_000001"]}
    assert summary["tasks"]["chart_to_code"]["scores"]["executes"] == 50.0
    assert summary["missing"]  # the other samples of the scored splits
    held = summary["tasks"]["chart_to_table"]["by"].get("holdout")
    assert held is not None and set(held) <= {"seen values", "held-out values"}
    page = (tmp_path / "score.html").read_text()
    assert "chart_to_code" in page and "1 malformed line(s)" in page and "Content-Security-Policy" in page
    assert f"malformed line(s) skipped: line {len(lines) - 2}: not JSON" in result.stdout


def test_score_bad_input_is_one_line(dataset, tmp_path):
    cases = {
        "missing.jsonl": None,
        "empty.jsonl": b"\n\n",
        "latin1.jsonl": '{"key": "é", "prediction": "x"}\n'.encode("latin-1"),
        "nomatch.jsonl": b'{"key": "elsewhere_000001", "prediction": "x"}\n',
    }
    for name, data in cases.items():
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        result = cli("score", str(path), "--dataset", str(dataset), "--out", str(tmp_path / "s.html"))
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "Traceback" not in result.stderr, (name, result.stderr)
    result = cli("score", str(tmp_path / "nomatch.jsonl"), "--dataset", str(tmp_path / "no-dataset"))
    assert result.returncode == 2 and "manifest.json" in result.stderr


def test_sandbox_refuses_network_processes_and_writes_outside(tmp_path):
    from factory.metrics.sandbox import Sandbox

    sandbox, quick = Sandbox(timeout=120), Sandbox(timeout=5)  # generous where a busy machine must not matter
    outside = tmp_path / "escaped.txt"
    scripts = {
        "import socket; socket.create_connection(('127.0.0.1', 9))": "socket",
        f"open({str(outside)!r}, 'w').write('x')": "outside the working folder",
        "import subprocess; subprocess.run(['true'])": "subprocess.Popen",
        "while True: pass": "timed out",
    }
    runs = [((quick if expected == "timed out" else sandbox).start(code), expected) for code, expected in scripts.items()]
    for run, expected in runs:
        result = run.wait()
        assert not result.ok and expected in (result.error or ""), result.error
    assert not outside.exists()
    ok = sandbox.start("import matplotlib.pyplot as plt\nplt.bar(['a', 'b'], [3, 4])\n").wait()
    assert ok.ok and ok.image is not None and ok.values == [3.0, 4.0]


def test_missing_predictions_can_count_as_zero(dataset, tmp_path):
    from factory.tools.score import score_dataset, summary

    tables = [s for s in samples(dataset) if s.meta["task"] == "table_to_html"]
    first = tables[0]
    preds = tmp_path / "one.jsonl"
    preds.write_text(json.dumps({"key": first.key, "prediction": first.text}) + "\n")
    same_split = sum(1 for s in tables if s.meta["split"] == first.meta["split"])
    skip = summary(score_dataset(str(preds), str(dataset), tasks="table_to_html"))["tasks"]["table_to_html"]
    assert skip["samples"] == 1 and skip["scores"]["teds"] == 100.0 and skip["missing"] == same_split - 1
    zero = summary(score_dataset(str(preds), str(dataset), tasks="table_to_html", missing_zero=True))["tasks"]["table_to_html"]
    assert zero["samples"] == same_split and zero["scores"]["teds"] == pytest.approx(100.0 / same_split, abs=0.01)


@pytest.mark.slow
def test_plotly_and_vega_lite_code_is_drawn_by_its_own_engine(tmp_path):
    from factory.metrics import make_scorer

    recipe = {"name": "engines", "seed": 2, "samples": 2, "shard": {"samples": 2}, "tasks": {"chart_to_code": 1},
              "generators": {"charts": {"engines": {"plotly": 1, "vega_lite": 1}, "chart_types": ["bar", "line"]}}}  # fmt: skip
    generate(recipe_from_dict(recipe), str(tmp_path / "ds"), workers=1)
    scorer = make_scorer("chart_to_code", {})
    engines = set()
    try:
        for s in samples(tmp_path / "ds"):
            engines.add(s.meta["source"]["engine"])
            perfect = scorer.score(s.text, s.text, s.meta, s.image)
            assert (perfect["ssim"], perfect["data"], perfect["executes"]) == (pytest.approx(1.0), pytest.approx(1.0), 1.0), perfect
            wrong = scorer.score("{" if s.meta["source"]["engine"] == "vega_lite" else "fig = None", s.text, s.meta, s.image)
            assert wrong["executes"] == 0.0 and wrong["ssim"] == 0.0, wrong
    finally:
        scorer.close()
    assert engines == {"plotly", "vega_lite"}
