"""Crash safety: a worker or the whole run killed with SIGKILL, Ctrl-C, a full disk.

After a re-run the dataset is byte-identical to an uninterrupted run; a shard is never visible
under its final name unless complete (a watcher reads every .tar the moment it appears); complete
shards are never rendered again (their stats files keep their mtime); an interruption leaves no
temporary files behind.
"""

from __future__ import annotations

import errno
import json
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
from factory.recipe import recipe_from_dict
from factory.dataset.storage import PARTIAL_SUFFIX, Store
from factory.dataset import layout

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
RECIPE = {
    "name": "crash-test",
    "seed": 5,
    "samples": 24,  # long enough that a signal sent mid-shard lands before the run ends, under load
    "shard": {"samples": 3},
    "splits": {"train": 0.75, "val": 0.25},
    "tasks": {"chart_to_table": 1},
}
SHARDS = [f"train-{i:06d}.tar" for i in range(6)] + ["val-000000.tar", "val-000001.tar"]
WAIT = 180  # seconds; generous because the suite shares two cores with other tests


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """The uninterrupted run, made by the CLI in a fresh process like the runs compared with it
    (this test process has drawn other tests' charts and pages before)."""
    folder = tmp_path_factory.mktemp("reference")
    recipe = folder / "crash.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE, sort_keys=False))
    out = folder / "ds"
    done = run_cli(str(recipe), out, "--workers", "1")
    assert done.returncode == 0, done.stderr
    tars = {p.name: p.read_bytes() for p in out.glob("*.tar")}
    assert sorted(tars) == sorted(SHARDS)
    return tars


@pytest.fixture
def recipe_file(tmp_path) -> str:
    path = tmp_path / "crash.yaml"
    path.write_text(yaml.safe_dump(RECIPE, sort_keys=False))  # task order matters to the recipe
    return str(path)


class Watcher(threading.Thread):
    """Reads every shard under its final name as soon as it appears; any byte that differs from
    the uninterrupted run is a partial shard that was visible."""

    def __init__(self, folder: Path, reference: dict[str, bytes]):
        super().__init__(daemon=True)
        self.folder, self.reference = folder, reference
        self.bad: list[str] = []
        self.seen: set[str] = set()
        self._checked: set[tuple] = set()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.look()
            time.sleep(0.005)

    def look(self) -> None:
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return
        for entry in entries:
            if not entry.name.endswith(".tar"):
                continue
            try:
                st = entry.stat()
                version = (entry.name, st.st_ino, st.st_size, st.st_mtime_ns)
                if version in self._checked:
                    continue
                data = Path(entry.path).read_bytes()
            except FileNotFoundError:
                continue
            self._checked.add(version)
            self.seen.add(entry.name)
            if data != self.reference.get(entry.name):
                self.bad.append(f"{entry.name} ({len(data)} bytes)")
        for stats in (self.folder / layout.STATS_FOLDER).glob("*.json"):
            try:
                json.loads(stats.read_text())
            except FileNotFoundError:
                continue
            except ValueError:
                self.bad.append(f"stats/{stats.name} is not complete JSON")

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.look()


def start_cli(recipe: str, out: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "factory", "generate", recipe, "--out", str(out), "--quiet", *args]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )


def _ctrl_c_as_in_a_terminal() -> None:
    """The CLI starts with SIGINT as a shell gives it: a test process may hold it ignored or
    blocked (some libraries block it in threads they start), and both survive exec."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(recipe: str, out: Path, *args: str) -> subprocess.CompletedProcess:
    proc = start_cli(recipe, out, *args)
    stdout, stderr = proc.communicate(timeout=WAIT)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def writers(folder: Path) -> dict[int, str]:
    """Processes holding a temporary shard of `folder` open: pid -> file name."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith(str(folder) + "/") and target.endswith(PARTIAL_SUFFIX) and ".tar." in target:
                    found[int(pid)] = os.path.basename(target)
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"run ended before {what}: {proc.communicate()[1][-2000:]}")
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def complete_stats(out: Path) -> dict[str, tuple[int, str]]:
    """Stats files present now: name -> (mtime_ns, content)."""
    found = {}
    for p in sorted((out / layout.STATS_FOLDER).glob("*.json")):
        try:
            found[p.name] = (p.stat().st_mtime_ns, p.read_text())
        except FileNotFoundError:
            continue
    return found


def mid_shard(out: Path, proc: subprocess.Popen) -> tuple[dict[str, tuple[int, str]], dict[int, str]]:
    """Wait until at least one shard is complete and another is being written."""
    return wait_for(lambda: (complete_stats(out), writers(out)) if complete_stats(out) and writers(out) else None,
                    "a complete shard and one in progress", proc)


def assert_finished_like_reference(out: Path, reference: dict[str, bytes], before: dict[str, tuple[int, str]]):
    assert {p.name: p.read_bytes() for p in out.glob("*.tar")} == reference
    assert not [p for p in out.rglob("*") if p.name.endswith(PARTIAL_SUFFIX)]
    after = complete_stats(out)
    assert sorted(after) == sorted(n.replace(".tar", ".json") for n in SHARDS)
    for name, (mtime, content) in before.items():
        assert after[name] == (mtime, content), f"complete shard {name} was rendered again"
    assert main(["verify", str(out)]) == 0


def test_killed_worker_is_replaced_and_the_run_finishes(reference, recipe_file, tmp_path):
    out = tmp_path / "ds"
    proc = start_cli(recipe_file, out, "--workers", "2")
    watcher = Watcher(out, reference)
    watcher.start()
    try:
        before, busy = mid_shard(out, proc)
        victim = next(pid for pid in busy if pid != proc.pid)
        os.kill(victim, signal.SIGKILL)
        _, stderr = proc.communicate(timeout=WAIT)
    finally:
        watcher.stop()
    assert proc.returncode == 0, stderr
    assert "a worker process died" in stderr
    assert watcher.bad == []
    assert_finished_like_reference(out, reference, before)


def test_killed_run_resumes_to_the_same_bytes(reference, recipe_file, tmp_path):
    out = tmp_path / "ds"
    proc = start_cli(recipe_file, out, "--workers", "2")
    watcher = Watcher(out, reference)
    watcher.start()
    try:
        _, busy = mid_shard(out, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=WAIT)
        # its workers notice and stop writing into the dataset
        wait_for(lambda: not any(alive(pid) for pid in busy), "the orphaned workers to exit")
        before = complete_stats(out)
        # a worker notices its parent is gone within half a second: on a busy machine it may finish
        # the shard it was writing in that time, and then nothing unfinished is left to remove
        left = [p for p in out.rglob("*") if p.name.endswith(PARTIAL_SUFFIX)]
        assert not (out / layout.MANIFEST).exists()
        rerun = run_cli(recipe_file, out, "--workers", "2")
    finally:
        watcher.stop()
    assert rerun.returncode == 0, rerun.stderr
    assert ("unfinished temporary file" in rerun.stderr) == bool(left), (left, rerun.stderr)
    assert watcher.bad == []
    assert_finished_like_reference(out, reference, before)


@pytest.mark.parametrize("executor", [["--workers", "1"], ["--workers", "2"], ["--executor", "ray", "--workers", "2"]],
                         ids=["local-1", "local-2", "ray-2"])
def test_ctrl_c_stops_cleanly_with_exit_code_130(reference, recipe_file, tmp_path, executor):
    if "ray" in executor:
        pytest.importorskip("ray")
    out = tmp_path / "ds"
    proc = start_cli(recipe_file, out, *executor)
    watcher = Watcher(out, reference)
    watcher.start()
    try:
        mid_shard(out, proc)
        os.kill(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=WAIT)
        assert proc.returncode == 130, stderr
        assert stderr.strip().splitlines()[-1].startswith("interrupted: complete shards are kept")
        assert not [p for p in out.rglob("*") if p.name.endswith(PARTIAL_SUFFIX)]
        before = complete_stats(out)
        # resuming after Ctrl-C in one process is resuming as after the other interruptions
        rerun = None if executor == ["--workers", "1"] else run_cli(recipe_file, out, "--workers", "2")
    finally:
        watcher.stop()
    assert watcher.bad == []
    if rerun is not None:
        assert rerun.returncode == 0, rerun.stderr
        assert_finished_like_reference(out, reference, before)


class FullDisk:
    """Every file written through Store shares `budget` bytes; past it, writes (and the flush a
    close would do) fail with ENOSPC, as on a disk that filled up mid-shard."""

    def __init__(self, budget: int):
        self.left = budget

    def wrap(self, raw):
        disk = self

        class File:
            def write(self, data):
                if len(data) > disk.left:
                    disk.left = 0
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                disk.left -= len(data)
                return raw.write(data)

            def flush(self):
                raw.flush()

            def fileno(self):
                return raw.fileno()

            def close(self):
                raw.close()
                if disk.left == 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.close()

        return File()


def test_full_disk_is_one_line_and_keeps_complete_shards(reference, recipe_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "ds"
    recipe_yaml = recipe_from_dict(RECIPE).to_yaml().encode()
    # room for the recipe, two shards with their stats, and half of the third shard
    budget = len(recipe_yaml) + len(reference[SHARDS[0]]) + len(reference[SHARDS[1]]) + 2 * 4096
    budget += len(reference[SHARDS[2]]) // 2
    disk = FullDisk(budget)
    real_open = Store.open_write
    monkeypatch.setattr(Store, "open_write", lambda self, name: disk.wrap(real_open(self, name)))

    assert main(["generate", recipe_file, "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and "No space left on device" in err and "re-run" in err
    assert sorted(p.name for p in out.glob("*.tar")) == SHARDS[:2]
    assert sorted(p.name for p in (out / layout.STATS_FOLDER).glob("*.json")) == ["train-000000.json", "train-000001.json"]
    assert not [p for p in out.rglob("*") if p.name.endswith(PARTIAL_SUFFIX)]
    before = complete_stats(out)

    monkeypatch.setattr(Store, "open_write", real_open)  # space freed
    assert main(["generate", recipe_file, "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert_finished_like_reference(out, reference, before)


def test_permission_error_is_one_line(recipe_file, tmp_path, monkeypatch, capsys):
    real_open = Store.open_write

    def refuse_shards(self, name):
        if ".tar." in name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), self.path(name))
        return real_open(self, name)

    monkeypatch.setattr(Store, "open_write", refuse_shards)
    out = tmp_path / "ds"
    assert main(["generate", recipe_file, "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and "Permission denied" in err
    assert not list(out.glob("*.tar")) and not [p for p in out.rglob("*") if p.name.endswith(PARTIAL_SUFFIX)]


def test_killed_ray_run_resumes_to_the_same_bytes(reference, recipe_file, tmp_path):
    """The whole Ray run (driver, its local cluster, its actors) killed mid-shard; a local re-run
    finishes the dataset."""
    pytest.importorskip("ray")
    out = tmp_path / "ds"
    proc = start_cli(recipe_file, out, "--executor", "ray", "--workers", "2")
    watcher = Watcher(out, reference)
    watcher.start()
    try:
        _, busy = mid_shard(out, proc)
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and the Ray processes it started
        proc.communicate(timeout=WAIT)
        wait_for(lambda: not any(alive(pid) for pid in busy), "the actors to exit")
        before = complete_stats(out)
        rerun = run_cli(recipe_file, out, "--workers", "2")
    finally:
        watcher.stop()
        _kill_session(proc.pid)
    assert rerun.returncode == 0, rerun.stderr
    assert watcher.bad == []
    assert_finished_like_reference(out, reference, before)


def _kill_session(sid: int) -> None:
    """Ray helper processes the killed driver started (same session) and left behind."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getsid(int(pid)) == sid:
                os.kill(int(pid), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue


PAGES_RECIPE = {
    "name": "browser-crash",
    "seed": 2,
    "samples": 4,
    "shard": {"samples": 4},
    "tasks": {"screenshot_parsing": 1},
}


def _browsers_under(pid: int) -> list[int]:
    """Chromium main processes (no --type=) descended from `pid`."""
    parent, cmdline = {}, {}
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{p}/stat") as f:
                parent[int(p)] = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{p}/cmdline", "rb") as f:
                cmdline[int(p)] = f.read().split(b"\0")
        except OSError:
            continue

    def descends(p: int) -> bool:
        while p > 1:
            p = parent.get(p, 0)
            if p == pid:
                return True
        return False

    return [
        p for p, args in cmdline.items()
        if args and b"chromium" in os.path.basename(args[0]) and not any(a.startswith(b"--type=") for a in args)
        and descends(p)
    ]


@pytest.mark.chromium
def test_browser_killed_mid_shard_is_restarted_and_the_shard_completes(tmp_path, caplog):
    if not (os.access("/usr/bin/chromium", os.X_OK) or os.environ.get("RENDER_FACTORY_CHROMIUM")):
        pytest.skip("no Chromium on this machine")
    from factory.generate import generate

    generate(recipe_from_dict(PAGES_RECIPE), str(tmp_path / "reference"), workers=1)
    reference = (tmp_path / "reference" / "train-000000.tar").read_bytes()

    out = tmp_path / "ds"
    failure: list[BaseException] = []

    def run():
        try:
            generate(recipe_from_dict(PAGES_RECIPE), str(out), workers=1)
        except BaseException as exc:  # re-raised below
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()

    def first_sample_written():
        parts = list(out.glob("*.tar.*.partial")) if out.exists() else []
        return parts if parts and parts[0].stat().st_size > 0 and _browsers_under(os.getpid()) else None

    wait_for(first_sample_written, "the first page of the shard")
    victims = _browsers_under(os.getpid())
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    thread.join(timeout=WAIT)
    assert not thread.is_alive() and not failure, failure
    assert "Chromium crashed" in caplog.text
    assert (out / "train-000000.tar").read_bytes() == reference
    stats = json.loads((out / layout.STATS_FOLDER / "train-000000.json").read_text())
    assert stats["samples"] == 4 and stats["drops"] == {}
    assert main(["verify", str(out)]) == 0


def test_ctrl_c_at_a_terminal_stops_a_browser_run_cleanly(tmp_path):
    """A terminal's Ctrl-C signals the whole foreground process group, Playwright's driver too:
    it closed the browser mid-sample, and the run failed with "Chromium failed to start" instead
    of stopping after its sample (the driver now runs in a session of its own)."""
    recipe = tmp_path / "pages.yaml"
    recipe.write_text(yaml.safe_dump({**RECIPE, "name": "ctrl-c-pages", "tasks": {"screenshot_parsing": 1}}, sort_keys=False))
    out = tmp_path / "ds"
    proc = start_cli(str(recipe), out, "--workers", "1")
    mid_shard(out, proc)
    os.killpg(proc.pid, signal.SIGINT)  # the group, as a terminal does (start_cli starts a new session)
    _, stderr = proc.communicate(timeout=WAIT)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("interrupted: complete shards are kept")
    assert "failed to start" not in stderr and "Traceback" not in stderr and "never retrieved" not in stderr, stderr
    assert not [p for p in out.rglob("*") if p.name.endswith(PARTIAL_SUFFIX)]
