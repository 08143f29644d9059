"""Worker processes on this machine, each rendering whole shards.

Ctrl-C stops the workers and deletes their temporary files: a shard is either complete under its
final name (with its stats) or absent, never partial.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue as queue_mod
import signal
from collections.abc import Callable
from typing import Any

from factory.executors import worker
from factory.plan import ShardPlan
from factory.storage import Store

log = logging.getLogger(__name__)

_progress_queue: Any = None


def _init_worker(progress_queue: Any) -> None:
    global _progress_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides how to stop
    _progress_queue = progress_queue


def _report(n: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put(n)


def _render_in_worker(recipe_data: dict[str, Any], out_url: str, shard: ShardPlan) -> dict[str, Any]:
    return worker.render_shard(recipe_data, out_url, shard, _report)


class LocalExecutor:
    name = "local"

    def __init__(self, workers: int):
        self.workers = max(1, workers)

    def run(
        self,
        recipe_data: dict[str, Any],
        out_url: str,
        shards: list[ShardPlan],
        on_samples: Callable[[int], None],
    ) -> list[dict[str, Any]]:
        if not shards:
            return []
        if self.workers == 1:
            return self._run_inline(recipe_data, out_url, shards, on_samples)
        return self._run_pool(recipe_data, out_url, shards, on_samples)

    def _run_inline(self, recipe_data, out_url, shards, on_samples):
        results = []
        try:
            for shard in shards:
                results.append(worker.render_shard(recipe_data, out_url, shard, on_samples))
        except KeyboardInterrupt:
            Store(out_url).remove_partials()
            raise
        finally:
            worker._close_all()
        return results

    def _run_pool(self, recipe_data, out_url, shards, on_samples):
        ctx = mp.get_context("spawn")
        progress = ctx.Queue()
        pool = ctx.Pool(min(self.workers, len(shards)), initializer=_init_worker, initargs=(progress,))
        pending = [pool.apply_async(_render_in_worker, (recipe_data, out_url, s)) for s in shards]
        results: list[dict[str, Any]] = []
        try:
            while pending:
                try:
                    on_samples(progress.get(timeout=0.2))
                    while True:
                        on_samples(progress.get_nowait())
                except queue_mod.Empty:
                    pass
                still = []
                for job in pending:
                    if job.ready():
                        results.append(job.get())  # re-raises a worker's error here
                    else:
                        still.append(job)
                pending = still
            pool.close()
            pool.join()
            while True:  # progress sent just before the last shard finished
                try:
                    on_samples(progress.get(timeout=0.05))
                except queue_mod.Empty:
                    break
        except BaseException:
            pool.terminate()
            pool.join()
            removed = Store(out_url).remove_partials()
            if removed:
                log.info("removed %d unfinished temporary file(s)", removed)
            raise
        finally:
            progress.close()
        return results
