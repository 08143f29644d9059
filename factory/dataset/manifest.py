"""The dataset card in numbers: manifest.json and the wids shard index, built from shard stats.

Written last, after every shard's stats exist, so a manifest always describes complete shards.
"""

from __future__ import annotations

import json
import platform
from collections import Counter, defaultdict
from importlib import metadata
from typing import Any

from factory import __version__
from factory.plan import ShardPlan
from factory.recipe import ResolvedRecipe
from factory.dataset import layout
from factory.dataset.shards import read_shard_stats, stats_name
from factory.dataset.storage import Store

MANIFEST = layout.MANIFEST
RECIPE = layout.RECIPE
SHARD_INDEX = layout.SHARD_INDEX
LIBRARIES = ("matplotlib", "pillow", "imagecodecs", "numpy", "faker", "webdataset", "pydantic", "playwright")
LIBRARIES += ("albumentations", "augraphy", "opencv-python-headless")  # the augment stage, when installed


def library_versions() -> dict[str, str]:
    versions = {"render_factory": __version__, "python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            continue
    return versions


def read_stats(store: Store, plan: list[ShardPlan]) -> list[dict[str, Any]]:
    """The stats of every planned shard that has them (complete shards, once a run is done)."""
    return [stats for s in plan if (stats := read_shard_stats(store, stats_name(s))) is not None]


def build_manifest(
    resolved: ResolvedRecipe, plan: list[ShardPlan], stats: list[dict[str, Any]], recipe_sha256: str = ""
) -> dict[str, Any]:
    recipe = resolved.recipe
    by_split: Counter[str] = Counter()
    by_task: Counter[str] = Counter()
    by_split_task: dict[str, Counter[str]] = defaultdict(Counter)
    drops: Counter[str] = Counter()
    renderers: dict[str, dict[str, str]] = {}
    seconds = 0.0
    for s in stats:
        by_split[s["split"]] += s["samples"]
        for task, n in s["tasks"].items():
            by_task[task] += n
            by_split_task[s["split"]][task] += n
        drops.update(s["drops"])
        renderers.update(s.get("renderers", {}))
        seconds += s["seconds"]
    total = sum(by_split.values())
    holdout = {"holdout": {"rules": resolved.as_dict()["holdout"], "redrawn": drops.get("held_out", 0)}} if recipe.holdout else {}
    return {
        "name": recipe.name,
        "description": recipe.description,
        "format": "webdataset",
        "recipe": RECIPE,
        "recipe_sha256": recipe_sha256,
        "seed": recipe.seed,
        "versions": {**library_versions(), **{f"renderer:{k}": v for k, v in sorted(renderers.items())}},
        "members": [recipe.image.format, "txt", "json"],
        "tasks": sorted(resolved.task_weights),
        "generators": sorted(resolved.generator_options),
        "profiles": {task: resolved.task_profiles.get(task, "native") for task in sorted(resolved.task_weights)},
        "budgets": {task: b.model_dump(mode="json", exclude_none=True) for task, b in sorted(resolved.task_budgets.items())},
        "samples": {
            "planned": sum(s.samples for s in plan),
            "total": total,
            "by_split": dict(sorted(by_split.items())),
            "by_task": dict(sorted(by_task.items())),
            "by_split_and_task": {k: dict(sorted(v.items())) for k, v in sorted(by_split_task.items())},
        },
        "drops": {"total": sum(drops.values()), "by_reason": dict(sorted(drops.items()))},
        "throughput": {
            "worker_seconds": round(seconds, 2),
            "samples_per_worker_second": round(total / seconds, 2) if seconds else None,
        },
        "shards": [
            {"name": s["shard"], "split": s["split"], "samples": s["samples"], "bytes": s["bytes"], "sha256": s["sha256"]}
            for s in sorted(stats, key=lambda s: s["index"])
        ],
        "card": recipe.card.model_dump(mode="json"),
        **holdout,
    }


def shard_index(manifest: dict[str, Any], split: str | None = None) -> dict[str, Any]:
    """A wids shard index (wids-shard-index-v1); urls are relative to the index file."""
    shards = [s for s in manifest["shards"] if split is None or s["split"] == split]
    index = layout.split_index(split) if split else SHARD_INDEX
    return {
        "__kind__": "wids-shard-index-v1",
        "wids_version": 1,
        "name": manifest["name"] + (f"-{split}" if split else ""),
        "shardlist": [{"url": layout.index_url(index, s["name"]), "nsamples": s["samples"], "filesize": s["bytes"]} for s in shards],
    }


def index_texts(manifest: dict[str, Any]) -> dict[str, str]:
    """Every wids index file of a manifest: name -> its text."""
    texts = {}
    for split in sorted({s["split"] for s in manifest["shards"]}):
        texts[layout.split_index(split)] = json.dumps(shard_index(manifest, split), indent=2)
    texts[SHARD_INDEX] = json.dumps(shard_index(manifest), indent=2)
    return texts


def write_manifest(store: Store, manifest: dict[str, Any]) -> None:
    for name, text in index_texts(manifest).items():
        store.write_atomic(name, text)
    store.write_atomic(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
