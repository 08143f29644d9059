"""Tasks on rendered documents: to JSON (Donut/CORD), full-text reading (SynthDoG) and QA.

All three read the document source (fields, QA pairs: plain data) and the renderer's facts: the
DOM tree with each element's box (`facts["dom"]`; every printed field value sits in an element
marked `data-field="<path>"`), every visible word with its box, block and text node
(`facts["words"]`) and the page heights. Every document sample carries all three targets in
`json` (`targets.fields`, `targets.text`, `targets.lines`, `targets.field_boxes`, `targets.qa`),
whatever its primary task, so samples never differ in shape. Word boxes are the renderer's
(`render.words`: text, box, block, text node, space before); a line's and a field's `words` are
index ranges [first, end) into that list.

Checks, each a counted drop reason, so that the picture shows exactly what the targets say:
- `page_overflow`: the content runs past the sheet (or the longest receipt);
- `text_overflow`: text sticks out of its element or off the page (as for web pages);
- `field_not_rendered`: a field's element is missing, hidden or outside the picture;
- `field_mismatch`: the words drawn in a field's element are not its value (e.g. cut or re-flowed);
- `low_contrast`: a field's box does not show ink against its background (WCAG ratio of the
  darkest and lightest pixels below 3:1, measured on the picture: also catches covered text).

Boxes are `[x0, y0, x1, y1]` in image pixels, always under a "box" key. A field whose value runs
over several lines also has `line_boxes` ([{"box": ...}], one per line): its `box` (their union) can then hold other text too, such as a label
printed before the value's first line. Values in targets are written as `plain()` text:
Babel's no-break spaces as ordinary spaces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from factory import images
from factory.components import Options, Render, Targets, Task
from factory.errors import Dropped
from factory.generators.doc_content import flatten
from factory.generators.doc_locale import doc_locale, plain
from factory.tasks.document_questions import GRID_GENRES
from factory.tasks.page_tasks import check_text_fits

PROMPTS = {
    "document_to_json": "Extract the fields of this {genre} as JSON.",
    "document_parsing": "Read all the text of this document.",
}
GENRE_NAMES = {"invoice": "invoice", "receipt": "receipt", "purchase_order": "purchase order",
               "statement": "account statement", "form": "form", "resume": "résumé", "letter": "letter",
               "paper": "paper"}
MIN_FIELD_CONTRAST = 3.0  # measured on pixels: anti-aliased strokes never reach the CSS colour
EDGE_TOLERANCE = 1  # px a word box may touch outside the picture (outward rounding)


@dataclass
class DocumentReading:
    """Everything the three tasks need, computed once per sample."""

    lines: list[dict[str, Any]]
    field_boxes: list[dict[str, Any]]
    text: str


def target_json(fields: dict[str, Any]) -> str:
    """The JSON target: the fields in schema order, values as printed (plain spaces), one line."""
    return json.dumps(_plain_values(fields), ensure_ascii=False)


def _plain_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_values(v) for v in value]
    if isinstance(value, str):
        return plain(value)
    return value


def _squash(text: str) -> str:
    return "".join(plain(text).split())


def _field_nodes(dom: dict[str, Any]) -> dict[str, tuple[dict[str, Any], int, int, list[dict]]]:
    """data-field path -> (element, first and end index of its visible text nodes, its <math> nodes).

    Text nodes are numbered as the renderer numbers words' `node`: visible ones, in document order.
    """
    found: dict[str, tuple[dict[str, Any], int, int, list[dict]]] = {}
    counter = 0

    def walk(node: dict[str, Any], open_fields: list[tuple[str, dict, int, list]]) -> None:
        nonlocal counter
        if node.get("tag") == "#text":
            if node.get("visible"):
                counter += 1
            return
        if node.get("tag") == "math":
            for entry in open_fields:
                entry[3].append(node)
        path = (node.get("attrs") or {}).get("data-field")
        mine = None
        if path is not None:
            mine = (path, node, counter, [])
            open_fields = [*open_fields, mine]
        for child in node.get("children") or ():
            walk(child, open_fields)
        if mine is not None:
            found[path] = (node, mine[2], counter, mine[3])

    walk(dom, [])
    return found


def _without_math(node: dict[str, Any]) -> dict[str, Any]:
    """The DOM facts with the insides of <math> elements left out (copying only what changes).

    A formula's token elements (<mi>, <mo>) are boxes as tight as their glyphs while the text
    range spans the font's whole ascent and descent, so the page overflow rule would reject every
    formula; the formula is checked as one word instead (its box inside the picture).
    """
    if node.get("tag") == "math":
        return {**node, "children": []}
    children = node.get("children")
    if not children:
        return node
    pruned = [_without_math(child) for child in children]
    if all(a is b for a, b in zip(pruned, children)):
        return node
    return {**node, "children": pruned}


def _union(boxes: list[list[int]]) -> list[int]:
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def _as_box(box: list[float]) -> list[int]:
    return [int(v) for v in box]


def _center_in(word_box: list[int], box: list[int]) -> bool:
    cx, cy = (word_box[0] + word_box[2]) / 2, (word_box[1] + word_box[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def group_lines(words: list[dict[str, Any]], rtl: bool = False) -> list[dict[str, Any]]:
    """Words in reading order (document order) -> lines.

    A word continues the current line when its middle lies within the line's height and it
    moves on in the writing direction (right in left-to-right text), whatever block it is in:
    a label and its value, or the cells of a table row, read as one line; the next column of a
    page, a wrapped line or a block further down starts a new one.
    """
    lines: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for i, word in enumerate(words):
        x0, y0, x1, y1 = word["box"]
        mid = (y0 + y1) / 2
        same = False
        if current is not None:
            cx0, cy0, cx1, cy1 = current["box"]
            onward = x1 <= current["last"][0] + 1 if rtl else x0 >= current["last"][2] - 1
            same = cy0 <= mid <= cy1 and (onward or word["block"] == current["block"])
        if same:
            assert current is not None
            glued = word["block"] == current["block"] and not word.get("space", True)  # "Fermi<sup>1</sup>"
            current["text"] += ("" if glued else " ") + word["text"]
            box = current["box"]
            box[0], box[1], box[2], box[3] = min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)
            current["words"][1] = i + 1
            current["last"], current["block"] = word["box"], word["block"]
        else:
            current = {"text": word["text"], "box": list(word["box"]), "words": [i, i + 1], "block": word["block"],
                       "last": word["box"]}
            lines.append(current)
    for line in lines:
        del line["block"], line["last"]
        line["text"] = plain(line["text"])
    return lines


def _srgb_luminance() -> np.ndarray:
    c = np.arange(256, dtype=np.float64) / 255.0
    return np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


LUMINANCE = _srgb_luminance()  # grey level -> WCAG relative luminance


def field_contrast(grey: np.ndarray, box: list[int] | None = None) -> float:
    """WCAG contrast between the darkest and lightest 2% of a box's pixels (ink against paper).

    Measured on grey levels (Pillow's "L": luma of the sRGB values), which for the ink colours
    documents use is within a few percent of their WCAG luminance; a histogram per box keeps it
    to microseconds. `grey` is the picture and `box` the field's, or `grey` is the box's crop.
    """
    crop = grey
    if box is not None:
        x0, y0, x1, y1 = box
        crop = grey[max(0, y0):y1, max(0, x0):x1]
    if crop.size == 0:
        return 1.0
    cdf = np.cumsum(np.bincount(crop.ravel(), minlength=256))
    lo = int(np.searchsorted(cdf, 0.02 * cdf[-1]))
    hi = int(np.searchsorted(cdf, 0.98 * cdf[-1]))
    return float((LUMINANCE[hi] + 0.05) / (LUMINANCE[lo] + 0.05))


def read_document(source: Any, render: Render) -> DocumentReading:
    """Check the render and collect words, lines and field boxes (or raise Dropped)."""
    facts = render.facts
    page = facts.get("page") or {}
    if page.get("truncated"):
        raise Dropped("page_overflow", f"content {page.get('document_height')} px tall, sheet {page.get('captured_height')} px")
    dom = facts["dom"]
    check_text_fits(_without_math(dom), render.width)
    raw_words = facts.get("words")
    if raw_words is None:
        raise ValueError("document tasks need word boxes: render the source with measure_words=True")
    for word in raw_words:
        x0, y0, x1, y1 = word["box"]
        if x0 < -EDGE_TOLERANCE or y0 < -EDGE_TOLERANCE or x1 > render.width + EDGE_TOLERANCE or y1 > render.height + EDGE_TOLERANCE:
            raise Dropped("text_overflow", f"word {word['text'][:30]!r} at {word['box']} leaves the {render.width}x{render.height} picture")
    nodes = _field_nodes(dom)
    by_node: dict[int, list[int]] = {}
    for i, word in enumerate(raw_words):
        by_node.setdefault(word["node"], []).append(i)
    math_words = [i for i, word in enumerate(raw_words) if word.get("kind") == "math"]
    grey = None
    field_boxes = []
    for path, value in flatten(source.fields):
        if path not in nodes:
            raise Dropped("field_not_rendered", f"no element for field {path}")
        node, start, end, maths = nodes[path]
        if not node.get("visible"):
            raise Dropped("field_not_rendered", f"field {path} is not visible")
        mine = [i for k in range(start, end) for i in by_node.get(k, ())]
        for math in maths:
            mbox = _as_box(math["box"])
            mine += [i for i in math_words if _center_in(raw_words[i]["box"], mbox)]
        mine.sort()
        if isinstance(value, bool):  # a checkbox: its box is the drawn box
            box = _as_box(node["box"])
            text = value
        else:
            if not mine:
                raise Dropped("field_not_rendered", f"field {path} draws no words")
            shown = "".join(raw_words[i]["text"] for i in mine)
            if _squash(shown) != _squash(value):
                raise Dropped("field_mismatch", f"field {path}: drawn {shown[:40]!r}, value {value[:40]!r}")
            box = _union([raw_words[i]["box"] for i in mine])
            text = plain(value)
        if box[2] > render.width + EDGE_TOLERANCE or box[3] > render.height + EDGE_TOLERANCE:
            raise Dropped("field_not_rendered", f"field {path} box {box} outside the picture")
        if not isinstance(value, bool):
            if grey is None:
                grey = np.asarray(_image(render).convert("L"))
            ratio = field_contrast(grey, box)
            if ratio < MIN_FIELD_CONTRAST:
                raise Dropped("low_contrast", f"field {path}: ink contrast {ratio:.2f} < {MIN_FIELD_CONTRAST}")
        entry = {"field": path, "text": text, "box": box, "words": [mine[0], mine[-1] + 1] if mine else []}
        if mine and raw_words[mine[-1]]["box"][1] > raw_words[mine[0]]["box"][1]:  # may run over lines
            line_boxes = [{"box": line["box"]} for line in group_lines([raw_words[i] for i in mine])]
            if len(line_boxes) > 1:  # each under "box", as every box in json, so degradations move it
                entry["line_boxes"] = line_boxes
        field_boxes.append(entry)
    lines = group_lines(raw_words, rtl=doc_locale(source.locale).direction == "rtl")
    text = "\n".join(line["text"] for line in lines)
    if not text.strip():
        raise Dropped("empty_parse", "no visible word")
    return DocumentReading(lines, field_boxes, text)


def _image(render: Render):
    if render.image is not None:
        return render.image
    if render.encoded is None:
        raise ValueError("render has neither image nor encoded bytes")
    return images.decode(render.encoded)


class DocumentTaskOptions(Options):
    questions: int = Field(8, ge=1, le=30, description="QA pairs kept in json for every document")


class _DocumentTask(Task):
    generator: ClassVar[str] = "documents"
    options_model: ClassVar[type[Options]] = DocumentTaskOptions

    def secondary(self, source: Any, render: Render, rng: np.random.Generator) -> tuple[DocumentReading, dict[str, Any]]:
        reading = read_document(source, render)
        qa = choose_qa(source.qa, rng, self.options.questions)  # type: ignore[attr-defined]
        boxes = {item["field"]: item["box"] for item in reading.field_boxes}
        for pair in qa:
            if pair.get("field"):
                pair["box"] = boxes[pair["field"]]
        return reading, {
            "genre": source.genre,
            "schema": f"{source.genre}.schema.json",
            "fields": _plain_values(source.fields),
            "text": reading.text,
            "lines": reading.lines,
            "field_boxes": reading.field_boxes,
            "qa": qa,
        }


def choose_qa(pairs: list[dict[str, Any]], rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    """Up to n of the document's QA pairs in a random order, answers as plain text."""
    order = rng.permutation(len(pairs))[:n]
    out = []
    for k in order:
        pair = pairs[int(k)]
        item = {"question": pair["question"], "answer": plain(pair["answer"]), "kind": pair["kind"]}
        if pair.get("field"):
            item["field"] = pair["field"]
        out.append(item)
    return out


class DocumentToJson(_DocumentTask):
    """txt = the document's fields as JSON (its genre's schema, keys in schema order)."""

    name: ClassVar[str] = "document_to_json"

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        _, extra = self.secondary(source, render, rng)
        prompt = PROMPTS[self.name].format(genre=GENRE_NAMES.get(source.genre, source.genre))
        return Targets(text=target_json(source.fields), prompt=prompt, secondary=extra)


class DocumentParsing(_DocumentTask):
    """txt = all the text in reading order, one line per text line (SynthDoG's reading task)."""

    name: ClassVar[str] = "document_parsing"

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        reading, extra = self.secondary(source, render, rng)
        return Targets(text=reading.text, prompt=PROMPTS[self.name], secondary=extra)


class DocumentTableQAOptions(DocumentTaskOptions):
    rationale: bool = Field(
        False, description="every program QA pair gets a rationale (the program, the values it read, each step's "
        "result), and document_table_qa's target becomes that rationale ending in the answer")


class DocumentTableQA(_DocumentTask):
    """Program questions over a document's table, amounts or form fields
    (factory/tasks/document_questions.py); `targets.qa` holds them, txt is the first one's answer."""

    name: ClassVar[str] = "document_table_qa"
    options_model: ClassVar[type[Options]] = DocumentTableQAOptions
    source_kinds: ClassVar[tuple[str, ...] | None] = GRID_GENRES  # a résumé or letter would only be dropped

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        from factory.tasks.document_questions import document_grid
        from factory.tasks.table_questions import make_table_questions

        _, extra = self.secondary(source, render, rng)
        opts: DocumentTableQAOptions = self.options  # type: ignore[assignment]
        grid = document_grid(source.genre, source.locale, source.fields)
        pairs = make_table_questions(grid, rng, opts.questions, opts.rationale) if grid is not None else []
        if not pairs:
            raise Dropped("no_question", f"a {source.genre} has no table, amounts or form fields to ask about")
        boxes = {item["field"]: item["box"] for item in extra["field_boxes"]}
        for pair in pairs:  # an answer that is one printed field: its path and box, as document_qa's
            path = pair.pop("answer_cell", None)
            if path in boxes:
                pair["field"], pair["box"] = path, boxes[path]
        extra["qa"] = pairs
        first = pairs[0]
        return Targets(text=first["rationale"] if opts.rationale else first["answer"], prompt=first["question"], secondary=extra)


class DocumentQA(_DocumentTask):
    """The prompt is a question about a field or a computed fact; txt its answer, as printed."""

    name: ClassVar[str] = "document_qa"

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        _, extra = self.secondary(source, render, rng)
        if not extra["qa"]:
            raise Dropped("no_question", "no QA pair for this document")
        first = extra["qa"][0]
        return Targets(text=first["answer"], prompt=first["question"], secondary=extra)

