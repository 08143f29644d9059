"""Running a chart script, or drawing a Vega-Lite spec: a subprocess in a temporary folder, with limits.

Predicted code in `score` and any file given to `render-chart` go through here, so neither a
script nor a spec runs with the user's rights or can take the calling process down (a spec too
big to draw kills only its own process, and is reported as a reason). What confines it:
- its own empty temporary folder as working directory and HOME, removed afterwards;
- `python -I` (no user site-packages, no PYTHON* variables) and a minimal environment;
- resource limits: CPU seconds, memory (address space; for a spec, data segment: V8 reserves
  tens of GB of address space it never uses), file size, open files, no core dumps;
- a wall-clock timeout, after which its whole process group is killed;
- no network: a new network namespace (`unshare --net --map-root-user`) where the system
  allows unprivileged user namespaces, and in every case an audit hook in the harness
  (`sandbox_harness.py`) that refuses sockets, new processes, native-library loading and file
  writes outside the working folder.
A spec is checked first (`check_vega`: its size, explicit widths and heights, generated
sequences), and its drawn canvas again before it is rasterized (at most MAX_CANVAS_PX a side).
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
MAX_CANVAS_PX = 4096  # a side of a drawn chart: the factory draws at most 2048
MAX_SPEC_CHARS = 20 << 20  # a Vega-Lite spec's JSON, as a Plotly figure's (sandbox_harness)
MAX_SEQUENCE = 100_000  # rows a spec's generated data (sequence, impute keyvals) may have


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


def _limits(cpu_seconds: int, memory: int) -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(memory, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _font_cache(config_dir: Path) -> None:
    """Matplotlib's font list, copied so each run does not rebuild it (seconds with Noto CJK)."""
    import matplotlib

    for path in glob.glob(os.path.join(matplotlib.get_cachedir(), "fontlist-*.json")):
        shutil.copy(path, config_dir)


@functools.lru_cache(maxsize=1)
def _vega_options() -> str:
    """What the drawing process needs to draw as the factory does: the Vega-Lite version and the
    font folders the factory's Vega-Lite renderer registers (found here, so that it imports none
    of the factory)."""
    from factory.chart_code.vega_code import VL_VERSION
    from renderers.vega_renderer import register_fonts

    return json.dumps({"vl_version": VL_VERSION, "fonts": list(register_fonts()), "max_px": MAX_CANVAS_PX})


def check_vega(text: str) -> dict:
    """The spec object of a Vega-Lite JSON text, or ValueError naming what makes it unfit to draw:
    not a JSON object, over MAX_SPEC_CHARS, a width or height over MAX_CANVAS_PX, a generated
    sequence over MAX_SEQUENCE rows. Checked here so that the common ways to ask for too much get
    their reason at once; anything else too big is stopped by the drawing process's limits."""
    if len(text) > MAX_SPEC_CHARS:
        raise ValueError(f"the spec is {len(text) / (1 << 20):.0f} MB of JSON; at most {MAX_SPEC_CHARS >> 20} MB")
    try:
        spec = json.loads(text)
    except RecursionError:
        raise ValueError("the spec's JSON is nested too deeply") from None
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(spec, dict):
        kind = {list: "an array", str: "a string", bool: "true or false", type(None): "null"}.get(type(spec), "a number")
        raise ValueError(f"a Vega-Lite spec is a JSON object ({{...}}), not {kind}")
    stack: list = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key in ("width", "height"):
            size = node.get(key)
            if isinstance(size, (int, float)) and not isinstance(size, bool) and not 0 <= size <= MAX_CANVAS_PX:
                raise ValueError(f"{key} {size:g} is outside 0-{MAX_CANVAS_PX} px")
        for key in ("sequence", "keyvals"):
            rows = _sequence_rows(node.get(key))
            if rows > MAX_SEQUENCE:
                raise ValueError(f"its {key} generates {rows:.3g} rows; at most {MAX_SEQUENCE:,}")
        stack.extend(v for k, v in node.items() if k not in ("values", "datasets") and isinstance(v, (dict, list)))
    return spec


def _sequence_rows(sequence: object) -> float:
    """Rows a Vega-Lite sequence ({start, stop, step}) generates; 0 when it is not one (Vega says why)."""
    if not isinstance(sequence, dict):
        return 0.0
    start, stop, step = sequence.get("start", 0), sequence.get("stop"), sequence.get("step", 1)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (start, stop, step)) or step == 0:
        return 0.0
    rows = (stop - start) / step
    return rows if rows == rows else float("inf")  # NaN (inf - inf): unbounded


def figure_size(figure: dict) -> tuple[int, int]:
    """A Plotly figure's layout width and height in pixels, or ValueError saying why it has none
    that can be drawn (missing, or over MAX_CANVAS_PX a side: the browser cannot capture it)."""
    layout = figure.get("layout")
    layout = layout if isinstance(layout, dict) else {}
    width, height = layout.get("width"), layout.get("height")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in (width, height)):
        raise ValueError("the figure's layout needs width and height in pixels")
    if max(width, height) > MAX_CANVAS_PX:
        raise ValueError(f"the figure's layout is {width:g}x{height:g} px; at most {MAX_CANVAS_PX} px a side")
    return int(width), int(height)


class Sandbox:
    """Starts scripts; several may run at once (`start` then `wait`)."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout

    def start(self, script: str, mode: str = "matplotlib") -> "_Running":
        """Run a Matplotlib or Plotly script (`mode`), or with mode 'vega' draw a Vega-Lite spec
        (its JSON text) with vl-convert: no Python of the file's runs then."""
        folder = Path(tempfile.mkdtemp(prefix="rf-score-"))
        work = folder / "work"
        work.mkdir()
        name = "spec.json" if mode == "vega" else "prediction.py"
        (work / name).write_text(script, encoding="utf-8", errors="replace")
        result = folder / "result.json"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "MPLCONFIGDIR": str(work / ".mpl"), "MPLBACKEND": "Agg",
               "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}  # fmt: skip
        command = [sys.executable, "-I", str(HARNESS), name, str(result), mode]
        if mode == "vega":
            command.append(_vega_options())
        else:
            (work / ".mpl").mkdir()
            _font_cache(work / ".mpl")
        if network_isolation() == "namespace":
            command = [shutil.which("unshare") or "unshare", "--net", "--map-root-user", *command]
        cpu = int(self.timeout) + 2
        memory = resource.RLIMIT_DATA if mode == "vega" else resource.RLIMIT_AS
        with open(folder / "stderr.txt", "wb") as stderr:  # a file, not a pipe: FILE_BYTES bounds it
            process = subprocess.Popen(
                command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                start_new_session=True, preexec_fn=lambda: _limits(cpu, memory),
            )  # fmt: skip
        return _Running(process, folder, self.timeout, "drawing" if mode == "vega" else "script's")

    def draw_vega(self, text: str) -> RunResult:
        """A Vega-Lite spec's picture drawn as the factory draws it, in its own limited process;
        a spec that cannot be drawn gives no image and the reason."""
        try:
            check_vega(text)
        except ValueError as exc:
            return RunResult(False, None, error=str(exc))
        return self.start(text, "vega").wait()


class _Running:
    def __init__(self, process: subprocess.Popen, folder: Path, timeout: float, what: str = "script's"):
        self.process, self.folder, self.timeout, self.what = process, folder, timeout, what

    def wait(self) -> RunResult:
        try:
            try:
                self.process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self._kill()
                self.process.wait()
                return RunResult(False, self._image(), error=f"timed out after {self.timeout:g} s")
            self._kill()  # anything the script left running in its group
            try:
                data = json.loads((self.folder / "result.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                reason = _death(self.process.returncode, self._stderr_tail())
                return RunResult(False, self._image(), error=f"the {self.what} process died: {reason}")
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

    def _stderr_tail(self) -> bytes:
        try:
            with open(self.folder / "stderr.txt", "rb") as f:
                f.seek(max(0, os.fstat(f.fileno()).st_size - 65536))
                return f.read()
        except OSError:
            return b""

    def _image(self) -> bytes | None:
        path = self.folder / "work" / "chart.png"
        try:
            return path.read_bytes() if path.is_file() and path.stat().st_size <= FILE_BYTES else None
        except OSError:
            return None


_OUT_OF_MEMORY = ("memory allocation of", "out of memory", "memoryerror", "check failed: (result.ptr)", "cannot allocate")


def _death(returncode: int, stderr: bytes) -> str:
    """Why a sandboxed process ended without a result, in a few words: out of memory, a signal,
    or its last message (a Python traceback's last line; not V8's or Rust's stack frames)."""
    lines = [line.strip(" #") for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith(("[0x", "/", "at ", "=", "FailureMessage"))]
    if any(marker in line.lower() for line in lines for marker in _OUT_OF_MEMORY):
        return f"out of memory (the limit is {MEMORY_BYTES >> 30} GB)"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        limits = {"SIGXCPU": ": over its CPU time", "SIGXFSZ": f": over {FILE_BYTES >> 20} MB written"}
        return f"killed by {name}" + limits.get(name, f": {lines[0][:200]}" if lines else "")
    return lines[-1][:300] if lines else f"exit code {returncode}"
