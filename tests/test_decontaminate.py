"""`render-factory decontaminate`: planted duplicates (the dataset's own samples re-encoded, resized,
one table cell changed, a question copied) are all found; unrelated benchmark folders in the
layouts of PlotQA, DocVQA and Design2Code give nothing; the clean copy verifies."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from factory.tools.preview import iter_shard, load_manifest
from factory.dataset import layout


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "factory.cli", *args], capture_output=True, text=True, timeout=300)


def dataset_samples(dataset: Path) -> list:
    store, manifest = load_manifest(str(dataset))
    return [s for entry in manifest["shards"] for s in iter_shard(store, entry["name"])]


def plant(samples: list, bench: Path) -> dict[str, str]:
    """A ChartQA-layout folder made of three of the dataset's own samples; returns key -> what was planted."""
    (bench / "png").mkdir(parents=True)
    (bench / "tables").mkdir()
    a, b, c = samples[0], samples[5], samples[11]
    image = Image.open(io.BytesIO(a.image)).convert("RGB")
    image.resize((image.width * 3 // 5, image.height * 3 // 5)).save(bench / "png" / "a.jpg", quality=60)  # resized + JPEG
    image = Image.open(io.BytesIO(b.image)).convert("RGB")
    image.resize((image.width * 5 // 4, image.height * 5 // 4)).save(bench / "png" / "b.png")  # enlarged
    rows = [line.split(" | ") for line in c.meta["targets"]["table"].split("\n")[1:]]
    rows[1][-1] = "12345"  # one cell changed
    with open(bench / "tables" / "c.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    question = samples[17].meta["targets"]["qa"][0]["question"]
    (bench / "test_human.json").write_text(json.dumps([{"imgname": "q.png", "query": question, "label": "1"}]))
    return {a.key: "image", b.key: "image", c.key: "table", samples[17].key: "question"}


def unrelated(bench: Path) -> None:
    """PlotQA, DocVQA and Design2Code layouts with content the dataset does not hold."""
    rng = np.random.default_rng(0)
    (bench / "plotqa" / "png").mkdir(parents=True)
    for i in range(3):  # photos-like noise and drawn shapes
        pixels = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(bench / "plotqa" / "png" / f"{i}.png")
    shapes = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(shapes).ellipse((50, 50, 250, 250), fill="navy")
    shapes.save(bench / "plotqa" / "png" / "shapes.png")
    (bench / "plotqa" / "qa_pairs_V1.json").write_text(json.dumps({"qa_pairs": [
        {"image_index": 0, "question_string": "Across all years, what is the maximum rainfall in Chennai?", "answer": 12}]}))
    (bench / "docvqa" / "documents").mkdir(parents=True)
    letter = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(letter).text((40, 40), "Dear Sir, we thank you for your letter of 12 March 1963.", fill="black")
    letter.save(bench / "docvqa" / "documents" / "ffbf0023_4.png")
    (bench / "docvqa" / "val_v1.0.json").write_text(json.dumps({"data": [
        {"questionId": 1, "question": "What is the date mentioned in this letter?", "answers": ["12 March 1963"]}]}))
    (bench / "design2code").mkdir()
    (bench / "design2code" / "1.html").write_text("<html><body><h1>Hi</h1><table><tr><th>Planet</th><th>Moons</th></tr>"
                                                  "<tr><td>Mars</td><td>2</td></tr></table></body></html>")  # fmt: skip
    with open(bench / "design2code" / "moons.csv", "w", newline="") as f:
        csv.writer(f).writerows([["Planet", "Moons"], ["Mars", "2"], ["Jupiter", "95"]])


def test_finds_planted_duplicates_and_writes_a_clean_copy(chart_dataset, tmp_path):
    samples = dataset_samples(chart_dataset)
    planted = plant(samples, tmp_path / "chartqa")
    report, clean = tmp_path / "report.json", tmp_path / "clean"
    result = cli("decontaminate", str(chart_dataset), "--against", str(tmp_path / "chartqa"), "--out", str(report), "--write-clean", str(clean))
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    for key, kind in planted.items():
        assert kind in data["offending"].get(key, []), (key, kind, data["offending"])
    assert data["benchmark"] == {"images": 2, "tables": 1, "questions": 1, "skipped_files": {}, "unreadable": []}
    flagged = set(data["offending"])
    keys = (tmp_path / "report.keys.txt").read_text().split()
    assert sorted(flagged) == keys
    # Only samples that really hold the planted content: the question may be asked of another chart too.
    extra = flagged - set(planted)
    assert all(data["offending"][k] == ["question"] for k in extra), data["offending"]
    verify = cli("verify", str(clean))
    assert verify.returncode == 0, verify.stdout
    manifest = json.loads((clean / layout.MANIFEST).read_text())
    assert manifest["samples"]["total"] == len(samples) - len(flagged)
    assert manifest["decontaminated"]["removed"] == len(flagged)
    assert not {s.key for s in dataset_samples(clean)} & flagged
    assert (clean / layout.CARD).exists() and (clean / layout.SHARD_INDEX).exists()


def test_reports_nothing_on_an_unrelated_benchmark(chart_dataset, tmp_path):
    unrelated(tmp_path / "bench")
    report = tmp_path / "report.json"
    result = cli("decontaminate", str(chart_dataset), "--against", str(tmp_path / "bench"), "--out", str(report))
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    assert data["benchmark"]["images"] == 5 and data["benchmark"]["tables"] == 2 and data["benchmark"]["questions"] == 2
    assert data["offending_samples"] == 0 and data["findings"] == []
    assert (tmp_path / "report.keys.txt").read_text() == ""


def test_bad_input_is_one_line(chart_dataset, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.md").write_text("nothing to compare")
    for args in (["--against", str(tmp_path / "nowhere")], ["--against", str(tmp_path / "empty")],
                 ["--against", str(tmp_path / "empty"), "--image-bits", "-1"]):  # fmt: skip
        result = cli("decontaminate", str(chart_dataset), *args, "--out", str(tmp_path / "r.json"))
        assert result.returncode == 2 and result.stderr.startswith("error:") and "Traceback" not in result.stderr, result.stderr
    (tmp_path / "bench").mkdir()
    Image.new("RGB", (10, 10)).save(tmp_path / "bench" / "x.png")
    report = tmp_path / "refused.json"
    result = cli("decontaminate", str(chart_dataset), "--against", str(tmp_path / "bench"), "--write-clean", str(chart_dataset),
                 "--out", str(report))  # fmt: skip
    assert result.returncode == 2 and "new folder" in result.stderr
    assert not report.exists()  # refused before any work
