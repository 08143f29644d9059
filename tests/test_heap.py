"""The degradation stage's processes reuse freed image buffers instead of faulting in fresh pages."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# three page-sized arrays made and freed ten times, after one warm-up round: the minor page faults
# counted are those of memory the allocator gave back to the kernel and maps again
CHURN = """
import resource, sys
import numpy as np
sys.path.insert(0, {root!r})
{setup}
def churn():
    for _ in range(10):
        a = np.ones(12_000_000, np.uint8); b = np.ones(12_000_000, np.uint8); c = np.ones(12_000_000, np.uint8)
        del a, b, c
churn()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
churn()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc_only = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")


def faults(setup: str) -> int:
    code = CHURN.format(root=str(ROOT), setup=setup)
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()[-1])


@glibc_only
def test_freed_page_buffers_are_reused_without_page_faults():
    # glibc's own thresholds hand 36 MB of freed arrays back every round (~3,000 faults a round)
    assert faults("") > 5000
    assert faults("from factory.augment import heap\nassert heap.keep_freed_buffers()") < 500


@glibc_only
def test_a_degrader_sets_its_process_thresholds():
    setup = (
        "from factory.augment.options import AugmentPlan\n"
        "from factory.augment.stage import Degrader\n"
        "Degrader(AugmentPlan(ops={'jpeg': {'p': 1}}))"
    )
    assert faults(setup) < 500
