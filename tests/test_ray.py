"""The Ray executor, on one local Ray cluster started for this module (num_cpus=2): the same bytes
as the local executor, progress, a killed actor's shard retried, failures reported (and not
retried when the user must act), the CLI connecting by address, and a one-line error without Ray.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from factory.cli import main
from factory.errors import FactoryError
from factory.executors.ray_executor import RayExecutor, init_local
from factory.generate import generate
from factory.dataset.verify import verify
from factory.plan import plan_shards
from factory.recipe import recipe_from_dict
from factory.dataset.storage import PARTIAL_SUFFIX, Store

ROOT = Path(__file__).resolve().parents[1]
RECIPE = {
    "name": "ray-test",
    "seed": 9,
    "samples": 12,
    "shard": {"samples": 3},
    "splits": {"train": 0.75, "val": 0.25},
    "tasks": {"chart_to_table": 1, "chart_qa": 1},
}


def tars(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.tar")}


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    init_local(ray, 2)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """The local executor's bytes, made in this process with one worker."""
    out = tmp_path_factory.mktemp("reference") / "ds"
    generate(recipe_from_dict(RECIPE), str(out), workers=1)
    return tars(out)


@pytest.mark.slow
def test_ray_gives_the_same_bytes_as_local_and_reports_progress(ray_cluster, reference, tmp_path):
    counted: list[int] = []
    manifest = generate(
        recipe_from_dict(RECIPE), str(tmp_path / "ds"), workers=2, executor="ray",
        progress=lambda shards, total: counted.append,
    )
    assert tars(tmp_path / "ds") == reference
    assert sum(counted) == manifest["samples"]["total"] == RECIPE["samples"]
    assert verify(Store(str(tmp_path / "ds"))) == []


def _writers(folder: Path) -> dict[int, str]:
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith(str(folder) + "/") and target.endswith(PARTIAL_SUFFIX) and ".tar." in target:
                    found[int(pid)] = target
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_killed_actor_shard_is_retried_on_a_new_actor(ray_cluster, reference, tmp_path, caplog):
    out = tmp_path / "ds"
    failure: list[BaseException] = []

    def run():
        try:
            generate(recipe_from_dict(RECIPE), str(out), workers=2, executor="ray")
        except BaseException as exc:  # re-raised in the test thread below
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 180
    busy: dict[int, str] = {}
    while not busy and thread.is_alive() and time.monotonic() < deadline:
        busy = {pid: f for pid, f in _writers(out).items() if pid != os.getpid()}
        time.sleep(0.01)
    assert busy, "no actor was seen writing a shard"
    victim, partial = next(iter(busy.items()))
    os.kill(victim, signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive() and not failure, failure
    assert "retrying (1 of 2)" in caplog.text and "worker process died" in caplog.text
    assert tars(out) == reference
    assert not [p for p in out.rglob("*") if p.name.endswith(PARTIAL_SUFFIX)], "the dead actor's file was left"
    assert verify(Store(str(out))) == []


@pytest.mark.slow
def test_user_error_is_not_retried_and_stops_new_shards(ray_cluster, tmp_path):
    (tmp_path / "a-file").write_text("")
    out = tmp_path / "a-file" / "ds"  # cannot be created: every shard's write fails
    resolved = recipe_from_dict(RECIPE)
    plan = plan_shards(resolved)
    with pytest.raises(FactoryError) as err:
        RayExecutor(2).run(resolved.as_dict(), str(out), plan, lambda n: None)
    message = str(err.value)
    assert "\n" not in message
    assert f"of {len(plan)} shard(s) failed on Ray (" in message and "cannot write to" in message
    assert "shard(s) not started" in message and "failed 3 times" not in message


@pytest.mark.slow
def test_unexpected_error_is_retried_then_reported(ray_cluster, tmp_path):
    plan = plan_shards(recipe_from_dict(RECIPE))[:1]
    with pytest.raises(FactoryError) as err:
        RayExecutor(1, retries=1).run(None, str(tmp_path), plan, lambda n: None)  # None: not a recipe
    message = str(err.value)
    assert message.startswith("1 of 1 shard(s) failed on Ray (train-000000: TypeError: ")
    assert "(failed 2 times)" in message


@pytest.mark.slow
def test_cli_connects_to_a_running_cluster(ray_cluster, reference, tmp_path):
    recipe = tmp_path / "ray.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE, sort_keys=False))
    address = ray_cluster.get_runtime_context().gcs_address
    out = tmp_path / "ds"
    cmd = [sys.executable, "-m", "factory", "generate", str(recipe), "--out", str(out), "--quiet",
           "--executor", "ray", "--ray-address", address]  # no --workers: every CPU of the cluster
    done = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert tars(out) == reference
    assert main(["verify", str(out)]) == 0


def test_without_ray_the_error_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if not installed
    recipe = tmp_path / "ray.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE, sort_keys=False))
    assert main(["generate", str(recipe), "--out", str(tmp_path / "ds"), "--executor", "ray", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "error: the Ray executor needs the 'ray' package: install it with pip install 'render-factory[ray]'"
    )


def test_unreachable_address_is_one_line_at_once(tmp_path):
    pytest.importorskip("ray")
    recipe = tmp_path / "ray.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE, sort_keys=False))
    cmd = [sys.executable, "-m", "factory", "generate", str(recipe), "--out", str(tmp_path / "ds"), "--quiet",
           "--executor", "ray", "--ray-address", "127.0.0.1:1"]  # a new process: not this module's cluster
    done = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(
        "error: cannot reach the Ray cluster at '127.0.0.1:1': Connection refused"
    )


def test_memory_output_is_refused_before_starting_ray(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # refused before Ray is even imported
    plan = plan_shards(recipe_from_dict(RECIPE))
    with pytest.raises(FactoryError, match="exists only inside this process"):
        RayExecutor(2).run({}, "memory://nowhere/ds", plan, lambda n: None)


@pytest.mark.slow
def test_workers_that_cannot_start_are_replaced_a_bounded_number_of_times(ray_cluster, tmp_path, monkeypatch):
    from factory.executors import ray_executor

    class BrokenActor:  # defined here so Ray ships it by value: it fails in __init__, not on import
        """A worker whose set-up fails on its node (as with a missing system library)."""

        def __init__(self, progress):
            raise RuntimeError("no fonts on this node")

        def ready(self):
            return True

    monkeypatch.setattr(ray_executor, "_ShardActor", BrokenActor)
    plan = plan_shards(recipe_from_dict(RECIPE))
    with pytest.raises(FactoryError) as err:
        RayExecutor(1, retries=1).run(recipe_from_dict(RECIPE).as_dict(), str(tmp_path), plan, lambda n: None)
    assert str(err.value).startswith(
        "no Ray worker could start (worker could not start: RuntimeError: no fonts on this node); install render-factory"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.chromium
def test_ray_data_reads_a_dataset_folder(ray_cluster, builtin_mixed_dataset):
    """`ray.data.read_webdataset(DIR)`, as Ray's documentation gives it, on a fresh `mixed` dataset."""
    import json

    from factory.dataset import layout

    manifest = json.loads((builtin_mixed_dataset / layout.MANIFEST).read_text())
    rows = ray_cluster.data.read_webdataset(str(builtin_mixed_dataset)).take_all()
    assert len(rows) == manifest["samples"]["total"]
    assert len({row["__key__"] for row in rows}) == len(rows)
    assert {json.loads(row["json"])["task"] if isinstance(row["json"], (bytes, str)) else row["json"]["task"] for row in rows} == set(manifest["tasks"])
