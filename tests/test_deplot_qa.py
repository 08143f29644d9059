"""DePlot linearization (exact text) and chart QA answers checked against hand-computed values."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest

from factory.generators.table_request import TIME_KINDS, TableOptions, TableRequest
from factory.generators.tables import TableSource
from factory.tabular import Column, Table, format_value
from factory.tasks.chart_qa import TEMPLATES, make_qa
from factory.tasks.deplot import linearize

# DePlot ----------------------------------------------------------------------------------------


def exports() -> Table:
    return Table(
        title="Exports by year",
        columns=[Column("year", "label"), Column("argentina"), Column("brazil", decimals=1)],
        rows=[["1999", 200.0, 158.0], ["2000", 215.0, -3.5]],
    )


def test_deplot_exact_text() -> None:
    assert linearize(exports()) == (
        "TITLE | Exports by year\n"
        "year | argentina | brazil\n"
        "1999 | 200 | 158.0\n"
        "2000 | 215 | -3.5"
    )


def test_deplot_without_title_percent_units_and_numeric_x() -> None:
    table = Table(
        title="",
        columns=[Column("Height (cm)", "number", "cm", 1), Column("Share", unit="%", decimals=2, percent=True)],
        rows=[[150.25, 12.5], [160.0, -0.001]],
    )
    assert linearize(table) == "TITLE | \nHeight (cm) | Share\n150.2 | 12.50%\n160.0 | 0.00%"


def test_deplot_sanitises_text_that_would_break_the_format() -> None:
    table = Table(
        title="Sales | returns\nby store",
        columns=[Column("store\tname", "label"), Column("a|b")],
        rows=[["North | South", 1.0], ["  East\r\nWest  ", None]],
    )
    assert linearize(table) == (
        "TITLE | Sales/returns by store\n"
        "store name | a/b\n"
        "North/South | 1\n"
        "East West | "
    )


def test_deplot_lines_match_generated_tables() -> None:
    source = TableSource(TableOptions())
    for seed in range(40):
        table = source.sample(np.random.default_rng(seed), seed, TableRequest())
        lines = linearize(table).split("\n")
        assert lines[0] == f"TITLE | {table.title}"
        assert len(lines) == len(table.rows) + 2
        for line, row in zip(lines[2:], table.rows):
            cells = line.split(" | ")
            assert len(cells) == len(table.columns)
            assert cells[1:] == [format_value(v, c) for v, c in zip(row[1:], table.series)]


# chart QA --------------------------------------------------------------------------------------

YEARS = ["2019", "2020", "2021", "2022", "2023"]
ARG = [200.0, 158.5, 210.2, 199.9, 250.0]
BRA = [120.5, 130.0, 125.0, 140.3, 90.1]


def trade() -> Table:
    return Table(
        title="Exports",
        columns=[Column("Year", "label"), Column("Argentina (USD bn)", unit="USD bn", decimals=1),
                 Column("Brazil (USD bn)", unit="USD bn", decimals=1)],  # fmt: skip
        rows=[[y, a, b] for y, a, b in zip(YEARS, ARG, BRA)],
    )


def fmt1(x: float) -> str:
    return f"{x:.1f}"


def oracle() -> dict[str, dict[str, str]]:
    """Every question each template may ask about `trade()`, with its answer, computed independently."""
    series = {"Argentina": ARG, "Brazil": BRA}
    out: dict[str, dict[str, str]] = {name: {} for name in TEMPLATES}
    for s, vals in series.items():
        for y, v in zip(YEARS, vals):
            out["value_lookup"][f"What is the {s} for {y}?"] = fmt1(v)
        best, worst = YEARS[vals.index(max(vals))], YEARS[vals.index(min(vals))]
        out["maximum"][f"Which year has the highest {s}?"] = best
        out["maximum"][f"What is the highest {s}?"] = fmt1(max(vals))
        out["minimum"][f"Which year has the lowest {s}?"] = worst
        out["minimum"][f"What is the lowest {s}?"] = fmt1(min(vals))
        out["sum"][f"What is the total {s} across all years?"] = fmt1(sum(vals))
        out["count"]["How many years are shown in the chart?"] = "5"
        for (i, a), (j, b) in permutations(list(enumerate(vals)), 2):
            ya, yb = YEARS[i], YEARS[j]
            out["difference"][f"What is the difference between the {s} for {ya} and for {yb}?"] = fmt1(abs(a - b))
            if i < j:
                out["sum"][f"What is the sum of the {s} for {ya} and {yb}?"] = fmt1(a + b)
                out["trend"][f"Did the {s} increase or decrease from {ya} to {yb}?"] = "Increase" if b > a else "Decrease"
            out["comparison"][f"Is the {s} for {ya} higher than for {yb}?"] = "Yes" if a > b else "No"
            out["comparison"][f"Which year has the higher {s}: {ya} or {yb}?"] = ya if a > b else yb
            out["ratio"][f"What is the ratio of the {s} for {ya} to that for {yb}?"] = f"{a / b + 1e-12:.2f}"
        for v in vals:
            out["count"][f"For how many years is the {s} above {fmt1(v)}?"] = str(sum(x > v for x in vals))
            out["count"][f"For how many years is the {s} below {fmt1(v)}?"] = str(sum(x < v for x in vals))
    out["average"]["What is the average Argentina across all years?"] = "203.72"  # 1018.6 / 5
    out["average"]["What is the average Brazil across all years?"] = "121.18"  # 605.9 / 5
    for y, a, b in zip(YEARS, ARG, BRA):
        out["difference"][f"For {y}, what is the difference between the Argentina and the Brazil?"] = fmt1(abs(a - b))
        out["comparison"][f"For {y}, which is higher: Argentina or Brazil?"] = "Argentina" if a > b else "Brazil"
    return out


def test_every_template_answers_exactly_as_computed_by_hand() -> None:
    expected = oracle()
    seen: dict[str, int] = {name: 0 for name in TEMPLATES}
    for seed in range(60):
        pairs = make_qa(trade(), np.random.default_rng(seed), 12)
        assert len(pairs) == 12
        assert len({p["question"] for p in pairs}) == 12
        for pair in pairs:
            assert set(pair) == {"template", "question", "answer"}
            name = pair["template"]
            assert pair["question"] in expected[name], pair
            assert pair["answer"] == expected[name][pair["question"]], pair
            seen[name] += 1
    assert all(seen.values()), seen


def test_hand_picked_answers() -> None:
    expected = oracle()
    assert expected["difference"]["What is the difference between the Argentina for 2019 and for 2020?"] == "41.5"
    assert expected["ratio"]["What is the ratio of the Argentina for 2019 to that for 2020?"] == "1.26"  # 1.2618
    assert expected["ratio"]["What is the ratio of the Brazil for 2022 to that for 2023?"] == "1.56"  # 1.5571
    assert expected["sum"]["What is the total Brazil across all years?"] == "605.9"


def test_percent_columns_exact_averages_and_half_up() -> None:
    table = Table(
        title="",
        columns=[Column("Country", "label"), Column("Share", unit="%", decimals=1, percent=True)],
        rows=[["A", 12.5], ["B", 10.0], ["C", 2.6]],
    )
    answers = {}
    for seed in range(80):
        for pair in make_qa(table, np.random.default_rng(seed), 10):
            answers[pair["question"]] = pair["answer"]
    assert answers["What is the difference between the Share for A and for B?"] == "2.5%"
    assert answers["What is the Share for C?"] == "2.6%"
    assert answers["What is the average Share across all countries?"] == "8.37%"  # 25.1 / 3 = 8.366...
    assert answers["What is the ratio of the Share for A to that for B?"] == "1.25"  # exactly 1.25, no '%'
    assert answers["What is the ratio of the Share for C to that for B?"] == "0.26"
    assert answers["What is the total Share across all countries?"] == "25.1%"
    assert not any("increase or decrease" in q for q in answers), "no trend without time labels"


def test_exact_average_keeps_column_decimals() -> None:
    table = Table("", [Column("Item", "label"), Column("Units")], [["a", 1.0], ["b", 2.0], ["c", 6.0]])
    answers = {p["question"]: p["answer"] for s in range(40) for p in make_qa(table, np.random.default_rng(s), 10)}
    assert answers["What is the average Units across all items?"] == "3"
    table.rows[2][1] = 4.0
    answers = {p["question"]: p["answer"] for s in range(40) for p in make_qa(table, np.random.default_rng(s), 10)}
    assert answers["What is the average Units across all items?"] == "2.3"


def test_trend_follows_time_not_row_order() -> None:
    table = trade()
    table.rows.reverse()  # newest first
    for seed in range(40):
        for pair in make_qa(table, np.random.default_rng(seed), 12):
            if pair["template"] == "trend":
                a, b = (int(x) for x in pair["question"].rstrip("?").split("from ")[1].split(" to "))
                assert a < b
                assert pair["answer"] == oracle()["trend"][pair["question"]]


def test_templates_that_do_not_fit_are_skipped() -> None:
    one_row = Table("", [Column("x", "label"), Column("v")], [["a", 1.0]])
    assert make_qa(one_row, np.random.default_rng(0), 5) == []
    ties = Table("", [Column("x", "label"), Column("v")], [["a", 1.0], ["b", 1.0]])
    templates = {p["template"] for s in range(20) for p in make_qa(ties, np.random.default_rng(s), 10)}
    assert "trend" not in templates and "count" not in templates
    questions = {p["question"] for s in range(20) for p in make_qa(ties, np.random.default_rng(s), 10)}
    assert not any(q.startswith("Which x has the") for q in questions), "no argmax when values tie"
    negative = Table("", [Column("x", "label"), Column("v")], [["a", -1.0], ["b", -2.0], ["c", 0.0]])
    assert not any(p["template"] == "ratio" for s in range(20) for p in make_qa(negative, np.random.default_rng(s), 10))


def test_qa_is_deterministic_and_names_generated_series() -> None:
    source = TableSource(TableOptions())
    for seed in range(60):
        request = TableRequest(series=(2, 3), label_kinds=TIME_KINDS if seed % 2 else None)
        table = source.sample(np.random.default_rng(seed), seed, request)
        a = make_qa(table, np.random.default_rng(seed), 8)
        assert a == make_qa(table, np.random.default_rng(seed), 8)
        assert 1 <= len(a) <= 8
        names = [c.name for c in table.series]
        for pair in a:
            if pair["template"] in ("value_lookup", "maximum", "minimum", "average"):
                assert any(name.split(" (")[0].casefold() in pair["question"].casefold() for name in names), pair
        if seed % 2:
            assert any(p["template"] == "trend" for s in range(10) for p in make_qa(table, np.random.default_rng(s), 10))


@pytest.mark.parametrize("request_", [TableRequest(), TableRequest(numeric_labels=True), TableRequest(values="share")])
def test_lookup_answers_are_the_chart_text(request_: TableRequest) -> None:
    source = TableSource(TableOptions())
    for seed in range(30):
        table = source.sample(np.random.default_rng(seed), seed, request_)
        shown = {format_value(v, c) for row in table.rows for v, c in zip(row[1:], table.series)}
        for pair in make_qa(table, np.random.default_rng(seed), 10):
            if pair["template"] == "value_lookup":
                assert pair["answer"] in shown
