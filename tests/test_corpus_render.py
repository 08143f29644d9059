"""html_corpus end to end with the real Chromium: nothing reaches the network, local files are
served, filters are counted, and shards are the same bytes with 1 local worker and 2 Ray actors."""

from __future__ import annotations

import http.server
import io
import json
import os
import tarfile
import threading
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("selectolax")

from factory.generate import generate  # noqa: E402
from factory.meta import unpack  # noqa: E402
from factory.recipe import recipe_from_dict  # noqa: E402
from renderers import browser as browsers  # noqa: E402

HAVE_CHROMIUM = os.access("/usr/bin/chromium", os.X_OK) or bool(os.environ.get(browsers.ENV_VAR))
pytestmark = [pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine"), pytest.mark.chromium]

EVERY_REFERENCE = """<!DOCTYPE html><html><head>
<base href="{B}/base/"><meta http-equiv="refresh" content="0;url={B}/refresh">
<link rel=stylesheet href="{B}/style.css"><link rel=preload as=image href="{B}/preload.png"><link rel=prefetch href="{B}/prefetch">
<link rel=icon href="{B}/favicon.ico"><link rel=manifest href="{B}/manifest.json"><link rel=dns-prefetch href="{B}/">
<link rel=preconnect href="{B}/"><link rel=modulepreload href="{B}/m.js">
<style>@import url({B}/import.css); @import "{B}/import2.css";
@font-face {{font-family: Remote; src: url({B}/font.woff2) format("woff2")}}
body {{background: url({B}/bg.png); font-family: Remote, sans-serif}} .e {{background: u\\72l({B}/escaped.png)}}
.s {{background-image: image-set("{B}/set.png" 1x)}} li {{list-style-image: url({B}/bullet.png)}}
.c {{cursor: url({B}/cursor.cur), auto}} .m {{mask-image: url({B}/mask.svg)}} .b {{border: 8px solid; border-image: url({B}/border.png) 30}}
</style><script src="{B}/script.js"></script></head>
<body background="{B}/bodybg.png" onload="fetch('{B}/onload')">
<p class="e s c m b">Text with every kind of reference in it, and <a href="{B}/link" ping="{B}/ping">a link</a>.</p>
<ul><li>A list item with a remote bullet picture</li></ul>
<img src="{B}/img.png" alt="Remote picture" width=200 height=100><img srcset="{B}/srcset1.png 1x, {B}/srcset2.png 2x" alt="srcset">
<picture><source srcset="{B}/source.webp" type="image/webp"><img src="{B}/picture.png" alt="picture"></picture>
<input type=image src="{B}/input.png" alt="go"><iframe src="{B}/iframe.html"></iframe><iframe srcdoc="<img src='{B}/srcdoc.png'>"></iframe>
<object data="{B}/object.swf"></object><embed src="{B}/embed.swf">
<video src="{B}/video.mp4" poster="{B}/poster.png" controls><source src="{B}/video.webm"><track src="{B}/track.vtt"></video>
<audio src="{B}/audio.mp3" controls></audio>
<svg width=100 height=100><image href="{B}/svgimage.png" width=50 height=50/><use href="{B}/sprite.svg#icon"/>
<filter id=f><feImage href="{B}/feimage.png"/></filter></svg>
<table background="{B}/tablebg.png"><tr><td background="{B}/tdbg.png">A table cell with a remote background</td></tr></table>
<div style="background-image:url('{B}/inline.png')">A block with an inline style that points away</div>
<noscript><img src="{B}/noscript.png" alt="noscript"></noscript>
<form action="{B}/form"><input name=q><button formaction="{B}/formaction">Go</button></form>
<script>new Image().src = '{B}/js.png'</script></body></html>"""


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"x")

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def loopback():
    """A server on 127.0.0.1 that counts every request it gets; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    assert opener.open(base + "/probe", timeout=5).read() == b"x" and _Counter.hits == ["/probe"]  # it would see a leak
    _Counter.hits.clear()
    yield base
    server.shutdown()
    server.server_close()
    assert _Counter.hits == []


def samples(folder: Path) -> dict[str, dict]:
    """key -> {ext: bytes} over every tar of a dataset."""
    out: dict[str, dict] = {}
    for tar_path in sorted(folder.glob("*.tar")):
        with tarfile.open(tar_path) as tar:
            for member in tar.getmembers():
                key, ext = member.name.split(".", 1)
                out.setdefault(key, {})[ext] = tar.extractfile(member).read()
    return out


def corpus_recipe(source: Path, **generator) -> dict:
    return {
        "name": "corpus-test", "seed": 5, "samples": 1000, "shard": {"samples": 12},
        "tasks": {"screenshot_parsing": {"weight": 2, "max_chars": 400}, "screenshot_to_html": 1},
        "generators": {"html_corpus": {"source": str(source), **generator}},
    }


def _local_page(site: Path) -> bool:
    """blog/post.html, whose stylesheet (importing another), picture and font are corpus files."""
    (site / "css").mkdir(parents=True)
    (site / "img").mkdir()
    (site / "blog").mkdir()
    Image.new("RGB", (20, 20), (220, 30, 30)).save(site / "img" / "red.png")
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if font.exists():
        (site / "css" / "f.ttf").write_bytes(font.read_bytes())
    (site / "css" / "site.css").write_text("@import 'more.css'; @font-face{font-family:Local;src:url(f.ttf)} h1{font-family:Local}")
    (site / "css" / "more.css").write_text("body{background:#123456;color:#fff;margin:0} .pic{position:absolute;left:100px;top:100px}")
    (site / "blog" / "post.html").write_text(
        '<!doctype html><html><head><link rel=stylesheet href="../css/site.css"></head><body><h1>A local page</h1>'
        '<p>Its stylesheet, picture and font come from the corpus folder itself, served by the factory.</p>'
        '<img class=pic src="/img/red.png" width=50 height=50 alt="red"></body></html>')
    return font.exists()


def _filter_pages(root: Path) -> None:
    """a00..a10: duplicates sit next to their originals, in one shard (6 records a shard)."""
    from tests.corpus_pages import SENTENCES, page_html

    def page(lang: str, words: str, extra: str = "", title: str | None = None) -> str:
        return (f"<!doctype html><html lang={lang}><head><title>{lang}</title><script>x()</script></head><body>"
                f"<h1>{(title or words)[:30]}</h1><p>{words}</p>{extra}<img src='https://cdn.example.com/a.jpg' width=120 height=80 alt='pic'></body></html>")

    block = "<div style='width:100%;height:1500px;background:#2a6'></div>"
    caption = "Green blocks and a short caption about the weather in spring."
    pages = {
        "a00": page_html(0, 1, local=False),  # English article
        "a01": page_html(0, 1, local=False),  # exact duplicate
        "a02": page("de", " ".join(SENTENCES["de"])),
        "a03": page("pt", " ".join(SENTENCES["pt"])),  # not a chosen language
        "a04": page("de", " ".join(SENTENCES["de"]).replace("Debatte", "Diskussion")),  # near-duplicate text
        "a05": "<html><body><p>Hi</p></body></html>",  # too little text
        "a06": page("zh", "".join(SENTENCES["zh"])),
        "a07": page("en", caption, block),
        "a08": page("en", " ".join(reversed(caption.split())), block, title=caption),  # the same picture, other 5-grams
        "a09": page("ru", " ".join(SENTENCES["ru"])),
        "a10": "<!doctype html><title>broken</title><p>Unclosed paragraph with <b>bold <i>and italic</b> text that"
               " runs on<table><td>a cell without a row<p>and another paragraph inside the table</table></span>",
    }
    for name, html in pages.items():
        (root / f"{name}.html").write_text(html, encoding="utf-8")


@pytest.fixture(scope="module")
def made(tmp_path_factory, loopback):
    """One corpus for the module: the filter pages, the local page and the every-reference page
    (pointing at the loopback server), rendered once with one worker, desktop and mobile:
    shards [a00-a05], [a06-a10, blog/post], [index]."""
    root = tmp_path_factory.mktemp("corpus")
    site = root / "site"
    site.mkdir()
    _filter_pages(site)
    font = _local_page(site)
    (site / "index.html").write_text(EVERY_REFERENCE.format(B=loopback))
    data = corpus_recipe(site, viewports=["desktop", "mobile"], languages=["en", "de", "zh", "ru"])
    out = root / "one-worker"
    manifest = generate(recipe_from_dict(data), str(out), workers=1)
    found = samples(out)
    metas = {key: unpack(json.loads(s["json"])) for key, s in found.items()}
    return {"data": data, "out": out, "manifest": manifest, "samples": found, "metas": metas, "font": font}


def _by_file(made: dict, name: str, viewport: str = "desktop") -> tuple[dict, dict]:
    for key, meta in made["metas"].items():
        if meta["source"]["provenance"]["file"] == name and meta["source"]["viewport"] == viewport:
            return made["samples"][key], meta
    raise AssertionError(f"no sample of {name} at {viewport}: {made['manifest']['drops']}")


def test_a_page_with_every_kind_of_remote_reference_reaches_no_server(loopback, made):
    from factory.generators.html_corpus import CorpusPage
    from renderers.chromium import ChromiumRenderer

    html = EVERY_REFERENCE.format(B=loopback)
    refresh = f'<meta http-equiv="refresh" content="0;url={loopback}/refresh">'
    renderer = ChromiumRenderer({})
    try:  # the raw page (less its refresh, a navigation): the renderer refuses what it asks for (the control)
        raw = renderer.render(CorpusPage(html.replace(refresh, ""), 1024, 768, True, 4000))
    finally:
        renderer.close()
    refused = raw.facts["page"]["requests_blocked"]
    assert len(refused) >= 10 and all(url.startswith(loopback) for url in refused)
    assert _Counter.hits == []

    for viewport in ("desktop", "mobile"):  # sanitized: kept, and nothing was left to refuse
        sample, meta = _by_file(made, "index.html", viewport)
        assert meta["render"]["page"]["requests_blocked"] == []
    report = meta["source"]["sanitized"]
    for kind in ("scripts", "event_handlers", "frames", "base", "meta_refresh", "form_actions", "pictures_replaced",
                 "stylesheets_dropped", "imports_dropped", "css_urls_dropped", "links_dropped", "media_sources"):
        assert report.get(kind), kind
    assert "network_request" not in made["manifest"]["drops"]["by_reason"]
    assert _Counter.hits == []


def test_local_stylesheets_pictures_and_fonts_are_served(made):
    sample, meta = _by_file(made, "blog/post.html")
    assert meta["render"]["page"]["requests_blocked"] == []
    assert sorted(meta["source"]["assets"]) == [f"http://corpus.render-factory.invalid/{p}" for p in
                                                (["css/f.ttf"] if made["font"] else []) + ["css/more.css", "css/site.css", "img/red.png"]]
    image = Image.open(io.BytesIO(sample["png"])).convert("RGB")
    assert image.getpixel((5, 500)) == (0x12, 0x34, 0x56)  # the imported stylesheet's background
    assert image.getpixel((120, 120)) == (220, 30, 30)  # the picture
    assert meta["source"]["provenance"] == {"file": "blog/post.html"}


def test_filters_are_counted_and_samples_carry_their_provenance(made):
    manifest, metas = made["manifest"], made["metas"]
    drops = manifest["drops"]["by_reason"]
    assert (drops["duplicate"], drops["language"], drops["near_duplicate_text"], drops["too_little_text"]) == (2, 2, 2, 2)
    assert drops["near_duplicate_image"] == 2  # a08 at both viewports
    assert manifest["samples"]["planned"] == 26 and manifest["samples"]["total"] == 26 - sum(drops.values()) == 16
    assert [s["samples"] for s in manifest["shards"]] == [4, 10, 2]
    kept = sorted({(m["source"]["provenance"]["file"], m["source"]["viewport"]) for m in metas.values()})
    files = ["a00.html", "a02.html", "a06.html", "a07.html", "a09.html", "a10.html", "blog/post.html", "index.html"]
    assert kept == sorted((f, v) for f in files for v in ("desktop", "mobile"))
    sample, meta = _by_file(made, "a06.html", "mobile")
    assert meta["image"]["width"] == 390 and meta["source"]["language"] == "zh"
    assert _by_file(made, "a06.html")[1]["image"]["width"] == 1024
    for key, meta in metas.items():
        text = made["samples"][key]["txt"].decode()
        if meta["task"] == "screenshot_to_html":
            assert text.lower().startswith(("<!doctype html>", "<html")) and "<script" not in text
            assert "render-factory.invalid" not in text and "data:image/svg" not in text
        else:
            region = meta["targets"]["region"]
            assert len(text) <= 400 and region["box"][2] > region["box"][0] and region["box"][3] > region["box"][1]
        assert meta["render"]["page"]["requests_blocked"] == []


@pytest.mark.slow
def test_two_workers_on_ray_make_the_same_bytes(made, tmp_path):
    """Two Ray actors, each reading its own slices of the corpus from the plan, write the same
    tars as one local worker (one test for both: a Ray cluster costs more than the pages)."""
    ray = pytest.importorskip("ray")
    from factory.executors.ray_executor import init_local

    init_local(ray, 2)
    try:
        generate(recipe_from_dict(made["data"]), str(tmp_path / "ray"), workers=2, executor="ray")
    finally:
        ray.shutdown()
    tars = sorted(p.name for p in made["out"].glob("*.tar"))
    assert tars == ["train-000000.tar", "train-000001.tar", "train-000002.tar"]
    assert sorted(p.name for p in (tmp_path / "ray").glob("*.tar")) == tars
    for name in tars:
        assert (tmp_path / "ray" / name).read_bytes() == (made["out"] / name).read_bytes(), name
