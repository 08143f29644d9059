"""`render-factory report`: what a dataset is made of, as one HTML page of Matplotlib plots.

Samples per task, split and kind (chart type, page archetype, table style); the distribution of
every sampled style axis; image sizes; target lengths; drop reasons; exact and near-duplicate
images; and how fast the run went. The dataset is streamed once, a sample at a time: only small
per-sample facts (sizes, lengths, hashes) are kept, never images, so `--max-samples` is needed
only to make a report of a very large dataset quicker, not to make it fit.

Near-duplicates use a 256-bit difference hash (dHash: the image as a 17x16 grey thumbnail, one
bit per pair of horizontal neighbours). That is the algorithm of `imagehash.dhash(image, 16)`,
written here in a few lines of numpy because imagehash would pull in SciPy and PyWavelets for
hashes this report does not use. Measured on this project's renders: a chart re-encoded as JPEG
(quality 60) moves 6 bits, the same chart at half size 7, a small drawn-over patch 1; the closest
two *different* charts among 224 mixed samples were 19 bits apart, tables 58 and pages 102.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import inspect
import io
import json
import logging
import math
import time
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
from PIL import Image

from factory.dataset import layout
from factory.dataset.shards import MAX_STATS_BYTES
from factory.dataset.storage import Store
from factory.errors import FactoryError
from factory.tools.html_page import page_head
from factory.tools.outputs import check_outputs, write_file
from factory.tools.text_size import DEFAULT_PATCHES, TextAtPatches
from factory.tools.preview import (
    RawSample,
    iter_shard,
    load_manifest,
    sample_kind,
    style_choices,
)

log = logging.getLogger(__name__)

HASH_SIZE = 16  # dHash grid: 16 rows x 16 comparisons = 256 bits
NEAR_DUPLICATE_BITS = 10  # <= this many differing bits of 256 counts as a near-duplicate
NEIGHBOUR_SAMPLE = 2000  # nearest-neighbour distances are plotted for at most this many images
MAX_LISTED = 30  # duplicate pairs listed in the page
MAX_THUMBNAILS = 12  # duplicate pairs shown as pictures
TOP_VALUES = 12  # bars per categorical axis; the rest is summed as "other"
NUMERIC_DISTINCT = 12  # a numeric axis with more distinct values than this is a histogram


# --- hashing -------------------------------------------------------------------------------------


def dhash(image: Image.Image, size: int = HASH_SIZE) -> np.ndarray:
    """The image's difference hash as size*size/8 packed bytes."""
    grey = image.convert("L").resize((size + 1, size), Image.Resampling.BOX)
    pixels = np.asarray(grey, dtype=np.int16)
    return np.packbits(pixels[:, 1:] > pixels[:, :-1])


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Differing bits between packed uint8 hashes, broadcasting over leading axes."""
    if a.shape[-1] % 8 == 0 and hasattr(np, "bitwise_count"):  # numpy >= 2: 64 bits per step
        a64 = np.ascontiguousarray(a).view(np.uint64)
        b64 = np.ascontiguousarray(b).view(np.uint64)
        return np.bitwise_count(np.bitwise_xor(a64, b64)).sum(axis=-1, dtype=np.int32)
    return _POPCOUNT[np.bitwise_xor(a, b)].sum(axis=-1, dtype=np.int32)


def near_duplicate_pairs(hashes: np.ndarray, max_bits: int = NEAR_DUPLICATE_BITS) -> list[tuple[int, int, int]]:
    """Every pair (i, j, bits) with i < j whose hashes differ in at most `max_bits` bits.

    Multi-index hashing: cut each hash into max_bits + 1 pieces; two hashes within max_bits
    bits agree exactly on at least one piece, so only hashes sharing a piece are compared.
    """
    if len(hashes) < 2:
        return []
    bits = np.unpackbits(hashes, axis=1)
    pieces = np.array_split(np.arange(bits.shape[1]), max_bits + 1)
    found: dict[tuple[int, int], int] = {}
    for cols in pieces:
        _, keys = np.unique(np.packbits(bits[:, cols], axis=1), axis=0, return_inverse=True)
        keys = keys.reshape(-1)
        order = np.argsort(keys, kind="stable")
        edges = np.flatnonzero(np.diff(keys[order])) + 1
        for group in np.split(order, edges):
            if len(group) < 2:
                continue
            group = np.sort(group)
            block = max(1, min(256, (1 << 24) // (len(group) * hashes.shape[1])))  # ~16 MB at a time
            members = hashes[group]
            for start in range(0, len(group), block):
                rows = group[start : start + block]
                later = members[start:]  # each pair once: a row against itself and what follows
                dist = hamming(members[start : start + block][:, None, :], later[None, :, :])
                ii, jj = np.nonzero(dist <= max_bits)
                for a, b in zip(ii, jj):
                    i, j = int(rows[a]), int(group[start + b])
                    if i < j:
                        found[(i, j)] = int(dist[a, b])
    return sorted((i, j, d) for (i, j), d in found.items())


# --- one pass over the dataset -----------------------------------------------------------------


@dataclass
class Summary:
    """Small facts about every sample read; nothing here grows with image size."""

    samples: int = 0
    by_task: Counter = field(default_factory=Counter)
    by_split: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)
    by_split_task: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    style: dict[str, dict[str, Counter]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counter)))
    sizes: Counter = field(default_factory=Counter)  # (generator, width, height) -> samples
    image_bytes: dict[str, array] = field(default_factory=lambda: defaultdict(lambda: array("q")))
    target_chars: dict[str, array] = field(default_factory=lambda: defaultdict(lambda: array("q")))
    keys: list[str] = field(default_factory=list)
    shard_of: list[int] = field(default_factory=list)
    hashes: list[np.ndarray] = field(default_factory=list)
    exact: dict[bytes, int] = field(default_factory=dict)  # sha256 -> first sample index
    exact_pairs: list[tuple[int, int]] = field(default_factory=list)  # (first, later copy)
    unreadable: list[str] = field(default_factory=list)
    augment_ops: Counter = field(default_factory=Counter)  # op -> samples it ran on
    augment_skipped: Counter = field(default_factory=Counter)  # op -> samples where legibility skipped it
    augment_samples: int = 0  # samples that went through the degradation stage
    augment_milder: int = 0  # of those, drawn again at half strength
    shards_read: int = 0
    per_shard_limit: int | None = None
    seconds: float = 0.0
    text_at_patches: TextAtPatches = field(default_factory=TextAtPatches)  # body text after a Pix2Struct resize

    def add(self, sample: RawSample, shard_index: int) -> None:
        meta = sample.meta
        index = self.samples
        self.samples += 1
        task, split = str(meta.get("task", "?")), str(meta.get("split", "?"))
        generator = str((meta.get("generator") or {}).get("name", "?"))
        self.by_task[task] += 1
        self.by_split[split] += 1
        self.by_kind[sample_kind(meta)] += 1
        self.by_split_task[split][task] += 1
        self.text_at_patches.add(meta)
        for axis, value in style_choices(meta):
            self.style[generator][axis][_hashable(value)] += 1
        augmentation = meta.get("augmentation")
        record = augmentation.get("degradation") if isinstance(augmentation, dict) else None
        if isinstance(record, dict):
            self.augment_samples += 1
            self.augment_milder += record.get("strength", 1.0) != 1.0
            for op in record.get("ops") or []:
                (self.augment_skipped if "skipped" in op else self.augment_ops)[str(op.get("op"))] += 1
        data = sample.image
        self.image_bytes[generator].append(len(data))
        self.target_chars[task].append(len(sample.text))
        self.keys.append(sample.key)
        self.shard_of.append(shard_index)
        digest = hashlib.sha256(data).digest()
        first = self.exact.setdefault(digest, index)
        if first != index:
            self.exact_pairs.append((first, index))
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                image.draft("L", (HASH_SIZE * 4, HASH_SIZE * 4))  # JPEG decodes at a fraction of full size
                self.hashes.append(dhash(image))
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            self.unreadable.append(f"{sample.key}: {exc}")
            self.hashes.append(np.zeros(HASH_SIZE * HASH_SIZE // 8, dtype=np.uint8))
            width = height = 0
        self.sizes[(generator, width, height)] += 1


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else json.dumps(value, sort_keys=True)


def summarise(store: Store, manifest: dict[str, Any], max_samples: int | None = None, max_patches: int = DEFAULT_PATCHES) -> Summary:
    """Read the dataset once, shard by shard; with `max_samples`, the first ones of every shard;
    body text measured at `max_patches` Pix2Struct patches."""
    shards = manifest["shards"]
    summary = Summary(text_at_patches=TextAtPatches(max_patches))
    if max_samples is not None:
        if max_samples < 1:
            raise FactoryError(f"--max-samples must be at least 1, got {max_samples}")
        summary.per_shard_limit = max(1, math.ceil(max_samples / max(len(shards), 1)))
    t0 = time.perf_counter()
    for shard_index, entry in enumerate(shards):
        if max_samples is not None and summary.samples >= max_samples:
            break
        taken = 0
        for sample in iter_shard(store, entry["name"]):
            summary.add(sample, shard_index)
            taken += 1
            if summary.per_shard_limit is not None and (taken >= summary.per_shard_limit or summary.samples >= max_samples):
                break
        summary.shards_read += 1
    summary.seconds = time.perf_counter() - t0
    return summary


def read_shard_stats(store: Store, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-shard stats files (written by each shard as its completion marker)."""
    out = []
    for entry in manifest["shards"]:
        name = layout.stats_file(layout.shard_name_of(entry["name"]))
        if not store.exists(name):
            log.warning("no stats file %s; its shard is left out of the throughput plots", name)
            continue
        try:
            out.append(store.read_json(name, MAX_STATS_BYTES))
        except (OSError, ValueError) as exc:  # not JSON, too deep, a pipe or device, too large
            log.warning("stats file %s cannot be read (%s); left out", name, exc)
    return out


# --- plots ---------------------------------------------------------------------------------------


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, metadata={"Software": None})
    _pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _barh(ax, counts: list[tuple[str, float]], title: str, colour: str = "#4c72b0", values_shown: bool = True) -> None:
    labels = [str(k) for k, _ in counts][::-1]
    values = [v for _, v in counts][::-1]
    ax.barh(range(len(values)), values, color=colour)
    ax.set_yticks(range(len(values)), [lbl if len(lbl) <= 28 else lbl[:27] + "\u2026" for lbl in labels], fontsize=8)
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(axis="x", labelsize=7)
    if values_shown:  # text is what costs time in a figure: grids of small plots go without
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:g}", va="center", fontsize=7)
        ax.margins(x=0.15)


def plot_makeup(s: Summary) -> str:
    plt = _pyplot()
    kinds = s.by_kind.most_common(30)
    fig, axes = plt.subplots(1, 3, figsize=(15, max(3.0, 0.28 * max(len(kinds), len(s.by_task)) + 1.2)), layout="constrained")
    tasks = sorted(s.by_task)
    splits = sorted(s.by_split)
    left = np.zeros(len(tasks))
    colours = {"train": "#4c72b0", "val": "#dd8452", "test": "#55a868"}
    for split in splits:
        values = np.array([s.by_split_task[split][t] for t in tasks], dtype=float)
        axes[0].barh(range(len(tasks)), values, left=left, label=split, color=colours.get(split))
        left += values
    axes[0].set_yticks(range(len(tasks)), tasks, fontsize=8)
    axes[0].invert_yaxis()
    axes[0].legend(fontsize=8)
    axes[0].set_title("samples per task (by split)", fontsize=9, loc="left")
    _barh(axes[1], [(k, s.by_split[k]) for k in splits], "samples per split", "#dd8452")
    _barh(axes[2], kinds, "samples per kind (generator/type)", "#55a868")
    return _png(fig)


def _is_numeric(values: Counter) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) and len(values) > NUMERIC_DISTINCT


def plot_style(generator: str, axes_counts: dict[str, Counter]) -> str | None:
    """Small multiples, one per axis that varies (constant axes are listed in the page instead)."""
    names = sorted(name for name, counts in axes_counts.items() if len(counts) > 1)
    if not names:
        return None
    plt = _pyplot()
    cols = 4
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(16, 2.3 * rows + 0.4), squeeze=False)
    fig.subplots_adjust(left=0.09, right=0.99, top=1 - 0.3 / (2.3 * rows + 0.4), bottom=0.25 / rows, wspace=0.75, hspace=0.55)
    from matplotlib.ticker import MaxNLocator

    # Ticks and titles are most of the drawing time of 40 small plots: few ticks, and titles as
    # plain text (set_title would lay every tick label out again to place itself).
    for ax, name in zip(axes.flat, names):
        counts = axes_counts[name]
        if _is_numeric(counts):
            values = np.array(list(counts.keys()), dtype=float)
            weights = np.array(list(counts.values()), dtype=float)
            ax.hist(values, bins=min(20, len(values)), weights=weights, color="#8172b3")
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
            ax.tick_params(labelsize=7)
        else:
            top = counts.most_common(TOP_VALUES)
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v, _ in top):
                top.sort(key=lambda kv: kv[0])
            rest = sum(counts.values()) - sum(v for _, v in top)
            shown = [("(none)" if k is None else "(empty)" if k == "" else str(k), v) for k, v in top]
            if rest:
                shown.append((f"other ({len(counts) - len(top)} values)", rest))
            _barh(ax, shown, "", "#8172b3", values_shown=False)
            ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
        ax.text(0, 1.04, f"{name} ({len(counts)} values)", transform=ax.transAxes, fontsize=9, va="bottom")
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    return _png(fig)


def plot_images(s: Summary) -> str:
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.2), layout="constrained")
    generators = sorted({g for g, _, _ in s.sizes})
    cmap = plt.get_cmap("tab10")
    all_kib = np.concatenate([np.asarray(s.image_bytes[g], dtype=float) for g in generators]) / 1024
    edges = np.linspace(all_kib.min(), all_kib.max() + 1e-9, 31)
    for i, gen in enumerate(generators):
        pts = [(w, h, n) for (g, w, h), n in s.sizes.items() if g == gen]
        w, h, n = (np.array(v, dtype=float) for v in zip(*pts))
        axes[0].scatter(w, h, s=12 + 30 * np.sqrt(n), alpha=0.6, color=cmap(i), label=gen)
        axes[1].hist(np.array(s.image_bytes[gen], dtype=float) / 1024, bins=edges, alpha=0.6, color=cmap(i), label=gen)
    axes[0].set_xlabel("width (px)")
    axes[0].set_ylabel("height (px)")
    axes[0].set_title("image sizes (marker area ~ samples)", fontsize=9, loc="left")
    axes[1].set_xlabel("encoded image size (KiB)")
    axes[1].set_ylabel("samples")
    axes[1].set_title("image bytes per sample", fontsize=9, loc="left")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.tick_params(labelsize=8)
    return _png(fig)


def plot_targets(s: Summary) -> str:
    """One row per task on a log scale: lengths differ by orders of magnitude between tasks."""
    plt = _pyplot()
    tasks = sorted(s.target_chars)
    fig, ax = plt.subplots(figsize=(12, 0.45 * len(tasks) + 1.4), layout="constrained")
    data = [np.maximum(np.asarray(s.target_chars[t], dtype=float), 1) for t in tasks]
    horizontal = {"orientation": "horizontal"} if "orientation" in inspect.signature(ax.boxplot).parameters else {"vert": False}
    ax.boxplot(data, whis=(5, 95), showfliers=False, widths=0.6, **horizontal)
    rng = np.random.default_rng(0)  # jitter only; the same picture every time
    for i, values in enumerate(data, start=1):
        shown = values[:: max(1, len(values) // 2000)]
        ax.scatter(shown, i + rng.uniform(-0.18, 0.18, len(shown)), s=6, alpha=0.4, color="#c44e52")
    ax.set_yticks(range(1, len(tasks) + 1), tasks, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("characters in the txt target (log scale; box: quartiles, whiskers: 5th-95th percentile)", fontsize=8)
    ax.invert_yaxis()
    return _png(fig)


def plot_drops(manifest: dict[str, Any]) -> str | None:
    reasons = (manifest.get("drops") or {}).get("by_reason") or {}
    if not reasons:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(reasons) + 1.2), layout="constrained")
    _barh(ax, sorted(reasons.items(), key=lambda kv: -kv[1]), "dropped attempts by reason", "#937860")
    return _png(fig)


def plot_augment(s: Summary) -> str | None:
    """How often each degradation op ran (and was skipped to keep text legible), share of samples."""
    if not s.augment_samples:
        return None
    plt = _pyplot()
    ops = sorted(set(s.augment_ops) | set(s.augment_skipped), key=lambda op: -s.augment_ops[op])
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(ops) + 1.4), layout="constrained")
    y = np.arange(len(ops))[::-1]
    ran = np.array([s.augment_ops[op] for op in ops], dtype=float) / s.augment_samples
    skipped = np.array([s.augment_skipped[op] for op in ops], dtype=float) / s.augment_samples
    ax.barh(y, ran, color="#c44e52", label="ran")
    ax.barh(y, skipped, left=ran, color="#cccccc", label="skipped (would make text illegible)")
    ax.set_yticks(y, ops, fontsize=8)
    for yi, r in zip(y, ran):
        ax.text(r, yi, f" {r:.0%}", va="center", fontsize=7)
    ax.set_xlim(0, max(1.0, float((ran + skipped).max()) * 1.1))
    ax.set_title(f"degradation ops: share of the {s.augment_samples} degraded-stage samples each ran on", fontsize=9, loc="left")
    ax.legend(fontsize=7, loc="lower right")
    return _png(fig)


def plot_throughput(stats: list[dict[str, Any]]) -> str | None:
    if not stats:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(14, 3.8), layout="constrained")
    names = [layout.shard_name_of(s["shard"]) for s in stats]
    rates = [s.get("samples_per_second") or 0 for s in stats]
    axes[0].bar(range(len(rates)), rates, color="#4c72b0")
    if len(names) <= 30:
        axes[0].set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    axes[0].set_ylabel("samples / s (one worker)")
    axes[0].set_title("throughput per shard", fontsize=9, loc="left")
    stages: Counter = Counter()
    for s in stats:
        stages.update(s.get("stage_seconds") or {})
    _barh(axes[1], [(k, round(v, 1)) for k, v in stages.most_common()], "worker seconds per stage (all shards)", "#55a868")
    return _png(fig)


def plot_neighbours(hashes: np.ndarray, max_bits: int) -> str | None:
    n = min(len(hashes), NEIGHBOUR_SAMPLE)
    if n < 2:
        return None
    sub = hashes[:n]
    nearest = np.full(n, 10**6, dtype=np.int64)
    for start in range(0, n, 256):
        dist = hamming(sub[start : start + 256][:, None, :], sub[None, :, :]).astype(np.int64)
        for k in range(dist.shape[0]):
            dist[k, start + k] = 10**6
        nearest[start : start + 256] = dist.min(axis=1)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    ax.hist(nearest, bins=np.arange(0, HASH_SIZE * HASH_SIZE // 2 + 4, 4), color="#64b5cd")
    ax.axvline(max_bits + 0.5, color="#c44e52", linestyle="--", label=f"near-duplicate threshold ({max_bits} bits)")
    ax.set_xlabel(f"bits differing from the nearest other image (dHash, {HASH_SIZE * HASH_SIZE} bits)")
    ax.set_ylabel("samples")
    ax.set_title(f"distance to the nearest neighbour ({'first ' if n < len(hashes) else ''}{n} samples)", fontsize=9, loc="left")
    ax.legend(fontsize=8)
    return _png(fig)


# --- duplicates -----------------------------------------------------------------------------------


def _thumbnails(store: Store, manifest: dict[str, Any], s: Summary, indices: set[int]) -> dict[int, str]:
    """Small pictures of the listed duplicates, from a second pass over their shards only."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for i in indices:
        wanted[s.shard_of[i]].add(s.keys[i])
    index_of = {s.keys[i]: i for i in indices}
    out: dict[int, str] = {}
    for shard_index in sorted(wanted):
        keys = wanted[shard_index]
        for sample in iter_shard(store, manifest["shards"][shard_index]["name"]):
            if sample.key in keys:
                try:
                    with Image.open(io.BytesIO(sample.image)) as image:
                        image.thumbnail((180, 180))
                        buf = io.BytesIO()
                        image.convert("RGB").save(buf, "PNG")
                    out[index_of[sample.key]] = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
                except (OSError, ValueError):
                    pass  # listed without a picture; the unreadable image is reported separately
                keys.discard(sample.key)
                if not keys:
                    break
    return out


def find_near_duplicates(summary: Summary, near_bits: int = NEAR_DUPLICATE_BITS) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """All hashes, and (i, j, bits) near-duplicate pairs among them, exact copies left out.

    An exact copy (summary.exact_pairs) is not compared again: it would only repeat, as a
    near-duplicate at 0 bits, a pair already reported.
    """
    hashes = np.stack(summary.hashes) if summary.hashes else np.zeros((0, HASH_SIZE * HASH_SIZE // 8), np.uint8)
    copies = {later for _, later in summary.exact_pairs}
    keep = np.array([i not in copies for i in range(len(hashes))], dtype=bool)
    kept_index = np.flatnonzero(keep)
    pairs = near_duplicate_pairs(hashes[keep], near_bits)
    return hashes, [(int(kept_index[i]), int(kept_index[j]), d) for i, j, d in pairs]


# --- the page ---------------------------------------------------------------------------------------

PAGE = jinja2.Template(
    page_head('Report: {{ name }}', 'img.plot{max-width:100%;height:auto;display:block;margin:8px 0}\n')
    + """
<body>
<h1>{{ name }}</h1>
{% if description %}<div>{{ description }}</div>{% endif %}
<div class="muted">{{ read }} of {{ total }} samples read{% if limit %} (at most {{ limit }} from each shard){% endif %} in {{ read_seconds }} s;
{{ shards }} shards; seed {{ seed }}; render-factory {{ version }}.</div>
{% if unreadable %}<p class="warn">{{ unreadable|length }} image(s) could not be decoded: {{ unreadable[:5]|join('; ') }}</p>{% endif %}

<h2>Make-up</h2>
{% if plots.makeup %}<img class="plot" alt="samples per task, split and kind" src="{{ plots.makeup }}">{% else %}<p>No sample was read.</p>{% endif %}
<table><tr><th>split</th>{% for t in tasks %}<th>{{ t }}</th>{% endfor %}<th>total</th></tr>
{% for split, row in split_task %}<tr><td>{{ split }}</td>{% for v in row %}<td class="num">{{ v }}</td>{% endfor %}</tr>{% endfor %}
</table>

<h2>Style axes</h2>
<p class="muted">Every sampled choice in each sample's <code>source.style</code> / <code>source.theme</code>, by generator.</p>
<p class="muted">Bars count samples (a list-valued axis, such as per-series colours, counts each element); numeric axes with many values are histograms.</p>
{% for gen, src in plots.style %}<h3>{{ gen }}</h3><img class="plot" alt="style axes of {{ gen }}" src="{{ src }}">{% endfor %}
{% for gen, fixed in constant_axes %}<p class="muted">{{ gen }}: the same in every sample read: {{ fixed }}</p>{% endfor %}
{% if not plots.style and not constant_axes %}<p>No sample records style choices.</p>{% endif %}

<h2>Images</h2>
{% if plots.images %}<img class="plot" alt="image sizes" src="{{ plots.images }}">{% else %}<p>No sample was read.</p>{% endif %}
<table><tr><th>generator</th><th>distinct sizes</th><th>most common</th><th>median KiB</th><th>max KiB</th></tr>
{% for row in image_rows %}<tr><td>{{ row[0] }}</td><td class="num">{{ row[1] }}</td><td>{{ row[2] }}</td><td class="num">{{ row[3] }}</td><td class="num">{{ row[4] }}</td></tr>{% endfor %}
</table>
<p>{{ text_at_patches }}<span class="muted"> (the font size most visible characters are drawn at, after Pix2Struct's aspect-keeping resize)</span></p>

<h2>Target lengths</h2>
{% if plots.targets %}<img class="plot" alt="target lengths" src="{{ plots.targets }}">{% else %}<p>No sample was read.</p>{% endif %}
<table><tr><th>task</th><th>samples</th><th>min</th><th>median</th><th>p95</th><th>max</th></tr>
{% for row in target_rows %}<tr>{% for v in row %}<td{% if not loop.first %} class="num"{% endif %}>{{ v }}</td>{% endfor %}</tr>{% endfor %}
</table>

{% if plots.augment %}<h2>Degradations</h2>
<p>{{ augment.samples }} samples went through the degradation stage (recipe <code>augment:</code>); {{ augment.milder }} of them were drawn again at half strength to keep their text legible. Each op's bar is the share of those samples it ran on.</p>
<img class="plot" alt="how often each degradation op ran" src="{{ plots.augment }}">{% endif %}

<h2>Drops</h2>
{% if drops_total %}<p>{{ drops_total }} attempts were dropped ({{ drop_rate }} of all attempts) and replaced by new ones.</p>
<img class="plot" alt="drop reasons" src="{{ plots.drops }}">
<table><tr><th>reason</th><th>count</th><th>example</th></tr>
{% for reason, count, example in drop_rows %}<tr><td>{{ reason }}</td><td class="num">{{ count }}</td><td><code>{{ example }}</code></td></tr>{% endfor %}
</table>{% else %}<p>No attempt was dropped.</p>{% endif %}

<h2>Duplicates</h2>
<p>Exact duplicates (same image bytes, sha256): <b>{{ exact|length }}</b> image(s) repeat an earlier one.
Near-duplicates (dHash within {{ near_bits }} of {{ hash_bits }} bits, exact copies excluded): <b>{{ near_total }}</b> pair(s){% if near_total %} among {{ near_samples }} samples{% endif %}.</p>
{% if plots.neighbours %}<img class="plot" alt="nearest-neighbour distances" src="{{ plots.neighbours }}">{% endif %}
{% if pairs %}<table><tr><th>kind</th><th>sample</th><th>duplicate</th><th>bits</th><th>pictures</th></tr>
{% for p in pairs %}<tr><td>{{ p.kind }}</td><td><code>{{ p.a }}</code></td><td><code>{{ p.b }}</code></td><td class="num">{{ p.bits }}</td>
<td>{% if p.thumb_a %}<img alt="{{ p.a }}" src="{{ p.thumb_a }}"> <img alt="{{ p.b }}" src="{{ p.thumb_b }}">{% endif %}</td></tr>{% endfor %}
</table>{% if pairs_more %}<p class="muted">and {{ pairs_more }} more.</p>{% endif %}{% endif %}

<h2>Throughput of the run</h2>
<table>
<tr><td>worker seconds (all shards)</td><td class="num">{{ tp.worker_seconds }}</td></tr>
<tr><td>samples per worker second</td><td class="num">{{ tp.samples_per_worker_second }}</td></tr>
{% if wall %}<tr><td>wall-clock span of the shards (first start to last finish)</td><td class="num">{{ wall.seconds }} s</td></tr>
<tr><td>samples per wall-clock second</td><td class="num">{{ wall.rate }}</td></tr>{% endif %}
<tr><td>attempts per kept sample</td><td class="num">{{ attempts_ratio }}</td></tr>
</table>
{% if plots.throughput %}<img class="plot" alt="throughput" src="{{ plots.throughput }}">{% endif %}
<p class="muted">Versions: {{ versions }}</p>
</body>
</html>
""",
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _percentile(values: array, q: float) -> str:
    return f"{np.percentile(np.asarray(values, dtype=float), q):.0f}"


def build_report(
    dataset: str, max_samples: int | None = None, near_bits: int = NEAR_DUPLICATE_BITS, max_patches: int = DEFAULT_PATCHES
) -> tuple[str, Summary]:
    """The report page's HTML and the summary it was made from."""
    store, manifest = load_manifest(dataset)
    summary = summarise(store, manifest, max_samples, max_patches)
    stats = read_shard_stats(store, manifest)
    hashes, near = find_near_duplicates(summary, near_bits)

    listed = [("exact", a, b, 0) for a, b in summary.exact_pairs] + [("near", a, b, d) for a, b, d in near]
    shown = listed[:MAX_LISTED]
    thumbs = _thumbnails(store, manifest, summary, {i for _, a, b, _ in shown[:MAX_THUMBNAILS] for i in (a, b)})
    pairs = [
        {"kind": kind, "a": summary.keys[a], "b": summary.keys[b], "bits": bits, "thumb_a": thumbs.get(a), "thumb_b": thumbs.get(b)}
        for kind, a, b, bits in shown
    ]
    for p in pairs:
        if not (p["thumb_a"] and p["thumb_b"]):
            p["thumb_a"] = p["thumb_b"] = None

    tasks = sorted(summary.by_task)
    split_task = [
        (split, [summary.by_split_task[split][t] for t in tasks] + [summary.by_split[split]]) for split in sorted(summary.by_split)
    ]
    image_rows = []
    for gen in sorted(summary.image_bytes):
        sizes = Counter({(w, h): n for (g, w, h), n in summary.sizes.items() if g == gen})
        (w, h), n = sizes.most_common(1)[0]
        kib = np.asarray(summary.image_bytes[gen], dtype=float) / 1024
        image_rows.append((gen, len(sizes), f"{w}\u00d7{h} ({n})", f"{np.median(kib):.1f}", f"{kib.max():.1f}"))
    target_rows = [
        (task, len(v), min(v), _percentile(v, 50), _percentile(v, 95), max(v)) for task, v in sorted(summary.target_chars.items())
    ]
    drops = manifest.get("drops") or {}
    examples: dict[str, str] = {}
    for s in stats:
        for reason, example in (s.get("drop_examples") or {}).items():
            examples.setdefault(reason, example)
    drop_rows = [(r, n, examples.get(r, "")) for r, n in sorted((drops.get("by_reason") or {}).items(), key=lambda kv: -kv[1])]
    attempts = sum(s.get("attempts", 0) for s in stats)
    kept = sum(s.get("samples", 0) for s in stats)
    wall = None
    timed = [s for s in stats if s.get("started") is not None and s.get("seconds") is not None]
    if timed:
        span = max(s["started"] + s["seconds"] for s in timed) - min(s["started"] for s in timed)
        wall = {"seconds": f"{span:.1f}", "rate": f"{sum(s['samples'] for s in timed) / span:.2f}" if span > 0 else "n/a"}

    read = summary.samples > 0  # a run that kept nothing still has drops and throughput to show
    plots = {
        "makeup": plot_makeup(summary) if read else None,
        "style": [(gen, png) for gen, axes in sorted(summary.style.items()) if (png := plot_style(gen, axes))],
        "images": plot_images(summary) if read else None,
        "targets": plot_targets(summary) if read else None,
        "drops": plot_drops(manifest),
        "augment": plot_augment(summary),
        "throughput": plot_throughput(stats),
        "neighbours": plot_neighbours(hashes, near_bits) if read else None,
    }
    page = PAGE.render(
        name=manifest.get("name", "dataset"),
        description=(manifest.get("description") or "").strip(),
        read=summary.samples,
        total=(manifest.get("samples") or {}).get("total", "?"),
        limit=summary.per_shard_limit,
        read_seconds=f"{summary.seconds:.1f}",
        shards=len(manifest["shards"]),
        seed=manifest.get("seed", "?"),
        version=(manifest.get("versions") or {}).get("render_factory", "?"),
        unreadable=summary.unreadable,
        plots=plots,
        tasks=tasks,
        split_task=split_task,
        image_rows=image_rows,
        target_rows=target_rows,
        augment={"samples": summary.augment_samples, "milder": summary.augment_milder},
        drops_total=drops.get("total", 0),
        drop_rate=f"{drops.get('total', 0) / attempts:.1%}" if attempts else "n/a",
        drop_rows=drop_rows,
        exact=summary.exact_pairs,
        near_bits=near_bits,
        hash_bits=HASH_SIZE * HASH_SIZE,
        near_total=len(near),
        near_samples=len({i for a, b, _ in near for i in (a, b)}),
        pairs=pairs,
        pairs_more=max(0, len(listed) - len(shown)),
        tp=manifest.get("throughput") or {"worker_seconds": "?", "samples_per_worker_second": "?"},
        wall=wall,
        attempts_ratio=f"{attempts / kept:.2f}" if kept else "n/a",
        constant_axes=[
            (gen, ", ".join(f"{name} = {next(iter(counts))}" for name, counts in sorted(axes.items()) if len(counts) == 1))
            for gen, axes in sorted(summary.style.items())
            if any(len(counts) == 1 for counts in axes.values())
        ],
        versions=", ".join(f"{k} {v}" for k, v in (manifest.get("versions") or {}).items()),
        text_at_patches=summary.text_at_patches.line(),
    )
    return page, summary


def write_report(
    dataset: str, out: str | Path, max_samples: int | None = None, near_bits: int = NEAR_DUPLICATE_BITS, max_patches: int = DEFAULT_PATCHES
) -> tuple[Path, Summary]:
    load_manifest(dataset)  # a folder that is no dataset says so first
    path = check_outputs({"--out": out}, read_only_folders={"dataset": dataset})["--out"]
    page, summary = build_report(dataset, max_samples, near_bits, max_patches)
    return write_file(path, page, "report"), summary


def cmd_report(args: argparse.Namespace) -> int:
    if not 0 <= args.near_bits < HASH_SIZE * HASH_SIZE:
        raise FactoryError(f"--near-bits must be between 0 and {HASH_SIZE * HASH_SIZE - 1}, got {args.near_bits}")
    if args.max_patches < 1:
        raise FactoryError(f"--max-patches must be at least 1, got {args.max_patches}")
    path, summary = write_report(args.dataset, args.out, args.max_samples, args.near_bits, args.max_patches)
    print(
        f"report on {summary.samples} samples written to {path.resolve()} ({path.stat().st_size / 1e6:.1f} MB); "
        f"{len(summary.exact_pairs)} exact duplicate image(s); open it in a browser"
    )
    print(summary.text_at_patches.line())
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="HTML report of a dataset's make-up: tasks, styles, sizes, lengths, drops, duplicates, speed")
    p.add_argument("dataset", help="dataset folder or URL")
    p.add_argument("--out", default="report.html", help="HTML file to write (default: report.html)")
    p.add_argument("--max-samples", type=int, help="read at most this many samples, spread evenly over the shards")
    p.add_argument(
        "--near-bits", type=int, default=NEAR_DUPLICATE_BITS,
        help=f"images whose {HASH_SIZE * HASH_SIZE}-bit dHashes differ in at most this many bits are near-duplicates (default {NEAR_DUPLICATE_BITS})",
    )
    p.add_argument(
        "--max-patches", type=int, default=DEFAULT_PATCHES,
        help=f"measure body text as a Pix2Struct model with this patch budget sees it (default {DEFAULT_PATCHES})",
    )
    p.set_defaults(func=cmd_report)


__all__ = [
    "Summary", "add_parser", "build_report", "dhash", "find_near_duplicates", "hamming", "near_duplicate_pairs", "summarise", "write_report",
]
