"""`render-factory audit` on damaged datasets: a damaged sample is skipped and named (the audit goes on
with the others), a damaged manifest, a bad --workers or a dataset with no samples is a one-line error,
and one sample's audit stays bounded in memory and time however many texts its json lists. Real
Tesseract, real tar files: copies of `chart_dataset` damaged the way a torn download or a bad
tool would."""

from __future__ import annotations

import hashlib
import io
import json
import resource
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from factory.dataset import layout

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed (scripts/setup.sh)")

Members = dict[str, bytes]


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _copy(chart_dataset: Path, tmp_path: Path) -> Path:
    out = tmp_path / "dataset"
    shutil.copytree(chart_dataset, out)
    return out


def _shards(dataset: Path) -> list[str]:
    return [entry["name"] for entry in json.loads((dataset / layout.MANIFEST).read_text())["shards"]]


def _damage(dataset: Path, shard: str, changes: dict[int, Callable[[Members], Members]]) -> None:
    """Rewrite one shard with sample number i's members replaced by changes[i](members)."""
    path = dataset / shard
    samples: dict[str, Members] = {}
    with tarfile.open(path) as tar:
        for info in tar.getmembers():
            key, _, ext = info.name.partition(".")
            samples.setdefault(key, {})[ext] = tar.extractfile(info).read()
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
        for i, (key, members) in enumerate(samples.items()):
            for ext, data in (changes[i](dict(members)) if i in changes else members).items():
                info = tarfile.TarInfo(f"{key}.{ext}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def _json(members: Members, edit: Callable[[dict], None]) -> Members:
    meta = json.loads(members["json"])
    render = json.loads(meta["render"])
    edit(render)
    meta["render"] = json.dumps(render)
    return {**members, "json": json.dumps(meta).encode()}


def _first_box(value) -> Callable[[Members], Members]:
    """The first chart text's box set to `value` (a string, NaN, null: what a bad tool writes)."""

    def edit(render: dict) -> None:
        for key, entries in render["elements"].items():
            if isinstance(entries, list) and entries and isinstance(entries[0], dict) and "box" in entries[0]:
                entries[0]["box"] = value
                return
        raise AssertionError("no chart text with a box")

    return lambda members: _json(members, edit)


def _huge_png() -> bytes:
    """A 14000 x 14000 PNG (24 MB decoded as bits, 588 MB as RGB): over any sane bound."""
    buf = io.BytesIO()
    Image.new("1", (14000, 14000)).save(buf, "PNG")
    return buf.getvalue()


NOT_JSON = lambda m: {**m, "json": b"{not json"}  # noqa: E731
JSON_LIST = lambda m: {**m, "json": b"[1, 2, 3]"}  # noqa: E731
TRUNCATED_PNG = lambda m: {**m, "png": m["png"][:300]}  # noqa: E731
NO_IMAGE = lambda m: {k: v for k, v in m.items() if k != "png"}  # noqa: E731


def _audit(dataset: Path, out: Path, *args: str, timeout: float = 600, memory: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "factory", "audit", str(dataset), "--out", str(out), *args],
                          capture_output=True, text=True, timeout=timeout, preexec_fn=limit)


def test_damaged_samples_are_skipped_named_and_counted_and_the_others_audited(chart_dataset, tmp_path):
    dataset = _copy(chart_dataset, tmp_path)
    first, second, third, _ = _shards(dataset)
    _damage(dataset, first, {0: NOT_JSON, 1: JSON_LIST, 2: _first_box(None)})
    _damage(dataset, second, {0: TRUNCATED_PNG, 1: lambda m: {**m, "png": _huge_png()}, 2: NO_IMAGE})
    _damage(dataset, third, {0: _first_box([0, "x", None, 1e308]), 1: _first_box([float("nan")] * 4)})
    before = _digest(dataset)
    out = tmp_path / "audit.html"
    result = _audit(dataset, out, "--samples", "12", "--workers", "1")  # 3 of each shard: 8 damaged, 4 whole
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert _digest(dataset) == before  # the audit never writes into the dataset
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["samples_audited"] == 4 and summary["samples_skipped"] == 8
    reasons = {s["key"].split("_")[0] + "/" + s["key"][-1]: s["reason"] for s in summary["skipped"]}
    assert len(reasons) == 8
    assert "not readable JSON" in reasons["train-000000/0"] and "not an object" in reasons["train-000000/1"]
    assert "is None, not four finite numbers" in reasons["train-000000/2"]
    assert "cannot be decoded" in reasons["train-000001/0"] and "over the audit's 12 MP bound" in reasons["train-000001/1"]
    assert "no image member" in reasons["train-000001/2"]
    assert "'x'" in reasons["train-000002/0"] and "nan" in reasons["train-000002/1"]
    warnings = [line for line in result.stderr.splitlines() if "skipped damaged sample" in line]
    assert len(warnings) == 8, result.stderr  # one console line each
    page = out.read_text()
    assert "8 damaged sample(s) skipped" in page and all(s["key"] in page for s in summary["skipped"])


def test_a_dataset_whose_samples_are_all_damaged_is_an_error_after_writing_the_page(chart_dataset, tmp_path):
    dataset = _copy(chart_dataset, tmp_path)
    for shard in _shards(dataset):
        _damage(dataset, shard, {0: NOT_JSON})
    out = tmp_path / "audit.html"
    result = _audit(dataset, out, "--samples", "4", "--workers", "1")  # the first sample of each shard
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: none of the 4 samples read could be audited")
    assert json.loads(out.with_suffix(".json").read_text())["samples_skipped"] == 4  # what was written stays


def test_a_damaged_manifest_is_a_one_line_error(chart_dataset, tmp_path):
    dataset = _copy(chart_dataset, tmp_path)
    manifest = json.loads((dataset / layout.MANIFEST).read_text())
    manifest["shards"][0]["samples"] = "many"
    (dataset / layout.MANIFEST).write_text(json.dumps(manifest))
    out = tmp_path / "audit.html"
    result = _audit(dataset, out, "--samples", "4", "--workers", "1")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # one line, no traceback
    assert '"samples": "many", not a count' in result.stderr and "render-factory verify" in result.stderr
    assert not out.exists()


def test_a_dataset_with_no_samples_is_a_one_line_error(chart_dataset, tmp_path):
    dataset = _copy(chart_dataset, tmp_path)
    manifest = json.loads((dataset / layout.MANIFEST).read_text())
    for entry in manifest["shards"]:  # shards written empty: a run whose every sample was dropped
        entry["samples"] = 0
        with tarfile.open(dataset / entry["name"], "w", format=tarfile.USTAR_FORMAT):
            pass
    (dataset / layout.MANIFEST).write_text(json.dumps(manifest))
    out = tmp_path / "audit.html"
    result = _audit(dataset, out, "--workers", "1")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "holds no samples to audit" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_audit_workers_below_one_are_refused(chart_dataset, tmp_path, workers):
    out = tmp_path / "audit.html"
    result = _audit(chart_dataset, out, "--samples", "1", f"--workers={workers}", timeout=120)
    assert result.returncode == 2
    assert f"must be at least 1, got {workers}" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_audit_runs_no_more_workers_than_samples(chart_dataset, tmp_path):
    out = tmp_path / "audit.html"
    result = _audit(chart_dataset, out, "--samples", "2", "--workers", "64", timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["samples_audited"] == 2 and summary["workers"] <= 2


def test_a_sample_listing_thousands_of_texts_is_audited_in_bounded_memory(chart_dataset, tmp_path):
    """5,000 legend texts of 50 letters in one 49 x 60 px box: their clean controls alone would take
    gigabytes (QA's 20,000 ran over 240 s at 5.6 GB); the audit reads the texts its bounds allow,
    counts the rest as skipped, and stays under 2 GB of address space."""
    dataset = _copy(chart_dataset, tmp_path)

    def many(render: dict) -> None:
        render["elements"]["legend_texts"] = [{"text": "x" * 50, "box": [1, 1, 50, 61]}] * 5000

    _damage(dataset, _shards(dataset)[0], {0: lambda m: _json(m, many)})
    out = tmp_path / "audit.html"
    result = _audit(dataset, out, "--samples", "1", "--workers", "1", timeout=300, memory=2 * 1024**3)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["samples_audited"] == 1
    assert 4500 < summary["texts_skipped"] < 5000  # the first texts are audited, the rest counted
    assert "texts past a sample's bounds skipped" in result.stderr
