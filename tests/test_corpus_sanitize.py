"""Sanitizing rules, one by one, on the sanitizer's output (no browser here; test_corpus_render.py
renders a page with every kind of remote reference against a loopback server)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

pytest.importorskip("selectolax")

from factory.corpus.sanitize import ASSET_ORIGIN, PLACEHOLDER_TARGET, Sanitizer, decode_html, target_html  # noqa: E402
from factory.tasks.budgeted_crop import budgeted_region, draw_region  # noqa: E402
from factory.tasks.simplified_html import simplify  # noqa: E402

FILES = {
    "css/site.css": b"@import 'more.css'; body{font-family:Brand} @font-face{font-family:Brand;src:url(../fonts/b.woff2)}"
                    b" .r{background:url(https://evil.test/bg.png)} .e{background:u\\72l(https://evil.test/escaped.png)}",
    "css/more.css": b"p{color:red;background-image:image-set('https://evil.test/a.png' 1x)}",
    "fonts/b.woff2": b"wOF2-bytes",
    "img/logo.png": b"\x89PNG-bytes",
}


def clean(body: str, head: str = "", page_rel: str | None = "index.html", files=FILES, url: str | None = None):
    sanitizer = Sanitizer(files.get if files is not None else None)
    return sanitizer.sanitize(f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>", page_rel, url)


def remote_urls(html: str) -> list[str]:
    """Every http(s) or protocol-relative URL left in the page that is not one the factory serves."""
    found = re.findall(r"""(?:https?:)?//[^\s"'()<>]+""", unquote(html))
    return [u for u in found if not u.startswith(ASSET_ORIGIN) and "www.w3.org" not in u]


def test_scripts_event_handlers_and_javascript_urls_are_removed():
    page = clean('<p onclick="steal()" onmouseover=x>Hi</p><script>alert(1)</script><svg><script>2</script></svg>'
                 '<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:x">b</a><template><script>3</script></template>',
                 head='<script src="https://evil.test/s.js"></script>')
    assert "<script" not in page.html and "onclick" not in page.html and "onmouseover" not in page.html
    assert "javascript" not in page.html.lower() and "<template" not in page.html
    assert page.report["scripts"] == 3 and page.report["event_handlers"] == 2 and page.report["javascript_urls"] == 2


def test_frames_objects_base_meta_refresh_and_form_actions_are_removed():
    page = clean('<iframe src="https://evil.test/f"></iframe><frame src=x><object data="https://evil.test/o.swf"><param name=a>'
                 '</object><embed src="https://evil.test/e"><form action="https://evil.test/post"><button formaction="https://e.test">Go'
                 '</button></form><a href=/x ping="https://evil.test/ping">x</a>',
                 head='<base href="https://evil.test/"><meta http-equiv="refresh" content="0;url=https://evil.test">'
                      '<meta http-equiv="set-cookie" content="a=b">')
    for needle in ("<iframe", "<object", "<embed", "<base", "http-equiv", "action=", "formaction", "ping="):
        assert needle not in page.html
    assert "<form>" in page.html and "<button>Go</button>" in page.html  # forms stay, they only lose where they post
    assert page.report["meta_refresh"] == 1 and page.report["base"] == 1 and page.report["form_actions"] == 2
    assert not remote_urls(page.html)


def test_remote_pictures_become_placeholders_that_keep_size_and_alt():
    page = clean('<img src="https://img.test/photos/cat.jpg?w=3" width="300" height=200 alt="A cat" loading=lazy>'
                 '<img src="//img.test/dog.png" width=120 alt="Dog"><input type=image src="https://evil.test/go.png" alt="Go">'
                 '<svg><image href="https://evil.test/i.png" width=10 height=10></image></svg><img src="missing.png" alt="Gone">')
    imgs = re.findall(r"<img [^>]*>", page.html)
    assert 'width="300" height="200" alt="A cat" data-src-name="cat"' in imgs[0] and "loading" not in imgs[0]
    assert "width%3D%27300%27%20height%3D%27200%27" in imgs[0]  # the placeholder's own size is the picture's
    assert "width%3D%27120%27%20height%3D%2768%27" in imgs[1]  # one side given: 16:9
    assert 'alt="Gone"' in imgs[2] and 'data-src-name="missing"' in imgs[2]
    assert page.report["pictures_replaced"] == 5 and not remote_urls(page.html)
    again = clean('<img src="https://img.test/photos/cat.jpg?w=3" width="300" height=200 alt="A cat">')
    assert re.findall(r'src="[^"]+"', again.html)[0] == re.findall(r'src="[^"]+"', page.html)[0]  # deterministic
    assert target_html(page.html).count(f'src="{PLACEHOLDER_TARGET}"') == 4


def test_remote_stylesheets_imports_fonts_and_css_urls_are_dropped_local_ones_served():
    page = clean('<div style="background:url(\'https://evil.test/d.png\');color:red">x</div><p style="background:u\\72l(//evil.test/p.png)">y</p>',
                 head='<link rel=stylesheet href="https://cdn.test/x.css"><link rel=stylesheet href="css/site.css?v=3" integrity="sha-1">'
                      '<link rel=preload href="https://cdn.test/f.woff2"><link rel=icon href="/favicon.ico"><link rel=dns-prefetch href="//evil.test">'
                      '<style>@import url(https://evil.test/i.css); @import "https://evil.test/j.css"; @font-face{font-family:X;'
                      'src:url(https://fonts.test/x.woff2) format("woff2")} @namespace svg url(http://www.w3.org/2000/svg);</style>')
    assert not remote_urls(page.html)
    assert '<link rel="stylesheet" href="http://corpus.render-factory.invalid/css/site.css">' in page.html
    assert "@namespace svg url(http://www.w3.org/2000/svg)" in page.html  # a name, never fetched: kept
    assert "color:red" in page.html and page.report["stylesheets_dropped"] == 1 and page.report["links_dropped"] == 3
    assert page.report["imports_dropped"] == 2
    served = {url.removeprefix(ASSET_ORIGIN): asset for url, asset in page.assets.items()}
    assert sorted(served) == ["css/more.css", "css/site.css", "fonts/b.woff2"]
    site = served["css/site.css"].body.decode()
    assert f'@import url("{ASSET_ORIGIN}css/more.css")' in site and f'url("{ASSET_ORIGIN}fonts/b.woff2")' in site
    assert "evil" not in site and "evil" not in served["css/more.css"].body.decode()
    assert served["fonts/b.woff2"].content_type == "font/woff2" and served["css/site.css"].content_type == "text/css"


def test_srcset_poster_background_media_and_svg_references():
    page = clean('<picture><source srcset="https://img.test/a.webp 2x, img/logo.png 1x"><img src="img/logo.png" alt=L></picture>'
                 '<video src="https://evil.test/v.mp4" poster="https://evil.test/p.jpg"><source src="https://evil.test/v.webm">'
                 '<track src="https://evil.test/t.vtt"></video><audio src="https://evil.test/a.mp3"></audio>'
                 '<table background="https://evil.test/t.png"><tr><td background="img/logo.png">c</td></tr></table>'
                 '<svg><use xlink:href="https://evil.test/s.svg#i"></use><use href="#local"></use><feImage href="https://e.test/f.png"/></svg>')
    assert not remote_urls(page.html)
    assert f'srcset="{ASSET_ORIGIN}img/logo.png 1x"' in page.html and f'background="{ASSET_ORIGIN}img/logo.png"' in page.html
    assert '<use href="#local">' in page.html and "<track" not in page.html and "poster" not in page.html


def test_noscript_content_is_what_a_page_without_javascript_shows():
    page = clean('<noscript><p>Please enable JavaScript</p><img src="https://t.test/pixel.gif" width=1 height=1></noscript>')
    assert "<noscript" not in page.html and "<p>Please enable JavaScript</p>" in page.html
    assert "Please enable JavaScript" in page.text and not remote_urls(page.html)


def test_nothing_outside_the_corpus_folder_is_served():
    page = clean('<img src="../../etc/passwd"><img src="/img/logo.png"><img src="file:///etc/passwd">', page_rel="blog/post.html")
    assert f'src="{ASSET_ORIGIN}img/logo.png"' in page.html  # root-relative: from the corpus folder
    assert "passwd" not in "".join(page.assets) and page.report["outside_corpus"] == 1
    records = clean('<img src="img/logo.png" alt=x>', page_rel=None, url="https://example.com/a/b.html")
    assert not records.assets and 'data-src-name="logo"' in records.html  # a crawled page has no local files


def test_asset_budget_and_broken_markup():
    page = Sanitizer(FILES.get, max_asset_bytes=5).sanitize('<img src="img/logo.png"><link rel=stylesheet href=css/site.css>', "i.html")
    assert not page.assets and page.report["missing_files"] == 2  # larger than a page may bring: not served
    broken = clean("<p>one<p>two <b>bold<i>both</b> italic?</i><table><td>cell</table></span><div>end")
    assert "<p>one</p><p>two <b>bold<i>both</i></b><i> italic?</i></p>" in broken.html  # as a browser repairs it
    assert broken.text == "one two bold both italic? cell end"


def test_legacy_doctypes_survive_so_quirks_mode_pages_stay_in_quirks_mode():
    html = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><p>x'
    assert Sanitizer().sanitize(html).html.startswith(html.split("<p>")[0])
    assert not Sanitizer().sanitize("<p>no doctype").html.lower().startswith("<!doctype")


def test_page_facts_title_language_and_licence():
    page = clean("<p>Hallo Welt</p>", head='<title> Ein  Titel </title><link rel="license" href="https://creativecommons.org/licenses/by/4.0/">')
    assert (page.title, page.license) == ("Ein Titel", "https://creativecommons.org/licenses/by/4.0/")


@pytest.mark.parametrize("data,declared,expected", [
    ("café".encode("utf-8"), None, "café"),
    ("café".encode("cp1252"), None, "café"),  # not UTF-8, no label: windows-1252
    ('<meta charset="iso-8859-1">café'.encode("latin-1"), None, '<meta charset="iso-8859-1">café'),
    ("привет".encode("koi8-r"), "koi8-r", "привет"),
    ("日本".encode("shift_jis"), "shift_jis", "日本"),
    (b"\xef\xbb\xbfbom", "latin-1", "bom"),
])
def test_charsets_are_chosen_as_browsers_do(data, declared, expected):
    assert decode_html(data, declared) == expected


def _dom():
    def text(t, x, y, w=100, h=20):
        return {"tag": "#text", "text": t, "visible": True, "box": [x, y, x + w, y + h]}

    def el(tag, children, box, **attrs):  # box given as x, y, width, height
        x, y, w, h = box
        return {"tag": tag, "text": "", "visible": True, "box": [x, y, x + w, y + h], "attrs": attrs, "children": children}

    nav = el("nav", [el("a", [text("Home", 10, 10)], [10, 10, 100, 20]), el("a", [text("About", 120, 10)], [120, 10, 100, 20])], [0, 0, 800, 40])
    article = el("article", [el("h1", [text("A long title here", 10, 60, 300, 40)], [10, 60, 300, 40]),
                             el("p", [text("word " * 40, 10, 110, 700, 80)], [10, 110, 700, 80]),
                             el("img", [], [10, 200, 200, 100], src="https://x/pic.png", alt="Pic")], [0, 50, 800, 300])
    return el("html", [el("body", [nav, article], [0, 0, 800, 400])], [0, 0, 800, 400])


def test_budgeted_region_is_the_largest_subtree_that_fits():
    dom = _dom()
    whole = budgeted_region(dom, (800, 400), 10_000)
    assert whole.whole and whole.text == simplify(dom, (800, 400)) and whole.box == [10, 10, 710, 300]
    region = budgeted_region(dom, (800, 400), 17)
    assert region.text == "<<Home> <About>>" and region.box == [10, 10, 220, 30] and not region.whole
    assert budgeted_region(dom, (800, 400), 60).text == "<img_src=pic img_alt=Pic>"  # 25 > 19 of the title
    bigger = budgeted_region(dom, (800, 400), 250)
    assert bigger.text.startswith("<<A long title here> <word word") and bigger.box == [10, 60, 710, 300]
    assert budgeted_region(dom, (800, 400), 5) is None  # every text alone is longer than the budget
    image = draw_region(__import__("PIL.Image", fromlist=["Image"]).new("RGB", (800, 400), "white"), bigger.box)
    assert image.getpixel((10, 150)) == (255, 0, 0) and image.getpixel((400, 150)) == (255, 255, 255)
