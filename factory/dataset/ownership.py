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

Nothing is written through a link out of the dataset folder. Files are written under a temporary
name and renamed over the final one, which replaces a link there rather than writing its target.
The two things written in place are refused instead (`unsafe_entries`, before anything is
written): the lock file, written where it is, when it is a link, not a regular file, or has other
hard links (replacing it would not be safe: two runs could then each lock a different file); and
the folders `.render-factory/` and its `stats/`, written into, when either is a link or not a
folder. Files of the factory's own are read bounded (Store.read_json): a link to /dev/zero, a FIFO
or JSON nested a hundred thousand deep reads as "not ours", never as a hang, a MemoryError or a
RecursionError.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from factory.dataset import layout
from factory.dataset.storage import Store, kind_of, loads_json
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
    """A small JSON file of the factory's own, or None when it is missing, too big, not a regular
    file (a FIFO, a link to /dev/zero) or malformed (too deeply nested included)."""
    try:
        if not store.exists(name):
            return None
        return store.read_json(name, limit)
    except (OSError, ValueError):
        return None


def marker_digest(store: Store) -> str | None:
    data = read_small_json(store, layout.MARKER)
    if isinstance(data, dict) and isinstance(data.get("recipe_sha256"), str):
        return data["recipe_sha256"]
    return None


def listing(names: list[str]) -> str:
    """The first three names (printable) and how many more, for a one-line message."""
    shown = ", ".join(layout.printable(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def unsafe_entries(store: Store) -> list[str]:
    """The names a run writes in place (the lock file, the hidden folder and its stats folder) that
    are links, or not what the factory makes there: one line each (see the module docstring)."""
    if not store.local:
        return []  # object stores have no links
    problems = []
    for name, folder in ((layout.META, True), (layout.STATS_FOLDER, True), (layout.LOCK, False)):
        try:
            st = os.lstat(store.path(name))
        except OSError:
            continue  # missing (or under a META that is not a folder, reported already)
        if stat.S_ISLNK(st.st_mode):
            target = store.link_target(name) or "?"
            if folder:
                problems.append(
                    f"{name} is a symbolic link (to {target}): render-factory writes only inside the dataset folder, "
                    "never through a link; put the folder it points to in its place, or delete the link, then re-run"
                )
            else:
                problems.append(f"{name} is a symbolic link (to {target}): locking writes into it; delete the link, then re-run")
            if name == layout.META:
                break
        elif folder and not stat.S_ISDIR(st.st_mode):
            problems.append(f"{name} is {kind_of(st.st_mode)}, where render-factory keeps a folder; move it out of the dataset folder, then re-run")
            if name == layout.META:
                break
        elif not folder and not stat.S_ISREG(st.st_mode):
            problems.append(f"{name} is {kind_of(st.st_mode)}, not the lock file render-factory writes; delete it, then re-run")
        elif not folder and st.st_nlink > 1:
            problems.append(
                f"{name} has {st.st_nlink} hard links: locking writes into it, changing the same file elsewhere; "
                "delete it (its other names keep it), then re-run"
            )
    return problems


def check_output(store: Store, recipe_yaml: str) -> bool:
    """Refuse (FactoryError) unless `generate` may write into `store` for this recipe; True when
    the folder already holds (part of) this dataset. Reads only."""
    out = store.url
    if store.is_file():
        raise FactoryError(f"--out '{out}' is a file; give a folder (new, empty, or a dataset of this recipe)")
    if not store.is_folder():
        return False
    unsafe = unsafe_entries(store)
    if unsafe:
        raise FactoryError(f"'{out}': {unsafe[0]}; nothing was touched")
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
        f"'{out}' is not empty and render-factory did not make it (it holds {listing(sorted(names))}); "
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
    when = "?"
    if isinstance(info.get("started"), (int, float)):
        try:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["started"]))
        except (OverflowError, OSError, ValueError):
            pass  # a damaged lock file: its time is not shown
    return f"another render-factory run (pid {info.get('pid', '?')} on {info.get('host', '?')}, started {when})"


class _FileLock:
    """flock on the dataset's lock file: released by the kernel when this process ends."""

    def __init__(self, store: Store):
        self.store = store
        self.fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        path = self.store.path(layout.LOCK)
        unsafe = unsafe_entries(self.store)
        try:
            # O_NOFOLLOW and the checks after the open: a link or FIFO put there meanwhile is refused too
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            why = next((f"{u}; nothing was touched" for u in unsafe if u.startswith(layout.LOCK)), None)
            why = why or f"cannot create the lock file: {exc.strerror or exc}; fix permissions or choose another --out"
            raise FactoryError(f"'{self.store.url}': {why}") from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
            os.close(fd)
            why = next((u for u in unsafe_entries(self.store) if u.startswith(layout.LOCK)), f"{layout.LOCK} is not a file of its own")
            raise FactoryError(f"'{self.store.url}': {why}; nothing was touched")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                info = loads_json(os.pread(fd, MAX_SMALL_FILE, 0) or b"null")
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

        try:  # never through a link, never waiting on a FIFO: verify reports those
            fd = os.open(store.path(layout.LOCK), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                info = loads_json(os.pread(fd, MAX_SMALL_FILE, 0) or b"null")
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
