"""Output to fsspec URLs: shards appear only complete, the manifest comes last, and the bytes are
the same as in a local folder whichever URL scheme or worker count wrote them."""

import errno
import os
import uuid

import pytest

from factory.cli import main
from factory.errors import FactoryError
from factory.executors.local import LocalExecutor
from factory.generate import generate
from factory.dataset.verify import verify
from factory.recipe import recipe_from_dict
from factory.dataset.storage import PARTIAL_SUFFIX, Store
from factory.dataset import layout

RECIPE = {
    "name": "storage-test",
    "seed": 11,
    "samples": 8,
    "shard": {"samples": 4},
    "splits": {"train": 0.5, "val": 0.5},
    "tasks": {"chart_to_table": 1},
}


def shard_bytes(store: Store) -> dict[str, bytes]:
    return {name: store.read_bytes(name) for name in store.list() if name.endswith(".tar")}


def partials(store: Store) -> list[str]:
    return [n for n in store.list() + store.list(layout.STATS_FOLDER) if n.endswith(PARTIAL_SUFFIX)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "ds"
    generate(recipe_from_dict(RECIPE), str(out), workers=1)
    shards = shard_bytes(Store(str(out)))
    assert sorted(shards) == ["train-000000.tar", "val-000000.tar"]
    return shards


@pytest.fixture
def memory_url():
    url = f"memory://render-factory-test-{uuid.uuid4().hex}/ds"
    yield url
    store = Store(url)
    if store.fs.exists(store.root):
        store.fs.rm(store.root, recursive=True)


@pytest.fixture
def commits(monkeypatch):
    """Every final name committed, in order, checking each came from a temporary name."""
    events: list[str] = []
    real = Store.commit

    def commit(self, temp, final):
        folder, _, base = final.rpartition("/")  # a hidden temporary beside the final name
        assert temp.startswith((f"{folder}/" if folder else "") + f".{base}.") and temp.endswith(PARTIAL_SUFFIX)
        assert self.exists(temp)
        if final.endswith(".tar") and self.exists(final):  # only a shard with no stats is redone
            assert not self.exists(layout.stats_file(final[:-4])), f"complete {final} rendered again"
        events.append(final)
        real(self, temp, final)

    monkeypatch.setattr(Store, "commit", commit)
    return events


def test_memory_url_gives_the_same_bytes_with_manifest_last(reference, memory_url, commits):
    # workers=2: memory:// exists only in this process, so the executor must render here
    generate(recipe_from_dict(RECIPE), memory_url, workers=2)
    store = Store(memory_url)
    assert shard_bytes(store) == reference
    assert verify(store) == []
    assert partials(store) == []
    assert commits[-1] == layout.MANIFEST
    for name in reference:
        assert commits.index(layout.stats_file(name[:-4])) > commits.index(name)
    assert commits.index(layout.MANIFEST) > max(commits.index(layout.stats_file(n[:-4])) for n in reference)


def test_memory_url_resume_redoes_only_the_unfinished_shard(reference, memory_url, commits):
    resolved = recipe_from_dict(RECIPE)
    generate(resolved, memory_url, workers=1)
    store = Store(memory_url)
    store.remove(layout.stats_file("val-000000"))  # as if the run died between rename and stats
    store.remove(layout.MANIFEST)
    commits.clear()
    generate(resolved, memory_url, workers=1)
    assert [c for c in commits if c.endswith(".tar")] == ["val-000000.tar"]
    assert shard_bytes(store) == reference
    assert verify(store) == []


def test_file_url_with_worker_processes_gives_the_same_bytes(reference, tmp_path):
    """Also: workers end quickly (without interpreter teardown) yet every progress report arrives."""
    import multiprocessing

    url = f"file://{tmp_path}/ds"
    counted: list[int] = []
    manifest = generate(recipe_from_dict(RECIPE), url, workers=2, progress=lambda shards, total: counted.append)
    assert sum(counted) == manifest["samples"]["total"] == RECIPE["samples"]
    assert multiprocessing.active_children() == []
    store = Store(url)
    assert store.local
    assert shard_bytes(store) == reference
    assert sorted(os.listdir(tmp_path / "ds" / layout.STATS_FOLDER)) == ["train-000000.json", "val-000000.json"]
    assert partials(store) == []
    assert main(["verify", url]) == 0


def test_shards_written_where_the_driver_cannot_see_them_are_an_error(tmp_path, monkeypatch):
    """As when Ray workers on other nodes write to their own local disks."""
    elsewhere = str(tmp_path / "elsewhere")
    Store(elsewhere).makedirs()

    class NodeLocal(LocalExecutor):
        def run(self, recipe_data, out_url, shards, on_samples, run=None):
            return super().run(recipe_data, elsewhere, shards, on_samples, run)

    monkeypatch.setattr("factory.generate.make_executor", lambda *a, **k: NodeLocal(1))
    with pytest.raises(FactoryError, match=r"2 shard\(s\) were rendered but are missing .*object storage"):
        generate(recipe_from_dict(RECIPE), str(tmp_path / "ds"), workers=1)
    assert not (tmp_path / "ds" / layout.MANIFEST).exists()


class _RefusingFile:
    def __init__(self, raw):
        self.raw = raw

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.raw.close()


def test_small_file_write_failure_is_one_line_and_leaves_no_temporary(tmp_path, monkeypatch):
    store = Store(str(tmp_path))
    real = Store.open_write
    monkeypatch.setattr(Store, "open_write", lambda self, name: _RefusingFile(real(self, name)))
    with pytest.raises(FactoryError) as err:
        store.write_atomic("manifest.json", "{}")
    assert "No space left on device" in str(err.value) and "\n" not in str(err.value)
    assert os.listdir(tmp_path) == []


def test_store_sees_files_other_processes_wrote(tmp_path):
    a, b = Store(str(tmp_path)), Store(f"file://{tmp_path}")
    assert not b.exists("x.tar") and b.list() == []
    a.write_atomic("x.tar", b"data")
    assert b.exists("x.tar") and b.list() == ["x.tar"] and b.read_bytes("x.tar") == b"data"
