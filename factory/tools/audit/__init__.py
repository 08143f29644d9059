"""`render-factory audit`: an independent reader of a finished dataset.

It reads what the factory wrote — each sample's image and json — and checks that the image shows
what the target claims, with its own code (nothing of the generators, renderers or tasks):

- **tokens found**: every text the json gives a box for (chart texts, page text nodes, table
  cells) is cut out of the image and read by OCR (Tesseract); a target token counts as found
  when the OCR of its own crop holds it. The crops of one sample are stacked into one strip
  (dark backgrounds inverted, small text scaled up, rotated tick labels turned level) so a
  sample costs one Tesseract call. A text with a token still missed is read again by the steps
  of one retry policy (`reading.readings`: digits only, without English, English alone, a crop
  without the rules and the neighbouring lines' ink, Tesseract's script models, for Ethiopic its legacy engine), each only while a token is missing; the
  words of every reading count, the matching is the same.
- **control reads**: a missed token's text is set again cleanly and read the same way: read
  there, it is the image's miss; missed there too, it is beyond the reader.
- **contrast**: each crop's text colour against its background, from the pixels (WCAG ratio;
  below 4.5:1, or 3:1 for text 24 px or taller, is low; below 1.5:1 is invisible).
- **boxes**: text boxes outside the canvas; chart value labels crossed by a mark (pixels in the
  label's box that are neither its background, its text, nor a blend of the two).
- **QA answerability**: each chart question's recorded reading is re-checked against the drawn
  texts.
- **blank width**: table images whose width is more than 25% blank.

Per task it reports these shares, and the worst samples with thumbnails, as one HTML page (like
`report`) and a JSON summary. It never writes into the dataset.

A damaged sample (its json or image unreadable, a box that is no four numbers) is skipped and named
(`texts.SampleDamage`), not the end of the audit; one sample's audit is bounded in memory and time
(`sample.MAX_TEXTS`, `MAX_TEXT_CHARS`, `READ_BUDGET_PX`: later texts are skipped and counted).

One job per module: `texts` (what a sample's json claims), `tokens` (token units and matching),
`languages` (which Tesseract model reads which text), `reading` (crops, strips, the retry policy),
`control` (control reads), `pixels` (contrast, marks, blank width), `qa` (answerability),
`sample` (one sample's audit), `summary` (a dataset's audit and its figures), `page` (the HTML
page and the command).

Why Tesseract: a Debian package (`tesseract-ocr`, Apache-2.0) with word boxes and confidences,
page-segmentation modes for sparse text, and no ONNX runtime or OpenCV wheels to install
(rapidocr-onnxruntime needs both, and its models are tuned for Chinese first).
"""

from factory.tools.audit.control import control_hits, control_image
from factory.tools.audit.languages import installed_languages, item_language, ocr_language, script_models
from factory.tools.audit.page import add_parser, cmd_audit, write_audit
from factory.tools.audit.pixels import crop_contrast, foreign_share, relative_luminance
from factory.tools.audit.qa import qa_problems
from factory.tools.audit.reading import OCR_INK_PX, Reading, ocr_items, prepare, read_texts, readings
from factory.tools.audit.sample import SampleAudit, audit_sample
from factory.tools.audit.summary import run_audit, summarise
from factory.tools.audit.texts import SampleDamage, TextItem, sample_locale, sample_serif, sample_texts
from factory.tools.audit.tokens import found, token_hits, tokens

__all__ = [
    "OCR_INK_PX", "Reading", "SampleAudit", "SampleDamage", "TextItem", "add_parser", "audit_sample", "cmd_audit", "control_hits", "control_image",
    "crop_contrast", "foreign_share", "found", "installed_languages", "item_language", "ocr_items", "ocr_language", "prepare",
    "qa_problems", "read_texts", "readings", "relative_luminance", "run_audit", "sample_locale", "sample_serif", "sample_texts", "script_models",
    "summarise", "token_hits", "tokens", "write_audit",
]  # fmt: skip
