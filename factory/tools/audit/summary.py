"""The audit of a dataset: samples spread over its shards, read in worker processes, and the
figures per task, renderer and locale (the JSON summary). It reads the dataset only."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from factory.errors import FactoryError
from factory.tools.audit.languages import tessdata
from factory.tools.audit.sample import MAX_IMAGE_PX, MAX_TEXT_CHARS, MAX_TEXTS, READ_BUDGET_PX, SampleAudit, audit_sample, read_meta
from factory.tools.audit.texts import SampleDamage
from factory.tools.preview import IMAGE_EXTENSIONS, MANIFEST, iter_shard, load_manifest


MAX_WORST = 8
BLANK_WIDTH = 0.25
MAX_SKIPPED_LISTED = 50  # damaged samples named in the summary (all are counted)


@dataclass
class Skipped:
    """A damaged sample, not audited: its key, its shard and why."""

    key: str
    shard: str
    reason: str


def _audit_raw(args: tuple[str, str, bytes | None, bytes | None]) -> SampleAudit | Skipped:
    """One sample's audit in a worker, or why it was skipped: a damaged sample ends its own audit only."""
    key, shard, image, meta_bytes = args
    try:
        return audit_sample(key, image, read_meta(meta_bytes))
    except SampleDamage as exc:
        return Skipped(key, shard, str(exc))


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"  # Tesseract's own threads would fight the worker processes


def check_ocr() -> None:
    """A clear error, not a traceback, when Tesseract is not installed."""
    if shutil.which("tesseract") is None:
        raise FactoryError("the audit reads images with Tesseract, which is not installed: "
                           "sudo apt-get install -y tesseract-ocr tesseract-ocr-eng (scripts/setup.sh installs it)")


def _shard_sizes(manifest: dict[str, Any], dataset: str) -> list[int]:
    """Each shard's sample count from the manifest; a one-line error when one is no whole number."""
    sizes = []
    for entry in manifest["shards"]:
        n = entry.get("samples", 0)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise FactoryError(f"'{dataset}/{MANIFEST}' lists shard '{entry['name']}' with \"samples\": {json.dumps(n)[:40]}, not a "
                               "count (a whole number, 0 or more); run render-factory verify on the dataset")
        sizes.append(n)
    return sizes


def _samples(store, manifest: dict[str, Any], limit: int, sizes: list[int]):
    """Up to `limit` samples spread evenly over the shards (the first ones of each; a shard with
    fewer samples than its share leaves the rest to the others)."""
    shards = manifest["shards"]
    share = [0] * len(shards)
    left = min(limit, sum(sizes))
    while left > 0:
        open_ = [i for i, n in enumerate(sizes) if share[i] < n]
        each = max(1, left // len(open_))
        for i in open_:
            extra = min(each, sizes[i] - share[i], left)
            share[i] += extra
            left -= extra
            if left == 0:
                break
    for entry, wanted in zip(shards, share):
        if wanted == 0:
            continue
        for n, sample in enumerate(iter_shard(store, entry["name"])):
            if n >= wanted:
                break
            yield sample


def _image_member(members: dict[str, bytes]) -> bytes | None:
    return next((members[ext] for ext in IMAGE_EXTENSIONS if ext in members), None)


def worker_count(workers: int | None, samples: int) -> int:
    """OCR processes for `samples` samples: `workers` (default: every core), never more than the
    samples or the cores (Tesseract runs one thread each: more processes than cores only wait)."""
    if workers is not None and workers < 1:
        raise FactoryError(f"--workers must be at least 1, got {workers}; leave it out to use every core")
    cores = os.cpu_count() or 1
    return max(1, min(workers or cores, cores, samples))


def run_audit(dataset: str, samples: int = 300, workers: int | None = None) -> tuple[dict[str, Any], list[SampleAudit], dict[str, bytes]]:
    """Audit up to `samples` samples; returns the JSON summary, every sample's audit and the
    images of the worst ones (for thumbnails). Reads the dataset only. A damaged sample is skipped
    and named in the summary (`samples_skipped`); a dataset with no sample is a one-line error."""
    check_ocr()
    if samples < 1:
        raise FactoryError(f"--samples must be at least 1, got {samples}")
    worker_count(workers, 1)  # a bad --workers says so before the dataset is read
    store, manifest = load_manifest(dataset)
    sizes = _shard_sizes(manifest, dataset)
    raw = [(s.key, s.shard, _image_member(s.members), s.members.get("json")) for s in _samples(store, manifest, samples, sizes)]
    if not raw:
        raise FactoryError(f"'{dataset}' holds no samples to audit (its manifest lists {len(sizes)} shard(s) "
                           f"with {sum(sizes)} samples); generate into it first, or give a dataset with samples")
    t0 = time.perf_counter()
    workers = worker_count(workers, len(raw))
    if workers == 1:
        _init_worker()
        outcomes = [_audit_raw(r) for r in raw]
    else:
        with ProcessPoolExecutor(workers, initializer=_init_worker) as pool:
            outcomes = list(pool.map(_audit_raw, raw, chunksize=1 if len(raw) < 2 * workers else 2))  # no worker idle on few samples
    seconds = time.perf_counter() - t0
    results = [r for r in outcomes if isinstance(r, SampleAudit)]
    skipped = [r for r in outcomes if isinstance(r, Skipped)]
    summary = summarise(results, manifest, dataset, seconds, skipped, workers)
    worst_keys = {w["key"] for task in summary["tasks"].values() for w in task["worst"]}
    images = {key: image for key, _, image, _ in raw if key in worst_keys and image is not None}
    return summary, results, images


def _image_figures(group: list[SampleAudit]) -> dict[str, Any]:
    """Missed tokens split by the control read: the image's misses (read clean, not in the image) and
    those beyond the reader (missed clean too); `tokens_found_or_beyond_reader` = 1 - image misses / tokens."""
    tokens = sum(r.tokens for r in group)
    misses = sum(len(r.image_misses) for r in group)
    return {
        "tokens_image_misses": misses,
        "tokens_beyond_reader": sum(r.beyond_reader for r in group),
        "tokens_found_or_beyond_reader": round(1 - misses / tokens, 4) if tokens else None,
    }


def _figures(group: list[SampleAudit]) -> dict[str, Any]:
    tokens = sum(r.tokens for r in group)
    return {
        "samples": len(group),
        "tokens_found": round(sum(r.found for r in group) / tokens, 4) if tokens else None,
        **_image_figures(group),
        "samples_invisible_text": sum(bool(r.invisible) for r in group),
        "texts_low_contrast": sum(len(r.low_contrast) for r in group),
        "questions_unanswerable": sum(len(r.unanswerable) for r in group),
    }


def summarise(results: list[SampleAudit], manifest: dict[str, Any], dataset: str, seconds: float,
              skipped: list[Skipped] | None = None, workers: int | None = None) -> dict[str, Any]:
    """The JSON summary of the audited samples (`results`) and of the damaged ones (`skipped`)."""
    skipped = skipped or []
    by_task: dict[str, list[SampleAudit]] = defaultdict(list)
    by_renderer: dict[str, list[SampleAudit]] = defaultdict(list)
    by_locale: dict[str, list[SampleAudit]] = defaultdict(list)
    for r in results:
        by_task[r.task].append(r)
        by_renderer[r.renderer].append(r)
        by_locale[r.locale].append(r)
    tasks = {}
    for task, group in sorted(by_task.items()):
        token_total = sum(r.tokens for r in group)
        questions = sum(r.questions for r in group)
        unanswerable = sum(len(r.unanswerable) for r in group)
        blanks = [r.blank_width for r in group if r.blank_width is not None]
        worst = sorted(group, key=lambda r: (-r.badness, r.key))[:MAX_WORST]
        tasks[task] = {
            "samples": len(group),
            "texts": sum(r.texts for r in group),
            "texts_skipped": sum(r.texts_skipped for r in group),
            "tokens": token_total,
            "tokens_found": round(sum(r.found for r in group) / token_total, 4) if token_total else None,
            **_image_figures(group),
            "texts_low_contrast": sum(len(r.low_contrast) for r in group),
            "samples_low_contrast": sum(bool(r.low_contrast) for r in group),
            "texts_invisible": sum(len(r.invisible) for r in group),
            "samples_invisible_text": sum(bool(r.invisible) for r in group),
            "boxes_outside_canvas": sum(len(r.outside) for r in group),
            "value_labels_crossed_by_marks": sum(len(r.crossed) for r in group),
            "questions": questions,
            "questions_unanswerable": unanswerable,
            "tables_over_25pct_blank_width": sum(b > BLANK_WIDTH for b in blanks) if blanks else None,
            "worst": [{"key": r.key, "kind": r.kind, "badness": round(r.badness, 3), "tokens": r.tokens, "found": r.found,
                       "missing": r.missing[:12], "image_misses": r.image_misses[:12], "low_contrast": r.low_contrast[:6], "invisible": r.invisible[:6],
                       "outside": r.outside[:6], "crossed": r.crossed[:6], "unanswerable": r.unanswerable[:6], "texts_skipped": r.texts_skipped} for r in worst],
        }
    token_total = sum(r.tokens for r in results)
    return {
        "dataset": dataset,
        "name": manifest.get("name", ""),
        "samples_audited": len(results),
        "samples_in_dataset": (manifest.get("samples") or {}).get("total") if isinstance(manifest.get("samples"), dict) else None,
        # damaged samples (json or image unreadable): not audited, each named with why (the first MAX_SKIPPED_LISTED)
        "samples_skipped": len(skipped),
        "skipped": [{"key": s.key, "shard": s.shard, "reason": s.reason} for s in skipped[:MAX_SKIPPED_LISTED]],
        # texts past a sample's bounds (MAX_TEXTS texts, MAX_TEXT_CHARS characters, READ_BUDGET_PX pixels): not audited
        "texts_skipped": sum(r.texts_skipped for r in results),
        "bounds": {"image_px": MAX_IMAGE_PX, "texts_per_sample": MAX_TEXTS, "text_chars": MAX_TEXT_CHARS, "read_px_per_sample": READ_BUDGET_PX},
        "seconds": round(seconds, 1),
        "workers": workers,  # OCR processes the audit ran (at most one per core and one per sample)
        "ocr": _ocr_version(),
        "tokens_found": round(sum(r.found for r in results) / token_total, 4) if token_total else None,
        **_image_figures(results),
        "tasks": tasks,
        "renderers": {name: _figures(group) for name, group in sorted(by_renderer.items())},
        "locales": {locale: {"ocr_language": group[0].ocr_language, **_figures(group)} for locale, group in sorted(by_locale.items())},
        # locales read with another model than their own (its data is not installed): their figures say little
        "ocr_notes": sorted({r.ocr_note for r in results if r.ocr_note}),
    }


def _ocr_version() -> str:
    import pytesseract

    try:
        return f"tesseract {pytesseract.get_tesseract_version()}; {tessdata()[1]}"
    except (OSError, RuntimeError) as exc:  # pytesseract raises its own TesseractNotFoundError (an OSError)
        return f"tesseract unavailable ({exc})"
