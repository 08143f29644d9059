"""Where a dataset is written: a local folder or any fsspec URL (s3://, gs://, memory://).

Files that must never be seen half-written (shards, stats, manifest) are written under a temporary
name and renamed into place (a link at the final name is replaced, never written through). A Store
belongs to one run (its `run` token, which every temporary name carries): clean-up removes that
run's temporaries and nobody else's.

Reads are bounded: a name of the dataset that is a device, a named pipe or a socket (or a link to
one: `/dev/zero` reports size 0 and never ends; a FIFO blocks the open) is refused without being
opened, and `read_bytes` with a limit reads at most one byte past it, whatever the size said.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import stat
from typing import IO, Any

import fsspec
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem

from factory.dataset import layout
from factory.errors import FactoryError

PARTIAL_SUFFIX = layout.TEMP_SUFFIX


class NotAFile(OSError):
    """A dataset name that is not a regular file (a device, FIFO, socket or folder): reading it
    could block forever or never end, so it is not opened."""


class TooLarge(OSError):
    """A file longer than the most the factory ever writes under its name."""


def kind_of(mode: int) -> str:
    """What a stat mode is, for a message."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def loads_json(data: bytes | str) -> Any:
    """JSON as data; ValueError (never RecursionError) for anything that is not JSON, nested
    arrays a hundred thousand deep included."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


class HashingReader:
    """A read-only stream that hashes and counts what passes through it, so a shard is read once;
    with `limit` (the size the manifest gives) it stops one byte past it, so a file that grows
    meanwhile is not read forever."""

    def __init__(self, raw: IO[bytes], limit: int | None = None):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes = 0
        self.left = None if limit is None else limit + 1

    def read(self, size: int = -1) -> bytes:
        if self.left is not None:
            size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.raw.read(size) if size else b""
        if self.left is not None:
            self.left -= len(data)
        self.sha256.update(data)
        self.bytes += len(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


class Store:
    def __init__(self, url: str, run: str | None = None):
        if not str(url).strip():
            # '' would become '/' below: verify would list the whole disk as strays
            raise FactoryError("the dataset folder is an empty path: give a folder or URL (e.g. output/charts)")
        self.url = str(url).rstrip("/") or "/"
        self.run = run or layout.new_run_token()
        try:
            self.fs, self.root = fsspec.core.url_to_fs(self.url)
        except ValueError as exc:  # fsspec: "Protocol not known: foo"
            raise FactoryError(f"'{url}': {exc}; give a folder or a URL fsspec knows (s3://, gs://, file://, memory://...)") from None
        except ImportError as exc:  # fsspec: "Install s3fs to access S3"
            raise FactoryError(f"'{url}' needs a package that is not installed: {exc}") from None
        self.local = isinstance(self.fs, LocalFileSystem)
        # memory:// lives in one process: other worker processes would write into their own copy
        self.in_process = isinstance(self.fs, MemoryFileSystem)

    def path(self, name: str) -> str:
        return posixpath.join(self.root, name)

    def makedirs(self, name: str = "") -> None:
        try:
            self.fs.makedirs(self.path(name) if name else self.root, exist_ok=True)
        except OSError as exc:
            where = self.path(name) if name else self.root
            if self.local and os.path.islink(where) and not os.path.exists(where):
                raise FactoryError(f"'{self.url}' is a link to '{os.readlink(where)}', which does not exist; "
                                   "create that folder or choose another --out") from None  # fmt: skip
            raise FactoryError(f"cannot create output folder '{self.url}': {exc.strerror or exc}; choose another --out") from None

    def exists(self, name: str) -> bool:
        # Other processes write here: never answer from a cached listing (s3fs, gcsfs keep one).
        self.fs.invalidate_cache(self.path(name))
        return self.fs.exists(self.path(name))

    def size(self, name: str) -> int:
        return int(self.fs.size(self.path(name)))

    def read_bytes(self, name: str, limit: int | None = None) -> bytes:
        """The file's bytes; with `limit`, TooLarge past it (read no further than one byte past)."""
        with self.open_read(name) as f:
            data = f.read() if limit is None else f.read(limit + 1)
        if limit is not None and len(data) > limit:
            raise TooLarge(f"over {limit:,} bytes, more than the factory writes there")
        return data

    def read_text(self, name: str) -> str:
        return self.read_bytes(name).decode("utf-8")

    def read_json(self, name: str, limit: int) -> Any:
        """A JSON file of at most `limit` bytes as data. OSError when it cannot be read (NotAFile,
        TooLarge included), ValueError when it is not JSON (too deeply nested included)."""
        return loads_json(self.read_bytes(name, limit))

    def open_read(self, name: str) -> IO[bytes]:
        """A regular file opened for reading; NotAFile (an OSError) for anything else, which is
        never opened (a FIFO would block here, a device could do anything)."""
        if not self.local:
            return self.fs.open(self.path(name), "rb")
        path = self.path(name)
        self._require_file(name, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # no wait if swapped for a FIFO meanwhile
        try:
            self._require_file(name, os.fstat(fd))
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def _require_file(self, name: str, st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            link = self.link_target(name)
            what = f"a link to {kind_of(st.st_mode)} ({link})" if link is not None else kind_of(st.st_mode)
            raise NotAFile(f"{what}, not a regular file")

    def link_target(self, name: str) -> str | None:
        """Where `name` points (printable) when it is a symbolic link on a local disk, else None."""
        if not self.local:
            return None
        try:
            return layout.printable(os.readlink(self.path(name)))
        except OSError:
            return None

    def temp_name(self, name: str) -> str:
        return layout.temp_file(name, self.run)

    def open_write(self, name: str) -> IO[bytes]:
        return self.fs.open(self.path(name), "wb")

    def commit(self, temp: str, final: str) -> None:
        """Move a finished temporary file to its final name (atomic on a local disk)."""
        if self.local:
            os.replace(self.path(temp), self.path(final))
        else:
            self.fs.mv(self.path(temp), self.path(final))

    def write_atomic(self, name: str, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        temp = self.temp_name(name)
        committed = False
        try:
            with self.open_write(temp) as f:
                f.write(data)
                if self.local:
                    f.flush()
                    os.fsync(f.fileno())
            self.commit(temp, name)
            committed = True
        except OSError as exc:
            raise FactoryError(
                f"cannot write {name} to '{self.url}': {exc.strerror or exc}; "
                "free space or fix permissions, then re-run (complete shards are kept)"
            ) from None
        finally:
            if not committed:  # failed or interrupted (Ctrl-C): leave no temporary file behind
                try:
                    self.remove(temp)
                except OSError:
                    pass  # the disk that refused the write may refuse this too; the next run removes it

    def remove(self, name: str) -> None:
        if self.exists(name):
            self.fs.rm(self.path(name))

    def list(self, folder: str = "") -> list[str]:
        """File names (relative to the store) directly in `folder`."""
        base = self.path(folder) if folder else self.root
        self.fs.invalidate_cache(base)
        if not self.fs.exists(base):
            return []
        names = []
        for entry in self.fs.ls(base, detail=False):
            rel = posixpath.relpath(str(entry).rstrip("/"), self.root.rstrip("/") or "/")
            names.append(rel)
        return sorted(names)

    def is_folder(self) -> bool:
        self.fs.invalidate_cache(self.root)
        return bool(self.fs.isdir(self.root))

    def is_file(self) -> bool:
        self.fs.invalidate_cache(self.root)
        return bool(self.fs.isfile(self.root))

    def temporaries(self) -> list[str]:
        """Every file named like a factory temporary, whichever run wrote it."""
        return [n for folder in layout.temp_folders() for n in self.list(folder) if layout.temp_owner(n.rsplit("/", 1)[-1])]

    def remove_partials(self) -> int:
        """Delete this run's temporary files (after a failed or interrupted shard); returns how many."""
        return self._remove([n for n in self.temporaries() if layout.temp_owner(n.rsplit("/", 1)[-1]) == self.run])

    def remove_stale_temporaries(self) -> int:
        """Delete the temporaries of earlier runs. Only while holding the dataset's lock or lease:
        it proves that no other run is writing them."""
        return self._remove([n for n in self.temporaries() if layout.temp_owner(n.rsplit("/", 1)[-1]) != self.run])

    def _remove(self, names: list[str]) -> int:
        removed = 0
        for name in names:
            try:
                self.fs.rm(self.path(name))
                removed += 1
            except FileNotFoundError:
                pass  # gone already (its writer committed or removed it)
        return removed
