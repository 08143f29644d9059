"""Executors run planned shards somewhere: here in worker processes, or on a Ray cluster."""

from __future__ import annotations

import os

from factory.errors import FactoryError


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def make_executor(name: str, workers: int | None, ray_address: str | None = None):
    """`workers=None`: every core here (local), or every CPU of the cluster (ray)."""
    if name == "local":
        from factory.executors.local import LocalExecutor

        return LocalExecutor(workers or default_workers())
    if name == "ray":
        from factory.executors.ray_executor import RayExecutor

        return RayExecutor(workers, address=ray_address)
    raise FactoryError(f"unknown executor '{name}'; use local or ray")
