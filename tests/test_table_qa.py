"""Issue 21, item 6: QA over table images (table_qa), answered as the table prints its cells.

Hundreds of generated tables in several locales (native digits, Arabic separators, RTL) check the
programs, the answers and the question mix without a browser; a few rendered tables check that
answers are the texts the page draws and that a capture cut at its maximum height only asks about
the rows it shows; a tiny dataset is generated twice for the same bytes.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from factory.components import to_jsonable
from factory.errors import RecipeError
from factory.generators.table_layouts import TableImagesGenerator, TableImagesOptions
from factory.recipe import recipe_from_dict
from factory.seeding import rng_for
from factory.tasks.displayed_numbers import learn, parse
from factory.tasks.qa_phrasing import TABLE_TEMPLATES
from factory.tasks.qa_programs import Invalid, execute
from factory.tasks.table_qa import SEPARATORS, TableQA, TableQAOptions, program_env, structure_grid
from factory.tasks.table_questions import BUILDERS, COMPOSITIONAL, make_table_questions

needs_chromium = pytest.mark.skipif(not os.access("/usr/bin/chromium", os.X_OK), reason="no Chromium on this machine")
LOCALES = ["en_US", "de_DE", "ar_EG", "fa_IR", "hi_IN", "th_TH", "he_IL", "ja_JP"]
TEXT_OPS = {"lookup", "text_lookup", "extreme_text", "extreme_other"}  # answers that are a printed cell


def _tables(n: int, **options):
    gen = TableImagesGenerator(TableImagesOptions(**options))
    return [gen.sample(rng_for(seed), seed) for seed in range(n)]


def _cell_texts(structure) -> set[str]:
    return {c["text"] for row in structure["rows"] for c in row}


@pytest.fixture(scope="module")
def asked():
    """(source, its json as a dataset stores it, its questions) for 200 tables in 8 locales."""
    out = []
    for k, src in enumerate(_tables(200, locales=LOCALES, digits="mixed", empty_cells=0.1)):
        grid, _ = structure_grid(src.structure, src.theme.get("digits", "latn"))
        pairs = make_table_questions(grid, rng_for(k + 1000), 6, with_rationale=True)
        meta = {"source": json.dumps(to_jsonable(src)), "targets": json.dumps({"qa": pairs})}
        out.append((src, json.loads(json.dumps(meta)), pairs))
    return out


def test_question_mix(asked):
    pairs = [p for _, _, ps in asked for p in ps]
    assert len(pairs) >= 1000
    ops = Counter(p["template"] for p in pairs)
    answers = [p["answer"] for p in pairs if p["answer_type"] == "yesno"]
    yes = answers.count("Yes") / len(answers)
    compositional = sum(1 for p in pairs if p["template"] in COMPOSITIONAL) / len(pairs)
    print(f"\n{len(pairs)} questions: yes {yes:.1%} of {len(answers)} yes/no, compositional {compositional:.1%}, ops {dict(ops)}")
    assert 0.45 <= yes <= 0.55
    assert compositional >= 0.2
    table_ops = {k for k in BUILDERS if not k.startswith("field_")}
    assert len(set(ops) & table_ops) >= len(table_ops) - 3, table_ops - set(ops)
    assert {"lookup", "extreme_value", "extreme_label", "count_threshold", "count_match", "total", "average",
            "difference", "extreme_text", "sum_where"} <= set(ops)  # fmt: skip


def test_no_question_twice_in_a_table(asked):
    for _, _, pairs in asked:
        questions = [p["question"] for p in pairs]
        assert len(questions) == len(set(questions))


def test_programs_rerun_on_the_json_and_answers_are_what_the_table_prints(asked):
    checked = Counter()
    for src, meta, pairs in asked:
        env = program_env(meta)
        texts = _cell_texts(src.structure)
        at = {f"{c['row']},{c['col']}": c["text"] for row in src.structure["rows"] for c in row}
        digits = src.theme.get("digits", "latn")
        for pair in pairs:
            if "answer_cell" in pair:  # the one cell the answer is: its text is the answer
                assert at[pair["answer_cell"]] == pair["answer"], pair
                checked["located"] += 1
            program = pair["program"]
            result = execute(program["expr"], program["format"], env)
            assert result.answer == pair["answer"], pair
            assert pair["rationale"].endswith("answer: " + pair["answer"])
            fmt = program["format"]
            if pair["template"] in TEXT_OPS or fmt in ("label", "text"):
                assert pair["answer"] in texts, pair  # a printed cell, character for character
                checked["printed"] += 1
            elif fmt.startswith(("col:", "mean:")):
                # a computed number: read back with the table's separators, it is the exact result
                # (means to the printed precision), and written with the table's digits
                decimal_sep, group_sep = SEPARATORS.get(digits, (".", ","))
                back = parse(pair["answer"], decimal_sep, group_sep)
                assert back is not None, pair
                places = -back.value.as_tuple().exponent if back.decimals else 0
                assert back.value == result.value.v.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), pair
                if digits != "latn":
                    assert not any("0" <= ch <= "9" for ch in pair["answer"]), pair
                checked["computed"] += 1
            elif fmt == "int":
                assert int("".join(str(int(ch)) for ch in pair["answer"])) == result.value
                checked["count"] += 1
    assert checked["printed"] > 250 and checked["computed"] > 150 and checked["count"] > 80, checked
    assert checked["located"] >= checked["printed"] * 0.9, checked


def test_at_least_five_phrasings_per_operation():
    for op in BUILDERS:
        assert len(set(TABLE_TEMPLATES[op])) >= 5, op
    for op, templates in TABLE_TEMPLATES.items():
        assert not any("chart" in t or "plotted" in t or "legend" in t for t in templates), op


def test_numbers_read_back_exactly_or_not_at_all():
    fmt, values = learn(["1,234.50", "(12.00)", "3.25"], ".", ",")
    assert values == [Decimal("1234.50"), Decimal("-12.00"), Decimal("3.25")]
    assert fmt.write(Decimal("-1234567.125")) == "(1,234,567.13)"
    fmt, values = learn(["١٬٢٣٤٫٥", "٣٫٠"], "\u066b", "\u066c")
    assert values == [Decimal("1234.5"), Decimal("3.0")] and fmt.write(Decimal("20000.25")) == "٢٠٬٠٠٠٫٣"
    fmt, _ = learn(["12", "905"], ".", ",")
    assert fmt.write(Decimal("1500")) is None  # no cell reached a thousand: grouped or not is unknown
    assert fmt.write(Decimal("-5")) is None  # no negative cell: the sign's place is unknown
    assert fmt.write(Decimal("12.5"), 1) is None and fmt.write(Decimal("12.5"), 1, ".") == "12.5"
    assert learn(["12", "Open"], ".", ",") is None
    assert learn(["1,234", "5678"], ".", ",") is None  # grouped in one cell, not in another
    assert learn(["12.5", "3.25"], ".", ",") is None  # decimals differ: not one format


def test_hand_worked_table():
    """A 3-row table: the answers are the printed texts and the computed numbers in its format."""
    head = [{"text": t, "row": 0, "col": c, "rowspan": 1, "colspan": 1, "header": True}
            for c, t in enumerate(("Company", "Revenue", "Status"))]  # fmt: skip
    body = [[{"text": t, "row": i + 1, "col": c, "rowspan": 1, "colspan": 1, "header": False} for c, t in enumerate(row)]
            for i, row in enumerate((("Acme", "1,200.50", "Open"), ("Birch", "(300.25)", "Closed"), ("Cobalt", "950.00", "Open")))]
    structure = {"n_rows": 4, "n_cols": 3, "header_rows": 1, "rows": [head, *body],
                 "column_kinds": ["label", "money", "text"], "has_total": False}  # fmt: skip
    env = structure_grid(structure)[0].env()
    assert execute(["cell", 0, 1], "col:0", env).answer == "(300.25)"
    assert execute(["sum", ["col", 0]], "col:0", env).answer == "1,850.25"
    assert execute(["mean", ["col", 0]], "mean:0", env).answer == "616.75"
    assert execute(["text", 0, ["argmax", ["col", 0]]], "text", env).answer == "Open"
    assert execute(["count", ["match", 0, "Open"]], "int", env).answer == "2"
    assert execute(["sum", ["where", ["col", 0], 0, "Open"]], "col:0", env).answer == "2,150.50"
    assert execute(["has", 0, 1, "Open"], "yesno", env).answer == "No"
    assert execute(["label", 2], "label", env).answer == "Cobalt"
    with pytest.raises(Invalid):
        execute(["sum", ["col", 0]], "int", env.__class__(**{**env.__dict__, "values": {}}))


def test_options_are_checked_when_the_recipe_loads():
    base = {"name": "t", "seed": 0, "samples": 4, "generators": {"table_images": {}}}
    recipe_from_dict({**base, "tasks": {"table_qa": {"weight": 1, "questions": 3, "rationale": True}}})
    with pytest.raises(RecipeError, match="colour"):
        recipe_from_dict({**base, "tasks": {"table_qa": {"weight": 1, "colour": 3}}})


# --- with Chromium ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    from renderers.chromium import ChromiumRenderer

    renderer = ChromiumRenderer({})
    yield renderer
    renderer.close()


def _dom_cell_texts(dom) -> dict[str, str]:
    out = {}

    def text_of(node):
        if node.get("tag") == "#text":
            return node.get("text", "")
        return "".join(text_of(c) for c in node.get("children") or [])

    def walk(node):
        if node.get("tag") in ("td", "th") and "data-cell" in (node.get("attrs") or {}):
            out[node["attrs"]["data-cell"]] = " ".join(text_of(node).split())
        for child in node.get("children") or []:
            if child.get("tag") != "#text":
                walk(child)

    walk(dom)
    return out


@needs_chromium
@pytest.mark.chromium
def test_rendered_tables_answer_with_the_drawn_cell_texts(chromium):
    sources = _tables(6, locales=["en_US", "ar_EG", "hi_IN"], rows=(3, 8), columns=(3, 5))
    task = TableQA(TableQAOptions(questions=8, rationale=True))
    asked = located = 0
    for k, src in enumerate(sources):
        render = chromium.render(src)
        targets = task.targets(src, render, rng_for(k))
        by_cell = _dom_cell_texts(render.facts["dom"])
        drawn = set(by_cell.values())
        env = program_env({"source": to_jsonable(src)})
        assert targets.prompt == targets.secondary["qa"][0]["question"]
        assert targets.text == targets.secondary["qa"][0]["rationale"]
        for pair in targets.secondary["qa"]:
            assert execute(pair["program"]["expr"], pair["program"]["format"], env).answer == pair["answer"]
            if pair["template"] in TEXT_OPS or pair["program"]["format"] in ("label", "text"):
                assert pair["answer"] in drawn, (pair, drawn)
                assert by_cell[pair["answer_cell"]] == pair["answer"] and len(pair["box"]) == 4, pair
                located += 1
            asked += 1
        assert all(len(c["box"]) == 4 for c in targets.secondary["cells"])
    assert asked >= 40 and located >= 10


@needs_chromium
@pytest.mark.chromium
def test_a_cut_capture_asks_only_about_the_rows_it_shows(chromium):
    src = next(s for s in _tables(40, rows=(40, 50), columns=(3, 4), section_rows=0, row_groups=0) if s.structure["n_rows"] > 40)
    src.max_height = 300
    render = chromium.render(src)
    assert render.facts["page"]["truncated"]
    grid, _ = structure_grid(src.structure)
    pairs = TableQA(TableQAOptions(questions=20)).targets(src, render, rng_for(5)).secondary["qa"]
    whole_column = {"extreme_value", "extreme_label", "total", "average", "count_threshold", "count_mean", "count_rows",
                    "rank", "sum_top", "nth_label", "diff_extremes", "is_extreme", "above_mean_yesno"}  # fmt: skip
    assert pairs and not {p["template"] for p in pairs} & whole_column
    shown = {c["row"] for c in TableQA(TableQAOptions()).targets(src, render, rng_for(5)).secondary["cells"]}
    first_row = src.structure["header_rows"]
    for pair in pairs:
        for r in pair["program"]["named"]:
            assert first_row + r in shown, pair  # grid row r is table row header_rows + r (no sections here)
            assert grid.labels[r] in pair["question"] or pair["program"]["format"] == "label"


@needs_chromium
@pytest.mark.chromium
@pytest.mark.slow
def test_table_qa_dataset_same_bytes_twice(tmp_path):
    from factory.generate import generate
    from factory.loaders import open_dataset

    recipe = {"name": "tqa", "seed": 5, "samples": 2, "shard": {"samples": 2}, "tasks": {"table_qa": {"weight": 1, "rationale": True}},
              "generators": {"table_images": {"rows": [3, 6], "columns": [3, 5], "locales": ["en_US", "fa_IR"]}}}
    for run in ("a", "b"):
        generate(recipe_from_dict(recipe), str(tmp_path / run), workers=1)
    tars = sorted(p.name for p in (tmp_path / "a").glob("*.tar"))
    assert tars and all((tmp_path / "a" / t).read_bytes() == (tmp_path / "b" / t).read_bytes() for t in tars)
    samples = list(open_dataset(str(tmp_path / "a")))
    assert samples and all(s["meta"]["task"] == "table_qa" for s in samples)
    for sample in samples:
        env = program_env(sample["meta"])
        for pair in sample["meta"]["targets"]["qa"]:
            assert execute(pair["program"]["expr"], pair["program"]["format"], env).answer == pair["answer"]


# --- documents: document_table_qa ------------------------------------------------------------------

DOC_GENRES = ["invoice", "receipt", "purchase_order", "statement", "paper", "form"]
# separators '.'/',' both ways, narrow no-break space groups, Arabic-script digits and symbols, Devanagari, RTL
DOC_LOCALES = ["en_US", "de_DE", "fr_FR", "es_ES", "ja_JP", "ar_EG", "fa_IR", "hi_IN", "he_IL", "pl_PL"]


@pytest.fixture(scope="module")
def doc_asked():
    from factory.generators.documents import DocumentsGenerator, DocumentsOptions
    from factory.tasks.document_questions import document_grid

    gen = DocumentsGenerator(DocumentsOptions(genres=DOC_GENRES, locales=DOC_LOCALES, digits="mixed"))
    out = []
    for seed in range(80):
        src = gen.sample(rng_for(seed), seed)
        grid = document_grid(src.genre, src.locale, src.fields)
        out.append((src, grid, make_table_questions(grid, rng_for(seed + 99), 6, with_rationale=True)))
    return out


def _doc_texts(fields) -> set[str]:
    from factory.generators.doc_content import flatten
    from factory.generators.doc_locale import plain

    return {plain(v) for _, v in flatten(fields) if isinstance(v, str)}


def test_document_questions_rerun_and_answer_as_printed(doc_asked):
    from factory.generators.doc_locale import plain
    from factory.tasks.document_questions import document_grid

    pairs = [p for _, _, ps in doc_asked for p in ps]
    assert all(ps for _, _, ps in doc_asked)  # every table, amount block and form gets questions
    yes = [p["answer"] for p in pairs if p["answer_type"] == "yesno"]
    print(f"\n{len(pairs)} document questions, yes {yes.count('Yes') / len(yes):.1%} of {len(yes)}, "
          f"ops {dict(Counter(p['template'] for p in pairs))}")
    assert 0.45 <= yes.count("Yes") / len(yes) <= 0.55
    assert {"field_difference", "field_yesno", "text_lookup", "has_yesno", "lookup", "extreme_label"} <= {p["template"] for p in pairs}
    printed = 0
    for src, _, ps in doc_asked:
        meta = json.loads(json.dumps({"source": to_jsonable(src)}))["source"]
        env = document_grid(meta["genre"], meta["locale"], meta["fields"]).env()  # from the json alone
        texts = _doc_texts(src.fields)
        assert len({p["question"] for p in ps}) == len(ps)
        for pair in ps:
            if "answer_cell" in pair:  # a field path: the printed value is the answer
                value = src.fields
                for part in pair["answer_cell"].split("."):
                    value = value[int(part)] if isinstance(value, list) else value[part]
                assert plain(value) == pair["answer"], pair
            assert execute(pair["program"]["expr"], pair["program"]["format"], env).answer == pair["answer"], pair
            if pair["template"] in TEXT_OPS or pair["program"]["format"] in ("label", "text"):
                assert pair["answer"] in texts, pair
                printed += 1
    assert printed > 100


def test_document_amounts_add_up_to_the_printed_subtotal(doc_asked):
    """The sum of an invoice's amount column, written by the grid's writer, is its printed subtotal."""
    from factory.generators.doc_locale import plain

    checked = 0
    for src, grid, _ in doc_asked:
        if src.genre not in ("invoice", "purchase_order", "receipt"):
            continue
        env = grid.env()
        s = next(i for i, c in enumerate(grid.numbers) if c.name in ("amount", "price"))
        assert execute(["sum", ["col", s]], f"col:{s}", env).answer == plain(src.fields["subtotal"]), src.locale
        if "tax.amount" in grid.fields and "subtotal" in grid.fields and src.genre != "receipt":
            total = execute(["add", ["field", "subtotal"], ["field", "tax.amount"]], "field:subtotal", env).answer
            assert total == plain(src.fields["total"]) or "discount" in src.fields or "shipping" in src.fields
        checked += 1
    assert checked >= 12


@needs_chromium
@pytest.mark.chromium
def test_document_table_qa_on_rendered_documents(chromium):
    from factory.generators.documents import DocumentsGenerator, DocumentsOptions
    from factory.tasks.document_tasks import DocumentTableQA, DocumentTableQAOptions

    task = DocumentTableQA(DocumentTableQAOptions(questions=6, rationale=True))
    located = 0
    for k, genre in enumerate(("invoice", "statement", "form")):
        gen = DocumentsGenerator(DocumentsOptions(genres=[genre], dpi=[96], locales=[("de_DE", "ar_EG", "en_US")[k]]))
        src = gen.sample(rng_for(k), k)
        targets = task.targets(src, chromium.render(src), rng_for(k))
        qa = targets.secondary["qa"]
        assert qa and targets.prompt == qa[0]["question"] and targets.text == qa[0]["rationale"]
        boxes = {b["field"]: b["box"] for b in targets.secondary["field_boxes"]}
        for pair in qa:
            assert "answer_cell" not in pair and ("field" not in pair or pair["box"] == boxes[pair["field"]])
        located += sum(1 for pair in qa if "field" in pair)
        assert {"fields", "text", "lines", "field_boxes"} <= set(targets.secondary)
    assert located >= 3
    with pytest.raises(Exception, match="no table"):
        gen = DocumentsGenerator(DocumentsOptions(genres=["letter"], dpi=[96]))
        src = gen.sample(rng_for(1), 1)
        task.targets(src, chromium.render(src), rng_for(1))


_QUESTIONS_SCRIPT = """
import hashlib, json
from factory.generators.documents import DocumentsGenerator, DocumentsOptions
from factory.generators.table_layouts import TableImagesGenerator, TableImagesOptions
from factory.seeding import rng_for
from factory.tasks.document_questions import document_grid
from factory.tasks.table_qa import structure_grid
from factory.tasks.table_questions import make_table_questions
h = hashlib.sha256()
tables = TableImagesGenerator(TableImagesOptions(locales=["en_US", "ar_EG", "hi_IN"], digits="mixed"))
docs = DocumentsGenerator(DocumentsOptions(genres=["invoice", "statement", "form"], locales=["de_DE", "fa_IR"]))
for seed in range(12):
    table = tables.sample(rng_for(seed), seed)
    grid, _ = structure_grid(table.structure, table.theme.get("digits", "latn"))
    h.update(json.dumps(make_table_questions(grid, rng_for(seed), 6, True), sort_keys=True).encode())
    src = docs.sample(rng_for(seed), seed)
    grid = document_grid(src.genre, src.locale, src.fields)
    h.update(json.dumps(make_table_questions(grid, rng_for(seed), 6, True), sort_keys=True).encode())
print(h.hexdigest())
"""


def test_same_seed_same_questions_in_fresh_processes():
    """Table and document questions hash the same in two processes with different hash seeds
    (no set or dict order leaks into a question)."""
    import subprocess
    import sys

    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", _QUESTIONS_SCRIPT], capture_output=True, text=True, env=env, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1, digests
