"""Freed image buffers kept for the next image instead of handed back to the kernel.

glibc's malloc maps every block above its mmap threshold (128 KiB at start, rising to the largest
block freed, at most 32 MiB) afresh from the kernel and unmaps it on free, and gives back free heap
above its trim threshold (twice the mmap threshold). The degradation stage makes a new 5-15 MB array
per op on a page image, so each of them was faulted in and zeroed page by page: converting a
1024x2606 page to RGBA took 5-13 ms, 0.3 ms in reused memory (bench/bench_augment.py, pages, this
alone: the stage's share of a degraded sample's time 18.6/18.5/17.6% -> 16.1/16.2/16.8%). Fixed
thresholds keep blocks up to MMAP_THRESHOLD in the heap and up to TRIM_THRESHOLD of free heap for
reuse: a process's memory stays at its high-water mark (680 MB over 150 degraded pages) instead of
swinging under it.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import platform

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest on 64-bit; bigger blocks are still mapped and unmapped
TRIM_THRESHOLD = 256 * 1024 * 1024  # free heap a process keeps at most, a few pages' worth of arrays


@functools.lru_cache(maxsize=1)
def keep_freed_buffers() -> bool:
    """Set this process's malloc thresholds (once); False where the C library is not glibc (musl,
    macOS: they keep their own policy) or refuses the setting."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    if not done:
        log.debug("glibc refused the malloc thresholds: freed image buffers go back to the kernel")
    return done
