"""The documents generator (genres, layouts, locales, arithmetic, schemas) and its three tasks.

Content tests sample hundreds of documents without a browser. Tests marked `chromium` render
real documents in one browser per module and check, through the browser's own DOM, that every
field's box holds exactly that field's value.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from xml.etree import ElementTree

import jsonschema
import numpy as np
import pytest
from PIL import Image
from factory.errors import Dropped, FactoryError, RecipeError
from factory.generators import doc_content
from factory.generators.doc_content import GENRES, flatten
from factory.generators.doc_labels import LABELS
from factory.generators.doc_locale import LOCALES, doc_locale, plain
from factory.generators.doc_math import equation
from factory.generators.doc_style import LAYOUTS
from factory.generators.documents import DocumentsGenerator, DocumentsOptions
from factory.generators.page_fonts import missing_glyphs
from factory.loaders import donut_special_tokens, donut_tokens
from factory.recipe import load_recipe, recipe_from_dict
from factory.schemas import schema
from factory.seeding import rng_for
from factory.tasks.document_tasks import (
    DocumentParsing,
    DocumentQA,
    DocumentTaskOptions,
    DocumentToJson,
    field_contrast,
    group_lines,
    read_document,
)

HAVE_CHROMIUM = os.access("/usr/bin/chromium", os.X_OK) or bool(os.environ.get("RENDER_FACTORY_CHROMIUM"))
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine")
CONTENT_SAMPLES = 400


def document(seed: int, **options):
    return DocumentsGenerator(DocumentsOptions(**options)).sample(rng_for(seed), seed)


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """CONTENT_SAMPLES documents over every genre and locale (no browser), made once per test run:
    pytest-xdist workers share one pickled copy, built under a file lock by whichever asks first.

    Papers all show figure 0 of the chart pool here: these tests read text, and drawing the
    other figures (a Matplotlib chart each) would triple their time; the browser tests draw them.
    """
    import fcntl
    import pickle

    from factory.generators import doc_figures

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path = root / "documents_many.pickle"
    with open(root / "documents_many.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():
                first = doc_figures.figure(0)
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(doc_figures, "figure", lambda index: first)
                    gen = DocumentsGenerator(DocumentsOptions())
                    made = [gen.sample(rng_for(seed), seed) for seed in range(CONTENT_SAMPLES)]
                path.write_bytes(pickle.dumps(made))
            return pickle.loads(path.read_bytes())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- content -------------------------------------------------------------------------------------


def test_every_language_has_every_label():
    keys = set(LABELS["en"])
    for language, labels in LABELS.items():
        assert set(labels) == keys, (language, keys ^ set(labels))
        assert all(labels[k].count("{}") == LABELS["en"][k].count("{}") for k in keys), language
    assert {doc_locale(code).language for code in LOCALES} <= set(LABELS)


def test_at_least_ten_locales_each_with_its_own_formats():
    from datetime import date

    assert len(LOCALES) >= 10
    printed = set()
    for code in LOCALES:
        loc = doc_locale(code)
        money = loc.money(Decimal("-1234.5"))
        assert loc.parse_money(money) == Decimal("-1234.5").quantize(Decimal(1).scaleb(-loc.precision), rounding="ROUND_HALF_UP")
        assert loc.parse_money(loc.money(Decimal("1234.5"), "code")) == loc.parse_money(loc.money(Decimal("1234.5")))
        assert loc.parse_percent(loc.percent(Decimal("0.0625"))) == Decimal("0.0625")
        assert loc.parse_number(loc.fixed(Decimal("12345.6"), 1)) == Decimal("12345.6")
        printed.add((plain(money), loc.date(date(2024, 3, 7), "medium")))
    assert len(printed) >= 10  # the locales really differ
    assert doc_locale("de_DE").money(Decimal("1234.5")) == "1.234,50\xa0€"
    assert doc_locale("ja_JP").money(Decimal("1234.5")) == "￥1,235"  # yen have no minor unit
    assert plain("1\u202f234,50\xa0€\u200f") == "1 234,50 €"


def test_fields_validate_against_their_schema_in_schema_order(many):
    validators = {g: jsonschema.Draft202012Validator(schema(g)) for g in GENRES}
    for src in many:
        validators[src.genre].validate(src.fields)
        keys, order = list(src.fields), list(schema(src.genre)["properties"])
        assert keys == [k for k in order if k in keys], (src.genre, keys)
        # Every printed value sits in exactly one element marked with its path, and nothing else is marked.
        marked = re.findall(r'data-field="([^"]+)"', src.html)
        assert sorted(marked) == sorted(path for path, _ in flatten(src.fields)), src.genre
        json.dumps(src.fields)  # plain JSON data


def test_genres_layouts_locales_and_style_axes_all_occur(many):
    assert len(GENRES) >= 8
    seen = Counter((src.genre, src.layout) for src in many)
    assert set(seen) == {(g, layout) for g in GENRES for layout in LAYOUTS[g]}
    assert {src.locale for src in many} == set(LOCALES)
    styles = [src.style for src in many]
    assert {s["paper"] for s in styles} == {"a4", "letter", "receipt_58mm", "receipt_80mm"}
    assert {s["dpi"] for s in styles} == {96, 120, 144}
    assert {s["table_style"] for s in styles} == {"lines", "grid", "zebra", "minimal"}
    assert {s["header_style"] for s in styles} == {"band", "rule", "plain"}
    assert {s["align"] for s in styles} == {"start", "center", "end"}
    assert {s["currency_display"] for s in styles} == {"symbol", "code", "none"}
    assert len({s["font_keys"]["body"] for s in styles}) >= 8
    hands = {s["hand"] for s, src in zip(styles, many) if src.genre == "form"}
    assert len(hands - {""}) >= 3  # several handwriting faces, and a regular face for scripts they lack
    assert any(src.style["dpi"] / 96 == src.device_scale_factor for src in many)


def _m(loc, text):
    return loc.parse_money(text)


def _check_lines(loc, items, amount_key):
    total = Decimal(0)
    for item in items:
        amount = _m(loc, item[amount_key])
        if "unit_price" in item:
            assert amount == loc.quantize(loc.parse_number(item["quantity"]) * _m(loc, item["unit_price"])), item
        total += amount
    return total


def test_printed_numbers_add_up_on_every_sample(many):
    """Redo the arithmetic from the printed strings alone (parsed back with Babel)."""
    checked = Counter()
    for src in many:
        f, loc = src.fields, doc_locale(src.locale)
        if src.genre in ("invoice", "purchase_order"):
            subtotal = _check_lines(loc, f["items"], "amount")
            assert _m(loc, f["subtotal"]) == subtotal
            taxable = subtotal
            if "discount" in f:
                rate = loc.parse_percent(f["discount"]["rate"])
                assert _m(loc, f["discount"]["amount"]) == -loc.quantize(subtotal * rate)
                taxable += _m(loc, f["discount"]["amount"])
            if "shipping" in f:
                taxable += _m(loc, f["shipping"])
            tax = _m(loc, f["tax"]["amount"])
            assert tax == loc.quantize(taxable * loc.parse_percent(f["tax"]["rate"]))
            assert _m(loc, f["total"]) == taxable + tax
        elif src.genre == "receipt":
            subtotal = _check_lines(loc, f["items"], "price")
            assert _m(loc, f["subtotal"]) == subtotal
            rate, tax, total = loc.parse_percent(f["tax"]["rate"]), _m(loc, f["tax"]["amount"]), _m(loc, f["total"])
            if src.numbers["tax_included"]:
                assert total == subtotal and tax == loc.quantize(total * rate / (1 + rate))
            else:
                assert tax == loc.quantize(subtotal * rate) and total == subtotal + tax
            pay = f["payment"]
            if "change" in pay:
                assert _m(loc, pay["tendered"]) - total == _m(loc, pay["change"]) >= 0
            else:
                assert _m(loc, pay["amount"]) == total
        elif src.genre == "statement":
            balance = _m(loc, f["opening_balance"])
            debits = credits = Decimal(0)
            for t in f["transactions"]:
                if "amount" in t:
                    change = _m(loc, t["amount"])
                else:
                    change = _m(loc, t["credit"]) if "credit" in t else -_m(loc, t["debit"])
                balance += change
                debits += -change if change < 0 else 0
                credits += change if change > 0 else 0
                assert _m(loc, t["balance"]) == balance, t  # balances carry from line to line
            assert _m(loc, f["closing_balance"]) == balance
            assert _m(loc, f["total_debits"]) == debits and _m(loc, f["total_credits"]) == credits
        else:
            continue
        checked[src.genre] += 1
    assert min(checked.values()) >= 20 and len(checked) == 4, checked


def test_qa_answers_are_printed_values(many):
    kinds = Counter()
    for src in many:
        values = dict(flatten(src.fields))
        for pair in src.qa:
            kinds[pair["kind"]] += 1
            if pair.get("field"):
                assert values[pair["field"]] == pair["answer"], pair
            else:  # a count, written in the document's locale
                assert doc_locale(src.locale).parse_number(pair["answer"]) >= 0
    assert kinds["field"] > 0 and kinds["computed"] > 0


def test_same_seed_same_document_in_fresh_processes():
    """Every locale, in a process with another hash seed (Faker's it_IT cities come from a set)."""
    a, b = document(3), document(3)
    assert a.html == b.html and a.fields == b.fields and a.qa == b.qa
    assert document(4).html != a.html
    code = (
        "import hashlib\n"
        "from factory.generators.documents import DocumentsGenerator, DocumentsOptions\n"
        "from factory.seeding import rng_for\n"
        "from factory.generators.doc_locale import LOCALES\n"
        "g = [DocumentsGenerator(DocumentsOptions(locales=[c], genres=['invoice', 'resume', 'statement', 'form', 'letter'])) for c in LOCALES]\n"
        "print(hashlib.sha256(''.join(x.sample(rng_for(s), s).html for s in range(2) for x in g).encode()).hexdigest())\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    other = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": root},
                           cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    here = {}
    exec(code.replace("print(", "here['digest'] = ("), {"here": here})  # this process: another hash seed
    assert other == here["digest"]


def test_options_are_checked_when_the_recipe_loads():
    base = {"tasks": {"document_to_json": 1}}
    with pytest.raises(RecipeError, match="unknown genre 'memo'"):
        recipe_from_dict({**base, "generators": {"documents": {"genres": ["invoice", "memo"]}}})
    with pytest.raises(RecipeError, match="unsupported locale 'xx_YY'"):
        recipe_from_dict({**base, "generators": {"documents": {"locales": ["xx_YY"]}}})
    with pytest.raises(RecipeError, match="dpi choices"):
        recipe_from_dict({**base, "generators": {"documents": {"dpi": [20]}}})
    with pytest.raises(RecipeError, match="not a known field"):
        recipe_from_dict({**base, "generators": {"documents": {"genre": ["invoice"]}}})
    for name in ("documents", "mixed", "demo"):
        assert {"document_to_json", "document_parsing", "document_qa"} <= set(load_recipe(name).task_weights)


def test_missing_handwriting_font_is_one_clear_error(monkeypatch):
    from factory.generators import documents

    fonts = dict(documents.installed_fonts())
    fonts.pop("Dancing Script", None)
    monkeypatch.setattr(documents, "installed_fonts", lambda: fonts)
    with pytest.raises(FactoryError, match="fonts-dancingscript"):
        DocumentsGenerator(DocumentsOptions())
    DocumentsGenerator(DocumentsOptions(genres=["invoice"]))  # no form, no handwriting needed


def test_text_is_escaped(monkeypatch):
    evil = '<script>alert("x")</script> & <b>Co</b>'
    monkeypatch.setattr(doc_content.DocWriter, "company", lambda self: evil)
    src = document(5, genres=["invoice"], locales=["en_US"])
    assert "<script" not in src.html and "<b>" not in src.html
    assert "&lt;script&gt;" in src.html and src.fields["vendor"]["name"] == evil


def test_equations_are_well_formed_mathml_with_their_latex():
    import random

    r = random.Random(0)
    for _ in range(40):
        latex, mathml = equation(r)
        root = ElementTree.fromstring(mathml)
        assert root.tag == "math" and root.get("display") == "block" and root.get("alttext") == latex
        assert latex.count("{") == latex.count("}")
        assert missing_glyphs("".join(root.itertext()), ("Noto Sans Math",)) == []  # no fallback font


# --- Donut tokens --------------------------------------------------------------------------------


def reference_json2token(obj, sort_json_key: bool = True):
    """Donut's own json2token (clovaai/donut, DonutModel.json2token), without the tokenizer updates."""
    if type(obj) == dict:  # noqa: E721 - as written there
        if len(obj) == 1 and "text_sequence" in obj:
            return obj["text_sequence"]
        output = ""
        keys = sorted(obj.keys(), reverse=True) if sort_json_key else obj.keys()
        for k in keys:
            output += fr"<s_{k}>" + reference_json2token(obj[k], sort_json_key) + fr"</s_{k}>"
        return output
    if type(obj) == list:  # noqa: E721
        return r"<sep/>".join([reference_json2token(item, sort_json_key) for item in obj])
    return str(obj)


def test_donut_tokens_match_donut_json2token(many):
    for src in many[:80]:
        fields = json.loads(json.dumps(src.fields))
        if src.genre == "form":  # booleans: Donut would write str(True); the loader writes JSON's true
            assert "<s_checked>true</s_checked>" in donut_tokens(fields) or "<s_checked>false</s_checked>" in donut_tokens(fields)
            continue
        assert donut_tokens(fields, sort_keys=True) == reference_json2token(fields, True)
        assert donut_tokens(json.dumps(fields), sort_keys=False) == reference_json2token(fields, False)
    tokens = donut_tokens({"items": [{"nm": "Tea", "price": "1.00"}, {"nm": "Milk", "price": "2.00"}], "total": "3.00"},
                          start="<s_receipt>", end="</s>")
    assert tokens == ("<s_receipt><s_items><s_nm>Tea</s_nm><s_price>1.00</s_price><sep/><s_nm>Milk</s_nm>"
                      "<s_price>2.00</s_price></s_items><s_total>3.00</s_total></s>")
    assert donut_tokens({"text_sequence": "plain text"}) == "plain text"
    assert donut_special_tokens({"a": [{"b": "x"}]}) == ["</s_a>", "</s_b>", "<s_a>", "<s_b>", "<sep/>"]


# --- task helpers without a browser --------------------------------------------------------------


def _w(text, box, block, space=True):
    return {"text": text, "box": box, "block": block, "space": space, "node": 0}


def test_lines_join_a_row_and_split_columns_and_wraps():
    words = [
        _w("Total", [10, 10, 50, 24], 1), _w("12,00", [300, 10, 340, 24], 2), _w("€", [342, 10, 350, 24], 2),
        _w("Fermi", [10, 40, 50, 54], 3), _w("1", [50, 38, 55, 48], 3, space=False),
        _w("wrapped", [10, 60, 60, 74], 4), _w("on", [10, 76, 30, 90], 4),
        _w("next", [400, 10, 440, 24], 5),  # the top of the next column: a line of its own
    ]
    lines = group_lines(words)
    assert [line["text"] for line in lines] == ["Total 12,00 €", "Fermi1", "wrapped", "on", "next"]
    assert lines[0]["box"] == [10, 10, 350, 24] and lines[0]["words"] == [0, 3]


def test_contrast_is_measured_on_the_pixels():
    grey = np.full((40, 100), 250, np.uint8)
    grey[10:20, 10:40] = 20  # dark ink
    grey[10:20, 60:90] = 235  # near-white "ink"
    assert field_contrast(grey, [5, 5, 45, 25]) > 10
    assert field_contrast(grey, [55, 5, 95, 25]) < 1.3


# --- with Chromium ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    from renderers.chromium import ChromiumRenderer

    renderer = ChromiumRenderer({})
    yield renderer
    renderer.close()


# The browser's own account of boxes: for each box, every character whose centre lies inside it,
# in document order (text inside <math> aside: a formula is checked as a whole).
_TEXT_IN_BOXES = """(boxes) => {
  const chars = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), range = document.createRange();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest("math")) continue;
    for (let i = 0; i < n.data.length; i++) {
      range.setStart(n, i); range.setEnd(n, i + 1);
      const r = range.getBoundingClientRect();
      if (r.width) chars.push([n.data[i], (r.left + r.right) / 2, (r.top + r.bottom) / 2]);
    }
  }
  return boxes.map(b => chars.filter(([c, x, y]) => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]).map(c => c[0]).join(""));
}"""


def _css(box, scale):
    """Image pixels -> CSS px, widened by the half pixel the renderer rounds outwards."""
    return [box[0] / scale - 0.5, box[1] / scale - 0.5, box[2] / scale + 0.5, box[3] / scale + 0.5]


def _squash(text):
    return "".join(plain(text).split())


@needs_chromium
@pytest.mark.chromium
@pytest.mark.slow
def test_every_genre_and_layout_renders_and_field_boxes_hold_their_values(chromium):
    sources = []
    for g, genre in enumerate(GENRES):
        for k, layout in enumerate(LAYOUTS[genre]):
            gen = DocumentsGenerator(DocumentsOptions(genres=[genre], dpi=[96, 144], locales=[LOCALES[(3 * g + k) % len(LOCALES)]]))
            seed = next(s for s in range(200) if random_layout(gen, s) == layout)
            sources.append(gen.sample(rng_for(seed), seed))
    checked = 0
    for src in sources:
        render = chromium.render(src)
        assert render.facts["page"]["requests_blocked"] == []
        scale = src.device_scale_factor
        assert abs(render.width - src.viewport_width * scale) <= 1
        reading = read_document(src, render)  # raises Dropped if any check fails
        page = chromium.last_page  # the page still shows this document
        items = [i for i in reading.field_boxes if not i["field"].endswith(".latex") and not isinstance(i["text"], bool)]
        for item in reading.field_boxes:
            box = item["box"]
            assert 0 <= box[0] < box[2] <= render.width and 0 <= box[1] < box[3] <= render.height, item
        boxes = [item["box"] for item in items] + [b["box"] for item in items for b in item.get("line_boxes", [])]
        texts = iter(_squash(t) for t in page.evaluate(_TEXT_IN_BOXES, [_css(b, scale) for b in boxes]))
        shown = [next(texts) for _ in items]
        for item, text in zip(items, shown):
            value = _squash(item["text"])
            if "line_boxes" in item:  # the union may also hold a label before the first line
                assert value in text, (src.genre, item["field"], text, value)
                text = "".join(next(texts) for _ in item["line_boxes"])
            assert text == value, (src.genre, item["field"], text, value)
            checked += 1
        words = " ".join(w["text"] for w in render.facts["words"])
        assert _squash(reading.text) == _squash(words)
    assert checked > 300


def random_layout(gen, seed):
    """The layout a generator would pick for `seed`, without making the document."""
    import random

    r = random.Random(int(rng_for(seed).integers(0, 2**63)))
    genre = r.choice(gen.options.genres)
    return r.choice(LAYOUTS[genre])


@needs_chromium
@pytest.mark.chromium
def test_three_tasks_on_rendered_documents(chromium):
    src = document(11, genres=["invoice"], dpi=[96])
    render = chromium.render(src)
    opts = DocumentTaskOptions(questions=5)
    as_json = DocumentToJson(opts).targets(src, render, rng_for(1))
    fields = json.loads(as_json.text)
    jsonschema.validate(fields, schema("invoice"))
    assert list(fields) == list(src.fields) and fields["total"] == plain(src.fields["total"])
    assert "invoice" in as_json.prompt
    parsed = DocumentParsing(opts).targets(src, render, rng_for(1))
    assert plain(src.fields["invoice_number"]) in parsed.text and "\n" in parsed.text
    assert parsed.secondary["lines"] and all(len(line["box"]) == 4 for line in parsed.secondary["lines"])
    qa = DocumentQA(opts).targets(src, render, rng_for(1))
    assert qa.prompt.endswith("?") and qa.text == qa.secondary["qa"][0]["answer"]
    assert len(qa.secondary["qa"]) == 5
    for pair in qa.secondary["qa"]:
        if "field" in pair:
            assert pair["box"] == next(b["box"] for b in qa.secondary["field_boxes"] if b["field"] == pair["field"])
    # Every sample carries all targets, whatever its task.
    assert set(as_json.secondary) == set(parsed.secondary) == set(qa.secondary)


@needs_chromium
@pytest.mark.chromium
def test_paper_equations_are_laid_out_by_mathml_core(chromium):
    src = document(2, genres=["paper"], dpi=[96])
    render = chromium.render(src)
    reading = read_document(src, render)

    def walk(node):
        yield node
        for child in node.get("children", []):
            yield from walk(child)

    nodes = list(walk(render.facts["dom"]))
    maths = [n for n in nodes if n["tag"] == "math"]
    assert len(maths) == len(src.fields["equations"])
    for frac in (n for n in nodes if n["tag"] == "mfrac"):
        num, den = frac["children"][:2]
        assert num["box"][3] <= den["box"][1] + 2  # numerator drawn above denominator
    latex = [b for b in reading.field_boxes if b["field"].endswith(".latex")]
    assert [b["text"] for b in latex] == [e["latex"] for e in src.fields["equations"]]
    assert any(w["text"] == src.fields["equations"][0]["latex"] for w in render.facts["words"])
    figure = [n for n in nodes if n["tag"] == "img"]
    assert figure and figure[0]["attrs"]["data-src-name"].startswith("chart_") and figure[0]["box"][2] - figure[0]["box"][0] > 200


@needs_chromium
@pytest.mark.chromium
def test_checks_drop_what_the_picture_does_not_show(chromium):
    import dataclasses

    src = document(7, genres=["invoice"], dpi=[96])

    def dropped(html_change, **changes):
        changed = dataclasses.replace(src, html=html_change(src.html), **changes)
        with pytest.raises(Dropped) as info:
            read_document(changed, chromium.render(changed))
        return info.value.reason

    paper = src.style["paper_tone"]
    hide = f'<style>[data-field="total"] {{ color: {paper} !important; }}</style></head>'
    assert dropped(lambda h: h.replace("</head>", hide)) == "low_contrast"
    gone = '<style>[data-field="due_date"] { display: none; }</style></head>'
    assert dropped(lambda h: h.replace("</head>", gone)) == "field_not_rendered"
    number = src.fields["invoice_number"]
    assert dropped(lambda h: h.replace(f">{number}<", ">X-0<")) == "field_mismatch"
    tall = '<style>.sheet { padding-bottom: 2000px; }</style></head>'
    assert dropped(lambda h: h.replace("</head>", tall)) == "page_overflow"


@needs_chromium
@pytest.mark.chromium
@pytest.mark.slow
def test_documents_dataset_same_bytes_with_1_and_2_workers(tmp_path):
    from factory.generate import generate
    from factory.loaders import open_dataset

    recipe = {"name": "docs", "seed": 3, "samples": 4, "shard": {"samples": 2},
              "tasks": {"document_to_json": 1, "document_parsing": 1, "document_qa": 1},
              "generators": {"documents": {"dpi": [96], "genres": ["receipt", "invoice", "letter", "form"]}}}
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        generate(recipe_from_dict(recipe), str(out), workers=workers)
        outs.append(out)
    tars = sorted(p.name for p in outs[0].glob("*.tar"))
    assert len(tars) == 2
    for name in tars:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    samples = list(open_dataset(str(outs[0])))
    assert len(samples) == 4
    for sample in samples:
        targets = sample["meta"]["targets"]
        jsonschema.validate(targets["fields"], schema(targets["genre"]))
        words = sample["meta"]["render"]["words"]
        assert all(len(w["box"]) == 4 for w in words)
        for line in targets["lines"]:
            first, end = line["words"]
            assert _squash(line["text"]) == _squash("".join(w["text"] for w in words[first:end]))
        if sample["meta"]["task"] == "document_to_json":
            assert donut_tokens(sample["text"]).startswith("<s_")
        image = sample["image"]
        assert image.size == (sample["meta"]["image"]["width"], sample["meta"]["image"]["height"])


@needs_chromium
def test_no_slanted_text_in_scripts_without_italic(chromium):
    """A résumé's organisations are italic in Latin and Cyrillic; Japanese, Chinese, Arabic, Indic...
    have no italic, and the browser's synthetic slant made kanji unreadable (OCR read 0.93 of
    Japanese documents' tokens, '合同会社林情報' as noise). Computed style, read in the browser."""
    slanted = {}
    for locale in ("ja_JP", "ru_RU"):
        gen = DocumentsGenerator(DocumentsOptions(genres=["resume"], locales=[locale], dpi=[96]))
        src = gen.sample(rng_for(1), 1)
        chromium.render(src)
        page = chromium.last_page
        slanted[locale] = page.evaluate("() => [...document.querySelectorAll('.org')].map(e => getComputedStyle(e).fontStyle)")
    assert slanted["ja_JP"] and set(slanted["ja_JP"]) == {"normal"}
    assert set(slanted["ru_RU"]) == {"italic"}


def test_no_document_is_set_in_a_display_cut():
    """Display cuts are drawn for large sizes: every document face is a text cut (a display
    face's choice becomes its text cut, the other choices unchanged)."""
    gen = DocumentsGenerator(DocumentsOptions(genres=["statement", "letter", "paper"], locales=["ru_RU", "zh_CN", "en_US"], dpi=[96]))
    families = {f for seed in range(80) for role in ("body", "heading") for f in gen.sample(rng_for(seed), seed).style["font_families"][role]}
    assert "Noto Serif" in families
    assert not [f for f in families if "Display" in f and "Serif" in f]


def _low_contrast_texts(render) -> list[tuple[str, float]]:
    """(text, ratio) of every text box whose pixels read under 4.5:1, measured as the audit does."""
    from factory.tools.audit import crop_contrast

    image = np.asarray((render.image or Image.open(io.BytesIO(render.encoded))).convert("RGB"))
    low = []
    for entry in render.facts["boxes"]:
        x0, y0, x1, y1 = entry["box"]
        crop = image[int(y0) : int(np.ceil(y1)), int(x0) : int(np.ceil(x1))]
        if entry.get("kind") == "text" and crop.size and (ratio := crop_contrast(crop.reshape(-1, 3))[0]) < 4.5:
            low.append((entry["text"], round(ratio, 2)))
    return low


@needs_chromium
@pytest.mark.chromium
def test_every_text_of_a_statement_reaches_body_contrast_on_the_pixels(chromium):
    """A zh_CN statement's period 'X – Y' set in Noto Serif Display: its en dash is a hairline
    thinner than a pixel, drawn at 2.3:1 at 96 dpi and 1.4:1 at 120 (the multilingual audit's one
    invisible-text document). Every text box's pixels reach 4.5:1, measured as the audit does."""
    src = document(5, genres=["statement"], locales=["zh_CN"], dpi=[96])
    render = chromium.render(src)
    low = _low_contrast_texts(render)
    assert any(entry.get("text") == "–" for entry in render.facts["boxes"])  # the period's dash is drawn and boxed
    assert low == [], (src.style["fonts"]["body"], low)


STACKED_MARKS = ("th_TH", "hi_IN", "bn_BD", "ta_IN", "ar_EG")


def test_lines_hold_the_script_face_of_scripts_with_marks_above_and_below():
    """Thai, Indic and Arabic faces are taller than a Latin line (Noto Serif Thai 1.60 em, Noto Serif
    Devanagari 1.56, Noto Sans Arabic 2.11): a document's lines and headings are at least as tall as
    the script face of its body and heading stacks; Latin and CJK documents keep their line heights."""
    from factory.generators.locales import script_families
    from factory.generators.page_fonts import line_extent

    for locale in STACKED_MARKS:
        gen = DocumentsGenerator(DocumentsOptions(locales=[locale]))
        for seed in range(40):
            style = gen.sample(rng_for(seed), seed).style
            faces = [f for role in ("body", "heading") for f in style["font_families"][role][:1]]
            assert all(f == script_families(locale, "serif" if "Serif" in f or "Naskh" in f else "sans-serif")[0][0] for f in faces), faces
            need = max(line_extent(f) for f in faces)
            assert style["line_height"] >= need and style["leading"] >= need, (locale, seed, faces, style["line_height"])
    latin = DocumentsGenerator(DocumentsOptions(locales=["en_US", "ja_JP"]))
    heights = {latin.sample(rng_for(seed), seed).style["line_height"] for seed in range(40)}
    assert heights == {1.25, 1.3, 1.4, 1.5}


@needs_chromium
@pytest.mark.chromium
def test_thai_and_hindi_letters_keep_their_marks_inside_their_lines(chromium):
    """Thai and Hindi letters set at line height 1.25: the tone marks and vowel signs stuck out of their
    elements (15 of 63 such documents dropped as text_overflow) and met the next line's, where OCR lost
    4.8% of Thai tokens (1.0% at 1.5). Rendered: every paragraph's line box holds its face's ascent and
    descent (computed style), and no text leaves its element."""
    from factory.generators.page_fonts import line_extent

    for locale, seeds in (("th_TH", range(3)), ("hi_IN", range(3))):
        gen = DocumentsGenerator(DocumentsOptions(genres=["letter"], locales=[locale], dpi=[96]))
        for seed in seeds:
            src = gen.sample(rng_for(seed), seed)
            render = chromium.render(src)
            read_document(src, render)  # raises Dropped('text_overflow') where a mark leaves its element
            page = chromium.last_page
            ratios = page.evaluate("() => [...document.querySelectorAll('p')].map(p => { const s = getComputedStyle(p);"
                                   " return parseFloat(s.lineHeight) / parseFloat(s.fontSize); })")
            face = src.style["font_families"]["body"][0]
            assert ratios and min(ratios) >= line_extent(face) - 0.01, (locale, seed, face, min(ratios))


def test_han_and_kana_documents_set_body_text_at_14_px_or_more():
    """A 12 px Japanese letter lost 153 of its 513 characters to OCR that a clean control of the same
    text reads (藤 read 滕, 憲 read 意): kanji of many strokes merge at that size. Chinese and Japanese
    documents set body text at >= 14 px once drawn at their dpi; Latin documents keep their 11-12 px."""
    for locale in ("ja_JP", "zh_CN", "zh_TW"):
        gen = DocumentsGenerator(DocumentsOptions(locales=[locale]))
        for seed in range(30):
            style = gen.sample(rng_for(seed), seed).style
            assert style["font_size"] * style["dpi"] / 96 >= 14 - 1e-9, (locale, seed, style["font_size"], style["dpi"])
    latin = DocumentsGenerator(DocumentsOptions(locales=["en_US"], dpi=[96]))
    assert min(latin.sample(rng_for(seed), seed).style["font_size"] for seed in range(30)) <= 12


@needs_chromium
@pytest.mark.chromium
@pytest.mark.slow
@pytest.mark.parametrize("genre, seed", [("receipt", 6), ("paper", 0), ("paper", 2), ("paper", 5), ("paper", 6)])
def test_muted_text_and_affiliation_marks_reach_body_contrast_on_the_pixels(chromium, genre, seed):
    """Muted text at 4.5-5.3:1 by colour drew lighter: a receipt's '@' before unit prices at 4.0:1,
    a paper's affiliation marks ('1', '2' in <sup>, 7.5-9 px) at 3.5-4.3:1. Muted text now aims at
    7:1 and affiliation marks are at least 10 px; every such box reaches 4.5:1, measured as the
    audit does (these seeds each drew one below it before)."""
    src = document(seed, genres=[genre], locales=["en_US"], dpi=[96])
    low = _low_contrast_texts(chromium.render(src))
    assert [t for t in low if t[0].strip() in ("@", "1", "2", "3") or genre == "receipt"] == [], low
