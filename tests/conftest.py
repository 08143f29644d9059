"""Shared fixtures.

`chart_dataset` is a small real dataset (24 charts in 4 shards: 3 train, 1 val) rendered once per
test run: pytest-xdist workers share one copy, built under a file lock by whichever asks first.
"""

from __future__ import annotations

import copy
import fcntl
import os
from pathlib import Path

import pytest
from factory.dataset import layout

CHART_RECIPE = {
    "name": "t",
    "seed": 1,
    "samples": 24,
    "shard": {"samples": 6},
    "splits": {"train": 0.75, "val": 0.25},
    "tasks": {"chart_to_table": 1, "chart_qa": 1},
}


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder private to this test run but shared by its xdist workers."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture
def chart_recipe() -> dict:
    """The recipe `chart_dataset` was made from (a fresh copy for each test: change it freely)."""
    return copy.deepcopy(CHART_RECIPE)


@pytest.fixture(scope="session")
def chart_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a finished dataset folder made from CHART_RECIPE. Treat it as read-only."""
    from factory.generate import generate
    from factory.recipe import recipe_from_dict

    root = _run_root(tmp_path_factory)
    out = root / "chart_dataset"
    with open(root / "chart_dataset.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (out / layout.MANIFEST).exists():
                generate(recipe_from_dict(copy.deepcopy(CHART_RECIPE)), str(out), workers=1)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out


MIXED_SAMPLES = 30  # the built-in `mixed` recipe, this small: 27 train (8 shards), 2 validation, 1 test


@pytest.fixture(scope="session")
def builtin_mixed_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh dataset of the built-in `mixed` recipe (charts, pages, tables; all six tasks), made by
    the CLI in a child process (this one may drive a browser already). Shared by xdist workers;
    read-only. Needs Chromium."""
    import subprocess
    import sys

    from factory.dataset import layout

    root = _run_root(tmp_path_factory)
    out = root / "builtin_mixed"
    with open(root / "builtin_mixed.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (out / layout.MANIFEST).exists():
                cmd = [sys.executable, "-m", "factory", "generate", "mixed", "--samples", str(MIXED_SAMPLES),
                       "--out", str(out), "--workers", "2", "--quiet"]  # fmt: skip
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=Path(__file__).parent.parent)
                assert done.returncode == 0, done.stderr[-2000:]
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out
