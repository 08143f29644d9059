"""Plotly charts drawn by plotly.js in the project's locked-down Chromium, measured and repaired.

One page per browser holds the plotly.js bundle that ships inside the `plotly` Python package,
inlined once (nothing is fetched: every request that is not data:/about: is refused and listed
in `render.page.requests_blocked`, as for pages). JavaScript runs on this page only; HTML pages
keep theirs off. Each chart is one `Plotly.newPlot` on that page, static (no hover layer), then
one script call measures every text and mark in the SVG, then a CDP screenshot of exactly the
figure's pixels. Fonts are the installed ones, named by family.

The figure drawn is the spec's data and layout as plain JSON with its template named; the page
holds every template as plotly.py writes it, so the chart-to-code script (a
`plotly.graph_objects.Figure` of the same data and layout, template expanded by plotly.py), run
through `render-factory render-chart`, draws the same pixels (a test compares them).
"""

from __future__ import annotations

import base64
import functools
import importlib.metadata
import json
import logging
from pathlib import Path
from collections.abc import Callable
from typing import Any

import numpy as np

from factory.chart_code.placement import INSIDE_KINDS
from factory.components import Render
from factory.errors import Dropped
from factory.generators.engine_specs import PLOTLY_TEMPLATES, chart_texts, logo_label
from factory.chart_code.plotly_code import PLOTLY_CONFIG, native_digits, plotly_figure
from renderers import chromium
from renderers import engine_legibility as legibility
from renderers.chromium import ChromiumRenderer, _Crashed, _Hung, _png_size, _Watchdog
from renderers.matplotlib_renderer import _segments_hit
from renderers.vega_svg import path_points

log = logging.getLogger(__name__)
LOAD_TIMEOUT_MS = 60000  # loading the plotly.js page, once per browser

# Draw, settle fonts, then measure: every <text> with its kind (from the classes Plotly gives
# its groups) and every mark of the traces the figure names, as boxes in page pixels.
_DRAW_JS = """async (a) => {
  const el = document.getElementById('chart');
  const fig = JSON.parse(a.fig);
  if (typeof fig.layout.template === 'string') fig.layout.template = TEMPLATES[fig.layout.template];
  Plotly.purge(el);
  await Plotly.newPlot(el, fig.data, fig.layout, a.config);
  await document.fonts.ready;
  const R = (r) => [r.left, r.top, r.right, r.bottom];
  const KINDS = [['.gtitle', 'title'], ['.g-gtitle', 'title'], ['.xtick', 'xtick'], ['.ytick', 'ytick'],
    ['.angularaxistick', 'xtick'], ['.radialaxistick', 'ytick'], ['.xtitle', 'xlabel'], ['.g-xtitle', 'xlabel'],
    ['.ytitle', 'ylabel'], ['.g-ytitle', 'ylabel'], ['.y2title', 'ylabel'], ['.legend', 'legend'],
    ['.annotation', 'annotation'], ['.colorbar', 'colorbar'], ['.cbaxis', 'colorbar'], ['.bullet', 'ytick'],
    ['.title', 'label'], ['.number', 'value'], ['.slicetext', 'value'], ['.textpoint', 'value'], ['.bartext', 'value'],
    ['.slice', 'value'], ['.gtitle-subtitle', 'subtitle']];
  const texts = [];
  for (const t of el.querySelectorAll('text')) {
    if (!t.textContent.trim() || t.closest('[display="none"]')) continue;
    const cs = getComputedStyle(t);
    if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') continue;
    let kind = 'text';
    for (const [sel, k] of KINDS) { if (t.matches(sel) || t.closest(sel)) { kind = k; break; } }
    if (t.classList.contains('gtitle-subtitle')) kind = 'subtitle';
    const r = t.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) continue;
    const lines = t.querySelectorAll('tspan.line');
    const shown = lines.length > 1 ? Array.from(lines, (l) => l.textContent).join('\\n') : t.textContent;
    let alpha = parseFloat(cs.fillOpacity || '1');
    for (let e = t; e && e !== el; e = e.parentElement) { const o = parseFloat(getComputedStyle(e).opacity); if (!isNaN(o)) alpha *= o; }
    const weight = parseInt(cs.fontWeight, 10) || (cs.fontWeight === 'bold' ? 700 : 400);
    const entry = {kind, text: shown, box: R(r), fill: cs.fill, alpha, bold: weight >= 600, size: parseFloat(cs.fontSize)};
    if (t.closest('.radial-axis')) entry.radial = true;
    if (kind === 'value') {  // which trace and point a value label belongs to (a bar's or a line's point)
      const own = t.closest('.point, .textpoint, .slice'), tg = t.closest('.trace'), td = tg && tg.__data__;
      const pd = own && own.__data__;
      if (pd && typeof pd.i === 'number' && Array.isArray(td) && td[0] && td[0].trace) { entry.trace = td[0].trace.index; entry.i = pd.i; }
      const bar = own && own.classList.contains('point') && own.querySelector(':scope > path');  // a bar's own shape (its group holds the label too)
      if (bar) entry.bar = R(bar.getBoundingClientRect());
    }
    const ctm = t.getCTM();
    const angle = ctm ? Math.atan2(ctm.b, ctm.a) * 180 / Math.PI : 0;
    const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;  // plotly.js shrinks text inside a bar or slice to fit it
    if (scale < 0.999) { entry.size *= scale; entry.scale = scale; }
    if (Math.abs(angle - 90 * Math.round(angle / 90)) >= 0.01) { const bb = t.getBBox(); entry.angle = angle; entry.extent = [bb.width, bb.height]; }
    texts.push(entry);
  }
  const gd = el, marks = [];
  const full = gd._fullData;
  for (const g of el.querySelectorAll('.trace')) {
    const d = g.__data__;
    const cd = Array.isArray(d) ? d : null;
    const tr = cd && cd[0] && cd[0].trace;
    if (!tr) continue;
    const ti = tr.index;
    const kind = tr.type;
    let items = [];
    if (['bar', 'histogram', 'waterfall', 'funnel'].includes(kind)) items = g.querySelectorAll('.point');
    else if (['pie', 'treemap', 'barpolar'].includes(kind)) items = g.querySelectorAll('.slice, .point');
    else if (['box', 'violin'].includes(kind)) items = g.querySelectorAll('path.box, path.violin');
    else if (['candlestick', 'ohlc'].includes(kind)) items = g.querySelectorAll('path');
    else if (['scatter', 'scatterpolar'].includes(kind)) items = g.querySelectorAll('.point');
    else if (kind === 'indicator') items = g.querySelectorAll('.value-bullet');
    let n = 0;
    for (const p of items) {
      const r = p.getBoundingClientRect();
      const pd = p.__data__ || {};
      let i = (pd.i !== undefined) ? pd.i : (pd.data && pd.data.data && pd.data.data.i !== undefined ? pd.data.data.i : n);
      if (kind === 'treemap') i = (pd.data && pd.data.data && pd.data.data.i !== undefined) ? pd.data.data.i : -1;
      if (Array.isArray(i)) i = i[0];
      n += 1;
      if (r.width <= 0 && r.height <= 0) continue;
      marks.push({trace: ti, i, box: R(r)});
    }
    if (['scatter', 'scatterpolar'].includes(kind) && items.length === 0) {  // lines without markers: the data points
      const xa = gd._fullLayout[(tr.xaxis || 'x').replace('x', 'xaxis')];
      const ya = gd._fullLayout[(tr.yaxis || 'y').replace('y', 'yaxis')];
      if (xa && ya && xa.c2p) {
        const w = ((tr.line && tr.line.width) || 2) / 2 + 1;
        for (const pt of cd) {
          if (pt.x === undefined || pt.y === undefined || isNaN(pt.x) || isNaN(pt.y)) continue;
          const x = xa._offset + xa.c2p(pt.x), y = ya._offset + ya.c2p(pt.y);
          marks.push({trace: ti, i: pt.i, box: [x - w, y - w, x + w, y + w]});
        }
      }
    }
  }
  // every drawn line a value label must stand clear of: traces' lines and the layout's shapes
  // (a reference line), as page-pixel polylines (SVG path data and the matrix to the page)
  const lines = [];
  // (a reference line), and a rose's wedge outlines (the radial axis numbers must clear them)
  for (const p of el.querySelectorAll('.trace path.js-line, .shapelayer path, .trace.bars .point path')) {
    const m = p.getScreenCTM(), d = p.getAttribute('d');
    if (!m || !d || d === 'M0,0Z') continue;
    const tg = p.closest('.trace'), td = tg && tg.__data__, tr = Array.isArray(td) && td[0] ? td[0].trace : null;
    const wedge = !!(tr && tr.type === 'barpolar');
    if (p.closest('.point') && !wedge) continue;  // a cartesian bar: its own label sits on it
    const width = parseFloat(getComputedStyle(p).strokeWidth) || 0;
    lines.push({d, m: [m.a, m.b, m.c, m.d, m.e, m.f], half: width / 2, shape: !tg, wedge, trace: tr ? tr.index : -1});
  }
  const legend = el.querySelector('.legend .bg');
  const sz = gd._fullLayout._size;
  // a.ticks: the numbers plotly.js chose for each numeric axis, as [layout path, [[value, text], ...]]
  // (cartesian x/y axes, the polar radial axis, colour bars, bullet gauges; not category axes, nor
  // axes whose ticks the figure already gives).
  let ticks = null;
  if (a.ticks) {
    const fl = gd._fullLayout, found = {};
    for (const t of el.querySelectorAll('text')) {
      const cls = (t.parentNode && t.parentNode.getAttribute('class')) || '', d = t.__data__;
      if (!/tick$/.test(cls) || cls === 'angularaxistick' || !d || typeof d.x !== 'number' || !isFinite(d.x)) continue;
      let path = null;
      const bar = t.closest('g.colorbar'), trace = t.closest('g.trace');
      if (t.closest('.radial-axis')) path = 'polar.radialaxis';
      else if (bar) {
        const uid = (bar.getAttribute('class').split(' ').find(c => c.startsWith('cb')) || '').slice(2);
        const tr = gd._fullData.find(f => f.uid === uid);
        if (tr) path = 'data.' + tr.index + '.colorbar';
      } else if (trace) {
        const cd = trace.__data__, tr = Array.isArray(cd) && cd[0] && cd[0].trace;
        if (tr && tr.type === 'indicator') path = 'data.' + tr.index + '.gauge.axis';
      } else {
        const m = cls.match(/^([xy])(\\d*)tick$/), name = m ? m[1] + 'axis' + m[2] : '', ax = fl[name];
        if (ax && ax.type === 'linear' && ax.tickmode !== 'array') path = name;
      }
      if (path) (found[path] = found[path] || []).push([d.x, t.textContent]);
    }
    ticks = Object.entries(found);
  }
  return JSON.stringify({texts, marks, lines, legend: legend ? R(legend.getBoundingClientRect()) : null, plot_bottom: sz.t + sz.h,
                         plot: [sz.l, sz.t, sz.l + sz.w, sz.t + sz.h], ticks});
}"""


@functools.lru_cache(maxsize=1)
def _page_html() -> str:
    """plotly.js and the templates the specs name (as plotly.py writes them), loaded once: a figure
    is then sent as a JSON string naming its template, not as a structure with the template in it
    (resolving and sending a template with every figure cost a third of a chart)."""
    import plotly
    import plotly.io as pio

    bundle = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    templates = {name: pio.templates[name].to_plotly_json() for name in PLOTLY_TEMPLATES}
    script = "window.TEMPLATES = " + json.dumps(templates).replace("</", "<\\/") + ";"
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<style>html,body{margin:0;padding:0;background:transparent}#chart{position:absolute;left:0;top:0}svg text{unicode-bidi:plaintext}</style>"
        f"<script>{bundle}</script><script>{script}</script></head><body><div id='chart'></div></body></html>"
    )


def preflight(settings: dict[str, Any] | None) -> None:
    """The same check as for pages: valid settings and a browser to launch."""
    chromium.preflight(settings)


class PlotlyRenderer(ChromiumRenderer):
    """Chart specs for the plotly engine to PNG, with text and mark boxes; legible or dropped.

    Settings (recipe `renderers: {plotly: {...}}`) are those of `chromium` (executable,
    timeout_ms, restart_every, ...).
    """

    name = "plotly"
    version = "1"

    def versions(self) -> dict[str, str]:
        out = super().versions()
        out["plotly"] = importlib.metadata.version("plotly")
        return out

    def _plot_tab(self) -> Any:
        """The page with plotly.js loaded (once per browser). Parsing the 4.6 MB bundle takes a
        few hundred ms on a quiet machine and far longer on a loaded one: it runs under its own,
        longer allowance, and a failure is a hang to retry on a fresh browser, like a draw's."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            tab = self._page(True)  # a new page draws its first page (ChromiumRenderer._page)
        except PlaywrightError as exc:
            raise _Hung(f"opening a page: {str(exc).splitlines()[0]}") from None
        if not getattr(tab, "plotly_loaded", False):
            allowance = max(LOAD_TIMEOUT_MS, self.options.timeout_ms)
            watchdog = _Watchdog(allowance / 1000, self._browser_pid)
            try:
                with watchdog:
                    tab.page.set_content(_page_html(), wait_until="load", timeout=allowance)
            except PlaywrightError as exc:  # TimeoutError included
                raise _Hung(f"loading plotly.js: {str(exc).splitlines()[0]}") from None
            tab.plotly_loaded = True
        return tab

    def draw_figure(self, fig: dict[str, Any] | str, width: int, height: int, ticks: bool = False,
                    keep: Callable[[dict[str, Any]], bool] | None = None) -> tuple[bytes | None, dict[str, Any], list[str]]:  # fmt: skip
        """Draw a figure ({data, layout}, or that as JSON; its template named or given whole); PNG
        bytes, measurements (with `ticks`: the numbers plotly.js put on each numeric axis, see
        _DRAW_JS) and refused requests. `keep` (pure: it may run twice) sees the measurements
        first: a draw it rejects is not captured (PNG None). Retries once on a fresh browser when
        the first attempt hangs or crashes."""
        if not isinstance(fig, str):
            fig = json.dumps(fig, allow_nan=False)
        for attempt in (1, 2):
            try:
                return self._draw_once(fig, width, height, ticks, keep)
            except _Hung:
                self._close_browser(kill=True)
                if attempt == 2:
                    raise Dropped("render_timeout", f"no chart within {self.options.timeout_ms} ms, twice") from None
            except _Crashed as exc:
                self._close_browser(kill=True)
                if attempt == 2:
                    raise Dropped("render_crash", str(exc)) from None
        raise AssertionError("unreachable")

    def _draw_once(self, fig: str, width: int, height: int, ticks: bool = False,
                   keep: Callable[[dict[str, Any]], bool] | None = None) -> tuple[bytes | None, dict[str, Any], list[str]]:  # fmt: skip
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self._ensure_browser()
        tab = self._plot_tab()
        self._blocked = []
        watchdog = _Watchdog(self.options.timeout_ms / 1000, self._browser_pid)
        try:
            with watchdog:
                tab.resize(width, height)
                measured = json.loads(tab.page.evaluate(_DRAW_JS, {"fig": fig, "config": PLOTLY_CONFIG, "ticks": ticks}))
                shot = None
                if keep is None or keep(measured):
                    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
                    shot = tab.cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": self.options.fast_png, "clip": clip})
        except PlaywrightTimeout as exc:
            raise _Hung(str(exc).splitlines()[0]) from None
        except PlaywrightError as exc:
            if watchdog.fired:
                raise _Hung("watchdog") from None
            message = str(exc)
            if "closed" in message or "crash" in message.lower():
                raise _Crashed(message.strip().splitlines()[0]) from None
            raise Dropped("render_failed", message.strip().splitlines()[0]) from None
        self._pages_rendered += 1
        if shot is None:
            return None, measured, sorted({u[:300] for u in self._blocked})
        png = base64.b64decode(shot["data"])
        if _png_size(png) != (width, height):
            raise Dropped("render_failed", f"screenshot is {_png_size(png)}, expected {(width, height)}")
        return png, measured, sorted({u[:300] for u in self._blocked})

    def render(self, source: Any) -> Render:
        from factory import images

        spec = source.copy()
        legibility.ensure_glyphs(spec, chart_texts(spec), shapes=True)
        pixels = None
        native = native_digits(spec) != "latn"
        draws = legibility.MAX_DRAWS + native  # one more draw to learn the axes' ticks
        for attempt in range(1, draws + 1):
            fig, mark_meta = plotly_figure(spec)
            learn = native and "native_ticks" not in spec.style
            keep = functools.partial(_kept, spec, learn, mark_meta)
            png, measured, blocked = self.draw_figure(fig, spec.width_px, spec.height_px, ticks=learn, keep=keep)
            if learn and _learn_ticks(spec, measured["ticks"]):
                continue
            if _place_note(spec, measured):
                continue
            if _hide_crossed_ticks(spec, measured):
                continue
            _name_texts(spec, measured["texts"])
            problems = legibility.find_problems(measured["texts"], spec.width_px, spec.height_px)
            problems += crossed_problems(spec, measured, mark_meta)
            if _lower_legend(spec, measured, problems):
                spec.repairs.append(f"legend_gap:{spec.style['legend_gap']}")
                continue
            if not problems:
                assert png is not None, "a draw with no layout problem is always captured (_kept)"
                pixels = images.decode(png)
                cell_of = _cell_of(mark_meta)
                problems, lowest = legibility.contrast_check(pixels, measured["texts"], cell_of)
                problems = problems or legibility.drawn_problems(spec, pixels, measured["texts"], cell_of)
                if not problems:
                    break
            done = legibility.repair(spec, problems) if attempt < draws else None
            if done is None:
                first = next((p for p in problems if p.reason != "text_clipped"), problems[0])
                raise Dropped(first.reason, first.detail)
            spec.repairs.append(done)
        else:  # the last draw only placed the note
            raise Dropped("text_overlap", f"no legible layout in {draws} draws")
        facts = {
            "repairs": list(spec.repairs),
            "elements": elements(measured),
            "marks": marks(spec, measured["marks"], mark_meta, measured.get("plot")),
            "page": {"requests_blocked": blocked},
            "quality": {"draws": attempt, "texts": len(measured["texts"]),
                        "min_text_px": round(min((t["size"] for t in measured["texts"]), default=0.0), 1),
                        "min_contrast": lowest},
        }
        return Render(source=spec, image=pixels, encoded=png, encoded_format="png", width=spec.width_px, height=spec.height_px, facts=facts)


def _kept(spec: Any, learn: bool, meta: list[dict[str, Any] | None], measured: dict[str, Any]) -> bool:
    """Whether `render` can keep this draw, judged before its screenshot is taken: not when it only
    taught the axes' ticks, placed the note, or showed a layout problem (all redrawn or dropped
    without a look at the pixels). Reads the spec and the measurements and changes neither: the
    same questions `render` then asks, so a draw not captured is never one it keeps. The capture
    (~30 ms) was wasted on 10-17% of draws."""
    if learn and measured["ticks"]:
        return False
    if _note_gap(spec, measured) is not None or set(crossed_ticks(measured)) - set(spec.style.get("hidden_ticks", [])):
        return False
    texts = [dict(t) for t in measured["texts"]]
    _name_texts(spec, texts)
    return not legibility.find_problems(texts, spec.width_px, spec.height_px) and not crossed_problems(spec, measured, meta)


def _polylines(measured: dict[str, Any], wedges: bool = False) -> list[tuple[np.ndarray, float, bool]]:
    """Every drawn line as (page-pixel points, half its width, whether it is a layout shape: the
    reference line). A curve's control points stand for it (they bound it), an arc its points.
    `wedges`: a rose's wedge outlines instead."""
    out = []
    for line in measured.get("lines") or ():
        if bool(line.get("wedge")) != wedges:
            continue
        pts, _ = path_points(line["d"])
        if len(pts) < 2:
            continue
        a, b, c, d, e, f = line["m"]
        xy = np.asarray(pts, dtype=float)
        page = np.column_stack([a * xy[:, 0] + c * xy[:, 1] + e, b * xy[:, 0] + d * xy[:, 1] + f])
        out.append((page, float(line["half"]), bool(line["shape"])))
    return out


def crossed_ticks(measured: dict[str, Any]) -> list[str]:
    """A polar chart's radial axis numbers a wedge outline (a rose: every outline meets at the
    centre, over the '0'; an arc may end on a number) or a radar's line runs through, each on its
    box less a pixel."""
    if not any(t.get("radial") for t in measured["texts"]):
        return []
    wedges = _polylines(measured, wedges=True) + [line for line in _polylines(measured) if not line[2]]  # a radar's lines too
    out = []
    for t in measured["texts"]:
        if t.get("radial") and t["text"].strip():
            x0, y0, x1, y1 = t["box"]
            rect = np.array([x0 + 1, y0 + 1, x1 - 1, y1 - 1])
            if any(_segments_hit(rect, points, half) for points, half, _ in wedges):
                out.append(t["text"])
    return out


def _hide_crossed_ticks(spec: Any, measured: dict[str, Any]) -> bool:
    """Leave out the radial numbers an outline crosses (`style.hidden_ticks`, drawn as '' by the
    axis's labelalias: neither image nor targets then hold them). True to redraw."""
    hidden = set(spec.style.get("hidden_ticks", []))
    crossed = set(crossed_ticks(measured)) - hidden
    if not crossed:
        return False
    spec.style["hidden_ticks"] = sorted(hidden | crossed)
    return True


def crossed_problems(spec: Any, measured: dict[str, Any], meta: list[dict[str, Any] | None]) -> list[legibility.Problem]:
    """Value labels a drawn line runs through (a trace's line, the reference line), tested on each
    label's whole box less a pixel (what a reader's crop of it holds): a bar chart's label the
    reference line crosses is named by its cell (`labels`: it moves inside its bar), in other
    charts the line goes first (furniture); a label moved inside that does not lie wholly in its
    bar's measured box is named the same way (the line then goes); a data line's labels are moved
    or hidden one by one (`labels`)."""
    if not spec.style.get("value_labels"):
        return []
    lines = _polylines(measured)
    if not lines:
        return []
    cells: list[tuple[int, int]] = []
    reference: list[str] = []
    named: set[tuple[int, int]] = set()  # the rows of the labels the reference line crosses (bar, barh)
    out = []
    inside = {(0, int(r)) for r in spec.style.get("inside_labels", ())}
    for t in measured["texts"]:
        if t["kind"] != "value":
            continue
        x0, y0, x1, y1 = t["box"]
        rect = np.array([x0 + 1, y0 + 1, x1 - 1, y1 - 1])
        cell = _label_cell(t, meta)
        if cell in inside and not _within(rect, t.get("bar")):
            out.append(legibility.Problem("text_overlap", frozenset({"value", "reference"}), f"{t['text'][:20]!r} does not fit inside its bar", (cell,)))
        for points, half, shape in lines:
            if not _segments_hit(rect, points, half):
                continue
            if shape:
                reference.append(t["text"])
                if cell[0] >= 0 and spec.chart_type in INSIDE_KINDS:
                    named.add(cell)
                continue
            cells.append(cell)  # a label of no known point (-1, -1): the labels go as a whole
            break
    if reference:
        out.append(legibility.Problem("text_overlap", frozenset({"value", "reference"}), f"the reference line crosses value label {reference[0][:20]!r}",
                                      tuple(sorted(named)), rule=True))  # fmt: skip
    known = tuple(sorted({c for c in cells if c[0] >= 0}))
    if cells:
        out.append(legibility.Problem("text_overlap", frozenset({"value"}), f"{len(cells)} value label(s) crossed by a line",
                                      known if len(known) == len(cells) else ()))  # fmt: skip
    return out


def _label_cell(text: dict[str, Any], meta: list[dict[str, Any] | None]) -> tuple[int, int]:
    """The (series, row) a measured value label belongs to; (-1, -1) when it is no known point's."""
    info = meta[text["trace"]] if isinstance(text.get("trace"), int) and 0 <= text["trace"] < len(meta) else None
    i = text.get("i")
    if info is not None and isinstance(i, int) and 0 <= i < len(info["rows"]) and info["series"] >= 0:
        return info["series"], info["rows"][i]
    return -1, -1


def _within(rect: np.ndarray, box: list[float] | None) -> bool:
    """Whether a label's box (less its pixel) lies wholly in its bar's measured box."""
    return box is not None and rect[0] >= box[0] and rect[1] >= box[1] and rect[2] <= box[2] and rect[3] <= box[3]


def _cell_of(meta: list[dict[str, Any] | None]) -> Callable[[int, dict[str, Any]], tuple[int, int] | None]:
    """(series, row) of a value label by its trace's point, as the shared contrast checks take it
    (`engine_legibility.contrast_check`, `drawn_problems`): a label below its ratio then goes on
    its own, not every value label with it. None when the label names no point."""

    def cell(_: int, text: dict[str, Any]) -> tuple[int, int] | None:
        found = _label_cell(text, meta)
        return found if found[0] >= 0 else None

    return cell


def _learn_ticks(spec: Any, ticks: list[list[Any]]) -> bool:
    """Record the numbers plotly.js put on each numeric axis (`style.native_ticks`: [layout path,
    values, texts as plotly.js wrote them]) for a chart written in native digits: plotly.js writes
    numbers with 0-9 only (its locales set separators, not numerals), so the figure gives these
    ticks back with their texts in the sample's digits (plotly_code). True to redraw."""
    learned = [[path, [round(float(v), 12) for v, _ in pairs], [str(text) for _, text in pairs]] for path, pairs in ticks]
    spec.style["native_ticks"] = learned
    return bool(learned)


def _name_texts(spec: Any, texts: list[dict[str, Any]]) -> None:
    """Annotations named by what they are (note, brand mark, reference label, callout), and each
    text's colour and opacity as numbers (a computed rgba() carries its own alpha)."""
    from factory.chart_code.colours import to_rgb

    s = spec.style
    furniture = {s.get("note") or None: "note", logo_label(s) or None: "logo", s.get("reference_text") or None: "reference",
                 s.get("callout_text") if s.get("callout", "none") != "none" else None: "callout"}  # fmt: skip
    furniture.pop(None, None)
    values = set()
    if spec.chart_type == "bullet":  # in native digits a bullet's number is an annotation (plotly_code._draw_bullet)
        from factory.tabular import format_value

        values = {format_value(row[1], spec.table.series[0]) for row in spec.table.rows}
    for t in texts:
        if t["kind"] == "annotation" and t["text"] in furniture:
            t["kind"] = furniture[t["text"]]
        elif t["kind"] == "annotation" and t["text"] in values:
            t["kind"] = "value"
        fill = str(t.get("fill") or "")
        if isinstance(t.get("color"), (list, tuple)) or not fill or fill == "none":
            t.setdefault("color", None)
            continue
        t["color"] = to_rgb(fill)
        if fill.startswith("rgba"):
            t["alpha"] = float(t.get("alpha", 1.0)) * float(fill.rstrip(")").split(",")[-1])


def _lower_legend(spec: Any, measured: dict[str, Any], problems: list[legibility.Problem]) -> bool:
    """A legend under the plot that the x tick labels or the x axis title run into (plotly.js puts
    it a share of the plot's height down, whatever the axis block's depth) goes below them, once:
    the depth measured here is recorded (`legend_gap`) for the redraw and the script. Smaller fonts
    were the repair before: three draws, down to 9 px. True to redraw."""
    s = spec.style
    if s.get("legend") != "bottom" or s.get("legend_gap") is not None:
        return False
    if not any("legend" in p.kinds and p.kinds & {"xtick", "xlabel"} for p in problems):
        return False
    plot_bottom = measured["plot_bottom"]
    axis = [t["box"][3] for t in measured["texts"] if t["kind"] in ("xtick", "xlabel") and t["box"][3] > plot_bottom - 1]
    if not axis:
        return False
    s["legend_gap"] = int(np.ceil(max(axis) - plot_bottom)) + 8
    return True


def _place_note(spec: Any, measured: dict[str, Any]) -> bool:
    """A note line (and a bottom logo) goes under everything else at the bottom. The spec's guess
    of the x axis block's depth stands when the note clears it; otherwise the depth measured here
    is recorded (`note_gap`) for the redraw and for the script. True to redraw."""
    gap = _note_gap(spec, measured)
    if gap is None:
        return False
    spec.style["note_gap"] = gap
    spec.style["note_gap_measured"] = True
    return True


def _note_gap(spec: Any, measured: dict[str, Any]) -> int | None:
    """The note's measured gap when the drawn one is short (and not measured already), else None."""
    s = spec.style
    if not (s.get("note") or s.get("logo", "none").startswith("bottom")):
        return None
    furniture = {s.get("note") or None, logo_label(s) or None}
    plot_bottom = measured["plot_bottom"]
    foot = [t["box"][1] for t in measured["texts"] if t["text"] in furniture]
    below = [t["box"][3] for t in measured["texts"] if t["text"] not in furniture and t["box"][3] > plot_bottom - 1]
    deepest = max(below, default=plot_bottom)
    if not foot or min(foot) >= deepest + 3 or s.get("note_gap_measured"):
        return None
    return int(deepest - plot_bottom) + 6


_ELEMENT_NAMES = {"title": "title", "subtitle": "subtitle", "xlabel": "x_label", "ylabel": "y_label", "xtick": "x_tick_labels",
                  "ytick": "y_tick_labels", "value": "value_labels", "legend": "legend_texts", "annotation": "annotations",
                  "colorbar": "colorbar_labels", "label": "labels", "text": "texts", "note": "notes", "logo": "logos",
                  "reference": "reference_labels", "callout": "callouts"}  # fmt: skip


def elements(measured: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if measured.get("plot"):
        out["plot_area"] = [round(v, 1) for v in measured["plot"]]
    for t in measured["texts"]:
        out.setdefault(_ELEMENT_NAMES.get(t["kind"], "texts"), []).append({"text": t["text"], "box": [round(v, 1) for v in t["box"]]})
    if measured.get("legend"):
        out["legends"] = [[round(v, 1) for v in measured["legend"]]]
    return out


def marks(spec: Any, measured: list[dict[str, Any]], meta: list[dict[str, Any] | None],
          measured_plot: list[float] | None = None) -> list[dict[str, Any]]:
    """Measured marks named by row, series and the value shown (as the table writes it)."""
    from factory.tabular import format_value

    table = spec.table
    out = []
    if spec.chart_type == "heatmap" and measured_plot is not None:
        x0, y0, x1, y1 = measured_plot
        rows, cols = len(table.rows), len(table.series)
        w, h = (x1 - x0) / cols, (y1 - y0) / rows
        for i in range(rows):
            for j in range(cols):
                value = format_value(table.rows[i][j + 1], table.series[j])
                box = [x0 + j * w, y0 + i * h, x0 + (j + 1) * w, y0 + (i + 1) * h]
                out.append(legibility.mark_entry("cell", i, j, value, box, table))
        return out
    for m in sorted(measured, key=lambda m: (m["trace"], m["i"] if isinstance(m["i"], int) else -1)):
        info = meta[m["trace"]] if 0 <= m["trace"] < len(meta) else None
        if info is None or not isinstance(m["i"], int) or m["i"] < 0:
            continue
        rows = info["rows"]
        if m["i"] >= len(rows):
            continue
        row, series = rows[m["i"]], info["series"]
        value = None
        if 0 <= series < len(table.series) and row < len(table.rows):
            value = format_value(table.rows[row][series + 1], table.series[series])
        elif series == -1 and info["kind"] in ("candle",):
            value = None
        out.append(legibility.mark_entry(info["kind"], row, series, value, m["box"], table))
    return out
