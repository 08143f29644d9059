"""Torch side: real DataLoader workers split the stream exactly, batches of mixed sizes, on-the-fly
generation equal to the written dataset, and a clear error when torch is not installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import textwrap
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from factory.errors import FactoryError
from factory.image_prep import PrepareImage
from factory.loaders import open_dataset

torch = pytest.importorskip("torch")

from factory.torch_data import Collate, GeneratedDataset, make_loader  # noqa: E402
from factory.dataset import layout

ROOT = Path(__file__).resolve().parents[1]


def _all_keys(path: Path, split: str | None = None) -> list[str]:
    manifest = json.loads((path / layout.MANIFEST).read_text())
    keys = []
    for entry in manifest["shards"]:
        if split is None or entry["split"] == split:
            with tarfile.open(path / entry["name"]) as tar:
                keys += sorted({m.name.partition(".")[0] for m in tar})
    return keys


def _loader_keys(loader) -> list[str]:
    return [k for batch in loader for k in batch["keys"]]


def test_two_workers_read_every_sample_once_per_epoch(chart_dataset):
    expected = Counter(_all_keys(chart_dataset))
    dataset = open_dataset(chart_dataset, shuffle=8, seed=2)
    loader = make_loader(dataset, batch_size=4, num_workers=2)
    orders = []
    for epoch in range(2):
        dataset.set_epoch(epoch)
        keys = _loader_keys(loader)
        assert Counter(keys) == expected
        orders.append(keys)
    assert orders[0] != orders[1]


@pytest.mark.parametrize("split", [None, "train", "val"])
def test_two_ranks_with_two_workers_each_see_every_sample_once(chart_dataset, split):
    """4 shards: one per (rank, worker). train's 3: whole shards per rank, then by sample among its
    workers. val's single shard: split among the 4 readers by sample."""
    expected = Counter(_all_keys(chart_dataset, split))
    seen = Counter()
    for rank in range(2):
        dataset = open_dataset(chart_dataset, split=split, rank=rank, world_size=2, shuffle=4)
        seen.update(_loader_keys(make_loader(dataset, batch_size=3, num_workers=2)))
    assert seen == expected


def test_resampled_ranks_get_equal_batches(chart_dataset):
    """The multi-GPU mode: every rank gets the same number of batches and epoch_length samples."""
    valid = set(_all_keys(chart_dataset))
    batches = []
    for rank in range(2):
        dataset = open_dataset(chart_dataset, resampled=True, epoch_length=20, shuffle=8, rank=rank, world_size=2)
        loader = make_loader(dataset, batch_size=5, num_workers=2)
        sizes = [len(batch["keys"]) for batch in loader]
        assert sum(sizes) == 20
        assert {k for batch in loader for k in batch["keys"]} <= valid
        batches.append(len(sizes))
    assert batches[0] == batches[1] == len(loader)


def test_collate_pads_images_and_texts():
    from PIL import Image

    batch = [
        {"key": "a", "image": Image.new("RGB", (30, 20), (255, 0, 0)), "text": "ab", "meta": {"prompt": "p"}},
        {"key": "b", "image": Image.new("RGB", (10, 40), (0, 255, 0)), "text": "abcdef", "meta": {}},
    ]
    out = Collate(pad_value=-1.0)(batch)
    assert out["pixel_values"].shape == (2, 3, 40, 30)
    assert out["pixel_mask"].shape == (2, 40, 30)
    assert out["pixel_mask"][0].sum() == 600 and out["pixel_mask"][1].sum() == 400
    assert out["pixel_values"][0, 0, 0, 0] == 1.0 and out["pixel_values"][0, 0, 30, 0] == -1.0
    assert out["image_sizes"].tolist() == [[20, 30], [40, 10]]
    assert out["texts"] == ["ab", "abcdef"] and out["prompts"] == ["p", None] and out["keys"] == ["a", "b"]
    assert "input_ids" not in out

    raw = Collate(pixels="uint8", pad_value=7)(batch)
    assert raw["pixel_values"].dtype == torch.uint8 and raw["pixel_values"][0, 0, 0, 0] == 255
    assert raw["pixel_values"][0, 0, 30, 0] == 7 and torch.equal(raw["pixel_mask"], out["pixel_mask"])
    mixed = [dict(batch[0], image=torch.zeros(3, 20, 30, dtype=torch.uint8)), dict(batch[1], image=np.ones((40, 10, 3), np.float32))]
    assert Collate()(mixed)["pixel_values"][1, :, :40, :10].eq(1.0).all()
    with pytest.raises(FactoryError, match="uint8"):
        Collate(pixels="uint8")(mixed)

    tokens = Collate(tokenizer=str.encode, pad_token_id=0, max_length=4)(batch)
    assert tokens["input_ids"].tolist() == [[97, 98, 0, 0], [97, 98, 99, 100]]
    assert tokens["attention_mask"].tolist() == [[1, 1, 0, 0], [1, 1, 1, 1]]
    assert tokens["labels"].tolist() == [[97, 98, -100, -100], [97, 98, 99, 100]]
    hf_style = Collate(tokenizer=lambda t: {"input_ids": [len(t)]})(batch)
    assert hf_style["input_ids"].tolist() == [[2], [6]]


def test_loader_batches_real_samples(chart_dataset):
    prep = PrepareImage(patch_size=16, max_patches=128, flatten=True)
    loader = make_loader(open_dataset(chart_dataset, split="train", transform=prep, image="pil"), batch_size=4, num_workers=2)
    batch = next(iter(loader))
    assert batch["flattened_patches"].shape == (4, 128, 2 + 16 * 16 * 3)
    assert batch["patch_mask"].sum(dim=1).tolist() == [int(h) * int(w) // 256 for h, w in batch["image_sizes"].tolist()]
    assert batch["pixel_values"].dtype == torch.float32 and float(batch["pixel_values"].max()) <= 1.0
    tensor_sample = next(iter(open_dataset(chart_dataset, image="tensor")))
    image = tensor_sample["image"]
    assert image.dtype == torch.uint8 and tuple(image.shape) == (3, tensor_sample["meta"]["image"]["height"], tensor_sample["meta"]["image"]["width"])


def test_generated_on_the_fly_equals_the_written_dataset(chart_dataset, chart_recipe):
    """Same recipe and seed, rendered in 2 DataLoader workers: same keys, same bytes, no disk."""
    written = {}
    manifest = json.loads((chart_dataset / layout.MANIFEST).read_text())
    for entry in manifest["shards"]:
        with tarfile.open(chart_dataset / entry["name"]) as tar:
            for member in tar:
                key, _, ext = member.name.partition(".")
                written.setdefault(key, {})[ext] = tar.extractfile(member).read()
    dataset = GeneratedDataset(chart_recipe, raw=True)
    assert len(dataset) == manifest["samples"]["total"]
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=2)
    generated = {s["__key__"]: {k: v for k, v in s.items() if k != "__key__"} for s in loader}
    assert sorted(generated) == sorted(written)
    for key, members in written.items():
        assert generated[key] == members, key


def test_generated_split_over_ranks_decodes(chart_recipe):
    """val's one shard goes to one of two ranks, whole; decoded samples look like the loader's."""
    keys = Counter()
    for rank in range(2):
        dataset = GeneratedDataset(chart_recipe, split="val", rank=rank, world_size=2)
        for sample in dataset:
            keys[sample["key"]] += 1
            assert sample["meta"]["split"] == "val" and sample["image"].mode == "RGB" and sample["text"]
    assert sum(keys.values()) == 6 and set(keys.values()) == {1}
    with pytest.raises(Exception, match="splits are: train, val"):
        GeneratedDataset(chart_recipe, split="test")


def test_generated_matches_shards_closed_early_by_max_bytes(chart_recipe, tmp_path):
    """A shard closed at shard.max_bytes holds fewer samples; on-the-fly output closes it alike."""
    from factory.executors.worker import render_shard
    from factory.plan import plan_shards
    from factory.recipe import recipe_from_dict

    recipe = dict(chart_recipe, samples=6, splits={"train": 1.0}, shard={"samples": 3, "max_bytes": 20000})
    resolved = recipe_from_dict(recipe)
    out = tmp_path / "ds"
    out.mkdir()
    written = []
    for shard in plan_shards(resolved):  # as an executor writes them
        render_shard(resolved.as_dict(), str(out), shard)
        with tarfile.open(out / shard.filename) as tar:
            written += sorted({m.name.partition(".")[0] for m in tar})
    generated = [s["key"] for s in GeneratedDataset(recipe)]
    assert generated == written and len(written) < 6


def test_without_torch_the_plain_loader_works_and_helpers_say_what_to_install(chart_dataset):
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["torch"] = None  # as if torch were not installed
        from factory.errors import MissingExtraError
        from factory.loaders import open_dataset
        from factory.torch_data import Collate, GeneratedDataset, make_loader

        samples = list(open_dataset({str(chart_dataset)!r}, split="val"))
        assert len(samples) == 6, len(samples)
        for call in (lambda: make_loader(samples), lambda: Collate()(samples), lambda: open_dataset({str(chart_dataset)!r}, image="tensor")):
            try:
                call()
            except MissingExtraError as exc:
                print(exc)
            else:
                raise SystemExit("no MissingExtraError")
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    for line in lines:
        assert "pip install 'render-factory[torch]'" in line
