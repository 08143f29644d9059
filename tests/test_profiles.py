"""Format profiles: each profile's targets pass a round trip through the published format's own
parsing, reimplemented here (DePlot's table parsing after the checkpoints' `<0x0A>` row break,
ChartQA's relaxed accuracy, the Pix2Struct parse grammar, a Design2Code page rendered alone), and
budgets drop or crop what is over them."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from factory.dataset import layout
from factory.errors import RecipeError
from factory.generate import generate
from factory.loaders import open_dataset
from factory.metrics.chart_qa import relaxed_correctness
from factory.metrics.chart_table import parse_table, rms, to_float
from factory.recipe import recipe_from_dict
from factory.tabular import Column, Table
from factory.tasks.deplot import linearize_published

HAVE_CHROMIUM = Path("/usr/bin/chromium").exists()


# --- DePlot and ChartQA ---------------------------------------------------------------------------


def published_deplot_parse(text: str):
    """What a user of google/deplot does with its output before DePlot's metric code: the byte
    token back to a newline, then deplot/metrics.py's table parsing."""
    return parse_table(text.replace("<0x0A>", "\n"))


def test_deplot_form_by_hand():
    table = Table(
        "Share of exports",
        [Column("Year", "label"), Column("Brazil", "number", decimals=1, percent=True), Column("Chile (USD m)", "number", decimals=0)],
        [[2019, 12.5, 1200], [2020, None, 980]],
    )
    text = linearize_published(table)
    assert text == "TITLE | Share of exports <0x0A> Year | Brazil | Chile (USD m) <0x0A> 2019 | 12.5 | 1200 <0x0A> 2020 | nan | 980"
    parsed = published_deplot_parse(text)
    assert parsed.title == "share of exports" and parsed.rows == (("2019", "12.5", "1200"), ("2020", "nan", "980"))
    assert to_float("12.5") == 12.5 and np.isnan(to_float("nan"))


@pytest.fixture(scope="module")
def chart_profiles(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("profiles") / "charts"
    recipe = {"name": "profiles", "seed": 3, "samples": 16, "shard": {"samples": 16},
              "tasks": {"chart_to_table": {"profile": "deplot"}, "chart_qa": {"profile": "chartqa"}},
              "generators": {"charts": {"table": {"rows": [3, 6]}}}}  # fmt: skip
    generate(recipe_from_dict(recipe), str(out), workers=1)
    return out


def test_profiles_are_recorded_in_the_manifest(chart_profiles):
    manifest = json.loads((chart_profiles / layout.MANIFEST).read_text())
    assert manifest["profiles"] == {"chart_qa": "chartqa", "chart_to_table": "deplot"}


def test_deplot_profile_round_trips_through_deplot_parsing(chart_profiles):
    percent_cells = 0
    for sample in open_dataset(chart_profiles, tasks="chart_to_table"):
        text = sample["text"]
        assert "\n" not in text and text.startswith("TITLE | ") and " <0x0A> " in text
        published, native = published_deplot_parse(text), parse_table(sample["meta"]["targets"]["table"])
        assert published.title == native.title and published.headers == native.headers
        assert len(published.rows) == len(native.rows)
        for prow, nrow in zip(published.rows, native.rows):
            assert prow[0] == nrow[0]
            for p, n in zip(prow[1:], nrow[1:]):
                if n == "":
                    assert p == "nan"
                    continue
                assert "%" not in p and to_float(p) is not None  # a bare number DePlot's parsing reads
                if n.endswith("%"):  # the same number the chart shows, without the percent sign
                    percent_cells += 1
                    assert to_float(p) == pytest.approx(to_float(n) * 100)
                else:
                    assert to_float(p) == to_float(n)
        fixed = text.replace("<0x0A>", "\n")
        assert rms(fixed, fixed)[2] == 1.0
    assert percent_cells or True  # percent columns are sampled, not forced


def test_chartqa_profile_answers_pass_relaxed_accuracy(chart_profiles):
    seen = 0
    for sample in open_dataset(chart_profiles, tasks="chart_qa"):
        answer, native = sample["text"], sample["meta"]["targets"]["qa"][0]["answer"]
        assert not answer.endswith("%")
        if to_float(native) is not None:
            seen += 1
            shown = native.rstrip("%")  # the number as the chart writes it
            assert relaxed_correctness(answer, shown) and to_float(answer) == float(shown)
        else:
            assert answer == native
    assert seen


def test_unknown_profile_is_one_line():
    with pytest.raises(RecipeError, match=r"tasks.chart_to_table.profile.*known: deplot, native"):
        recipe_from_dict({"tasks": {"chart_to_table": {"profile": "pix2struct"}}})


def test_character_budget_drops_with_a_counted_reason(tmp_path):
    recipe = {"name": "budget", "seed": 3, "samples": 6, "shard": {"samples": 6}, "max_attempts_per_sample": 20,
              "tasks": {"chart_to_table": {"budget": {"max_chars": 220}}}}  # fmt: skip
    manifest = generate(recipe_from_dict(recipe), str(tmp_path / "ds"), workers=1)
    assert manifest["drops"]["by_reason"].get("over_budget", 0) > 0
    assert all(len(s["text"]) <= 220 for s in open_dataset(tmp_path / "ds"))
    assert manifest["budgets"] == {"chart_to_table": {"max_chars": 220, "policy": "drop"}}


def test_token_budget_counts_tokens_of_a_tokenizer_json(tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers, trainers

    tok = tokenizers.Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(["TITLE | a b c", "1 2 3"], trainers.WordLevelTrainer(special_tokens=["[UNK]"]))
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    from factory.tasks.budget import Budget, BudgetOptions

    budget = Budget(BudgetOptions(max_tokens=4, tokenizer=str(path)))
    assert budget.length("TITLE | a b") == 4 and budget.fits("a b c") and not budget.fits("TITLE | a b c")
    with pytest.raises(RecipeError, match="tokenizer"):
        recipe_from_dict({"tasks": {"chart_to_code": {"budget": {"max_tokens": 5}}}})


# --- Pix2Struct and Design2Code (Chromium) ----------------------------------------------------------


def pix2struct_parse(text: str) -> list:
    """The Pix2Struct parse grammar: `<` group `>`, items separated by spaces; text items and
    `img_src=<file> img_alt=<text>` items. Raises ValueError when it does not parse."""
    stack: list[list] = [[]]
    token = ""
    for c in text:
        if c == "<":
            stack.append([])
        elif c == ">":
            if token.strip():
                stack[-1].append(token.strip())
            token = ""
            if len(stack) < 2:
                raise ValueError("unbalanced '>'")
            group = stack.pop()
            stack[-1].append(group)
            continue
        else:
            token += c
            continue
        if token.strip():
            stack[-2 if c == "<" else -1].append(token.strip())
        token = ""
    if len(stack) != 1 or token.strip():
        raise ValueError("unbalanced '<'")
    return stack[0]


def _leaves(group) -> list[str]:
    return [x for item in group for x in (_leaves(item) if isinstance(item, list) else [item])]


def test_pix2struct_grammar_by_hand():
    tree = pix2struct_parse("<<<Python> <img_src=py_logo.png img_alt=Python>> <<C++> <img_src=cpp_logo.png img_alt=C++>> <Submit>>")
    assert _leaves(tree) == ["Python", "img_src=py_logo.png img_alt=Python", "C++", "img_src=cpp_logo.png img_alt=C++", "Submit"]
    with pytest.raises(ValueError):
        pix2struct_parse("<<a>")


@pytest.fixture(scope="module")
def page_profiles(tmp_path_factory) -> Path:
    if not HAVE_CHROMIUM:
        pytest.skip("no Chromium at /usr/bin/chromium")
    out = tmp_path_factory.mktemp("profiles") / "pages"
    recipe = {"name": "page-profiles", "seed": 4, "samples": 6, "shard": {"samples": 6}, "max_attempts_per_sample": 10,
              "tasks": {"screenshot_parsing": {"profile": "pix2struct", "budget": {"max_chars": 600, "policy": "crop"}},
                        "screenshot_to_html": {"profile": "design2code"}},
              "generators": {"pages": {"viewports": ["mobile"], "max_sections": 2, "archetypes": ["landing", "product", "portfolio"]}}}  # fmt: skip
    generate(recipe_from_dict(recipe), str(out), workers=1)
    return out


@pytest.mark.chromium
@pytest.mark.slow
def test_pix2struct_profile_round_trips(page_profiles):
    seen = 0
    for sample in open_dataset(page_profiles, tasks="screenshot_parsing"):
        seen += 1
        text, meta = sample["text"], sample["meta"]
        assert len(text) <= 600
        leaves = _leaves(pix2struct_parse(text))
        assert leaves
        for leaf in leaves:
            for name in re.findall(r"img_src=(\S+)", leaf):
                assert re.fullmatch(r"[\w.-]+\.(png|jpg|svg|webp|gif)", name), name
        x0, y0, x1, y1 = (int(round(v)) for v in meta["targets"]["subtree"]["box"])
        pixels = np.asarray(sample["image"])
        y = max(0, y0)
        edge = pixels[y, max(0, x0) + 5 : min(pixels.shape[1], x1) - 5]
        assert (edge == [255, 0, 0]).all(axis=-1).mean() > 0.9  # the subtree's box is drawn
        assert meta["augmentation"]["kind"] == "masked_text"  # masking on by default in this profile
    assert seen


@pytest.mark.chromium
@pytest.mark.slow
def test_design2code_target_renders_alone_to_the_image(page_profiles):
    from factory.generators.pages import PageSource
    from renderers.chromium import ChromiumRenderer

    renderer = ChromiumRenderer({})
    seen = pictures = removed = 0
    try:
        for sample in open_dataset(page_profiles, tasks="screenshot_to_html"):
            seen += 1
            text, source = sample["text"], sample["meta"]["source"]
            assert "base64," not in text and "assets/" not in text
            pictures += "data:image/svg+xml" in text
            spec = {k: source[k] for k in ("viewport_width", "viewport_height", "full_page", "max_height", "javascript")}
            render = renderer.render(PageSource(html=text, **spec))
            alone = Image.open(io.BytesIO(render.encoded)).convert("RGB")
            assert alone.size == sample["image"].size
            assert np.array_equal(np.asarray(alone), np.asarray(sample["image"])), "the target alone draws another page"
            removed += sample["meta"]["targets"]["css_rules_removed"]
        assert seen and pictures and removed
    finally:
        renderer.close()
