"""Running a predicted chart script: a subprocess in a temporary folder, with limits.

What confines it:
- its own empty temporary folder as working directory and HOME, removed afterwards;
- `python -I` (no user site-packages, no PYTHON* variables) and a minimal environment;
- resource limits: CPU seconds, address space, file size, open files, no core dumps;
- a wall-clock timeout, after which its whole process group is killed;
- no network: a new network namespace (`unshare --net --map-root-user`) where the system
  allows unprivileged user namespaces, and in every case an audit hook in the harness
  (`sandbox_harness.py`) that refuses sockets, new processes, native-library loading and file
  writes outside the working folder.
`network_isolation()` says which of the two network guards is in force; the score summary
records it. This confines mistakes and misbehaving model output; it is not a boundary against
code written to escape a Python process (run untrusted predictions in a container for that).
"""

from __future__ import annotations

import functools
import glob
import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

HARNESS = Path(__file__).with_name("sandbox_harness.py")
MEMORY_BYTES = 2 << 30
FILE_BYTES = 64 << 20
OPEN_FILES = 256


@dataclass
class RunResult:
    ok: bool  # the script ran to its end without raising
    image: bytes | None  # chart.png as written, if any
    values: list[float] = field(default_factory=list)  # numbers the saved figure plots
    error: str | None = None  # why it failed: the script's exception, a timeout, a crash
    figure: dict | None = None  # a Plotly script's figure as JSON data


@functools.lru_cache(maxsize=1)
def network_isolation() -> str:
    """'namespace' when scripts run in their own network namespace, else 'audit-hook'."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "audit-hook"
    try:
        probe = subprocess.run([unshare, "--net", "--map-root-user", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "audit-hook"
    return "namespace" if probe.returncode == 0 else "audit-hook"


def _limits(cpu_seconds: int) -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _font_cache(config_dir: Path) -> None:
    """Matplotlib's font list, copied so each run does not rebuild it (seconds with Noto CJK)."""
    import matplotlib

    for path in glob.glob(os.path.join(matplotlib.get_cachedir(), "fontlist-*.json")):
        shutil.copy(path, config_dir)


class Sandbox:
    """Starts scripts; several may run at once (`start` then `wait`)."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout

    def start(self, script: str, mode: str = "matplotlib") -> "_Running":
        folder = Path(tempfile.mkdtemp(prefix="rf-score-"))
        work = folder / "work"
        work.mkdir()
        (work / ".mpl").mkdir()
        _font_cache(work / ".mpl")
        (work / "prediction.py").write_text(script, encoding="utf-8", errors="replace")
        result = folder / "result.json"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "MPLCONFIGDIR": str(work / ".mpl"), "MPLBACKEND": "Agg",
               "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}  # fmt: skip
        command = [sys.executable, "-I", str(HARNESS), "prediction.py", str(result), mode]
        if network_isolation() == "namespace":
            command = [shutil.which("unshare") or "unshare", "--net", "--map-root-user", *command]
        cpu = int(self.timeout) + 2
        process = subprocess.Popen(
            command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=lambda: _limits(cpu),
        )  # fmt: skip
        return _Running(process, folder, self.timeout)


class _Running:
    def __init__(self, process: subprocess.Popen, folder: Path, timeout: float):
        self.process, self.folder, self.timeout = process, folder, timeout

    def wait(self) -> RunResult:
        try:
            try:
                _, stderr = self.process.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self._kill()
                self.process.communicate()
                return RunResult(False, self._image(), error=f"timed out after {self.timeout:g} s")
            self._kill()  # anything the script left running in its group
            try:
                data = json.loads((self.folder / "result.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                tail = (stderr or b"").decode("utf-8", "replace").strip().splitlines()
                reason = tail[-1][:300] if tail else f"exit code {self.process.returncode}"
                return RunResult(False, self._image(), error=f"the script's process died: {reason}")
            values = [float(v) for v in data.get("values") or [] if isinstance(v, (int, float))]
            figure = data.get("figure") if isinstance(data.get("figure"), dict) else None
            return RunResult(bool(data.get("ok")), self._image(), values, data.get("error"), figure)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # already gone

    def _image(self) -> bytes | None:
        path = self.folder / "work" / "chart.png"
        try:
            return path.read_bytes() if path.is_file() and path.stat().st_size <= FILE_BYTES else None
        except OSError:
            return None
