"""Worker processes on this machine, each rendering whole shards.

Ctrl-C stops the workers and deletes their temporary files: a shard is either complete under its
final name (with its stats) or absent, never partial.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing as mp
import os
import queue as queue_mod
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from factory.dataset.ownership import recipe_digest
from factory.dataset.shards import is_complete
from factory.dataset.storage import Store
from factory.errors import FactoryError
from factory.executors import worker
from factory.plan import ShardPlan
from factory.recipe import recipe_from_dict

log = logging.getLogger(__name__)

RESTARTS = 2  # how often a pool whose worker died is restarted within one run
PROGRESS_SECONDS = 0.2  # how often the progress bar hears from the workers

_progress_queue: Any = None


def _init_worker(progress_queue: Any, parent_pid: int) -> None:
    global _progress_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides how to stop
    _progress_queue = progress_queue
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    atexit.register(_exit_now)  # registered last, so it runs first


def _exit_now() -> None:
    """End a worker without tearing its interpreter down: freeing Matplotlib's objects one by one
    took a quarter of a second, during which the run waited. Its shards are committed by now;
    what still needs closing (browsers, the progress queue, log streams) is closed first."""
    worker.close_all()
    if _progress_queue is not None:
        _progress_queue.close()
        _progress_queue.join_thread()  # progress put just before the end reaches the parent
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _exit_with_parent(parent_pid: int) -> None:
    """A worker whose run was killed (kill -9, OOM) must not go on writing into the dataset."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)


def _report(n: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put(n)


def _render_in_worker(recipe_data: dict[str, Any], out_url: str, shard: ShardPlan, run: str) -> dict[str, Any]:
    return worker.render_shard(recipe_data, out_url, shard, _report, run)


@contextmanager
def _interrupt_between_samples(on_samples: Callable[[int], None]) -> Iterator[Callable[[int], None]]:
    """Ctrl-C in a run drawn in this process takes effect after the sample being drawn. Raised
    where the signal lands, KeyboardInterrupt can surface inside a C extension as another error
    (Agg turned one into "ValueError: Invalid bounding box"): the run then died with a traceback
    instead of stopping cleanly. A second Ctrl-C stops at once."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield on_samples  # SIGINT ignored or handled by our caller: theirs to decide
        return
    pending = threading.Event()

    def on_sigint(signum, frame):
        if pending.is_set():
            raise KeyboardInterrupt
        pending.set()
        log.info("interrupted: stopping after this sample (Ctrl-C again to stop now)")

    def progress(n: int) -> None:
        on_samples(n)
        if pending.is_set():
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield progress
        if pending.is_set():  # the signal came after the last sample
            raise KeyboardInterrupt
    finally:
        signal.signal(signal.SIGINT, previous)


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
        run: str | None = None,
    ) -> list[dict[str, Any]]:
        """Render `shards` into `out_url`; `run` is the run's token, carried by every temporary
        file so that clean-up removes this run's files only."""
        if not shards:
            return []
        store = Store(out_url, run)
        if self.workers == 1 or store.in_process:  # memory:// is only visible here
            return self._run_inline(recipe_data, store, shards, on_samples)
        return self._run_pool(recipe_data, store, shards, on_samples)

    def _run_inline(self, recipe_data, store, shards, on_samples):
        results = []
        try:
            with _interrupt_between_samples(on_samples) as progress:
                for shard in shards:
                    results.append(worker.render_shard(recipe_data, store.url, shard, progress, store.run))
        except KeyboardInterrupt:
            store.remove_partials()
            raise
        finally:
            worker.close_all()
        return results

    def _run_pool(self, recipe_data, store, shards, on_samples):
        """Shards over worker processes. A worker that dies (killed, out of memory) breaks the pool:
        the pool is restarted and the shards that are not complete are redone, at most RESTARTS times."""
        ctx = mp.get_context("spawn")
        results: list[dict[str, Any]] = []
        # Largest shards first: the small ones (short splits, a split's last shard) then fill the
        # end of the run, when a worker would otherwise wait for the others' last shard.
        todo = sorted(shards, key=lambda s: -s.samples)
        restarts = 0
        while todo:
            progress = ctx.Queue()  # fresh each time: a killed worker may hold the old one's lock
            pool = ProcessPoolExecutor(
                min(self.workers, len(todo)), mp_context=ctx, initializer=_init_worker, initargs=(progress, os.getpid())
            )
            try:
                jobs = {pool.submit(_render_in_worker, recipe_data, store.url, s, store.run): s for s in todo}
                while jobs:
                    done, _ = wait(jobs, timeout=PROGRESS_SECONDS, return_when=FIRST_COMPLETED)
                    _drain(progress, on_samples, 0)
                    for job in done:
                        results.append(job.result())  # re-raises a worker's error here
                        todo.remove(jobs.pop(job))
                pool.shutdown(wait=True)
                _drain(progress, on_samples, 0.05)  # progress sent just before the last shard finished
            except BrokenProcessPool:
                _kill(pool)
                restarts += 1
                digest = recipe_digest(recipe_from_dict(recipe_data).to_yaml())
                todo = [s for s in todo if not is_complete(store, s, digest)]
                if restarts > RESTARTS:
                    _remove_partials(store)
                    raise FactoryError(
                        f"worker processes died {restarts} times (killed, out of memory, or crashed); "
                        f"{len(todo)} shard(s) are not done; complete shards are kept: run the same command again"
                    ) from None
                log.warning("a worker process died; restarting workers for %d unfinished shard(s)", len(todo))
                _remove_partials(store)
            except BaseException:
                _kill(pool)
                _remove_partials(store)
                raise
            finally:
                progress.close()
        return results


def _drain(progress: Any, on_samples: Callable[[int], None], timeout: float) -> None:
    """Pass on every progress report waiting in the queue, waiting up to `timeout` for the first."""
    try:
        on_samples(progress.get(timeout=timeout) if timeout > 0 else progress.get_nowait())
        while True:
            on_samples(progress.get_nowait())
    except queue_mod.Empty:
        pass


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now, mid-shard (there is no public way before Python 3.14)."""
    terminate = getattr(pool, "kill_workers", None)
    if terminate is not None:
        terminate()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _remove_partials(store: Store) -> None:
    removed = store.remove_partials()
    if removed:
        log.info("removed %d unfinished temporary file(s)", removed)
