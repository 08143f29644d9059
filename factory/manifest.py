"""The dataset card in numbers: manifest.json and the wids shard index, built from shard stats.

Written last, after every shard's stats exist, so a manifest always describes complete shards.
"""

from __future__ import annotations

import json
import platform
import tarfile
from collections import Counter, defaultdict
from importlib import metadata
from typing import Any

from factory import __version__
from factory.plan import ShardPlan
from factory.recipe import ResolvedRecipe
from factory.shards import stats_name
from factory.storage import Store

MANIFEST = "manifest.json"
RECIPE = "recipe.yaml"
SHARD_INDEX = "shardindex.json"
LIBRARIES = ("matplotlib", "pillow", "imagecodecs", "numpy", "faker", "webdataset", "pydantic", "playwright")


def library_versions() -> dict[str, str]:
    versions = {"render_factory": __version__, "python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            continue
    return versions


def read_stats(store: Store, plan: list[ShardPlan]) -> list[dict[str, Any]]:
    return [json.loads(store.read_text(stats_name(s))) for s in plan if store.exists(stats_name(s))]


def build_manifest(resolved: ResolvedRecipe, plan: list[ShardPlan], stats: list[dict[str, Any]]) -> dict[str, Any]:
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
    return {
        "name": recipe.name,
        "description": recipe.description,
        "format": "webdataset",
        "recipe": RECIPE,
        "seed": recipe.seed,
        "versions": {**library_versions(), **{f"renderer:{k}": v for k, v in sorted(renderers.items())}},
        "members": [recipe.image.format, "txt", "json"],
        "tasks": sorted(resolved.task_weights),
        "samples": {
            "planned": recipe.samples,
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
    }


def shard_index(manifest: dict[str, Any], split: str | None = None) -> dict[str, Any]:
    """A wids shard index (wids-shard-index-v1); urls are relative to the index file."""
    shards = [s for s in manifest["shards"] if split is None or s["split"] == split]
    return {
        "__kind__": "wids-shard-index-v1",
        "wids_version": 1,
        "name": manifest["name"] + (f"-{split}" if split else ""),
        "shardlist": [{"url": s["name"], "nsamples": s["samples"], "filesize": s["bytes"]} for s in shards],
    }


def write_manifest(store: Store, manifest: dict[str, Any]) -> None:
    for split in sorted({s["split"] for s in manifest["shards"]}):
        store.write_atomic(f"shardindex-{split}.json", json.dumps(shard_index(manifest, split), indent=2))
    store.write_atomic(SHARD_INDEX, json.dumps(shard_index(manifest), indent=2))
    store.write_atomic(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))


def verify(store: Store) -> list[str]:
    """Every way the dataset differs from its manifest; empty when it is intact."""
    import hashlib

    if not store.exists(MANIFEST):
        return [f"no {MANIFEST} in '{store.url}': the run did not finish; re-run generate with the same --out"]
    manifest = json.loads(store.read_text(MANIFEST))
    problems = []
    listed = {s["name"] for s in manifest["shards"]}
    for name in store.list():
        if name.endswith(".tar") and name not in listed:
            problems.append(f"{name}: shard not listed in the manifest")
    members = set(manifest["members"])
    seen_keys: set[str] = set()
    for entry in manifest["shards"]:
        name = entry["name"]
        if not store.exists(name):
            problems.append(f"{name}: missing")
            continue
        digest = hashlib.sha256()
        with store.open_read(name) as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != entry["sha256"]:
            problems.append(f"{name}: sha256 differs from the manifest")
            continue
        if store.size(name) != entry["bytes"]:
            problems.append(f"{name}: size differs from the manifest")
        samples = _tar_samples(store, name)
        if len(samples) != entry["samples"]:
            problems.append(f"{name}: holds {len(samples)} samples, manifest says {entry['samples']}")
        for key, exts in samples.items():
            if set(exts) != members:
                problems.append(f"{name}: sample {key} has members {sorted(exts)}, expected {sorted(members)}")
                break
            if key in seen_keys:
                problems.append(f"{name}: key {key} also appears in another shard")
                break
            seen_keys.add(key)
    return problems


def _tar_samples(store: Store, name: str) -> dict[str, list[str]]:
    """key -> member extensions, checking webdataset's adjacency rule as it reads."""
    samples: dict[str, list[str]] = {}
    last = None
    with store.open_read(name) as f, tarfile.open(fileobj=f, mode="r|") as tar:
        for info in tar:
            base = info.name.rsplit("/", 1)[-1]
            prefix = info.name[: len(info.name) - len(base)]
            key, _, ext = base.partition(".")
            key = prefix + key
            if key != last and key in samples:
                samples[key].append("<not adjacent>")
            samples.setdefault(key, []).append(ext)
            last = key
    return samples
