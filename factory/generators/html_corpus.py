"""The "html_corpus" generator: your own web pages, made safe and rendered like generated ones.

`source` is a folder of pages with their local files, WARC files, JSONL or Parquet files with an
HTML column (WebSight-like), or a Hugging Face dataset saved with `save_to_disk`; a local path or
an fsspec URL (factory/corpus/readers.py). Every record is sanitized (factory/corpus/sanitize.py:
no script, nothing fetched from the network, local files served by the renderer), filtered
(factory/corpus/filters.py: language, duplicates) and rendered once per viewport in
`viewports`; the rendered page is checked (refused requests, visible text, near-identical
screenshots) before a task makes its targets.

What `samples` means for a corpus: the first ceil(samples / len(viewports)) records of the
corpus, in its order, are planned (all of them if it has fewer); each is one attempt per
viewport. A record that is dropped is counted in the manifest under its reason and is not
replaced by another, so a dataset holds at most `samples` samples. Shard k always reads the same
slice of the corpus, so the same corpus and recipe give the same shards with any executor.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from PIL import Image
from pydantic import Field, field_validator

from factory.components import Options, Render, RecordGenerator, to_jsonable
from factory.errors import Dropped, require

log = logging.getLogger(__name__)

VIEWPORT_SIZES = {"desktop": (1024, 768), "tablet": (768, 1024), "mobile": (390, 844)}  # Pix2Struct: 1024 wide


class DedupOptions(Options):
    exact: bool = Field(True, description="drop a page whose sanitized HTML an earlier page of the shard had")
    near_text: float | None = Field(
        0.8, gt=0, le=1, description="drop a page whose text is this similar (MinHash Jaccard) to an earlier one's; null: off"
    )
    near_image: int | None = Field(
        24, ge=0, le=128, description="drop a page whose screenshot's 256-bit perceptual hash is within this many bits of an earlier one's; null: off"
    )


class HtmlCorpusOptions(Options):
    source: str = Field(..., description="folder, file, glob or fsspec URL of the corpus")
    format: Literal["auto", "html", "warc", "jsonl", "parquet", "hf"] = Field("auto", description="what the source holds")
    html_column: str | None = Field(None, description="JSONL/Parquet/HF field with the HTML (default: html, text, content...)")
    url_column: str | None = Field(None, description="field with the page's URL (default: url, uri, link...)")
    license_column: str | None = Field(None, description="field with the page's licence (default: license, licence)")
    hf_split: str | None = Field(None, description="the split of a saved DatasetDict (default: train)")
    viewports: list[Literal["desktop", "tablet", "mobile"]] = Field(
        default_factory=lambda: ["desktop"], description="each record is rendered once per viewport listed"
    )
    full_page: bool = Field(True, description="capture the whole page, not just the first screen")
    max_height: int = Field(4000, ge=256, le=16384, description="capture at most this many CSS px of page height")
    max_record_bytes: int = Field(4_000_000, ge=1000, description="a larger record is dropped (record_too_large)")
    max_asset_bytes: int = Field(16_000_000, ge=0, description="local files served with one page, at most")
    min_text_chars: int = Field(50, ge=0, description="drop a page showing fewer characters of text (too_little_text)")
    languages: list[str] = Field(default_factory=list, description="ISO 639-1 codes to keep (empty: every language)")
    dedup: DedupOptions = Field(default_factory=DedupOptions)
    network: Literal["drop", "keep"] = Field(
        "drop", description="a page that still asked for a network resource (refused): drop it, or keep it"
    )

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        if not value:
            return value
        from factory.corpus.filters import known_languages

        known = known_languages()
        bad = [v for v in value if v.lower() not in known]
        if bad:
            raise ValueError(f"unknown language '{bad[0]}'; use ISO 639-1 codes: {', '.join(known)}")
        return list(dict.fromkeys(v.lower() for v in value))

    @field_validator("viewports")
    @classmethod
    def _some_viewport(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one viewport: desktop, tablet, mobile")
        return list(dict.fromkeys(value))


@dataclass
class CorpusPage:
    """A sanitized corpus page as plain data: what the renderer draws and where it came from."""

    html: str  # sanitized; local files at sanitize.ASSET_ORIGIN, remote pictures as placeholders
    viewport_width: int
    viewport_height: int
    full_page: bool
    max_height: int
    javascript: bool = False
    viewport: str = "desktop"
    provenance: dict[str, Any] = field(default_factory=dict)  # file, row/offset, url, license...
    title: str = ""
    language: str = ""  # identified from the text (ISO 639-1), '' when unknown
    content_sha256: str = ""
    sanitized: dict[str, int] = field(default_factory=dict)  # what the sanitizer removed or replaced
    assets: dict[str, Any] = field(default_factory=dict, repr=False)  # URL -> sanitize.Asset, served by the renderer

    layout_checks: ClassVar[bool] = False  # real pages overflow their boxes; only what the picture shows is a target

    @property
    def target_html(self) -> str:
        from factory.corpus.sanitize import target_html

        return target_html(self.html)


@dataclass
class RecordAttempt:
    record: Any  # factory.corpus.readers.Record
    viewport: str


@dataclass
class _Prepared:
    page: Any  # sanitize.SanitizedPage
    language: str
    digest: str


class HtmlCorpusGenerator(RecordGenerator):
    name: ClassVar[str] = "html_corpus"
    version: ClassVar[str] = "1"
    renderer: ClassVar[str] = "chromium"
    options_model: ClassVar[type[Options]] = HtmlCorpusOptions

    def __init__(self, options: HtmlCorpusOptions):
        super().__init__(options)
        self.options: HtmlCorpusOptions = options
        for module in ("selectolax", "warcio", "datasketch", "imagehash", "lingua"):
            require(module, "corpus", "the html_corpus generator")
        self._corpus: Any = None
        self._sanitizer: Any = None
        self._filter: Any = None
        self._current: tuple[Any, _Prepared | Dropped] | None = None

    @classmethod
    def open_corpus(cls, options: HtmlCorpusOptions) -> Any:
        from factory.corpus.readers import Corpus

        return Corpus(options.source, options.format, options.html_column, options.url_column,
                      options.license_column, options.hf_split, options.max_record_bytes, options.max_asset_bytes)

    @classmethod
    def variants_of(cls, options: HtmlCorpusOptions) -> int:
        return len(options.viewports)

    @property
    def corpus(self) -> Any:
        if self._corpus is None:
            from factory.corpus.sanitize import Sanitizer

            self._corpus = self.open_corpus(self.options)
            self._sanitizer = Sanitizer(self._corpus.read_asset, self.options.max_asset_bytes)
        return self._corpus

    def attempts(self, part: Any):
        from factory.corpus.filters import SliceFilter

        dedup = self.options.dedup
        self._filter = SliceFilter(dedup.exact, dedup.near_text, dedup.near_image)
        self._current = None
        for record in self.corpus.read(part):
            for viewport in self.options.viewports:
                yield RecordAttempt(record, viewport)

    def from_record(self, attempt: RecordAttempt, rng: np.random.Generator, seed: int) -> CorpusPage:
        opts = self.options
        record = attempt.record
        if record.error:
            reason, _, detail = record.error.partition(": ")
            raise Dropped(reason, f"{record.provenance}: {detail}"[:300])
        prepared = self._prepared(record)
        page = prepared.page
        provenance = dict(record.provenance)
        if page.license and "license" not in provenance:
            provenance["license"] = page.license
        width, height = VIEWPORT_SIZES[attempt.viewport]
        return CorpusPage(
            html=page.html,
            viewport_width=width,
            viewport_height=height,
            full_page=opts.full_page,
            max_height=opts.max_height,
            viewport=attempt.viewport,
            provenance=provenance,
            title=page.title,
            language=prepared.language,
            content_sha256=prepared.digest,
            sanitized=page.report,
            assets=page.assets,
        )

    def _prepared(self, record: Any) -> _Prepared:
        """The record sanitized and judged once, whatever the number of its viewports."""
        if self._current is None or self._current[0] is not record:
            try:
                value: _Prepared | Dropped = self._prepare(record)
            except Dropped as drop:
                value = drop
            self._current = (record, value)
        value = self._current[1]
        if isinstance(value, Dropped):
            raise Dropped(value.reason, value.detail)
        return value

    def _prepare(self, record: Any) -> _Prepared:
        from factory.corpus.filters import detect_language
        from factory.corpus.sanitize import content_hash, decode_html

        opts = self.options
        self.corpus  # noqa: B018 - opens the corpus and its sanitizer in a worker
        html = record.html if isinstance(record.html, str) else decode_html(record.html, record.charset)
        page = self._sanitizer.sanitize(html, record.page_rel, record.url)
        if len(page.text) < opts.min_text_chars:
            raise Dropped("too_little_text", f"{len(page.text)} characters of text in the page")
        language = detect_language(page.text)
        if opts.languages and language not in opts.languages:
            raise Dropped("language", f"{language or 'unknown'}, not one of {', '.join(opts.languages)}")
        digest = content_hash(page.html)
        self._filter.check_text(digest, page.text)
        return _Prepared(page, language, digest)

    def check(self, source: CorpusPage, render: Render, image: Image.Image) -> dict[str, Any]:
        from factory.tasks.simplified_html import text_spans

        page = render.facts.get("page") or {}
        blocked = page.get("requests_blocked") or []
        if blocked and self.options.network == "drop":
            raise Dropped("network_request", f"{len(blocked)} request(s) refused, first {blocked[0][:120]}")
        dom = render.facts.get("dom") or {}
        chars = sum(len(span["text"]) for span in text_spans(dom, (render.width, render.height)))
        if chars < self.options.min_text_chars:
            raise Dropped("too_little_text", f"{chars} characters of text in the picture")
        return {"visible_chars": chars, **self._filter.check_image(source.viewport, image)}

    def describe(self, source: CorpusPage) -> dict[str, Any]:
        spec = to_jsonable({k: v for k, v in source.__dict__.items() if k != "assets"})
        spec["assets"] = {
            url: {"bytes": len(asset.body), "sha256": hashlib.sha256(asset.body).hexdigest()[:16]}
            for url, asset in sorted(source.assets.items())
        }
        return spec
