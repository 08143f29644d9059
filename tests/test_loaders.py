"""The plain loader (no DataLoader): finding shards, decoding, filtering, splitting, shuffling,
resampling, remote sources, other readers (HF datasets, wids), and Pix2Struct image preparation."""

from __future__ import annotations

import functools
import http.server
import io
import json
import math
import shutil
import tarfile
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from factory.errors import FactoryError
from factory.image_prep import PrepareImage, flattened_patches, patch_grid, resize_max_side, resize_to_patches
from factory.loaders import find_shards, hf_data_files, hf_features, open_dataset, split_count
from factory.meta import unpack
from factory.dataset import layout


def _manifest(path: Path) -> dict:
    return json.loads((path / layout.MANIFEST).read_text())


def _tar_contents(path: Path) -> dict[str, dict[str, bytes]]:
    """key -> {ext: bytes} read straight from the tars, for comparison."""
    out: dict[str, dict[str, bytes]] = {}
    for entry in _manifest(path)["shards"]:
        with tarfile.open(path / entry["name"]) as tar:
            for info in tar:
                key, _, ext = info.name.partition(".")
                out.setdefault(key, {})[ext] = tar.extractfile(info).read()
    return out


def _keys(dataset) -> list[str]:
    return [s["key"] for s in dataset]


# --- finding shards ---


def test_sources_resolve_to_the_same_shards(chart_dataset):
    names = [s["name"] for s in _manifest(chart_dataset)["shards"]]
    expected = [str(chart_dataset / n) for n in names]
    assert find_shards(chart_dataset).urls == expected
    assert find_shards(str(chart_dataset / layout.MANIFEST)).urls == expected
    assert find_shards(str(chart_dataset / layout.SHARD_INDEX)).urls == expected
    assert find_shards([str(chart_dataset / n) for n in names]).urls == expected
    assert find_shards(str(chart_dataset / "train-{000000..000002}.tar")).urls == expected[:3]
    assert find_shards(chart_dataset, "val").urls == [str(chart_dataset / "val-000000.tar")]
    assert find_shards(chart_dataset, ["train"]).samples == 18


def test_bad_sources_say_what_to_do(chart_dataset, tmp_path):
    with pytest.raises(FactoryError, match="splits are: train, val"):
        find_shards(chart_dataset, "test")
    with pytest.raises(FactoryError, match="manifest.json"):
        find_shards(tmp_path)
    with pytest.raises(FactoryError, match="tasks are: chart_qa, chart_to_table"):
        open_dataset(chart_dataset, tasks="chart_to_code")
    with pytest.raises(FactoryError, match="epoch_length"):
        open_dataset(chart_dataset, resampled=True)
    with pytest.raises(FactoryError, match="image="):
        open_dataset(chart_dataset, image="jpeg")
    with pytest.raises(FactoryError, match="rank must be"):
        open_dataset(chart_dataset, rank=2, world_size=2)


# --- decoding and selection ---


def test_every_sample_decodes_to_what_the_tar_holds(chart_dataset):
    raw = _tar_contents(chart_dataset)
    samples = list(open_dataset(chart_dataset))
    assert [s["key"] for s in samples] == list(raw)
    for s in samples:
        members = raw[s["key"]]
        assert s["text"] == members["txt"].decode()
        assert s["meta"] == unpack(json.loads(members["json"]))
        assert isinstance(s["meta"]["source"], dict)
        assert s["meta"]["key"] == s["key"]
        assert isinstance(s["image"], Image.Image) and s["image"].mode == "RGB"
        assert s["image"].size == (s["meta"]["image"]["width"], s["meta"]["image"]["height"])
    first = samples[0]
    decoded = Image.open(io.BytesIO(raw[first["key"]]["png"])).convert("RGB")
    assert np.array_equal(np.asarray(first["image"]), np.asarray(decoded))


def test_image_kinds(chart_dataset):
    s_np = next(iter(open_dataset(chart_dataset, image="numpy")))
    s_raw = next(iter(open_dataset(chart_dataset, image="bytes")))
    assert s_np["image"].dtype == np.uint8 and s_np["image"].shape == (s_np["meta"]["image"]["height"], s_np["meta"]["image"]["width"], 3)
    assert s_raw["image"].startswith(b"\x89PNG")


def test_tasks_and_splits_are_selected(chart_dataset):
    manifest = _manifest(chart_dataset)
    by = manifest["samples"]["by_split_and_task"]
    qa = list(open_dataset(chart_dataset, tasks="chart_qa"))
    assert {s["meta"]["task"] for s in qa} == {"chart_qa"}
    assert len(qa) == sum(v.get("chart_qa", 0) for v in by.values())
    assert len(open_dataset(chart_dataset, tasks="chart_qa")) == len(qa)
    val_table = list(open_dataset(chart_dataset, split="val", tasks=["chart_to_table"]))
    assert len(val_table) == by["val"].get("chart_to_table", 0)
    # Without a manifest the split is read from each sample's metadata.
    urls = find_shards(chart_dataset).urls
    val_from_urls = list(open_dataset(urls, split="val"))
    assert len(val_from_urls) == manifest["samples"]["by_split"]["val"]
    assert {s["meta"]["split"] for s in val_from_urls} == {"val"}


# --- order and splitting ---


def test_shuffle_is_seeded_per_epoch_and_keeps_every_sample(chart_dataset):
    plain = _keys(open_dataset(chart_dataset))
    a = open_dataset(chart_dataset, shuffle=10, seed=5)
    first = _keys(a)
    assert _keys(a) == first  # same epoch, same order
    assert _keys(open_dataset(chart_dataset, shuffle=10, seed=5)) == first
    a.set_epoch(1)
    second = _keys(a)
    assert second != first and sorted(second) == sorted(first) == sorted(plain)
    assert first != plain


@pytest.mark.parametrize("world_size", [2, 3, 4, 7])
def test_ranks_see_each_sample_exactly_once(chart_dataset, world_size):
    """4 shards: 2 and 4 ranks split by shard, 3 by shard unevenly, 7 (more ranks than shards) by sample."""
    every = Counter()
    for rank in range(world_size):
        every.update(_keys(open_dataset(chart_dataset, rank=rank, world_size=world_size, shuffle=4, seed=1)))
    assert set(every.values()) == {1}
    assert sorted(every) == sorted(_keys(open_dataset(chart_dataset)))


def test_resampled_epochs_have_a_fixed_length(chart_dataset):
    keys = set(_keys(open_dataset(chart_dataset)))
    runs = {}
    for rank in range(2):
        ds = open_dataset(chart_dataset, resampled=True, epoch_length=30, shuffle=8, seed=3, rank=rank, world_size=2)
        assert len(ds) == 30
        runs[rank] = _keys(ds)
        assert len(runs[rank]) == 30 and set(runs[rank]) <= keys
        assert _keys(ds) == runs[rank]  # deterministic
        ds.set_epoch(1)
        assert _keys(ds) != runs[rank]
    assert runs[0] != runs[1]  # ranks draw different streams


def test_epoch_length_without_resampling_cycles_the_share(chart_dataset):
    ds = open_dataset(chart_dataset, split="val", epoch_length=15)
    keys = _keys(ds)
    assert len(keys) == 15 and Counter(keys).most_common(1)[0][1] == 3  # 6 samples: 3 passes, the last partial
    empty = open_dataset(chart_dataset, split="val", epoch_length=5)
    empty.tasks = ["no_such_task"]  # past the manifest check: a selection with nothing must fail, not loop
    with pytest.raises(FactoryError, match="no samples"):
        list(empty)


def test_split_count_shares():
    assert [split_count(10, 4, i) for i in range(4)] == [3, 3, 2, 2]
    assert sum(split_count(7, 3, i) for i in range(3)) == 7


def test_unreadable_shard_is_an_error_or_skipped(chart_dataset, tmp_path):
    copy = tmp_path / "ds"
    shutil.copytree(chart_dataset, copy)
    (copy / "train-000001.tar").write_bytes(b"not a tar at all" * 100)
    with pytest.raises(FactoryError, match="train-000001.tar"):
        list(open_dataset(copy))
    assert len(list(open_dataset(copy, skip_errors=True))) == 18


# --- other places and readers ---


def test_reads_over_http(chart_dataset):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(chart_dataset))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert _keys(open_dataset(base, split="val")) == _keys(open_dataset(chart_dataset, split="val"))
        assert len(_keys(open_dataset([f"{base}/train-000000.tar"]))) == 6
    finally:
        server.shutdown()
        server.server_close()


def test_reads_any_fsspec_url(chart_dataset):
    import fsspec

    fs = fsspec.filesystem("memory")
    for path in chart_dataset.rglob("*"):
        if path.is_file():
            fs.pipe(f"/loadertest/{path.relative_to(chart_dataset)}", path.read_bytes())
    try:
        assert _keys(open_dataset("memory://loadertest", split="train")) == _keys(open_dataset(chart_dataset, split="train"))
    finally:
        fs.rm("/loadertest", recursive=True)


def test_hugging_face_datasets_loads_it(chart_dataset, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    files = hf_data_files(chart_dataset)
    assert sorted(files) == ["train", "val"]
    features = hf_features(chart_dataset)
    loaded = datasets.load_dataset("webdataset", data_files=files, features=features, cache_dir=str(tmp_path / "hf"))
    assert loaded["train"].num_rows == 18 and loaded["val"].num_rows == 6
    row = loaded["val"][0]
    raw = _tar_contents(chart_dataset)[row["__key__"]]
    assert row["txt"] == raw["txt"].decode()
    assert row["json"]["key"] == row["__key__"]
    plain = datasets.load_dataset("webdataset", data_files=files, cache_dir=str(tmp_path / "hf-inferred"))
    assert plain["train"].num_rows == 18 and unpack(plain["train"][3]["json"]) == unpack(loaded["train"][3]["json"])
    assert row["png"].size == (row["json"]["image"]["width"], row["json"]["image"]["height"])


def test_wids_indexes_samples(chart_dataset, tmp_path):
    wids = pytest.importorskip("wids")
    ds = wids.ShardListDataset(str(chart_dataset / layout.SHARD_INDEX), cache_dir=str(tmp_path / "wids"))
    keys = _keys(open_dataset(chart_dataset))
    assert len(ds) == len(keys)
    for i in (0, 7, len(keys) - 1):
        sample = ds[i]
        assert sample["__key__"] == keys[i]
        assert sample[".txt"] == _tar_contents(chart_dataset)[keys[i]]["txt"].decode()
        assert isinstance(sample[".png"], Image.Image)


# --- image preparation ---


@pytest.mark.parametrize("size", [(640, 480), (1024, 200), (50, 900), (16, 16), (3000, 3000)])
@pytest.mark.parametrize("max_patches", [512, 2048])
def test_patch_grid_follows_pix2struct(size, max_patches):
    w, h = size
    rows, cols = patch_grid(w, h, 16, max_patches)
    scale = math.sqrt(max_patches * (16 / h) * (16 / w))
    assert rows == max(min(math.floor(scale * h / 16), max_patches), 1)
    assert cols == max(min(math.floor(scale * w / 16), max_patches), 1)
    assert rows * cols <= max_patches
    assert (rows + 1) * (cols + 1) > max_patches  # no bigger grid of this shape fits


def test_patch_grid_worked_example():
    # 640x480 with 2048 16-pixel patches: scale = sqrt(2048 * 256 / 307200) = 1.306..., 39 rows x 52 cols
    assert patch_grid(640, 480, 16, 2048) == (39, 52)
    assert resize_to_patches(Image.new("RGB", (640, 480)), 16, 2048).size == (52 * 16, 39 * 16)
    assert patch_grid(640, 480, (8, 32), 100) == (17, 5)


def test_resize_max_side():
    assert resize_max_side(Image.new("RGB", (800, 400)), 400).size == (400, 200)
    assert resize_max_side(Image.new("RGB", (100, 300)), 400).size == (100, 300)
    assert resize_max_side(Image.new("RGB", (100, 300)), 600, upscale=True).size == (200, 600)


def test_flattened_patches_layout():
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (32, 48, 3), dtype=np.uint8))  # exactly 2 x 3 patches of 16
    patches, mask = flattened_patches(image, 16, max_patches=6, normalize=False)
    assert patches.shape == (6, 2 + 16 * 16 * 3) and mask.tolist() == [1] * 6
    array = np.asarray(image).astype(np.float32)
    assert patches[4, :2].tolist() == [2, 2]  # row 2, column 2 (1-based)
    assert np.array_equal(patches[4, 2:], array[16:32, 16:32].reshape(-1))
    padded, mask = flattened_patches(image, 16, max_patches=10)
    assert mask.tolist() == [1] * 6 + [0] * 4 and not padded[6:].any()
    assert abs(float(padded[:6, 2:].mean())) < 1e-4  # standardized


def test_prepare_image_as_a_loader_transform(chart_dataset):
    ds = open_dataset(chart_dataset, split="val", transform=PrepareImage(patch_size=16, max_patches=256, flatten=True))
    for sample in ds:
        w, h = sample["image"].size
        assert w % 16 == 0 and h % 16 == 0 and (w // 16) * (h // 16) <= 256
        assert sample["flattened_patches"].shape == (256, 2 + 768)
        assert int(sample["patch_mask"].sum()) == (w // 16) * (h // 16)
    side = next(iter(open_dataset(chart_dataset, transform=PrepareImage("side", max_side=32))))
    assert max(side["image"].size) == 32
    with pytest.raises(FactoryError):
        PrepareImage("square")
