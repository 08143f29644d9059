"""Every reader a user points at a fresh dataset folder of the built-in `mixed` recipe opens it with
the one call its own documentation gives (Ray's is in test_ray.py, beside its cluster): Hugging
Face `load_dataset("webdataset", data_dir=DIR)` and `load_dataset(DIR)`, webdataset with two
DataLoader workers, and wids from the shard index. Each sees every sample of its split once."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from factory.dataset import layout

pytestmark = [pytest.mark.chromium, pytest.mark.slow]


def _manifest(folder: Path) -> dict:
    return json.loads((folder / layout.MANIFEST).read_text())


def _keys_by_split(folder: Path) -> dict[str, list[str]]:
    import tarfile

    out: dict[str, list[str]] = {}
    for entry in _manifest(folder)["shards"]:
        with tarfile.open(folder / entry["name"]) as tar:
            keys = dict.fromkeys(info.name.partition(".")[0] for info in tar)
        out.setdefault(entry["split"], []).extend(keys)
    return out


def test_the_folder_holds_shards_alone(builtin_mixed_dataset):
    visible = sorted(p.name for p in builtin_mixed_dataset.iterdir() if layout.is_reader_visible(p.name))
    manifest = _manifest(builtin_mixed_dataset)
    assert visible == sorted(s["name"] for s in manifest["shards"])
    assert set(manifest["samples"]["by_split"]) == {"train", "validation", "test"}
    # readers: 8 in the recipe: the train split has 8 shards though 27 samples fit in one
    assert Counter(s["split"] for s in manifest["shards"])["train"] == 8


def _hf_check(loaded, folder: Path) -> None:
    keys = _keys_by_split(folder)
    assert sorted(loaded) == sorted(keys)
    for split, expected in keys.items():
        assert sorted(loaded[split]["__key__"]) == sorted(expected)
    row = loaded["train"][0]
    assert row["png"].size[0] > 0 and isinstance(row["txt"], str) and row["json"]["key"] == row["__key__"]


def test_hugging_face_data_dir(builtin_mixed_dataset, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    loaded = datasets.load_dataset("webdataset", data_dir=str(builtin_mixed_dataset), cache_dir=str(tmp_path / "hf"))
    _hf_check(loaded, builtin_mixed_dataset)


def test_hugging_face_folder_alone(builtin_mixed_dataset, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    loaded = datasets.load_dataset(str(builtin_mixed_dataset), cache_dir=str(tmp_path / "hf"))
    _hf_check(loaded, builtin_mixed_dataset)


def test_webdataset_with_two_dataloader_workers(builtin_mixed_dataset):
    torch = pytest.importorskip("torch")
    import webdataset as wds

    from factory.dataset.card import shard_pattern

    manifest = _manifest(builtin_mixed_dataset)
    pattern = shard_pattern(s["name"] for s in manifest["shards"] if s["split"] == "train")
    dataset = wds.WebDataset(str(builtin_mixed_dataset / pattern), shardshuffle=False).decode("pil").to_tuple("__key__", "png", "txt")
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=2)
    keys = [key for key, image, text in loader]
    assert sorted(keys) == sorted(_keys_by_split(builtin_mixed_dataset)["train"])


def test_wids_from_the_shard_index(builtin_mixed_dataset, tmp_path):
    wids = pytest.importorskip("wids")
    for split, keys in _keys_by_split(builtin_mixed_dataset).items():
        indexed = wids.ShardListDataset(str(builtin_mixed_dataset / layout.split_index(split)), cache_dir=str(tmp_path / "wids"))
        assert len(indexed) == len(keys)
        assert [indexed[i]["__key__"] for i in range(len(indexed))] == keys
