"""Making a real page safe to render: no script, no network, nothing outside the corpus.

The page is parsed by Lexbor (through `selectolax`), an HTML5-conformant parser: it builds the
very tree Chromium builds from the same bytes, however broken the markup, so what is removed here
is what the browser would have run or fetched, and malformed pages render as a browser shows
them (a non-HTML5 parser such as libxml2's would "repair" them differently, and its serialized
output would be re-parsed by Chromium into something else). Lexbor is C, fast and maintained.

Rules (each counted in the page's report):
- removed with their content: script, template, iframe, frame, frameset, object, embed, applet,
  portal, fencedframe, param, base, `<meta http-equiv>` (refresh, cookies, CSP...) and
  `<meta charset>` (the page is handed over as text), every `<link>` but local stylesheets, and
  media sources (video/audio `src`, `<source>` and `<track>` in them);
- `<noscript>` is unwrapped: JavaScript is off, so its content is what the page shows;
- attributes: every `on*` event handler, `javascript:`/`vbscript:` URLs (links get `#`), form
  actions (`action`, `formaction`), `ping`, `srcdoc`, `manifest`, and obsolete fetching ones;
- remote or missing pictures (`<img>`, `<input type=image>`, SVG `<image>`) become deterministic
  placeholders (an SVG data URI, grey with a cross) that keep `width`, `height` and `alt`, plus
  `data-src-name` (the original file name, which Pix2Struct's `img_src=` reads);
- remote stylesheets and `@import`s are dropped; every remote `url(...)` in CSS (style
  elements, style attributes, local stylesheets) becomes `none`, so remote fonts and background
  pictures are dropped; `image-set()` with remote candidates likewise; `srcset` keeps local
  candidates only; `poster` and `background` keep local files only;
- local files (a folder corpus: relative URLs, or root-relative ones, that resolve inside the
  corpus folder) are kept and served by the renderer from `ASSET_ORIGIN`, local stylesheets
  sanitized by the same CSS rules; a page's assets are capped in bytes.

Anything these rules miss is still refused by the renderer (and the page dropped, see the
generator's `network` option): the sanitizer keeps the refusal list empty, the renderer keeps
the network out.
"""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import posixpath
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urljoin, urlsplit

ASSET_ORIGIN = "http://corpus.render-factory.invalid/"  # .invalid never resolves (RFC 2606)
PLACEHOLDER_TARGET = "placeholder.svg"  # how the HTML target writes a placeholder picture
DEFAULT_PICTURE = (320, 180)  # a placeholder's size when the page gives none
MAX_CSS_DEPTH = 4  # @import chains of local stylesheets followed this deep

REMOVED_TAGS = (
    "script", "template", "iframe", "frame", "frameset", "object", "embed", "applet", "portal",
    "fencedframe", "param", "base", "noembed",
)
# Attributes that fetch, navigate or submit, and have no local use here.
DROPPED_ATTRS = {
    "ping": "pings", "srcdoc": "frames", "manifest": "manifests", "action": "form_actions",
    "formaction": "form_actions", "lowsrc": "remote_urls", "dynsrc": "remote_urls",
    "codebase": "remote_urls", "archive": "remote_urls", "longdesc": "remote_urls",
}
URL_SCHEMES_SCRIPT = ("javascript:", "vbscript:")
FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".otf": "font/otf"}

_CSS_URL = re.compile(r"""url\(\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|((?:[^)\s"'\\]|\\.)*))\s*\)""", re.I)
_CSS_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|"([^"]*)"|'([^']*)')([^;{}]*)(?:;|$)""", re.I
)
_CSS_IMAGE_SET = re.compile(r"(?:-webkit-)?image-set\(", re.I)
_CSS_STRING = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")
_CSS_NAMESPACE = re.compile(r"@namespace[^;{}]*;", re.I)
# CSS escapes that spell letters (`u\72l(` is `url(`): decoded before matching, so no escaped
# function name or keyword hides from the rules. Other escapes keep their meaning untouched.
_CSS_HEX_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})(\r\n|[ \t\n\r\f])?")
_CSS_LETTER_ESCAPE = re.compile(r"\\([g-zG-Z])")
_DIMENSION = re.compile(r"^\s*(\d{1,5})(?:\.\d+)?\s*(?:px)?\s*$")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]{1,40})""", re.I)
_DOCTYPE = re.compile(r"^\ufeff?\s*(?:<!--.*?-->\s*)*(<!doctype[^>]*>)", re.I | re.S)
_SPACE = re.compile(r"\s+")
_PLACEHOLDER_PREFIX = "data:image/svg+xml," + quote("<svg data-rf-placeholder", safe="")
_PLACEHOLDER = re.compile(re.escape(_PLACEHOLDER_PREFIX) + r"[A-Za-z0-9%._~\-]*")


@dataclass
class Asset:
    content_type: str
    body: bytes


@dataclass
class SanitizedPage:
    html: str  # what the renderer draws: local files at ASSET_ORIGIN, placeholders as data URIs
    text: str  # the body's text, white space collapsed (language, duplicates, thresholds)
    title: str
    lang: str  # the <html lang> attribute
    license: str  # <link rel=license> href or <meta name=license|dcterms.license|dc.rights> content
    assets: dict[str, Asset] = field(default_factory=dict)  # ASSET_ORIGIN URL -> file
    report: dict[str, int] = field(default_factory=dict)  # what was removed or replaced, by kind


AssetReader = Callable[[str], "bytes | None"]  # corpus-relative path -> bytes, None when absent


class OutsideCorpus(Exception):
    """Raised by an AssetReader for a file whose real path (links resolved) leaves the corpus:
    the page must not get it, and the report says why (`outside_corpus`, not `missing_files`)."""


_OUTSIDE = object()  # Sanitizer._cache value: the file is a link out of the corpus


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Bytes to text the way browsers choose: BOM, the transport's charset, <meta>, then UTF-8.

    Latin-1 labels mean windows-1252 (WHATWG Encoding); bytes that are not UTF-8 and name no
    charset are read as windows-1252, as browsers in most locales do.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    for label in (declared, _meta_charset(data)):
        codec = _codec(label)
        if codec:
            return data.decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "l1", "iso8859-1"):
        return "cp1252"
    if label.startswith("x-user-defined") or label in ("utf-16", "utf-16le", "utf-16be"):
        return None  # a page cannot really be UTF-16 after an ASCII-compatible meta
    try:
        import codecs

        return codecs.lookup(label).name
    except LookupError:
        return None


@functools.lru_cache(maxsize=64)
def placeholder_uri(width: int, height: int) -> str:
    """A grey picture with a cross, `width` x `height`: the same bytes for the same size."""
    stroke = max(1, min(width, height) // 60)
    svg = (
        f"<svg data-rf-placeholder='1' xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' preserveAspectRatio='none'><rect width='{width}' height='{height}' "
        f"fill='#e3e6ea'/><path d='M0 0L{width} {height}M{width} 0L0 {height}' stroke='#c3c8cf' "
        f"stroke-width='{stroke}'/></svg>"
    )
    return "data:image/svg+xml," + quote(svg, safe="")


def target_html(html: str) -> str:
    """The sanitized page as the screenshot-to-HTML target: local files by their corpus path,
    placeholders as `placeholder.svg` (a data URI is not something a screenshot shows)."""
    return _PLACEHOLDER.sub(PLACEHOLDER_TARGET, html.replace(ASSET_ORIGIN, ""))


def asset_url(rel: str) -> str:
    return ASSET_ORIGIN + quote(rel, safe="/-._~")


def content_type(rel: str) -> str:
    ext = posixpath.splitext(rel)[1].lower()
    if ext in FONT_TYPES:
        return FONT_TYPES[ext]
    if ext == ".svg":
        return "image/svg+xml"
    guess, _ = mimetypes.guess_type(rel)
    return guess or "application/octet-stream"


def unescape_css_letters(css: str) -> str:
    """Decode CSS escapes that stand for ASCII letters; leave every other escape as written."""
    if "\\" not in css:
        return css

    def hex_letter(m: re.Match[str]) -> str:
        code = int(m.group(1), 16)
        return chr(code) if (65 <= code <= 90 or 97 <= code <= 122) else m.group(0)

    return _CSS_LETTER_ESCAPE.sub(r"\1", _CSS_HEX_ESCAPE.sub(hex_letter, css))


class Sanitizer:
    """Sanitizes pages of one corpus; `read_asset` gives the corpus's local files (None: none).

    Stylesheets read from the corpus are sanitized once and remembered (pages of one site
    share them), up to `cache_bytes`.
    """

    def __init__(self, read_asset: AssetReader | None = None, max_asset_bytes: int = 16_000_000,
                 cache_bytes: int = 64_000_000):
        self.read_asset = read_asset
        self.max_asset_bytes = max_asset_bytes
        self.cache_bytes = cache_bytes
        self._cache: dict[str, tuple[Asset, tuple[str, ...]] | None] = {}  # rel -> asset + the local files it uses
        self._cached = 0

    # ---- one page ----------------------------------------------------------------------------

    def sanitize(self, html: str, page_rel: str | None = None, page_url: str | None = None) -> SanitizedPage:
        """`page_rel`: the page's path inside a folder corpus (enables local files);
        `page_url`: where the page was fetched from (relative URLs are remote then)."""
        from selectolax.lexbor import LexborHTMLParser

        page = _PageState(self, page_rel, page_url)
        doctype = _DOCTYPE.match(html)
        tree = LexborHTMLParser(html)
        meta = _page_facts(tree)
        _remove(tree, page.report)
        for node in list(tree.root.traverse(include_text=False)) if tree.root is not None else []:
            if node.tag == "-comment":
                node.decompose()  # invisible, and a conditional comment is only a comment
            else:
                page.element(node)
        tree.unwrap_tags(["noscript"])
        text = _body_text(tree)
        body = tree.root.html if tree.root is not None else ""
        out = (doctype.group(1) + "\n" if doctype else "") + (body or "")
        report = {k: v for k, v in sorted(page.report.items()) if v}
        return SanitizedPage(out, text, meta["title"], meta["lang"], meta["license"], page.assets, report)

    # ---- local files -------------------------------------------------------------------------

    def local_file(self, rel: str, depth: int = 0) -> tuple[Asset, tuple[tuple[str, Asset], ...]] | None:
        """A corpus file as served (stylesheets sanitized), with the files it needs in turn
        (a stylesheet's fonts, pictures and imports) as (URL, file) pairs; None if absent,
        _OUTSIDE if the reader refused it as a link out of the corpus."""
        if rel in self._cache:
            return self._cache[rel]
        try:
            data = self.read_asset(rel) if self.read_asset else None
        except OutsideCorpus:
            self._cache[rel] = _OUTSIDE  # type: ignore[assignment]
            return _OUTSIDE  # type: ignore[return-value]
        result: tuple[Asset, tuple[tuple[str, Asset], ...]] | None
        if data is None or len(data) > self.max_asset_bytes:
            result = None
        elif rel.lower().endswith(".css") and depth < MAX_CSS_DEPTH:
            state = _PageState(self, rel, None, depth=depth + 1)
            css = state.css(decode_html(data), rel)
            result = (Asset("text/css", css.encode("utf-8")), tuple(state.assets.items()))
        elif rel.lower().endswith(".css"):
            result = None  # an @import chain deeper than MAX_CSS_DEPTH
        else:
            result = (Asset(content_type(rel), data), ())
        size = (len(result[0].body) + sum(len(a.body) for _, a in result[1])) if result else 0
        if self._cached + size <= self.cache_bytes:
            self._cache[rel] = result
            self._cached += size
        return result


class _PageState:
    """What sanitizing one page (or one stylesheet) collects: its files and its report."""

    def __init__(self, owner: Sanitizer, page_rel: str | None, page_url: str | None, depth: int = 0):
        self.owner = owner
        self.page_rel = page_rel
        self.page_url = page_url
        self.depth = depth
        self.assets: dict[str, Asset] = {}
        self.asset_bytes = 0
        self.report: Counter[str] = Counter()

    # -- URLs --

    def classify(self, ref: str, base_rel: str | None = None) -> tuple[str, str]:
        """('data' | 'fragment' | 'script' | 'local' | 'remote', resolved), for a URL as written.

        'local' gives the corpus-relative path of an existing file that fits the page's budget.
        """
        ref = ref.strip()
        low = ref[:16].lower().replace("\t", "").replace("\n", "")
        if not ref or ref.startswith("#"):
            return "fragment", ref
        if low.startswith("data:"):
            return "data", ref
        if low.startswith(URL_SCHEMES_SCRIPT):
            return "script", ref
        base = base_rel if base_rel is not None else self.page_rel
        parts = urlsplit(ref)
        if parts.scheme or ref.startswith("//") or base is None:
            resolved = urljoin(self.page_url, ref) if self.page_url else ref
            return "remote", resolved
        path = unquote(parts.path)
        rel = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(base), path))
        if rel.startswith("../") or rel in ("..", ".", ""):
            self.report["outside_corpus"] += 1
            return "remote", ref
        return ("local", rel) if self.serve(rel) else ("remote", ref)

    def serve(self, rel: str) -> bool:
        """Serve corpus file `rel` (and what it needs) with this page, if it exists and fits."""
        url = asset_url(rel)
        if url in self.assets:
            return True
        found = self.owner.local_file(rel, self.depth)
        if found is _OUTSIDE:
            self.report["outside_corpus"] += 1
            return False
        if found is None:
            self.report["missing_files"] += 1
            return False
        asset, needs = found
        extra = [(dep_url, dep) for dep_url, dep in needs if dep_url not in self.assets]
        size = len(asset.body) + sum(len(dep.body) for _, dep in extra)
        if self.asset_bytes + size > self.owner.max_asset_bytes:
            self.report["files_over_budget"] += 1
            return False
        self.assets[url] = asset
        self.assets.update(extra)
        self.asset_bytes += size
        self.report["local_files"] += 1 + len(extra)
        return True

    # -- CSS --

    def css(self, css: str, base_rel: str | None = None) -> str:
        css = unescape_css_letters(css.replace("\x00", "\ufffd"))  # as CSS parsers read NUL
        aside: list[str] = []

        def keep_namespace(m: re.Match[str]) -> str:
            aside.append(m.group(0))
            return f"\x00ns{len(aside) - 1}\x00"

        css = _CSS_NAMESPACE.sub(keep_namespace, css)  # @namespace URLs are names, never fetched
        # Statements set aside (@namespace rules, rewritten imports) come back as they are, at the end.

        def imported(m: re.Match[str]) -> str:
            ref = next(g for g in m.groups()[:5] if g is not None)
            kind, resolved = self.classify(ref, base_rel)
            if kind == "local":
                aside.append(f'@import url("{asset_url(resolved)}"){m.group(6)};')
                return f"\x00ns{len(aside) - 1}\x00"  # kept aside: its URL is rewritten already
            self.report["imports_dropped"] += 1
            return ""

        def url(m: re.Match[str]) -> str:
            ref = next((g for g in m.groups() if g is not None), "")
            kind, resolved = self.classify(ref, base_rel)
            if kind in ("data", "fragment"):
                return m.group(0)
            if kind == "local":
                return f'url("{asset_url(resolved)}")'
            self.report["css_urls_dropped"] += 1
            return "none"

        css = _CSS_IMPORT.sub(imported, css)
        css = _CSS_URL.sub(url, css)
        css = self._image_sets(css, base_rel)
        for i, rule in enumerate(aside):
            css = css.replace(f"\x00ns{i}\x00", rule)
        return css

    def _image_sets(self, css: str, base_rel: str | None) -> str:
        """image-set("a.png" 1x, ...): strings are URLs there; remote ones drop the whole value."""
        out, pos = [], 0
        for m in _CSS_IMAGE_SET.finditer(css):
            if m.start() < pos:
                continue
            depth, end = 1, m.end()
            while end < len(css) and depth:
                depth += {"(": 1, ")": -1}.get(css[end], 0)
                end += 1
            inner = css[m.end() : end - 1]
            bad = False
            for literal in _CSS_STRING.findall(inner):
                if literal[1:-1].startswith(ASSET_ORIGIN):
                    continue  # a url() this pass already rewrote
                kind, resolved = self.classify(literal[1:-1], base_rel)
                if kind == "local":
                    inner = inner.replace(literal, f'"{asset_url(resolved)}"', 1)
                elif kind not in ("data", "fragment"):
                    bad = True
            out.append(css[pos : m.start()])
            if bad:
                self.report["css_urls_dropped"] += 1
                out.append("none")
            else:
                out.append(css[m.start() : m.end()] + inner + css[end - 1 : end])
            pos = end
        out.append(css[pos:])
        return "".join(out)

    # -- elements --

    def element(self, node) -> None:
        tag = (node.tag or "").lower()
        attrs = node.attrs
        names = list(attrs.keys())
        for name in names:
            low = name.lower()
            if low.startswith("on"):
                del attrs[name]
                self.report["event_handlers"] += 1
            elif low in DROPPED_ATTRS:
                del attrs[name]
                self.report[DROPPED_ATTRS[low]] += 1
            elif low == "style":
                value = attrs[name] or ""
                cleaned = self.css(value)
                if cleaned != value:
                    attrs[name] = cleaned
        if tag == "style":
            css = node.text(deep=True) or ""
            cleaned = self.css(css)
            if cleaned != css:
                node.inner_html = cleaned.replace("</", "<\\/")
            return
        if tag == "link":
            self._link(node)
            return
        if tag == "img" or (tag == "input" and (attrs.get("type") or "").strip().lower() == "image"):
            self._picture(node, "src")
        elif tag == "image":  # SVG
            self._svg_image(node)
        elif tag in ("video", "audio"):
            for name in ("src",):
                if attrs.get(name) is not None:
                    del attrs[name]
                    self.report["media_sources"] += 1
        for name in ("poster", "background"):
            value = attrs.get(name)
            if value is not None:
                kind, resolved = self.classify(value)
                if kind == "local":
                    attrs[name] = asset_url(resolved)
                elif kind != "data":
                    del attrs[name]
                    self.report["remote_urls"] += 1
        for name in ("srcset", "imagesrcset"):
            if attrs.get(name) is not None:
                self._srcset(node, name)
        for name in ("href", "xlink:href"):
            value = attrs.get(name)
            if value is None:
                continue
            kind, _ = self.classify(value)
            if kind == "script":
                attrs[name] = "#"
                self.report["javascript_urls"] += 1
            elif tag not in ("a", "area", "image") and kind not in ("fragment", "data"):
                # SVG <use>, <feImage>, gradients, patterns, text paths: a document outside this one
                del attrs[name]
                self.report["remote_urls"] += 1
        for name in ("src", "data"):
            value = attrs.get(name)
            if value is not None and tag not in ("img", "input") and self.classify(value)[0] not in ("data", "fragment"):
                del attrs[name]
                self.report["remote_urls"] += 1

    def _link(self, node) -> None:
        rel = (node.attrs.get("rel") or "").lower().split()
        href = node.attrs.get("href") or ""
        if "stylesheet" in rel and "alternate" not in rel:
            kind, resolved = self.classify(href)
            if kind == "local":
                node.attrs["href"] = asset_url(resolved)
                for name in ("integrity", "crossorigin"):
                    if node.attrs.get(name) is not None:
                        del node.attrs[name]
                return
            self.report["stylesheets_dropped"] += 1
        else:
            self.report["links_dropped"] += 1
        node.decompose()

    def _picture(self, node, attr: str) -> None:
        attrs = node.attrs
        src = attrs.get(attr) or ""
        kind, resolved = self.classify(src)
        if kind == "local":
            attrs[attr] = asset_url(resolved)
        elif kind == "data" or (kind == "fragment" and not src):
            pass
        else:
            self._placeholder(node, attr, src, resolved)
        if attrs.get("loading") is not None:
            del attrs["loading"]  # a lazy picture below the first screen would depend on timing

    def _placeholder(self, node, attr: str, src: str, resolved: str) -> None:
        attrs = node.attrs
        width, height = _dimension(attrs.get("width")), _dimension(attrs.get("height"))
        if width and not height:
            height = max(1, round(width * DEFAULT_PICTURE[1] / DEFAULT_PICTURE[0]))
        elif height and not width:
            width = max(1, round(height * DEFAULT_PICTURE[0] / DEFAULT_PICTURE[1]))
        width, height = width or DEFAULT_PICTURE[0], height or DEFAULT_PICTURE[1]
        attrs[attr] = placeholder_uri(min(width, 4000), min(height, 4000))
        if attrs.get("data-src-name") is None:
            stem = _file_stem(resolved or src)
            if stem:
                attrs["data-src-name"] = stem
        self.report["pictures_replaced"] += 1

    def _svg_image(self, node) -> None:
        attrs = node.attrs
        for name in ("href", "xlink:href"):
            value = attrs.get(name)
            if value is None:
                continue
            kind, resolved = self.classify(value)
            if kind == "local":
                attrs[name] = asset_url(resolved)
            elif kind != "data":
                width, height = _dimension(attrs.get("width")), _dimension(attrs.get("height"))
                attrs[name] = placeholder_uri(width or DEFAULT_PICTURE[0], height or DEFAULT_PICTURE[1])
                self.report["pictures_replaced"] += 1

    def _srcset(self, node, name: str) -> None:
        kept = []
        for candidate in (node.attrs.get(name) or "").split(","):
            bits = candidate.strip().split(None, 1)
            if not bits:
                continue
            kind, resolved = self.classify(bits[0])
            if kind == "local":
                kept.append(" ".join([asset_url(resolved)] + bits[1:]))
            elif kind == "data":
                kept.append(candidate.strip())
            else:
                self.report["srcset_dropped"] += 1
        if kept:
            node.attrs[name] = ", ".join(kept)
        else:
            del node.attrs[name]


def _remove(tree, report: Counter[str]) -> None:
    """Remove every element that runs, frames, fetches on its own or redirects (with its content)."""
    doomed = []
    for node in tree.css(", ".join(REMOVED_TAGS) + ", meta"):
        tag = (node.tag or "").lower()
        if tag == "meta":
            attrs = node.attrs
            if attrs.get("http-equiv") is None and attrs.get("charset") is None:
                continue
            report["meta_refresh" if (attrs.get("http-equiv") or "").strip().lower() == "refresh" else "meta_http_equiv"] += 1
        else:
            report[{"script": "scripts", "template": "templates", "base": "base"}.get(tag, "frames")] += 1
        doomed.append(node)
    for node in tree.css("video source, audio source, video track, audio track"):
        report["media_sources"] += 1
        doomed.append(node)
    # Free each subtree once: a node inside another doomed node goes with it.
    ids = {node.mem_id for node in doomed}
    for node in doomed:
        parent, nested = node.parent, False
        while parent is not None:
            if parent.mem_id in ids:
                nested = True
                break
            parent = parent.parent
        if not nested:
            node.decompose()


def _page_facts(tree) -> dict[str, str]:
    title_node = tree.css_first("title")
    title = _SPACE.sub(" ", title_node.text() if title_node is not None else "").strip()
    lang = ((tree.root.attrs.get("lang") if tree.root is not None else "") or "").strip()
    license_ = ""
    for node in tree.css("link[rel], meta[name]"):
        attrs = node.attrs
        if node.tag == "link" and "license" in (attrs.get("rel") or "").lower().split():
            license_ = (attrs.get("href") or "").strip()
        elif node.tag == "meta" and (attrs.get("name") or "").strip().lower() in ("license", "dcterms.license", "dc.rights", "dcterms.rights"):
            license_ = (attrs.get("content") or "").strip()
        if license_:
            break
    return {"title": title[:300], "lang": lang[:35], "license": license_[:300]}


_NO_TEXT = frozenset(("style", "script", "template", "title", "textarea", "noscript"))


def _body_text(tree) -> str:
    body = tree.body
    if body is None:
        return ""
    parts = []
    for node in body.traverse(include_text=True):
        if node.tag == "-text":
            parent = node.parent
            if parent is not None and (parent.tag or "").lower() in _NO_TEXT:
                continue
            parts.append(node.text(deep=False))
    return _SPACE.sub(" ", " ".join(parts)).strip()


def _dimension(value: str | None) -> int:
    if not value:
        return 0
    match = _DIMENSION.match(value)
    return int(match.group(1)) if match else 0


def _file_stem(url: str) -> str:
    path = unquote(urlsplit(url).path) if "://" in url or url.startswith("/") else unquote(url.split("?")[0].split("#")[0])
    base = posixpath.basename(path)
    stem, dot, _ = base.rpartition(".")
    return (stem if dot and stem else base)[:100]


def content_hash(html: str) -> str:
    """Exact-duplicate key of a sanitized page."""
    return hashlib.sha256(html.encode("utf-8", "surrogatepass")).hexdigest()
