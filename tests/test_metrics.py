"""Every metric on hand-worked examples: a perfect prediction scores 1, and each partial case has
the score worked out by hand in its comment (the metric's published definition applied step by step)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from factory.metrics.chart_qa import relaxed_correctness
from factory.metrics.chart_table import rms, rnss
from factory.metrics.design2code import Block, ciede2000, visual_scores
from factory.metrics.json_fields import field_counts, field_f1, ted_accuracy
from factory.metrics.teds import teds
from factory.metrics.text import anls, edit_similarity, token_f1

TABLE = "TITLE | Sales\nyear | a\n2000 | 10\n2001 | 20"


def close(a: float, b: float, tol: float = 1e-4) -> bool:
    return math.isclose(a, b, abs_tol=tol)


# --- chart_to_table: DePlot RMS and RNSS ----------------------------------------------------------


def test_rms_perfect_and_partial():
    assert rms(TABLE, TABLE) == (1.0, 1.0, 1.0)
    # Datapoints: title, "2000 a" -> 10, "2001 a" -> 20. 21 is 5% off 20 (under number_theta 0.1):
    # 1 + 1 + 0.95 = 2.95 over 3 datapoints on both sides.
    p, r, f = rms(TABLE, TABLE.replace("2001 | 20", "2001 | 21"))
    assert close(p, 2.95 / 3) and close(r, 2.95 / 3) and close(f, 2.95 / 3)
    # 25 is 25% off: past number_theta, the datapoint scores 0 -> 2 / 3.
    assert close(rms(TABLE, TABLE.replace("2001 | 20", "2001 | 25"))[2], 2 / 3)
    # A missing row: 2 of 2 predicted points right (precision 1), 2 of 3 found (recall 2/3), F1 0.8.
    p, r, f = rms(TABLE, "TITLE | Sales\nyear | a\n2000 | 10")
    assert close(p, 1.0) and close(r, 2 / 3) and close(f, 0.8)
    # Headers are matched by normalized Levenshtein: "year | b" (key "2000 b" vs "2000 a": 1 edit in
    # 6 chars, ANLS 5/6) -> (1 + 5/6 + 5/6) / 3.
    assert close(rms(TABLE, TABLE.replace("year | a", "year | b"))[2], (1 + 5 / 6 + 5 / 6) / 3)
    # Transposed predictions are read both ways: the same table transposed is still perfect.
    assert close(rms(TABLE, "TITLE | Sales\nyear | 2000 | 2001\na | 10 | 20")[2], 1.0)
    assert rms(TABLE, "") == (1.0, 0.0, 0.0)


def test_rnss():
    assert rnss(TABLE, TABLE) == 1.0
    # Numbers [2000, 10, 2001, 20] against [2000, 10, 2001, 25]: one relative error 0.25 -> 1 - 0.25/4.
    assert close(rnss(TABLE, TABLE.replace("2001 | 20", "2001 | 25")), 1 - 0.25 / 4)
    # A number 3x too big costs min(1, 2) = 1: 1 - 1/4.
    assert close(rnss(TABLE, TABLE.replace("2001 | 20", "2001 | 60")), 0.75)
    # As published, unmatched numbers cost nothing; only the denominator max(N, M) grows.
    assert close(rnss("a | 1\nb | 2", "a | 1\nb | 2\nc | 3"), 1.0)
    assert rnss("a | 1", "no numbers") == 0.0
    # A target of 0 matches only 0 (the published code had this inverted, see chart_table.py).
    assert rnss("a | 0", "a | 0") == 1.0 and rnss("a | 0", "a | 5") == 0.0


# --- chart_qa: relaxed accuracy --------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, prediction, right",
    [
        ("12.5", "12.5", True),
        ("12.5", "13", True),  # 0.5 / 12.5 = 4% <= 5%
        ("12.5", "13.2", False),  # 5.6%
        ("10%", "10.4%", True),  # 0.104 vs 0.100: 4%
        ("Yes", "yes\n", True),  # text: case and surrounding whitespace ignored
        ("Increase", "Decrease", False),
        ("0", "0.0", False),  # a 0 target is compared as text, as published
        ("Johnson-Willis", "Johnson", False),
    ],
)
def test_relaxed_accuracy(target, prediction, right):
    assert relaxed_correctness(target, prediction) is right


# --- table_to_html: TEDS ---------------------------------------------------------------------------

T2 = "<table><tr><td>a</td><td>b</td></tr></table>"


def test_teds():
    assert teds(T2, T2) == 1.0 and teds(T2, T2, structure_only=True) == 1.0
    # 3 nodes (tr, td, td); one cell "b" -> "c": rename cost 1 (1 edit / 1 char) -> 1 - 1/3.
    assert close(teds(T2, T2.replace(">b<", ">c<")), 2 / 3)
    assert teds(T2, T2.replace(">b<", ">c<"), structure_only=True) == 1.0
    # "ab" -> "ac" in a cell: half the tokens differ, rename cost 0.5 -> 1 - 0.5/3.
    assert close(teds(T2.replace(">b<", ">ab<"), T2.replace(">b<", ">ac<")), 1 - 0.5 / 3)
    # A missing cell: delete one td of max(3, 2) nodes -> 2/3, structure too.
    one = "<table><tr><td>a</td></tr></table>"
    assert close(teds(T2, one), 2 / 3) and close(teds(T2, one, structure_only=True), 2 / 3)
    # A span that differs renames at cost 1.
    assert close(teds(T2, T2.replace("<td>a", '<td colspan="2">a')), 2 / 3)
    # th is read as td (PubTabNet writes header cells as td): equal tables score 1.
    head = "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    assert teds(head, head.replace("th>", "td>")) == 1.0
    assert teds(T2, "no table here") == 0.0
    # Unclosed tags are repaired as lxml (and PubTabNet's evaluation) repairs them.
    assert teds(T2, "<table><tr><td>a<td>b</table>") == 1.0


# --- screenshot/document parsing: edit similarity, ANLS, token F1 -----------------------------------


def test_text_metrics():
    assert edit_similarity("<<a> <b>>", "<<a> <b>>") == 1.0 == token_f1("x y", "x y")[2] == anls("x", "x")
    assert close(edit_similarity("kitten", "sitting"), 1 - 3 / 7)  # 3 edits, longest 7
    assert close(anls("kitten", "sitting"), 1 - 3 / 7)  # NL 0.43 < 0.5
    assert anls("abcd", "wxyz") == 0.0  # NL 1 >= 0.5
    # Tokens: < < a > < b c > > (9) against < < a > < b > > (8): 8 shared -> P 1, R 8/9, F1 16/17.
    p, r, f = token_f1("<<a> <b c>>", "<<a> <b>>")
    assert close(p, 1.0) and close(r, 8 / 9) and close(f, 16 / 17)
    assert token_f1("a", "b") == (0.0, 0.0, 0.0)


# --- document_to_json: Donut -------------------------------------------------------------------------

RECEIPT = {"menu": [{"nm": "cake", "cnt": "2"}, {"nm": "juice", "cnt": "1"}], "total": "3"}


def test_donut_field_f1_and_ted_accuracy():
    assert field_f1(RECEIPT, RECEIPT) == 1.0 and ted_accuracy(RECEIPT, RECEIPT) == 1.0
    # Target tree (keys sorted by length, then name): menu -> 2 x <subtree> -> nm, cnt -> leaves;
    # total -> leaf. Inserting it all: menu 1 + subtrees 2 + keys 4 + leaves 4+1+5+1 + total 1 + "3" 1 = 20.
    no_total = {"menu": RECEIPT["menu"]}
    assert field_counts(RECEIPT, no_total) == (4, 0, 1)
    assert close(field_f1(RECEIPT, no_total), 4 / 4.5)  # TP / (TP + (FP + FN) / 2)
    assert close(ted_accuracy(RECEIPT, no_total), 1 - 2 / 20)  # delete "total" and its leaf "3"
    typo = json.loads(json.dumps(RECEIPT).replace('"cake"', '"cakes"'))
    assert field_counts(RECEIPT, typo) == (4, 1, 1)
    assert close(field_f1(RECEIPT, typo), 0.8)
    assert close(ted_accuracy(RECEIPT, typo), 1 - 1 / 20)  # rename leaf: Levenshtein("cake", "cakes") = 1
    assert field_f1(RECEIPT, {}) == 0.0 and ted_accuracy(RECEIPT, {}) == 0.0


# --- screenshot_to_html: Design2Code -----------------------------------------------------------------


@pytest.mark.parametrize(
    "lab1, lab2, expected",
    [  # pairs 1, 7 and 17 of Sharma, Wu and Dalal's CIEDE2000 test data
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ],
)
def test_ciede2000_matches_published_pairs(lab1, lab2, expected):
    assert close(ciede2000(lab1, lab2), expected)


def test_design2code_scores():
    black = (0.0, 0.0, 0.0)
    a = Block("hello world", (0.0, 0.0, 0.5, 0.1), black)
    b = Block("second line", (0.0, 0.5, 0.5, 0.1), black)
    assert visual_scores([a, b], [a, b]) == {"block_match": 1.0, "text": 1.0, "position": 1.0, "color": 1.0, "overall": 1.0}
    # The second block 0.1 lower: position 1 - 0.1 for it, mean 0.95; overall (1 + 1 + 0.95 + 1) / 4.
    shifted = Block("second line", (0.0, 0.6, 0.5, 0.1), black)
    scores = visual_scores([a, shifted], [a, b])
    assert close(scores["position"], 0.95) and close(scores["overall"], 0.9875)
    # A block left out: matched area 2 x 0.05 of 0.15 in all -> block-match 2/3.
    scores = visual_scores([a], [a, b])
    assert close(scores["block_match"], 2 / 3) and scores["text"] == 1.0
    assert visual_scores([], [a])["overall"] == 0.0


# --- chart_to_code: SSIM ----------------------------------------------------------------------------


def test_ssim_hand_worked():
    from factory.metrics.chart_code import ssim

    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (40, 40)).astype(np.uint8)
    assert close(ssim(noise, noise), 1.0)
    # Two flat images: no variance, so SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1), C1 = (0.01 x 255)^2.
    c1 = (0.01 * 255) ** 2
    assert close(ssim(np.full((40, 40), 100), np.full((40, 40), 120)), (2 * 100 * 120 + c1) / (100**2 + 120**2 + c1))
    assert ssim(noise, 255 - noise) < 0


# --- chart_qa, table_qa, document_table_qa: the final answer, numbers as the sample writes them ----


def test_qa_numbers_are_read_with_the_samples_conventions():
    from factory.metrics.qa_answers import CHART, NumberStyle, relaxed_match

    de = NumberStyle(",", ".", ("€", "EUR"))  # a de_DE document
    ar = NumberStyle("\u066b", "\u066c")  # an ar_EG table image with native digits
    fr = NumberStyle(",", " ", ("€", "EUR"))  # fr_FR: a narrow no-break space groups, written ' ' in targets
    hi = NumberStyle(".", ",", ("₹", "INR"))
    right = [
        ("1.234,5", "1234.5", de), ("1.234,5", "1,234.5", de), ("1.234,5", "1.234,5", de), ("1.234", "1234", de),
        ("37,50 EUR", "37.5", de), ("37,50 EUR", "37,50 €", de), ("-798,00 EUR", "(798)", de), ("1.057,50 EUR", "1.057,50", de),
        ("١٢٫٥", "12.5", ar), ("١٢٫٥", "12٫5", ar), ("١٬٢٣٤", "1,234", ar), ("-٤٢٫٩٪", "-42.9%", ar), ("٠", "0", ar),
        ("1 234,50 €", "1234,5", fr), ("1 234,50 €", "1\u202f234,50\u00a0€", fr), ("₹1,23,456.00", "123456", hi),
        ("Ja", "ja.", de), ("Dipl.-Ing. Kensy", " dipl.-ing. kensy ", de), ("Nurse", '"Nurse"', CHART),
    ]  # fmt: skip
    wrong = [
        ("1.234,5", "1.357,95", de),  # 10% off
        ("1.234", "1.3", de),  # '1.3' is no German grouping: read as 1.3, not 1,300
        ("١٢٫٥", "13.75", ar), ("١٢٫٥٪", "12.5", ar),  # '%' divides one side only, as published
        ("٠٫٠", "0", ar),  # a 0 target: the same text, read in Western digits
        ("1 234,50 €", "1 23", fr), ("Q1 2019", "Q1", CHART), ("12", "12 apples", CHART), ("12", "INV-12", de),
    ]  # fmt: skip
    assert [relaxed_match(t, p, s) for t, p, s in right] == [True] * len(right)
    assert [relaxed_match(t, p, s) for t, p, s in wrong] == [False] * len(wrong)
    assert relaxed_match("1.234", "1.234,5", de)  # 1234 against 1234.5: 0.04% off


def test_qa_plain_latin_answers_score_as_published_bit_for_bit():
    """Every pair of float()-readable ASCII answers gets exactly ChartQA's relaxed_correctness,
    5% boundaries and 0 targets included, with the chart's and a table's conventions."""
    import itertools

    from factory.metrics.qa_answers import CHART, NumberStyle, relaxed_match

    texts = ["0", "0.0", "-0", "12.5", "13", "13.125", "11.875", "13.2", "10%", "10.4%", "10.5%", "0%", "-12.5", "+12.5", "12.50",
             "1e3", "1000", "1050", "1050.01", "nan", "inf", "2021", " 12.5 ", "1_000", ".5", "0.5", "5.", "3.1415", "3.2987"]  # fmt: skip
    for style in (CHART, NumberStyle(".", ",")):
        for target, prediction in itertools.product(texts, repeat=2):
            assert relaxed_match(target, prediction, style) is relaxed_correctness(target, prediction), (target, prediction)


def test_qa_scorer_takes_the_final_answer_of_a_rationale():
    from factory.metrics import make_scorer

    target = "program: mean(Revenue)\nvalues: Revenue A = 12.0; Revenue B = 13.0\nmean(Revenue) = 12.5\nanswer: 12.5"
    scorer = make_scorer("chart_qa", {})
    assert scorer.score("12.5", target, {}, b"") == {"relaxed_accuracy": 1.0, "exact_match": 1.0, "program_match": 0.0}
    assert scorer.score("I think so.\nanswer: 12.9", target, {}, b"")["relaxed_accuracy"] == 1.0
    assert scorer.score(target, target, {}, b"") == {"relaxed_accuracy": 1.0, "exact_match": 1.0, "program_match": 1.0}
    assert scorer.score("answer: 14", target, {}, b"")["relaxed_accuracy"] == 0.0
    assert scorer.score("Yes", "Yes", {}, b"") == {"relaxed_accuracy": 1.0, "exact_match": 1.0}  # no rationale: no program_match
    rows = [scorer.score("12.5", target, {}, b""), scorer.score(target, target, {}, b"")]
    assert scorer.aggregate(rows) == {"relaxed_accuracy": 100.0, "exact_match": 100.0, "program_match": 50.0}
    assert "program_match" not in scorer.aggregate([*rows, scorer.score("Yes", "Yes", {}, b"")])
