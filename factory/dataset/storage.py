"""Where a dataset is written: a local folder or any fsspec URL (s3://, gs://, memory://).

Files that must never be seen half-written (shards, stats, manifest) are written under a temporary
name and renamed into place. A Store belongs to one run (its `run` token, which every temporary
name carries): clean-up removes that run's temporaries and nobody else's.
"""

from __future__ import annotations

import os
import posixpath
from typing import IO

import fsspec
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem

from factory.dataset import layout
from factory.errors import FactoryError

PARTIAL_SUFFIX = layout.TEMP_SUFFIX


class Store:
    def __init__(self, url: str, run: str | None = None):
        self.url = str(url).rstrip("/") or "/"
        self.run = run or layout.new_run_token()
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        self.local = isinstance(self.fs, LocalFileSystem)
        # memory:// lives in one process: other worker processes would write into their own copy
        self.in_process = isinstance(self.fs, MemoryFileSystem)

    def path(self, name: str) -> str:
        return posixpath.join(self.root, name)

    def makedirs(self, name: str = "") -> None:
        try:
            self.fs.makedirs(self.path(name) if name else self.root, exist_ok=True)
        except OSError as exc:
            raise FactoryError(f"cannot create output folder '{self.url}': {exc.strerror or exc}; choose another --out") from None

    def exists(self, name: str) -> bool:
        # Other processes write here: never answer from a cached listing (s3fs, gcsfs keep one).
        self.fs.invalidate_cache(self.path(name))
        return self.fs.exists(self.path(name))

    def size(self, name: str) -> int:
        return int(self.fs.size(self.path(name)))

    def read_bytes(self, name: str) -> bytes:
        return self.fs.cat_file(self.path(name))

    def read_text(self, name: str) -> str:
        return self.read_bytes(name).decode("utf-8")

    def open_read(self, name: str) -> IO[bytes]:
        return self.fs.open(self.path(name), "rb")

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
