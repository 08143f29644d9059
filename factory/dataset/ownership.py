"""Whose folder an output is, and who is writing it now.

Output safety: `generate` writes only into a new or empty folder, or a folder it made itself (its
marker file, written before anything else, carries the recipe's sha256) for this very recipe.
Anything else is refused with one line before a byte is written, so no user file is ever
overwritten or removed; so is a dataset of the old layout (manifest and stats beside the shards),
which this version would leave half in one layout, half in the other.

One writer per dataset: a local folder is locked with `flock` on its lock file, held for the
whole run and released by the kernel when the process ends however it ends (kill -9 included).
Object storage has no locks, so there the run holds a lease object instead: a small JSON file
naming the run, its host and process, and the time until which it holds the dataset. The run
renews it every LEASE_RENEW_SECONDS; a second run refuses while the lease is unexpired; a run
whose lease was taken over (it stalled past the expiry) stops before writing its manifest. Two
runs starting within the same moment both write the lease, wait LEASE_SETTLE_SECONDS, read it
back, and only the one whose lease is there goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from factory.dataset import layout
from factory.dataset.storage import Store
from factory.errors import FactoryError

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
LEASE_RENEW_SECONDS = 30.0
LEASE_SETTLE_SECONDS = 2.0
MAX_SMALL_FILE = 1 << 16  # marker, lock and lease files are a few hundred bytes
OWN_FILES = (layout.LOCK, layout.LEASE)  # may be left by a run that died before its marker


def recipe_digest(recipe_yaml: str) -> str:
    """The sha256 of the fully resolved recipe as written to the dataset."""
    return hashlib.sha256(recipe_yaml.encode("utf-8")).hexdigest()


def read_small_json(store: Store, name: str, limit: int = MAX_SMALL_FILE) -> Any | None:
    """A small JSON file of the factory's own, or None when it is missing, too big or malformed."""
    try:
        if not store.exists(name) or store.size(name) > limit:
            return None
        return json.loads(store.read_bytes(name))
    except (OSError, ValueError):
        return None


def marker_digest(store: Store) -> str | None:
    data = read_small_json(store, layout.MARKER)
    if isinstance(data, dict) and isinstance(data.get("recipe_sha256"), str):
        return data["recipe_sha256"]
    return None


def _listing(names: list[str]) -> str:
    shown = ", ".join(layout.printable(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def check_output(store: Store, recipe_yaml: str) -> bool:
    """Refuse (FactoryError) unless `generate` may write into `store` for this recipe; True when
    the folder already holds (part of) this dataset. Reads only."""
    out = store.url
    if store.is_file():
        raise FactoryError(f"--out '{out}' is a file; give a folder (new, empty, or a dataset of this recipe)")
    if not store.is_folder():
        return False
    names = [_base(n) for n in store.list()]
    # A marker still being written (its temporary) means another run is claiming the folder right
    # now: the lock, taken next, names that run instead of calling the folder someone else's.
    names = [n for n in names if n not in OWN_FILES and not (n.startswith(layout.MARKER + ".") and n.endswith(layout.TEMP_SUFFIX))]
    if not names:
        return False
    digest = recipe_digest(recipe_yaml)
    if layout.legacy_names(names) and (layout.MARKER in names or "recipe.yaml" in names):
        raise FactoryError(layout.legacy_message(out) + "; nothing was touched")
    if layout.MARKER in names:
        found = marker_digest(store)
        if found is None:
            raise FactoryError(
                f"'{out}' has a damaged {layout.MARKER} (render-factory's marker); nothing was touched: "
                "choose another --out, or delete that folder to start over"
            )
        if found == digest:
            return True
        raise _different_recipe(out)
    raise FactoryError(
        f"'{out}' is not empty and render-factory did not make it (it holds {_listing(sorted(names))}); "
        "nothing was touched: choose a new or empty folder for --out"
    )


def _base(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]


def _different_recipe(out: str) -> FactoryError:
    return FactoryError(
        f"'{out}' already holds a dataset made from a different recipe; nothing was touched: "
        "choose another --out, or delete that folder to start over"
    )


def write_marker(store: Store, digest: str) -> None:
    if marker_digest(store) != digest:
        marker = {"made_by": "render-factory", "what": f"a dataset folder; see {layout.CARD}", "recipe_sha256": digest}
        store.write_atomic(layout.MARKER, json.dumps(marker, indent=2) + "\n")


# --- one writer ----------------------------------------------------------------------------------


def _holder() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "started": round(time.time(), 3)}


def _who(info: Any) -> str:
    if not isinstance(info, dict):
        return "another render-factory run"
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["started"])) if isinstance(info.get("started"), (int, float)) else "?"
    return f"another render-factory run (pid {info.get('pid', '?')} on {info.get('host', '?')}, started {when})"


class _FileLock:
    """flock on the dataset's lock file: released by the kernel when this process ends."""

    def __init__(self, store: Store):
        self.store = store
        self.fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        path = self.store.path(layout.LOCK)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise FactoryError(f"cannot create the lock file in '{self.store.url}': {exc.strerror or exc}; fix permissions or choose another --out") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                info = json.loads(os.pread(fd, MAX_SMALL_FILE, 0) or b"null")
            except ValueError:
                info = None
            os.close(fd)
            raise FactoryError(
                f"{_who(info)} is writing to '{self.store.url}'; wait for it to finish, or choose another --out"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise FactoryError(f"cannot lock '{self.store.url}' ({exc.strerror or exc}); use a local folder or object storage for --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({**_holder(), "run": self.store.run}).encode(), 0)
        self.fd = fd

    def check(self) -> None:
        pass  # a kernel lock cannot be taken away

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the only descriptor releases the flock
            self.fd = None


class _Lease:
    """A lease object on storage without locks (object stores, memory://); see the module docstring."""

    def __init__(self, store: Store, seconds: float = LEASE_SECONDS, renew: float = LEASE_RENEW_SECONDS):
        self.store = store
        self.seconds = seconds
        self.renew_every = renew
        self.settle = 0.0 if store.in_process else LEASE_SETTLE_SECONDS
        self.lost = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._info = {**_holder(), "run": store.run}

    def _write(self) -> None:
        self.store.write_atomic(layout.LEASE, json.dumps({**self._info, "expires": time.time() + self.seconds}))

    def _current(self) -> Any:
        return read_small_json(self.store, layout.LEASE)

    def acquire(self) -> None:
        current = self._current()
        if isinstance(current, dict) and current.get("run") != self.store.run:
            expires = current.get("expires")
            if isinstance(expires, (int, float)) and expires > time.time():
                raise FactoryError(
                    f"{_who(current)} holds the lease on '{self.store.url}' for {expires - time.time():.0f} s more "
                    f"(renewed while it runs); wait for it to finish, or choose another --out "
                    f"(if that run is dead, delete {layout.LEASE} there)"
                )
        self._write()
        if self.settle:
            time.sleep(self.settle)
        current = self._current()
        if not isinstance(current, dict) or current.get("run") != self.store.run:
            raise FactoryError(f"{_who(current)} started writing to '{self.store.url}' at the same moment; choose another --out, or run again once it is done")
        self._thread = threading.Thread(target=self._keep, name="render-factory-lease", daemon=True)
        self._thread.start()

    def _keep(self) -> None:
        while not self._stop.wait(self.renew_every):
            current = self._current()
            if not isinstance(current, dict) or current.get("run") != self.store.run:
                self.lost = f"{_who(current)} took over the lease on '{self.store.url}'"
                return
            try:
                self._write()
            except FactoryError as exc:
                log.warning("could not renew the lease: %s", exc)

    def check(self) -> None:
        if self.lost:
            raise FactoryError(
                f"{self.lost} while this run was stalled past its lease; this run stops without writing a manifest: "
                "let the other run finish"
            )

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        current = self._current()
        if isinstance(current, dict) and current.get("run") == self.store.run:
            try:
                self.store.remove(layout.LEASE)
            except OSError as exc:
                log.warning("could not remove the lease %s: %s", layout.LEASE, exc)


@contextmanager
def sole_writer(store: Store) -> Iterator[_FileLock | _Lease]:
    """Hold the dataset for this run (creating its folder); refuses when another run holds it."""
    store.makedirs()
    holder: _FileLock | _Lease = _FileLock(store) if store.local else _Lease(store)
    holder.acquire()
    try:
        yield holder
    finally:
        holder.release()


def writer_active(store: Store) -> str | None:
    """Who is writing the dataset now, when someone visibly is (for verify); never writes."""
    if store.local:
        import fcntl

        try:
            fd = os.open(store.path(layout.LOCK), os.O_RDONLY)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                info = json.loads(os.pread(fd, MAX_SMALL_FILE, 0) or b"null")
            except ValueError:
                info = None
            return _who(info)
        except OSError:
            return None
        finally:
            os.close(fd)
        return None
    current = read_small_json(store, layout.LEASE)
    if isinstance(current, dict) and isinstance(current.get("expires"), (int, float)) and current["expires"] > time.time():
        return _who(current)
    return None
