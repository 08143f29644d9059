"""Hostile files in a corpus: FIFOs, links out of the corpus, /dev/zero, JSON nested too deeply,
cut or damaged Parquet and WARC files, a huge line that fools a head estimate.

Each one must end as a counted drop (or a one-line error), in bounded time and memory, and
nothing outside the corpus folder may reach a dataset.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("selectolax")

from factory.errors import FactoryError  # noqa: E402
from factory.generators.html_corpus import HtmlCorpusGenerator  # noqa: E402
from factory.plan import plan_shards  # noqa: E402
from factory.recipe import recipe_from_dict  # noqa: E402
from tests.corpus_pages import build_pages, write_parquet, write_warc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Normal page text here for the filter, long enough to be kept. " * 3
PAGE = f"<html><body><p>{TEXT}</p></body></html>"
SECRET = "root:x:0:0:SECRET-OUTSIDE-THE-CORPUS"
PAGES = build_pages(10, seed=5, duplicates=False)


def recipe(source, samples=1000, shard=100, **opts):
    return recipe_from_dict({
        "samples": samples, "shard": {"samples": shard}, "tasks": {"screenshot_to_html": {"weight": 1, "max_chars": 400000}},
        "generators": {"html_corpus": {"source": str(source), "viewports": ["desktop"], "min_text_chars": 10, **opts}},
    })


def read_all(resolved):
    plan = plan_shards(resolved)
    corpus = HtmlCorpusGenerator.open_corpus(resolved.generator_options["html_corpus"])
    return [record for shard in plan for record in corpus.read(shard.part)]


@contextmanager
def deadline(seconds):
    """A hang (a FIFO's open blocks forever) becomes a test failure instead of a stuck suite."""

    def stop(*_):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def hostile_folder(tmp_path: Path) -> Path:
    """normal.html (with a linked picture and stylesheet pointing out), a FIFO page, a page
    linked to a secret file outside, a page linked to /dev/zero, a folder linked out."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (outside / "page.html").write_text(f"<p>{SECRET} {TEXT}</p>")
    site = tmp_path / "site"
    (site / "css").mkdir(parents=True)
    (site / "normal.html").write_text(
        f'<html><head><link rel=stylesheet href="css/s.css"><link rel=stylesheet href="css/ok.css"></head>'
        f'<body><p>{TEXT}</p><img src="pic.png" width=20 height=10></body></html>')
    (site / "css" / "ok.css").write_text("p { color: #123456 }")
    os.symlink(outside / "secret.txt", site / "pic.png")
    os.symlink(outside / "secret.txt", site / "css" / "s.css")
    os.mkfifo(site / "fifo.html")
    os.symlink(outside / "secret.txt", site / "passwd.html")
    os.symlink("/dev/zero", site / "zero.html")
    os.symlink(outside, site / "linked")  # a folder out of the corpus: not walked
    os.symlink("..", site / "css" / "loop")  # a loop: not walked forever
    return site


def test_fifo_and_links_out_of_a_folder_corpus_are_counted_drops(tmp_path):
    site = hostile_folder(tmp_path)
    os.unlink(site / "zero.html")  # read in its own process below, with a memory limit
    with deadline(30):
        records = read_all(recipe(site))
    got = {r.provenance["file"]: r.error.split(":")[0] for r in records}
    assert got == {"fifo.html": "corpus_read_error", "normal.html": "", "passwd.html": "outside_corpus"}
    assert all(SECRET.encode() not in r.html for r in records)


def test_a_link_to_dev_zero_is_refused_in_bounded_memory_and_time(tmp_path):
    site = hostile_folder(tmp_path)
    script = (
        "import json, resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31));"
        "from tests.test_corpus_hostile_files import read_all, recipe;"
        f"print(json.dumps({{r.provenance['file']: r.error.split(':')[0] for r in read_all(recipe({str(site)!r}))}}))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["zero.html"] == "outside_corpus"


def test_assets_linked_out_of_the_corpus_are_never_served(tmp_path):
    from factory.corpus.sanitize import Sanitizer

    site = hostile_folder(tmp_path)
    corpus = HtmlCorpusGenerator.open_corpus(recipe(site).generator_options["html_corpus"])
    page = Sanitizer(corpus.read_asset).sanitize((site / "normal.html").read_text(), "normal.html")
    assert SECRET.encode() not in b"".join(a.body for a in page.assets.values())
    assert list(page.assets) == ["http://corpus.render-factory.invalid/css/ok.css"]  # a file inside is still served
    assert page.report["outside_corpus"] == 2 and "missing_files" not in page.report


def test_json_nested_too_deeply_is_a_bad_record(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps({"html": PAGE}) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n" + json.dumps({"html": PAGE}) + "\n")
    records = read_all(recipe(path))
    assert [r.error.split(":")[0] for r in records] == ["", "bad_record", ""]


def test_a_cut_parquet_file_is_a_one_line_error_naming_it(tmp_path):
    data = write_parquet(tmp_path / "pages.parquet", PAGES).read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(FactoryError, match=r"cannot read corpus file 'cut.parquet' .*complete Parquet file") as err:
        read_all(recipe(cut))
    assert "\n" not in str(err.value)


def test_a_parquet_file_damaged_inside_keeps_the_rows_before(tmp_path):
    import pyarrow.parquet as pq

    path = write_parquet(tmp_path / "pages.parquet", PAGES, row_group_size=5)
    meta = pq.ParquetFile(path).metadata.row_group(1).column(0)
    data = bytearray(path.read_bytes())
    start = meta.data_page_offset
    data[start : start + meta.total_compressed_size] = b"\xff" * meta.total_compressed_size  # the second group's pages
    path.write_bytes(bytes(data))
    records = read_all(recipe(path))
    assert [r.html for r in records[:5]] == [html for _, html in PAGES[:5]]
    assert records[-1].error.startswith("corpus_read_error") and len(records) == 6


def _members(path: Path) -> list[bytes]:
    """The gzip members of a WARC file compressed record by record."""
    import zlib

    data, out = path.read_bytes(), []
    while data:
        d = zlib.decompressobj(31)
        d.decompress(data)
        used = len(data) - len(d.unused_data)
        out.append(data[:used])
        data = data[used:]
    return out


def test_a_warc_with_garbage_keeps_what_came_before_and_says_so_in_one_clean_line(tmp_path):
    members = _members(write_warc(tmp_path / "crawl.warc.gz", PAGES[:4], noise=False))
    bad = tmp_path / "garbage.warc.gz"
    bad.write_bytes(b"".join(members[:3]) + b"\x1f\x8b\x08\x00\x00\x00" + bytes(range(256)) * 4)
    records = read_all(recipe(bad))
    kept = [r for r in records if not r.error]
    assert kept and all(r.html for r in kept)
    last = records[-1].error
    assert last.startswith("corpus_read_error: ") and last.isprintable() and last.isascii() and len(last) < 300
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"\x1f\x8b\x08\x00\x00\x00" + bytes(range(256)) * 4)
    with pytest.raises(FactoryError, match="not a readable WARC file") as err:
        read_all(recipe(junk))
    assert str(err.value).isprintable() and str(err.value).isascii() and len(str(err.value)) < 400


def test_a_cut_warc_counts_its_last_record(tmp_path):
    path = write_warc(tmp_path / "crawl.warc.gz", PAGES[:4], noise=False)
    members = _members(path)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(b"".join(members[:-1]) + members[-1][: len(members[-1]) // 2])
    records = read_all(recipe(cut))
    assert [r.html for r in records[:-1]] == [html.encode() for _, html in PAGES[:3]]
    assert records[-1].error.startswith("corpus_read_error")
    assert [r.error for r in read_all(recipe(path))] == [""] * 4  # a whole file: nothing to count
    plain = write_warc(tmp_path / "crawl.warc", PAGES[:4], gzip=False, noise=False)
    assert [r.error for r in read_all(recipe(plain, shard=1))] == [""] * 4  # its closing blank lines are no damage


def test_a_huge_line_near_the_start_does_not_hide_the_records_after_it(tmp_path):
    path = tmp_path / "pages.jsonl"
    lines = [json.dumps({"html": html, "url": f"https://e.com/{name}"}) for name, html in PAGES]
    huge = json.dumps({"html": "<p>" + "x" * (3 << 20) + "</p>"})
    path.write_text("\n".join(lines[:2] + [huge] + lines[2:] * 5) + "\n")
    records = read_all(recipe(path, samples=100, shard=7, max_record_bytes=1_000_000))
    assert len(records) == 2 + 1 + 8 * 5  # every record attempted
    assert [r.error.split(":")[0] for r in records].count("record_too_large") == 1
    gz = tmp_path / "pages.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert len(read_all(recipe(gz, samples=100, shard=7, max_record_bytes=1_000_000))) == 43


HAVE_CHROMIUM = os.access("/usr/bin/chromium", os.X_OK) or bool(os.environ.get("RENDER_FACTORY_CHROMIUM"))


@pytest.mark.slow
@pytest.mark.chromium
@pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine")
def test_a_hostile_folder_run_counts_every_refusal_and_keeps_nothing_from_outside(tmp_path):
    from factory.generate import generate

    site = hostile_folder(tmp_path)
    with deadline(120):
        manifest = generate(recipe(site, samples=8), str(tmp_path / "out"), workers=1)
    assert manifest["drops"]["by_reason"] == {"corpus_read_error": 1, "outside_corpus": 2}
    assert manifest["samples"]["total"] == 1
    with tarfile.open(tmp_path / "out" / "train-000000.tar") as tar:
        blob = b"".join(tar.extractfile(m).read() for m in tar.getmembers())
    assert SECRET.encode() not in blob and re.search(rb'outside_corpus\\?"\s*:\s*2', blob)
