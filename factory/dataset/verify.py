"""Whether a dataset folder is intact: every shard against its manifest entry, read back."""

from __future__ import annotations

import hashlib
import json
import tarfile

from factory.dataset.manifest import MANIFEST
from factory.dataset.storage import Store


def verify(store: Store) -> list[str]:
    """Every way the dataset differs from its manifest; empty when it is intact."""
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
