"""A dataset folder whose files are not what the factory wrote there: special files (a FIFO, a
link to /dev/zero), JSON nested a hundred thousand deep, links a run would write through, an empty
path, a folder of someone else's files. verify and resume answer each in one line, in bounded time
and memory, and write nothing outside the dataset folder (QA findings 1-5).

Whatever could hang or eat memory on a broken build runs in a child process with a time limit and
an address-space limit, so a regression fails the test instead of the machine.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from factory.cli import main
from factory.dataset import layout
from factory.dataset.storage import Store
from factory.dataset.verify import verify
from factory.errors import FactoryError
from factory.generate import generate
from factory.recipe import recipe_from_dict

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 3 << 30  # verify of this dataset needs a few hundred MB; /dev/zero read whole needs all there is


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`render-factory ARGV` in a child process, bounded in time and memory: a hang or a runaway
    read fails the test (TimeoutExpired, or a MemoryError traceback)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "factory", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout, preexec_fn=_limit_memory,
    )


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under `folder`, links not followed: regular files by content, others by kind."""
    out: dict[str, object] = {}
    for base, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(base) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path))
            elif path.is_file():
                out[rel] = path.read_bytes()
            elif not path.is_dir():
                out[rel] = "special"
    return out


@pytest.fixture
def ds(chart_dataset, tmp_path) -> Path:
    out = tmp_path / "ds"
    shutil.copytree(chart_dataset, out)
    (out / layout.LOCK).unlink(missing_ok=True)
    return out


@pytest.fixture
def recipe_file(chart_recipe, tmp_path) -> Path:
    """The recipe `chart_dataset` was made from, as a file the CLI takes: re-running it resumes."""
    path = tmp_path / "recipe.yaml"
    path.write_text(json.dumps(chart_recipe))
    return path


def _zero(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _deep(path: Path) -> None:
    path.write_text("[" * 100_000 + "\n")


SPECIAL = {
    "manifest -> /dev/zero": (layout.MANIFEST, _zero),
    "manifest FIFO": (layout.MANIFEST, _fifo),
    "recipe -> /dev/zero": (layout.RECIPE, _zero),
    "index -> /dev/zero": (layout.SHARD_INDEX, _zero),
    "stats -> /dev/zero": (layout.stats_file("train-000001"), _zero),
    "stats FIFO": (layout.stats_file("train-000001"), _fifo),
    "shard -> /dev/zero": ("train-000001.tar", _zero),
    "shard FIFO": ("train-000001.tar", _fifo),
}


@pytest.mark.parametrize("case", list(SPECIAL))
def test_verify_names_a_special_file_in_one_line_without_reading_it(ds, case):
    name, damage = SPECIAL[case]
    damage(ds / name)
    run = cli("verify", str(ds), timeout=30)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr[-2000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith(f"FAIL {name}")]
    assert len(lines) == 1 and "not a regular file" in lines[0], run.stdout


def test_verify_does_not_hash_a_shard_whose_size_already_differs(ds):
    """A sparse 256 MB file where a shard was: one line, the size; reading it could only add
    lines that say the same (its hash, its samples), at a second or more per GB."""
    os.truncate(ds / "train-000002.tar", 256 << 20)
    problems = [p for p in verify(Store(str(ds))) if p.startswith("train-000002.tar")]
    assert len(problems) == 1 and "268,435,456 bytes" in problems[0] and "not read" in problems[0], problems


@pytest.mark.parametrize("name", [layout.MANIFEST, layout.SHARD_INDEX, layout.stats_file("val-000000")])
def test_json_nested_too_deeply_is_a_line_never_a_traceback(ds, name, capsys):
    _deep(ds / name)
    assert main(["verify", str(ds)]) == 1
    out = capsys.readouterr().out
    assert any(line.startswith(f"FAIL {name}") for line in out.splitlines()), out


RESUME = {
    "stats -> /dev/zero, other shards a FIFO and -> /dev/zero": lambda ds: (
        _zero(ds / layout.stats_file("train-000001")), _fifo(ds / "train-000002.tar"), _zero(ds / "val-000000.tar")
    ),
    "stats nested too deeply": lambda ds: _deep(ds / layout.stats_file("train-000001")),
}


@pytest.mark.parametrize("case", list(RESUME))
def test_resume_redoes_a_shard_whose_files_are_special_and_replaces_them(ds, recipe_file, case):
    """Such a shard is not complete: the run redoes it, and its new files are renamed over the
    FIFO or the link (the link's target, /dev/zero here, is never written)."""
    before = snapshot(ds)
    RESUME[case](ds)
    run = cli("generate", str(recipe_file), "--out", str(ds), "--workers", "1", "--quiet", timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert verify(Store(str(ds))) == []
    after = snapshot(ds)
    for name in (layout.MANIFEST, layout.CARD, layout.LOCK):  # rewritten by every run (versions, times)
        after.pop(name, None), before.pop(name, None)
    assert {k: v for k, v in after.items() if not k.startswith(layout.STATS_FOLDER)} == {
        k: v for k, v in before.items() if not k.startswith(layout.STATS_FOLDER)
    }  # the same shard bytes, as regular files


def _lock_to_outside(ds: Path, outside: Path) -> None:
    (outside / "mine.txt").write_text("my file\n")
    (ds / layout.LOCK).symlink_to(outside / "mine.txt")


def _stats_to_outside(ds: Path, outside: Path) -> None:
    (ds / layout.STATS_FOLDER).rename(outside / "stats")
    (ds / layout.STATS_FOLDER).symlink_to(outside / "stats")


def _meta_to_outside(ds: Path, outside: Path) -> None:
    (ds / layout.META).rename(outside / "meta")
    (ds / layout.META).symlink_to(outside / "meta")


def _lock_hard_link(ds: Path, outside: Path) -> None:
    (outside / "mine.txt").write_text("my file\n")
    os.link(outside / "mine.txt", ds / layout.LOCK)


LINKS = {
    "lock -> a file outside": (_lock_to_outside, "symbolic link"),
    "stats folder -> a folder outside": (_stats_to_outside, "symbolic link"),
    "hidden folder -> a folder outside": (_meta_to_outside, "symbolic link"),
    "lock with a hard link outside": (_lock_hard_link, "hard links"),
    "lock FIFO": (lambda ds, outside: os.mkfifo(ds / layout.LOCK), "named pipe"),
}


@pytest.mark.parametrize("case", list(LINKS))
def test_generate_refuses_to_write_through_a_link_and_verify_names_it(ds, recipe_file, tmp_path, case, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    damage, words = LINKS[case]
    damage(ds, outside)
    before, before_outside = snapshot(ds), snapshot(outside)
    assert main(["generate", str(recipe_file), "--out", str(ds), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and words in err and "nothing was touched" in err, err
    assert snapshot(ds) == before and snapshot(outside) == before_outside
    problems = verify(Store(str(ds)))
    assert any(words in p for p in problems), problems


def test_an_empty_dataset_path_is_one_line(chart_recipe, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["verify", ""]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "empty path" in err, err
    with pytest.raises(FactoryError, match="empty path"):
        generate(recipe_from_dict(chart_recipe), "", workers=1)
    assert list(tmp_path.iterdir()) == []


def test_verify_of_a_folder_that_is_no_dataset_says_so_in_one_line(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "notes.txt").write_text("mine\n")
    (user / "README.md").write_text("# mine\n")  # not the old layout: no manifest, no recipe
    problems = verify(Store(str(user)))
    assert len(problems) == 1 and "not a render-factory dataset" in problems[0] and "re-run" not in problems[0], problems


def test_verify_advises_what_generate_accepts_when_the_marker_is_gone(ds, recipe_file, capsys):
    """No marker: generate refuses the folder, so verify must not advise re-running it there."""
    (ds / layout.MARKER).unlink()
    (ds / layout.MANIFEST).unlink()
    problems = verify(Store(str(ds)))
    manifest_line = next(p for p in problems if layout.MANIFEST in p)
    assert "same --out" not in manifest_line and "new folder" in manifest_line, problems
    assert main(["generate", str(recipe_file), "--out", str(ds), "--workers", "1", "--quiet"]) == 2
    assert "did not make it" in capsys.readouterr().err


def test_reading_tools_and_the_loader_refuse_a_manifest_that_is_a_device_or_too_deep(ds, tmp_path):
    """preview, report and open_dataset read the manifest too: bounded, one line each."""
    manifest = ds / ".render-factory" / "manifest.json"
    manifest.unlink()
    manifest.symlink_to("/dev/zero")
    for argv in (["preview", str(ds), "--out", str(tmp_path / "p.html")], ["report", str(ds), "--out", str(tmp_path / "r.html")]):
        done = cli(*argv)
        assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    loader = subprocess.run(
        [sys.executable, "-c", f"import factory\ntry:\n    factory.open_dataset({str(manifest)!r})\nexcept factory.FactoryError as e:\n    print('one line:', e)"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory,
    )  # fmt: skip
    assert "one line:" in loader.stdout and "not a regular file" in loader.stdout, loader.stderr[-500:]
    manifest.unlink()
    manifest.write_text("[" * 100_000 + "]" * 100_000)
    done = cli("preview", str(ds), "--out", str(tmp_path / "p.html"))
    assert done.returncode == 2 and "not valid JSON" in done.stderr and "Traceback" not in done.stderr


def test_unknown_url_schemes_and_missing_filesystems_are_one_line():
    import importlib.util

    cases = [("foo://x/y", "Protocol not known")]
    if importlib.util.find_spec("adlfs") is None:  # Azure's fsspec package: not in any extra here
        cases.append(("abfs://container/x", "not installed"))
    for url, said in cases:
        done = cli("verify", url)
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_an_out_that_is_a_dangling_link_says_so(tmp_path):
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "missing")
    done = cli("generate", "charts", "--samples", "2", "--out", str(link))
    assert done.returncode == 2 and "which does not exist" in done.stderr and "File exists" not in done.stderr, done.stderr
    assert not (tmp_path / "missing").exists()


def test_a_half_written_shard_is_hidden_from_folder_readers(ds):
    """A run writing (or killed while writing) leaves a temporary beside the shards: Hugging Face's
    load_dataset(folder) took `train-000001.tar.<token>.partial` for a train shard (duplicate rows,
    or a tar error when cut mid-member). Temporaries are hidden files now."""
    datasets = pytest.importorskip("datasets")
    shard = sorted(ds.glob("train-*.tar"))[1]
    temp = ds / layout.temp_file(shard.name, "0123456789ab")
    temp.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    assert temp.name.startswith(".")
    manifest = json.loads((ds / layout.MANIFEST).read_text())
    loaded = datasets.load_dataset(str(ds))
    assert loaded["train"].num_rows == manifest["samples"]["by_split"]["train"]
    assert any("temporary" in p for p in verify(Store(str(ds))))  # verify still names it
