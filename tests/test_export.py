"""`render-factory export`: Parquet that Hugging Face loads by config (one per task) with the very
bytes of the shards, and LLaVA-style JSONL records with their image files."""

from __future__ import annotations

import json
import tarfile

import pytest

from factory.cli import main
from factory.dataset import layout


def _shard_members(folder) -> dict[str, dict[str, bytes]]:
    out: dict[str, dict[str, bytes]] = {}
    for entry in json.loads((folder / layout.MANIFEST).read_text())["shards"]:
        with tarfile.open(folder / entry["name"]) as tar:
            for info in tar:
                key, _, ext = info.name.partition(".")
                out.setdefault(key, {})[ext] = tar.extractfile(info).read()
    return out


def test_parquet_export_loads_by_task_with_the_shards_bytes(chart_dataset, tmp_path, monkeypatch, capsys):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    out = tmp_path / "parquet"
    assert main(["export", str(chart_dataset), "--to", "parquet", "--out", str(out)]) == 0
    assert "exported 24 samples" in capsys.readouterr().out
    raw = _shard_members(chart_dataset)
    manifest = json.loads((chart_dataset / layout.MANIFEST).read_text())
    everything = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf"))  # the `all` config
    assert sorted(everything) == ["train", "val"] and sum(everything[s].num_rows for s in everything) == 24
    for task in manifest["tasks"]:
        loaded = datasets.load_dataset(str(out), task, cache_dir=str(tmp_path / "hf"))
        for split, rows in loaded.items():
            assert rows.num_rows == manifest["samples"]["by_split_and_task"][split][task]
            assert set(rows["task"]) == {task}
    row = everything["train"][0]
    assert row["text"] == raw[row["key"]]["txt"].decode() and json.loads(row["json"]) == json.loads(raw[row["key"]]["json"])
    assert row["image"].size[0] > 0
    table = __import__("pyarrow.parquet", fromlist=["x"]).read_table(next((out / "chart_qa").glob("train-*.parquet")))
    first = table.to_pylist()[0]
    assert first["image"]["bytes"] == raw[first["key"]]["png"]  # the shard's bytes, not re-encoded
    card = (out / "README.md").read_text()
    assert "config_name: chart_qa" in card and "license_name:" in card and "dtype: image" in card


def test_jsonl_export_is_llava_records_with_their_images(chart_dataset, tmp_path):
    out = tmp_path / "jsonl"
    assert main(["export", str(chart_dataset), "--to", "jsonl+images", "--out", str(out), "--split", "val"]) == 0
    raw = _shard_members(chart_dataset)
    records = [json.loads(line) for line in (out / "val.jsonl").read_text().splitlines()]
    assert len(records) == 6 and not (out / "train.jsonl").exists()
    for record in records:
        human, gpt = record["conversations"]
        meta = json.loads(raw[record["id"]]["json"])
        assert human == {"from": "human", "value": "<image>\n" + meta["prompt"]}
        assert gpt == {"from": "gpt", "value": raw[record["id"]]["txt"].decode()}
        assert (out / record["image"]).read_bytes() == raw[record["id"]]["png"]


def test_export_refuses_a_folder_with_files(chart_dataset, tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep")
    assert main(["export", str(chart_dataset), "--to", "parquet", "--out", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err and (tmp_path / "mine.txt").read_text() == "keep"


def test_parquet_export_streams_in_small_row_groups_and_files(chart_dataset, tmp_path, monkeypatch):
    """Memory is bounded by ROW_GROUP rows per open file: rows go out in row groups that size, and
    files roll over at ROWS_PER_FILE, none lost."""
    pq = pytest.importorskip("pyarrow.parquet")
    from factory.tools import export

    monkeypatch.setattr(export, "ROW_GROUP", 2)
    monkeypatch.setattr(export, "ROWS_PER_FILE", 3)
    counts = export.export(str(chart_dataset), "parquet", str(tmp_path / "out"))
    files = sorted((tmp_path / "out").glob("*/*.parquet"))
    assert len(files) == sum(-(-n // 3) for by_task in counts.values() for n in by_task.values())
    keys = []
    for path in files:
        meta = pq.ParquetFile(path).metadata
        assert meta.num_rows <= 3 and all(meta.row_group(i).num_rows <= 2 for i in range(meta.num_row_groups))
        keys += pq.read_table(path, columns=["key"]).column("key").to_pylist()
    assert sorted(keys) == sorted(_shard_members(chart_dataset)) and len(keys) == 24
    assert "&id" not in (tmp_path / "out" / "README.md").read_text()  # no YAML anchors for the Hub's parser
