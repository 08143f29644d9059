"""Body text after a Pix2Struct resize: measured by the renderer, reported per dataset, and kept at
8 px or more at 2,048 patches by the default `pages` recipe (its `legible` capture rule)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from factory.cli import main
from factory.dataset.storage import Store
from factory.image_prep import resize_to_patches, text_px_at_patches
from factory.meta import unpack
from factory.tools.preview import iter_shard, load_manifest
from factory.tools.report import read_shard_stats
from factory.tools.text_size import TextAtPatches, body_text_at_patches

HAVE_CHROMIUM = os.access("/usr/bin/chromium", os.X_OK) or bool(os.environ.get("RENDER_FACTORY_CHROMIUM"))
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine")

RULE = {"max_patches": 2048, "patch_size": 16, "min_text_px": 8.0}


def test_text_px_at_patches_is_the_resize_of_the_pix2struct_grid():
    for width, height in ((1280, 3000), (390, 2400), (1024, 768), (100, 9000)):
        resized = resize_to_patches(Image.new("RGB", (width, height)), 16, 2048)
        expected = 16 * min(resized.height / height, resized.width / width)
        assert text_px_at_patches(16, width, height) == pytest.approx(expected)
    assert text_px_at_patches(16, 1280, 3000) < 6  # a tall desktop page: unreadable
    assert text_px_at_patches(16, 1280, 3000, max_patches=4096) > text_px_at_patches(16, 1280, 3000)
    meta = {"key": "k", "image": {"width": 1280, "height": 3000}, "quality": {"body_text_px": 16}}
    assert body_text_at_patches(meta) == text_px_at_patches(16, 1280, 3000)
    summary = TextAtPatches()
    summary.add(meta)
    summary.add({"image": {"width": 10, "height": 10}, "quality": {}})  # a chart: no body text recorded
    assert (summary.below, summary.unmeasured) == (1, 1)
    assert summary.line().startswith("body text at 2,048 patches: median 5.8 px, min 5.8 px (1 of 1 below 8 px")


@dataclass
class Page:
    html: str
    viewport_width: int = 1280
    viewport_height: int = 800
    full_page: bool = True
    max_height: int = 4000
    javascript: bool = False
    legible: dict[str, Any] | None = None


LONG = (
    "<style>body{margin:0;font:16px/1.5 sans-serif} h1{font-size:40px;margin:0}</style><h1>A heading</h1>"
    + "".join(f"<p>Paragraph {i}: body text that runs across the page and wraps onto the next line when narrow.</p>" for i in range(120))
)


@needs_chromium
@pytest.mark.chromium
def test_legible_rule_cuts_the_capture_where_body_text_stays_8_px():
    from renderers.chromium import ChromiumRenderer

    renderer = ChromiumRenderer({})
    try:
        whole = renderer.render(Page(LONG))
        cut = renderer.render(Page(LONG, legible=RULE))
        short = renderer.render(Page("<p style='font-size:16px'>short</p>", legible=RULE))
    finally:
        renderer.close()
    assert whole.facts["quality"]["body_text_px"] == 16  # the paragraphs, not the heading
    assert whole.height > 3900 and text_px_at_patches(16, whole.width, whole.height) < 6
    assert cut.facts["quality"]["body_text_px"] == 16 and cut.facts["page"]["truncated"]
    legible = text_px_at_patches(16, cut.width, cut.height)
    assert 8 <= legible and text_px_at_patches(16, cut.width, cut.height + 60) < 8  # cut no more than a line too high
    for box in cut.facts["boxes"]:  # what the targets can name lies wholly in the picture
        assert 0 <= box["box"][1] <= box["box"][3] <= cut.height
    texts = [b for b in cut.facts["boxes"] if b["kind"] == "text"]
    assert texts and max(b["box"][3] for b in texts) > cut.height - 60  # the text runs down to the cut
    assert not short.facts["page"]["truncated"] and short.height == 800


@pytest.fixture(scope="module")
def default_pages(tmp_path_factory) -> str:
    """24 samples of the built-in `pages` recipe, as a user makes them."""
    out = tmp_path_factory.mktemp("pages8px") / "pages"
    assert main(["generate", "pages", "--samples", "24", "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return str(out)


def _samples(dataset: str) -> list[dict[str, Any]]:
    store, manifest = load_manifest(dataset)
    return [unpack(s.meta) for entry in manifest["shards"] for s in iter_shard(Store(dataset), entry["name"])]


@needs_chromium
@pytest.mark.chromium
@pytest.mark.slow
def test_default_pages_keep_body_text_at_8_px_at_2048_patches(default_pages, capsys):
    samples = _samples(default_pages)
    assert len(samples) == 24
    assert {s["source"]["theme"]["viewport"] for s in samples} == {"desktop", "tablet", "mobile"}
    measured = TextAtPatches(2048)
    for s in samples:
        assert measured.add(s) is not None, s["key"]
    assert measured.below == 0, measured.line()
    # The images still show exactly what the targets say: a cut page is only ever parsed (texts
    # crossing the cut are out of the picture and of the target), whole pages go to HTML.
    cut = 0
    for s in samples:
        page, height = s["render"]["page"], s["image"]["height"]
        if s["task"] == "screenshot_to_html":
            assert not page["truncated"]
        elif page["truncated"]:
            cut += 1
            for box in s["targets"]["boxes"]:
                assert box["box"][3] <= height, (s["key"], box)
    assert cut  # the rule did cut some pages (tall desktop and tablet pages)
    store, manifest = load_manifest(default_pages)
    examples = [s["drop_examples"]["page_truncated"] for s in read_shard_stats(store, manifest) if "page_truncated" in (s.get("drop_examples") or {})]
    assert examples and all("legible at 2048 patches" in e for e in examples)  # the drop says why, and what to change
    assert main(["report", default_pages, "--out", os.path.join(default_pages, "..", "report.html")]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("body text at 2,048 patches: median ") and "(0 of 24 below 8 px" in line
