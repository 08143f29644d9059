"""`render-factory export DATASET --to parquet|jsonl+images --out OUT`: the dataset in the forms
trainers and the Hugging Face Hub take without WebDataset.

- `parquet`: Hub-ready. One folder per task (`<task>/<split>-00000.parquet`, ...), columns `key`,
  `task`, `split`, `image` (Hugging Face's Image: a struct of the encoded bytes and a file name),
  `prompt`, `text`, `json` (the sample's json member as text), and a README.md card whose header
  names a config per task (and `all`), the features and the licence: `load_dataset(OUT)` or
  `load_dataset(OUT, "chart_qa")` read it, and `huggingface-cli upload` publishes it as it is.
- `jsonl+images`: LLaVA-style conversation records, one JSON line per sample in `<split>.jsonl`,
  `{"id", "image": "images/<key>.<ext>", "conversations": [{"from": "human", "value": "<image>\\n"
  + prompt}, {"from": "gpt", "value": target}], "task", "split"}`, beside the image files.

Both stream: one sample is read at a time, Parquet rows are flushed every ROW_GROUP rows per open
file (one file per task of the split being read), so memory stays bounded whatever the dataset's
size. They write only into a new or empty folder; the dataset is only read.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
from typing import Any

from factory.dataset import layout
from factory.errors import FactoryError, require
from factory.tools.outputs import check_output_folder, remove_filled_folder
from factory.tools.preview import iter_shard, load_manifest, select_shards

log = logging.getLogger(__name__)

FORMATS = ("parquet", "jsonl+images")
ROW_GROUP = 32  # rows buffered per open Parquet file before they are written out
ROWS_PER_FILE = 5000
IMAGE_EXTS = ("png", "jpg", "jpeg", "webp")
# Hugging Face `datasets` features, as `Features.to_dict()` writes them into a Parquet schema's
# "huggingface" metadata: with them every reader (the `all` config included) decodes `image` as a
# picture instead of a dict of bytes.
HF_FEATURES = {
    "key": {"dtype": "string", "_type": "Value"}, "task": {"dtype": "string", "_type": "Value"},
    "split": {"dtype": "string", "_type": "Value"}, "image": {"_type": "Image"},
    "prompt": {"dtype": "string", "_type": "Value"}, "text": {"dtype": "string", "_type": "Value"},
    "json": {"dtype": "string", "_type": "Value"},
}  # fmt: skip


def _target(dataset: str, out: str):
    from factory.dataset.storage import Store

    check_output_folder("--out", out, {"dataset": dataset})
    target = Store(out)
    if target.is_file():
        raise FactoryError(f"--out '{out}' is a file; give a new or empty folder (nothing was touched)")
    existed = target.is_folder()
    if existed and target.list():
        raise FactoryError(f"--out '{out}' is not empty; choose a new or empty folder (nothing was touched)")
    target.makedirs()
    return target, existed


def _image(members: dict[str, bytes]) -> tuple[str, bytes]:
    for ext in IMAGE_EXTS:
        if ext in members:
            return ext, members[ext]
    raise FactoryError("a sample has no image member; run render-factory verify on the dataset")


class _ParquetFiles:
    """Open Parquet writers, one per (task, split), each rolled over every ROWS_PER_FILE rows."""

    def __init__(self, target: Any):
        self.pa = require("pyarrow", "hf", "Parquet export")
        self.pq = require("pyarrow.parquet", "hf", "Parquet export")
        self.target = target
        self.schema = self.pa.schema([
            ("key", self.pa.string()), ("task", self.pa.string()), ("split", self.pa.string()),
            ("image", self.pa.struct([("bytes", self.pa.binary()), ("path", self.pa.string())])),
            ("prompt", self.pa.string()), ("text", self.pa.string()), ("json", self.pa.string()),
        ]).with_metadata({"huggingface": json.dumps({"info": {"features": HF_FEATURES}})})  # fmt: skip
        self.open: dict[tuple[str, str], dict[str, Any]] = {}
        self.files: dict[tuple[str, str], int] = {}
        self.rows: dict[tuple[str, str], int] = {}
        self.nbytes: dict[tuple[str, str], int] = {}  # Arrow bytes written per (task, split): the card's num_bytes

    def add(self, row: dict[str, Any]) -> None:
        slot = (row["task"], row["split"])
        current = self.open.get(slot)
        if current is None:
            number = self.files.get(slot, 0)
            self.files[slot] = number + 1
            name = f"{row['task']}/{row['split']}-{number:05d}.parquet"
            self.target.makedirs(row["task"])
            raw = self.target.open_write(name)
            current = self.open[slot] = {"slot": slot, "raw": raw, "writer": self.pq.ParquetWriter(raw, self.schema), "buffer": [], "rows": 0}
        current["buffer"].append(row)
        current["rows"] += 1
        self.rows[slot] = self.rows.get(slot, 0) + 1
        if len(current["buffer"]) >= ROW_GROUP:
            self._flush(current)
        if current["rows"] >= ROWS_PER_FILE:
            self._close(slot)

    def _flush(self, current: dict[str, Any]) -> None:
        if current["buffer"]:
            table = self.pa.Table.from_pylist(current["buffer"], schema=self.schema)
            current["writer"].write_table(table)
            self.nbytes[current["slot"]] = self.nbytes.get(current["slot"], 0) + table.nbytes
            current["buffer"] = []

    def _close(self, slot: tuple[str, str]) -> None:
        current = self.open.pop(slot)
        self._flush(current)
        current["writer"].close()
        current["raw"].close()

    def close_split(self, split: str) -> None:
        for slot in [s for s in self.open if s[1] == split]:
            self._close(slot)

    def close(self) -> None:
        for slot in list(self.open):
            self._close(slot)


def export(dataset: str, to: str, out: str, splits: list[str] | None = None) -> dict[str, Any]:
    """Write `dataset` as `to` into the new folder `out`; returns counts per split and task."""
    if to not in FORMATS:
        raise FactoryError(f"--to {to!r} is not known; use {' or '.join(FORMATS)}")
    store, manifest = load_manifest(dataset)
    shards = select_shards(manifest, splits)
    target, existed = _target(dataset, out)
    try:
        return _write_export(store, manifest, shards, to, target)
    except BaseException:  # a damaged shard, a full disk, Ctrl-C: no half export that looks whole
        remove_filled_folder(target, existed)
        raise


def _write_export(store: Any, manifest: dict[str, Any], shards: list[dict[str, Any]], to: str, target: Any) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = {}
    parquet = _ParquetFiles(target) if to == "parquet" else None
    jsonl: dict[str, Any] = {}
    try:
        last_split = None
        for entry in shards:
            split = entry["split"]
            if parquet is not None and last_split not in (None, split):
                parquet.close_split(last_split)
            last_split = split
            for sample in iter_shard(store, entry["name"], entry):
                members = sample.members
                meta = json.loads(members["json"])
                task = str(meta.get("task", "unknown"))
                ext, image = _image(members)
                text = members.get("txt", b"").decode("utf-8")
                prompt = str(meta.get("prompt") or "")
                counts.setdefault(split, {}).setdefault(task, 0)
                counts[split][task] += 1
                if parquet is not None:
                    parquet.add({"key": sample.key, "task": task, "split": split, "image": {"bytes": image, "path": f"{sample.key}.{ext}"},
                                 "prompt": prompt, "text": text, "json": members["json"].decode("utf-8")})  # fmt: skip
                    continue
                name = f"images/{sample.key}.{ext}"
                if not jsonl:
                    target.makedirs("images")
                with target.open_write(name) as handle:
                    handle.write(image)
                if split not in jsonl:
                    jsonl[split] = target.open_write(f"{split}.jsonl")
                record = {"id": sample.key, "image": name, "task": task, "split": split,
                          "conversations": [{"from": "human", "value": "<image>\n" + prompt}, {"from": "gpt", "value": text}]}  # fmt: skip
                jsonl[split].write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    finally:
        if parquet is not None:
            parquet.close()
        for handle in jsonl.values():
            handle.close()
    if to == "parquet":
        target.write_atomic("README.md", parquet_card(manifest, counts, parquet.nbytes if parquet else {}))
    return counts


def parquet_card(manifest: dict[str, Any], counts: dict[str, dict[str, int]], nbytes: dict[tuple[str, str], int]) -> str:
    """The Hub card of a Parquet export: a config per task and `all`, features, licence, split sizes
    (`datasets` ignores a `splits` entry without `num_bytes`: the Arrow bytes written)."""
    import yaml

    from factory.dataset.card import render_card

    tasks = sorted({t for by_task in counts.values() for t in by_task})
    splits = list(counts)
    features = [{"name": name, "dtype": "image" if kind["_type"] == "Image" else kind["dtype"]} for name, kind in HF_FEATURES.items()]

    def split_sizes(of_tasks: list[str]) -> list[dict[str, Any]]:
        return [{"name": s, "num_bytes": sum(nbytes.get((t, s), 0) for t in of_tasks), "num_examples": sum(counts[s].get(t, 0) for t in of_tasks)}
                for s in splits if any(counts[s].get(t) for t in of_tasks)]  # fmt: skip

    licence = manifest.get("card") or {"license": "other", "license_name": "render-factory-synthetic", "license_link": "README.md#licence"}
    header: dict[str, Any] = {"pretty_name": manifest.get("name", "dataset"), "license": licence["license"]}
    if licence["license"] == "other":
        header.update(license_name=licence["license_name"], license_link=licence["license_link"])
    header.update({
        "task_categories": ["image-to-text"], "tags": ["synthetic", "render-factory"],
        "dataset_info": [{"config_name": "all", "features": copy.deepcopy(features), "splits": split_sizes(tasks)}]
        + [{"config_name": t, "features": copy.deepcopy(features), "splits": split_sizes([t])} for t in tasks],  # copies: no YAML anchors
        "configs": [{"config_name": "all", "default": True, "data_files": [{"split": s, "path": f"*/{s}-*.parquet"} for s in splits]}]
        + [{"config_name": t, "data_files": [{"split": s, "path": f"{t}/{s}-*.parquet"} for s in splits if counts[s].get(t)]} for t in tasks],
    })  # fmt: skip
    body = render_card(manifest, manifest.get("name", "dataset")).split("\n---\n", 1)[-1]
    note = (
        "\n\n## This export\n\nParquet, one folder per task (a config each; `all` holds every task), columns "
        "`key`, `task`, `split`, `image` (encoded bytes), `prompt`, `text` (the target), `json` (the sample's "
        f"metadata as JSON text). Written by `render-factory export --to parquet` from the WebDataset shards "
        f"described below (their layout: `{layout.META}/` beside the shards).\n"
    )
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n" + note + body


def cmd_export(args: argparse.Namespace) -> int:
    counts = export(args.dataset, args.to, args.out, args.split)
    total = sum(n for by_task in counts.values() for n in by_task.values())
    print(f"exported {total} samples as {args.to} to {args.out} ({', '.join(f'{s}: {sum(t.values())}' for s, t in counts.items())})")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("export", help="write a dataset as Parquet (Hub-ready) or LLaVA-style JSONL with image files")
    p.add_argument("dataset", help="dataset folder or URL")
    p.add_argument("--to", required=True, choices=FORMATS, help="parquet (Hub-ready) or jsonl+images (LLaVA conversations)")
    p.add_argument("--out", required=True, help="a new or empty folder")
    p.add_argument("--split", action="append", help="export only this split (repeatable)")
    p.set_defaults(func=cmd_export)
