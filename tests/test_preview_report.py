"""Preview page, report and dataset card: made from real datasets and opened in headless Chromium.

Every page is loaded from disk in a browser that may fetch nothing: all requests other than the
page itself and data: URIs are refused and recorded, and a test fails if any was attempted.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image, ImageDraw

from factory.cli import main
from factory.dataset.card import md, render_card, shard_pattern
from factory.tools.preview import iter_shard, load_manifest, parse_deplot, sample_boxes
from factory.tools.report import HASH_SIZE, dhash, find_near_duplicates, hamming, near_duplicate_pairs, summarise
from factory.dataset import layout

CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = os.access(CHROMIUM, os.X_OK)
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium at /usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]

MIXED_RECIPE = {
    "name": "mixed-preview",
    "seed": 5,
    "samples": 12,
    "shard": {"samples": 4},
    "splits": {"train": 0.67, "val": 0.33},
    "tasks": {
        "chart_to_table": 1,
        "chart_qa": 1,
        "chart_to_code": 1,
        "screenshot_to_html": 1,
        "screenshot_parsing": 1,
        "table_to_html": 1,
    },
}


# --- fixtures -----------------------------------------------------------------------------------


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def mixed_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Charts, pages and tables (12 samples, 3 shards), shared by xdist workers. Read-only."""
    if not HAVE_CHROMIUM:
        pytest.skip("no Chromium at /usr/bin/chromium")
    root = _run_root(tmp_path_factory)
    out = root / "mixed_preview_dataset"
    with open(root / "mixed_preview_dataset.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (out / layout.MANIFEST).exists():
                # In a child process: this process may already drive a browser through
                # Playwright's sync API, and the renderer's preflight would start another.
                recipe = root / "mixed_preview.yaml"
                recipe.write_text(yaml.safe_dump(MIXED_RECIPE), encoding="utf-8")
                cmd = [sys.executable, "-m", "factory", "generate", str(recipe), "--out", str(out), "--workers", "1", "--quiet"]
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=Path(__file__).parent.parent)
                assert done.returncode == 0, done.stderr[-2000:]
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not HAVE_CHROMIUM:
        pytest.skip("no Chromium at /usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


class Opened:
    """A page loaded offline, with everything it tried to fetch and every error it logged."""

    def __init__(self, browser, path: Path):
        self.url = path.resolve().as_uri()
        self.attempted: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(java_script_enabled=True)
        self.page = self.context.new_page()
        self.context.route("**/*", self._route)
        self.page.on("request", self._request)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(self.url, wait_until="load")

    def _allowed(self, url: str) -> bool:
        return url.startswith("data:") or url == self.url

    def _route(self, route) -> None:
        if self._allowed(route.request.url):
            route.continue_()
        else:
            route.abort()

    def _request(self, request) -> None:
        if not self._allowed(request.url):
            self.attempted.append(request.url)

    def images(self) -> list[dict]:
        return self.page.evaluate(
            "Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete, w: i.naturalWidth, src: i.src.slice(0, 30)}))"
        )

    def close(self) -> None:
        self.context.close()


def check_offline_page(opened: Opened) -> list[dict]:
    """No request left the page, nothing logged an error, and every image decoded."""
    images = opened.images()
    assert opened.attempted == [], f"the page tried to fetch {opened.attempted[:3]}"
    assert opened.errors == [], f"console errors: {opened.errors[:3]}"
    assert opened.dialogs == []
    assert images, "the page has no images"
    broken = [i for i in images if not (i["complete"] and i["w"] > 0)]
    assert not broken, f"{len(broken)} image(s) did not decode, first: {broken[0]}"
    assert all(i["src"].startswith("data:image/") for i in images)
    return images


class _Refs(HTMLParser):
    """Every URL-bearing attribute of a page."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data", "xlink:href") and value:
                self.refs.append(value)


def external_refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    return [r for r in parser.refs if not (r.startswith("data:") or r.startswith("#"))]


def shard_keys(dataset: Path) -> dict[str, list[str]]:
    store, manifest = load_manifest(str(dataset))
    return {s["name"]: [x.key for x in iter_shard(store, s["name"])] for s in manifest["shards"]}


# --- preview -------------------------------------------------------------------------------------


@needs_chromium
def test_chart_preview_opens_offline_with_every_card(chart_dataset, browser, tmp_path, capsys):
    out = tmp_path / "p" / "preview.html"
    assert main(["preview", str(chart_dataset), "--n", "8", "--out", str(out)]) == 0
    assert str(out.resolve()) in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert external_refs(html) == []
    keys = shard_keys(chart_dataset)
    # 8 samples over 4 shards: the first two of every shard, in shard order
    expected = [k for name in keys for k in keys[name][:2]]
    opened = Opened(browser, out)
    try:
        images = check_offline_page(opened)
        cards = opened.page.evaluate("Array.from(document.querySelectorAll('section.card')).map(c => c.id)")
        assert cards == expected
        assert len(images) == 8
        # boxes are hidden until asked for, then drawn over every image
        shown = "Array.from(document.querySelectorAll('.overlay')).map(o => getComputedStyle(o).display)"
        assert set(opened.page.evaluate(shown)) == {"none"}
        opened.page.click("label[for=boxes-all]")
        assert opened.page.evaluate(shown) == ["block"] * 8
        opened.page.click("label[for=boxes-all]")
        opened.page.click("label[for=boxes-3]")
        assert opened.page.evaluate(shown).count("block") == 1
        # a DePlot target is shown as a table holding exactly the target's cells
        tables = opened.page.evaluate(
            """Array.from(document.querySelectorAll('section.card')).filter(c => c.querySelector('.task').textContent == 'chart_to_table')
               .map(c => ({key: c.id, rows: Array.from(c.querySelector('table.data').rows).map(r => Array.from(r.cells).map(x => x.textContent))}))"""
        )
        assert opened.errors == [] and opened.attempted == []
    finally:
        opened.close()
    store, manifest = load_manifest(str(chart_dataset))
    texts = {s.key: s.text for name in keys for s in iter_shard(store, name) if s.key in expected}
    assert tables, "no chart_to_table sample among the first 8"
    for table in tables:
        title, rows = parse_deplot(texts[table["key"]])
        assert table["rows"] == rows


def test_preview_is_deterministic_and_filters(chart_dataset, tmp_path, capsys):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert main(["preview", str(chart_dataset), "--n", "5", "--out", str(a)]) == 0
    assert main(["preview", str(chart_dataset), "--n", "5", "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    only = tmp_path / "only.html"
    assert main(["preview", str(chart_dataset), "--task", "chart_qa", "--split", "val", "--out", str(only)]) == 0
    ids = re.findall(r'<section class="card" id="([^"]+)"', only.read_text(encoding="utf-8"))
    _, manifest = load_manifest(str(chart_dataset))
    assert len(ids) == manifest["samples"]["by_split_and_task"]["val"]["chart_qa"]
    assert all(i.startswith("val-") for i in ids)
    capsys.readouterr()
    assert main(["preview", str(chart_dataset), "--task", "chart_to_html", "--out", str(only)]) == 2
    err = capsys.readouterr().err.strip()
    assert "chart_to_html" in err and "chart_qa" in err and "\n" not in err
    assert main(["preview", str(tmp_path), "--out", str(only)]) == 2
    assert "manifest.json" in capsys.readouterr().err


def _write_shard(path: Path, samples: list[dict[str, bytes]]) -> dict:
    with tarfile.open(path, "w") as tar:
        for sample in samples:
            for ext, data in sample.items():
                if ext == "__key__":
                    continue
                info = tarfile.TarInfo(f"{sample['__key__']}.{ext}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    data = path.read_bytes()
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _copy_dataset(src: Path, dst: Path) -> dict:
    shutil.copytree(src, dst)
    return json.loads((dst / layout.MANIFEST).read_text())


@needs_chromium
def test_preview_escapes_hostile_text(chart_dataset, browser, tmp_path):
    """Targets and metadata are shown as text: no markup from a sample reaches the page."""
    ds = tmp_path / "hostile"
    manifest = _copy_dataset(chart_dataset, ds)
    store, _ = load_manifest(str(ds))
    first = manifest["shards"][0]["name"]
    samples = list(iter_shard(store, first))[:2]
    evil = '</pre><script>alert(1)</script><img src="http://example.invalid/x.png"><a href="https://example.invalid">x</a>'
    rewritten = []
    for s in samples:
        meta = dict(s.meta)
        meta["prompt"] = evil
        meta["targets"] = {**meta["targets"], "table": "TITLE | " + evil + "\nA | B\n<b>1</b> | 2", "qa": [{"question": evil, "answer": evil}]}
        meta["source"] = {**meta["source"], "style": {**meta["source"]["style"], "theme": evil}}
        rewritten.append({"__key__": s.key, "png": s.image, "txt": evil.encode(), "json": json.dumps(meta).encode()})
    entry = manifest["shards"][0]
    entry.update(_write_shard(ds / first, rewritten), samples=len(rewritten))
    manifest["shards"] = [entry]
    manifest["name"] = "<i>hostile</i>"
    (ds / layout.MANIFEST).write_text(json.dumps(manifest))
    out = tmp_path / "hostile.html"
    assert main(["preview", str(ds), "--n", "2", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "<i>hostile" not in html
    assert external_refs(html) == []
    opened = Opened(browser, out)
    try:
        check_offline_page(opened)
        assert opened.page.evaluate("document.querySelectorAll('section.card').length") == 2
        assert evil in opened.page.evaluate("document.body.innerText")
    finally:
        opened.close()


def test_boxes_read_from_charts_pages_and_tables():
    chart = {"render": {"elements": {"plot_area": [10, 20, 110, 220], "title": [{"text": "T", "box": [1, 2, 3, 4]}], "legends": [[0, 0, 5, 5]]}}}
    boxes = sample_boxes(chart)
    assert [(b.kind, b.x, b.y, b.w, b.h) for b in boxes] == [("plot_area", 10, 20, 100, 200), ("title", 1, 2, 2, 2), ("legends", 0, 0, 5, 5)]
    page = {"targets": {"boxes": [{"kind": "text", "text": "Hi", "box": [5, 6, 7, 8]}]}}
    assert [(b.kind, b.label, b.w) for b in sample_boxes(page)] == [("text", "Hi", 2)]  # [x0, y0, x1, y1]
    table = {"targets": {"cells": [{"text": "a", "header": True, "box": [0, 0, 9, 9]}], "boxes": [{"kind": "text", "box": [1, 1, 2, 2]}]}}
    assert [b.kind for b in sample_boxes(table)] == ["header cell"]  # cells only: text boxes sit inside them


def test_parse_deplot():
    assert parse_deplot("TITLE | \nyear | a\n1999 | 2") == ("", [["year", "a"], ["1999", "2"]])
    assert parse_deplot("TITLE | Sales | 2020\nx | y") == ("Sales | 2020", [["x", "y"]])


# --- report --------------------------------------------------------------------------------------


@needs_chromium
def test_chart_report_opens_offline(chart_dataset, browser, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(chart_dataset), "--out", str(out)]) == 0
    assert str(out.resolve()) in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert external_refs(html) == []
    _, manifest = load_manifest(str(chart_dataset))
    total = manifest["samples"]["total"]
    assert f"{total} of {total} samples read" in html
    for section in ("Make-up", "Style axes", "Images", "Target lengths", "Drops", "Duplicates", "Throughput of the run"):
        assert f"<h2>{section}</h2>" in html
    assert "<h3>charts</h3>" in html
    opened = Opened(browser, out)
    try:
        images = check_offline_page(opened)
        # make-up, charts' style axes, images, target lengths, neighbours, throughput
        assert len(images) >= 6
    finally:
        opened.close()


def test_report_max_samples_spreads_over_shards(chart_dataset):
    store, manifest = load_manifest(str(chart_dataset))
    summary = summarise(store, manifest, max_samples=8)
    assert summary.samples == 8 and summary.per_shard_limit == 2
    assert summary.by_split == {"train": 6, "val": 2}
    assert sum(len(v) for v in summary.target_chars.values()) == 8
    assert len(summary.hashes) == 8


def test_report_finds_exact_and_near_duplicates(chart_dataset, tmp_path, capsys):
    """A copied image and a slightly altered one are found; the real charts are not flagged."""
    ds = tmp_path / "dups"
    manifest = _copy_dataset(chart_dataset, ds)
    store, _ = load_manifest(str(ds))
    last = manifest["shards"][-1]
    samples = list(iter_shard(store, last["name"]))
    original = samples[0]
    altered = Image.open(io.BytesIO(original.image)).convert("RGB")
    ImageDraw.Draw(altered).rectangle([5, 5, 25, 15], fill=(255, 0, 0))
    buf = io.BytesIO()
    altered.save(buf, "PNG")
    extra = [
        {"__key__": f"{original.key}dup", "png": original.image, "txt": original.members["txt"], "json": original.members["json"]},
        {"__key__": f"{original.key}alt", "png": buf.getvalue(), "txt": original.members["txt"], "json": original.members["json"]},
    ]
    rows = [{"__key__": s.key, **s.members} for s in samples] + extra
    last.update(_write_shard(ds / last["name"], rows), samples=len(rows))
    (ds / layout.MANIFEST).write_text(json.dumps(manifest))

    store, manifest = load_manifest(str(ds))
    summary = summarise(store, manifest)
    _, near = find_near_duplicates(summary)
    named = lambda pairs: [(summary.keys[a], summary.keys[b]) for a, b, *_ in pairs]  # noqa: E731
    assert named(summary.exact_pairs) == [(original.key, f"{original.key}dup")]
    assert named(near) == [(original.key, f"{original.key}alt")], "real, different charts were flagged"
    assert near[0][2] <= 4

    # the page lists both pairs with their pictures (a one-shard copy keeps the report quick)
    manifest["shards"] = [last]
    (ds / layout.MANIFEST).write_text(json.dumps(manifest))
    out = tmp_path / "dups.html"
    assert main(["report", str(ds), "--out", str(out)]) == 0
    assert "1 exact duplicate image(s)" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert "sha256): <b>1</b>" in html and "exact copies excluded): <b>1</b> pair" in html
    for key in (original.key, f"{original.key}dup", f"{original.key}alt"):
        assert f'<img alt="{key}" src="data:image/png;base64,' in html


def test_near_duplicate_pairs_match_brute_force():
    rng = np.random.default_rng(3)
    n, nbytes = 300, HASH_SIZE * HASH_SIZE // 8
    hashes = rng.integers(0, 256, (n, nbytes), dtype=np.uint8)
    hashes[50:60] = 0  # a crowd of identical, uniform-looking hashes
    for i, flips in zip(range(100, 130, 2), range(15)):  # plant pairs 0..14 bits apart
        bits = np.unpackbits(hashes[i])
        bits[rng.choice(bits.size, flips, replace=False)] ^= 1
        hashes[i + 1] = np.packbits(bits)
    dist = hamming(hashes[:, None, :], hashes[None, :, :])
    bits = np.unpackbits(hashes, axis=1).astype(np.int32)
    assert (dist[:40, :40] == np.abs(bits[:40, None, :] - bits[None, :40, :]).sum(-1)).all()
    for max_bits in (0, 4, 10):
        brute = sorted((i, j, int(dist[i, j])) for i in range(n) for j in range(i + 1, n) if dist[i, j] <= max_bits)
        assert near_duplicate_pairs(hashes, max_bits) == brute
    assert near_duplicate_pairs(hashes[:1]) == []


def test_dhash_survives_reencoding_but_separates_different_images():
    base = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(base)
    for i in range(8):
        draw.rectangle([20 + 36 * i, 180 - 18 * i, 44 + 36 * i, 180], fill=(40, 90, 160))
    other = base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    jpeg = io.BytesIO()
    base.save(jpeg, "JPEG", quality=60)
    h = dhash(base)
    assert hamming(h, dhash(Image.open(jpeg))) <= 10
    assert hamming(h, dhash(base.resize((160, 100)))) <= 10
    assert hamming(h, dhash(other)) > 40


# --- dataset card --------------------------------------------------------------------------------


def test_dataset_card_describes_the_dataset(chart_dataset):
    card = (chart_dataset / layout.CARD).read_text(encoding="utf-8")
    _, manifest = load_manifest(str(chart_dataset))
    samples = manifest["samples"]
    assert card.startswith("---\n") and 'pretty_name: "t"' in card
    assert f"**{samples['total']} samples** in {len(manifest['shards'])} WebDataset tar shards" in card
    for split, tasks in samples["by_split_and_task"].items():
        row = f"| {split} | " + " | ".join(str(tasks.get(t, 0)) for t in manifest["tasks"]) + f" | {samples['by_split'][split]} |"
        assert row in card
    assert f"seed **{manifest['seed']}**" in card
    for lib in ("matplotlib", "numpy", "render\\_factory"):
        assert f"| {lib} | " in card
    assert "render-factory generate chart_dataset/.render-factory/recipe.yaml --out chart_dataset-remade" in card
    assert 'load_dataset("webdataset", data_dir=' in card and "open_dataset(DATA" in card
    assert "Faker" in card and "SIL Open Font License 1.1" in card
    for entry in manifest["shards"]:
        assert entry["sha256"] in card


def test_dataset_card_webdataset_snippet_runs(chart_dataset, monkeypatch):
    """The card's webdataset example reads every sample of every split."""
    card = (chart_dataset / layout.CARD).read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(import webdataset as wds\n.*?)```", card, re.S).group(1)
    monkeypatch.chdir(chart_dataset.parent)
    scope: dict = {}
    exec(compile(snippet, "README.md", "exec"), scope)
    _, manifest = load_manifest(str(chart_dataset))
    for split, n in manifest["samples"]["by_split"].items():
        rows = list(scope[split])
        assert len(rows) == n
        image, text, meta = rows[0]
        assert image.size == (meta["image"]["width"], meta["image"]["height"]) and isinstance(text, str)


def test_dataset_card_escapes_user_text(chart_dataset):
    _, manifest = load_manifest(str(chart_dataset))
    manifest = copy.deepcopy(manifest)
    manifest["name"] = 'x" [a](http://e.invalid) <script>'
    manifest["description"] = "# not a heading\n---\n<img src=x onerror=alert(1)>\n1. not a list\n```\ncode"
    card = render_card(manifest, "we'ird $(rm -rf) dir")
    body = card.split("\n---\n", 1)[1]  # after the YAML front matter
    assert "<script>" not in card and "<img" not in card
    assert "[a](" not in body and "\\[a\\]\\(http" in body
    assert "\n# not a heading" not in card and "\\# not a heading" in card
    assert "\n---\n<" not in card and "\\---" in card
    assert "1\\. not a list" in card and "\n```\ncode" not in card
    assert 'pretty_name: "x\\" [a](http://e.invalid) \\u003cscript\\u003e"' in card  # a JSON string is valid YAML
    assert "--out 'we'\"'\"'ird $(rm -rf) dir-remade'" in card
    assert 'DATA = "we\'ird $(rm -rf) dir"' in card


def test_md_and_shard_pattern():
    assert md("0.1.0") == "0\\.1.0"
    assert md("a | b") == "a \\| b"
    assert md("- x\n+ y\n= z") == "\\- x\n\\+ y\n\\= z"
    assert shard_pattern(["train-000000.tar", "train-000001.tar", "train-000002.tar"]) == "train-{000000..000002}.tar"
    assert shard_pattern(["val-000000.tar"]) == "val-000000.tar"
    assert shard_pattern(["train-000000.tar", "train-000002.tar"]) == "train-*.tar"


# --- mixed: charts, pages and tables --------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.chromium
def test_mixed_preview_and_report(mixed_dataset, browser, tmp_path):
    _, manifest = load_manifest(str(mixed_dataset))
    total = manifest["samples"]["total"]
    preview = tmp_path / "preview.html"
    report = tmp_path / "report.html"
    assert main(["preview", str(mixed_dataset), "--out", str(preview)]) == 0
    assert main(["report", str(mixed_dataset), "--out", str(report)]) == 0
    assert external_refs(preview.read_text(encoding="utf-8")) == []
    assert external_refs(report.read_text(encoding="utf-8")) == []

    opened = Opened(browser, preview)
    try:
        images = check_offline_page(opened)
        assert len(images) == total
        cards = opened.page.evaluate(
            """Array.from(document.querySelectorAll('section.card')).map(c => ({
                 key: c.id, task: c.querySelector('.task').textContent,
                 rects: c.querySelectorAll('.overlay rect').length,
                 cells: c.querySelectorAll('table.data td, table.data th').length}))"""
        )
        assert sorted(c["key"] for c in cards) == sorted(k for keys in shard_keys(mixed_dataset).values() for k in keys)
        tasks = {c["task"] for c in cards}
        assert tasks & {"screenshot_to_html", "screenshot_parsing", "table_to_html"}, tasks
        assert tasks & {"chart_to_table", "chart_qa", "chart_to_code"}, tasks
        assert all(c["rects"] > 0 for c in cards), [c["key"] for c in cards if not c["rects"]]
        assert all(c["cells"] > 0 for c in cards if c["task"] == "table_to_html")
        opened.page.click("label[for=boxes-all]")
        shown = opened.page.evaluate("Array.from(document.querySelectorAll('.overlay')).map(o => getComputedStyle(o).display)")
        assert shown == ["block"] * total
    finally:
        opened.close()

    opened = Opened(browser, report)
    try:
        check_offline_page(opened)
        text = opened.page.evaluate("document.body.innerText")
    finally:
        opened.close()
    assert f"{total} of {total} samples read" in text
    html = report.read_text(encoding="utf-8")
    assert "<h3>charts</h3>" in html and ("<h3>pages</h3>" in html or "<h3>table_images</h3>" in html)

    card = (mixed_dataset / layout.CARD).read_text(encoding="utf-8")
    assert f"**{total} samples**" in card
    for task, n in manifest["samples"]["by_task"].items():
        assert f"`{md(task)}`" in card
    assert "headless Chromium" in card


def test_preview_skips_damaged_boxes_instead_of_failing():
    from factory.tools.preview import sample_boxes

    meta = {"render": {"elements": {"texts": [{"box": ["x", 0, 1, 1], "text": "a"}, {"box": [0, float("nan"), 1, 1], "text": "b"},
                                             {"box": None, "text": "c"}, {"box": [1, 2, 5, 6], "text": "ok"}]}}}  # fmt: skip
    boxes = sample_boxes(meta)
    assert [(b.label, b.x, b.y, b.w, b.h) for b in boxes] == [("ok", 1.0, 2.0, 4.0, 4.0)]
