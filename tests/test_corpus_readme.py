"""The README's html_corpus section runs as written: its recipe on a folder of pages, and its
command that turns a WARC file into shards (in a folder holding my_pages/ and crawl.warc.gz)."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest

pytest.importorskip("selectolax")

from factory.cli import main  # noqa: E402
from factory.dataset import layout  # noqa: E402
from factory.dataset.storage import Store  # noqa: E402
from factory.dataset.verify import verify  # noqa: E402
from tests.corpus_pages import SENTENCES, write_warc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Your own web pages (html_corpus)"
HAVE_CHROMIUM = os.access("/usr/bin/chromium", os.X_OK) or bool(os.environ.get("RENDER_FACTORY_CHROMIUM"))


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert HEADING in text, f"README.md lost its '{HEADING}' section"
    rest = text.split(HEADING, 1)[1]
    return rest[: re.search(r"^## ", rest, flags=re.MULTILINE).start()]


def pages() -> list[tuple[str, str]]:
    return [(f"{lang}-{k}", f"<!doctype html><html lang={lang}><head><title>{lang}</title><script>track()</script>"
             f"<link rel=stylesheet href='https://cdn.example.com/x.css'></head><body><h1>{SENTENCES[lang][k][:40]}</h1>"
             f"<p>{' '.join(SENTENCES[lang][3 * k:3 * k + 3])}</p>"
             f"<img src='https://img.example.com/{lang}{k}.jpg' width=200 height=100 alt='Picture {k}'></body></html>")
            for lang, k in (("en", 0), ("de", 1), ("fr", 0))]


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine")
def test_readme_recipe_and_warc_command_run_as_written(tmp_path, monkeypatch):
    text = section()
    recipe = re.findall(r"^```yaml\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)[0]
    commands = [line.split("  #")[0].strip() for line in re.findall(r"^```bash\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)[0].splitlines()]
    assert commands == ["render-factory generate my_corpus.yaml --out output/my_corpus",
                        "render-factory generate corpus --source crawl.warc.gz --out output/crawl"]
    assert (ROOT / "docs" / "corpus_preview.png").stat().st_size < 400_000  # the picture the section shows
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_corpus.yaml").write_text(recipe)
    site = tmp_path / "my_pages" / "blog"
    site.mkdir(parents=True)
    for name, html in pages():
        (site / f"{name}.html").write_text(html, encoding="utf-8")
    (tmp_path / "my_pages" / "notes.html").write_text("<p>Nur ein kurzer Satz.</p>")  # too little text
    write_warc(tmp_path / "crawl.warc.gz", pages())
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0, command
    mine = json.loads((tmp_path / "output/my_corpus" / layout.MANIFEST).read_text())
    assert mine["samples"]["planned"] == 8 and mine["samples"]["total"] == 6  # 4 pages at 2 viewports
    assert mine["drops"]["by_reason"].get("too_little_text") == 2
    crawl = json.loads((tmp_path / "output/crawl" / layout.MANIFEST).read_text())
    assert crawl["samples"]["planned"] == 3 and crawl["samples"]["total"] == 3
    for out in ("output/my_corpus", "output/crawl"):
        assert verify(Store(str(tmp_path / out))) == []
        card = (tmp_path / out / layout.CARD).read_text()
        assert "The pages are not synthetic" in card and "All content is synthetic" not in card
