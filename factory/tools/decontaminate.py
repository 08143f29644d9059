"""`render-factory decontaminate D --against BENCH`: is any benchmark image, table or question in D?

BENCH is a folder (searched recursively, sorted, hidden files skipped) of a benchmark's files:
- images (.png .jpg .jpeg .webp .gif .bmp .tif .tiff): ChartQA's and PlotQA's `png/`,
  DocVQA's `documents/`, Design2Code's screenshots;
- tables (.csv, .tsv; the first row is the header): ChartQA's `tables/`;
- questions in JSON or JSONL: every string under a key named `question`, `query` or
  `question_string`, at any depth (ChartQA's `test_human.json` and `test_augmented.json`
  [{"imgname", "query", "label"}], PlotQA's `qa_pairs_V1.json` {"qa_pairs": [{"question_string",
  ...}]}, DocVQA's `test_v1.0.json` {"data": [{"question", ...}]});
- HTML (.html, .htm): its `<table>`s are tables (Design2Code's pages).
Any other folder of such files works the same way; other files are skipped and counted.

Checks, with thresholds from the literature:
- images: 256-bit perceptual hash (`imagehash.phash`, hash size 16: the DCT of a 64x64 grey
  thumbnail); a dataset image within 31 bits of a benchmark image is a near-duplicate. 31 of
  256 bits is the match threshold Meta documents for PDQ, a 256-bit DCT hash of the same design
  (ThreatExchange, "The TMK+PDQF Video-Hashing Algorithm and the PDQ Image Similarity
  Algorithm", 2019). On this project's renders a chart re-encoded as JPEG at 60% size moves at
  most 8 bits, and the closest two different samples (charts) are 76 bits apart.
- tables: the same header (normalized) and at least 80% of the cells in common (cells as a
  multiset, counted over the larger table); cells are lower-cased, spaces collapsed, numbers
  compared by value ("1,234" = "1234.0").
- questions: PaLM's contamination rule (Chowdhery et al. 2022, appendix C): a benchmark
  question is contaminated when at least 70% of its word 8-grams occur in the dataset's
  questions (a question shorter than 8 words must occur whole); and MinHash near-duplicates
  (Lee et al. 2022, "Deduplicating Training Data Makes Language Models Better"): estimated
  Jaccard similarity >= 0.8 of word 5-gram shingles (`datasketch`, 128 permutations), confirmed
  on the exact shingle sets.

The benchmark is indexed in memory (its size); the dataset is streamed one sample at a time, and
only the keys found are kept. `--write-clean OUT` copies the dataset without those samples, with
its own manifest (valid for `render-factory verify`), card and shard indexes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html.parser
import io
import json
import logging
import os
import re
import tarfile
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image

from factory.errors import FactoryError, require
from factory.tools.outputs import check_output_folder, check_outputs, is_inside, remove_filled_folder, write_file
from factory.tools.preview import iter_shard, load_manifest

log = logging.getLogger(__name__)

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
TABLE_EXTENSIONS = {".csv", ".tsv"}
BENCH_EXTENSIONS = IMAGE_EXTENSIONS | TABLE_EXTENSIONS | {".json", ".jsonl", ".html", ".htm"}
HASH_SIZE = 16  # pHash grid: 256 bits
IMAGE_BITS = 31  # PDQ's documented match threshold for 256-bit hashes
TABLE_CELLS = 0.8
NGRAM, NGRAM_SHARE = 8, 0.7  # PaLM
SHINGLE, JACCARD, PERMUTATIONS = 5, 0.8, 128  # Lee et al. 2022
QUESTION_KEYS = {"question", "query", "question_string"}
MAX_LISTED = 20
MAX_KEYS_PER_NGRAM = 5
MAX_JSON_BYTES = 1 << 30

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+(?:[.,']\w+)*")


# --- normalization -------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    text = _SPACE.sub(" ", str(value)).strip().lower()
    number = text.replace(",", "").rstrip("%").lstrip("$€£")
    try:
        return f"{float(number):.6g}"
    except ValueError:
        return text


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@dataclass
class TableEntry:
    name: str
    cells: Counter


# --- the benchmark --------------------------------------------------------------------------------


@dataclass
class Bench:
    root: Path
    image_names: list[str] = field(default_factory=list)
    image_hashes: list[np.ndarray] = field(default_factory=list)
    tables: dict[tuple[str, ...], list[TableEntry]] = field(default_factory=lambda: defaultdict(list))
    table_count: int = 0
    questions: list[tuple[str, str]] = field(default_factory=list)  # (file, question)
    skipped: Counter = field(default_factory=Counter)
    unreadable: list[str] = field(default_factory=list)
    # filled by prepare(): n-gram -> question indices, shingles, the LSH index
    ngram_index: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    ngram_counts: list[int] = field(default_factory=list)
    shingles: list[set[tuple[str, ...]]] = field(default_factory=list)
    lsh: Any = None
    hashes: np.ndarray | None = None


def phash(image: Image.Image) -> np.ndarray:
    imagehash = require("imagehash", "eval", "decontaminate")
    image.draft("L", (HASH_SIZE * 8, HASH_SIZE * 8))  # JPEG: decode at a fraction of full size
    return np.packbits(imagehash.phash(image.convert("L"), hash_size=HASH_SIZE).hash.ravel())


def minhash(shingles: set[tuple[str, ...]]) -> Any:
    datasketch = require("datasketch", "eval", "decontaminate")
    m = datasketch.MinHash(num_perm=PERMUTATIONS, seed=1)
    m.update_batch([" ".join(s).encode("utf-8") for s in shingles])
    return m


def index_bench(root: str | Path) -> Bench:
    root = Path(root)
    if not root.exists():
        raise FactoryError(f"benchmark folder '{root}' does not exist; give a folder (or one file) of images, CSV tables, JSON/JSONL questions or HTML")
    bench = Bench(root)
    for path in _files(root) if root.is_dir() else iter([root]):
        suffix = path.suffix.lower()
        rel = str(path.relative_to(root)) if root.is_dir() else path.name
        try:
            if suffix in BENCH_EXTENSIONS and not path.is_file():  # a pipe or device would block or never end
                raise OSError("not a regular file")
            if suffix in IMAGE_EXTENSIONS:
                with warnings.catch_warnings():  # the user's own large scans: no PIL warning (its error still stops a bomb)
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    with Image.open(path) as image:
                        bench.image_hashes.append(phash(image))
                bench.image_names.append(rel)
            elif suffix in TABLE_EXTENSIONS:
                _add_table(bench, rel, _read_csv(path))
            elif suffix in (".json", ".jsonl"):
                for question in _questions_in_file(path, suffix == ".jsonl"):
                    bench.questions.append((rel, question))
            elif suffix in (".html", ".htm"):
                for rows in _html_tables(path.read_text(encoding="utf-8", errors="replace")):
                    _add_table(bench, rel, rows)
            else:
                bench.skipped[suffix or "(none)"] += 1
        except (OSError, ValueError, UnicodeDecodeError, csv.Error, Image.DecompressionBombError) as exc:
            bench.unreadable.append(f"{rel}: {exc}")
        except RecursionError:  # JSON nested deeper than Python's parser goes
            bench.unreadable.append(f"{rel}: nested too deeply to parse")
    if not (bench.image_names or bench.table_count or bench.questions):
        raise FactoryError(
            f"'{root}' holds no image, table (.csv/.tsv, HTML <table>) or question (JSON/JSONL with question/query keys); "
            f"nothing to check against ({sum(bench.skipped.values())} other file(s) skipped"
            + (f"; {len(bench.unreadable)} unreadable, e.g. {bench.unreadable[0]})" if bench.unreadable else ")")
        )
    _prepare(bench)
    return bench


def _files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def _read_csv(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() == ".tsv":
        dialect: Any = csv.excel_tab
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]


def _add_table(bench: Bench, name: str, rows: list[list[str]]) -> None:
    if len(rows) < 2:
        return
    header = tuple(cell_text(c) for c in rows[0])
    bench.tables[header].append(TableEntry(name, Counter(cell_text(c) for row in rows[1:] for c in row)))
    bench.table_count += 1


def _questions_in_file(path: Path, lines: bool) -> Iterator[str]:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise ValueError(f"larger than {MAX_JSON_BYTES >> 30} GiB; split it into JSONL")
    with path.open(encoding="utf-8-sig") as f:
        if lines:
            for line in f:
                if line.strip():
                    yield from _questions(json.loads(line))
        else:
            yield from _questions(json.load(f))


def _questions(data: Any) -> Iterator[str]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key.lower() in QUESTION_KEYS and isinstance(value, str) and value.strip():
                    yield value
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(reversed(item))


class _TableParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._depth = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
        elif self._depth == 1 and tag == "tr":
            self._row = []
        elif self._depth == 1 and tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._depth:
            self._depth -= 1
        elif self._depth == 1 and tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif self._depth == 1 and tag == "tr" and self._row is not None:
            if self._row:
                self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _html_tables(text: str) -> list[list[list[str]]]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return [t for t in parser.tables if t]


def _prepare(bench: Bench) -> None:
    datasketch = require("datasketch", "eval", "decontaminate")
    bench.hashes = np.stack(bench.image_hashes) if bench.image_hashes else np.zeros((0, HASH_SIZE * HASH_SIZE // 8), np.uint8)
    bench.image_hashes = []
    bench.lsh = datasketch.MinHashLSH(threshold=JACCARD, num_perm=PERMUTATIONS)
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, (_, question) in enumerate(bench.questions):
        tokens = words(question)
        grams = ngrams(tokens, NGRAM)
        for gram in grams:
            index[gram].append(i)
        bench.ngram_counts.append(len(grams))
        shingles = ngrams(tokens, SHINGLE)
        bench.shingles.append(shingles)
        if shingles:
            bench.lsh.insert(str(i), minhash(shingles))
    bench.ngram_index = dict(index)


# --- the dataset's side -------------------------------------------------------------------------


def sample_tables(meta: dict[str, Any]) -> list[list[list[str]]]:
    """The tables a sample shows, as rows of cell texts (header first)."""
    source, targets = meta.get("source") or {}, meta.get("targets") or {}
    out = []
    deplot = targets.get("table")
    if isinstance(deplot, str) and "\n" in deplot:  # charts: the DePlot table, cells as the chart shows them
        lines = deplot.split("\n")[1:] if deplot.startswith("TITLE |") else deplot.split("\n")
        out.append([line.split(" | ") for line in lines])
    structure = source.get("structure")
    if isinstance(structure, dict) and isinstance(structure.get("rows"), list):  # table images
        out.append([[str(c.get("text", "")) for c in row if isinstance(c, dict)] for row in structure["rows"] if isinstance(row, list)])
    return [t for t in out if len(t) >= 2]


def sample_questions(meta: dict[str, Any]) -> list[str]:
    targets = meta.get("targets") or {}
    out = [str(q["question"]) for q in targets.get("qa") or [] if isinstance(q, dict) and q.get("question")]
    if meta.get("task") in ("chart_qa",) and meta.get("prompt") and meta["prompt"] not in out:
        out.append(str(meta["prompt"]))
    return out


@dataclass
class Finding:
    key: str
    kind: str  # image | table | question
    bench: str
    detail: str


@dataclass
class Result:
    dataset: str
    bench: Bench
    samples: int = 0
    findings: list[Finding] = field(default_factory=list)
    offending: dict[str, list[str]] = field(default_factory=dict)  # key -> kinds
    ngram_hits: list[set[tuple[str, ...]]] = field(default_factory=list)
    ngram_keys: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0

    def flag(self, key: str, kind: str, bench: str, detail: str) -> None:
        kinds = self.offending.setdefault(key, [])
        if kind not in kinds:
            kinds.append(kind)
        self.findings.append(Finding(key, kind, bench, detail))


def check_dataset(dataset: str, bench: Bench, image_bits: int = IMAGE_BITS, table_cells: float = TABLE_CELLS) -> Result:
    from factory.tools.report import hamming

    store, manifest = load_manifest(dataset)
    result = Result(dataset, bench, ngram_hits=[set() for _ in bench.questions])
    t0 = time.perf_counter()
    hashes = bench.hashes if bench.hashes is not None else np.zeros((0, 32), np.uint8)
    for entry in manifest["shards"]:
        for sample in iter_shard(store, entry["name"], entry):
            result.samples += 1
            key = sample.key
            if len(hashes):
                try:
                    with Image.open(io.BytesIO(sample.image)) as image:
                        mine = phash(image)
                except (OSError, ValueError, Image.DecompressionBombError) as exc:
                    log.warning("sample %s: image unreadable (%s); its image is not checked", key, exc)
                else:
                    distance = hamming(hashes, mine)
                    nearest = int(np.argmin(distance))
                    if distance[nearest] <= image_bits:
                        result.flag(key, "image", bench.image_names[nearest], f"pHash distance {int(distance[nearest])} of {HASH_SIZE * HASH_SIZE} bits")
            meta = sample.meta
            if bench.tables:
                for rows in sample_tables(meta):
                    _check_table(result, key, rows, table_cells)
            if bench.questions:
                for question in sample_questions(meta):
                    _check_question(result, key, question)
    _close_ngrams(result)
    result.seconds = time.perf_counter() - t0
    return result


def _check_table(result: Result, key: str, rows: list[list[str]], share: float) -> None:
    header = tuple(cell_text(c) for c in rows[0])
    candidates = result.bench.tables.get(header)
    if not candidates:
        return
    cells = Counter(cell_text(c) for row in rows[1:] for c in row)
    for entry in candidates:
        common = sum((cells & entry.cells).values())
        overlap = common / max(sum(cells.values()), sum(entry.cells.values()), 1)
        if overlap >= share:
            result.flag(key, "table", entry.name, f"same header, {overlap:.0%} of cells in common")
            return


def _check_question(result: Result, key: str, question: str) -> None:
    bench = result.bench
    tokens = words(question)
    grams = ngrams(tokens, NGRAM)
    for gram in grams:
        for i in bench.ngram_index.get(gram, ()):
            result.ngram_hits[i].add(gram)
            keys = result.ngram_keys[i]
            if key not in keys and len(keys) < MAX_KEYS_PER_NGRAM:
                keys.append(key)
    shingles = ngrams(tokens, SHINGLE)
    if not shingles:
        return
    for candidate in bench.lsh.query(minhash(shingles)):
        i = int(candidate)
        other = bench.shingles[i]
        jaccard = len(shingles & other) / len(shingles | other)
        if jaccard >= JACCARD:
            result.flag(key, "question", bench.questions[i][0], f"Jaccard {jaccard:.2f} (word {SHINGLE}-grams) with {bench.questions[i][1][:120]!r}")


def _close_ngrams(result: Result) -> None:
    """PaLM's rule, once every question of the dataset has been seen."""
    for i, hits in enumerate(result.ngram_hits):
        total = result.bench.ngram_counts[i]
        if total and len(hits) / total >= NGRAM_SHARE:
            for key in result.ngram_keys[i]:
                result.flag(key, "question", result.bench.questions[i][0],
                            f"{len(hits)} of {total} word {NGRAM}-grams of {result.bench.questions[i][1][:120]!r}")  # fmt: skip
    result.ngram_hits = []


def report_data(result: Result, image_bits: int, table_cells: float) -> dict[str, Any]:
    bench = result.bench
    by_kind = Counter(f.kind for f in result.findings)
    return {
        "dataset": result.dataset,
        "against": str(bench.root),
        "benchmark": {"images": len(bench.image_names), "tables": bench.table_count, "questions": len(bench.questions),
                      "skipped_files": dict(bench.skipped), "unreadable": bench.unreadable[:MAX_LISTED]},  # fmt: skip
        "thresholds": {"image_phash_bits": image_bits, "hash_bits": HASH_SIZE * HASH_SIZE, "table_cells": table_cells,
                       "question_ngram": NGRAM, "question_ngram_share": NGRAM_SHARE, "minhash_shingle": SHINGLE,
                       "minhash_jaccard": JACCARD, "minhash_permutations": PERMUTATIONS},  # fmt: skip
        "samples_read": result.samples,
        "findings_by_kind": {k: by_kind.get(k, 0) for k in ("image", "table", "question")},
        "offending_samples": len(result.offending),
        "offending": dict(sorted(result.offending.items())),
        "findings": [f.__dict__ for f in result.findings],
        "seconds": round(result.seconds, 2),
    }


# --- the clean copy ----------------------------------------------------------------------------------


def write_clean(dataset: str, out: str, drop: set[str], provenance: dict[str, Any]) -> dict[str, Any]:
    """A copy of `dataset` without the `drop` keys: same shard names, members byte for byte, new manifest."""
    store, manifest = load_manifest(dataset)
    target = check_clean_target(dataset, out)
    existed = target.is_folder()
    target.makedirs()
    try:
        return _fill_clean(store, manifest, target, dataset, out, drop, provenance)
    except BaseException:  # a damaged shard, a full disk, Ctrl-C: no half copy that looks like a dataset
        remove_filled_folder(target, existed)
        raise


def _fill_clean(store: Any, manifest: dict[str, Any], target: Any, dataset: str, out: str, drop: set[str],
                provenance: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    from factory.dataset.card import write_card
    from factory.dataset.manifest import RECIPE, write_manifest

    from factory.dataset import layout
    from factory.dataset.ownership import recipe_digest, write_marker
    from factory.dataset.shards import read_shard_stats

    if store.exists(RECIPE):  # the copy is a dataset of the same recipe: marker first, as generate does
        write_marker(target, recipe_digest(store.read_text(RECIPE)))
    target.makedirs(layout.META)
    shards, by_split, by_task = [], Counter(), Counter()
    by_split_task: dict[str, Counter] = defaultdict(Counter)
    removed = 0
    emptied = emptied_splits(manifest, drop)
    for entry in manifest["shards"]:
        if entry["split"] in emptied:  # no shard of a split left empty: loaders (HF's among them) refuse a split of no rows
            removed += int(entry.get("samples", 0))
            continue
        kept = 0
        shard_tasks: Counter = Counter()
        temp = target.temp_name(entry["name"])
        try:
            with target.open_write(temp) as raw:
                writer = _Hashing(raw)
                with tarfile.open(fileobj=writer, mode="w|") as tar:  # type: ignore[call-overload]
                    for sample in iter_shard(store, entry["name"], entry):
                        if sample.key in drop:
                            removed += 1
                            continue
                        kept += 1
                        task = str(sample.meta.get("task", "?"))
                        by_split[entry["split"]] += 1
                        by_task[task] += 1
                        shard_tasks[task] += 1
                        by_split_task[entry["split"]][task] += 1
                        for ext in sorted(sample.members):
                            _add_member(tar, f"{sample.key}.{ext}", sample.members[ext])
            target.commit(temp, entry["name"])
        except OSError as exc:
            raise FactoryError(f"cannot write {entry['name']} to '{out}': {exc.strerror or exc}") from None
        shards.append({**entry, "samples": kept, "bytes": writer.bytes, "sha256": writer.sha256.hexdigest()})
        stats_name = layout.stats_file(layout.shard_name_of(entry["name"]))  # its completion marker, as generate writes it
        stats = {**(read_shard_stats(store, stats_name) or {}), **shards[-1], "shard": entry["name"], "tasks": dict(sorted(shard_tasks.items()))}
        stats.pop("name", None)
        target.makedirs(layout.STATS_FOLDER)
        target.write_atomic(stats_name, json.dumps(stats, indent=2, sort_keys=True))
    clean = dict(manifest)
    clean["shards"] = shards
    clean["samples"] = {**(manifest.get("samples") or {}), "total": sum(by_split.values()), "by_split": dict(sorted(by_split.items())),
                        "by_task": dict(sorted(by_task.items())),
                        "by_split_and_task": {k: dict(sorted(v.items())) for k, v in sorted(by_split_task.items())}}  # fmt: skip
    clean["decontaminated"] = {**provenance, "removed": removed, "source_dataset": dataset, "emptied_splits": sorted(emptied)}
    if store.exists(RECIPE):
        target.write_atomic(RECIPE, store.read_bytes(RECIPE))
    write_card(target, clean)
    write_manifest(target, clean)
    return clean


def emptied_splits(manifest: dict[str, Any], drop: set[str]) -> set[str]:
    """Splits that held samples and lose every one: a sample's key is `<shard name>_<attempt>`."""
    dropped = Counter(key.rsplit("_", 1)[0] for key in drop)
    held: Counter = Counter()
    left: Counter = Counter()
    for entry in manifest["shards"]:
        samples = int(entry.get("samples", 0))
        held[entry["split"]] += samples
        left[entry["split"]] += samples - dropped[entry["name"].rsplit(".tar", 1)[0]]
    return {split for split, count in held.items() if count > 0 and left[split] <= 0}


def check_clean_target(dataset: str, out: str) -> Any:
    """The store for --write-clean, refused when it is the dataset or already holds one."""
    from factory.dataset.storage import Store

    target = Store(out)
    if os.path.realpath(str(out)) == os.path.realpath(str(dataset)):
        raise FactoryError("--write-clean must name a new folder, not the dataset itself")
    if target.is_file() or (target.is_folder() and target.list()):  # never write beside files that are not ours
        raise FactoryError(f"'{out}' is not empty; choose a new or empty folder for --write-clean (nothing was touched)")
    return target


class _Hashing:
    def __init__(self, raw: Any):
        self.raw, self.sha256, self.bytes = raw, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.bytes += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _add_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    from factory.dataset.shards import TAR_MODE, TAR_MTIME, TAR_USER

    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), TAR_MTIME, TAR_MODE
    info.uname = info.gname = TAR_USER
    tar.addfile(info, io.BytesIO(data))


# --- the command ----------------------------------------------------------------------------------


def cmd_decontaminate(args: argparse.Namespace) -> int:
    if not 0 <= args.image_bits < HASH_SIZE * HASH_SIZE:
        raise FactoryError(f"--image-bits must be between 0 and {HASH_SIZE * HASH_SIZE - 1}, got {args.image_bits}")
    if not 0 < args.table_cells <= 1:
        raise FactoryError(f"--table-cells must be a share in (0, 1], got {args.table_cells}")
    load_manifest(args.dataset)  # one-line errors before the benchmark is indexed
    keys_option = "--keys-out" if args.keys_out else "--keys-out (by default --out's path with .keys.txt)"
    read_only = {"dataset": args.dataset, "benchmark folder": args.against}
    paths = check_outputs({"--out": args.out, keys_option: args.keys_out or Path(args.out).with_suffix(".keys.txt")},
                          inputs={"benchmark file": args.against}, read_only_folders=read_only)  # fmt: skip
    if args.write_clean:
        check_output_folder("--write-clean", args.write_clean, read_only)
        check_clean_target(args.dataset, args.write_clean)
        for option, path in paths.items():
            if is_inside(path, args.write_clean):
                raise FactoryError(f"{option} '{path}' is inside --write-clean '{args.write_clean}', which must stay a dataset alone; write it elsewhere")
    bench = index_bench(args.against)
    result = check_dataset(args.dataset, bench, args.image_bits, args.table_cells)
    data = report_data(result, args.image_bits, args.table_cells)
    out, keys_path = paths["--out"], paths[keys_option]
    write_file(out, json.dumps(data, indent=2, ensure_ascii=False), "report")
    write_file(keys_path, "".join(f"{k}\n" for k in sorted(result.offending)), "offending keys")
    b = data["benchmark"]
    if bench.unreadable:
        print(f"warning: {len(bench.unreadable)} benchmark file(s) could not be read and were not checked against, "
              f"e.g. {bench.unreadable[0]} (all in the report's benchmark.unreadable)")  # fmt: skip
    kinds = data["findings_by_kind"]
    print(f"benchmark: {b['images']} images, {b['tables']} tables, {b['questions']} questions"
          + (f" ({sum(b['skipped_files'].values())} other files skipped)" if b["skipped_files"] else ""))  # fmt: skip
    print(f"dataset: {result.samples} samples read in {result.seconds:.1f} s; near-duplicate images: {kinds['image']}, "
          f"overlapping tables: {kinds['table']}, overlapping questions: {kinds['question']}")  # fmt: skip
    for finding in result.findings[:MAX_LISTED]:
        print(f"  {finding.key}: {finding.kind} ~ {finding.bench} ({finding.detail})")
    print(f"{len(result.offending)} offending sample(s); keys in {keys_path}, report in {out}")
    if args.write_clean and result.samples and len(result.offending) >= result.samples:
        raise FactoryError(f"every sample of '{args.dataset}' matches the benchmark; no clean copy written (the report is in {out})")
    if args.write_clean:
        clean = write_clean(args.dataset, args.write_clean, set(result.offending),
                            {"against": str(bench.root), "thresholds": data["thresholds"]})  # fmt: skip
        emptied = clean["decontaminated"]["emptied_splits"]
        print(f"clean copy: {clean['samples']['total']} samples in {args.write_clean} (render-factory verify {args.write_clean})"
              + (f"; split(s) {', '.join(emptied)} lost every sample, so the copy has no shard of them" if emptied else ""))  # fmt: skip
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("decontaminate", help="find benchmark images, tables and questions in a dataset; optionally write a clean copy")
    p.add_argument("dataset", help="dataset folder or URL")
    p.add_argument("--against", required=True, help="benchmark folder: images, CSV/TSV tables, JSON/JSONL questions, HTML")
    p.add_argument("--out", default="decontamination.json", help="JSON report (default: decontamination.json)")
    p.add_argument("--keys-out", help="offending keys, one a line (default: the report's path with .keys.txt)")
    p.add_argument("--write-clean", metavar="OUT", help="write a copy of the dataset without the offending samples to this new folder")
    p.add_argument("--image-bits", type=int, default=IMAGE_BITS, help=f"pHash bits (of 256) within which images are near-duplicates (default {IMAGE_BITS})")
    p.add_argument("--table-cells", type=float, default=TABLE_CELLS, help=f"share of cells two same-header tables must share (default {TABLE_CELLS})")
    p.set_defaults(func=cmd_decontaminate)
