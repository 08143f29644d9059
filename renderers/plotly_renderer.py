"""Plotly charts drawn by plotly.js in the project's locked-down Chromium, measured and repaired.

One page per browser holds the plotly.js bundle that ships inside the `plotly` Python package,
inlined once (nothing is fetched: every request that is not data:/about: is refused and listed
in `render.page.requests_blocked`, as for pages). JavaScript runs on this page only; HTML pages
keep theirs off. Each chart is one `Plotly.newPlot` on that page, static (no hover layer), then
one script call measures every text and mark in the SVG, then a CDP screenshot of exactly the
figure's pixels. Fonts are the installed ones, named by family.

The figure drawn is the one `plotly.graph_objects.Figure` makes of the spec's data and layout
(template expanded), so the chart-to-code script, run through `render-factory render-chart`,
draws the same pixels.
"""

from __future__ import annotations

import base64
import functools
import importlib.metadata
import json
import logging
from pathlib import Path
from typing import Any

from factory.components import Render
from factory.errors import Dropped
from factory.generators.engine_specs import chart_texts
from factory.plotly_code import PLOTLY_CONFIG, plotly_figure, resolved_figure
from renderers import chromium
from renderers import engine_legibility as legibility
from renderers.chromium import ChromiumRenderer, _Crashed, _Hung, _png_size, _Watchdog

log = logging.getLogger(__name__)

# Draw, settle fonts, then measure: every <text> with its kind (from the classes Plotly gives
# its groups) and every mark of the traces the figure names, as boxes in page pixels.
_DRAW_JS = """async (a) => {
  const el = document.getElementById('chart');
  Plotly.purge(el);
  await Plotly.newPlot(el, a.fig.data, a.fig.layout, a.config);
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
    texts.push({kind, text: shown, box: R(r), fill: cs.fill, size: parseFloat(cs.fontSize)});
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
  const legend = el.querySelector('.legend .bg');
  const sz = gd._fullLayout._size;
  return JSON.stringify({texts, marks, legend: legend ? R(legend.getBoundingClientRect()) : null, plot_bottom: sz.t + sz.h,
                         plot: [sz.l, sz.t, sz.l + sz.w, sz.t + sz.h]});
}"""


@functools.lru_cache(maxsize=1)
def _page_html() -> str:
    import plotly

    bundle = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<style>html,body{margin:0;padding:0;background:transparent}#chart{position:absolute;left:0;top:0}svg text{unicode-bidi:plaintext}</style>"
        f"<script>{bundle}</script></head><body><div id='chart'></div></body></html>"
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
        tab = self._page(True)
        if not getattr(tab, "plotly_loaded", False):
            tab.page.set_content(_page_html(), wait_until="load")
            tab.plotly_loaded = True
        return tab

    def draw_figure(self, fig: dict[str, Any], width: int, height: int) -> tuple[bytes, dict[str, Any], list[str]]:
        """Draw a resolved figure; PNG bytes, measurements and refused requests. Retries once on a
        fresh browser when the first attempt hangs or crashes."""
        for attempt in (1, 2):
            try:
                return self._draw_once(fig, width, height)
            except _Hung:
                self._close_browser(kill=True)
                if attempt == 2:
                    raise Dropped("render_timeout", f"no chart within {self.options.timeout_ms} ms, twice") from None
            except _Crashed as exc:
                self._close_browser(kill=True)
                if attempt == 2:
                    raise Dropped("render_crash", str(exc)) from None
        raise AssertionError("unreachable")

    def _draw_once(self, fig: dict[str, Any], width: int, height: int) -> tuple[bytes, dict[str, Any], list[str]]:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self._ensure_browser()
        tab = self._plot_tab()
        self._blocked = []
        watchdog = _Watchdog(self.options.timeout_ms / 1000, self._browser_pid)
        try:
            with watchdog:
                tab.resize(width, height)
                measured = json.loads(tab.page.evaluate(_DRAW_JS, {"fig": fig, "config": PLOTLY_CONFIG}))
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
        png = base64.b64decode(shot["data"])
        if _png_size(png) != (width, height):
            raise Dropped("render_failed", f"screenshot is {_png_size(png)}, expected {(width, height)}")
        return png, measured, sorted({u[:300] for u in self._blocked})

    def render(self, source: Any) -> Render:
        spec = source.copy()
        legibility.ensure_glyphs(spec, chart_texts(spec), shapes=True)
        for attempt in range(1, legibility.MAX_DRAWS + 1):
            fig, mark_meta = plotly_figure(spec)
            resolved = resolved_figure(fig)
            png, measured, blocked = self.draw_figure(resolved, spec.width_px, spec.height_px)
            if _place_note(spec, measured):
                continue
            problems = legibility.find_problems(measured["texts"], spec.width_px, spec.height_px)
            if not problems:
                break
            done = legibility.repair(spec, problems) if attempt < legibility.MAX_DRAWS else None
            if done is None:
                first = next((p for p in problems if p.reason != "text_clipped"), problems[0])
                raise Dropped(first.reason, first.detail)
            spec.repairs.append(done)
        facts = {
            "repairs": list(spec.repairs),
            "elements": elements(measured),
            "marks": marks(spec, measured["marks"], mark_meta, measured.get("plot")),
            "page": {"requests_blocked": blocked},
            "quality": {"draws": attempt, "texts": len(measured["texts"]),
                        "min_text_px": round(min((t["size"] for t in measured["texts"]), default=0.0), 1)},
        }
        return Render(source=spec, encoded=png, encoded_format="png", width=spec.width_px, height=spec.height_px, facts=facts)


def _place_note(spec: Any, measured: dict[str, Any]) -> bool:
    """A note line (and a bottom logo) goes under everything else at the bottom: the depth of the
    x axis block below the plot is only known once drawn, so the first draw measures it and the
    spec records it (`note_gap`, `margin_b`) for the redraw and for the script. True to redraw."""
    s = spec.style
    if not (s.get("note") or s.get("logo", "").startswith("bottom")) or "note_gap" in s:
        return False
    furniture = {s.get("note", ""), "◆ " + s.get("logo_text", "")}
    plot_bottom = measured["plot_bottom"]
    below = [t["box"][3] for t in measured["texts"] if t["text"] not in furniture and t["box"][3] > plot_bottom - 1]
    gap = int(max(below, default=plot_bottom) - plot_bottom) + 6
    s["note_gap"] = gap
    s["margin_b"] = gap + int(1.6 * round(s["font_px"] * 0.8, 1)) + 8
    return True


_ELEMENT_NAMES = {"title": "title", "subtitle": "subtitle", "xlabel": "x_label", "ylabel": "y_label", "xtick": "x_tick_labels",
                  "ytick": "y_tick_labels", "value": "value_labels", "legend": "legend_texts", "annotation": "annotations",
                  "colorbar": "colorbar_labels", "label": "labels", "text": "texts"}  # fmt: skip


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
