"""Reading a corpus: where its records are, how to cut it into shards, and one shard's records.

Kinds (`format`, found from the source when `auto`):
- `html`: a folder of `.html`/`.htm`/`.xhtml` pages (or one page); every other file in the folder
  is an asset the pages may use. Records are the pages, in path order (component by component,
  hidden files and folders skipped).
- `warc`: `.warc` / `.warc.gz` files; records are `response` records whose HTTP status is 2xx and
  whose Content-Type is HTML, in file order.
- `jsonl`: `.jsonl` / `.ndjson` (optionally `.gz`) files, one JSON object a line.
- `parquet`: `.parquet` / `.pq` files, one row a record.
- `hf`: a Hugging Face dataset written with `save_to_disk` (a folder with `state.json`, or a
  `DatasetDict` folder with `dataset_dict.json` and one folder per split); read with pyarrow,
  without `datasets`.
A folder of container files is read in path order. Sources are local paths or fsspec URLs
(`s3://...`, `gs://...`, `file://...`); a URL with `*` or `?` is a glob.

Planning never holds the corpus: a container file is a unit whose record count comes from its
metadata (Parquet footers, Arrow batch headers), from counting lines (plain JSONL up to
COUNT_BYTES; larger ones estimated from windows spread through the file) or is estimated from
its first MiB (WARC, `.jsonl.gz`: records per byte); a folder of pages is one unit counted by walking it. Shards are record
ranges of a unit, turned into what a worker can seek to (`RecordSlice`): row ranges, byte
ranges (plain JSONL, WARC files compressed record by record: a record belongs to the range its
first byte is in), or the first and last page path of a folder range (the worker walks only
the folders that range touches). Files that cannot be split (`.jsonl.gz`, a WARC gzipped as one
stream) are read from their start, skipping the rows before the range.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from factory.errors import FactoryError
from factory.plan import RecordSlice

log = logging.getLogger(__name__)

FORMATS = ("auto", "html", "warc", "jsonl", "parquet", "hf")
EXTENSIONS = {
    "html": (".html", ".htm", ".xhtml"),
    "warc": (".warc", ".warc.gz"),
    "jsonl": (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"),
    "parquet": (".parquet", ".pq"),
}
HTML_COLUMNS = ("html", "text", "content", "raw_html", "page")
URL_COLUMNS = ("url", "uri", "link", "source_url", "page_url")
LICENSE_COLUMNS = ("license", "licence", "license_name", "licence_name")
HEAD_BYTES = 1 << 20  # bytes read from a file's start to estimate its records
SCAN_BLOCK = 1 << 20
COUNT_BYTES = 256 << 20  # plain JSONL files up to this size are counted line by line when planned
COUNT_WINDOWS = 16  # larger ones: records per byte from this many 1 MiB windows spread through the file


def _clean(text: str, limit: int = 200) -> str:
    """`text` safe for one terminal line: control and non-ASCII characters escaped (a damaged
    file's bytes end up in error messages), cut to `limit` characters."""
    out = text.encode("ascii", "backslashreplace").decode("ascii")
    out = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in out)
    return out if len(out) <= limit else out[: limit - 3] + "..."


def _arrow_damage() -> tuple[type[BaseException], ...]:
    """What reading a damaged Parquet or Arrow file raises (ArrowInvalid is a ValueError)."""
    import pyarrow as pa

    return (pa.ArrowException, OSError, ValueError, EOFError)


def _damage() -> tuple[type[BaseException], ...]:
    """What reading a damaged WARC raises: warcio's own error, zlib's, a short read, bad numbers."""
    from warcio.exceptions import ArchiveLoadFailed

    return (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError)


@dataclass
class Record:
    """One page of the corpus as read: raw bytes (or text) and where it came from."""

    html: bytes | str
    provenance: dict[str, Any]
    charset: str | None = None  # the transport's charset (WARC HTTP header), if any
    page_rel: str | None = None  # a folder corpus: the page's path, so its local files can be served
    url: str | None = None
    error: str = ""  # why the record cannot be used (counted as a drop); html is empty then


@dataclass
class Unit:
    """A piece of the corpus that shards cut into record ranges."""

    file: str  # fs path of the file, or of the folder of pages
    name: str  # as shown in provenance: relative to the source
    size: int  # bytes (-1 for a folder)
    count: int  # records: exact, or estimated from the head
    exact: bool
    mode: str  # "paths", "rows" or "bytes": what its RecordSlices hold


def _kind_of(name: str) -> str | None:
    low = name.lower()
    for kind, exts in EXTENSIONS.items():
        if low.endswith(exts):
            return kind
    return None


def _base(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


class Corpus:
    """A corpus source, opened: its kind and files. Cheap to make (lists container files only)."""

    def __init__(
        self,
        source: str,
        fmt: str = "auto",
        html_column: str | None = None,
        url_column: str | None = None,
        license_column: str | None = None,
        hf_split: str | None = None,
        max_record_bytes: int = 4_000_000,
        max_asset_bytes: int = 16_000_000,
    ):
        import fsspec

        self.source = source
        self.html_column, self.url_column, self.license_column = html_column, url_column, license_column
        self.max_record_bytes = max_record_bytes
        self.max_asset_bytes = max_asset_bytes
        try:
            self.fs, path = fsspec.core.url_to_fs(source)
        except (ImportError, ValueError) as exc:
            raise FactoryError(f"corpus source '{source}': {exc}") from None
        if any(c in source for c in "*?["):
            files = sorted(p for p in self.fs.glob(path) if self.fs.isfile(p))
            if not files:
                raise FactoryError(f"corpus source '{source}' matches no file; check the pattern")
            self.root = posixpath.commonpath(files) if len(files) > 1 else posixpath.dirname(files[0])
            self.kind = fmt if fmt != "auto" else (_kind_of(files[0]) or "")
            self.files = [f for f in files if _kind_of(f) == self.kind] if fmt == "auto" else files
        else:
            if not self.fs.exists(path):
                raise FactoryError(f"corpus source '{source}' does not exist; give a folder, a file or an fsspec URL")
            self.root = path
            self.kind, self.files = self._find(path, fmt)
        if self.kind not in FORMATS[1:]:
            raise FactoryError(
                f"corpus source '{source}': cannot tell its format from '{_base(self.files[0]) if self.files else source}'; "
                f"set format to one of {', '.join(FORMATS[1:])}"
            )
        if self.kind == "hf":
            self.files = self._hf_files(self.root, hf_split)

    # ---- finding the files -----------------------------------------------------------------

    def _find(self, path: str, fmt: str) -> tuple[str, list[str]]:
        if self.fs.isfile(path):
            self.root = posixpath.dirname(path)
            kind = fmt if fmt != "auto" else (_kind_of(path) or "")
            return kind, [path]
        if fmt == "hf" or (fmt == "auto" and (self.fs.exists(f"{path}/state.json") or self.fs.exists(f"{path}/dataset_dict.json"))):
            return "hf", []
        if fmt == "html":
            return "html", [path]
        if fmt == "auto":
            first = next(self._walk(path, None, None, lambda name: _kind_of(name) is not None), None)
            if first is None:
                raise FactoryError(
                    f"corpus folder '{self.source}' holds no .html, .warc(.gz), .jsonl(.gz), .parquet file or saved "
                    "Hugging Face dataset; point source at your pages, or set format"
                )
            fmt = _kind_of(first[-1]) or ""
            if fmt == "html":
                return "html", [path]
        wanted = EXTENSIONS.get(fmt, ())
        files = ["/".join((path, *parts)) for parts in self._walk(path, None, None, lambda name: name.lower().endswith(wanted))]
        if not files:
            raise FactoryError(f"corpus folder '{self.source}' holds no {fmt} file ({', '.join(wanted)})")
        return fmt, files

    def _walk(self, root: str, lo: tuple[str, ...] | None, hi: tuple[str, ...] | None, keep) -> Iterator[tuple[str, ...]]:
        """Files under `root` whose names `keep` accepts, as path-component tuples in sorted
        order, only those between `lo` and `hi` (inclusive); folders wholly outside are skipped."""

        def visit(parts: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
            folder = "/".join((root, *parts))
            listed = self.fs.ls(folder, detail=True)
            entries = sorted(((_base(e["name"]), e.get("type"), bool(e.get("islink"))) for e in listed))
            for name, kind, link in entries:
                if name.startswith(".") or not name:
                    continue
                here = parts + (name,)
                if kind == "directory" and link and not self._link_folder_ok(f"{folder}/{name}", folder):
                    continue
                if kind == "directory":
                    if lo is not None and here < lo[: len(here)]:
                        continue
                    if hi is not None and here > hi[: len(here)]:
                        return
                    yield from visit(here)
                elif keep(name):
                    if lo is not None and here < lo:
                        continue
                    if hi is not None and here > hi:
                        return
                    yield here

        yield from visit(())

    @property
    def local(self) -> bool:
        """Whether the corpus is on this machine's file system (where links can lead out of it)."""
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        return "file" in protocols or "local" in protocols

    def _pages_root(self) -> str:
        return self.files[0] if not self.fs.isfile(self.files[0]) else posixpath.dirname(self.files[0])

    def _inside(self, path: str) -> bool:
        """Whether `path`, links resolved, is inside the folder corpus (always true off this machine)."""
        if not self.local:
            return True
        if not hasattr(self, "_real_root"):
            self._real_root = os.path.realpath(self._pages_root())
        real_root, real = self._real_root, os.path.realpath(path)
        return real == real_root or real.startswith(real_root.rstrip("/") + "/")

    def _link_folder_ok(self, path: str, parent: str) -> bool:
        """A linked folder is walked only if it stays inside the corpus and is not one of the
        folders it sits in (a loop would be walked forever)."""
        if not self.local:
            return True
        real, real_parent = os.path.realpath(path), os.path.realpath(parent)
        return self._inside(path) and not (real_parent == real or real_parent.startswith(real.rstrip("/") + "/"))

    def _hf_files(self, root: str, split: str | None) -> list[str]:
        if self.fs.exists(f"{root}/dataset_dict.json"):
            splits = json.loads(self.fs.cat_file(f"{root}/dataset_dict.json")).get("splits", [])
            chosen = split or ("train" if "train" in splits else (splits[0] if splits else ""))
            if chosen not in splits:
                raise FactoryError(f"corpus source '{self.source}': no split '{chosen}'; its splits are {', '.join(splits)}")
            root = f"{root}/{chosen}"
        elif split:
            raise FactoryError(f"corpus source '{self.source}' is a single dataset, not a DatasetDict; remove hf_split")
        state = json.loads(self.fs.cat_file(f"{root}/state.json"))
        files = [f"{root}/{entry['filename']}" for entry in state.get("_data_files", [])]
        if not files:
            raise FactoryError(f"corpus source '{self.source}': state.json lists no data files")
        return files

    def name_of(self, path: str) -> str:
        """A file's name relative to the source, for provenance."""
        return posixpath.relpath(path, self.root) if path != self.root else _base(path)

    # ---- planning ----------------------------------------------------------------------------

    def units(self) -> list[Unit]:
        """The corpus in order, as units with their record counts (estimated where marked)."""
        if self.kind == "html":
            root = self.files[0]
            if self.fs.isfile(root):
                return [Unit(root, _base(root), -1, 1, True, "paths")]
            count = sum(1 for _ in self._walk(root, None, None, _is_page))
            if not count:
                raise FactoryError(f"corpus folder '{self.source}' holds no .html page")
            return [Unit(root, "", -1, count, True, "paths")]
        return [self._unit(path) for path in self.files]

    def _unit(self, path: str) -> Unit:
        name, size = self.name_of(path), int(self.fs.size(path))
        if self.kind in ("parquet", "hf"):
            try:
                if self.kind == "hf":
                    return Unit(path, name, size, sum(b.num_rows for b in self._arrow_batches(path)), True, "rows")
                import pyarrow.parquet as pq

                with self.fs.open(path, "rb") as f:
                    rows = pq.ParquetFile(f).metadata.num_rows
                return Unit(path, name, size, rows, True, "rows")
            except _arrow_damage() as exc:
                what = "Parquet" if self.kind == "parquet" else "Arrow (saved Hugging Face dataset)"
                raise FactoryError(
                    f"cannot read corpus file '{_clean(name)}' ({_clean(' '.join(str(exc).split()))}); "
                    f"check that it is a complete {what} file, or remove it from the source"
                ) from None
        if self.kind == "jsonl":
            return self._jsonl_unit(path, name, size)
        return self._warc_unit(path, name, size)

    def _jsonl_unit(self, path: str, name: str, size: int) -> Unit:
        """Plain files up to COUNT_BYTES are counted line by line (one streaming pass: a head
        estimate is wrong when the head holds a huge line, and byte ranges planned from a wrong
        count leave later records unread); larger ones are estimated from windows spread through
        the file; `.gz` files (read from their start) from the head."""
        gz = path.lower().endswith(".gz")
        if not gz:
            if size <= COUNT_BYTES:
                return Unit(path, name, size, self._count_lines(path), True, "bytes")
            return Unit(path, name, size, self._estimate_lines(path, size), False, "bytes")
        with self.fs.open(path, "rb") as f:
            raw = f.read(HEAD_BYTES)
        used_raw = len(raw)
        head = raw
        if gz:
            d = zlib.decompressobj(31)
            head = d.decompress(raw)
            used_raw -= len(d.unused_data)
        whole = len(raw) >= size
        lines = head.split(b"\n")
        complete = lines if whole else lines[:-1]
        records = sum(1 for line in complete if line.strip())
        mode = "rows" if gz else "bytes"
        if whole:
            return Unit(path, name, size, records, True, mode)
        used = sum(len(line) + 1 for line in complete)  # decompressed bytes of the complete lines
        per_byte = records / max(used, 1) * (len(head) / max(used_raw, 1) if gz else 1.0)
        return Unit(path, name, size, max(1, round(size * per_byte)), False, mode)

    def _count_lines(self, path: str) -> int:
        """Non-blank lines of a file, read SCAN_BLOCK bytes at a time."""
        count, pending = 0, False  # pending: the line running into the next block has text
        with self.fs.open(path, "rb") as f:
            while block := f.read(SCAN_BLOCK):
                pieces = block.split(b"\n")
                for piece in pieces[:-1]:
                    count += pending or bool(piece.strip())
                    pending = False
                pending = pending or bool(pieces[-1].strip())
        return count + pending

    def _estimate_lines(self, path: str, size: int) -> int:
        """Records of a large plain file: the whole lines inside COUNT_WINDOWS windows of
        SCAN_BLOCK bytes spread evenly through it, per byte those lines take, times its size."""
        lines, spanned = 0, 0
        with self.fs.open(path, "rb") as f:
            for k in range(COUNT_WINDOWS):
                f.seek(k * (size - SCAN_BLOCK) // max(COUNT_WINDOWS - 1, 1))
                block = f.read(SCAN_BLOCK)
                first, last = block.find(b"\n"), block.rfind(b"\n")
                if first < 0 or first == last:
                    spanned += len(block)  # inside one long line: bytes without a record start
                    continue
                lines += sum(1 for piece in block[first + 1 : last].split(b"\n") if piece.strip())
                spanned += last - first
        return max(1, round(size * lines / max(spanned, 1)))

    def _warc_unit(self, path: str, name: str, size: int) -> Unit:
        from warcio.archiveiterator import ArchiveIterator

        splittable = self._warc_splittable(path)
        records, seen, consumed = 0, 0, 0
        with self.fs.open(path, "rb") as f:
            it = ArchiveIterator(_warc_stream(f, splittable))
            try:
                for record in it:
                    if f.tell() >= HEAD_BYTES and records:
                        consumed = f.tell()  # compressed bytes read so far
                        break
                    records += _is_html_response(record)
                    seen += 1
                else:
                    consumed = size
            except _damage() as exc:
                if not seen:  # not a WARC file at all, most likely a mistake in the source
                    raise FactoryError(
                        f"corpus file '{_clean(name)}' is not a readable WARC file ({_clean(str(exc))}); "
                        "check that it is a complete .warc or .warc.gz file, or remove it from the source"
                    ) from None
                # damaged after `seen` records: those are planned, reading ends with corpus_read_error
                log.warning("corpus file %s is damaged after %d records: %s", _clean(name), seen, _clean(str(exc)))
                consumed = size
        mode = "bytes" if splittable else "rows"
        if consumed >= size:
            return Unit(path, name, size, records, True, mode)
        return Unit(path, name, size, max(1, round(size * records / max(consumed, 1))), False, mode)

    def _warc_splittable(self, path: str) -> bool:
        """Plain WARC, or gzip with one member per record (the WARC standard's advice)."""
        with self.fs.open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
        if not head.startswith(b"\x1f\x8b"):
            return True
        d = zlib.decompressobj(31)
        try:
            out = d.decompress(head)
        except zlib.error:
            return True  # damaged from its first record: reading it says so (and how)
        if not d.eof:
            return False  # one record larger than the head, or one stream: either way, not provably split
        return _warc_record_end(out) == len(out)

    def slices(self, ranges: list[tuple[int, int, int | None]]) -> list[RecordSlice]:
        """RecordSlices for (unit index, first record, end record or None for the unit's end),
        in corpus order."""
        units = self.units_cache
        out: list[RecordSlice] = []
        walks: dict[int, list[int]] = {}
        for i, (u, start, stop) in enumerate(ranges):
            unit = units[u]
            if unit.mode == "paths":
                walks.setdefault(u, []).append(i)
                out.append(RecordSlice(unit.file, "paths", start, -1 if stop is None else stop))
            elif unit.mode == "bytes":
                lo = 0 if start == 0 else start * unit.size // max(unit.count, 1)
                hi = unit.size if stop is None or stop >= unit.count else stop * unit.size // max(unit.count, 1)
                out.append(RecordSlice(unit.file, "bytes", lo, hi, size=unit.size))
            else:
                out.append(RecordSlice(unit.file, "rows", start, -1 if stop is None else stop, size=unit.size))
        for u, indices in walks.items():
            self._path_bounds(units[u], out, indices)
        return out

    @property
    def units_cache(self) -> list[Unit]:
        if not hasattr(self, "_units"):
            self._units = self.units()
        return self._units

    def _path_bounds(self, unit: Unit, out: list[RecordSlice], indices: list[int]) -> None:
        """Name each folder slice by its first and last page: one walk of the folder."""
        if self.fs.isfile(unit.file):
            for i in indices:
                out[i] = RecordSlice(unit.file, "paths", 0, 1, first=(_base(unit.file),), last=(_base(unit.file),))
            return
        wanted = sorted(indices, key=lambda i: out[i].start)
        bounds: dict[int, list[tuple[str, ...]]] = {}
        k = 0
        for position, parts in enumerate(self._walk(unit.file, None, None, _is_page)):
            while k < len(wanted) and out[wanted[k]].stop != -1 and position >= out[wanted[k]].stop:
                k += 1
            if k >= len(wanted):
                break
            s = out[wanted[k]]
            if position >= s.start:
                bounds.setdefault(wanted[k], [parts, parts])[1] = parts
                if s.stop == -1:
                    break  # the last slice runs to the folder's end: no need to find its last page
        for i in indices:
            first, last = bounds.get(i, [(), ()])
            if out[i].stop == -1:
                last = ()  # open: to the folder's end
            out[i] = RecordSlice(unit.file, "paths", out[i].start, out[i].stop, first=first, last=last)

    # ---- reading one slice -------------------------------------------------------------------

    def read(self, part: RecordSlice) -> Iterator[Record]:
        """The records of `part`, in order. A damaged file ends its slice with an error record."""
        if part.size >= 0 and self.fs.exists(part.file) and int(self.fs.size(part.file)) != part.size:
            raise FactoryError(
                f"corpus file '{self.name_of(part.file)}' changed since this dataset was planned "
                f"({part.size} bytes then, {self.fs.size(part.file)} now); write to a new --out folder"
            )
        if part.unit == "paths":
            yield from self._read_pages(part)
        elif self.kind == "parquet":
            yield from self._read_parquet(part)
        elif self.kind == "hf":
            yield from self._read_arrow(part)
        elif self.kind == "jsonl":
            yield from self._read_jsonl(part)
        else:
            yield from self._read_warc(part)

    def _read_pages(self, part: RecordSlice) -> Iterator[Record]:
        if not part.first:
            return
        root = part.file if not self.fs.isfile(part.file) else posixpath.dirname(part.file)
        for parts in self._walk(root, part.first, part.last or None, _is_page):
            rel = "/".join(parts)
            provenance = {"file": rel}
            if not self._inside(f"{root}/{rel}"):
                yield Record(b"", provenance, page_rel=rel,
                             error=f"outside_corpus: {_clean(rel)} is a link to a file outside the corpus folder")
                continue
            data = self._read_file(f"{root}/{rel}", self.max_record_bytes)
            if isinstance(data, str):
                yield Record(b"", provenance, page_rel=rel, error=data)
                continue
            yield Record(data, provenance, page_rel=rel)

    def _read_file(self, path: str, limit: int) -> bytes | str:
        """At most `limit` bytes of a regular file, or why not (an error record's text).

        Never opens a FIFO, device or socket (opening a FIFO blocks; /dev/zero never ends), and
        never reads more than limit + 1 bytes, whatever the file claims its size is."""
        name = _clean(posixpath.relpath(path, self._pages_root()))
        try:
            if self.local:
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens at once, then is refused
                with os.fdopen(fd, "rb") as f:
                    info = os.fstat(f.fileno())
                    if not stat.S_ISREG(info.st_mode):
                        return f"corpus_read_error: {name} is not a regular file (a FIFO, device or socket); remove it"
                    if info.st_size > limit:
                        return f"record_too_large: {info.st_size} bytes"
                    data = f.read(limit + 1)
            else:
                info = self.fs.info(path)
                if info.get("type") != "file":
                    return f"corpus_read_error: {name} is not a regular file; remove it"
                if int(info.get("size") or 0) > limit:
                    return f"record_too_large: {info['size']} bytes"
                with self.fs.open(path, "rb") as f:
                    data = f.read(limit + 1)
        except OSError as exc:
            return f"corpus_read_error: {name}: {_clean(exc.strerror or str(exc))}"
        if len(data) > limit:
            return f"record_too_large: over {limit} bytes"
        return data

    def read_asset(self, rel: str) -> bytes | None:
        """A file of a folder corpus, by its path relative to the folder (None when absent, not a
        regular file or larger than max_asset_bytes); raises sanitize.OutsideCorpus for a link
        whose target is outside the corpus folder, so the page never gets that file."""
        if self.kind != "html":
            return None
        from factory.corpus.sanitize import OutsideCorpus

        path = f"{self._pages_root()}/{rel}"
        if not self._inside(path):
            raise OutsideCorpus(rel)
        data = self._read_file(path, self.max_asset_bytes)
        return None if isinstance(data, str) else data

    # -- tables --

    def _columns(self, names: list[str]) -> tuple[str, str | None, str | None]:
        html = self.html_column or next((c for c in HTML_COLUMNS if c in names), None)
        if html is None or html not in names:
            raise FactoryError(
                f"corpus source '{self.source}' has no HTML column (columns: {', '.join(names[:20])}); "
                "set html_column"
            )
        url = self.url_column or next((c for c in URL_COLUMNS if c in names), None)
        lic = self.license_column or next((c for c in LICENSE_COLUMNS if c in names), None)
        return html, url if url in names else None, lic if lic in names else None

    def _row_record(self, row: dict[str, Any], provenance: dict[str, Any], columns) -> Record:
        html_col, url_col, lic_col = columns
        url = row.get(url_col) if url_col else None
        if url:
            provenance["url"] = str(url)
        if lic_col and row.get(lic_col) is not None:
            provenance["license"] = str(row[lic_col])
        value = row.get(html_col)
        if not isinstance(value, (str, bytes)) or not value:
            return Record(b"", provenance, error=f"no_html: field '{html_col}' is missing, empty or not text")
        if len(value) > self.max_record_bytes:
            return Record(b"", provenance, error=f"record_too_large: {len(value)} characters")
        return Record(value, provenance, url=str(url) if url else None)

    def _read_parquet(self, part: RecordSlice) -> Iterator[Record]:
        """The rows of the slice; damage met on the way ends it with a corpus_read_error record
        (the rows before are kept)."""
        name = self.name_of(part.file)
        try:
            yield from self._parquet_rows(part, name)
        except _arrow_damage() as exc:
            yield Record(b"", {"file": name}, error=f"corpus_read_error: {_clean(type(exc).__name__ + ': ' + str(exc))}")

    def _parquet_rows(self, part: RecordSlice, name: str) -> Iterator[Record]:
        import pyarrow.parquet as pq

        with self.fs.open(part.file, "rb") as f:
            pf = pq.ParquetFile(f)
            columns = self._columns(pf.schema_arrow.names)
            groups, first_row, row = [], None, 0
            for g in range(pf.metadata.num_row_groups):
                n = pf.metadata.row_group(g).num_rows
                if row + n > part.start and (part.stop < 0 or row < part.stop):
                    groups.append(g)
                    first_row = row if first_row is None else first_row
                row += n
            if not groups:
                return
            wanted = [c for c in columns if c]
            index = first_row or 0
            for group in groups:  # one row group at a time: damage in one loses none before it
                for batch in pf.iter_batches(batch_size=64, row_groups=[group], columns=wanted):
                    for row_data in batch.to_pylist():
                        if index >= part.start and (part.stop < 0 or index < part.stop):
                            yield self._row_record(row_data, {"file": name, "row": index}, columns)
                        index += 1
                        if part.stop >= 0 and index >= part.stop:
                            return

    def _arrow_batches(self, path: str):
        import pyarrow as pa

        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        if "file" in protocols or "local" in protocols:
            source = pa.memory_map(path)  # row counts and skipped batches cost no reading
        else:
            source = pa.PythonFile(self.fs.open(path, "rb"), mode="r")
        with pa.ipc.open_stream(source) as reader:
            yield from reader

    def _read_arrow(self, part: RecordSlice) -> Iterator[Record]:
        """The rows of the slice; damage ends it with a corpus_read_error record."""
        name = self.name_of(part.file)
        try:
            yield from self._arrow_rows(part, name)
        except _arrow_damage() as exc:
            yield Record(b"", {"file": name}, error=f"corpus_read_error: {_clean(type(exc).__name__ + ': ' + str(exc))}")

    def _arrow_rows(self, part: RecordSlice, name: str) -> Iterator[Record]:
        index, columns = 0, None
        for batch in self._arrow_batches(part.file):
            n = batch.num_rows
            if index + n <= part.start:
                index += n
                continue
            if part.stop >= 0 and index >= part.stop:
                return
            if columns is None:
                columns = self._columns(batch.schema.names)
            lo = max(0, part.start - index)
            hi = n if part.stop < 0 else min(n, part.stop - index)
            chosen = batch.slice(lo, hi - lo).select([c for c in columns if c])
            for offset, row in enumerate(chosen.to_pylist()):
                yield self._row_record(row, {"file": name, "row": index + lo + offset}, columns)
            index += n

    # -- JSON lines --

    def _read_jsonl(self, part: RecordSlice) -> Iterator[Record]:
        name = self.name_of(part.file)
        with self.fs.open(part.file, "rb") as raw:
            if part.unit == "rows":  # gzip: read from the start, keep rows [start, stop)
                import gzip

                stream: Any = gzip.GzipFile(fileobj=raw)
                for index, (offset, line) in enumerate(_lines(stream, 0, None, self.max_record_bytes)):
                    if part.stop >= 0 and index >= part.stop:
                        return
                    if index >= part.start:
                        yield self._json_record(line, {"file": name, "line": index})
                return
            for offset, line in _lines(raw, part.start, part.stop, self.max_record_bytes):
                yield self._json_record(line, {"file": name, "offset": offset})

    def _json_record(self, line: bytes | None, provenance: dict[str, Any]) -> Record:
        if line is None:
            return Record(b"", provenance, error=f"record_too_large: a line over {self.max_record_bytes} bytes")
        try:
            row = json.loads(line)
        except ValueError as exc:
            return Record(b"", provenance, error=f"bad_record: not JSON ({_clean(str(exc))})")
        except RecursionError:  # nested deeper than Python's recursion limit: no page is
            return Record(b"", provenance, error="bad_record: JSON nested too deeply")
        if not isinstance(row, dict):
            return Record(b"", provenance, error="bad_record: a line that is not a JSON object")
        wanted = (self.html_column,) if self.html_column else HTML_COLUMNS
        if not any(c in row for c in wanted):
            return Record(b"", provenance, error=f"no_html: no field {' or '.join(wanted)} (set html_column)")
        return self._row_record(row, provenance, self._columns(list(row)))

    # -- WARC --

    def _read_warc(self, part: RecordSlice) -> Iterator[Record]:
        from warcio.archiveiterator import ArchiveIterator

        name = self.name_of(part.file)
        with self.fs.open(part.file, "rb") as f:
            if part.unit == "bytes":
                start = 0 if part.start == 0 else _next_warc_record(f, part.start, part.size)
                if start is None or start >= part.stop:
                    return
                f.seek(start)
            it = ArchiveIterator(_warc_stream(f, part.unit == "bytes"))
            index, end = 0, f.tell()
            try:
                for record in it:
                    html = _is_html_response(record)
                    body = record.content_stream().read(self.max_record_bytes + 1) if html else b""
                    offset = it.get_record_offset()  # absolute (warcio asks the file); known once the record is read
                    if part.unit == "bytes" and offset >= part.stop:
                        return
                    if not html:
                        continue
                    if part.unit == "rows":
                        if part.stop >= 0 and index >= part.stop:
                            return
                        index += 1
                        if index - 1 < part.start:
                            continue
                    yield self._warc_record(record, body, name, offset)
                if part.unit == "bytes" and it.member_info:
                    end = sum(it.member_info)  # where the last record read ends
            except _damage() as exc:  # the rest of a damaged file is lost; the records before are kept
                yield Record(b"", {"file": name}, error=f"corpus_read_error: {_clean(type(exc).__name__ + ': ' + str(exc))}")
                return
            if part.unit == "bytes" and end < part.size and not _blank_tail(f, end, part.size):
                # warcio ends quietly at a record cut short: count it, never lose it unsaid
                yield Record(b"", {"file": name, "offset": end},
                             error=f"corpus_read_error: {part.size - end} bytes at offset {end} are not a whole WARC record (file cut short?)")

    def _warc_record(self, record: Any, body: bytes, name: str, offset: int) -> Record:
        headers = record.rec_headers
        url = headers.get_header("WARC-Target-URI")
        provenance = {"file": name, "offset": offset, "url": url,
                      "warc_record_id": headers.get_header("WARC-Record-ID"), "warc_date": headers.get_header("WARC-Date")}
        provenance = {k: v for k, v in provenance.items() if v is not None}
        if len(body) > self.max_record_bytes:
            return Record(b"", provenance, url=url, error=f"record_too_large: over {self.max_record_bytes} bytes")
        missing = getattr(record.raw_stream, "limit", 0)  # bytes its Content-Length promised that never came
        if missing > 0:
            return Record(b"", provenance, url=url, error=f"corpus_read_error: the record is cut short, its last {missing} bytes are missing")
        return Record(body, provenance, charset=_charset(record.http_headers.get_header("Content-Type") or ""), url=url)


def _blank_tail(f: Any, start: int, size: int) -> bool:
    """Whether bytes [start, size) are only the blank lines a plain WARC ends its last record with."""
    if size - start > 64:
        return False
    f.seek(start)
    return not f.read(size - start).strip()


def _warc_stream(f: Any, splittable: bool) -> Any:
    """What warcio reads: the file itself, or, for a WARC gzipped as one stream (which warcio
    refuses to iterate), the decompressed stream."""
    if splittable or not _is_gzip_file(f):
        return f
    import gzip

    return gzip.GzipFile(fileobj=f)


def _is_page(name: str) -> bool:
    return name.lower().endswith(EXTENSIONS["html"])


def _is_html_response(record: Any) -> bool:
    if record.rec_type != "response" or record.http_headers is None:
        return False
    status = (record.http_headers.get_statuscode() or "")
    ctype = (record.http_headers.get_header("Content-Type") or "").lower()
    return status.startswith("2") and ("text/html" in ctype or "application/xhtml" in ctype)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _lines(f: Any, start: int, stop: int | None, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Non-blank lines whose first byte lies in [start, stop): (offset, line); None for a line
    longer than `limit` bytes (skipped to its end)."""
    if start > 0:
        f.seek(start - 1)
        _skip_line(f)  # the line holding byte start-1 belongs to the previous range
    pos = start if start == 0 else f.tell()
    while stop is None or pos < stop:
        line = f.readline(limit + 1)
        if not line:
            return
        length = len(line)
        if length > limit and not line.endswith(b"\n"):
            length += _skip_line(f)
            yield pos, None
        elif line.strip():
            yield pos, line
        pos += length


def _skip_line(f: Any) -> int:
    skipped = 0
    while True:
        chunk = f.readline(SCAN_BLOCK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _warc_record_end(data: bytes) -> int | None:
    """Where the WARC record at the start of `data` ends (after its CRLF CRLF), if it does."""
    head_end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/") or head_end < 0:
        return None
    length = None
    for line in data[:head_end].split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return None
    return None if length is None else head_end + 4 + length + 4


def _next_warc_record(f: Any, start: int, size: int) -> int | None:
    """The offset of the first WARC record starting at or after `start` (None: there is none).

    gzip files: a gzip member whose start inflates to `WARC/`; plain files: `WARC/` at a line
    start whose header parses and whose record is followed by another record or the end.
    """
    pos = start
    while pos < size:
        f.seek(pos)
        block = f.read(SCAN_BLOCK + 64)
        if not block:
            return None
        gz = _is_gzip_file(f)
        needle = b"\x1f\x8b\x08" if gz else b"WARC/"
        i = block.find(needle)
        while 0 <= i < SCAN_BLOCK:
            candidate = pos + i
            if _warc_starts_at(f, candidate, gz, size):
                return candidate
            i = block.find(needle, i + 1)
        pos += SCAN_BLOCK
    return None


def _is_gzip_file(f: Any) -> bool:
    here = f.tell()
    f.seek(0)
    magic = f.read(2)
    f.seek(here)
    return magic == b"\x1f\x8b"


def _warc_starts_at(f: Any, offset: int, gz: bool, size: int) -> bool:
    f.seek(offset)
    if gz:
        try:
            out = zlib.decompressobj(31).decompress(f.read(4096), 64)
        except zlib.error:
            return False
        return out.startswith(b"WARC/")
    if offset > 0:
        f.seek(offset - 1)
        if f.read(1) != b"\n":
            return False
    f.seek(offset)
    head = f.read(64 * 1024)
    end = _warc_record_end(head)
    if end is None:
        return False
    if offset + end >= size:
        return True
    f.seek(offset + end)
    return f.read(5) == b"WARC/"


def describe_units(units: list[Unit]) -> str:
    exact = all(u.exact for u in units)
    total = sum(u.count for u in units)
    return f"{len(units)} file(s), {'' if exact else 'about '}{total} records"


