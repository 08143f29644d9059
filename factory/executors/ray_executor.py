"""Shards on a Ray cluster: one long-lived actor per worker, each holding one Workshop (one
Matplotlib state and, when a task needs it, one browser), fed one shard at a time.

Actors rather than tasks because a Workshop is expensive to build and a browser should live as
long as its worker. A shard whose actor died (killed, out of memory, node lost) or raised an
unexpected error is retried on a fresh actor a bounded number of times; a FactoryError means
the user has something to fix, so it is not retried and no further shards are started. Every
failure is reported at the end in one line, and complete shards are kept for the next run.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from factory.errors import FactoryError, require
from factory.plan import ShardPlan
from factory.dataset.storage import Store

log = logging.getLogger(__name__)

RETRIES = 2  # a failed shard is tried at most 1 + RETRIES times
POLL_SECONDS = 0.2  # how often the driver collects progress and finished shards
REPORT_SECONDS = 0.25  # how often an actor sends its sample count to the driver
STOP_SECONDS = 15.0  # how long to wait for killed actors to be gone before cleaning up


def project_root() -> str:
    """The folder holding the `factory` and `renderers` packages, for workers of a local Ray."""
    return str(Path(__file__).resolve().parents[2])


def init_local(ray: Any, num_cpus: int) -> None:
    """Start Ray on this machine with workers that can import this project even when it is not
    pip-installed (Ray workers do not inherit the driver's sys.path)."""
    path = [project_root()] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    ray.init(
        num_cpus=num_cpus,
        include_dashboard=False,
        logging_level=logging.WARNING,
        runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(path)}},
    )


def _check_reachable(address: str) -> None:
    """Ray retries an unreachable host:port for minutes; say so at once instead."""
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not host or not port.isdigit():  # "auto", or a form Ray resolves itself
        return
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as exc:
        raise FactoryError(
            f"cannot reach the Ray cluster at '{address}': {exc.strerror or exc}; "
            "start it (ray start --head) or fix --ray-address"
        ) from None


def _one_line(text: str, limit: int = 240) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _actor_error(err: Exception) -> str:
    if getattr(err, "actor_init_failed", False):  # the last line of the traceback says why
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        return "worker could not start: " + (lines[-1] if lines else type(err).__name__)
    return "worker process died (killed, out of memory, or crashed)"


class _Progress:
    """A counter the actors add to and the driver drains; keyed by (shard index, attempt) so a
    retried shard's first attempt is not counted twice."""

    def __init__(self) -> None:
        self.counts: dict[tuple[int, int], int] = {}

    def add(self, shard_index: int, attempt: int, n: int) -> None:
        key = (shard_index, attempt)
        self.counts[key] = self.counts.get(key, 0) + n

    def take(self) -> dict[tuple[int, int], int]:
        counts, self.counts = self.counts, {}
        return counts


class _ShardActor:
    """One worker process on the cluster; its Workshop is reused for every shard it renders."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress

    def ready(self) -> bool:
        return True

    def render(self, recipe_data: dict[str, Any], out_url: str, shard: ShardPlan, attempt: int, run: str) -> dict[str, Any]:
        from factory.executors import worker

        pending = 0
        last = time.monotonic()

        def report(n: int) -> None:
            nonlocal pending, last
            pending += n
            now = time.monotonic()
            if now - last >= REPORT_SECONDS:
                self.progress.add.remote(shard.index, attempt, pending)
                pending, last = 0, now

        stats = worker.render_shard(recipe_data, out_url, shard, report, run)
        return stats  # the driver settles the last unreported samples from the stats


class RayExecutor:
    name = "ray"

    def __init__(self, workers: int | None, address: str | None = None, retries: int = RETRIES):
        self.workers = workers
        self.address = address
        self.retries = retries

    def run(
        self,
        recipe_data: dict[str, Any],
        out_url: str,
        shards: list[ShardPlan],
        on_samples: Callable[[int], None],
        run: str | None = None,
    ) -> list[dict[str, Any]]:
        """Render `shards` into `out_url`; `run` is the run's token (see LocalExecutor.run)."""
        if not shards:
            return []
        store = Store(out_url, run)
        if store.in_process:
            raise FactoryError(
                f"output '{out_url}' exists only inside this process, so Ray workers cannot write to it; "
                "use a folder or object storage (s3://, gs://) with --executor ray"
            )
        ray = require("ray", "ray", "the Ray executor")
        started = False
        if not ray.is_initialized():
            if self.address:
                _check_reachable(self.address)
                try:
                    ray.init(address=self.address, logging_level=logging.WARNING)
                except ConnectionError as exc:
                    raise FactoryError(
                        f"cannot connect to the Ray cluster at '{self.address}': {_one_line(exc)}; "
                        "start it (ray start --head) or fix --ray-address"
                    ) from None
            else:
                from factory.executors import default_workers

                init_local(ray, self.workers or default_workers())
            started = True
        try:
            return _Run(ray, self, recipe_data, store, shards, on_samples).go()
        finally:
            if started:
                ray.shutdown()


class _Run:
    """One executor run: start actors, dispatch shards to ready ones, collect, retry, report."""

    def __init__(self, ray, executor: RayExecutor, recipe_data, store: Store, shards, on_samples):
        self.ray = ray
        self.exceptions = ray.exceptions
        self.executor = executor
        self.recipe_data = recipe_data
        self.store = store
        self.shards = shards
        self.on_samples = on_samples
        self.attempts: dict[int, int] = {}  # shard index -> failed attempts so far
        self.failures: dict[str, str] = {}  # shard name -> why it failed for good
        self.reported: dict[tuple[int, int], int] = {}  # (shard index, attempt) -> samples reported
        self.forwarded: dict[int, int] = {}  # shard index -> samples passed to on_samples
        self.finished: set[int] = set()
        self.actors: list[Any] = []
        self.starting: dict[Any, Any] = {}  # readiness ref -> actor not yet known to be running
        self.start_failures = 0
        self.start_error = ""

    def _workers(self) -> int:
        cpus = int(self.ray.cluster_resources().get("CPU", 0))
        wanted = self.executor.workers or max(1, cpus)
        if wanted > cpus:
            log.warning("%d workers asked for but the Ray cluster has %d CPUs now: the others start "
                        "if the cluster grows", wanted, cpus)
        return max(1, min(wanted, len(self.shards)))

    def _start_actor(self) -> None:
        """Start an actor; it gets shards once it answers, so a cluster that cannot place it
        (too few CPUs, still scaling up) only delays it and never holds a shard."""
        actor = self.actor_class.remote(self.progress)
        self.actors.append(actor)
        self.starting[actor.ready.remote()] = actor

    def _retire(self, actor: Any) -> None:
        """Kill an actor whose state can no longer be trusted (its task failed or it died)."""
        self.ray.kill(actor, no_restart=True)
        self.actors.remove(actor)

    def _started(self, ref: Any, idle: list[Any]) -> None:
        actor = self.starting.pop(ref)
        try:
            self.ray.get(ref)
        except self.exceptions.RayError as err:
            self.start_failures += 1
            self.start_error = _one_line(_actor_error(err))
            log.warning("a Ray worker could not start: %s", self.start_error)
            self._retire(actor)
            if self.start_failures <= self.workers * (1 + self.executor.retries):
                self._start_actor()
            return
        idle.append(actor)

    def go(self) -> list[dict[str, Any]]:
        ray = self.ray
        self._warn_if_output_is_node_local()
        self.progress = ray.remote(num_cpus=0)(_Progress).remote()
        self.actor_class = ray.remote(num_cpus=1, max_restarts=0)(_ShardActor)
        self.workers = self._workers()
        for _ in range(self.workers):
            self._start_actor()
        idle: list[Any] = []
        queue: deque[ShardPlan] = deque(self.shards)
        inflight: dict[Any, tuple[Any, ShardPlan]] = {}
        results: list[dict[str, Any]] = []
        stopping = False  # a FactoryError: the user must fix something, start nothing new
        try:
            while inflight or (queue and not stopping):
                while idle and queue and not stopping:
                    shard = queue.popleft()
                    actor = idle.pop()
                    attempt = self.attempts.get(shard.index, 0)
                    ref = actor.render.remote(self.recipe_data, self.store.url, shard, attempt, self.store.run)
                    inflight[ref] = (actor, shard)
                if not inflight and not self.starting:
                    raise FactoryError(
                        f"no Ray worker could start ({self.start_error}); install render-factory and its "
                        "dependencies on every node (e.g. in the cluster's image), then run the same command again"
                    )
                refs = [*inflight, *self.starting]
                ready, _ = ray.wait(refs, num_returns=1, timeout=POLL_SECONDS)
                if ready:
                    ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
                self._forward(ray.get(self.progress.take.remote()))
                for ref in ready:
                    if ref in self.starting:
                        self._started(ref, idle)
                        continue
                    actor, shard = inflight.pop(ref)
                    outcome = self._collect(ref, shard)
                    if isinstance(outcome, dict):
                        results.append(outcome)
                        self._settle(shard, outcome["samples"])
                        idle.append(actor)
                        continue
                    retry, user_error = outcome
                    if user_error:  # the actor is fine; the input is not
                        stopping = True
                        idle.append(actor)
                        continue
                    self._retire(actor)  # it died, or its Workshop may be broken
                    self._start_actor()
                    if retry:
                        queue.appendleft(shard)
        except BaseException:
            self._stop(list(inflight))
            raise
        self._finish()
        if self.failures:
            not_started = len(queue)
            details = "; ".join(f"{name}: {why}" for name, why in sorted(self.failures.items()))
            raise FactoryError(
                f"{len(self.failures)} of {len(self.shards)} shard(s) failed on Ray ({details})"
                + (f"; {not_started} shard(s) not started" if not_started else "")
                + "; complete shards are kept, fix the cause and run the same command again"
            )
        return results

    def _collect(self, ref: Any, shard: ShardPlan) -> dict[str, Any] | tuple[bool, bool]:
        """The shard's stats, or (retry?, user error?) after recording what went wrong."""
        exc = self.exceptions
        try:
            return self.ray.get(ref)
        except exc.RayTaskError as err:
            cause = err.cause
            if isinstance(cause, FactoryError):
                self.failures[shard.name] = _one_line(cause)
                return False, True
            reason = f"{type(cause).__name__}: {cause}"
        except exc.RayActorError as err:
            reason = _actor_error(err)
        except exc.RayError as err:
            reason = f"{type(err).__name__}: {err}"
        return self._retry(shard, _one_line(reason)), False

    def _retry(self, shard: ShardPlan, reason: str) -> bool:
        failed = self.attempts.get(shard.index, 0) + 1
        self.attempts[shard.index] = failed
        if failed > self.executor.retries:
            self.failures[shard.name] = f"{reason} (failed {failed} times)"
            return False
        log.warning("%s failed (%s); retrying (%d of %d)", shard.name, reason, failed, self.executor.retries)
        return True

    def _forward(self, counts: dict[tuple[int, int], int]) -> None:
        """Pass on progress; a retried shard counts only beyond what its best attempt reached."""
        for key, n in counts.items():
            self.reported[key] = self.reported.get(key, 0) + n
        for index in {k[0] for k in counts} - self.finished:
            best = max(v for (i, _), v in self.reported.items() if i == index)
            delta = best - self.forwarded.get(index, 0)
            if delta > 0:
                self.forwarded[index] = best
                self.on_samples(delta)

    def _settle(self, shard: ShardPlan, samples: int) -> None:
        self.finished.add(shard.index)
        delta = samples - self.forwarded.get(shard.index, 0)
        self.forwarded[shard.index] = samples
        if delta > 0:
            self.on_samples(delta)

    def _finish(self) -> None:
        """Let idle actors exit normally (closing their browsers), and drop what dead ones left."""
        pending = set(self.starting.values())
        exits = []
        for actor in self.actors:
            if actor in pending:
                self.ray.kill(actor, no_restart=True)
            else:
                exits.append(actor.__ray_terminate__.remote())
        if exits:
            self.ray.wait(exits, num_returns=len(exits), timeout=STOP_SECONDS)
        self.ray.kill(self.progress)
        if self.attempts:  # some actor died or failed: its temporary file may still be there
            self._remove_partials()

    def _stop(self, refs: list[Any]) -> None:
        """Interrupted: kill every actor, wait until they are gone, then remove their temp files."""
        for actor in [*self.actors, self.progress]:
            self.ray.kill(actor, no_restart=True)
        if refs:
            self.ray.wait(refs, num_returns=len(refs), timeout=STOP_SECONDS)
        self._remove_partials()

    def _remove_partials(self) -> None:
        removed = self.store.remove_partials()
        if removed:
            log.info("removed %d unfinished temporary file(s)", removed)

    def _warn_if_output_is_node_local(self) -> None:
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        if self.store.local and len(nodes) > 1:
            log.warning(
                "output '%s' is a local folder but the Ray cluster has %d nodes: unless it is a shared "
                "mount, write to object storage (s3://, gs://) instead",
                self.store.url,
                len(nodes),
            )
