"""The shard writer on its own: reproducible tar bytes, key rules, atomic appearance."""

import tarfile

import pytest

from factory.samples import Sample
from factory.dataset.shards import ShardWriter, validate_key
from factory.dataset.storage import Store
from factory.dataset import layout


def _sample(key, text="hello"):
    return Sample(key, "t", {"png": b"\x89PNG fake", "txt": text.encode(), "json": b"{}"})


def _write(tmp_path, name, keys):
    store = Store(str(tmp_path))
    writer = ShardWriter(store, name, "png")
    for k in keys:
        writer.write(_sample(k))
    return store, writer


def test_identical_samples_give_identical_bytes(tmp_path):
    _, a = _write(tmp_path, "a.tar", ["k_000000", "k_000001"])
    a.commit()
    _, b = _write(tmp_path, "b.tar", ["k_000000", "k_000001"])
    b.commit()
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()
    with tarfile.open(tmp_path / "a.tar") as tar:
        infos = tar.getmembers()
    assert [i.name for i in infos] == [f"k_00000{n}.{e}" for n in "01" for e in ("json", "png", "txt")]
    assert {(i.mtime, i.mode, i.uname) for i in infos} == {(946684800, 0o444, "render-factory")}


def test_shard_is_invisible_until_committed(tmp_path):
    store, writer = _write(tmp_path, "s.tar", ["k_000000"])
    assert not (tmp_path / "s.tar").exists()
    assert [p.name for p in tmp_path.iterdir()][0].endswith(".partial")
    nbytes, sha = writer.commit()
    assert (tmp_path / "s.tar").stat().st_size == nbytes
    assert not list(tmp_path.glob("*.partial"))


def test_abort_leaves_nothing(tmp_path):
    _, writer = _write(tmp_path, "s.tar", ["k_000000"])
    writer.abort()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["a.b", "", "a b", "train-000001_000002.png", "../x"])
def test_keys_with_dots_or_odd_characters_are_refused(key):
    with pytest.raises(ValueError):
        validate_key(key)


def test_duplicate_keys_and_member_mismatch_are_refused(tmp_path):
    store, writer = _write(tmp_path, "s.tar", ["k_000000"])
    with pytest.raises(ValueError, match="duplicate"):
        writer.write(_sample("k_000000"))
    with pytest.raises(ValueError, match="members"):
        writer.write(Sample("k_000009", "t", {"jpg": b"x", "txt": b"", "json": b"{}"}))
    writer.abort()


def test_webdataset_reads_what_the_writer_wrote(tmp_path):
    import webdataset as wds

    _, writer = _write(tmp_path, "s.tar", ["k_000000", "k_000001"])
    writer.commit()
    got = list(wds.WebDataset(str(tmp_path / "s.tar"), shardshuffle=False))
    assert [s["__key__"] for s in got] == ["k_000000", "k_000001"]
    assert got[0]["txt"] == b"hello"


def test_a_full_shard_stops_rendering_and_counts_the_rest(tmp_path):
    import json

    from factory.generate import generate
    from factory.dataset.verify import verify
    from factory.recipe import recipe_from_dict

    resolved = recipe_from_dict(
        {"seed": 2, "samples": 6, "shard": {"samples": 6, "max_bytes": 1}, "tasks": {"chart_to_table": 1}}
    )
    manifest = generate(resolved, str(tmp_path / "ds"), workers=1)
    stats = json.loads((tmp_path / "ds" / layout.STATS_FOLDER / "train-000000.json").read_text())
    assert stats["samples"] == 1
    assert stats["attempts"] == 2  # the sample that found the shard full, and no more
    assert manifest["drops"]["by_reason"] == {"shard_max_bytes": 5}
    assert verify(Store(str(tmp_path / "ds"))) == []


def test_sample_garbage_is_collected_after_each_sample_and_the_collector_left_as_found():
    import gc
    import weakref

    from factory.samples import SampleGarbage

    class Node:
        pass

    collected: list[int] = []

    def record(phase, info):
        if phase == "start":
            collected.append(info["generation"])

    garbage = SampleGarbage(full_every=3)
    gc.callbacks.append(record)
    try:
        for _ in range(3):
            with garbage.around_sample():
                assert not gc.isenabled()
                a, b = Node(), Node()
                a.other, b.other = b, a  # a cycle: only the cyclic collector frees it
                ref = weakref.ref(a)
                del a, b
            assert gc.isenabled()
            assert ref() is None  # freed as soon as its sample is done
    finally:
        gc.callbacks.remove(record)
    assert [g for g in collected if g] == [1, 1, 2]  # young collections, a full one every `full_every` samples

    gc.disable()
    try:
        with garbage.around_sample():
            pass
        assert not gc.isenabled()  # a caller that turned the collector off keeps it off
    finally:
        gc.enable()
