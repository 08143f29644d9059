"""The README's "Train on it" examples run as written, against a small real dataset at output/demo.

Each python block of the section runs in its own process in a folder whose output/demo is the
`chart_dataset` fixture; a block whose first line is a comment naming torchrun runs under torchrun
with 2 processes (gloo on CPU), so a rank that got fewer batches than the other would hang it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Train on it"


def train_section(readme: Path) -> str:
    text = readme.read_text(encoding="utf-8")
    start = text.find("\n" + HEADING + "\n")
    if start < 0 and not text.startswith(HEADING + "\n"):
        pytest.fail(f"{readme} has no '{HEADING}' section: paste it (the text lives in the loader notes)")
    start = max(start, 0)
    rest = text[start + len(HEADING) + 1 :]
    end = re.search(r"^## ", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


def python_blocks(section: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)


def test_section_has_examples():
    blocks = python_blocks(train_section(Path(os.environ.get("RENDER_FACTORY_README", ROOT / "README.md"))))
    assert len(blocks) >= 2
    assert any("open_dataset(\"output/demo\"" in b for b in blocks)


@pytest.mark.slow
def test_examples_run_as_written(chart_dataset, tmp_path):
    pytest.importorskip("torch")
    blocks = python_blocks(train_section(Path(os.environ.get("RENDER_FACTORY_README", ROOT / "README.md"))))
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "demo").symlink_to(chart_dataset, target_is_directory=True)
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        HF_HOME=str(tmp_path / "hf"),
        HF_DATASETS_OFFLINE="1",
        HF_HUB_OFFLINE="1",
        WIDS_CACHE=str(tmp_path / "wids"),
        OMP_NUM_THREADS="1",
    )
    for number, code in enumerate(blocks):
        script = tmp_path / f"example_{number}.py"
        script.write_text(code, encoding="utf-8")
        first = code.splitlines()[0]
        if first.startswith("#") and "torchrun" in first:
            command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", script.name]
        else:
            command = [sys.executable, script.name]
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=400)
        assert result.returncode == 0, f"README example {number} failed:\n{code}\n--- stderr ---\n{result.stderr[-3000:]}"
        assert result.stdout.strip(), f"README example {number} printed nothing"
        if command[1] == "-m":
            steps = re.findall(r"rank (\d): epoch (\d) took (\d+) steps", result.stdout)
            assert len(steps) == 4 and len({s[2] for s in steps}) == 1, result.stdout
