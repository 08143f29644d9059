"""Where every file of a dataset lives: the one module that knows the folder's layout.

Every part that writes or reads a dataset (generate, resume, verify, the loaders, the card, the
tools) asks this module for names. Names are relative to the dataset folder, with '/' separators.

Readers that take every file of a folder must see shards alone: Ray's `read_webdataset(DIR)`
opens every file whose path (relative to DIR) does not start with '.' or '_', and Hugging Face's
`load_dataset("webdataset", data_dir=DIR)` and `load_dataset(DIR)` take every file whose name
holds a split word (`stats/train-000000.json`, `shardindex-train.json`), skipping only paths
with a part that starts with '.' or '__'. So everything that is not a shard lives in the hidden
folder META (a '.' satisfies both), the card included: a `README.md` beside the shards is read by
Ray as a shard. (`render-factory export --to parquet` writes the Hub's README.md where a Hub
folder wants it.)

What the factory writes in a dataset folder, and nothing else:
- shards `<split>-<number>.tar` (split names from SPLIT_NAMES);
- in META: the fully resolved recipe, the manifest, the wids shard indexes (one for all shards,
  one per split), the dataset card, and one stats file per shard (its completion marker);
- its marker file, written before anything else, which proves the folder was made by the factory
  and for which recipe (the recipe's sha256);
- a lock file (local folders) or a lease object (object storage): one writer per dataset;
- temporary files `.<final name>.<run>-<random>.partial` (hidden), renamed to the final name when complete;
  `<run>` is the run's token, so a run can tell its own temporaries from anyone else's.
"""

from __future__ import annotations

import posixpath
import re
import secrets

# Split names a recipe may use, each one Hugging Face recognises from a file name
# (`val-000000.tar` and `validation-000000.tar` both load as its "validation" split).
SPLIT_NAMES = ("train", "validation", "val", "test")
SPLITS = SPLIT_NAMES
META = ".render-factory"
MANIFEST = f"{META}/manifest.json"
RECIPE = f"{META}/recipe.yaml"
CARD = f"{META}/README.md"
SHARD_INDEX = f"{META}/shardindex.json"
STATS_FOLDER = f"{META}/stats"
MARKER = ".render-factory.json"
LOCK = ".render-factory.lock"
LEASE = ".render-factory-lease.json"
TEMP_SUFFIX = ".partial"
# Where render-factory before 0.2 kept them, beside the shards (see `legacy_names`).
LEGACY_NAMES = ("manifest.json", "recipe.yaml", "README.md", "shardindex.json", "stats")

_SPLIT = "|".join(SPLIT_NAMES)
SHARD_NAME = re.compile(rf"({_SPLIT})-(\d{{6}})")
SHARD_FILE = re.compile(rf"({_SPLIT})-(\d{{6}})\.tar")
RUN_TOKEN = re.compile(r"[0-9a-f]{12}")
TEMP_FILE = re.compile(r"\.?(?P<final>.+)\.(?P<run>[0-9a-f]{12})-[0-9a-f]{8}" + re.escape(TEMP_SUFFIX))  # before 0.3: no leading dot


def shard_file(shard_name: str) -> str:
    """`train-000003` -> `train-000003.tar`."""
    return f"{shard_name}.tar"


def stats_file(shard_name: str) -> str:
    return f"{STATS_FOLDER}/{shard_name}.json"


def split_index(split: str) -> str:
    return f"{META}/shardindex-{split}.json"


def index_files(splits: list[str]) -> list[str]:
    return [split_index(s) for s in splits] + [SHARD_INDEX]


def index_url(index: str, shard: str) -> str:
    """A shard's URL as written in a wids index: relative to the index file's folder."""
    return posixpath.relpath(shard, posixpath.dirname(index) or ".")


def temp_folders() -> tuple[str, ...]:
    """Folders in which the factory writes temporary files."""
    return ("", META, STATS_FOLDER)


def new_run_token() -> str:
    return secrets.token_hex(6)


def temp_file(final: str, run: str) -> str:
    """`.<final name>.<run>-<random>.partial` beside the final name: hidden, so that readers that
    take the whole folder (Hugging Face's `load_dataset(folder)`, whose `train-*` pattern took a
    half-written `train-000001.tar.<token>.partial` for a shard) never see it."""
    folder, _, base = final.rpartition("/")
    name = f".{base}.{run}-{secrets.token_hex(4)}{TEMP_SUFFIX}"
    return f"{folder}/{name}" if folder else name


def temp_owner(name: str) -> str | None:
    """The run token of a factory temporary file, or None when `name` is not one."""
    match = TEMP_FILE.fullmatch(name)
    return match.group("run") if match else None


def is_shard_file(name: str) -> bool:
    """A shard file name as the factory writes it: in the dataset folder itself, never a path."""
    return isinstance(name, str) and SHARD_FILE.fullmatch(name) is not None


def shard_name_of(filename: str) -> str:
    return filename[: -len(".tar")]


def root_of(meta_file: str) -> str:
    """The dataset folder of a manifest or shard index given by its path or URL (in META, or
    beside the shards in a dataset of the old layout)."""
    head, sep, _ = meta_file.rstrip("/").rpartition("/")
    head = head if sep else "."
    folder, sep, last = head.rpartition("/")
    if last == META:
        return folder if sep else "."
    return head


def legacy_names(names: list[str]) -> list[str]:
    """The names among a folder's top-level `names` that only a dataset of the old layout holds
    there (manifest, recipe, card, indexes and stats beside the shards)."""
    return [n for n in names if n in LEGACY_NAMES or (n.startswith("shardindex-") and n.endswith(".json"))]


def legacy_message(where: str) -> str:
    return (
        f"'{where}' is a dataset of render-factory's old layout (manifest.json, stats and card beside the shards, "
        f"where Ray and Hugging Face read them as shards); this version keeps them in {META}/: "
        "generate it again into a new folder (open_dataset still reads the old one)"
    )


def is_reader_visible(name: str) -> bool:
    """Whether Ray's read_webdataset or Hugging Face's data_dir would take top-level `name` as data."""
    return not (name.startswith(".") or name.startswith("_"))


def printable(name: str) -> str:
    """A file name fit for a one-line message: undecodable bytes and control characters escaped."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
