"""The Chromium renderer: finding a browser, facts about the DOM, determinism, and hostile pages.

Browser tests share one renderer per module (launching costs about half a second); tests that
break the browser on purpose make their own.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import stat
import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image

from factory import registry
from factory.errors import Dropped, FactoryError, RecipeError
from renderers import browser as browsers
from renderers.chromium import ChromiumRenderer, ChromiumSettings, short_data_uri

HAVE_CHROMIUM = any(os.access(p, os.X_OK) for p in ("/usr/bin/chromium",)) or bool(
    os.environ.get(browsers.ENV_VAR)
)
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine")


@dataclass
class Page:
    html: str
    viewport_width: int = 400
    viewport_height: int = 300
    full_page: bool = True
    max_height: int = 2000
    javascript: bool = False


def image_of(render) -> Image.Image:
    return Image.open(io.BytesIO(render.encoded)).convert("RGB")


def walk(node):
    yield node
    for child in node.get("children", []):
        yield from walk(child)


def find(dom, tag, **attrs):
    return [n for n in walk(dom) if n["tag"] == tag and all(n.get("attrs", {}).get(k) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def renderer():
    r = ChromiumRenderer({})
    yield r
    r.close()


class Listener:
    """A TCP port on 127.0.0.1 that counts every connection made to it (none should be)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


# ---- finding a browser (no browser needed) --------------------------------------------------


def _fake_executable(path):
    path.write_text("#!/bin/sh\necho 'Chromium 1.2.3.4'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_explicit_setting_wins_over_env(tmp_path, monkeypatch):
    mine = _fake_executable(tmp_path / "mine")
    theirs = _fake_executable(tmp_path / "theirs")
    monkeypatch.setenv(browsers.ENV_VAR, theirs)
    assert browsers.find_browser(mine) == browsers.BrowserLocation(mine, "setting")
    assert browsers.find_browser(None) == browsers.BrowserLocation(theirs, "env")
    assert browsers.executable_version(mine) == "1.2.3.4"


def test_named_browser_that_does_not_exist_is_one_line_error(tmp_path, monkeypatch):
    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    with pytest.raises(FactoryError) as err:
        browsers.find_browser(str(tmp_path / "no-chrome"))
    message = str(err.value)
    assert "\n" not in message and "no-chrome" in message and "renderers.chromium.executable" in message
    monkeypatch.setenv(browsers.ENV_VAR, str(tmp_path / "also-missing"))
    with pytest.raises(FactoryError, match=browsers.ENV_VAR):
        browsers.find_browser(None)


def test_no_browser_anywhere_says_how_to_install(monkeypatch):
    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    monkeypatch.setattr(browsers, "_playwright_managed", lambda playwright: None)
    monkeypatch.setattr(browsers, "SYSTEM_PATHS", ())
    monkeypatch.setenv("PATH", "")
    with pytest.raises(FactoryError) as err:
        browsers.find_browser()
    message = str(err.value)
    assert "\n" not in message
    assert "apt-get install -y chromium" in message and "python -m playwright install chromium" in message


def test_pages_run_without_a_browser_fails_before_writing_anything(tmp_path, monkeypatch):
    from factory.generate import generate
    from factory.recipe import load_recipe

    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    resolved = load_recipe("pages", {"samples": 4, "renderers.chromium.executable": str(tmp_path / "no-chrome")})
    out = tmp_path / "out"
    with pytest.raises(FactoryError) as err:
        generate(resolved, str(out), workers=1)
    assert "\n" not in str(err.value) and "no-chrome" in str(err.value)
    assert not out.exists() or not any(out.iterdir())


def test_a_named_program_that_is_no_browser_fails_before_the_folder_is_claimed(tmp_path, monkeypatch, capsys):
    """--browser /bin/false (or a typo naming another program) used to fail at the first page,
    leaving a claimed folder that the corrected command then refused as another recipe's."""
    from factory.cli import main

    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    for recipe in ("tables", "charts"):  # Chromium pages, and Plotly charts (--browser reaches them too)
        out = tmp_path / recipe
        assert main(["generate", recipe, "--samples", "4", "--out", str(out), "--browser", "/bin/false", "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert "'/bin/false'" in err and "--version" in err and "\n" not in err
        assert not out.exists()
    assert main(["generate", "corpus", "--samples", "4", "--out", str(tmp_path / "corpus"), "--source", str(tmp_path / "nowhere"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err and not (tmp_path / "corpus").exists()


@pytest.mark.skipif(not os.access("/usr/bin/chromium", os.X_OK), reason="needs Debian's chromium")
def test_browser_option_reaches_plotly_charts(tmp_path, monkeypatch, capsys):
    """--browser set only the page renderer's executable: Plotly charts silently used another."""
    from factory.cli import main

    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    log = tmp_path / "launches.txt"
    wrapper = tmp_path / "my-chromium"
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = --version ] || echo launched >> {log}\nexec /usr/bin/chromium "$@"\n')
    wrapper.chmod(0o755)
    recipe = tmp_path / "plotly.yaml"
    recipe.write_text("name: plotly-only\nsamples: 2\ntasks: {chart_to_table: 1}\ngenerators: {charts: {engines: {plotly: 1}}}\n")
    assert main(["generate", str(recipe), "--out", str(tmp_path / "out"), "--browser", str(wrapper), "--quiet", "--workers", "1"]) == 0
    assert log.exists() and "launched" in log.read_text()


def test_browser_check_prefers_no_driver_when_the_system_has_one(tmp_path, monkeypatch):
    system = _fake_executable(tmp_path / "chromium")
    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    monkeypatch.setattr(browsers, "SYSTEM_PATHS", (system,))
    monkeypatch.setattr(browsers, "_playwright_managed", lambda playwright: pytest.fail("driver started"))
    assert browsers.find_browser(system_first=True) == browsers.BrowserLocation(system, "system")
    registry.renderer_preflight("chromium")({})  # finds it the same way: no Playwright driver
    assert registry.renderer_preflight("matplotlib") is None


def test_managed_browser_comes_before_system(tmp_path, monkeypatch):
    managed = _fake_executable(tmp_path / "chrome")
    monkeypatch.delenv(browsers.ENV_VAR, raising=False)
    monkeypatch.setattr(browsers, "_playwright_managed", lambda playwright: managed)
    assert browsers.find_browser() == browsers.BrowserLocation(managed, "playwright")


def test_bad_settings_are_recipe_errors():
    with pytest.raises(RecipeError, match=r"renderers\.chromium\.timeout_msec.*known fields"):
        ChromiumRenderer({"timeout_msec": 10})
    with pytest.raises(RecipeError, match=r"renderers\.chromium\.device_scale_factor"):
        ChromiumRenderer({"device_scale_factor": 0})
    assert ChromiumSettings().timeout_ms == 15000 and ChromiumSettings().restart_every == 500


def test_registered():
    assert registry.renderer_class("chromium") is ChromiumRenderer


def test_missing_browser_fails_on_first_render_with_one_line(tmp_path):
    r = ChromiumRenderer({"executable": str(tmp_path / "nowhere" / "chrome")})
    try:
        with pytest.raises(FactoryError) as err:
            r.render(Page("<p>x</p>"))
        assert "\n" not in str(err.value) and "does not exist" in str(err.value)
    finally:
        r.close()


# ---- facts ------------------------------------------------------------------------------------

FACTS_PAGE = """<!doctype html><html><head><title>t</title><style>
body { margin: 0; font: 16px sans-serif; }
#red { position: absolute; left: 10px; top: 20px; width: 50px; height: 30px; background: rgb(255, 0, 0); }
.gone { display: none; } .ghost { opacity: 0; } .hidden { visibility: hidden; }
</style><script>document.title = "scripts ran";</script></head>
<body>
<div id="red" class="box" style="color: blue" data-kind="swatch" data-empty="" title="ignored"></div>
<p id="mixed" style="position: absolute; top: 80px; left: 0">Hello <b>bold</b> again</p>
<p class="gone">not displayed <span>inside</span></p>
<div class="ghost"><span>see-through child</span></div>
<p class="hidden" style="position: absolute; top: 120px">veiled <span style="visibility: visible">unveiled</span></p>
<p style="position: absolute; top: 1500px; margin: 0">far below the viewport</p>
<a href="/next" style="position: absolute; top: 160px">next page</a>
<button style="position: absolute; top: 200px; left: 0">Go</button>
<input type="submit" value="Send" style="position: absolute; top: 200px; left: 100px">
<input placeholder="Your name" style="position: absolute; top: 240px; left: 0">
<input type="hidden" name="token" value="x">
<img alt="Logo" width="20" height="20" style="position: absolute; top: 200px; left: 300px"
     src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
<svg width="16" height="16" aria-label="icon" style="position: absolute; top: 240px; left: 300px"><rect width="16" height="16"/></svg>
<template><p>template text</p></template><noscript>noscript text</noscript>
</body></html>"""


@needs_chromium
@pytest.mark.chromium
def test_dom_tree_visibility_text_order_and_attrs(renderer):
    out = renderer.render(Page(FACTS_PAGE, full_page=False))
    dom = out.facts["dom"]
    assert dom["tag"] == "html"
    tags = {n["tag"] for n in walk(dom)}
    assert not tags & {"head", "script", "style", "template", "noscript", "title"}

    (red,) = find(dom, "div", id="red")
    assert red["box"] == [10, 20, 60, 50] and red["visible"]  # [x0, y0, x1, y1]
    assert red["attrs"] == {"id": "red", "class": "box", "data-kind": "swatch"}  # no style/title/empty data-

    (mixed,) = find(dom, "p", id="mixed")
    assert mixed["text"] == "Hello again"
    assert [(c["tag"], c["text"]) for c in mixed["children"]] == [("#text", "Hello"), ("b", "bold"), ("#text", "again")]
    assert all(c["visible"] for c in mixed["children"])

    texts = {n["text"]: n for n in walk(dom) if n["tag"] == "#text"}
    assert not texts["not displayed"]["visible"] and not texts["inside"]["visible"]
    assert not texts["see-through child"]["visible"]  # opacity 0 on an ancestor
    assert not texts["veiled"]["visible"] and texts["unveiled"]["visible"]
    far = texts["far below the viewport"]
    assert not far["visible"] and far["box"][1] == 1500  # true geometry, outside the capture
    assert "scripts ran" not in texts and "template text" not in texts and "noscript text" not in texts

    # The DOM reflects the page as drawn: the head's script never ran (JavaScript is off).
    boxes = out.facts["boxes"]
    kinds = [(b["kind"], b["text"]) for b in boxes]
    assert ("link", "next page") in kinds and ("button", "Go") in kinds and ("button", "Send") in kinds
    assert ("input", "Your name") in kinds and ("image", "Logo") in kinds and ("image", "icon") in kinds
    assert ("text", "Hello") in kinds and ("text", "unveiled") in kinds
    assert all(b["text"] != "far below the viewport" for b in boxes)
    assert not [b for b in boxes if b["kind"] == "input" and b["text"] == "x"]  # hidden input
    for b in boxes:
        x0, y0, x1, y1 = b["box"]
        assert 0 <= x0 < x1 <= out.width and 0 <= y0 < y1 <= out.height


HIDDEN_CONTENT_PAGE = """<body style="margin: 0; font: 16px sans-serif">
<details open><summary>Open one</summary><p>open answer</p></details>
<div style="content-visibility: hidden"><p>skipped content</p></div>
<div id="contents" style="display: contents"><span>contents child</span> contents text</div>
<details><summary>Question</summary><p id="answer">secret answer <b>bold secret</b></p></details>
</body>"""


@needs_chromium
@pytest.mark.chromium
def test_content_hidden_by_content_visibility_is_not_visible(renderer):
    """A closed <details> keeps its body laid out but undrawn (content-visibility: hidden)."""
    out = renderer.render(Page(HIDDEN_CONTENT_PAGE, full_page=False))
    dom = out.facts["dom"]
    texts = {n["text"]: n for n in walk(dom) if n["tag"] == "#text"}
    for hidden in ("secret answer", "bold secret", "skipped content"):
        assert not texts[hidden]["visible"], hidden
    assert not find(dom, "p", id="answer")[0]["visible"] and not find(dom, "b")[0]["visible"]
    for shown in ("Question", "Open one", "open answer", "contents child", "contents text"):
        assert texts[shown]["visible"], shown  # display: contents has no box, its content does
    box_texts = {b["text"] for b in out.facts["boxes"]}
    assert {"Question", "open answer", "contents text"} <= box_texts
    assert not box_texts & {"secret answer", "bold secret", "skipped content"}
    # The picture agrees: the summary is drawn, the answer laid out below it is not.
    pixels = np.asarray(image_of(out).convert("L"))
    qx0, qy0, qx1, qy1 = texts["Question"]["box"]
    assert pixels[qy0:qy1, qx0:qx1].min() < 128
    x0, y0, x1, y1 = texts["secret answer"]["box"]
    assert x1 > x0 and y1 > y0 and y0 >= qy1 and y1 <= out.height
    assert pixels[y0:y1, x0:x1].min() == 255


def test_data_uris_are_shortened_to_type_and_hash():
    png = "data:image/png;base64," + "iVBORw0KGgo" * 50
    short = short_data_uri(png)
    assert short.startswith("data:image/png;sha256=") and len(short) == len("data:image/png;sha256=") + 12
    assert short == short_data_uri(png) and short != short_data_uri(png + "AA")
    assert short_data_uri("DATA:Image/SVG+XML,%3Csvg%3E").startswith("data:image/svg+xml;sha256=")
    assert short_data_uri("data:,hello").startswith("data:;sha256=")  # no media type named
    for other in ("https://example.com/a.png", "logo.png", "", "metadata:x"):
        assert short_data_uri(other) == other


@needs_chromium
@pytest.mark.chromium
def test_data_uris_in_attrs_are_not_stored_whole(renderer):
    gif = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    text = "data:text/plain,hello%20world"
    html = (f'<img id="pic" alt="dot" width="20" height="20" src="{gif}" data-full="{gif}">'
            f'<a id="dl" href="{text}">download</a><img id="other" src="logo.png" alt="x">')
    out = renderer.render(Page(html))
    (pic,) = find(out.facts["dom"], "img", id="pic")
    assert pic["attrs"]["src"] == pic["attrs"]["data-full"] == short_data_uri(gif)
    assert pic["attrs"]["src"].startswith("data:image/gif;sha256=") and pic["visible"]
    assert find(out.facts["dom"], "a", id="dl")[0]["attrs"]["href"] == short_data_uri(text)
    assert find(out.facts["dom"], "img", id="other")[0]["attrs"]["src"] == "logo.png"
    assert "base64" not in str(out.facts)


@needs_chromium
@pytest.mark.chromium
def test_boxes_are_where_the_pixels_are(renderer):
    out = renderer.render(Page(FACTS_PAGE, full_page=False))
    assert (out.width, out.height) == (400, 300) and out.encoded_format == "png"
    pixels = np.asarray(image_of(out))
    x0, y0, x1, y1 = find(out.facts["dom"], "div", id="red")[0]["box"]
    assert (pixels[y0:y1, x0:x1] == [255, 0, 0]).all()
    assert not (pixels[y0 - 1, x0:x1] == [255, 0, 0]).all(axis=-1).any()
    assert not (pixels[y0:y1, x1] == [255, 0, 0]).all(axis=-1).any()
    page = out.facts["page"]
    assert page["captured_height"] == 300 and page["document_height"] > 1500 and page["truncated"]


@needs_chromium
@pytest.mark.chromium
def test_text_boxes_end_where_the_text_ends(renderer):
    """A text node's trailing space ("Total " before <b>) draws nothing: its box stops at the 'l'."""
    html = ('<!doctype html><html><body style="margin:20px">'
            '<p style="font:20px monospace;margin:0">Total <b>12</b> <i> Net </i>7</p></body></html>')
    out = renderer.render(Page(html, full_page=False))
    box = {b["text"]: b["box"] for b in out.facts["boxes"] if b["kind"] == "text"}
    space = box["12"][0] - box["Total"][2]  # a space of 20 px monospace is 12 px wide
    assert 10 <= space <= 14, box
    assert 10 <= box["Net"][0] - box["12"][2] <= 26 and 10 <= box["7"][0] - box["Net"][2] <= 14, box
    pixels = np.asarray(image_of(out).convert("L"))
    x0, y0, x1, y1 = box["Total"]
    ink = np.flatnonzero((pixels[y0:y1, x0:x1] < 128).any(axis=0))
    assert x1 - (x0 + ink[-1] + 1) <= 3  # the 'l' ends near the box's right edge


@needs_chromium
@pytest.mark.chromium
def test_device_scale_factor_scales_image_and_boxes():
    r = ChromiumRenderer({"device_scale_factor": 2})
    try:
        out = r.render(Page(FACTS_PAGE, full_page=False))
    finally:
        r.close()
    assert (out.width, out.height) == (800, 600)
    x0, y0, x1, y1 = find(out.facts["dom"], "div", id="red")[0]["box"]
    assert [x0, y0, x1, y1] == [20, 40, 120, 100]
    assert (np.asarray(image_of(out))[y0:y1, x0:x1] == [255, 0, 0]).all()
    assert out.facts["page"]["captured_height"] == 300  # CSS px; the picture is 600 px tall


@needs_chromium
@pytest.mark.chromium
def test_full_page_capture_follows_the_document(renderer):
    html = "<body style='margin:0'><div style='height:900px;background:#eee'>top</div><p>end</p></body>"
    out = renderer.render(Page(html, full_page=True))
    page = out.facts["page"]
    assert page["captured_height"] == page["document_height"] == out.height > 900
    assert not page["truncated"]
    short = renderer.render(Page("<p>short</p>", full_page=True))
    assert short.height == 300  # never shorter than the viewport


@needs_chromium
@pytest.mark.chromium
def test_same_html_gives_the_same_bytes(renderer):
    html = (
        "<style>body{font:15px serif} .spin{animation:s 1s infinite linear} @keyframes s{to{transform:rotate(1turn)}}"
        "</style><h1>Déterminisme ÄÖ</h1><p>" + "The quick brown fox jumps over the lazy dog. " * 20 + "</p>"
        "<div class=spin>spinning</div><input autofocus value=typed>"
        "<img src=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='40' height='40'%3E"
        "%3Ccircle cx='20' cy='20' r='18' fill='teal'/%3E%3C/svg%3E\">"
    )
    first = renderer.render(Page(html))
    renderer.render(Page("<body style='background:#123'>another page</body>", viewport_width=640))
    again = renderer.render(Page(html))
    fresh = ChromiumRenderer({})
    try:
        cold = fresh.render(Page(html))
    finally:
        fresh.close()
    assert first.encoded == again.encoded == cold.encoded
    assert first.facts == again.facts == cold.facts
    small = ChromiumRenderer({"fast_png": False})
    try:
        compact = small.render(Page(html))
    finally:
        small.close()
    assert len(compact.encoded) < len(first.encoded)  # zlib's default level: smaller file...
    assert image_of(compact).tobytes() == image_of(first).tobytes()  # ...same picture


@needs_chromium
@pytest.mark.chromium
def test_javascript_only_when_asked(renderer):
    html = "<p id=p>static</p><script>document.getElementById('p').textContent = 'scripted'</script>"
    off = renderer.render(Page(html))
    on = renderer.render(Page(html, javascript=True))
    text = lambda out: [n["text"] for n in walk(out.facts["dom"]) if n["tag"] == "#text"]
    assert text(off) == ["static"] and text(on) == ["scripted"]


@needs_chromium
@pytest.mark.chromium
def test_previous_page_timers_do_not_reach_the_next(renderer):
    painter = "<p>x</p><script>setInterval(() => { document.body.style.background = 'rgb(255,0,0)' }, 5)</script>"
    renderer.render(Page(painter, javascript=True))
    time.sleep(0.05)
    out = renderer.render(Page("<body style='margin:0'><p>clean</p></body>", javascript=True))
    assert image_of(out).getpixel((390, 290)) == (255, 255, 255)


@needs_chromium
@pytest.mark.chromium
def test_nothing_leaves_the_machine(renderer):
    listener = Listener()
    base = f"http://127.0.0.1:{listener.port}"
    html = (
        f"<link rel=stylesheet href='{base}/style.css'><link rel=preconnect href='{base}'>"
        f"<link rel=dns-prefetch href='//tracker.example.com'><script src='{base}/app.js'></script>"
        f"<p>offline</p><img src='{base}/logo.png'><img src='https://example.com/remote.png'>"
        f"<iframe src='{base}/frame.html'></iframe>"
    )
    scripted = (
        f"<p>beacons</p><script src='{base}/app.js'></script><script>fetch('{base}/fetch'); new WebSocket('ws://127.0.0.1:{listener.port}/ws');"
        f"navigator.sendBeacon('{base}/beacon', 'x'); new Image().src = '{base}/pixel.gif';</script>"
    )
    try:
        out = renderer.render(Page(html))
        out_js = renderer.render(Page(scripted, javascript=True))
        time.sleep(0.5)  # anything that slipped out would have connected by now
        assert listener.accepted == 0
    finally:
        listener.close()
    blocked = out.facts["page"]["requests_blocked"]
    for path in ("/style.css", "/logo.png", "/frame.html"):  # no script fetch: JavaScript is off
        assert base + path in blocked
    assert "https://example.com/remote.png" in blocked
    assert blocked == sorted(blocked)
    assert {base + "/app.js", base + "/fetch"} <= set(out_js.facts["page"]["requests_blocked"])
    assert image_of(out).getextrema() != ((255, 255), (255, 255), (255, 255))  # the text still drew


@needs_chromium
@pytest.mark.chromium
def test_hundred_thousand_pixel_page_is_capped(renderer):
    html = "<body style='margin:0'><div style='height:100000px;background:linear-gradient(red,blue)'>tall</div></body>"
    start = time.perf_counter()
    out = renderer.render(Page(html, max_height=3000))
    assert time.perf_counter() - start < 10
    page = out.facts["page"]
    assert page["document_height"] == 100000 and page["captured_height"] == 3000 and page["truncated"]
    assert (out.width, out.height) == (400, 3000) and image_of(out).size == (400, 3000)
    capped = ChromiumRenderer({"max_capture_height": 500})
    try:
        assert capped.render(Page(html, max_height=3000)).height == 500
    finally:
        capped.close()


@needs_chromium
@pytest.mark.chromium
def test_browser_restarts_every_n_pages():
    r = ChromiumRenderer({"restart_every": 2})
    try:
        pids = []
        for i in range(3):
            r.render(Page(f"<p>page {i}</p>"))
            pids.append(r._browser_pid)
        assert pids[0] == pids[1] != pids[2]
    finally:
        r.close()


@needs_chromium
@pytest.mark.chromium
@pytest.mark.slow
def test_endless_script_is_dropped_and_the_renderer_recovers():
    r = ChromiumRenderer({"timeout_ms": 3000})
    try:
        start = time.perf_counter()
        with pytest.raises(Dropped) as drop:
            r.render(Page("<p>spin</p><script>while (true) {}</script>", javascript=True))
        assert drop.value.reason == "render_timeout"
        with pytest.raises(Dropped, match="render_timeout"):  # a loop that starts after load
            r.render(Page("<p>late</p><script>setTimeout(() => { while (true) {} }, 0)</script>", javascript=True))
        assert time.perf_counter() - start < 60  # 4 attempts of 3 s, plus relaunches
        after = r.render(Page("<p>next page</p>"))
        assert any(n["text"] == "next page" for n in walk(after.facts["dom"]))
    finally:
        r.close()


@needs_chromium
@pytest.mark.chromium
def test_crashed_tab_and_killed_browser_are_replaced():
    r = ChromiumRenderer({})
    try:
        r.render(Page("<p>before</p>"))
        page = r._page(False).page
        with pytest.raises(Exception):  # the tab dies under the navigation
            page.goto("chrome://crash", timeout=5000)
        first_pid = r._browser_pid
        out = r.render(Page("<p>after crash</p>"))
        assert r._browser_pid != first_pid and out.height == 300
        os.killpg(r._browser_pid, signal.SIGKILL)
        out = r.render(Page("<p>after kill</p>"))
        assert any(n["text"] == "after kill" for n in walk(out.facts["dom"]))
    finally:
        r.close()


@needs_chromium
@pytest.mark.chromium
def test_versions(renderer):
    versions = renderer.versions()
    assert versions["chromium"].count(".") == 3 and versions["playwright"]
    cold = ChromiumRenderer({})
    try:
        assert cold.versions()["chromium"] == versions["chromium"]  # read without launching
        assert cold._browser is None
    finally:
        cold.close()


@needs_chromium
@pytest.mark.chromium
def test_forked_child_starts_its_own_browser(renderer):
    """A renderer copied by fork must not drive (or close) its parent's browser."""
    import multiprocessing

    renderer.render(Page("<p>parent</p>"))
    parent_pid = renderer._browser_pid
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def child():
        out = renderer.render(Page("<p>child</p>"))
        queue.put((renderer._browser_pid, out.height))
        renderer.close()

    proc = ctx.Process(target=child)
    proc.start()
    child_pid, height = queue.get(timeout=60)
    proc.join(60)
    assert proc.exitcode == 0 and child_pid != parent_pid and height == 300
    assert renderer.render(Page("<p>parent again</p>")).height == 300 and renderer._browser_pid == parent_pid


@needs_chromium
@pytest.mark.chromium
def test_page_scripts_that_break_the_measurement_drop_the_sample(renderer):
    saboteur = "<p>x</p><script>JSON.stringify = () => 'not json'; Element.prototype.getBoundingClientRect = null;</script>"
    with pytest.raises(Dropped) as drop:
        renderer.render(Page(saboteur, javascript=True))
    assert drop.value.reason == "render_failed"
    assert renderer.render(Page("<p>fine</p>", javascript=True)).height == 300
