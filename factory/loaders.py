"""Streaming a Render Factory dataset into a trainer, with or without torch.

`ShardDataset` reads the WebDataset shards of a dataset folder, a manifest or a list of shard
URLs and yields decoded samples: {"key", "image", "text", "meta"}. It is a torch IterableDataset
when torch is installed (so a DataLoader accepts it) and a plain iterable otherwise.

How the work is divided. Every reader of the stream is one "slot": (rank, DataLoader worker).
- Exact mode (default): the shard list is cut among the slots, so every sample is read exactly
  once per epoch across all ranks and workers. With fewer shards than slots the cut is made per
  sample instead (every slot reads all shards and keeps every n-th sample), so no worker or rank
  sits idle and nothing is read twice.
- Resampled mode: every slot draws shards with replacement from its own seeded stream and never
  runs dry, so `epoch_length` samples per rank are always delivered: the mode for multi-GPU
  training, where ranks that disagree on the number of batches hang in their collectives.

`epoch_length` counts samples per rank and is divided among that rank's DataLoader workers here,
which is exactly what webdataset's `with_epoch` on a dataset does not do (it counts per worker).

Randomness (shard order, resampling, the shuffle buffer) comes from numpy generators seeded with
(seed, epoch, rank, worker): the same arguments give the same stream. Call `set_epoch` each epoch.

No sample is lost without a word. Every sample is checked before it is yielded (all members
present, json parses, txt is UTF-8, the image's structure and checksums hold), a tar must end
where its end-of-archive says (a damaged header ends a tar early with no error from `tarfile`),
and when the manifest is known each shard must give the number of samples and the sha256 it
lists. A damaged shard raises a FactoryError (default) or, with `skip_errors=True`, its damaged
samples and the rest of it are skipped with a warning that says how many samples were lost.
Samples read before the damage showed have been yielded by then: the stream is not held back.
"""

from __future__ import annotations

import io
import json
import logging
import os
import posixpath
import tarfile
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlparse

import numpy as np
from PIL import Image
from webdataset.pytorch import IterableDataset
from webdataset.tariterators import base_plus_ext

from factory.dataset import layout
from factory.errors import FactoryError, require
from factory.meta import unpack as unpack_meta

log = logging.getLogger(__name__)

MANIFEST = layout.MANIFEST
IMAGE_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)  # what PIL raises on bad bytes
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "webp")
IMAGE_KINDS = ("pil", "numpy", "tensor", "bytes")
HTTP_TIMEOUT = 60

# --- finding and opening shards --------------------------------------------------------------


def _is_local(url: str) -> bool:
    scheme = urlparse(url).scheme
    return scheme == "" or len(scheme) == 1  # a Windows drive letter is not a scheme


def open_url(url: str) -> IO[bytes]:
    """A readable binary stream for a local path, http(s) URL, pipe: command or any fsspec URL."""
    scheme = urlparse(url).scheme
    try:
        if _is_local(url):
            return open(url, "rb")
        if scheme == "file":
            return open(urllib.request.url2pathname(urlparse(url).path), "rb")
        if scheme in ("http", "https"):
            return urllib.request.urlopen(url, timeout=HTTP_TIMEOUT)  # noqa: S310 - the user's own URL
        if scheme == "pipe":
            from webdataset.gopen import gopen

            return gopen(url, "rb")
        import fsspec

        return fsspec.open(url, "rb").open()
    except (OSError, ValueError, ImportError) as exc:
        raise FactoryError(f"cannot open '{url}': {exc}; check the path or URL (and its fsspec backend for s3://, gs://)") from None


def _join(base: str, name: str) -> str:
    if _is_local(base):
        return os.path.join(base, name)
    return base.rstrip("/") + "/" + name


def _join_relative(base: str, relative: str) -> str:
    """`relative` (which may climb with '..', as a wids index in the hidden folder does) joined to
    `base`, normalized so that the shard's URL is the one a manifest gives for it."""
    if _is_local(base):
        return os.path.normpath(os.path.join(base, relative))
    parsed = urlparse(base.rstrip("/") + "/" + relative)
    return parsed._replace(path=posixpath.normpath(parsed.path)).geturl()


def _folder_manifest(folder: str) -> str:
    """The manifest of a dataset folder: in its hidden folder, or beside the shards in a dataset of
    the old layout (still readable)."""
    current = _join(folder, layout.MANIFEST)
    if _is_local(folder):
        legacy = _join(folder, layout.LEGACY_NAMES[0])
        return legacy if not os.path.exists(current) and os.path.exists(legacy) else current
    try:
        open_url(current).close()
    except FactoryError:
        return _join(folder, layout.LEGACY_NAMES[0])
    return current


def _read_json(url: str) -> dict[str, Any]:
    """A manifest or wids index, read in bounded time and memory (a link to /dev/zero, a FIFO)."""
    from factory.dataset.storage import loads_json
    from factory.dataset.verify import MAX_MANIFEST_BYTES

    if _is_local(url) and os.path.exists(url) and not os.path.isfile(url):
        raise FactoryError(f"'{url}' is not a regular file (a folder, pipe or device); give a manifest.json written by render-factory")
    with open_url(url) as f:
        data = f.read(MAX_MANIFEST_BYTES + 1)
    if len(data) > MAX_MANIFEST_BYTES:
        raise FactoryError(f"'{url}' is over {MAX_MANIFEST_BYTES >> 20} MB, larger than any manifest; give a manifest.json written by render-factory")
    try:
        return loads_json(data)
    except ValueError as exc:  # not JSON, not UTF-8, nested too deeply
        raise FactoryError(f"'{url}' is not valid JSON ({exc}); give a manifest.json written by render-factory") from None


@dataclass(frozen=True)
class ShardFacts:
    """What the manifest (or a wids index) says a shard holds, to check it against when read."""

    samples: int
    sha256: str | None = None


@dataclass
class ShardList:
    """The shards to read, and the manifest they came from when there is one."""

    urls: list[str]
    manifest: dict[str, Any] | None = None
    samples: int | None = None  # total samples in `urls`, when the manifest tells
    facts: dict[str, ShardFacts] | None = None  # url -> what it must hold, when known


def _facts(url: str, samples: Any, sha256: Any = None) -> tuple[str, ShardFacts]:
    if type(samples) is not int or samples < 0:
        raise FactoryError(f"'{url}' is listed with a malformed sample count {samples!r}; run render-factory verify on the dataset")
    return url, ShardFacts(samples, sha256 if isinstance(sha256, str) else None)


def _expand(url: str) -> list[str]:
    import braceexpand

    return list(braceexpand.braceexpand(url)) if "{" in url else [url]


def _as_list(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def find_shards(source: Any, splits: str | Sequence[str] | None = None) -> ShardList:
    """Resolve a dataset folder, a manifest.json, a wids shard index, one shard URL (braces
    allowed) or a list of shard URLs into the shards to read."""
    wanted = _as_list(splits)
    if isinstance(source, (list, tuple)):
        urls = [u for item in source for u in _expand(os.fspath(item))]
        if not urls:
            raise FactoryError("the list of shard URLs is empty; give at least one .tar URL or a dataset folder")
        return ShardList(urls)
    if not isinstance(source, (str, os.PathLike)):
        raise FactoryError(f"cannot read a dataset from {type(source).__name__}; give a folder, a manifest.json or a list of .tar URLs")
    text = os.fspath(source)
    if ".tar" in text.rsplit("/", 1)[-1]:
        return ShardList(_expand(text))
    if text.endswith(".json"):
        manifest_url, base = text, layout.root_of(text)
    else:
        manifest_url, base = _folder_manifest(text), text
    if _is_local(manifest_url) and not os.path.exists(manifest_url):
        if os.path.exists(os.path.join(base, layout.MARKER)):  # render-factory's folder, not finished yet
            raise FactoryError(
                f"'{text}' has no {layout.MANIFEST} yet: a run is writing it, or was interrupted (the same "
                "generate command finishes it); read it once that run has written its manifest"
            )
        raise FactoryError(
            f"no {layout.MANIFEST} in '{text}': give a dataset folder written by "
            "render-factory generate, its manifest, or a list of .tar shard URLs"
        )
    data = _read_json(manifest_url)
    if not isinstance(data, dict):
        raise FactoryError(f"'{manifest_url}' is not a manifest (a JSON object); give the manifest.json of a render-factory dataset")
    if data.get("__kind__") == "wids-shard-index-v1":
        entries = data.get("shardlist")
        if not isinstance(entries, list) or not all(isinstance(s, dict) and isinstance(s.get("url"), str) for s in entries):
            raise FactoryError(f"'{manifest_url}' is a malformed wids index; run render-factory verify on the dataset")
        index_base = text.rsplit("/", 1)[0] if "/" in text else "."
        facts = dict(_facts(_join_relative(index_base, s["url"]), s.get("nsamples")) for s in entries)
        return ShardList(list(facts), None, sum(f.samples for f in facts.values()), facts)
    shards = data.get("shards")
    if not isinstance(shards, list) or not all(isinstance(s, dict) for s in shards):
        raise FactoryError(f"'{manifest_url}' has no 'shards' list; give the manifest.json of a render-factory dataset")
    for entry in shards:
        if not layout.is_shard_file(entry.get("name")):
            raise FactoryError(
                f"'{manifest_url}' lists {layout.printable(str(entry.get('name')))!r}, which is not a shard of that folder; "
                "run render-factory verify on the dataset"
            )
    if wanted is not None:
        present = sorted({str(s.get("split")) for s in shards})
        unknown = [s for s in wanted if s not in present]
        if unknown:
            raise FactoryError(f"split {unknown[0]!r} is not in '{text}'; its splits are: {', '.join(present)}")
        shards = [s for s in shards if s.get("split") in wanted]
    facts = dict(_facts(_join(base, s["name"]), s.get("samples"), s.get("sha256")) for s in shards)
    return ShardList(list(facts), data, sum(f.samples for f in facts.values()), facts)


def hf_data_files(source: Any) -> dict[str, list[str]]:
    """Split -> shard paths, ready for datasets.load_dataset("webdataset", data_files=...)."""
    shards = find_shards(source)
    if shards.manifest is None:
        return {"train": shards.urls}
    base = os.fspath(source)
    base = layout.root_of(base) if base.endswith(".json") else base
    files: dict[str, list[str]] = {}
    for entry in shards.manifest["shards"]:
        files.setdefault(entry["split"], []).append(_join(base, entry["name"]))
    return files


def hf_features(source: Any = None, image_ext: str | None = None):
    """datasets.Features for load_dataset("webdataset", ..., features=hf_features(path)).

    Pins the schema instead of letting Hugging Face infer it from the first five samples, so a
    later sample with a field those lacked still loads: `json` is a Json column (dicts as
    written; factory.meta.unpack parses their JSON-text fields), the image member an Image column.
    """
    datasets = require("datasets", "hf", "Hugging Face datasets loading")
    if not hasattr(datasets, "Json"):
        raise FactoryError(f"datasets {datasets.__version__} has no Json feature: pip install -U 'datasets>=4'")
    if image_ext is None:
        manifest = find_shards(source).manifest if source is not None else None
        image_ext = manifest["members"][0] if manifest else "png"
    return datasets.Features(
        {
            image_ext: datasets.Image(),
            "txt": datasets.Value("string"),
            "json": datasets.Json(),
            "__key__": datasets.Value("string"),
            "__url__": datasets.Value("string"),
        }
    )


# --- the sample stream ------------------------------------------------------------------------


class DamagedShard(FactoryError):
    """A shard whose bytes are not what was written: truncated, corrupted, or not a tar."""


def tar_samples(stream: IO[bytes], url: str = "") -> Iterator[dict[str, Any]]:
    """Raw samples of one tar stream: {"__key__", "__url__", ext: bytes}, members grouped by key.

    Raises DamagedShard when the tar cannot be read to its end, or when anything but zeros
    follows its end-of-archive marker (where `tarfile` silently stops at a damaged header)."""
    current: dict[str, Any] | None = None
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            for info in tar:
                if not info.isreg():
                    continue
                key, ext = base_plus_ext(info.name)
                if key is None:
                    continue
                handle = tar.extractfile(info)
                data = handle.read() if handle is not None else b""
                if current is None or current["__key__"] != key:
                    if current is not None:
                        yield current
                    current = {"__key__": key, "__url__": url}
                current[ext.lower()] = data
                tar.members = []  # a streaming read: keep no member list
            while block := tar.fileobj.read(1 << 16):
                if block.count(0) != len(block):
                    raise DamagedShard("data after the point where the tar ends: a damaged header ended it early")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise DamagedShard(" ".join(str(exc).split())[:200] or type(exc).__name__) from None
    if current is not None:
        yield current


def sample_problem(raw: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """("", metadata) for a sample that will decode, else (what is wrong, None). Cheap: the image's
    structure and checksums are checked (PIL's verify), not its pixels decoded."""
    missing = [m for m in ("txt", "json") if m not in raw]
    if not any(ext in raw for ext in IMAGE_EXTENSIONS):
        missing.insert(0, "image")
    if missing:
        return f"member(s) {', '.join(missing)} missing", None
    try:
        meta = json.loads(raw["json"])
    except (ValueError, UnicodeDecodeError):
        return "json member is not valid JSON", None
    if not isinstance(meta, dict):
        return "json member is not an object", None
    try:
        raw["txt"].decode("utf-8")
    except UnicodeDecodeError:
        return "txt member is not UTF-8", None
    try:
        with Image.open(io.BytesIO(raw[image_member(raw)])) as image:
            image.verify()
    except IMAGE_ERRORS as exc:
        return f"image member is damaged ({' '.join(str(exc).split())[:80] or type(exc).__name__})", None
    return "", meta


def image_member(raw: dict[str, Any]) -> str:
    for ext in IMAGE_EXTENSIONS:
        if ext in raw:
            return ext
    raise FactoryError(f"sample {raw.get('__key__')} in {raw.get('__url__')} has no image member (png, jpg or webp)")


def decode_image(data: bytes, kind: str = "pil", mode: str | None = "RGB") -> Any:
    """Encoded image bytes as PIL, HWC uint8 numpy, CHW uint8 torch tensor, or untouched bytes."""
    if kind == "bytes":
        return data
    image = Image.open(io.BytesIO(data))
    image.load()
    if mode is not None and image.mode != mode:
        image = image.convert(mode)
    if kind == "pil":
        return image
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if kind == "numpy":
        return array
    torch = require("torch", "torch", "image='tensor'")
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def decode_sample(raw: dict[str, Any], image: str = "pil", image_mode: str | None = "RGB", meta: dict | None = None) -> dict[str, Any]:
    """A raw webdataset sample -> {"key", "image", "text", "meta"}, meta's JSON-text fields unpacked."""
    if meta is None:
        meta = json.loads(raw["json"])
    return {
        "key": raw["__key__"],
        "image": decode_image(raw[image_member(raw)], image, image_mode),
        "text": raw["txt"].decode("utf-8"),
        "meta": unpack_meta(meta),
    }


def worker_slot() -> tuple[int, int]:
    """(DataLoader worker id, number of workers); (0, 1) outside a DataLoader or without torch."""
    try:
        from torch.utils.data import get_worker_info
    except ImportError:
        return 0, 1
    info = get_worker_info()
    return (info.id, info.num_workers) if info is not None else (0, 1)


def node_slot(rank: int | None = None, world_size: int | None = None) -> tuple[int, int]:
    """(rank, world size): explicit arguments, else torch.distributed when initialized, else the
    RANK / WORLD_SIZE environment variables that torchrun sets, else (0, 1)."""
    if rank is not None or world_size is not None:
        if rank is None or world_size is None:
            raise FactoryError("give both rank and world_size, or neither (they are then read from torch.distributed)")
        if world_size < 1 or not 0 <= rank < world_size:
            raise FactoryError(f"rank must be in [0, world_size), got rank={rank}, world_size={world_size}")
        return rank, world_size
    try:
        import torch.distributed as dist
    except ImportError:
        dist = None
    if dist is not None and dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    return 0, 1


def split_count(total: int, parts: int, index: int) -> int:
    """The share of `total` that part `index` of `parts` gets; shares differ by at most one."""
    return total // parts + (1 if index < total % parts else 0)


def rng_for(*parts: int) -> np.random.Generator:
    return np.random.default_rng([int(p) for p in parts])


class ShuffleBuffer:
    """Reservoir shuffle: keeps `size` items and emits a random one as each new item arrives."""

    def __init__(self, size: int, rng: np.random.Generator):
        self.size = size
        self.rng = rng
        self.items: list[Any] = []

    def __call__(self, items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            self.items.append(item)
            if len(self.items) >= self.size:
                yield self._pick()
        while self.items:
            yield self._pick()

    def _pick(self) -> Any:
        i = int(self.rng.integers(len(self.items)))
        self.items[i], self.items[-1] = self.items[-1], self.items[i]
        return self.items.pop()


_SHARD_ORDER, _RESAMPLE, _SHUFFLE = 1, 2, 3  # separate random streams for separate purposes


class ShardDataset(IterableDataset):
    """Decoded samples from Render Factory shards; see the module docstring for how work is split.

    source: dataset folder (local or fsspec URL), manifest.json, shardindex.json, a shard URL
        (braces allowed: "data/train-{000000..000009}.tar") or a list of shard URLs.
    split / tasks: keep only these splits / tasks (names or lists of names).
    shuffle: shuffle buffer size in samples; > 0 also shuffles the shard order each epoch.
    resampled: draw shards with replacement forever; needs epoch_length.
    epoch_length: samples per rank per epoch (divided among DataLoader workers here).
    rank / world_size: this process's place among the training processes; by default from
        torch.distributed (construct the dataset after init_process_group) or RANK/WORLD_SIZE.
    image: "pil", "numpy" (HWC uint8), "tensor" (CHW uint8, needs torch) or "bytes" (undecoded).
    transform: called on every decoded sample dict; returns the sample to yield.
    skip_errors: skip a damaged sample or the damaged rest of a shard with a warning that counts
        the samples lost, instead of raising FactoryError.
    """

    def __init__(
        self,
        source: Any,
        *,
        split: str | Sequence[str] | None = None,
        tasks: str | Sequence[str] | None = None,
        shuffle: int = 0,
        seed: int = 0,
        resampled: bool = False,
        epoch_length: int | None = None,
        rank: int | None = None,
        world_size: int | None = None,
        image: str = "pil",
        image_mode: str | None = "RGB",
        transform: Callable[[dict[str, Any]], Any] | None = None,
        skip_errors: bool = False,
    ):
        super().__init__()
        if image not in IMAGE_KINDS:
            raise FactoryError(f"image={image!r} is not known; use one of {', '.join(IMAGE_KINDS)}")
        if image == "tensor":
            require("torch", "torch", "image='tensor'")
        for name, value, least in (("shuffle", shuffle, 0), ("seed", seed, 0), ("epoch_length", epoch_length, 1)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise FactoryError(f"{name} must be a whole number, got {value!r}")
        if epoch_length is not None and epoch_length < 1:
            raise FactoryError(f"epoch_length must be a positive number of samples, got {epoch_length}")
        for name, value in (("split", split), ("tasks", tasks)):
            if value is not None and not _as_list(value):
                raise FactoryError(f"{name}={value!r} names nothing; leave it out to read every {name.rstrip('s')}")
        if resampled and not epoch_length:
            raise FactoryError("resampled=True never ends by itself: also give epoch_length (samples per rank per epoch)")
        if shuffle < 0:
            raise FactoryError(f"shuffle is a buffer size in samples (0 = off), got {shuffle}")
        shards = find_shards(source, split)
        self.urls = shards.urls
        self.manifest = shards.manifest
        self.facts = shards.facts or {}
        self.splits = _as_list(split)
        self.tasks = _as_list(tasks)
        if self.tasks is not None and self.manifest is not None:
            known = self.manifest.get("tasks", [])
            unknown = [t for t in self.tasks if t not in known]
            if unknown:
                raise FactoryError(f"task {unknown[0]!r} is not in this dataset; its tasks are: {', '.join(known)}")
        self.shuffle = shuffle
        self.seed = seed
        self.resampled = resampled
        self.epoch_length = epoch_length
        self.rank, self.world_size = node_slot(rank, world_size)
        self.image = image
        if image_mode is not None and image_mode not in Image.MODES:  # else every sample would fail to decode
            raise FactoryError(f"image_mode {image_mode!r} is not a PIL mode; use one of {', '.join(Image.MODES)}, or None to keep each image's own")
        self.image_mode = image_mode
        self.transform = transform
        self.skip_errors = skip_errors
        self.epoch = 0
        self.total_samples = self._count_samples(shards)
        if self.total_samples == 0 and self.manifest is not None and (self.tasks or self.splits):
            by = self.manifest.get("samples", {}).get("by_split_and_task", {})
            held = "; ".join(f"{s}: {', '.join(sorted(t))}" for s, t in sorted(by.items())) or "nothing"
            raise FactoryError(f"no sample is in split {self.splits or 'any'} and tasks {self.tasks or 'any'}; this dataset holds {held}")
        if not resampled and len(self.urls) < self.world_size:
            log.info("%d shard(s) for %d ranks: splitting by sample instead of by shard", len(self.urls), self.world_size)

    def _count_samples(self, shards: ShardList) -> int | None:
        """Samples selected by split and task, when the manifest knows (None otherwise)."""
        if self.manifest is None:
            return shards.samples if self.tasks is None and self.splits is None else None
        if self.tasks is None:
            return shards.samples
        by = self.manifest.get("samples", {}).get("by_split_and_task", {})
        splits = self.splits or list(by)
        return sum(by.get(s, {}).get(t, 0) for s in splits for t in self.tasks)

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose shard order and shuffle to use (like DistributedSampler.set_epoch)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        """Samples per epoch for this rank: epoch_length, or the whole selection on a single rank."""
        if self.epoch_length is not None:
            return self.epoch_length
        if self.total_samples is None:
            raise TypeError("the length is unknown without a manifest; give epoch_length or a dataset folder")
        if self.world_size > 1:
            raise TypeError("a rank's share of whole shards is not known in advance; give epoch_length")
        return self.total_samples

    # -- iteration --

    def __iter__(self) -> Iterator[Any]:
        worker, workers = worker_slot()
        slot, slots = self.rank * workers + worker, self.world_size * workers
        if self.epoch_length is None:
            stream = self._one_pass(self.epoch, slot, slots, worker, workers)
            yield from self._finish(stream, worker)
            return
        want = split_count(self.epoch_length, workers, worker)
        if want == 0:
            return
        yield from self._finish(self._endless(slot, slots, worker, workers), worker, limit=want)

    def _finish(self, items: Iterator[tuple[dict[str, Any], dict[str, Any]]], worker: int, limit: int | None = None) -> Iterator[Any]:
        """Shuffle, decode and transform selected samples, stopping after `limit` of them."""
        kept = items
        if self.shuffle > 1:
            kept = ShuffleBuffer(self.shuffle, rng_for(self.seed, self.epoch, _SHUFFLE, self.rank, worker))(kept)
        count = 0
        for raw, meta in kept:
            try:
                sample = decode_sample(raw, self.image, self.image_mode, meta)
            except (*IMAGE_ERRORS, UnicodeDecodeError) as exc:
                why = f"sample {raw['__key__']} in '{raw['__url__']}' does not decode ({' '.join(str(exc).split())[:120]})"
                if not self.skip_errors:
                    raise FactoryError(f"{why}; run render-factory verify on the dataset, or pass skip_errors=True") from None
                log.warning("%s; skipped: 1 sample lost", why)
                continue
            if self.transform is not None:
                sample = self.transform(sample)
            yield sample
            count += 1
            if limit is not None and count >= limit:
                return

    def _selected(self, url: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(raw sample, its metadata) for the samples of shard `url` in the chosen splits and tasks."""
        for raw, meta in self._read(url):
            if self.tasks is not None and meta.get("task") not in self.tasks:
                continue
            if self.splits is not None and meta.get("split") not in self.splits:
                continue
            yield raw, meta

    def _one_pass(self, epoch: int, slot: int, slots: int, worker: int, workers: int) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Every sample of this slot's share, once, in this epoch's shard order."""
        urls = list(self.urls)
        if self.shuffle > 0:
            order = rng_for(self.seed, epoch, _SHARD_ORDER).permutation(len(urls))
            urls = [urls[i] for i in order]
        if len(urls) >= slots:
            for url in urls[slot::slots]:
                yield from self._selected(url)
            return
        if workers > 1 and slot == self.rank * workers:
            log.info("%d shard(s) for %d readers: every reader reads all shards and keeps every %d-th sample", len(urls), slots, slots)
        if len(urls) >= self.world_size:
            # Whole shards per rank, then per sample among this rank's workers.
            mine, slot, slots = urls[self.rank :: self.world_size], worker, workers
        else:
            mine = urls
        index = 0
        for url in mine:
            for item in self._selected(url):
                if index % slots == slot:
                    yield item
                index += 1

    def _endless(self, slot: int, slots: int, worker: int, workers: int) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Selected samples without end: resampled shards, or repeated passes over this slot's share."""
        empty_run = 0
        if self.resampled:
            rng = rng_for(self.seed, self.epoch, _RESAMPLE, self.rank, worker)
            while True:
                got = 0
                for item in self._selected(self.urls[int(rng.integers(len(self.urls)))]):
                    got += 1
                    yield item
                empty_run = 0 if got else empty_run + 1
                if empty_run > 10 + 4 * len(self.urls):
                    raise FactoryError("the shards hold no samples of the chosen splits and tasks; check the selection or run render-factory verify")
        repeat = 0
        while True:
            got = 0
            for item in self._one_pass(self.epoch * 1_000_003 + repeat, slot, slots, worker, workers):
                got += 1
                yield item
            if not got:
                raise FactoryError(
                    f"reader {slot} of {slots} got no samples to fill epoch_length; use resampled=True or fewer workers"
                )
            repeat += 1

    def _read(self, url: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(raw sample, its metadata) for every sound sample of shard `url`; damage is raised or,
        with skip_errors, skipped and counted (see the module docstring)."""
        from factory.dataset.storage import HashingReader  # fsspec, imported on first read only

        expected = self.facts.get(url)
        good = 0
        damage: list[str] = []
        hasher = None
        try:
            with open_url(url) as raw_stream:
                stream = hasher = HashingReader(raw_stream) if expected is not None and expected.sha256 else None
                for raw in tar_samples(stream or raw_stream, url):
                    problem, meta = sample_problem(raw)
                    if meta is None:
                        damage.append(f"sample {raw['__key__']}: {problem}")
                        if not self.skip_errors:
                            break
                        continue
                    good += 1
                    yield raw, meta
                if hasher is not None and not damage:
                    hasher.drain()
        except FactoryError as exc:  # DamagedShard, or a shard that cannot be opened
            damage.append(str(exc))
        late = False  # damage only the whole shard's hash shows, after its samples went out
        if expected is not None and not damage:
            if good != expected.samples:
                damage.append(f"{good} samples where the manifest lists {expected.samples}")
            elif hasher is not None and hasher.sha256.hexdigest() != expected.sha256:
                damage.append("its bytes differ from the manifest's sha256")
                late = True
        if not damage:
            return
        lost = f"{expected.samples - good} of {expected.samples}" if expected is not None else f"{len(damage)} or more"
        message = f"shard '{url}' is damaged ({damage[0]}"
        message += f"; and {len(damage) - 1} more problem(s))" if len(damage) > 1 else ")"
        if late:
            read = f"its {good} samples were read before the hash at its end showed it, and any of them may be damaged"
            if not self.skip_errors:
                raise FactoryError(f"{message}: {read}; run render-factory verify on the dataset")
            log.warning("%s: %s; run render-factory verify on the dataset", message, read)
            return
        if not self.skip_errors:
            raise FactoryError(f"{message}: {good} sound samples read before it; run render-factory verify on the dataset, or pass skip_errors=True to skip damage")
        log.warning("%s: skipped, %s samples lost", message, lost)


def open_dataset(source: Any, **options: Any) -> ShardDataset:
    """ShardDataset(source, **options): the loader's front door."""
    return ShardDataset(source, **options)


# --- Donut ---------------------------------------------------------------------------------------


def donut_tokens(fields: Any, sort_keys: bool = False, start: str = "", end: str = "") -> str:
    """A document's JSON target in Donut's token form, as Donut's own `json2token` writes it.

    `fields` is the `document_to_json` target (a JSON string or the parsed object, e.g.
    `sample["text"]` or `meta["targets"]["fields"]`). A dict becomes `<s_key>value</s_key>` per
    key, a list its items joined by `<sep/>`, nested as deep as the fields go; a dict holding only
    `text_sequence` becomes its value. Keys keep the target's (schema) order unless
    `sort_keys=True`, which sorts them in reverse like Donut's default. Booleans (form
    checkboxes) are written `true`/`false`. `start`/`end` wrap the sequence, e.g.
    `start="<s_invoice>", end="</s>"` for a task start token and the tokenizer's end token.
    The tokens to add to a tokenizer are `donut_special_tokens(fields)`.

        >>> donut_tokens({"total": "$12.00", "items": [{"name": "Tea"}, {"name": "Milk"}]})
        '<s_total>$12.00</s_total><s_items><s_name>Tea</s_name><sep/><s_name>Milk</s_name></s_items>'
    """
    if isinstance(fields, (str, bytes)):
        fields = json.loads(fields)
    return start + _json2token(fields, sort_keys) + end


def _json2token(obj: Any, sort_keys: bool) -> str:
    if isinstance(obj, dict):
        if len(obj) == 1 and "text_sequence" in obj:
            return str(obj["text_sequence"])
        keys = sorted(obj, reverse=True) if sort_keys else list(obj)
        return "".join(f"<s_{k}>{_json2token(obj[k], sort_keys)}</s_{k}>" for k in keys)
    if isinstance(obj, list):
        return "<sep/>".join(_json2token(item, sort_keys) for item in obj)
    if isinstance(obj, bool):
        return "true" if obj else "false"
    return str(obj)


def donut_special_tokens(fields: Any) -> list[str]:
    """The `<s_key>`/`</s_key>` tokens (and `<sep/>`) a Donut tokenizer needs for these fields, sorted."""
    if isinstance(fields, (str, bytes)):
        fields = json.loads(fields)
    found: set[str] = set()

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                found.update((f"<s_{key}>", f"</s_{key}>"))
                walk(value)
        elif isinstance(obj, list):
            found.add("<sep/>")
            for item in obj:
                walk(item)

    walk(fields)
    return sorted(found)


# --- clean twins of degraded samples -------------------------------------------------------------


class CleanTwins:
    """Undegraded images of a dataset's degraded samples, rendered again from their sources.

    A recipe with `augment: {keep_clean: true}` records each sample's undegraded image as the
    sha256 of its RGB pixels (`json.augmentation.degradation.clean_sha256`) instead of storing it.
    This renders that image again from the sample's seed with the dataset's own recipe (the
    `recipe.yaml` beside its shards), through the same generator, renderer and task code as the
    run, and checks it against the hash. Needs the same installed versions as the run (the
    manifest lists them) and, for pages and tables, a browser. Use as a context manager: it keeps
    its renderers (and browser) open between calls.
    """

    def __init__(self, dataset: str | os.PathLike):
        import yaml

        from factory.dataset.manifest import RECIPE
        from factory.recipe import recipe_from_dict
        from factory.samples import Workshop

        base = os.fspath(dataset)
        base = layout.root_of(base) if base.endswith(".json") else base
        url = _join(base, RECIPE)
        with open_url(url) as f:
            data = yaml.safe_load(f.read())
        if not isinstance(data, dict):
            raise FactoryError(f"'{url}' is not a recipe; give the folder of a dataset written by render-factory generate")
        resolved = recipe_from_dict(data, where=url)
        if resolved.recipe.augment is not None:
            resolved.recipe.augment = None  # the clean path never degrades
        self._workshop = Workshop(resolved)

    def image(self, meta: dict[str, Any]) -> Image.Image:
        """The clean image of the sample whose json is `meta` (raw or unpacked)."""
        from factory.augment.stage import pixel_sha256
        from factory.errors import Dropped
        from factory.samples import clean_sample

        meta = unpack_meta(meta)
        try:
            clean = clean_sample(self._workshop, int(meta["seed"]), str(meta.get("split", "train")))
        except Dropped as drop:
            raise FactoryError(f"sample {meta.get('key')} could not be rendered again ({drop}); were other versions installed?") from None
        image = clean.image
        record = (meta.get("augmentation") or {}).get("degradation") or {}
        expected = record.get("clean_sha256")
        if expected and pixel_sha256(image) != expected:
            raise FactoryError(
                f"the clean image of sample {meta.get('key')} rendered again differs from the one the run recorded; "
                "install the versions listed in the dataset's manifest.json"
            )
        return image

    def close(self) -> None:
        self._workshop.close()

    def __enter__(self) -> "CleanTwins":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def clean_image(dataset: str | os.PathLike, meta: dict[str, Any]) -> Image.Image:
    """One sample's undegraded image (see CleanTwins; for many samples keep a CleanTwins open)."""
    with CleanTwins(dataset) as twins:
        return twins.image(meta)
