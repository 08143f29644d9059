"""Reading a corpus: every input kind, planned into shards, read back shard by shard.

The property every kind must have: the shards' slices, read one after the other, give every
record of the corpus exactly once and in corpus order, whatever the shard size (byte ranges cut
records anywhere), and the plan never needs the records themselves.
"""

from __future__ import annotations

import gzip
import json

import pytest

from factory.errors import FactoryError, RecipeError
from factory.generators.html_corpus import HtmlCorpusGenerator
from factory.plan import plan_shards
from factory.recipe import recipe_from_dict
from tests.corpus_pages import build_pages, write_folder, write_hf, write_jsonl, write_parquet, write_warc

pytest.importorskip("selectolax")

PAGES = build_pages(40, seed=3, duplicates=False)
URLS = [f"https://example.com/{name}" for name, _ in PAGES]


def recipe(source, samples=10_000, shard=7, splits=None, **opts):
    return recipe_from_dict({
        "samples": samples, "shard": {"samples": shard}, "splits": splits or {"train": 1.0},
        "tasks": {"screenshot_parsing": 1}, "generators": {"html_corpus": {"source": str(source), **opts}},
    })


def read_all(resolved):
    plan = plan_shards(resolved)
    corpus = HtmlCorpusGenerator.open_corpus(resolved.generator_options["html_corpus"])
    return plan, [(shard.index, record) for shard in plan for record in corpus.read(shard.part)]


def urls(records):
    return [r.provenance.get("url") for _, r in records]


def test_folder_of_pages_in_path_order_with_path_range_slices(tmp_path):
    root = write_folder(tmp_path / "site", PAGES)
    plan, records = read_all(recipe(root, shard=6))
    assert [r.provenance["file"] for _, r in records] == [f"s00/{name}.html" for name, _ in PAGES]
    assert all(r.page_rel == r.provenance["file"] and not r.error for _, r in records)
    assert [s.samples for s in plan] == [6] * 6 + [4]
    assert plan[1].part.first == ("s00", "p00006.html") and plan[1].part.last == ("s00", "p00011.html")
    assert plan[-1].part.last == ()  # the last slice runs to the folder's end
    assert records[0][1].html == PAGES[0][1].encode("utf-8")


def test_folder_pages_split_across_subfolders_and_splits(tmp_path):
    root = tmp_path / "site"
    for k, (name, html) in enumerate(PAGES[:12]):
        folder = root / ("a" if k < 5 else "b/deep" if k < 9 else "c")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.html").write_text(html)
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.html").write_text("<p>hidden</p>")
    (root / "notes.txt").write_text("not a page")
    plan, records = read_all(recipe(root, shard=4, splits={"train": 0.75, "val": 0.25}))
    assert [r.provenance["file"].rsplit("/", 1)[1] for _, r in records] == [f"{name}.html" for name, _ in PAGES[:12]]
    assert [(s.split, s.samples) for s in plan] == [("train", 4), ("train", 4), ("train", 1), ("val", 3)]
    capped, records = read_all(recipe(root, samples=5, shard=4))
    assert sum(s.samples for s in capped) == 5 and len(records) == 5


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("shard", [1, 3, 40])
def test_warc_byte_ranges_read_each_html_response_once(tmp_path, gz, shard):
    path = write_warc(tmp_path / ("crawl.warc.gz" if gz else "crawl.warc"), PAGES, gzip=gz)
    plan, records = read_all(recipe(path, shard=shard))
    assert urls(records) == URLS  # warcinfo, redirects and pictures are not records
    assert [r.html for _, r in records] == [html.encode() for _, html in PAGES]
    assert all(s.part.unit == "bytes" for s in plan)
    first = records[0][1]
    assert first.charset == "utf-8" and first.provenance["warc_record_id"].startswith("<urn:uuid:")
    assert first.provenance["file"] == path.name and isinstance(first.provenance["offset"], int)


def test_warc_compressed_as_one_stream_is_read_from_its_start(tmp_path):
    plain = write_warc(tmp_path / "crawl.warc", PAGES, gzip=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    plan, records = read_all(recipe(whole, shard=9))
    assert {s.part.unit for s in plan} == {"rows"}
    assert urls(records) == URLS


@pytest.mark.parametrize("shard", [1, 4, 100])
def test_jsonl_byte_ranges_and_gzip(tmp_path, shard):
    path = write_jsonl(tmp_path / "pages.jsonl", PAGES)
    plan, records = read_all(recipe(path, shard=shard))
    assert urls(records) == URLS
    assert records[0][1].provenance == {"file": "pages.jsonl", "offset": 0, "url": URLS[0], "license": "cc-by-4.0"}
    packed = tmp_path / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    plan, records = read_all(recipe(packed, shard=shard))
    assert urls(records) == URLS and records[3][1].provenance["line"] == 3


def test_jsonl_bad_lines_are_records_that_fail(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "<p>ok</p>"}\nnot json\n\n[1, 2]\n{"body": "<p>no html field</p>"}\n{"text": ""}\n')
    _, records = read_all(recipe(path))
    assert [r.error.split(":")[0] for _, r in records] == ["", "bad_record", "bad_record", "no_html", "no_html"]


def test_parquet_row_groups(tmp_path):
    path = write_parquet(tmp_path / "pages.parquet", PAGES, row_group_size=6)
    plan, records = read_all(recipe(path, shard=5, splits={"train": 0.5, "test": 0.5}))
    assert urls(records) == URLS
    assert [r.html for _, r in records] == [html for _, html in PAGES]
    assert [r.provenance["row"] for _, r in records] == list(range(40))
    assert records[0][1].provenance["license"] == "cc0"
    assert [s.samples for s in plan] == [5, 5, 5, 5, 5, 5, 5, 5]


@pytest.mark.parametrize("split", [None, "train"])
def test_saved_hugging_face_dataset(tmp_path, split):
    pytest.importorskip("datasets")
    path = write_hf(tmp_path / "hf", PAGES, dict_split=split)
    plan, records = read_all(recipe(path, shard=6))
    assert urls(records) == URLS
    assert records[0][1].html == PAGES[0][1]


def test_fsspec_urls_and_globs(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", PAGES[:20])
    write_jsonl(tmp_path / "b.jsonl", PAGES[20:])
    _, records = read_all(recipe(f"file://{tmp_path}/*.jsonl", shard=6))
    assert urls(records) == URLS
    assert [r.provenance["file"] for _, r in records][19:21] == ["a.jsonl", "b.jsonl"]
    import fsspec

    memory = fsspec.filesystem("memory")
    for name, html in PAGES[:5]:
        memory.pipe(f"/corpus-test/{name}.html", html.encode())
    try:
        _, records = read_all(recipe("memory://corpus-test", shard=2))
        assert [r.provenance["file"] for _, r in records] == [f"{name}.html" for name, _ in PAGES[:5]]
    finally:
        memory.rm("/corpus-test", recursive=True)


def test_mistakes_are_one_line_errors(tmp_path):
    with pytest.raises(FactoryError, match="does not exist"):
        read_all(recipe(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FactoryError, match="holds no .html"):
        read_all(recipe(tmp_path / "empty"))
    path = write_parquet(tmp_path / "p.parquet", PAGES[:3])
    with pytest.raises(FactoryError, match="no HTML column"):
        read_all(recipe(path, html_column="body"))
    with pytest.raises(RecipeError, match="unknown language 'xx'"):
        recipe(path, languages=["en", "xx"])
    with pytest.raises(RecipeError, match="do not read the corpus"):
        recipe_from_dict({"tasks": {"screenshot_parsing": 1, "chart_to_table": 1},
                          "generators": {"html_corpus": {"source": str(path)}}})


def test_a_corpus_file_changed_after_planning_is_an_error(tmp_path):
    path = write_jsonl(tmp_path / "pages.jsonl", PAGES)
    resolved = recipe(path, shard=10)
    plan = plan_shards(resolved)
    with open(path, "a") as f:
        f.write(json.dumps({"text": "<p>late</p>"}) + "\n")
    corpus = HtmlCorpusGenerator.open_corpus(resolved.generator_options["html_corpus"])
    with pytest.raises(FactoryError, match="changed since this dataset was planned"):
        list(corpus.read(plan[0].part))


def test_damaged_warc_keeps_the_records_before_the_damage(tmp_path):
    path = write_warc(tmp_path / "crawl.warc.gz", PAGES[:10], noise=False)
    data = path.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    _, records = read_all(recipe(cut, shard=100))  # no exception: the run goes on
    whole = [r for _, r in records[:-1]]
    assert [r.html for r in whole] == [html.encode() for _, html in PAGES[: len(whole)]] and len(whole) >= 4
    last = records[-1][1]  # cut short: an error record, or what survived of its payload
    assert last.error.startswith("corpus_read_error") or len(last.html) < len(PAGES[len(whole)][1].encode())


def test_a_corpus_without_records_is_an_error(tmp_path):
    from tests.corpus_pages import write_warc as warc

    path = warc(tmp_path / "empty.warc.gz", [], noise=False)
    with pytest.raises(FactoryError, match="holds no record"):
        read_all(recipe(path))
