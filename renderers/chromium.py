"""Headless Chromium renderer: HTML in, PNG screenshot and measured DOM facts out.

One browser per worker process, one reused page per JavaScript mode and device scale, every request that is not
`data:`/`about:` refused (DESIGN §7). A render that hangs is cut off by a watchdog that kills the
browser's process group (Playwright calls cannot be interrupted otherwise), then retried once on
a fresh browser; a second failure drops the sample.

Attribute values in the DOM facts that are `data:` URIs are shortened to their media type and
a hash, e.g. `data:image/png;sha256=0123456789ab` (first 12 hex digits of the SHA-256 of the
attribute value as written): the picture's bytes are in the source already, and storing every
inline image a second time in the facts doubled page samples. Same value -> same short form.

Sources are duck-typed plain data with `html`, `viewport_width`, `viewport_height`, `full_page`,
`max_height` (CSS px) and optionally `javascript` (default False), `device_scale_factor` (default
1: multiplies the renderer's own setting, so a source can ask for its own dpi), `measure_words`
(default False: also measure every visible word's box, for documents; see `facts["words"]`) and
`assets`: files the factory serves to this page, {absolute http URL: object with `content_type`
and `body` (bytes)}; a request for any other URL is refused as always; and `legible` (default
None): {max_patches, patch_size, min_text_px}, which cuts the capture (as max_height does: above
every text it would cross) where the picture's body text, resized to that Pix2Struct patch grid,
would come out smaller than min_text_px (`quality.body_text_px` is the size measured).

Why these mechanisms (measured on the 2-core build machine, Chromium 156, Playwright 1.65):
- `page.evaluate` works with JavaScript disabled (page scripts do not run; ours does), but
  timers and requestAnimationFrame never fire then, so the two-frame wait is only done for
  JavaScript pages; a disabled page is static after `load` + `document.fonts.ready`, and
  `Page.captureScreenshot` always draws a fresh frame.
- Screenshots go through CDP `Page.captureScreenshot` with `optimizeForSpeed` (still PNG, still
  lossless, fast zlib settings): ~60 ms for 1280x800 against ~145 ms for `page.screenshot()`.
  Full pages are captured by resizing the viewport to the capture height and measuring the
  facts after that resize, so they describe exactly the layout in the picture.
  `captureBeyondViewport` is sometimes a little faster, but it re-lays the page out at full
  height only during the capture (100vh blocks stretch), so no measurement could match it.
- Embedded pictures are decoded before the page that shows them is loaded (`_DECODE_JS`).
  Blink leaves out an element's own background where it knows the element's picture is
  opaque, and it knows that only once the picture has been decoded; it keeps that knowledge
  with the decoded picture in its memory cache, keyed by URL. So an `<img>` with a background
  and `border-radius` came out in two versions, differing by 2-6 per channel in the
  anti-aliased corner pixels where the background shows through: background painted when the
  picture was new to the browser, left out when an earlier page had shown the same picture
  (about 3% of generated pages, whose pictures repeat across pages: order, worker count and
  resumes changed which). Decoding every picture first always gives the second version.
- `set_content` reuses the page's Document (document.open/write). With JavaScript off nothing of
  a previous page can run; a JavaScript page first navigates to about:blank (~90 ms) so timers
  of the previous page cannot touch it.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import importlib.metadata
import json
import logging
import os
import re
import signal
import struct
import threading
import time
from typing import Any
from urllib.parse import unquote

from pydantic import Field, ValidationError

from factory.components import Options, Render, Renderer
from factory.errors import Dropped, FactoryError, RecipeError
from renderers import browser as browsers

log = logging.getLogger(__name__)

ALLOWED_SCHEMES = ("data:", "about:")
DATA_URI_HASH_HEX = 12  # hex digits of SHA-256 kept when shortening data: URIs in attrs
MAX_BLOCKED_LISTED = 50  # blocked URLs listed per page (sorted, unique, each cut to 300 chars)
MAX_LOW_CONTRAST_LISTED = 50  # texts below WCAG contrast listed per page
_DATA_IMAGE = re.compile(r"data:image/", re.IGNORECASE)
_UNQUOTED_END = re.compile(r"[\s>]|$")


class ChromiumSettings(Options):
    """Recipe `renderers: {chromium: {...}}`."""

    executable: str | None = Field(
        None, description="Chromium executable; default: RENDER_FACTORY_CHROMIUM, Playwright's, then the system's"
    )
    timeout_ms: int = Field(15000, ge=500, description="a render taking longer is retried once, then dropped")
    restart_every: int = Field(500, ge=1, description="relaunch the browser after this many pages (bounds leaks)")
    device_scale_factor: float = Field(1.0, gt=0, le=4, description="screenshot pixels per CSS px")
    fast_png: bool = Field(
        True,
        description="Chromium's fast PNG settings: same pixels, capture about 2x faster, files about "
        "30% larger (measured on generated pages: 253 KB in 133 ms against 193 KB in 255 ms)",
    )
    max_capture_height: int = Field(
        16384,
        ge=16,
        le=16384,
        description="hard cap on the picture's height in pixels (CSS px x scale), whatever a source asks; "
        "16384 is Skia's largest surface, and a 800x16384 capture already takes seconds",
    )


# The page-side half of a render, one function so most pages cost one round trip. It runs
# through CDP, so it works with page scripts disabled. Phase 1 (`o.settle`): wait for fonts (and
# two frames when scripts run), freeze animations, drop focus, scroll home, and decide the
# capture height; if the viewport must be resized to it, return {resize: height} and Python
# calls again with `o.height` fixed. Then the facts: the DOM tree with visibility and boxes, the
# boxes of visible text/images/links/buttons/inputs, and the document height.
# Boxes are in screenshot pixels: CSS px from the document's top-left corner times `o.scale`.
_PAGE_JS = """async (o) => {
  const de = document.documentElement, b = document.body;
  const docHeight = () => Math.ceil(Math.max(de.scrollHeight, b ? b.scrollHeight : 0));
  // A capture cut short ends above every text and control it would cut through: each is then
  // wholly in the picture or wholly out of it (pictures may be cut). Never above half the cut.
  function cutAboveCrossings(H) {
    const floor = H / 2, r = document.createRange(), controls = document.querySelectorAll("a, button, input, select, textarea");
    for (let round = 0; round < 100; round++) {
      let cut = H;
      const cross = (rect) => { if (rect.height > 0 && rect.top < cut && Math.ceil(rect.bottom) > H && rect.top >= floor) cut = Math.floor(rect.top); };
      const walker = document.createTreeWalker(b || de, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.data.trim()) continue;
        r.selectNodeContents(n);
        cross(r.getBoundingClientRect());
      }
      for (const el of controls) cross(el.getBoundingClientRect());
      if (cut >= H) return H;
      H = cut;
    }
    return H;
  }
  // o.legible = {patches, patch, px}: a capture no taller than keeps its body text (the font size
  // most visible characters are drawn at) at least `px` pixels tall once the picture is resized
  // to the Pix2Struct grid of at most `patches` patches of `patch` px (factory/image_prep.py).
  function bodyPxWithin(H) {  // CSS px of the body text among texts that show in [0, H)
    const counts = new Map(), walker = document.createTreeWalker(b || de, NodeFilter.SHOW_TEXT), r = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.data.replace(/\\s+/g, " ").trim(), el = n.parentElement;
      if (!text || !el || el.closest("svg")) continue;
      r.selectNodeContents(n);
      const q = r.getBoundingClientRect();
      if (!(q.width > 0 && q.height > 0 && q.bottom > 0 && q.top < H && q.right > 0 && q.left < o.width)) continue;
      const style = getComputedStyle(el);
      if (style.visibility !== "visible") continue;
      const k = Math.round(parseFloat(style.fontSize) * o.scale * 10) / 10;
      if (k > 0) counts.set(k, (counts.get(k) || 0) + text.length);
    }
    let body = 0, most = 0;
    for (const [k, c] of counts) if (c > most || (c === most && k < body)) { body = k; most = c; }
    return body / o.scale;
  }
  function pxAtPatches(size, H) {  // a CSS px font size, in pixels of the resized picture
    const L = o.legible, w = o.width * o.scale, h = H * o.scale;
    const s = Math.sqrt(L.patches * (L.patch / h) * (L.patch / w));
    const rows = Math.max(Math.min(Math.floor(s * h / L.patch), L.patches), 1);
    const cols = Math.max(Math.min(Math.floor(s * w / L.patch), L.patches), 1);
    return size * o.scale * Math.min(rows * L.patch / h, cols * L.patch / w);
  }
  function legibleCut(H) {  // lower H until its own body text is legible (never below 256 CSS px)
    const L = o.legible, floor = Math.min(H, 256);
    for (let round = 0; round < 20; round++) {
      const body = bodyPxWithin(H);
      if (!body || pxAtPatches(body, H) >= L.px) return H;
      // The continuous scale gives the bound; the grid's whole rows can lose a little more.
      let h = Math.min(H - 1, Math.floor(L.patches * L.patch * L.patch * body * body / (L.px * L.px * o.width)));
      while (h > floor && pxAtPatches(body, h) < L.px) h--;
      H = Math.max(h, floor);
      if (docHeight() > H) H = cutAboveCrossings(H);
      if (H <= floor) return H;
    }
    return H;
  }
  let H = o.height;
  if (o.settle) {
    await document.fonts.ready;
    if (o.frames) await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    // Freeze CSS animations and transitions at their end state (infinite ones are cancelled).
    for (const a of document.getAnimations()) { try { a.finish(); } catch (e) { a.cancel(); } }
    // A focused field would draw a blinking caret: a different picture on every run. An
    // `autofocus` field is focused at a rendering update that may come after this blur (with
    // scripts off there is no frame to wait for): each is swapped for a copy without the
    // attribute, so no focus is pending (the detached original is skipped).
    for (const el of document.querySelectorAll("[autofocus]")) { const c = el.cloneNode(true); c.removeAttribute("autofocus"); el.replaceWith(c); }
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    window.scrollTo(0, 0);
    H = Math.min(o.fullPage ? docHeight() : o.viewportHeight, o.cap);
    if (docHeight() > H) H = cutAboveCrossings(H);
    if (o.legible) H = legibleCut(H);
    if (H !== window.innerHeight) return JSON.stringify({resize: H});
  }

  const SKIP = new Set(["head", "script", "style", "template", "noscript"]);
  const ATTRS = ["id", "class", "href", "src", "alt", "type", "placeholder", "value", "name", "role", "aria-label"];
  const BUTTON_TYPES = new Set(["submit", "button", "reset", "image"]);
  // checkVisibility() also knows what computed styles cannot tell: content skipped by
  // content-visibility: hidden (the body of a closed <details>). Not `contentVisibilityAuto`:
  // which auto content is skipped lags the viewport resize, so it reported content hidden that
  // the full-page picture shows (measured); inside the capture, auto content is drawn.
  const CHECK = {opacityProperty: true, visibilityProperty: true};
  const canCheck = typeof de.checkVisibility === "function";
  const W = o.width, S = o.scale, MAX_DEPTH = o.maxDepth;
  const range = document.createRange();
  const boxes = [];
  let minTextPx = 0;  // the smallest font size of any visible text, in screenshot pixels
  const charsAtPx = new Map();  // font size in screenshot pixels (0.1 px) -> visible characters drawn at it
  const collapse = (s) => (s || "").replace(/\\s+/g, " ").trim();
  // CSS rect -> [x0, y0, x1, y1] (left, top, right, bottom) in screenshot pixels, outward-rounded.
  const px = (l, t, r, b) => [Math.floor(l * S), Math.floor(t * S), Math.ceil(r * S), Math.ceil(b * S)];
  const boxOf = (r) => px(r.left, r.top, r.right, r.bottom);
  // Non-empty and overlapping the captured area [0, W) x [0, H).
  const shows = (r) => r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < W && r.top < H;
  // `boxes` lists what lies wholly in the picture (2 px tolerance, as the simplified HTML's
  // rule), clipped to it; DOM boxes keep the true geometry.
  const edge = 2 / S;
  const emit = (kind, r, text) => {
    if (r.left < -edge || r.top < -edge || r.right > W + edge || r.bottom > H + edge) return;
    boxes.push({kind, text, box: px(Math.max(r.left, 0), Math.max(r.top, 0), Math.min(r.right, W), Math.min(r.bottom, H))});
  };

  // WCAG contrast of every visible text against the colour behind it, from computed styles:
  // `back` is the opaque colour an element's content is drawn on (null under a background
  // image), `op` the product of the opacities above. Texts below 4.5:1 (3:1 when large: 24 px,
  // or 18.66 px bold) are listed in low_contrast.
  const low = [];
  const rgba = (c) => { const m = (c || "").match(/[\\d.]+/g) || [0, 0, 0, 0];
    return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1]; };
  const over = (c, b, a) => [0, 1, 2].map(i => c[i] * a + b[i] * (1 - a));
  const lum = (c) => { const l = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const hex = (c) => "#" + c.map(v => Math.round(v).toString(16).padStart(2, "0")).join("");
  function backOf(style, back) {
    if (style.backgroundImage && style.backgroundImage !== "none") return null;
    const own = rgba(style.backgroundColor);
    if (own[3] >= 1) return own.slice(0, 3);
    return back && own[3] > 0 ? over(own, back, own[3]) : back;
  }
  function checkContrast(style, back, op, text, r) {
    if (!back) return;
    const fg = rgba(style.color), shown = over(fg, back, fg[3] * op);
    const size = parseFloat(style.fontSize) || 16, weight = parseInt(style.fontWeight) || 400;
    const large = size >= 24 || (size >= 18.66 && weight >= 700);
    const value = ratio(shown, back);
    if (value < (large ? 3 : 4.5)) low.push({text: text.slice(0, 80), ratio: Math.round(value * 100) / 100, large,
      color: hex(shown), background: hex(back), box: boxOf(r)});
  }

  // Words (o.words): every whitespace-separated run of a visible text node, with its box
  // [x0, y0, x1, y1] clipped to the picture, its block, `node` (the index of its text node among
  // the visible text nodes of the DOM facts, in document order) and `space` (whether white
  // space comes before it in the document's text: "Fermi<sup>1</sup>" gives "Fermi", "1" with no
  // space). A run that the layout wraps (CJK text has no spaces; long tokens break) is cut where
  // its characters move to the next line.
  const words = [];
  let blocks = 0, textNodes = -1, sawSpace = true;
  const clipped = (l, t, rr, bb) => px(Math.max(l, 0), Math.max(t, 0), Math.min(rr, W), Math.min(bb, H));
  const lit = (rect) => rect.width > 0 && rect.height > 0;
  function pushWord(text, l, t, rr, bb, block, node, space, kind) {
    if (rr <= 0 || bb <= 0 || l >= W || t >= H) return;
    const w = {text, box: clipped(l, t, rr, bb), block, node, space};
    if (kind) w.kind = kind;
    words.push(w);
  }
  function wordsOf(textNode, block, node) {
    const data = textNode.data, re = /\\S+/g;
    let m, lineHeight = 0;  // of one line of this text node's font, once a one-line word shows it
    while ((m = re.exec(data)) !== null) {
      const start = m.index, end = start + m[0].length;
      const space = start > 0 || sawSpace;
      range.setStart(textNode, start); range.setEnd(textNode, end);
      // One rect is cheaper to get than the list; a word taller than 1.5 lines has wrapped.
      const whole = range.getBoundingClientRect();
      if (!lit(whole)) continue;
      if (lineHeight && whole.height < 1.5 * lineHeight) {
        pushWord(m[0], whole.left, whole.top, whole.right, whole.bottom, block, node, space);
        continue;
      }
      const rects = Array.from(range.getClientRects()).filter(lit);
      if (!rects.length) continue;
      if (rects.length === 1) {
        const q = rects[0];
        lineHeight = q.height;
        pushWord(m[0], q.left, q.top, q.right, q.bottom, block, node, space);
        continue;
      }
      let cur = null;  // the fragment on the current line: {text, l, t, r, b}
      let i = start;
      for (const ch of m[0]) {  // code points, so surrogate pairs stay whole
        range.setStart(textNode, i); range.setEnd(textNode, i + ch.length);
        i += ch.length;
        const q = Array.from(range.getClientRects()).find(lit);
        if (!q) { if (cur) cur.text += ch; continue; }
        if (cur && Math.abs(q.top - cur.t) < q.height / 2 && q.left >= cur.l - 1) {
          cur.text += ch; cur.l = Math.min(cur.l, q.left); cur.r = Math.max(cur.r, q.right);
          cur.t = Math.min(cur.t, q.top); cur.b = Math.max(cur.b, q.bottom);
        } else {
          if (cur) pushWord(cur.text, cur.l, cur.t, cur.r, cur.b, block, node, cur.space);
          cur = {text: ch, l: q.left, t: q.top, r: q.right, b: q.bottom, space: cur ? false : space};
        }
      }
      if (cur) pushWord(cur.text, cur.l, cur.t, cur.r, cur.b, block, node, cur.space);
    }
    sawSpace = /\\s$/.test(data);
  }
  // A formula is one word: its text is the `alttext` the page gives it (e.g. LaTeX), else its
  // characters; its box is what the formula draws (a block formula's element is as wide as its
  // line). Its own line (block) when displayed as a block.
  function mathWord(el, r, block) {
    const text = (el.getAttribute("alttext") || "").trim() || collapse(el.textContent);
    range.selectNodeContents(el);
    const q = range.getBoundingClientRect();
    const b = lit(q) ? q : r;
    if (text) pushWord(text, b.left, b.top, b.right, b.bottom, block, -1, true, "math");
    sawSpace = true;
  }

  function attrsOf(el) {
    const out = {};
    for (const name of ATTRS) { const v = el.getAttribute(name); if (v) out[name] = v; }
    for (const a of el.attributes) if (a.name.startsWith("data-") && a.value) out[a.name] = a.value;
    return out;
  }

  function controlBox(el, tag, r) {  // what kind of thing an element is in the picture, if any
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (tag === "img") emit("image", r, el.getAttribute("alt") || "");
    else if (tag === "svg") {
      const title = el.querySelector(":scope > title");
      emit("image", r, el.getAttribute("aria-label") || (title ? collapse(title.textContent) : ""));
    } else if (tag === "a" && el.hasAttribute("href")) emit("link", r, collapse(el.innerText ?? el.textContent));
    else if (tag === "button") emit("button", r, collapse(el.innerText));
    else if (tag === "input" && BUTTON_TYPES.has(type)) emit("button", r, el.value || el.getAttribute("alt") || "");
    else if (tag === "input" && type !== "hidden") emit("input", r, el.value || el.placeholder || "");
    else if (tag === "textarea") emit("input", r, el.value || el.placeholder || "");
    else if (tag === "select") emit("input", r, el.selectedOptions.length ? collapse(el.selectedOptions[0].text) : "");
  }

  // One element and its subtree. `opaque`: no ancestor has opacity 0 (opacity is not inherited).
  // `checked`: the parent's checkVisibility() answer, which its text nodes and, since an element
  // without a box (display: contents) answers false for itself, its box-less children take.
  // `block`: the id of the nearest element that is not laid out inline (its words share lines);
  // `inMath`: inside a <math> element, which is measured as one word (see mathWord).
  // `behind`: the opaque colour this element is drawn on; `op`: the product of opacities above.
  function walk(el, opaque, depth, inSvg, checked, block, inMath, behind, op) {
    const tag = el.localName;
    const style = getComputedStyle(el);
    const back = backOf(style, behind), opacity = op * (parseFloat(style.opacity) || 0);
    const r = el.getBoundingClientRect();
    const drawn = opaque && style.opacity !== "0";
    const seen = drawn && style.visibility === "visible";  // visibility is inherited: per element
    const shown = !canCheck || (style.display === "contents" ? checked : el.checkVisibility(CHECK));
    const node = {tag, text: "", visible: seen && shown && style.display !== "none" && shows(r),
                  box: boxOf(r), attrs: attrsOf(el), children: []};
    if (node.visible && (!inSvg || tag === "svg")) controlBox(el, tag, r);
    if (o.words && style.display !== "inline" && style.display !== "contents") block = ++blocks;
    if (o.words && tag === "math" && !inMath) {
      if (node.visible) mathWord(el, r, block);
      inMath = true;
    }
    if (depth >= MAX_DEPTH) {  // keep the text of absurdly deep trees, not their structure
      node.text = collapse(el.textContent);
      return node;
    }
    const own = [];
    for (const child of el.childNodes) {
      if (child.nodeType === Node.ELEMENT_NODE) {
        if (!SKIP.has(child.localName)) node.children.push(walk(child, drawn, depth + 1, inSvg || tag === "svg", shown, block, inMath, back, opacity));
      } else if (child.nodeType === Node.TEXT_NODE) {
        const text = collapse(child.data);
        if (!text) {  // whitespace between tags carries nothing, but it separates words
          if (child.data) sawSpace = true;
          continue;
        }
        // the box of the text itself: white space at a node's ends ("Total " before a <b>) draws
        // a space's width of nothing that the box would otherwise claim
        range.setStart(child, child.data.search(/\\S/)); range.setEnd(child, child.data.search(/\\s*$/));
        const tr = range.getBoundingClientRect();
        const visible = seen && shown && shows(tr);
        node.children.push({tag: "#text", text, visible, box: boxOf(tr)});
        if (visible) {
          emit("text", tr, text);
          if (!inSvg) checkContrast(style, back, opacity, text, tr);
          const size = parseFloat(style.fontSize) * S;
          if (size > 0 && (minTextPx === 0 || size < minTextPx)) minTextPx = size;
          if (size > 0 && !inSvg) { const k = Math.round(size * 10) / 10; charsAtPx.set(k, (charsAtPx.get(k) || 0) + text.length); }
          textNodes++;
        }
        if (visible && o.words && !inMath && !inSvg) wordsOf(child, block, textNodes);
        own.push(text);
      }
    }
    node.text = own.join(" ");
    return node;
  }

  const dom = walk(de, true, 0, false, true, 0, false, [255, 255, 255], 1);
  // Body text: the font size most of the visible characters are drawn at (ties: the smaller).
  let bodyTextPx = 0, bodyChars = 0;
  for (const [k, n] of charsAtPx) if (n > bodyChars || (n === bodyChars && k < bodyTextPx)) { bodyTextPx = k; bodyChars = n; }
  // One JSON string: far cheaper to ship than Playwright's structured serialisation of a tree.
  const out = {dom, boxes, low_contrast: low, document_height: docHeight(), captured_height: H,
               min_text_px: Math.round(minTextPx * 10) / 10, body_text_px: bodyTextPx};
  if (o.words) out.words = words;
  return JSON.stringify(out);
}"""


# Decodes pictures (data: URIs) in the current document, so that Blink knows whether each is
# opaque before a page showing it paints (see the module docstring). The decoded pictures stay
# referenced from the window (which set_content keeps) until the next page's are, so the memory
# cache cannot drop them before the page that shows them has loaded. A picture that does not
# decode is the page's business: it is drawn (or not) as it would be anyway.
_DECODE_JS = """async (urls) => {
  const images = urls.map((u) => { const i = new Image(); i.src = u; return i; });
  Object.defineProperty(window, "__renderFactoryPictures", {value: images, configurable: true, enumerable: false});
  await Promise.all(images.map((i) => i.decode().catch(() => null)));
}"""


def embedded_images(html: str) -> list[str]:
    """The distinct `data:image/...` URIs an HTML text holds, as the browser will request them.

    A URI ends where the quote before it closes (attribute values, CSS strings), at `)` after
    `url(`, or at a space or `>` (unquoted attribute values); entities are decoded."""
    found = set()
    for match in _DATA_IMAGE.finditer(html):
        start = match.start()
        before = html[start - 1] if start else ""
        if before in "\"'":
            end = html.find(before, start)
        elif before == "(":
            end = html.find(")", start)
        else:
            end = _UNQUOTED_END.search(html, start).start()
        found.add(html_lib.unescape(html[start : end if end >= 0 else len(html)]).strip())
    return sorted(found)


# What every new page draws first (see ChromiumRenderer._page).
_FIRST_PAGE = "<!DOCTYPE html><html><body><p>render factory</p></body></html>"
MAX_PAGES = 4  # reused pages kept open (one per JavaScript mode and scale); the least recently used closes


class _Tab:
    """One reused page, its own CDP session, and the viewport that session emulates.

    The viewport is set with Emulation.setDeviceMetricsOverride on our session rather than
    Playwright's set_viewport_size, which also resizes the window: 15-25% less time per full
    page, pixel-identical (checked at scale 1, 1.5 and 2). The context therefore has no
    Playwright viewport, and screenshots come out in device pixels with clip scale 1.
    """

    def __init__(self, context: Any, scale: float):
        self.context = context
        self.page = context.new_page()
        self.cdp = context.new_cdp_session(self.page)
        self.scale = scale
        self.size: tuple[int, int, float] | None = None

    def resize(self, width: int, height: int, scale: float | None = None) -> None:
        scale = self.scale if scale is None else scale
        if self.size != (width, height, scale):
            metrics = {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False}
            self.cdp.send("Emulation.setDeviceMetricsOverride", metrics)
            self.size = (width, height, scale)


class _Hung(Exception):
    """The watchdog ended a render that overran its time."""


class _Crashed(Exception):
    """The browser or its page died under a render."""


class _Watchdog:
    """Kills the browser's process group if a render overruns; the stuck Playwright call then fails.

    Playwright's sync calls (evaluate, CDP sends) take no timeout, and a page spinning in a
    script answers nothing, so the only reliable bound is from outside: a timer thread. One
    thread per process serves every watchdog (`_Watcher`): starting a `threading.Timer` per
    render cost ~4 ms a chart on the loaded build machine, waiting for the new thread to run.
    """

    def __init__(self, seconds: float, pid: int | None):
        self.pid = pid
        self.fired = False
        self.seconds = seconds
        self.deadline = 0.0

    def __enter__(self) -> "_Watchdog":
        _Watcher.get().arm(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _Watcher.get().disarm(self)


class _Watcher:
    """The one daemon thread that fires overrunning watchdogs (a new one in a forked child)."""

    _current: "_Watcher | None" = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._armed: dict[int, _Watchdog] = {}
        threading.Thread(target=self._run, name="chromium-watchdog", daemon=True).start()

    @classmethod
    def get(cls) -> "_Watcher":
        with cls._lock:
            if cls._current is None or cls._current.pid != os.getpid():
                cls._current = cls()
            return cls._current

    def arm(self, dog: _Watchdog) -> None:
        with self._cond:
            dog.deadline = time.monotonic() + dog.seconds
            self._armed[id(dog)] = dog
            self._cond.notify()

    def disarm(self, dog: _Watchdog) -> None:
        with self._cond:  # after this no kill can start for `dog`: firing holds the same lock
            self._armed.pop(id(dog), None)

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._armed:
                    self._cond.wait()
                    continue
                dog = min(self._armed.values(), key=lambda d: d.deadline)
                left = dog.deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                del self._armed[id(dog)]
                if dog.pid is not None:
                    dog.fired = True
                    _kill_group(dog.pid)


def _kill_group(pid: int) -> None:
    """SIGKILL a browser and its helpers (Playwright starts it as a process-group leader)."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Dropped("render_failed", "Chromium returned something that is not a PNG")
    return struct.unpack(">II", data[16:24])


def _source_spec(source: Any) -> dict[str, Any]:
    """The source's rendering fields, checked: a malformed source is a bug in its generator."""
    try:
        spec = {
            "html": source.html,
            "width": int(source.viewport_width),
            "height": int(source.viewport_height),
            "full_page": bool(source.full_page),
            "max_height": int(source.max_height),
            "javascript": bool(getattr(source, "javascript", False)),
            "scale": float(getattr(source, "device_scale_factor", 1.0) or 1.0),
            "words": bool(getattr(source, "measure_words", False)),
            "assets": dict(getattr(source, "assets", None) or {}),
            "legible": _legible(getattr(source, "legible", None)),
        }
    except AttributeError as exc:
        raise TypeError(f"ChromiumRenderer needs a source with html, viewport_width, viewport_height, "
                        f"full_page and max_height: {exc}") from None
    if not isinstance(spec["html"], str):
        raise TypeError(f"source.html must be str, got {type(spec['html']).__name__}")
    if not 0 < spec["scale"] <= 4:
        raise ValueError(f"source device_scale_factor {spec['scale']} must be in (0, 4]")
    if min(spec["width"], spec["height"], spec["max_height"]) < 1:
        raise ValueError(f"source viewport {spec['width']}x{spec['height']} / max_height {spec['max_height']} must be positive")
    return spec


def _legible(rule: Any) -> dict[str, float] | None:
    """A source's `legible` capture rule ({max_patches, patch_size, min_text_px}) as the page script takes it."""
    if not rule:
        return None
    values = {"patches": int(rule["max_patches"]), "patch": int(rule["patch_size"]), "px": float(rule["min_text_px"])}
    if min(values.values()) <= 0:
        raise ValueError(f"source legible rule {rule} must have positive max_patches, patch_size and min_text_px")
    return values


def chromium_settings(settings: dict[str, Any] | None) -> ChromiumSettings:
    """The recipe's `renderers.chromium` block, validated, or a one-line RecipeError."""
    try:
        return ChromiumSettings.model_validate(settings or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            known = ", ".join(ChromiumSettings.model_fields)
            msg = f"recipe field 'renderers.chromium.{where}' is not a known field; known fields: {known}"
        else:
            msg = f"recipe field 'renderers.chromium.{where}': {err['msg']} (got {err.get('input')!r})"
        raise RecipeError(msg) from None


def preflight(settings: dict[str, Any] | None) -> None:
    """Before a run writes anything: the settings are valid and there is a browser to launch.

    A named browser (setting or environment variable) and a system browser are checked without
    starting Playwright's driver; only when neither exists is Playwright asked for its own.
    """
    location = browsers.find_browser(chromium_settings(settings).executable, system_first=True)
    if location.origin in ("setting", "env") and not browsers.executable_version(location.path):
        # a named program that is no browser (a typo, /bin/false) fails here, before the run
        # claims its folder, instead of at the first page with a skeleton dataset left behind
        raise FactoryError(
            f"'{location.path}' (from {location.origin}) does not answer '--version' as Chromium does; "
            f"point --browser or renderers.chromium.executable at a Chromium or Chrome executable, or {browsers.INSTALL_HINT}"
        )


class ChromiumRenderer(Renderer):
    """Renders HTML sources to PNG with the facts tasks need (DOM tree, element boxes, sizes)."""

    name = "chromium"
    version = "1"

    def __init__(self, settings: dict[str, Any] | None = None):
        super().__init__(settings)
        self.options = chromium_settings(settings)
        self.location: browsers.BrowserLocation | None = None
        self._playwright: Any = None
        self._browser: Any = None
        self._browser_pid: int | None = None
        self._pages: dict[tuple[bool, float], _Tab] = {}  # by JavaScript mode and device scale
        self._last_tab: _Tab | None = None
        self._pages_rendered = 0  # since the browser was launched
        self._blocked: list[str] = []
        self._served: dict[str, Any] = {}  # the page being drawn's own files, by URL
        self._chromium_version = ""
        self._owner_pid = os.getpid()

    # ---- browser lifecycle -------------------------------------------------------------

    def _ensure_browser(self) -> None:
        self._forget_if_forked()
        if self._browser is not None and self._pages_rendered >= self.options.restart_every:
            log.debug("restarting Chromium after %d pages", self._pages_rendered)
            self._close_browser()
        if self._browser is not None:
            return
        first = self.location is None
        if first and (self.options.executable or os.environ.get(browsers.ENV_VAR)):
            self.location = browsers.find_browser(self.options.executable)  # named: no driver needed
        if self._playwright is None:
            self._playwright = browsers.acquire_playwright()
        if self.location is None:
            self.location = browsers.find_browser(None, self._playwright)
        (log.info if first else log.debug)("Chromium: %s", self.location.describe())
        self._browser = browsers.launch(self._playwright, self.location, max(30000, self.options.timeout_ms))
        self._chromium_version = self._browser.version
        session = self._browser.new_browser_cdp_session()
        processes = session.send("SystemInfo.getProcessInfo")["processInfo"]
        session.detach()
        self._browser_pid = next((p["id"] for p in processes if p["type"] == "browser"), None)
        self._pages_rendered = 0

    def _page(self, javascript: bool, scale: float | None = None) -> _Tab:
        """The reused page for this JavaScript mode and device scale (the renderer's own by
        default), made on first use. Drawn pages depend on what their context drew before in two
        ways, both found as documents that differed between a run with 1 and one with 2 workers:
        - A page never changes its scale: once a context has drawn at one scale, text it draws at
          another differs from a fresh context's in its antialiasing and, around MathML, in its
          layout by a pixel or two (a 96-dpi paper after a 144-dpi letter).
        - The first page a context draws sets how it lays out MathML from then on: a paper drawn
          first put its stretchy parentheses 2 px lower than after any other page (even a line of
          plain text). So every new page draws `_FIRST_PAGE` first, and no source is ever first.
        At most MAX_PAGES stay open (a recipe may list many dpi): a page closed and made again
        draws its first page again, so what it draws does not change."""
        scale = self.options.device_scale_factor if scale is None else scale
        key = (javascript, scale)
        if key in self._pages:
            self._pages[key] = self._pages.pop(key)  # most recently used last
        else:
            if len(self._pages) >= MAX_PAGES:
                oldest = next(iter(self._pages))
                self._pages.pop(oldest).context.close()
            context = self._browser.new_context(
                java_script_enabled=javascript, offline=True, service_workers="block", no_viewport=True
            )
            context.route("**/*", self._route)
            tab = _Tab(context, scale)
            tab.page.set_default_timeout(self.options.timeout_ms)
            tab.resize(800, 600)
            tab.page.set_content(_FIRST_PAGE, wait_until="load")
            self._pages[key] = tab
        return self._pages[key]

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(ALLOWED_SCHEMES):
            route.continue_()
        elif url in self._served or unquote(url) in self._served:
            asset = self._served.get(url) or self._served[unquote(url)]
            route.fulfill(status=200, headers={"content-type": asset.content_type}, body=asset.body)
        else:
            self._blocked.append(url)
            route.abort("blockedbyclient")

    def _close_browser(self, kill: bool = False) -> None:
        """Close the browser; `kill` first SIGKILLs it (a hung or crashed one may not close)."""
        from playwright.sync_api import Error as PlaywrightError

        browser, pid = self._browser, self._browser_pid
        self._browser, self._browser_pid, self._pages, self._last_tab = None, None, {}, None
        if browser is None:
            return
        if kill and pid is not None:
            _kill_group(pid)
        try:
            browser.close()
        except PlaywrightError as exc:  # already dead: make sure nothing of it lingers
            log.debug("closing Chromium: %s", exc)
            if pid is not None:
                _kill_group(pid)

    def _forget_if_forked(self) -> None:
        """In a forked child the browser and driver belong to the parent: drop, never close, them."""
        if self._owner_pid != os.getpid():
            self._playwright, self._browser, self._browser_pid, self._pages, self._last_tab = None, None, None, {}, None
            self._owner_pid = os.getpid()

    def close(self) -> None:
        self._forget_if_forked()
        self._close_browser()
        if self._playwright is not None:
            self._playwright = None
            browsers.release_playwright()

    def versions(self) -> dict[str, str]:
        if not self._chromium_version:
            if self.location is None:
                self.location = browsers.find_browser(self.options.executable, self._playwright)
            self._chromium_version = browsers.executable_version(self.location.path)
        return {"chromium": self._chromium_version, "playwright": importlib.metadata.version("playwright")}

    # ---- rendering --------------------------------------------------------------------

    def render(self, source: Any) -> Render:
        spec = _source_spec(source)
        for attempt in (1, 2):
            try:
                return self._render_once(source, spec)
            except _Hung:
                self._close_browser(kill=True)
                log.warning("Chromium render overran %d ms (attempt %d)", self.options.timeout_ms, attempt)
                if attempt == 2:
                    raise Dropped("render_timeout", f"no screenshot within {self.options.timeout_ms} ms, twice") from None
            except _Crashed as exc:
                self._close_browser(kill=True)
                log.warning("Chromium crashed (attempt %d): %s", attempt, exc)
                if attempt == 2:
                    raise Dropped("render_crash", str(exc)) from None
        raise AssertionError("unreachable")

    def _render_once(self, source: Any, spec: dict[str, Any]) -> Render:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self._ensure_browser()
        watchdog = _Watchdog(self.options.timeout_ms / 1000, self._browser_pid)
        try:
            with watchdog:
                tab = self._page(spec["javascript"], self.options.device_scale_factor * spec["scale"])  # a new one draws its first page
                result = self._draw(tab, spec)
        except PlaywrightTimeout as exc:
            raise _Hung(str(exc).splitlines()[0]) from None
        except PlaywrightError as exc:
            if watchdog.fired:
                raise _Hung("watchdog") from None
            message = str(exc)
            first = (message.strip().splitlines() or [type(exc).__name__])[0]
            if "closed" in message or "crash" in message.lower():
                raise _Crashed(first) from None
            if spec["javascript"]:  # the page's own scripts can break the measurement: its fault
                raise Dropped("render_failed", first) from None
            raise
        except ValueError as exc:  # facts JSON from a page whose scripts replaced JSON or Array
            if spec["javascript"]:
                raise Dropped("render_failed", f"page facts unreadable: {exc}") from None
            raise
        self._pages_rendered += 1
        self._last_tab = tab
        png, width, height, facts = result
        return Render(source=source, encoded=png, encoded_format="png", width=width, height=height, facts=facts)

    @property
    def last_page(self) -> Any:
        """The Playwright page that still shows the last render (for tests and tools that inspect it)."""
        return self._last_tab.page

    def _draw(self, tab: _Tab, spec: dict[str, Any]) -> tuple[bytes, int, int, dict[str, Any]]:
        """Load, settle, size, measure and capture one page (at its tab's scale: see _page)."""
        scale = tab.scale
        cap = max(1, min(spec["max_height"], int(self.options.max_capture_height / scale)))  # CSS px
        width = spec["width"]
        self._blocked = []
        self._served = {**spec["assets"], **{unquote(url): asset for url, asset in spec["assets"].items()}}
        if spec["javascript"]:
            tab.page.goto("about:blank")  # a fresh Window: the last page's timers cannot reach this one
        # Lay out at the source's own viewport; the capture height is decided afterwards.
        tab.resize(width, spec["height"], scale)
        # The page's served pictures too: Blink's memory cache keeps them by URL across pages alike.
        pictures = embedded_images(spec["html"]) + sorted(
            url for url, asset in spec["assets"].items() if asset.content_type.startswith("image/")
        )
        if pictures:
            tab.page.evaluate(_DECODE_JS, pictures)
        tab.page.set_content(spec["html"], wait_until="load")
        measured = _page_facts(tab, spec, cap, scale)
        height = measured["captured_height"]
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}  # CSS px in, device px out
        shot = tab.cdp.send(
            "Page.captureScreenshot", {"format": "png", "optimizeForSpeed": self.options.fast_png, "clip": clip}
        )
        png = base64.b64decode(shot["data"])
        png_width, png_height = _png_size(png)
        blocked = sorted({url[:300] for url in self._blocked})
        facts = {
            "dom": measured["dom"],
            "boxes": measured["boxes"],
            **({"words": measured["words"]} if "words" in measured else {}),
            "page": {
                "document_height": measured["document_height"],
                "captured_height": height,
                "truncated": measured["document_height"] > height,
                "low_contrast": measured["low_contrast"][:MAX_LOW_CONTRAST_LISTED],
                "requests_blocked": blocked[:MAX_BLOCKED_LISTED],
            },
            # The smallest visible text (font size x device scale), as charts report theirs: the
            # degradation stage bounds blur and downscaling by it (factory/augment).
            # Body text (the size most visible characters are drawn at): what a resize to a
            # model's input must keep legible (factory/tools/legibility.py).
            "quality": {"min_text_px": measured["min_text_px"], "body_text_px": measured["body_text_px"]},
        }
        return png, png_width, png_height, facts


def _page_facts(tab: _Tab, spec: dict[str, Any], cap: int, scale: float) -> dict[str, Any]:
    """Settle the loaded page, size the viewport to the capture, and measure what it shows.

    Returns {"dom", "boxes", "document_height", "captured_height", "min_text_px", "body_text_px"} (see _PAGE_JS). When the
    capture is taller or shorter than the viewport (full pages), the viewport is resized to the
    capture height first and the facts are measured after that, so they describe the layout
    in the picture. Trees deeper than 200 elements keep the deeper text, not its structure.
    data: URIs in attrs come back shortened (short_data_uri).
    """
    args = {
        "settle": True,
        "frames": spec["javascript"],
        "fullPage": spec["full_page"],
        "viewportHeight": spec["height"],
        "cap": cap,
        "width": spec["width"],
        "height": 0,
        "scale": scale,
        "maxDepth": 200,
        "words": spec["words"],
        "legible": spec["legible"],
    }
    measured = json.loads(tab.page.evaluate(_PAGE_JS, args))
    if "resize" in measured:
        height = measured["resize"]
        tab.resize(spec["width"], height, scale)
        measured = json.loads(tab.page.evaluate(_PAGE_JS, {**args, "settle": False, "height": height}))
    _shorten_data_uris(measured["dom"])
    return measured


def short_data_uri(value: str) -> str:
    """`data:image/png;base64,...` -> `data:image/png;sha256=<12 hex>`; other values unchanged.

    The hash is of the whole value as written, so equal URIs stay equal and different ones
    (almost surely) differ; the media type is lower-cased, empty if the URI names none.
    """
    stripped = value.lstrip()  # browsers ignore leading spaces in URLs
    if stripped[:5].lower() != "data:":
        return value
    media = stripped[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()[:100]
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:DATA_URI_HASH_HEX]
    return f"data:{media};sha256={digest}"


def _shorten_data_uris(dom: dict[str, Any]) -> None:
    """Shorten every data: URI attribute value in the DOM facts, in place."""
    stack = [dom]
    while stack:
        node = stack.pop()
        attrs = node.get("attrs")
        if attrs:
            for name, value in attrs.items():
                attrs[name] = short_data_uri(value)
        stack.extend(node.get("children", ()))
