"""Where every file of a dataset lives: the one module that knows the folder's layout.

Every part that writes or reads a dataset (generate, resume, verify, the loaders, the card, the
tools) asks this module for names, so moving files (e.g. the manifest and stats out of the way of
readers that take every file in the folder) is a change here alone. Names are relative to the
dataset folder, with '/' separators.

What the factory writes there, and nothing else:
- shards `<split>-<number>.tar`;
- the fully resolved recipe, the manifest, the wids shard indexes (one for all shards, one per
  split), the dataset card;
- one stats file per shard (its completion marker);
- its marker file, written before anything else, which proves the folder was made by the factory
  and for which recipe (the recipe's sha256);
- a lock file (local folders) or a lease object (object storage): one writer per dataset;
- temporary files `<final name>.<run>-<random>.partial`, renamed to the final name when complete;
  `<run>` is the run's token, so a run can tell its own temporaries from anyone else's.
"""

from __future__ import annotations

import posixpath
import re
import secrets

SPLITS = ("train", "val", "test")
MANIFEST = "manifest.json"
RECIPE = "recipe.yaml"
CARD = "README.md"
SHARD_INDEX = "shardindex.json"
STATS_FOLDER = "stats"
MARKER = ".render-factory.json"
LOCK = ".render-factory.lock"
LEASE = ".render-factory-lease.json"
TEMP_SUFFIX = ".partial"

SHARD_NAME = re.compile(r"(train|val|test)-(\d{6})")
SHARD_FILE = re.compile(r"(train|val|test)-(\d{6})\.tar")
RUN_TOKEN = re.compile(r"[0-9a-f]{12}")
TEMP_FILE = re.compile(r"(?P<final>.+)\.(?P<run>[0-9a-f]{12})-[0-9a-f]{8}" + re.escape(TEMP_SUFFIX))


def shard_file(shard_name: str) -> str:
    """`train-000003` -> `train-000003.tar`."""
    return f"{shard_name}.tar"


def stats_file(shard_name: str) -> str:
    return f"{STATS_FOLDER}/{shard_name}.json"


def split_index(split: str) -> str:
    return f"shardindex-{split}.json"


def index_files(splits: list[str]) -> list[str]:
    return [split_index(s) for s in splits] + [SHARD_INDEX]


def index_url(index: str, shard: str) -> str:
    """A shard's URL as written in a wids index: relative to the index file's folder."""
    return posixpath.relpath(shard, posixpath.dirname(index) or ".")


def temp_folders() -> tuple[str, ...]:
    """Folders in which the factory writes temporary files."""
    return ("", STATS_FOLDER)


def new_run_token() -> str:
    return secrets.token_hex(6)


def temp_file(final: str, run: str) -> str:
    return f"{final}.{run}-{secrets.token_hex(4)}{TEMP_SUFFIX}"


def temp_owner(name: str) -> str | None:
    """The run token of a factory temporary file, or None when `name` is not one."""
    match = TEMP_FILE.fullmatch(name)
    return match.group("run") if match else None


def is_shard_file(name: str) -> bool:
    """A shard file name as the factory writes it: in the dataset folder itself, never a path."""
    return isinstance(name, str) and SHARD_FILE.fullmatch(name) is not None


def shard_name_of(filename: str) -> str:
    return filename[: -len(".tar")]


def root_of(manifest_location: str) -> str:
    """The dataset folder of a manifest given by its path or URL."""
    head, sep, _ = manifest_location.rstrip("/").rpartition("/")
    return head if sep else "."


def printable(name: str) -> str:
    """A file name fit for a one-line message: undecodable bytes and control characters escaped."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
