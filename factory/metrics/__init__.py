"""Per-task scorers: the published metric of each task, on one prediction at a time.

A scorer takes the prediction text and the sample (its `txt` target, its json, its image) and
returns metrics in [0, 1]; `aggregate` turns a task's per-sample rows into the numbers of the
score table (x100). The metric modules beside this one hold the reimplementations and say where
each comes from. Tasks without a metric of their own (a new task) get exact match and
normalized edit similarity.
"""

from __future__ import annotations

import io
import json
import logging
import types
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from factory.errors import FactoryError

log = logging.getLogger(__name__)


class Scorer:
    task: ClassVar[str] = ""
    metrics: ClassVar[tuple[str, ...]] = ()  # the first is the task's headline metric
    source: ClassVar[str] = ""  # where the metric comes from, for the score page

    def score(self, prediction: str, target: str, meta: dict[str, Any], image: bytes) -> dict[str, float]:
        raise NotImplementedError

    def aggregate(self, rows: list[dict[str, float]]) -> dict[str, float]:
        """Mean of each metric over the rows, as a percentage."""
        return {m: 100.0 * float(np.mean([r[m] for r in rows])) for m in self.metrics} if rows else {}

    def close(self) -> None:
        pass


class ChartToTable(Scorer):
    task = "chart_to_table"
    metrics = ("rms_f1", "rms_precision", "rms_recall", "rnss")
    source = "DePlot RMS (Liu et al. 2023, deplot/metrics.py) and ChartQA RNSS (Masry et al. 2022)"

    def score(self, prediction, target, meta, image):
        from factory.metrics.chart_table import rms, rnss

        p, r, f = rms(target, prediction)
        return {"rms_f1": f, "rms_precision": p, "rms_recall": r, "rnss": rnss(target, prediction)}


class ChartQA(Scorer):
    """ChartQA's relaxed accuracy on the final answer, numbers read as the sample writes them
    (factory/metrics/qa_answers.py); table_qa and document_table_qa use it too."""

    task = "chart_qa"
    metrics = ("relaxed_accuracy", "exact_match", "program_match")  # program_match: rationale targets only
    source = ("ChartQA relaxed accuracy, 5% numeric tolerance (Masry et al. 2022; pix2struct/metrics.py), on the final answer "
              "(a rationale's last 'answer:' line); numbers float() cannot read are read with the sample's digits, separators, "
              "signs, '%' and currency, text compared case-folded without surrounding punctuation; exact match of the final answer")

    def style(self, meta: dict[str, Any]):
        from factory.metrics.qa_answers import CHART

        return CHART

    def score(self, prediction, target, meta, image):
        from factory.metrics.qa_answers import score_answer

        return score_answer(target, prediction, self.style(meta))

    def aggregate(self, rows):
        """Means as a percentage; program_match only when every row has one (rationale targets)."""
        if not rows:
            return {}
        return {m: 100.0 * float(np.mean([r[m] for r in rows])) for m in self.metrics if all(m in r for r in rows)}


class TableQA(ChartQA):
    task = "table_qa"

    def style(self, meta):
        from factory.metrics.qa_answers import NumberStyle
        from factory.tasks.table_qa import SEPARATORS

        digits = ((_source(meta).get("theme") or {}).get("digits")) or "latn"
        return NumberStyle(*SEPARATORS.get(digits, (".", ",")))


class DocumentTableQA(ChartQA):
    task = "document_table_qa"

    def style(self, meta):
        """The document's separators (`document_questions.separators`, its numbering read off its
        printed digits as the task reads it) and its currency's symbol and code, from its json."""
        from babel import numbers

        from factory.generators.doc_locale import SUPPORTED, doc_locale
        from factory.metrics.qa_answers import NumberStyle, clean
        from factory.tasks.document_questions import numbering, separators

        source = _source(meta)
        genre, locale, fields = str(source.get("genre", "")), str(source.get("locale", "")), source.get("fields") or {}
        if locale not in SUPPORTED:
            return NumberStyle(".", ",")
        loc = doc_locale(locale, numbering(genre, fields))
        decimal, group = separators(loc)
        symbol = numbers.get_currency_symbol(loc.currency, locale=loc.babel)
        currencies = tuple(sorted({clean(symbol), loc.currency} - {""}, key=len, reverse=True))
        return NumberStyle(clean(decimal), clean(group) or " ", currencies)  # a space-like group separator: ' ', as targets write it


def _source(meta: dict[str, Any]) -> dict[str, Any]:
    source = meta.get("source") or {}
    return json.loads(source) if isinstance(source, str) else source


class TableToHtml(Scorer):
    task = "table_to_html"
    metrics = ("teds", "teds_struct")
    source = "PubTabNet TEDS and TEDS-struct (Zhong et al. 2020, src/metric.py), APTED tree edit distance"

    def score(self, prediction, target, meta, image):
        from factory.metrics.teds import teds

        return {"teds": teds(target, prediction), "teds_struct": teds(target, prediction, structure_only=True)}


class Parsing(Scorer):
    task = "screenshot_parsing"
    metrics = ("edit_similarity", "token_f1", "anls")
    source = "1 - normalized Levenshtein distance, ANLS (theta 0.5, Biten et al. 2019) and token F1"

    def score(self, prediction, target, meta, image):
        from factory.metrics.text import anls, edit_similarity, token_f1

        return {"edit_similarity": edit_similarity(target, prediction), "token_f1": token_f1(target, prediction)[2],
                "anls": anls(target, prediction)}  # fmt: skip


class DocumentParsing(Parsing):
    task = "document_parsing"


class DocumentToJson(Scorer):
    task = "document_to_json"
    metrics = ("field_f1", "ted_accuracy")
    source = "Donut field-level F1 (micro-averaged over the set) and nTED accuracy (Kim et al. 2022, donut/util.py)"

    def score(self, prediction, target, meta, image):
        from factory.metrics.json_fields import field_counts, parse_json, ted_accuracy

        truth, pred = parse_json(target), parse_json(prediction)
        tp, fp, fn = field_counts(truth, pred)
        return {"ted_accuracy": ted_accuracy(truth, pred), "field_f1": tp / (tp + (fp + fn) / 2) if tp + fp + fn else 1.0,
                "_tp": tp, "_fp": fp, "_fn": fn}  # fmt: skip

    def aggregate(self, rows):
        from factory.metrics.json_fields import f1_from_counts

        if not rows:
            return {}
        counts = [sum(int(r[k]) for r in rows) for k in ("_tp", "_fp", "_fn")]
        return {"field_f1": 100.0 * f1_from_counts(*counts), "ted_accuracy": 100.0 * float(np.mean([r["ted_accuracy"] for r in rows]))}


class ChartToCode(Scorer):
    task = "chart_to_code"
    metrics = ("ssim", "data", "executes")
    source = ("runs the code in a sandbox (a Matplotlib or Plotly script; a Vega-Lite spec drawn there by vl-convert); SSIM "
              "(Wang et al. 2004) of the pictures, RNSS of the plotted numbers")

    def __init__(self, timeout: float = 60.0, browser: str | None = None):
        from factory.metrics.sandbox import Sandbox

        self.sandbox = Sandbox(timeout)
        self.settings = {"executable": browser} if browser else None
        self._plotly: Any = None

    def score(self, prediction, target, meta, image):
        from factory.metrics.chart_code import data_similarity, picture_similarity

        engine = str((meta.get("source") or {}).get("engine", "matplotlib"))
        if engine == "vega_lite":
            ref_values, (values, picture, ok, error) = self._vega_values(target), self._vega_run(prediction)
        else:
            mode = "plotly" if engine == "plotly" else "matplotlib"
            reference_run = self.sandbox.start(target, mode)  # both at once: two cores, one wait
            predicted_run = self.sandbox.start(prediction, mode)
            reference, predicted = reference_run.wait(), predicted_run.wait()
            if not reference.ok and reference.image is None and reference.figure is None:
                raise FactoryError(f"sample {meta.get('key')}: its own {engine} code did not run ({reference.error}); run render-factory verify")
            ref_values, values, error = reference.values, predicted.values, predicted.error
            if mode == "matplotlib":
                picture = predicted.image
            else:
                picture, why = self._plotly_draw(predicted.figure)
                error = error or why
            ok = predicted.ok
        executes = ok and picture is not None
        return {
            "ssim": picture_similarity(Image.open(io.BytesIO(image)), picture),
            "data": data_similarity(ref_values, values) if picture is not None else 0.0,
            "executes": float(executes),
            "_error": error or ("the figure could not be drawn" if picture is None else ""),
        }

    def _plotly_draw(self, figure: dict | None) -> tuple[bytes | None, str]:
        """A predicted figure's picture, or None and why it could not be drawn."""
        from factory.errors import Dropped
        from factory.metrics.sandbox import figure_size

        if not figure:
            return None, ""
        try:
            width, height = figure_size(figure)
        except ValueError as exc:
            return None, str(exc)
        if self._plotly is None:
            from renderers.plotly_renderer import PlotlyRenderer

            self._plotly = PlotlyRenderer(self.settings)
        try:
            return self._plotly.draw_figure(figure, width, height)[0], ""
        except (Dropped, ValueError, TypeError, KeyError) as exc:
            log.info("a predicted Plotly figure could not be drawn: %s", exc)
            return None, f"the figure could not be drawn: {str(exc)[:300]}"

    def _vega_values(self, text: str) -> list[float]:
        from factory.metrics.chart_code import vega_data_numbers
        from factory.metrics.sandbox import check_vega

        try:
            return vega_data_numbers(check_vega(text))
        except ValueError:
            return []

    def _vega_run(self, text: str) -> tuple[list[float], bytes | None, bool, str]:
        """The prediction's numbers and its picture, drawn in the sandbox: a spec that cannot be
        drawn (invalid, too big, or killing its process) scores 0 with its reason."""
        drawn = self.sandbox.draw_vega(text)
        if drawn.image is None:
            return [], None, False, drawn.error or "the spec could not be drawn"
        return self._vega_values(text), drawn.image, drawn.ok, ""

    def close(self):
        if self._plotly is not None:
            self._plotly.close()
        self._plotly = None


class ScreenshotToHtml(Scorer):
    task = "screenshot_to_html"
    metrics = ("visual", "block_match", "text", "position", "color")
    source = "Design2Code block-match, text, position and colour scores (Si et al. 2024), no CLIP; visual = their mean"

    def __init__(self, browser: str | None = None, timeout_ms: int = 15000):
        self.settings = {"timeout_ms": timeout_ms, **({"executable": browser} if browser else {})}
        self._renderer = None

    def _render(self, html: str, source: dict[str, Any]) -> tuple[list, np.ndarray]:
        from factory.errors import Dropped
        from factory.metrics.design2code import blocks_from_render
        from renderers.chromium import ChromiumRenderer

        if self._renderer is None:
            self._renderer = ChromiumRenderer(self.settings)
        page = types.SimpleNamespace(
            html=html, viewport_width=int(source.get("viewport_width") or 1280), viewport_height=int(source.get("viewport_height") or 800),
            full_page=bool(source.get("full_page", True)), max_height=int(source.get("max_height") or 4000), javascript=False,
        )  # fmt: skip
        try:
            render = self._renderer.render(page)
        except Dropped:
            return [], np.zeros((1, 1, 3), np.uint8)
        pixels = np.asarray(Image.open(io.BytesIO(render.encoded)).convert("RGB"))
        texts = [(b["text"], b["box"]) for b in render.facts.get("boxes", []) if b.get("kind") == "text"]
        return blocks_from_render(texts, pixels), pixels

    def score(self, prediction, target, meta, image):
        from factory.metrics.design2code import visual_scores

        source = meta.get("source") or {}
        assets = embedded_assets(str(source.get("html", "")))
        ref_blocks, _ = self._render(with_assets(target, assets), source)
        pred_blocks, _ = self._render(with_assets(prediction, assets), source)
        scores = visual_scores(pred_blocks, ref_blocks)
        return {"visual": scores["overall"], **{k: scores[k] for k in ("block_match", "text", "position", "color")}}

    def close(self):
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None


class TextFallback(Scorer):
    metrics = ("edit_similarity", "exact_match")
    source = "no published metric registered for this task: 1 - normalized Levenshtein distance and exact match"

    def __init__(self, task: str):
        self.task = task  # type: ignore[misc]

    def score(self, prediction, target, meta, image):
        from factory.metrics.text import edit_similarity

        return {"edit_similarity": edit_similarity(target, prediction), "exact_match": float(prediction.strip() == target.strip())}


SCORERS: dict[str, type[Scorer]] = {
    cls.task: cls
    for cls in (ChartToTable, ChartQA, TableQA, DocumentTableQA, ChartToCode, TableToHtml, Parsing, DocumentParsing, DocumentToJson,
                ScreenshotToHtml)
}


def make_scorer(task: str, options: dict[str, Any]) -> Scorer:
    cls = SCORERS.get(task)
    if cls is None:
        return TextFallback(task)
    if cls is ChartToCode:
        return ChartToCode(options.get("timeout", 60.0), options.get("browser"))
    if cls is ScreenshotToHtml:
        return ScreenshotToHtml(options.get("browser"))
    return cls()


# --- pictures a page target names by file ------------------------------------------------------

_ASSET = "assets/{name}.png"


def embedded_assets(html: str) -> dict[str, str]:
    """name -> data: URI of every picture the sample's renderable HTML embeds (`data-src-name`)."""
    import re

    return {m.group(2): m.group(1) for m in re.finditer(r'src="(data:image/[a-z]+;base64,[A-Za-z0-9+/=]*)" data-src-name="([^"]+)"', html)}


def with_assets(html: str, assets: dict[str, str]) -> str:
    """The page with `assets/<name>.png` pointing at the sample's own pictures again.

    A screenshot-to-HTML target names its pictures by file (DESIGN.md section 6); the renderer
    fetches nothing, so a prediction that names them the same way gets them back, and a perfect
    prediction renders exactly as the sample did.
    """
    for name, uri in assets.items():
        html = html.replace(f'src="{_ASSET.format(name=name)}"', f'src="{uri}" data-src-name="{name}"')
    return html


def describe_metric_sources() -> dict[str, str]:
    return {task: cls.source for task, cls in SCORERS.items()}

