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


@pytest.fixture(scope="session")
def chart_recipe() -> dict:
    """The recipe `chart_dataset` was made from (a copy: change it freely)."""
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
            if not (out / "manifest.json").exists():
                generate(recipe_from_dict(copy.deepcopy(CHART_RECIPE)), str(out), workers=1)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out
