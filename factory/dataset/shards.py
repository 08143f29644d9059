"""Writing one shard: validated keys, reproducible tar members, temporary name, then rename.

The stats file is written after the rename and is the shard's completion marker. It carries the
recipe's sha256 and the shard's: a shard counts as complete only when its stats file says it was
made from this run's recipe and the shard on disk has the size (and, on resume, the sha256) the
stats give. Anything else is redone.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import tarfile
import time
from collections import Counter
from collections.abc import Callable
from typing import IO, Any

from factory.dataset import layout
from factory.dataset.ownership import read_small_json, recipe_digest
from factory.errors import FactoryError
from factory.plan import ShardPlan
from factory.samples import Drop, Sample, Timings, Workshop, shard_samples
from factory.dataset.storage import Store

log = logging.getLogger(__name__)

TAR_MTIME = 946684800  # 2000-01-01T00:00:00Z: fixed so identical samples give identical tars
TAR_USER = "render-factory"
TAR_MODE = 0o444
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")
EXTENSION_PATTERN = re.compile(r"^[a-z0-9]+(\.[a-z0-9]+)*$")
MAX_STATS_BYTES = 1 << 20  # a stats file is a few KB; anything bigger is not one of ours


def validate_key(key: str) -> None:
    """webdataset splits a member name at the first dot of its last component: keys hold none."""
    if not KEY_PATTERN.match(key):
        raise ValueError(f"sample key {key!r} must be letters, digits, '_', '-' or '/', with no dot")


def stats_name(shard: ShardPlan) -> str:
    return layout.stats_file(shard.name)


class _HashingWriter:
    """A write-only stream that hashes and counts what passes through it."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.bytes += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


class ShardWriter:
    """Writes samples to `<name>.<token>.partial`; `commit` renames it to the final name.

    Members are written with `tarfile` exactly as `webdataset.TarWriter` writes them (same order,
    PAX headers, fixed owner, mode and mtime), because importing `webdataset` imports torch when it
    is installed: 2.3 s and some hundred MB in every worker that only writes tars."""

    def __init__(self, store: Store, filename: str, image_ext: str):
        self.store = store
        self.filename = filename
        self.temp = store.temp_name(filename)
        self.members = {image_ext, "txt", "json"}
        self._raw = store.open_write(self.temp)
        self._stream = _HashingWriter(self._raw)
        self._tar = tarfile.open(fileobj=self._stream, mode="w|")  # type: ignore[call-overload]
        self.keys: set[str] = set()
        self.count = 0

    @property
    def bytes_written(self) -> int:
        return self._stream.bytes

    def write(self, sample: Sample) -> None:
        validate_key(sample.key)
        if sample.key in self.keys:
            raise ValueError(f"duplicate sample key {sample.key!r} in {self.filename}")
        if set(sample.members) != self.members:
            raise ValueError(f"sample {sample.key} has members {sorted(sample.members)}, expected {sorted(self.members)}")
        self.keys.add(sample.key)
        for ext in sorted(sample.members):  # the member order webdataset.TarWriter uses
            data = sample.members[ext]
            info = tarfile.TarInfo(f"{sample.key}.{ext}")
            info.size, info.mtime, info.mode = len(data), TAR_MTIME, TAR_MODE
            info.uname = info.gname = TAR_USER
            self._tar.addfile(info, io.BytesIO(data))
        self.count += 1

    def commit(self) -> tuple[int, str]:
        """Close, make durable and rename into place; returns (bytes, sha256)."""
        self._tar.close()
        self._raw.flush()
        if self.store.local:
            import os

            os.fsync(self._raw.fileno())
        self._raw.close()
        self.store.commit(self.temp, self.filename)
        return self._stream.bytes, self._stream.sha256.hexdigest()

    def abort(self) -> None:
        """Drop the temporary file; the tar is closed first so nothing writes to it later."""
        try:
            self._tar.close()
        except (OSError, ValueError):
            pass  # disk full or already closed: the file is being deleted anyway
        finally:
            try:
                self._raw.close()
            except OSError:
                pass  # a full disk refuses the final flush too; the file is removed below
            self.store.remove(self.temp)


def read_shard_stats(store: Store, name: str) -> dict[str, Any] | None:
    """A stats file as data, or None when it is missing or malformed (not a regular file, over
    MAX_STATS_BYTES, not JSON, too deeply nested)."""
    data = read_small_json(store, name, MAX_STATS_BYTES)
    return data if isinstance(data, dict) else None


def _counts(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in value.items())


def well_formed(stats: dict[str, Any]) -> bool:
    """Whether stats have the fields the manifest is built from, of their types: a damaged stats
    file that names the right shard and hash must not stop the run while it writes the manifest."""
    return (
        all(isinstance(stats.get(k), str) for k in ("shard", "split", "sha256"))
        and all(type(stats.get(k)) is int for k in ("index", "samples", "bytes"))
        and type(stats.get("seconds")) in (int, float)
        and _counts(stats.get("tasks"))
        and _counts(stats.get("drops"))
        and isinstance(stats.get("renderers", {}), dict)
    )


def file_sha256(store: Store, name: str) -> str:
    digest = hashlib.sha256()
    with store.open_read(name) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_complete(store: Store, shard: ShardPlan, recipe_sha256: str, rehash: bool = False) -> bool:
    """Whether `shard` is done for the recipe with this digest: its stats say so and the shard file
    agrees with them (size; with `rehash`, its sha256 too). Stats or a shard that cannot be read
    (a FIFO, a link to a device, malformed JSON) are not complete: the shard is redone, and its new
    files are renamed over those names (replacing a link, never writing through it)."""
    stats = read_shard_stats(store, stats_name(shard))
    if (
        stats is None
        or not well_formed(stats)
        or stats.get("recipe_sha256") != recipe_sha256
        or stats.get("shard") != shard.filename
        or stats.get("planned") != shard.samples
        or not store.exists(shard.filename)
    ):
        return False
    try:
        if store.size(shard.filename) != stats.get("bytes"):
            return False
        return not rehash or file_sha256(store, shard.filename) == stats.get("sha256")
    except OSError:
        return False


def write_shard(
    workshop: Workshop,
    store: Store,
    shard: ShardPlan,
    on_sample: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Render shard `shard` into `store` and return its stats (also written as its marker)."""
    recipe = workshop.resolved.recipe
    started = time.time()
    t0 = time.perf_counter()
    timings = Timings()
    tasks: Counter[str] = Counter()
    drops: Counter[str] = Counter()
    drop_examples: dict[str, str] = {}
    attempts = 0
    closed_early = 0
    try:
        writer = ShardWriter(store, shard.filename, recipe.image.format)
    except OSError as exc:
        raise FactoryError(f"cannot write to '{store.url}': {exc.strerror or exc}; free space or fix permissions, then re-run") from None
    try:
        for item in shard_samples(workshop, shard, timings):
            attempts += 1
            if isinstance(item, Drop):
                drops[item.reason] += 1
                drop_examples.setdefault(item.reason, f"{item.key}: {item.detail}"[:300])
                continue
            if recipe.shard.max_bytes and writer.bytes_written >= recipe.shard.max_bytes:
                # Full: the shard's remaining planned samples are not rendered at all.
                closed_early = shard.samples - writer.count
                break
            t_write = time.perf_counter()
            writer.write(item)
            timings.add("write", time.perf_counter() - t_write)
            tasks[item.task] += 1
            if on_sample:
                on_sample(1)
        if closed_early:
            drops["shard_max_bytes"] += closed_early
        nbytes, sha = writer.commit()
    except OSError as exc:
        writer.abort()
        raise FactoryError(
            f"writing {shard.filename} to '{store.url}' failed: {exc.strerror or exc}; "
            "free space or fix permissions, then re-run (complete shards are kept)"
        ) from None
    except BaseException:
        writer.abort()
        raise
    seconds = time.perf_counter() - t0
    stats = {
        "recipe_sha256": recipe_digest(workshop.resolved.to_yaml()),
        "shard": shard.filename,
        "split": shard.split,
        "index": shard.index,
        "planned": shard.samples,
        "samples": writer.count,
        "attempts": attempts,
        "bytes": nbytes,
        "sha256": sha,
        "tasks": dict(sorted(tasks.items())),
        "drops": dict(sorted(drops.items())),
        "drop_examples": drop_examples,
        "seconds": round(seconds, 3),
        "samples_per_second": round(writer.count / seconds, 3) if seconds else None,
        "stage_seconds": {k: round(v, 3) for k, v in timings.stages.items()},
        "started": started,
        "renderers": {name: ",".join(f"{k} {v}" for k, v in r.versions().items()) for name, r in workshop.renderers_in_use().items()},
    }
    if writer.count < shard.samples and shard.part is None:
        log.warning("%s holds %d of %d planned samples (drops: %s)", shard.filename, writer.count, shard.samples, dict(drops))
    store.makedirs(layout.STATS_FOLDER)
    store.write_atomic(stats_name(shard), json.dumps(stats, indent=2, sort_keys=True))
    return stats
