"""Where a tool that reads a dataset may write, checked before any work; files written whole or not at all.

Preview, report, audit, score, decontaminate, export and render-chart write pages, summaries and
copies beside what they read. A path that is one of their inputs (the predictions, a benchmark
file), lies inside the dataset (a shard, the manifest), is a folder, is named by two options, or
is a file render-factory did not write (a mistyped `--out notes.txt`) would lose data the user
already has, so it is refused up front with the option that named it, before minutes of work. A
file is written to a temporary name beside it and renamed over the old one, so a write that fails
(a full disk, an unencodable character) leaves the old file as it was.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import tempfile
import zlib
from pathlib import Path
from typing import Any

from factory.errors import FactoryError

log = logging.getLogger(__name__)


def local_path(location: str | Path) -> Path | None:
    """A dataset or input location as a local path, or None for a remote URL (s3://, gs://, ...)."""
    text = str(location)
    if text.startswith("file://"):
        return Path(text[len("file://") :])
    if "://" in text:
        return None
    return Path(text)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def is_inside(path: str | Path, folder: str | Path) -> bool:
    """Whether local `path` is `folder` or lies under it (symlinks resolved); never for remote URLs."""
    local, root = local_path(path), local_path(folder)
    return local is not None and root is not None and _inside(local.resolve(), root.resolve())


def check_outputs(
    outputs: dict[str, str | Path | None],
    inputs: dict[str, str | Path | None] | None = None,
    read_only_folders: dict[str, str | Path | None] | None = None,
) -> dict[str, Path]:
    """Each output file (option -> path) checked against the rest; returns option -> Path.

    `inputs` are files the command reads (label -> path), `read_only_folders` folders it must not
    write into (label -> folder: the dataset, a benchmark folder). Raises a one-line FactoryError
    naming the option and what to do; nothing has been written then.
    """
    checked: dict[str, Path] = {}
    seen: dict[Path, str] = {}
    for option, given in outputs.items():
        if given is None:
            continue
        path = Path(given)
        real = path.resolve()
        if path.is_dir():
            raise FactoryError(f"{option} '{given}' is a folder; give the path of a file to write (in it or elsewhere)")
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):
            raise FactoryError(f"{option} '{given}' is not a regular file (a device, pipe or socket); give a file path")
        for label, source in (inputs or {}).items():
            if source is None:
                continue
            local = local_path(source)
            if local is not None and local.exists() and local.resolve() == real:
                raise FactoryError(f"{option} '{given}' is the {label} this command reads; give another path (nothing was written)")
        for label, folder in (read_only_folders or {}).items():
            local = local_path(folder) if folder is not None else None
            if local is not None and local.is_dir() and _inside(real, local.resolve()):
                raise FactoryError(f"{option} '{given}' is inside the {label} '{folder}', which this command only reads; write outside it")
        if path.exists() and not written_by_us(path):
            raise FactoryError(f"{option} '{given}' exists and render-factory did not write it; give a new path, "
                               "or remove that file first (nothing was written)")
        if real in seen:
            raise FactoryError(f"{seen[real]} and {option} both name '{given}'; give each its own path")
        seen[real] = option
        _check_parent(option, given, path)
        checked[option] = path
    return checked


PAGE_MARK = b"<meta name=\"generator\" content=\"render-factory\">"
_OLD_PAGE_MARK = b"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
_PNG = b"\x89PNG\r\n\x1a\n"
_PNG_MARK = b"Software\x00render-factory"
_SUMMARY = re.compile(rb'^\{\s*"dataset":')  # every JSON summary a tool writes starts so
_ROW = re.compile(rb'^\{"key": ".*", "task": ')  # score's --per-sample rows
_KEYS = re.compile(rb"^(?:[^\s/]+_\d+\n)*$")  # decontaminate's offending keys, one a line


def written_by_us(path: Path) -> bool:
    """Whether an existing file is one of the tools' own outputs (a page, summary, rows, keys or
    chart), recognised by its first bytes; an empty file holds nothing to lose."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    if not head.strip():
        return True
    if head.startswith(b"<!DOCTYPE html>"):
        return PAGE_MARK in head[:2048] or _OLD_PAGE_MARK in head[:2048]
    if head.startswith(_PNG):
        return _PNG_MARK in head[:4096]
    first_line = head.split(b"\n", 1)[0]
    return bool(_SUMMARY.match(head) or _ROW.match(first_line) or (len(head) < 65536 and _KEYS.match(head)))


def mark_png(data: bytes) -> bytes:
    """A PNG with a tEXt chunk (Software: render-factory) after its header, pixels untouched, so
    a later run knows the file is its own and may replace it."""
    if not data.startswith(_PNG) or _PNG_MARK in data[:4096]:
        return data
    header_end = 8 + 8 + int.from_bytes(data[8:12], "big") + 4  # signature, IHDR length+type, data, CRC
    chunk = b"tEXt" + _PNG_MARK
    return data[:header_end] + len(_PNG_MARK).to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big") + data[header_end:]


def check_output_folder(option: str, given: str | Path, read_only_folders: dict[str, str | Path | None]) -> None:
    """A folder a command fills (export, a clean copy) must not be inside, or hold, what it reads."""
    local = local_path(given)
    if local is None:
        return
    real = local.resolve()
    for label, folder in read_only_folders.items():
        source = local_path(folder) if folder is not None else None
        if source is None or not source.exists():
            continue
        source = source.resolve()
        if real == source:
            raise FactoryError(f"{option} '{given}' is the {label} itself, which this command only reads; choose a new folder")
        if _inside(real, source):
            raise FactoryError(f"{option} '{given}' is inside the {label} '{folder}', which this command only reads; choose a new folder outside it")
        if _inside(source, real):
            raise FactoryError(f"{option} '{given}' holds the {label} '{folder}'; choose a new folder outside it")


def _check_parent(option: str, given: str | Path, path: Path) -> None:
    """The nearest existing folder above `path` must be a folder this process can write in."""
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise FactoryError(f"{option} '{given}': '{parent}' is a file, not a folder; give a path in a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise FactoryError(f"{option} '{given}': cannot write in '{parent}' (permission denied or read-only); give another path")


def write_file(path: str | Path, data: str | bytes, what: str) -> Path:
    """Write `data` to `path` whole: a temporary file beside it, then renamed over it.

    Text is UTF-8; a character UTF-8 cannot hold (a lone surrogate from a JSON escape in a
    prediction) is written as its backslash escape, which in a JSON string is that same escape.
    """
    path = Path(path)
    payload = data.encode("utf-8", errors="backslashreplace") if isinstance(data, str) else mark_png(data)
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(temp, 0o666 & ~_umask())  # as open() would create it
        os.replace(temp, path)
        temp = None
    except OSError as exc:
        raise FactoryError(f"cannot write the {what} to '{path}': {exc.strerror or exc}; choose another path") from None
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_filled_folder(target: Any, existed: bool) -> None:
    """After a failed export or clean copy: remove what it wrote (the folder was new or empty, so
    all of it is ours), and the folder itself when it made it."""
    try:
        for name in target.list():
            target.fs.rm(target.path(name), recursive=True)
        if not existed:
            target.fs.rmdir(target.root)
    except OSError as exc:
        log.warning("could not remove what a failed command wrote in %s: %s", target.url, exc)
