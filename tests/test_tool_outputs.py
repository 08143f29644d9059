"""What the reading tools write, and where they refuse to: no output over an input, inside the
dataset or a benchmark folder, onto a folder, or twice to one path; files written whole or not
at all; a failed export leaves nothing; a clean copy leaves out a split it emptied. Each refusal
is checked to leave every file as it was (the dataset still verifies)."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from factory.cli import main
from factory.dataset.storage import Store
from factory.dataset.verify import verify
from factory.tools import outputs, score
from factory.tools.decontaminate import sample_questions
from factory.tools.preview import iter_shard, load_manifest


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def samples_of(dataset: Path, split: str | None = None) -> list:
    store, manifest = load_manifest(str(dataset))
    return [s for e in manifest["shards"] if split in (None, e["split"]) for s in iter_shard(store, e["name"])]


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def predictions(tmp_path: Path, chart_dataset: Path) -> Path:
    sample = samples_of(chart_dataset, "train")[0]
    path = tmp_path / "predictions.jsonl"
    path.write_text(json.dumps({"key": sample.key, "prediction": sample.text}) + "\n", encoding="utf-8")
    return path


def test_score_refuses_outputs_that_would_overwrite_what_it_reads(tmp_path, chart_dataset, predictions, capsys):
    before, kept = fingerprint(chart_dataset), predictions.read_bytes()
    shard = next(chart_dataset.glob("*.tar"))
    cases = [
        (["--out", str(shard)], "inside the dataset"),
        (["--out", str(tmp_path / "page.html"), "--json", str(predictions)], "is the predictions file"),
        (["--out", str(tmp_path / "page.html"), "--per-sample", str(predictions)], "is the predictions file"),
        (["--out", str(tmp_path / "r.json")], "both name"),  # the summary's default path is the page's
        (["--out", str(tmp_path)], "is a folder"),
        (["--out", str(predictions / "page.html")], "is a file, not a folder"),
    ]
    for extra, message in cases:
        code, said = run(capsys, "score", str(predictions), "--dataset", str(chart_dataset), *extra)
        assert code == 2 and message in said and said.count("\n") == 1, (extra, said)
    assert fingerprint(chart_dataset) == before and predictions.read_bytes() == kept
    assert verify(Store(str(chart_dataset))) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.jsonl"]  # nothing written


def test_outputs_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    page.write_text("the user's page", encoding="utf-8")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.os, "replace", refuse)
    with pytest.raises(Exception, match="No space left on device"):
        outputs.write_file(page, "<html>new</html>", "page")
    assert page.read_text(encoding="utf-8") == "the user's page"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left
    monkeypatch.undo()
    outputs.write_file(page, '{"p": "\ud800"}', "summary")  # a lone surrogate from a JSON escape
    assert json.loads(page.read_text(encoding="utf-8")) == {"p": "\ud800"}


def test_score_splits_bom_bad_lines_and_tasks(tmp_path, chart_dataset, capsys):
    train = samples_of(chart_dataset, "train")
    lines = [json.dumps({"key": s.key, "prediction": s.text}) for s in train[:3]]
    path = tmp_path / "p.jsonl"
    # a byte-order mark before line 1, and one key the dataset does not have
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines + [json.dumps({"key": "nope", "prediction": "x"})]).encode() + b"\n")
    out = tmp_path / "s.html"
    code, said = run(capsys, "score", str(path), "--dataset", str(chart_dataset), "--out", str(out))
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert code == 0 and data["malformed"]["count"] == 0 and data["scored"] == 3
    assert data["splits"] == ["train"] and data["unknown_keys"]["count"] == 1  # the unknown key reads no other split
    code, said = run(capsys, "score", str(path), "--dataset", str(chart_dataset), "--out", str(out), "--split", "train,val")
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["splits"] == ["train", "val"] and sum(data["missing"].values()) == len(samples_of(chart_dataset)) - 3

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "answer": "b"}\n{"key": "k", "prediction": NaN}\n', encoding="utf-8")
    code, said = run(capsys, "score", str(bad), "--dataset", str(chart_dataset), "--out", str(out))
    assert code == 2 and "no line of" in said and "line 1: no string 'key'" in said
    code, said = run(capsys, "score", str(path), "--dataset", str(chart_dataset), "--out", str(out), "--tasks", "nosuch")
    assert code == 2 and "nosuch" in said and "chart_qa" in said


def test_a_prediction_line_too_long_is_counted_not_held(tmp_path, chart_dataset, monkeypatch):
    sample = samples_of(chart_dataset, "train")[0]
    path = tmp_path / "p.jsonl"
    long_line = json.dumps({"key": "x", "prediction": "y" * 5000})
    path.write_text(long_line + "\n" + json.dumps({"key": sample.key, "prediction": sample.text}) + "\n", encoding="utf-8")
    monkeypatch.setattr(score, "MAX_LINE_CHARS", 1000)
    read = score.read_predictions(path)
    assert read.malformed == 1 and "line 1: longer than" in read.malformed_examples[0] and list(read.by_key) == [sample.key]


def test_decontaminate_outputs_benchmark_files_and_emptied_splits(tmp_path, chart_dataset, capsys):
    before = fingerprint(chart_dataset)
    bench = tmp_path / "bench"
    bench.mkdir()
    for sample in samples_of(chart_dataset, "val"):  # every val image is a benchmark image
        Image.open(io.BytesIO(sample.image)).convert("RGB").save(bench / f"{sample.key}.png")
    (bench / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    os.mkfifo(bench / "pipe.csv")  # would block a reader forever
    shard = next(chart_dataset.glob("*.tar"))
    for extra, message in [
        (["--out", str(bench / "report.json")], "inside the benchmark folder"),
        (["--keys-out", str(shard)], "inside the dataset"),
        (["--out", str(tmp_path / "x.json"), "--keys-out", str(tmp_path / "x.json")], "both name"),
        (["--write-clean", str(chart_dataset / "clean")], "inside the dataset"),
        (["--write-clean", str(tmp_path / "c"), "--out", str(tmp_path / "c" / "r.json")], "inside --write-clean"),
    ]:
        code, said = run(capsys, "decontaminate", str(chart_dataset), "--against", str(bench), *extra)
        assert code == 2 and message in said and said.count("\n") == 1, (extra, said)
    clean = tmp_path / "clean"
    code, said = run(capsys, "decontaminate", str(chart_dataset), "--against", str(bench), "--out", str(tmp_path / "r.json"),
                     "--write-clean", str(clean))  # fmt: skip
    assert code == 0, said
    assert "2 benchmark file(s) could not be read" in said and "val lost every sample" in said
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert sorted(u.split(":")[0] for u in report["benchmark"]["unreadable"]) == ["deep.json", "pipe.csv"]
    assert sorted(p.name for p in clean.glob("*.tar")) == sorted(p.name for p in chart_dataset.glob("train-*.tar"))
    assert verify(Store(str(clean))) == []
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(str(clean))
    assert list(loaded) == ["train"] and loaded["train"].num_rows == len(samples_of(chart_dataset, "train"))

    every = tmp_path / "every"
    every.mkdir()
    for sample in samples_of(chart_dataset):
        Image.open(io.BytesIO(sample.image)).convert("RGB").save(every / f"{sample.key}.png")
    code, said = run(capsys, "decontaminate", str(chart_dataset), "--against", str(every), "--out", str(tmp_path / "e.json"),
                     "--write-clean", str(tmp_path / "none"))  # fmt: skip
    assert code == 2 and "every sample" in said and not (tmp_path / "none").exists()
    one_file = tmp_path / "q.json"  # one benchmark file is a benchmark too
    question = next(q for s in samples_of(chart_dataset, "train") for q in sample_questions(s.meta))
    one_file.write_text(json.dumps([{"query": question}]), encoding="utf-8")
    code, said = run(capsys, "decontaminate", str(chart_dataset), "--against", str(one_file), "--out", str(tmp_path / "q-report.json"))
    assert code == 0 and "1 questions" in said and "overlapping questions: 0" not in said, said
    assert fingerprint(chart_dataset) == before


def test_export_refuses_the_dataset_and_a_failed_export_leaves_nothing(tmp_path, chart_dataset, capsys):
    code, said = run(capsys, "export", str(chart_dataset), "--to", "parquet", "--out", str(chart_dataset / "exported"))
    assert code == 2 and "inside the dataset" in said and not (chart_dataset / "exported").exists()
    (tmp_path / "file").write_text("mine")
    code, said = run(capsys, "export", str(chart_dataset), "--to", "parquet", "--out", str(tmp_path / "file"))
    assert code == 2 and "is a file" in said and (tmp_path / "file").read_text() == "mine"

    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for path in chart_dataset.rglob("*"):
        if path.is_file():
            (damaged / path.relative_to(chart_dataset)).parent.mkdir(parents=True, exist_ok=True)
            (damaged / path.relative_to(chart_dataset)).write_bytes(path.read_bytes())
    last = sorted(damaged.glob("train-*.tar"))[-1]
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])
    for to in ("parquet", "jsonl+images"):
        empty = tmp_path / f"empty-{to}"
        empty.mkdir()
        code, said = run(capsys, "export", str(damaged), "--to", to, "--out", str(empty))
        assert code == 2 and "cannot read shard" in said and list(empty.iterdir()) == []
        code, said = run(capsys, "export", str(damaged), "--to", to, "--out", str(tmp_path / f"new-{to}"))
        assert code == 2 and not (tmp_path / f"new-{to}").exists()


def test_preview_report_audit_render_chart_refuse_to_write_into_the_dataset(tmp_path, chart_dataset, capsys):
    before = fingerprint(chart_dataset)
    shard = str(next(chart_dataset.glob("*.tar")))
    for argv in (["preview", str(chart_dataset), "--out", shard], ["report", str(chart_dataset), "--out", shard],
                 ["audit", str(chart_dataset), "--out", str(tmp_path / "a.html"), "--json", shard]):  # fmt: skip
        code, said = run(capsys, *argv)
        assert code == 2 and "inside the dataset" in said, (argv, said)
    spec = tmp_path / "chart.json"
    spec.write_text("{}", encoding="utf-8")
    code, said = run(capsys, "render-chart", str(spec), "--out", str(spec))
    assert code == 2 and "is the chart file" in said and spec.read_text() == "{}"
    assert fingerprint(chart_dataset) == before


def test_a_file_render_factory_did_not_write_is_never_replaced(tmp_path, chart_dataset, predictions, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    mine = tmp_path / "mine.json"
    mine.write_text('{"results": [1, 2]}', encoding="utf-8")
    for argv in (["preview", str(chart_dataset), "--n", "2", "--out", str(notes)],
                 ["score", str(predictions), "--dataset", str(chart_dataset), "--out", str(tmp_path / "s.html"), "--json", str(mine)]):  # fmt: skip
        code, said = run(capsys, *argv)
        assert code == 2 and "render-factory did not write it" in said, said
    assert notes.read_text(encoding="utf-8") == "my notes" and mine.read_text(encoding="utf-8") == '{"results": [1, 2]}'
    # its own outputs are replaced on the next run: page, summary, rows
    args = ["score", str(predictions), "--dataset", str(chart_dataset), "--out", str(tmp_path / "s.html"), "--per-sample", str(tmp_path / "rows.jsonl")]
    assert run(capsys, *args)[0] == 0 and run(capsys, *args)[0] == 0
    assert run(capsys, "preview", str(chart_dataset), "--n", "2", "--out", str(tmp_path / "p.html"))[0] == 0
    assert run(capsys, "preview", str(chart_dataset), "--n", "2", "--out", str(tmp_path / "p.html"))[0] == 0
    png = io.BytesIO()
    Image.new("RGB", (6, 4), "navy").save(png, "PNG")
    chart = tmp_path / "chart.png"
    chart.write_bytes(png.getvalue())  # a PNG of the user's
    assert not outputs.written_by_us(chart)
    outputs.write_file(tmp_path / "ours.png", png.getvalue(), "chart")
    assert outputs.written_by_us(tmp_path / "ours.png")
    with Image.open(tmp_path / "ours.png") as ours:  # the mark leaves the pixels alone
        assert ours.getpixel((2, 2)) == (0, 0, 128) and ours.info["Software"] == "render-factory"


def test_report_of_a_dataset_that_kept_no_sample(tmp_path, chart_dataset, capsys):
    """A run whose every sample dropped still writes a manifest; its report shows the drops."""
    import shutil

    empty = tmp_path / "empty"
    shutil.copytree(chart_dataset, empty)
    manifest_path = empty / ".render-factory" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["shards"] = []
    manifest["samples"]["total"] = 0
    manifest["drops"] = {"total": 24, "by_reason": {"render_failed": 24}}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    code, said = run(capsys, "report", str(empty), "--out", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert code == 0 and "report on 0 samples" in said and "No sample was read" in page and 'alt="drop reasons"' in page


def test_commands_that_copy_every_sample_check_shards_against_the_manifest(tmp_path, chart_dataset, capsys):
    """export, a clean copy and score read whole shards: a shard whose bytes are not the
    manifest's (a flipped byte in a target, a shard copied over another) used to pass silently
    into the export (duplicate keys, a corrupted target) with exit 0."""
    import shutil

    from tests.damage import flip_a_target_bit

    swapped = tmp_path / "swapped"
    shutil.copytree(chart_dataset, swapped)
    first, second = sorted(swapped.glob("train-*.tar"))[:2]
    first.write_bytes(second.read_bytes())
    flipped = tmp_path / "flipped"
    shutil.copytree(chart_dataset, flipped)
    flip_a_target_bit(sorted(flipped.glob("train-*.tar"))[0])
    bench = tmp_path / "bench"
    bench.mkdir()
    Image.new("RGB", (8, 8), "white").save(bench / "x.png")
    for dataset in (swapped, flipped):
        for argv, out in ((["export", str(dataset), "--to", "parquet", "--out", str(tmp_path / "pq")], tmp_path / "pq"),
                          (["decontaminate", str(dataset), "--against", str(bench), "--out", str(tmp_path / "d.json"),
                            "--write-clean", str(tmp_path / "clean")], tmp_path / "clean")):  # fmt: skip
            code, said = run(capsys, *argv)
            assert code == 2 and "is not the one the manifest lists" in said and not out.exists(), (dataset.name, argv[0], said)
    sample = samples_of(chart_dataset, "train")[0]
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps({"key": sample.key, "prediction": sample.text}) + "\n", encoding="utf-8")
    code, said = run(capsys, "score", str(predictions), "--dataset", str(swapped), "--out", str(tmp_path / "s.html"))
    assert code == 2 and "is not the one the manifest lists" in said
