"""Safe to run, safe to trust: what `generate` may write where, one writer per dataset, stats that
prove which recipe made a shard, and a `verify` that misses nothing (issue 12, findings 1-4)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from factory.cli import main
from factory.dataset import layout
from factory.dataset.ownership import LEASE_SECONDS, recipe_digest, sole_writer
from factory.dataset.shards import is_complete
from factory.dataset.storage import Store
from factory.dataset.verify import verify
from factory.errors import FactoryError, RecipeError
from factory.generate import generate
from factory.plan import plan_shards
from factory.recipe import recipe_from_dict

ROOT = Path(__file__).resolve().parent.parent
RECIPE = {
    "name": "safety",
    "seed": 1,
    "samples": 6,
    "shard": {"samples": 2},
    "splits": {"train": 0.67, "val": 0.33},
    "tasks": {"chart_to_table": 1},
}


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, hidden ones included: relative path -> bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("safety") / "ds"
    generate(recipe_from_dict(RECIPE), str(out), workers=1)
    return out


@pytest.fixture
def copy(dataset, tmp_path) -> Path:
    out = tmp_path / "ds"
    shutil.copytree(dataset, out)
    return out


def one_line_error(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    return err


# --- 1. --out never touches what the factory did not write ----------------------------------------


@pytest.mark.parametrize(
    "user_files",
    [
        {"README.md": b"# my notes\n"},
        {"manifest.json": b'{"mine": true}'},
        {"notes.partial": b"half a thought"},
        {"train-000000.tar": b"my own tar"},
        {"sub/deep.txt": b"x", ".hidden": b"y"},
    ],
)
def test_output_with_unrelated_files_is_refused_and_left_untouched(tmp_path, capsys, user_files):
    out = tmp_path / "mine"
    for name, data in user_files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    before = tree(out)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(json.dumps(RECIPE))
    err = one_line_error(["generate", str(recipe), "--out", str(out), "--workers", "1", "--quiet"], capsys)
    assert "render-factory did not make it" in err and "nothing was touched" in err
    assert tree(out) == before


def test_empty_and_own_folders_are_accepted_and_the_old_layout_refused(tmp_path, dataset):
    empty = tmp_path / "empty"
    empty.mkdir()
    generate(recipe_from_dict(RECIPE), str(empty), workers=1)
    assert verify(Store(str(empty))) == []
    # A dataset of the old layout (manifest, recipe, card, indexes and stats beside the shards):
    # refused with one line that says so, reported by verify in one line, still read by the loader.
    old = tmp_path / "old"
    shutil.copytree(dataset, old)
    for item in (old / layout.META).iterdir():
        item.rename(old / item.name)
    (old / layout.META).rmdir()
    before = tree(old)
    with pytest.raises(FactoryError, match="old layout") as err:
        generate(recipe_from_dict(RECIPE), str(old), workers=1)
    assert "nothing was touched" in str(err.value) and "\n" not in str(err.value) and tree(old) == before
    problems = verify(Store(str(old)))
    assert len(problems) == 1 and "old layout" in problems[0]
    from factory.loaders import open_dataset

    assert len(list(open_dataset(old))) == RECIPE["samples"]


def test_a_file_as_output_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("precious")
    with pytest.raises(FactoryError, match="is a file"):
        generate(recipe_from_dict(RECIPE), str(target), workers=1)
    assert target.read_text() == "precious"


@pytest.mark.parametrize("name", ["../../x", "/tmp/x", "..", "a/b", "a\\b", "bad\x00name"])
def test_recipe_names_cannot_leave_output(name):
    with pytest.raises(RecipeError, match="recipe field 'name'"):
        recipe_from_dict({**RECIPE, "name": name})


def test_default_output_is_inside_output(tmp_path, monkeypatch, capsys):
    from factory.cli import default_output

    monkeypatch.chdir(tmp_path)
    assert default_output("my charts") == os.path.join("output", "my charts")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(json.dumps({**RECIPE, "name": "../../escape"}))
    one_line_error(["generate", str(recipe), "--workers", "1", "--quiet"], capsys)
    assert not (tmp_path.parent / "escape").exists() and not (tmp_path / "output").exists()


# --- 2. one writer per dataset ---------------------------------------------------------------------


def test_a_second_run_on_a_held_dataset_refuses_and_touches_nothing(copy):
    with sole_writer(Store(str(copy))):
        before = tree(copy)
        with pytest.raises(FactoryError, match=r"another render-factory run \(pid \d+ .*is writing to"):
            generate(recipe_from_dict(RECIPE), str(copy), workers=1)
        assert tree(copy) == before
        assert any("is writing this dataset now" in p for p in verify(Store(str(copy))))
    assert verify(Store(str(copy))) == []


def test_two_runs_started_together_one_refuses_the_other_finishes(tmp_path):
    """The finding: two runs a second apart both died and every shard was gone."""
    recipe = tmp_path / "r.yaml"
    recipe.write_text(json.dumps({**RECIPE, "samples": 8}))
    out = tmp_path / "ds"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "factory", "generate", str(recipe), "--out", str(out), "--workers", "1", "--quiet"]
    runs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = sorted((p.wait(timeout=300), p.communicate()[1]) for p in runs)
    (ok, _), (refused, message) = results
    assert ok == 0 and refused == 2, results
    assert message.count("\n") == 1 and "is writing to" in message
    assert verify(Store(str(out))) == []


def test_cleanup_removes_only_this_runs_temporaries(tmp_path):
    mine, theirs = Store(str(tmp_path), run="a" * 12), Store(str(tmp_path), run="b" * 12)
    for store in (mine, theirs):
        with store.open_write(store.temp_name("train-000000.tar")) as f:
            f.write(b"x")
    (tmp_path / "user.partial").write_text("not a factory temporary")
    assert mine.remove_partials() == 1
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["user.partial", theirs.temporaries()[0]]) and layout.temp_owner(theirs.temporaries()[0]) == "b" * 12


def test_object_storage_lease_refuses_while_held_and_expires(monkeypatch):
    url = f"memory://lease-test-{os.getpid()}-{time.monotonic_ns()}/ds"
    store = Store(url)
    store.makedirs()
    lease = {"run": "c" * 12, "host": "elsewhere", "pid": 7, "started": time.time(), "expires": time.time() + LEASE_SECONDS}
    store.write_atomic(layout.LEASE, json.dumps(lease))
    with pytest.raises(FactoryError, match=r"pid 7 on elsewhere.*holds the lease"):
        generate(recipe_from_dict(RECIPE), url, workers=1)
    assert store.list() == [layout.LEASE]
    store.write_atomic(layout.LEASE, json.dumps({**lease, "expires": time.time() - 1}))  # that run died
    generate(recipe_from_dict(RECIPE), url, workers=1)
    assert verify(Store(url)) == [] and not store.exists(layout.LEASE)
    store.fs.rm(store.root, recursive=True)


def test_workers_zero_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "charts", "--out", str(tmp_path / "x"), "--workers", "0"])
    assert "at least 1" in capsys.readouterr().err
    with pytest.raises(FactoryError, match="at least 1"):
        generate(recipe_from_dict(RECIPE), str(tmp_path / "y"), workers=0)
    assert not (tmp_path / "y").exists()


# --- 3. a shard is complete only for the recipe that made it ---------------------------------------


def test_another_recipe_cannot_adopt_old_shards(copy, tmp_path, capsys):
    """The finding: delete recipe.yaml, re-run with seed 2: "8 of 8 shards already complete"."""
    (copy / layout.RECIPE).unlink()
    before = tree(copy)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(json.dumps({**RECIPE, "seed": 2}))
    one_line_error(["generate", str(recipe), "--out", str(copy), "--workers", "1", "--quiet"], capsys)
    assert tree(copy) == before
    (copy / layout.MARKER).unlink()  # no proof of anything left: not a folder to write into
    assert "did not make it" in one_line_error(["generate", str(recipe), "--out", str(copy), "--quiet"], capsys)
    # Even with a marker naming the new recipe, the stats say which recipe made each shard.
    seed2 = recipe_from_dict({**RECIPE, "seed": 2})
    digest = recipe_digest(seed2.to_yaml())
    (copy / layout.MARKER).write_text(json.dumps({"recipe_sha256": digest}))
    assert not any(is_complete(Store(str(copy)), s, digest) for s in plan_shards(seed2))
    generate(seed2, str(copy), workers=1)
    fresh = tmp_path / "fresh"
    generate(seed2, str(fresh), workers=1)
    assert {p.name: p.read_bytes() for p in copy.glob("*.tar")} == {p.name: p.read_bytes() for p in fresh.glob("*.tar")}
    assert verify(Store(str(copy))) == []


def test_stats_carry_the_recipe_digest_and_a_changed_shard_is_redone(copy):
    resolved = recipe_from_dict(RECIPE)
    digest = recipe_digest(resolved.to_yaml())
    stats = json.loads((copy / layout.STATS_FOLDER / "train-000000.json").read_text())
    assert stats["recipe_sha256"] == digest and stats["sha256"] == hashlib.sha256((copy / "train-000000.tar").read_bytes()).hexdigest()
    good = (copy / "train-000000.tar").read_bytes()
    (copy / "train-000000.tar").write_bytes(good[:-1] + b"\x01")  # same size, other bytes
    (copy / layout.MANIFEST).unlink()
    store = Store(str(copy))
    shard = plan_shards(resolved)[0]
    assert is_complete(store, shard, digest) and not is_complete(store, shard, digest, rehash=True)
    generate(resolved, str(copy), workers=1)
    assert (copy / "train-000000.tar").read_bytes() == good


# --- 4. verify checks everything the dataset holds -------------------------------------------------


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _corrupt_and_fix_manifest_hash(ds: Path) -> None:
    tar = ds / "train-000001.tar"
    data = bytearray(tar.read_bytes())
    data[700] ^= 0xFF
    tar.write_bytes(bytes(data))
    _edit_json(ds / layout.MANIFEST, lambda m: m["shards"][1].update(sha256=hashlib.sha256(bytes(data)).hexdigest()))


def _drop_entry_with_its_shard(ds: Path) -> None:
    _edit_json(ds / layout.MANIFEST, lambda m: m["shards"].pop())
    (ds / "val-000000.tar").unlink()
    (ds / layout.STATS_FOLDER / "val-000000.json").unlink()


def _empty_shard_list(ds: Path) -> None:
    for tar in ds.glob("*.tar"):
        tar.unlink()
    _edit_json(ds / layout.MANIFEST, lambda m: m.update(shards=[]))


DAMAGE = {
    "stats deleted": (lambda ds: (ds / layout.STATS_FOLDER / "train-000000.json").unlink(), "stats/train-000000.json: missing"),
    "stats edited": (lambda ds: _edit_json(ds / layout.STATS_FOLDER / "train-000000.json", lambda s: s.update(samples=1)), f"differ(s) from {layout.MANIFEST}"),
    "leftover temporary": (lambda ds: (ds / "train-000001.tar.0123456789ab-89abcdef.partial").write_bytes(b"x"), "a temporary file"),
    "recipe deleted": (lambda ds: (ds / layout.RECIPE).unlink(), "recipe.yaml is missing"),
    "recipe edited": (lambda ds: (ds / layout.RECIPE).write_text((ds / layout.RECIPE).read_text().replace("seed: 1", "seed: 5")), "recipe_sha256 is not the sha256"),
    "index edited": (lambda ds: _edit_json(ds / layout.SHARD_INDEX, lambda i: i["shardlist"].pop()), "shardindex.json does not list"),
    "total edited": (lambda ds: _edit_json(ds / layout.MANIFEST, lambda m: m["samples"].update(total=999)), "samples.total is 999"),
    "entry removed with its shard": (_drop_entry_with_its_shard, f"val-000000.tar: planned by {layout.RECIPE} but not in {layout.MANIFEST}"),
    "empty shard list": (_empty_shard_list, f"planned by {layout.RECIPE} but not in {layout.MANIFEST}"),
    "hash edited to a corrupted shard": (_corrupt_and_fix_manifest_hash, "stats/train-000001.json: sha256 differ(s)"),
    "path traversal": (lambda ds: _edit_json(ds / layout.MANIFEST, lambda m: m["shards"][0].update(name="../../../../etc/hostname")), "not a shard file name of this folder; not opened"),
    "manifest not JSON": (lambda ds: (ds / layout.MANIFEST).write_text("{not json"), "manifest.json is not valid JSON"),
    "manifest a list": (lambda ds: (ds / layout.MANIFEST).write_text("[1, 2]"), "manifest.json: field '(top level)'"),
    "manifest wrong types": (lambda ds: _edit_json(ds / layout.MANIFEST, lambda m: m["shards"][0].update(samples="many")), "field 'shards.0.samples'"),
    "stats not JSON": (lambda ds: (ds / layout.STATS_FOLDER / "val-000000.json").write_bytes(b"\xff\x00"), "not a stats file"),
    "card deleted": (lambda ds: (ds / layout.CARD).unlink(), "README.md (the dataset card) is missing"),
    "truncated shard": (lambda ds: (ds / "val-000000.tar").write_bytes((ds / "val-000000.tar").read_bytes()[:3000]), "val-000000.tar:"),
    "stray tar": (lambda ds: shutil.copy(ds / "val-000000.tar", ds / "val-000001.tar"), "val-000001.tar: a shard file not listed"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_verify_finds_every_kind_of_damage_without_a_traceback(copy, case, capsys):
    damage, expected = DAMAGE[case]
    assert verify(Store(str(copy))) == []
    damage(copy)
    problems = verify(Store(str(copy)))
    assert any(expected in p for p in problems), problems
    assert main(["verify", str(copy)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and out.out.count("FAIL ") == len(problems)


def test_verify_of_a_good_dataset_says_what_it_checked(dataset, capsys):
    assert main(["verify", str(dataset)]) == 0
    assert "OK, 3 shards, 6 samples" in capsys.readouterr().out


def test_run_that_keeps_nothing_exits_non_zero(tmp_path, capsys, monkeypatch):
    from factory.errors import Dropped
    from factory.generators.charts import ChartGenerator

    def always_dropped(self, rng, seed):
        raise Dropped("table_unfit", "nothing fits")

    monkeypatch.setattr(ChartGenerator, "sample", always_dropped)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(json.dumps({**RECIPE, "max_attempts_per_sample": 1}))
    err = one_line_error(["generate", str(recipe), "--out", str(tmp_path / "ds"), "--workers", "1", "--quiet"], capsys)
    assert "kept no sample" in err and "table_unfit" in err
