"""A whole run: check the recipe and the output folder, hold the folder, write the recipe beside
the shards, render what is missing, then the manifest. Re-running the same command finishes an
interrupted dataset. What the run may write where: factory/dataset/ownership.py."""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Callable
from typing import Any

from factory import registry
from factory.dataset import layout
from factory.dataset.card import write_card
from factory.errors import FactoryError
from factory.holdout import check_fields, probe_sources
from factory.executors import make_executor
from factory.dataset.manifest import RECIPE, build_manifest, read_stats, write_manifest
from factory.dataset.ownership import check_output, recipe_digest, sole_writer, write_marker
from factory.plan import ShardPlan, empty_splits, plan_shards
from factory.recipe import ResolvedRecipe
from factory.samples import Workshop
from factory.dataset.shards import is_complete
from factory.dataset.storage import Store

log = logging.getLogger(__name__)


def preflight(resolved: ResolvedRecipe) -> None:
    """Fail before writing anything: build every generator (loads user tables), check renderers
    (a pages recipe needs a browser) and the augment stage's libraries."""
    workshop = Workshop(resolved)
    augment = resolved.recipe.augment
    if augment is not None and augment.any_active:
        from factory.augment.ops import libraries_available

        libraries_available()  # no albumentations/augraphy: a one-line error naming the extra
    if workshop.holdout:
        check_fields(workshop.holdout, probe_sources(workshop, resolved.seed))
    for gen in workshop.generators.values():
        for name in gen.renderers():
            check = registry.renderer_preflight(name)
            if check is not None:
                check(resolved.recipe.renderers.get(name, {}))


def generate(
    resolved: ResolvedRecipe,
    out: str,
    workers: int | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    progress: Callable[[list[ShardPlan], int], Callable[[int], None]] | None = None,
) -> dict[str, Any]:
    """Make (or finish) the dataset described by `resolved` in `out`; returns its manifest.

    Refuses (FactoryError, nothing written) an output that is neither new, empty, nor this
    recipe's dataset, and an output another run is writing. A run that keeps no sample at all
    raises after writing its manifest."""
    if workers is not None and workers < 1:
        raise FactoryError(f"--workers must be at least 1, got {workers}; leave it out to use every core")
    if str(out).lower().startswith(("http://", "https://")):  # fsspec reads HTTP, never writes it
        raise FactoryError(f"--out '{out}' is an HTTP URL, which can only be read; write to a folder or object storage (s3://, gs://)")
    store = Store(out)
    recipe_yaml = resolved.to_yaml()
    digest = recipe_digest(recipe_yaml)
    check_output(store, recipe_yaml)  # before anything is written, even the folder
    preflight(resolved)
    plan = plan_shards(resolved)  # opens a corpus source: a missing one is refused before the folder is claimed
    for split in empty_splits(resolved.recipe, plan):
        log.warning("split %s (%.3g of the samples) gets no sample of %d; raise samples for it to hold some",
                    split, resolved.recipe.splits[split], resolved.recipe.samples)  # fmt: skip
    with sole_writer(store) as holder:
        check_output(store, recipe_yaml)  # again: another run may have claimed it meanwhile
        write_marker(store, digest)
        store.makedirs(layout.META)
        store.write_atomic(RECIPE, recipe_yaml)
        removed = store.remove_stale_temporaries()  # no other run is writing: the lock says so
        if removed:
            log.info("removed %d unfinished temporary file(s) from an interrupted run", removed)
        todo = [s for s in plan if not is_complete(store, s, digest, rehash=True)]
        done = len(plan) - len(todo)
        if done:
            log.info("%d of %d shards already complete; rendering the other %d", done, len(plan), len(todo))
        runner = make_executor(executor, workers, ray_address)
        on_samples = progress(todo, sum(s.samples for s in todo)) if progress else (lambda n: None)
        try:
            runner.run(resolved.as_dict(), store.url, todo, on_samples, run=store.run)
        finally:
            close = getattr(on_samples, "close", None)
            if close:
                close()
        lost = [s.filename for s in todo if not is_complete(store, s, digest)]
        if lost:  # rendered, but where this process cannot see them (e.g. a node-local disk)
            raise FactoryError(
                f"{len(lost)} shard(s) were rendered but are missing from '{out}' (first: {lost[0]}); "
                "workers must write where this process reads: use a shared folder or object storage"
            )
        holder.check()
        manifest = build_manifest(resolved, plan, read_stats(store, plan), digest)
        write_card(store, manifest)  # README.md; before the manifest, which stays the last file written
        write_manifest(store, manifest)
    if manifest["samples"]["total"] == 0:
        reasons = ", ".join(f"{k}: {v}" for k, v in manifest["drops"]["by_reason"].items()) or "none recorded"
        raise FactoryError(
            f"the run kept no sample: every attempt was dropped ({reasons}); "
            "fix the recipe or what it reads (table files, a corpus source and its filters); the reasons and an "
            f"example of each are in {layout.STATS_FOLDER}/, then run again"
        )
    return manifest


class _CallableModule(types.ModuleType):
    """`factory.generate` is both this module (imported as such everywhere) and the Python API's
    function: importing a submodule rebinds the package's attribute to the module, so the module
    itself is made callable rather than shadowed."""

    def __call__(self, recipe: Any, out: Any, **kwargs: Any) -> dict[str, Any]:
        from factory.api import generate as api_generate

        return api_generate(recipe, out, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
