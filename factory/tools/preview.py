"""`render-factory preview`: a dataset's samples on one self-contained HTML page.

People should see what they are about to train on: each card shows the image, its targets as a
person reads them (a DePlot table as a table, code and HTML as text, QA pairs), the measured
boxes over the image, and the style choices that made it. The page fetches nothing: images are
data: URIs, its Content-Security-Policy refuses every other source, and it has no script, so
it opens from disk in any browser, offline, for as long as the file exists.

The small dataset-reading helpers here (manifest, streamed shards, a sample's kind and style
choices) are shared with `factory.tools.report`.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import math
import tarfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from factory.boxes import find_boxes
from factory.dataset import layout
from factory.errors import FactoryError
from factory.tools.outputs import check_outputs, write_file
from factory.meta import unpack
from factory.dataset.storage import HashingReader, Store

log = logging.getLogger(__name__)

MANIFEST = layout.MANIFEST
DEFAULT_N = 48
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "webp")
MIME = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
# Fields of a source that hold its sampled look; charts keep theirs in `style`, pages in `theme`,
# table images in both (`style` is the table style's name there).
STYLE_FIELDS = ("style", "theme")
# What a sample "is" within its generator, first field present wins.
KIND_FIELDS = ("chart_type", "archetype", "style")

# --- reading a dataset ---------------------------------------------------------------------------


@dataclass
class RawSample:
    """One sample as stored: its members' bytes, and where it came from."""

    key: str
    shard: str
    position: int  # index of the sample within its shard
    members: dict[str, bytes] = field(default_factory=dict)
    _meta: dict[str, Any] | None = None

    @property
    def meta(self) -> dict[str, Any]:
        if self._meta is None:
            try:
                self._meta = unpack(json.loads(self.members["json"]))
            except (KeyError, ValueError, TypeError) as exc:
                raise FactoryError(f"sample {self.key} in {self.shard} has no readable json member ({exc}); run render-factory verify") from None
        return self._meta

    @property
    def image_ext(self) -> str:
        for ext in IMAGE_EXTENSIONS:
            if ext in self.members:
                return ext
        raise FactoryError(f"sample {self.key} in {self.shard} has no image member (png, jpg or webp); run render-factory verify")

    @property
    def image(self) -> bytes:
        return self.members[self.image_ext]

    @property
    def text(self) -> str:
        return self.members.get("txt", b"").decode("utf-8", errors="replace")


def load_manifest(dataset: str) -> tuple[Store, dict[str, Any]]:
    """The dataset's store and manifest; a one-line error when it is not a finished dataset."""
    store = Store(dataset)
    if not store.exists(MANIFEST) and store.exists(layout.LEGACY_NAMES[0]):
        raise FactoryError(layout.legacy_message(dataset))
    if not store.exists(MANIFEST):
        raise FactoryError(
            f"no {MANIFEST} in '{dataset}': give a dataset folder written by render-factory generate "
            "(an interrupted run writes it when re-run with the same --out)"
        )
    from factory.dataset.verify import MAX_MANIFEST_BYTES

    try:
        manifest = store.read_json(MANIFEST, MAX_MANIFEST_BYTES)
    except OSError as exc:  # a pipe, a device, a link to one, or far larger than any manifest
        raise FactoryError(f"cannot read '{dataset}/{MANIFEST}': {exc}; run render-factory verify on it") from None
    except ValueError as exc:
        raise FactoryError(f"'{dataset}/{MANIFEST}' is not valid JSON ({exc}); re-run generate to rewrite it") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("shards"), list):
        raise FactoryError(f"'{dataset}/{MANIFEST}' has no 'shards' list; is it a render-factory dataset?")
    for entry in manifest["shards"]:
        if not isinstance(entry, dict) or not layout.is_shard_file(entry.get("name")):
            raise FactoryError(f"'{dataset}/{MANIFEST}' lists a shard that is not a shard file of that folder; run render-factory verify on it")
    return store, manifest


def _as_list(values: str | Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    out = [v.strip() for item in items for v in item.split(",") if v.strip()]
    return out or None


def select_shards(manifest: dict[str, Any], splits: str | Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The manifest's shard entries in shard order, keeping only `splits` when given."""
    wanted = _as_list(splits)
    shards = list(manifest["shards"])
    if wanted is None:
        return shards
    present = sorted({s["split"] for s in shards})
    unknown = [s for s in wanted if s not in present]
    if unknown:
        raise FactoryError(f"split '{unknown[0]}' is not in this dataset; its splits are: {', '.join(present)}")
    return [s for s in shards if s["split"] in wanted]


def check_tasks(manifest: dict[str, Any], tasks: str | Sequence[str] | None) -> list[str] | None:
    wanted = _as_list(tasks)
    if wanted is None:
        return None
    known = list(manifest.get("tasks", []))
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise FactoryError(f"task '{unknown[0]}' is not in this dataset; its tasks are: {', '.join(known)}")
    return wanted


def iter_shard(store: Store, name: str, expect: dict[str, Any] | None = None) -> Iterator[RawSample]:
    """Samples of one shard, streamed: only the current sample's members are held.

    Member names split as webdataset splits them: the key is the path up to the first dot of the
    last component, the rest is the extension. With `expect` (the shard's manifest entry), the
    shard is checked as it streams: a size, sha256 or sample count that differs is a FactoryError
    after its last sample, so a command that copies every sample (export, a clean copy, scores)
    never finishes on a damaged or swapped shard; it must drop what it wrote.
    """
    current: RawSample | None = None
    position = 0
    try:
        with store.open_read(name) as raw:
            hashing = HashingReader(raw, expect.get("bytes") if isinstance(expect.get("bytes"), int) else None) if expect is not None else None
            with tarfile.open(fileobj=hashing or raw, mode="r|*") as tar:
                for info in tar:
                    if not info.isreg():
                        continue
                    prefix, _, base = info.name.rpartition("/")
                    stem, dot, ext = base.partition(".")
                    if not dot:
                        continue
                    key = f"{prefix}/{stem}" if prefix else stem
                    handle = tar.extractfile(info)
                    data = handle.read() if handle is not None else b""
                    tar.members = []  # streaming: keep no member list
                    if current is None or current.key != key:
                        if current is not None:
                            yield current
                            position += 1
                        current = RawSample(key, name, position)
                    current.members[ext.lower()] = data
                if hashing is not None:
                    hashing.drain()  # the end-of-archive blocks the tar reader leaves
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise FactoryError(f"cannot read shard '{name}': {exc}; run render-factory verify on the dataset") from None
    if current is not None:
        yield current
    if expect is not None and hashing is not None:
        samples = position + 1 if current is not None else 0
        found = {"bytes": hashing.bytes, "sha256": hashing.sha256.hexdigest(), "samples": samples}
        wrong = [field for field in ("bytes", "sha256", "samples") if field in expect and expect[field] != found[field]]
        if wrong:
            raise FactoryError(f"shard '{name}' is not the one the manifest lists ({', '.join(wrong)} differ); "
                               "run render-factory verify on the dataset")  # fmt: skip


def sample_kind(meta: dict[str, Any]) -> str:
    """`generator/kind`: the chart type, page archetype or table style of a sample."""
    generator = (meta.get("generator") or {}).get("name", "?")
    source = meta.get("source") or {}
    for name in KIND_FIELDS:
        value = source.get(name)
        if isinstance(value, str) and value:
            return f"{generator}/{value}"
    return generator


def flatten(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """(dotted name, scalar) pairs; a list yields one pair per element under the same name."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from flatten(v, prefix)
    else:
        yield prefix, value


def style_choices(meta: dict[str, Any]) -> list[tuple[str, Any]]:
    """The sampled style axes of a sample as (axis, value) pairs, lists spread out."""
    source = meta.get("source") or {}
    out: list[tuple[str, Any]] = []
    for name in STYLE_FIELDS:
        if name in source and source[name] is not None:
            out.extend(flatten(source[name], name))
    return out


# --- what a card shows ---------------------------------------------------------------------------

# Colours of box kinds (chart elements, page boxes, table cells); anything else is grey.
BOX_COLOURS = {
    "plot_area": "#7f7f7f",
    "title": "#d62728",
    "x_label": "#9467bd",
    "y_label": "#9467bd",
    "x_tick_labels": "#1f77b4",
    "y_tick_labels": "#17becf",
    "value_labels": "#ff7f0e",
    "pie_labels": "#ff7f0e",
    "legend_texts": "#2ca02c",
    "legends": "#2ca02c",
    "text": "#1f77b4",
    "image": "#2ca02c",
    "link": "#9467bd",
    "button": "#d62728",
    "input": "#ff7f0e",
    "cell": "#e377c2",
    "header cell": "#8c564b",
}


@dataclass
class Box:
    kind: str
    label: str
    x: float
    y: float
    w: float
    h: float


def _xyxy(kind: str, item: Any) -> Box | None:
    box, label = (item.get("box"), item.get("text", "")) if isinstance(item, dict) else (item, "")
    if not isinstance(box, (list, tuple)) or len(box) != 4:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in box):
        return None  # a damaged box ("x", NaN, null) is not drawn; verify and audit name the sample
    x0, y0, x1, y1 = (float(v) for v in box)
    return Box(kind, str(label), x0, y0, x1 - x0, y1 - y0)


def sample_boxes(meta: dict[str, Any]) -> list[Box]:
    """Every box a sample records, in image pixels; all are [x0, y0, x1, y1] (README: Boxes).

    Charts: `render.elements` (texts) and `render.marks` (bars, points, wedges, cells). Pages and
    table images: `targets.boxes` and `targets.cells`. Boxes other tasks keep elsewhere in
    `targets` (document fields and words) are drawn too, named by their top-level field. After a
    degradation the boxes are the moved ones.
    """
    boxes: list[Box] = []
    elements = (meta.get("render") or {}).get("elements") or {}
    for kind, items in elements.items():
        if items and isinstance(items, list) and not isinstance(items[0], (list, dict)):
            items = [items]  # a single box, e.g. plot_area
        for item in items or []:
            box = _xyxy(kind, item)
            if box:
                boxes.append(box)
    for mark in (meta.get("render") or {}).get("marks") or []:  # charts: every bar, point, wedge, cell
        if isinstance(mark, dict):
            label = " ".join(str(mark[k]) for k in ("label", "value") if mark.get(k) is not None)
            box = _xyxy(f"mark: {mark.get('kind', '?')}", {"box": mark.get("box"), "text": label})
            if box:
                boxes.append(box)
    targets = meta.get("targets") or {}
    for cell in targets.get("cells") or []:
        box = _xyxy("header cell" if cell.get("header") else "cell", cell)
        if box:
            boxes.append(box)
    if not targets.get("cells"):  # a table's text boxes sit inside its cells: draw only one set
        for item in targets.get("boxes") or []:
            box = _xyxy(str(item.get("kind", "box")), item)
            if box:
                boxes.append(box)
    for name, value in targets.items():
        if name in ("boxes", "cells") or not isinstance(value, (dict, list)):
            continue
        for ref in find_boxes(value):
            kind = str(ref.owner.get("kind", name)) if ref.owner else name
            box = _xyxy(kind, {"box": ref.box, "text": ref.text})
            if box:
                boxes.append(box)
    return boxes


def degradation_summary(meta: dict[str, Any]) -> str:
    """'photo: perspective, noise, jpeg' for a degraded sample, '' otherwise."""
    record = (meta.get("augmentation") or {}).get("degradation") if isinstance(meta.get("augmentation"), dict) else None
    if not record:
        return ""
    ran = [o["op"] for o in record.get("ops") or [] if "skipped" not in o]
    milder = " (milder redraw)" if record.get("strength", 1.0) != 1.0 else ""
    return f"{record.get('preset', 'none')}: {', '.join(ran) or 'no op drawn'}{milder}"


def overlay_svg(boxes: list[Box], width: int, height: int) -> Markup:
    """An SVG laid over the image in the image's own pixel space; every box names itself on hover."""
    parts = [
        f'<svg class="overlay" viewBox="0 0 {int(width)} {int(height)}" preserveAspectRatio="none" '
        'aria-hidden="true">'
    ]
    for b in boxes:
        colour = BOX_COLOURS.get(b.kind, "#555555")
        label = f"{b.kind}: {b.label}" if b.label else b.kind
        parts.append(
            f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{max(b.w, 0.5):.1f}" height="{max(b.h, 0.5):.1f}" '
            f'stroke="{colour}" fill="{colour}" fill-opacity="0.12" stroke-width="1.5" '
            f'vector-effect="non-scaling-stroke"><title>{escape(label)}</title></rect>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def parse_deplot(text: str) -> tuple[str, list[list[str]]]:
    """(title, rows) of a DePlot linearized table; the first row is the header."""
    lines = text.split("\n")
    title = ""
    if lines and lines[0].startswith("TITLE |"):
        title = lines.pop(0)[len("TITLE |") :].strip()
    return title, [line.split(" | ") for line in lines if line.strip()]


def cells_table(cells: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Cells grouped into rows (sorted by row, then column), ready for <tr>/<td> with spans."""
    rows: dict[int, list[dict[str, Any]]] = {}
    for cell in cells:
        rows.setdefault(int(cell.get("row", 0)), []).append(cell)
    return [sorted(rows[r], key=lambda c: int(c.get("col", 0))) for r in sorted(rows)]


def _data_uri(sample: RawSample) -> str:
    ext = sample.image_ext
    return f"data:{MIME[ext]};base64," + base64.b64encode(sample.image).decode("ascii")


def card(sample: RawSample, index: int) -> dict[str, Any]:
    """Everything the template shows for one sample, as plain values (escaped by the template)."""
    meta = sample.meta
    targets = meta.get("targets") or {}
    image = meta.get("image") or {}
    width, height = int(image.get("width") or 1), int(image.get("height") or 1)
    boxes = sample_boxes(meta)
    text = sample.text
    table = None
    if isinstance(targets.get("table"), str):
        title, rows = parse_deplot(targets["table"])
        table = {"title": title, "header": rows[0] if rows else [], "rows": rows[1:]}
    kinds = sorted({b.kind for b in boxes})
    return {
        "index": index,
        "key": sample.key,
        "shard": sample.shard,
        "task": meta.get("task", "?"),
        "split": meta.get("split", "?"),
        "kind": sample_kind(meta),
        "locale": sample_locale(meta),
        "script": locale_label(sample_locale(meta)),
        "engines": " \u2192 ".join(
            f"{part.get('name', '?')} v{part.get('version', '?')}" for part in (meta.get("generator") or {}, meta.get("renderer") or {})
        ),
        "seed": meta.get("seed"),
        "prompt": meta.get("prompt", ""),
        "width": width,
        "height": height,
        "format": sample.image_ext,
        "src": _data_uri(sample),
        "overlay": overlay_svg(boxes, width, height) if boxes else None,
        "box_count": len(boxes),
        "box_kinds": [(k, BOX_COLOURS.get(k, "#555555")) for k in kinds],
        "text": text,
        "text_is_table": table is not None and text == targets.get("table"),
        "table": table,
        "code": targets.get("code") if isinstance(targets.get("code"), str) and targets.get("code") != text else None,
        "qa": [q for q in targets.get("qa") or [] if isinstance(q, dict)],
        "cells": cells_table(targets["cells"]) if targets.get("cells") else None,
        "style": [(axis, "" if v is None else v) for axis, v in style_choices(meta)],
        "repairs": (meta.get("render") or {}).get("repairs") or (meta.get("source") or {}).get("repairs") or [],
        "augmentation": meta.get("augmentation"),
        "degradation": degradation_summary(meta),
        "quality": meta.get("quality") or {},
    }


# --- choosing samples ------------------------------------------------------------------------------


def sample_locale(meta: dict[str, Any]) -> str:
    """The locale a sample is written in, as its source records it ('' if none): documents keep it
    in `source.locale`, pages and table images in `source.theme.locale`, charts in their table's
    facts (`source.table.facts.locale`)."""
    source = meta.get("source") or {}
    for holder in (source, source.get("theme"), (source.get("table") or {}).get("facts") if isinstance(source.get("table"), dict) else None):
        if isinstance(holder, dict) and isinstance(holder.get("locale"), str) and holder["locale"]:
            return holder["locale"]
    return ""


def locale_script(code: str) -> str:
    """The script a locale writes (`locales.SCRIPTS` key); an unknown code is its own script."""
    from factory.generators import locales

    return locales.LOCALES[code].script if code in locales.LOCALES else code


def locale_label(code: str) -> str:
    """A locale's script as a person names it ('Arabic', 'Han (simplified)'); '' for no locale."""
    from factory.generators import locales

    return locales.SCRIPTS[locales.LOCALES[code].script].name if code in locales.LOCALES else code


def recipe_locales(store: Store, manifest: dict[str, Any]) -> set[str]:
    """Every locale the run's recipe asked of any generator (empty if the recipe is not stored or unreadable)."""
    import yaml

    from factory import safe_yaml

    name = manifest.get("recipe")
    if not isinstance(name, str) or not name:
        return set()
    try:
        recipe = safe_yaml.load(store.read_text(name))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        log.info("recipe %s not read (%s): preview picks samples without regard to locale", name, exc)
        return set()
    generators = recipe.get("generators") if isinstance(recipe, dict) else None
    found: set[str] = set()
    for options in (generators or {}).values():
        codes = options.get("locales") if isinstance(options, dict) else None
        if isinstance(codes, list):
            found.update(str(c) for c in codes)
    return found


def covering_samples(store: Store, shards: list[dict[str, Any]], matches, n: int, expected: set[str]) -> list[RawSample]:
    """At most `n` samples that show every script, then every locale, the matching samples of
    `shards` are written in: the first sample (in shard order) of each script, in order of first
    appearance, then the first of each other locale. Reads the shards in order until every
    `expected` locale has been seen (all of them, if one never is)."""
    by_script: dict[str, RawSample] = {}
    by_locale: dict[str, RawSample] = {}
    for sample in (s for entry in shards for s in iter_shard(store, entry["name"])):
        if not matches(sample):
            continue
        code = sample_locale(sample.meta)
        if not code or code in by_locale or len(by_locale) >= 4 * n:
            continue
        by_locale[code] = sample
        by_script.setdefault(locale_script(code), sample)
        if expected <= by_locale.keys():
            break
    picked = list(by_script.values())[:n]
    shown = {id(s) for s in picked}
    picked += [s for s in by_locale.values() if id(s) not in shown][: n - len(picked)]
    return picked


def choose_samples(
    store: Store,
    manifest: dict[str, Any],
    n: int = DEFAULT_N,
    tasks: str | Sequence[str] | None = None,
    splits: str | Sequence[str] | None = None,
) -> list[RawSample]:
    """Up to `n` samples spread over the shards, deterministically.

    A dataset whose recipe gives several locales first shows every script, then every locale,
    found in the chosen shards (`covering_samples`: one sample each, the first in shard order), so
    a small preview of the `multilingual` recipe misses none. Then every shard gives its first
    ceil(remaining / shards) matching samples, so a preview shows every split and every part of the
    run; shards with more then fill what is still missing, in shard order. The result is in shard
    order, then sample order.
    """
    if n < 1:
        raise FactoryError(f"--n must be at least 1, got {n}")
    shards = select_shards(manifest, splits)
    wanted = check_tasks(manifest, tasks)
    if not shards:
        return []

    def matches(sample: RawSample) -> bool:
        return wanted is None or sample.meta.get("task") in wanted

    expected = recipe_locales(store, manifest)
    picked = covering_samples(store, shards, matches, n, expected) if len(expected) > 1 else []
    have = {(s.shard, s.key) for s in picked}
    quota = math.ceil((n - len(picked)) / len(shards))
    more: list[str] = []  # shards that held more matches than their quota

    for entry in shards:
        if len(picked) >= n:
            break
        taken = 0
        for sample in iter_shard(store, entry["name"]):
            if not matches(sample) or (sample.shard, sample.key) in have:
                continue
            if taken == quota or len(picked) == n:
                more.append(entry["name"])
                break
            picked.append(sample)
            taken += 1
    for name in more:
        if len(picked) >= n:
            break
        have = {s.key for s in picked if s.shard == name}
        for sample in iter_shard(store, name):
            if len(picked) >= n:
                break
            if sample.key not in have and matches(sample):
                picked.append(sample)
    order = {s["name"]: i for i, s in enumerate(manifest["shards"])}
    picked.sort(key=lambda s: (order.get(s.shard, 0), s.position))
    return picked


# --- the page ----------------------------------------------------------------------------------------

PAGE = jinja2.Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="render-factory">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: {{ name }}</title>
<style>
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d1d1f;background:#f3f4f6}
header{padding:16px 24px;background:#fff;border-bottom:1px solid #ddd}
h1{margin:0 0 4px;font-size:20px}
.muted{color:#666}
#boxes-all{position:absolute;opacity:0;pointer-events:none}
.switch{cursor:pointer;font-weight:600}
.switch::before{content:"☐ ";font-size:16px}
#boxes-all:checked ~ .controls .switch::before{content:"☑ "}
#boxes-all:focus-visible ~ .controls .switch{outline:2px solid #4a90e2}
.controls{padding:10px 24px;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0;z-index:2}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:16px;padding:16px 24px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px;min-width:0}
.card h2{font-size:14px;margin:0 0 6px;font-family:"DejaVu Sans Mono",monospace;word-break:break-all}
.tags span{display:inline-block;background:#eef;border-radius:3px;padding:0 6px;margin:0 4px 4px 0;font-size:12px}
.tags .task{background:#dfe}
.tags .split{background:#fed}
.tags .degraded{background:#fde}
.tags .locale{background:#ffd}
.frame{max-height:520px;overflow:auto;border:1px solid #e5e5e5;background:#fafafa}
.figure{position:relative;line-height:0}
.figure img{width:100%;height:auto;display:block}
.overlay{position:absolute;left:0;top:0;width:100%;height:100%;display:none}
#boxes-all:checked ~ main .overlay{display:block}
.card > input.boxes:checked ~ .frame .overlay{display:block}
.legend{font-size:12px;margin:4px 0}
.legend i{display:inline-block;width:10px;height:10px;margin:0 3px 0 8px;border:1px solid #0003}
pre{white-space:pre-wrap;word-break:break-word;max-height:320px;overflow:auto;background:#f6f8fa;border:1px solid #e5e5e5;padding:8px;margin:4px 0;font:12px/1.4 "DejaVu Sans Mono","Liberation Mono",monospace}
table.data{border-collapse:collapse;font-size:12px;margin:4px 0;display:block;overflow:auto;max-height:320px}
table.data th,table.data td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
table.data th{background:#f0f0f0}
table.data caption{text-align:left;font-weight:600;padding:2px 0}
h3{font-size:13px;margin:10px 0 2px}
details summary{cursor:pointer;font-size:13px;margin-top:8px}
dl.qa dt{font-weight:600;margin-top:4px}
dl.qa dd{margin:0 0 0 16px}
.style td{padding:0 8px 0 0;font-size:12px;vertical-align:top}
.style td:first-child{color:#555;font-family:"DejaVu Sans Mono",monospace}
main.engines{display:grid;align-items:start;overflow-x:auto}
.column{display:flex;flex-direction:column;gap:16px;min-width:0}
h2.engine{margin:0;font-size:16px;position:sticky;top:44px;background:#f3f4f6;padding:4px 0;z-index:1}
</style>
</head>
<body>
<header>
<h1>{{ name }}</h1>
{% if description %}<div>{{ description }}</div>{% endif %}
<div class="muted">{{ shown }} of {{ total }} samples shown{% if filters %} ({{ filters }}){% endif %};
dataset: {{ by_split }}; tasks: {{ tasks }}; image: {{ image_format }}; seed {{ seed }}; made with render-factory {{ version }}.</div>
</header>
<input type="checkbox" id="boxes-all"><div class="controls"><label for="boxes-all" class="switch">Show measured boxes on every image</label>
<span class="muted">(or tick one card's box; hover a box to see what it is)</span></div>
{% macro show(c) %}
<section class="card" id="{{ c.key }}">
<h2>{{ c.key }}</h2>
<div class="tags"><span class="task">{{ c.task }}</span><span class="split">{{ c.split }}</span><span>{{ c.kind }}</span>
{% if c.locale %}<span class="locale" title="locale and script">{{ c.locale }} · {{ c.script }}</span>{% endif %}<span>{{ c.width }}&times;{{ c.height }} {{ c.format }}</span><span>{{ c.engines }}</span>{% if c.degradation %}<span class="degraded" title="json augmentation.degradation">{{ c.degradation }}</span>{% endif %}</div>
{% if c.overlay %}<input type="checkbox" class="boxes" id="boxes-{{ c.index }}"><label for="boxes-{{ c.index }}">boxes ({{ c.box_count }})</label>{% endif %}
<div class="frame"><div class="figure"><img src="{{ c.src }}" width="{{ c.width }}" height="{{ c.height }}" alt="{{ c.key }}">{{ c.overlay or '' }}</div></div>
{% if c.box_kinds %}<div class="legend">{% for k, colour in c.box_kinds %}<i style="background:{{ colour }}"></i>{{ k }}{% endfor %}</div>{% endif %}
<h3>Prompt</h3><div>{{ c.prompt }}</div>
<h3>Target (txt{% if c.text_is_table %}, a DePlot table{% endif %})</h3>
{% if c.text_is_table %}{{ deplot(c.table) }}<details><summary>as text</summary><pre>{{ c.text }}</pre></details>
{% else %}<pre>{{ c.text }}</pre>{% endif %}
{% if c.cells %}<h3>Cells (json targets.cells)</h3><table class="data">
{% for row in c.cells %}<tr>{% for cell in row %}{% set tag = 'th' if cell.get('header') else 'td' %}<{{ tag }}{% if (cell.get('rowspan') or 1) > 1 %} rowspan="{{ cell.rowspan|int }}"{% endif %}{% if (cell.get('colspan') or 1) > 1 %} colspan="{{ cell.colspan|int }}"{% endif %}>{{ cell.get('text', '') }}</{{ tag }}>{% endfor %}</tr>
{% endfor %}</table>{% endif %}
{% if c.table and not c.text_is_table %}<details><summary>Table (json targets.table)</summary>{{ deplot(c.table) }}</details>{% endif %}
{% if c.qa %}<details{% if c.task == 'chart_qa' %} open{% endif %}><summary>QA pairs ({{ c.qa|length }})</summary><dl class="qa">
{% for q in c.qa %}<dt>{{ q.get('question', '') }}</dt><dd>{{ q.get('answer', '') }}{% if q.get('template') %} <span class="muted">({{ q.template }})</span>{% endif %}</dd>{% endfor %}</dl></details>{% endif %}
{% if c.code %}<details><summary>Code (json targets.code)</summary><pre>{{ c.code }}</pre></details>{% endif %}
{% if c.style %}<details><summary>Style choices ({{ c.style|length }})</summary><table class="style">
{% for axis, value in c.style %}<tr><td>{{ axis }}</td><td>{{ value }}</td></tr>{% endfor %}</table></details>{% endif %}
<details><summary>Facts</summary><table class="style">
<tr><td>shard</td><td>{{ c.shard }}</td></tr><tr><td>seed</td><td>{{ c.seed }}</td></tr>
{% for k, v in c.quality.items() %}<tr><td>quality.{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}
<tr><td>repairs</td><td>{{ c.repairs|join(', ') if c.repairs else 'none' }}</td></tr>
<tr><td>augmentation</td><td>{{ c.augmentation if c.augmentation else 'none' }}</td></tr>
</table></details>
</section>
{% endmacro %}
{% if columns %}<main class="engines" style="grid-template-columns:repeat({{ columns|length }},minmax(380px,1fr))">
{% for engine, group in columns %}<div class="column"><h2 class="engine">{{ engine }} <span class="muted">({{ group|length }})</span></h2>
{% for c in group %}{{ show(c) }}{% endfor %}</div>
{% endfor %}</main>
{% else %}<main>
{% for c in cards %}{{ show(c) }}{% endfor %}
</main>{% endif %}
</body>
</html>
""",
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

DEPLOT = jinja2.Template(
    """<table class="data">{% if t.title %}<caption>{{ t.title }}</caption>{% endif %}
<tr>{% for h in t.header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in t.rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</table>""",
    autoescape=True,
)


def _deplot(table: dict[str, Any]) -> Markup:
    return Markup(DEPLOT.render(t=table))


def sample_engine(meta: dict[str, Any]) -> str:
    """What drew a sample: a chart's engine (`source.engine`), else its renderer's name."""
    return str((meta.get("source") or {}).get("engine") or (meta.get("renderer") or {}).get("name") or "?")


def engine_columns(samples: list[RawSample], cards: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The cards in one column per engine (in order of first appearance) when more than one
    engine drew the samples shown: the engines' looks side by side. Empty for one engine."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for sample, c in zip(samples, cards):
        groups.setdefault(sample_engine(sample.meta), []).append(c)
    return list(groups.items()) if len(groups) > 1 else []


def render_preview(manifest: dict[str, Any], samples: list[RawSample], filters: str = "") -> str:
    samples_info = manifest.get("samples") or {}
    cards = [card(s, i) for i, s in enumerate(samples)]
    return PAGE.render(
        name=manifest.get("name", "dataset"),
        description=(manifest.get("description") or "").strip(),
        shown=len(samples),
        total=samples_info.get("total", "?"),
        filters=filters,
        by_split=", ".join(f"{k} {v}" for k, v in (samples_info.get("by_split") or {}).items()),
        tasks=", ".join(manifest.get("tasks", [])),
        image_format=(manifest.get("members") or ["?"])[0],
        seed=manifest.get("seed", "?"),
        version=(manifest.get("versions") or {}).get("render_factory", "?"),
        cards=cards,
        columns=engine_columns(samples, cards),
        deplot=_deplot,
    )


def write_preview(
    dataset: str,
    out: str | Path,
    n: int = DEFAULT_N,
    tasks: str | Sequence[str] | None = None,
    splits: str | Sequence[str] | None = None,
) -> tuple[Path, list[RawSample]]:
    """Write the preview page of `dataset` to `out`; returns its path and the samples shown."""
    store, manifest = load_manifest(dataset)
    path = check_outputs({"--out": out}, read_only_folders={"dataset": dataset})["--out"]
    samples = choose_samples(store, manifest, n, tasks, splits)
    filters = "; ".join(
        f"{label}: {', '.join(values)}" for label, values in (("task", _as_list(tasks)), ("split", _as_list(splits))) if values
    )
    page = render_preview(manifest, samples, filters)
    return write_file(path, page, "preview"), samples


def cmd_preview(args: argparse.Namespace) -> int:
    path, samples = write_preview(args.dataset, args.out, args.n, args.task, args.split)
    size = path.stat().st_size
    if not samples:
        print(f"no samples match; wrote an empty preview to {path}")
        return 1
    print(f"preview of {len(samples)} samples written to {path.resolve()} ({size / 1e6:.1f} MB); open it in a browser")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("preview", help="one self-contained HTML page of samples: images, targets, boxes, styles")
    p.add_argument("dataset", help="dataset folder or URL")
    p.add_argument("--n", type=int, default=DEFAULT_N, help=f"samples to show, spread over the shards (default {DEFAULT_N})")
    p.add_argument("--task", action="append", help="show only this task (repeat or comma-separate for several)")
    p.add_argument("--split", action="append", help="show only this split (train, val, test; repeatable)")
    p.add_argument("--out", default="preview.html", help="HTML file to write (default: preview.html)")
    p.set_defaults(func=cmd_preview)
