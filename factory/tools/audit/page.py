"""The audit's HTML page (one file like `report`, worst samples with thumbnails) and its command,
`render-factory audit`."""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
from pathlib import Path
from typing import Any

import jinja2
from PIL import Image, ImageDraw

from factory.errors import FactoryError
from factory.tools.audit.summary import run_audit
from factory.tools.html_page import page_head
from factory.tools.outputs import check_outputs, write_file
from factory.tools.preview import load_manifest

THUMB_PX = 360
log = logging.getLogger(__name__)


def _thumbnail(image_bytes: bytes, boxes: list[list[float]]) -> str:
    image = Image.open(io.BytesIO(image_bytes)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle([x0 - 2, y0 - 2, x1 + 2, y1 + 2], outline=(220, 30, 30), width=3)
    image.thumbnail((THUMB_PX, THUMB_PX * 3))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


PAGE = jinja2.Template(
    page_head('Audit: {{ s.name }}')
    + """
<body>
<h1>Audit: {{ s.name }}</h1>
<div class="muted">{{ s.samples_audited }} of {{ s.samples_in_dataset }} samples read in {{ s.seconds }} s with {{ s.ocr }}; dataset <code>{{ s.dataset }}</code>.
Nothing in the dataset was changed.</div>
<p>Every text the json gives a box for is cut out of the image and read by OCR; a token is found when the OCR of its own crop holds it.
A missed token's text is then set again cleanly (black on white, a Noto face of its script, at the image's ink height) and read the same way:
read there, it is the image's miss; missed there too, it is beyond the reader (Tesseract), not the image's fault.
Contrast is measured from the pixels (WCAG: below 4.5:1 is low, 3:1 for large text; below 1.5:1 is invisible).
Chart questions are re-checked against the drawn texts.</p>

{% for note in s.ocr_notes %}<p class="warn">OCR: {{ note }}</p>{% endfor %}
{% if s.samples_skipped %}<p class="warn">{{ s.samples_skipped }} damaged sample(s) skipped, not audited (run <code>render-factory verify</code> on the dataset):</p>
<ul>{% for k in s.skipped %}<li><code>{{ k.key }}</code> in <code>{{ k.shard }}</code>: {{ k.reason }}</li>{% endfor %}
{% if s.samples_skipped > s.skipped|length %}<li>and {{ s.samples_skipped - s.skipped|length }} more</li>{% endif %}</ul>{% endif %}
{% if s.texts_skipped %}<p class="warn">{{ s.texts_skipped }} text(s) past a sample's bounds skipped, not audited (at most {{ s.bounds.texts_per_sample }} texts
of at most {{ s.bounds.text_chars }} characters a sample, whose boxes and control lines come to at most {{ s.bounds.read_px_per_sample }} pixels).</p>{% endif %}

<h2>Per task</h2>
<table><tr><th>task</th><th>samples</th><th>tokens</th><th>tokens found</th><th>image misses (beyond the reader)</th><th>found or beyond the reader</th><th>low-contrast texts (samples)</th><th>invisible texts (samples)</th>
<th>boxes outside canvas</th><th>value labels crossed by marks</th><th>questions (unanswerable)</th><th>tables &gt;25% blank</th></tr>
{% for task, t in s.tasks.items() %}<tr><td>{{ task }}</td><td class="num">{{ t.samples }}</td><td class="num">{{ t.tokens }}</td>
<td class="num">{{ t.tokens_found }}</td><td class="num {{ 'warn' if t.tokens_image_misses else 'ok' }}">{{ t.tokens_image_misses }} ({{ t.tokens_beyond_reader }})</td>
<td class="num">{{ t.tokens_found_or_beyond_reader }}</td><td class="num">{{ t.texts_low_contrast }} ({{ t.samples_low_contrast }})</td>
<td class="num {{ 'warn' if t.texts_invisible else 'ok' }}">{{ t.texts_invisible }} ({{ t.samples_invisible_text }})</td>
<td class="num">{{ t.boxes_outside_canvas }}</td><td class="num">{{ t.value_labels_crossed_by_marks }}</td>
<td class="num {{ 'warn' if t.questions_unanswerable else '' }}">{{ t.questions }} ({{ t.questions_unanswerable }})</td>
<td class="num">{{ '' if t.tables_over_25pct_blank_width is none else t.tables_over_25pct_blank_width }}</td></tr>{% endfor %}
</table>

<h2>Per renderer</h2>
<table><tr><th>renderer</th><th>samples</th><th>tokens found</th><th>samples with invisible text</th><th>low-contrast texts</th><th>unanswerable questions</th></tr>
{% for name, r in s.renderers.items() %}<tr><td>{{ name }}</td><td class="num">{{ r.samples }}</td><td class="num">{{ r.tokens_found }}</td>
<td class="num">{{ r.samples_invisible_text }}</td><td class="num">{{ r.texts_low_contrast }}</td><td class="num">{{ r.questions_unanswerable }}</td></tr>{% endfor %}
</table>

<h2>Per locale</h2>
<p class="muted">Each sample is read with the Tesseract model of its locale and English's (numbers and Latin names appear in every script).</p>
<table><tr><th>locale</th><th>OCR language</th><th>samples</th><th>tokens found</th><th>image misses (beyond the reader)</th><th>found or beyond the reader</th><th>samples with invisible text</th><th>low-contrast texts</th></tr>
{% for name, r in s.locales.items() %}<tr><td>{{ name }}</td><td>{{ r.ocr_language }}</td><td class="num">{{ r.samples }}</td><td class="num">{{ r.tokens_found }}</td>
<td class="num">{{ r.tokens_image_misses }} ({{ r.tokens_beyond_reader }})</td><td class="num">{{ r.tokens_found_or_beyond_reader }}</td>
<td class="num">{{ r.samples_invisible_text }}</td><td class="num">{{ r.texts_low_contrast }}</td></tr>{% endfor %}
</table>

<h2>Worst samples</h2>
<p class="muted">Per task, the samples with the most missing tokens and flags; red boxes mark texts with a token OCR did not find.</p>
{% for task, t in s.tasks.items() %}<h3>{{ task }}</h3>
<table><tr><th>sample</th><th>picture</th><th>what the audit found</th></tr>
{% for w in t.worst %}<tr><td><code>{{ w.key }}</code><br>{{ w.kind }}<br>{{ w.found }} of {{ w.tokens }} tokens</td>
<td>{% if thumbs.get(w.key) %}<img alt="{{ w.key }}" src="{{ thumbs[w.key] }}">{% endif %}</td>
<td>{% for label, items in [("missing", w.missing), ("missed in the image, read in the control", w.image_misses), ("low contrast", w.low_contrast), ("invisible", w.invisible), ("outside the canvas", w.outside), ("crossed by a mark", w.crossed), ("unanswerable", w.unanswerable)] %}
{% if items %}<b>{{ label }}</b>: {% for i in items %}<code>{{ i }}</code>{% if not loop.last %}; {% endif %}{% endfor %}<br>{% endif %}{% endfor %}
{% if w.texts_skipped %}<b>texts skipped (past the bounds)</b>: {{ w.texts_skipped }}{% endif %}</td></tr>{% endfor %}
</table>{% endfor %}
</body>
</html>
""",
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def write_audit(dataset: str, out: str | Path, json_out: str | Path | None = None, samples: int = 300,
                workers: int | None = None) -> tuple[Path, Path, dict[str, Any]]:
    load_manifest(dataset)  # a folder that is no dataset says so first
    json_option = "--json" if json_out else "--json (by default --out's path with .json)"
    paths = check_outputs({"--out": out, json_option: json_out or Path(out).with_suffix(".json")}, read_only_folders={"dataset": dataset})
    summary, results, images = run_audit(dataset, samples, workers)
    by_key = {r.key: r for r in results}
    thumbs = {key: _thumbnail(image, by_key[key].missing_boxes) for key, image in images.items()}
    page = PAGE.render(s=summary, thumbs=thumbs)
    path = write_file(paths["--out"], page, "audit page")
    json_path = write_file(paths[json_option], json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "audit summary")
    return path, json_path, summary


MAX_SKIPPED_SHOWN = 10  # console lines naming damaged samples (the JSON names more, the page too)


def cmd_audit(args: argparse.Namespace) -> int:
    path, json_path, summary = write_audit(args.dataset, args.out, args.json, args.samples, args.workers)
    for skipped in summary["skipped"][:MAX_SKIPPED_SHOWN]:
        log.warning("warning: skipped damaged sample %s in %s: %s", skipped["key"], skipped["shard"], skipped["reason"])
    if summary["samples_skipped"] > MAX_SKIPPED_SHOWN:
        log.warning("warning: %d more damaged samples skipped; the JSON summary names them", summary["samples_skipped"] - MAX_SKIPPED_SHOWN)
    if summary["texts_skipped"]:
        log.warning("warning: %d texts past a sample's bounds skipped (texts_skipped in the JSON; README: audit bounds)", summary["texts_skipped"])
    if not summary["samples_audited"]:
        raise FactoryError(f"none of the {summary['samples_skipped']} samples read could be audited, every one is damaged "
                           f"(first: {summary['skipped'][0]['reason']}); they are named in {json_path.resolve()}; run render-factory verify on the dataset")
    for task, t in summary["tasks"].items():
        print(f"{task}: {t['samples']} samples, tokens found {t['tokens_found']} (image misses {t['tokens_image_misses']}, "
              f"beyond the reader {t['tokens_beyond_reader']}), invisible-text samples "
              f"{t['samples_invisible_text']}, low-contrast texts {t['texts_low_contrast']}, questions unanswerable "
              f"{t['questions_unanswerable']} of {t['questions']}")
    for note in summary["ocr_notes"]:
        print(f"note: {note}")
    print(f"audit of {summary['samples_audited']} samples written to {path.resolve()} and {json_path.resolve()}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from factory.cli import worker_count  # the rule `generate --workers` follows: a whole number, at least 1

    p = subparsers.add_parser("audit", help="read a finished dataset with OCR: is every target token legible in its image?")
    p.add_argument("dataset", help="dataset folder or URL (holds manifest.json)")
    p.add_argument("--samples", type=int, default=300, help="audit at most this many samples, spread over the shards (default 300)")
    p.add_argument("--out", default="audit.html", help="HTML page to write (default: audit.html)")
    p.add_argument("--json", help="JSON summary to write (default: the page's name with .json)")
    p.add_argument("--workers", type=worker_count, help="OCR processes, at least 1 (default and most: all cores, and one per sample)")
    p.set_defaults(func=cmd_audit)
