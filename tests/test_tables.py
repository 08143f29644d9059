"""Generated and user tables: determinism, reach of every kind and mode, formatting, user-file errors."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from factory.components import to_jsonable
from factory.errors import Dropped, FactoryError
from factory.generators.table_request import (
    LABEL_KINDS,
    MAX_CHARS,
    TIME_KINDS,
    TableOptions,
    TableRequest,
    detect_label_kind,
    intersect,
    time_keys,
)
from factory.generators.tables import TableSource
from factory.tabular import Table, format_value


@pytest.fixture(scope="module")
def source() -> TableSource:
    return TableSource(TableOptions())


def draw(src: TableSource, seed: int, request: TableRequest) -> Table:
    return src.sample(np.random.default_rng(seed), seed, request)


def numbers(table: Table) -> np.ndarray:
    return np.array([row[1:] for row in table.rows], dtype=float)


def check_table(table: Table, request: TableRequest, options: TableOptions = TableOptions()) -> None:
    """Invariants every generated table keeps."""
    rows, series = intersect(options.rows, request.rows), intersect(options.series, request.series)
    assert rows[0] <= len(table.rows) <= rows[1]
    assert series[0] <= len(table.series) <= series[1]
    assert table.label_column.kind == ("number" if request.numeric_labels else "label")
    assert all(c.kind == "number" for c in table.series)
    assert len({c.name for c in table.columns}) == len(table.columns), "headers are distinct"
    labels = table.labels()
    assert len(set(labels)) == len(labels), "labels are distinct"
    assert all(0 < len(x) for x in labels)
    for row in table.rows:
        assert len(row) == len(table.columns)
        for value, column in zip(row, table.columns):
            if column.kind == "label":
                assert isinstance(value, str)
                continue
            assert isinstance(value, float) and math.isfinite(value)
            text = format_value(value, column)
            assert len(text) <= MAX_CHARS, (text, table.title)
            assert float(text.rstrip("%")) == value, "stored already rounded to the shown digits"
            assert not text.startswith("-0") or text.startswith("-0.") and float(text.rstrip("%")) != 0
            assert 0 <= column.decimals <= 5
    json.dumps(to_jsonable(table), allow_nan=False)
    kind = table.facts["label_kind"]
    if kind in TIME_KINDS:
        found = time_keys(labels)
        assert found is not None and found[0] == kind, labels
        keys = found[1]
        assert all(a < b for a, b in zip(keys, keys[1:])), f"time labels ascend: {labels}"
    if request.numeric_labels:
        xs = [row[0] for row in table.rows]
        assert all(a < b for a, b in zip(xs, xs[1:]))
    values = numbers(table)
    if request.values == "positive":
        assert (values > 0).all()
    elif request.values == "with_negatives":
        assert (values < 0).any()
    elif request.values == "share":
        assert (values > 0).all()
        if table.facts.get("share") == "percent_of_total":
            col = table.series[0]
            for j in range(values.shape[1]):
                assert round(values[:, j].sum(), col.decimals) == 100


REQUESTS = [
    TableRequest(),
    TableRequest(values="positive"),
    TableRequest(values="with_negatives"),
    TableRequest(values="share", series=(1, 1)),
    TableRequest(values="share", series=(2, 3)),
    TableRequest(label_kinds=TIME_KINDS, rows=(4, 24)),
    TableRequest(label_kinds=TIME_KINDS, values="with_negatives", series=(2, 4)),
    TableRequest(numeric_labels=True, rows=(5, 30)),
    TableRequest(numeric_labels=True, values="with_negatives"),
    TableRequest(rows=(2, 3), series=(3, 6)),
]


@pytest.mark.parametrize("request_index", range(len(REQUESTS)))
def test_every_table_keeps_the_invariants(source: TableSource, request_index: int) -> None:
    request = REQUESTS[request_index]
    for seed in range(120):
        check_table(draw(source, seed, request), request)


def test_same_seed_same_table_and_fresh_sources_agree(source: TableSource) -> None:
    other = TableSource(TableOptions())
    other.faker_labels.pool("people")  # pools built in another order must not change anything
    for seed in range(60):
        request = REQUESTS[seed % len(REQUESTS)]
        a = draw(source, seed, request)
        b = draw(source, seed, request)
        c = draw(other, seed, request)
        assert a == b == c
    assert draw(source, 1, TableRequest()) != draw(source, 2, TableRequest())


@pytest.mark.parametrize("kind", LABEL_KINDS)
def test_every_label_kind_is_reachable(source: TableSource, kind: str) -> None:
    request = TableRequest(label_kinds=(kind,))
    for seed in range(25):
        table = draw(source, seed, request)
        assert table.facts["label_kind"] == kind
        check_table(table, request)


def test_default_request_reaches_all_kinds_modes_and_features(source: TableSource) -> None:
    kinds, modes, trends, scales, units = set(), set(), set(), set(), set()
    seasonal = percent = empty_title = small = multi = 0
    for seed in range(600):
        table = draw(source, seed, TableRequest())
        facts = table.facts
        kinds.add(facts["label_kind"])
        modes.add(facts["values"])
        trends.update(facts.get("trend", []))
        scales.add(facts.get("scale"))
        units.add(facts["unit"])
        seasonal += facts.get("seasonality") is not None
        percent += table.series[0].percent
        empty_title += table.title == ""
        multi += len(table.series) > 1
        small += bool((np.abs(numbers(table)) < 0.01).any() and (numbers(table) != 0).all())
    assert kinds == set(LABEL_KINDS)
    assert modes == {"positive", "with_negatives"}
    assert trends >= {"up", "down", "flat", "peak", "dip", "random_walk"}
    assert {0, 3, 6, 9} <= scales
    assert any("bn" in u for u in units) and "%" in units and "°C" in units
    assert seasonal and percent and empty_title and multi and small
    assert 20 < empty_title < 120  # about 10 %


def test_share_modes_reach_percentages_and_amounts(source: TableSource) -> None:
    seen = set()
    for seed in range(80):
        table = draw(source, seed, TableRequest(values="share"))
        seen.add(table.facts["share"])
        assert table.facts["label_kind"] not in TIME_KINDS  # pies of years only when asked for
    assert seen == {"percent_of_total", "amounts"}


def test_headers_carry_units_and_titles_read_well(source: TableSource) -> None:
    for seed in range(200):
        table = draw(source, seed, TableRequest(series=(1, 1)))
        col = table.series[0]
        if col.unit and not col.percent:
            assert col.name.endswith(f"({col.unit})"), col.name
        if col.percent:
            assert format_value(table.rows[0][1], col).endswith("%")
        assert "  " not in table.title and not table.title.endswith(" ")
        if table.facts["label_kind"] in TIME_KINDS and table.title:
            assert str(table.facts["end_year"]) in table.title


def test_ranges_intersect_and_the_chart_need_wins() -> None:
    assert intersect((3, 12), (4, 20)) == (4, 12)
    assert intersect((3, 5), (8, 20)) == (8, 8)
    assert intersect((10, 20), (2, 4)) == (4, 4)
    src = TableSource(TableOptions(rows=(3, 5), series=(1, 2)))
    for seed in range(20):
        table = draw(src, seed, TableRequest(rows=(4, 40), series=(2, 6)))
        assert 4 <= len(table.rows) <= 5 and len(table.series) == 2


def test_option_label_kinds_and_locale() -> None:
    src = TableSource(TableOptions(label_kinds=("months",), locale="fr_FR", empty_title=0.0))
    for seed in range(10):
        table = draw(src, seed, TableRequest())
        assert table.facts["label_kind"] == "months" and table.title
    assert any(x in {"Janvier", "Mars", "Juin", "Août", "Décembre"} for s in range(30)
               for x in draw(src, s, TableRequest(rows=(12, 12))).labels())  # fmt: skip
    ja = TableSource(TableOptions(locale="ja_JP", label_kinds=("cities",)))
    assert any(ord(ch) > 0x3000 for ch in draw(ja, 0, TableRequest()).labels()[0])


@pytest.mark.parametrize(
    "bad",
    [{"rows": (0, 3)}, {"rows": (5, 2)}, {"series": (1, 900)}, {"locale": "xx_XX"}, {"label_kinds": ("planets",)},
     {"missing": "guess"}, {"empty_title": 2}, {"colour": "red"}],
)  # fmt: skip
def test_bad_options_are_rejected(bad: dict) -> None:
    with pytest.raises(ValidationError):
        TableOptions(**bad)


def test_bad_requests_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        TableRequest(values="negative")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TableRequest(label_kinds=("planets",))


def test_label_kind_detection() -> None:
    assert detect_label_kind(["2019", "2020"]) == "years"
    assert detect_label_kind(["FY2019", "FY2020"]) == "years"
    assert detect_label_kind(["Q1 2021", "Q2 2021", "2021-Q3"]) == "categories"  # mixed formats
    assert detect_label_kind(["Q3'21", "Q4'21"]) == "quarters"
    assert detect_label_kind(["Jan", "February", "Mar"]) == "months"
    assert detect_label_kind(["2021-01", "2021-02"]) == "months"
    assert detect_label_kind(["2021-03-15", "2021-03-16"]) == "dates"
    assert detect_label_kind(["2021-13-15"]) == "categories"
    assert detect_label_kind(["1.5", "-2", "3e3"]) == "number"
    assert detect_label_kind(["Germany", "France"]) == "categories"
    assert time_keys(["Jan 2021", "Feb 2021"]) == ("months", [(2021, 1), (2021, 2)])


def test_sampling_is_fast(source: TableSource) -> None:
    """Budget: well under 2 ms a table (pools are built once per source, outside the loop)."""
    requests = [TableRequest(), TableRequest(label_kinds=TIME_KINDS), TableRequest(values="share"),
                TableRequest(numeric_labels=True)]  # fmt: skip
    for request in requests:
        draw(source, 0, request)
    best = math.inf
    for _ in range(3):  # CPU time, best of three rounds: other processes on a busy machine do not count
        t0 = time.process_time()
        for seed in range(400):
            draw(source, seed, requests[seed % 4])
        best = min(best, (time.process_time() - t0) / 400)
    assert best < 2e-3, f"{best * 1e3:.2f} ms per table"


# user tables -----------------------------------------------------------------------------------


def user_source(path, **options) -> TableSource:
    return TableSource(TableOptions(source=str(path), **options))


TRADE_CSV = """Year,Exports (USD bn),Imports (USD bn),Share,Note
2015,200,158.25,12.5%,first
2016,,170.5,13%,
2017,230.5,-5,14.25%,dip
2018,240,190,15%,
2019,250.75,,16%,
2020,260,200,17.5%,last
"""


def test_user_csv_columns_decimals_and_holes(tmp_path) -> None:
    path = tmp_path / "trade_by_year.csv"
    path.write_text(TRADE_CSV, encoding="utf-8")
    src = user_source(path)
    (file,) = src._user.files  # type: ignore[union-attr]
    assert file.title == "Trade by year" and file.label_header == "Year" and file.label_kind == "years"
    assert [s.name for s in file.series] == ["Exports (USD bn)", "Imports (USD bn)", "Share"]
    assert [s.decimals for s in file.series] == [2, 2, 2]
    assert [s.unit for s in file.series] == ["USD bn", "USD bn", "%"]
    assert file.series[2].percent and not file.series[0].percent
    for seed in range(40):
        table = draw(src, seed, TableRequest(rows=(2, 6)))
        assert table.title == "Trade by year"
        assert [c.name for c in table.columns][0] == "Year"
        for row in table.rows:
            assert all(v is not None and not math.isnan(v) for v in row[1:]), "drop_row leaves no holes"
        first, last = table.facts["first_row"], table.facts["last_row"]
        years = [int(r[0]) for r in table.rows]
        assert years[0] == 2014 + first and years[-1] == 2014 + last
        assert table.facts["source"] == "user" and table.facts["file"] == "trade_by_year.csv"
    assert draw(src, 5, TableRequest()) == draw(src, 5, TableRequest())


def test_user_missing_zero_and_error(tmp_path) -> None:
    path = tmp_path / "trade.csv"
    path.write_text(TRADE_CSV, encoding="utf-8")
    zero = user_source(path, missing="zero")
    table = draw(zero, 0, TableRequest(rows=(6, 6), series=(3, 3)))
    assert len(table.rows) == 6 and table.rows[1][1] == 0.0
    with pytest.raises(FactoryError) as err:
        user_source(path, missing="error")
    message = str(err.value)
    assert "trade.csv" in message and "row 2" in message and "'Exports (USD bn)'" in message
    assert "\n" not in message


def test_user_value_modes(tmp_path) -> None:
    path = tmp_path / "trade.csv"
    path.write_text(TRADE_CSV, encoding="utf-8")
    src = user_source(path)
    for seed in range(30):
        positive = draw(src, seed, TableRequest(values="positive", rows=(2, 4), series=(1, 3)))
        assert "Imports (USD bn)" not in [c.name for c in positive.columns]  # has a negative value
        assert (numbers(positive) > 0).all()
        negative = draw(src, seed, TableRequest(values="with_negatives", rows=(2, 3)))
        assert (numbers(negative) < 0).any()
        scatter = draw(src, seed, TableRequest(numeric_labels=True, rows=(2, 4)))
        assert scatter.label_column.kind == "number" and scatter.label_column.name == "Year"
        assert format_value(scatter.rows[0][0], scatter.label_column).isdigit()
    with pytest.raises(Dropped) as dropped:
        draw(src, 0, TableRequest(values="share", series=(3, 3)))
    assert dropped.value.reason == "table_unfit"
    with pytest.raises(Dropped):
        draw(src, 0, TableRequest(rows=(20, 30)))


def test_user_parquet_folder_and_label_rules(tmp_path) -> None:
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    pd.DataFrame({
        "when": pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01"]),
        "flag": [True, False, True, True],
        "Visitors": [120, 130, 125, 160],
        "Rate (%)": [1.25, 2.5, 3.0, 0.1],
        "empty": [None, None, None, None],
    }).to_parquet(folder / "sub" / "site-visits.parquet")  # fmt: skip
    (folder / "no_label.csv").write_text("a;b\n1;2.5\n3;4.25\n5;6\n", encoding="utf-8")
    (folder / ".hidden.csv").write_text("x\nnot numbers\n", encoding="utf-8")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    src = user_source(folder)
    files = {f.name: f for f in src._user.files}  # type: ignore[union-attr]
    assert sorted(files) == ["no_label.csv", "sub/site-visits.parquet"]
    visits = files["sub/site-visits.parquet"]
    assert visits.label_header == "when" and visits.labels[0] == "2021-01-01" and visits.label_kind == "dates"
    assert [(s.name, s.decimals) for s in visits.series] == [("Visitors", 0), ("Rate (%)", 2)]
    assert visits.title == "Site visits"
    plain = files["no_label.csv"]
    assert plain.label_header == "Row" and plain.labels == ["1", "2", "3"]
    assert [(s.name, s.decimals) for s in plain.series] == [("a", 0), ("b", 2)]
    scatter = draw(src, 0, TableRequest(numeric_labels=True, rows=(2, 3), series=(1, 1)))
    if scatter.facts["file"] == "no_label.csv":
        assert scatter.label_column.name == "a"  # the first series becomes x, not the row number
    picked = {draw(src, s, TableRequest(rows=(2, 4))).facts["file"] for s in range(30)}
    assert picked == set(files)
    line = {draw(src, s, TableRequest(rows=(2, 4), label_kinds=TIME_KINDS)).facts["file"] for s in range(20)}
    assert line == {"sub/site-visits.parquet"}  # files with time labels are preferred


def test_user_year_column_and_explicit_label_column(tmp_path) -> None:
    path = tmp_path / "gdp.csv"
    path.write_text("year,Country,GDP\n2019,A,1.5\n2020,B,1.75\n2021,C,2\n", encoding="utf-8")
    (file,) = user_source(path)._user.files  # type: ignore[union-attr]
    assert file.label_header == "year" and [s.name for s in file.series] == ["GDP"]
    (file,) = user_source(path, label_column="Country")._user.files  # type: ignore[union-attr]
    assert file.labels == ["A", "B", "C"] and [s.name for s in file.series] == ["year", "GDP"]
    with pytest.raises(FactoryError, match="no column 'Land'"):
        user_source(path, label_column="Land")
    index = tmp_path / "indexed.csv"
    pd.DataFrame({"name": ["x", "y"], "v": [1.5, 2.0]}).to_csv(index)  # writes an "Unnamed: 0" index
    (file,) = user_source(index)._user.files  # type: ignore[union-attr]
    assert [s.name for s in file.series] == ["v"] and file.labels == ["x", "y"]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("missing.csv", None, "does not exist"),
        ("table.xlsx", b"PK\x03\x04", "is not a .csv, .tsv, .parquet or .pq file"),
        ("broken.parquet", b"PAR1 this is not parquet", "cannot read table file"),
        ("latin1.csv", "name,v\nZ\xfcrich,1\n".encode("latin-1"), "UTF-8"),
        ("quotes.csv", b'a,b\n1,"2\n', "cannot read table file"),
        ("empty.csv", b"", "is empty"),
        ("header_only.csv", b"a,b\n", "no data rows"),
        ("words.csv", b"city,note\nParis,big\nRome,old\n", "no numeric column (columns: city, note)"),
        ("commas.csv", b"city,sales\nParis,\"1,234\"\nRome,\"2,000\"\n", "no numeric column"),
    ],
)
def test_user_file_errors_are_one_line(tmp_path, name: str, content: bytes | None, expected: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FactoryError) as err:
        user_source(path)
    message = str(err.value)
    assert expected in message and "\n" not in message
    assert name in message


def test_folder_without_tables_is_an_error(tmp_path) -> None:
    (tmp_path / "readme.md").write_text("hi", encoding="utf-8")
    with pytest.raises(FactoryError, match="holds no .csv"):
        user_source(tmp_path)


def test_user_decimals_from_text_exponents_and_float32(tmp_path) -> None:
    csv = tmp_path / "sci.csv"
    csv.write_text("k,a,b\nx,1e-3,5.\ny,2.5E2,+.25\nz,3,-1\n", encoding="utf-8")
    (file,) = user_source(csv)._user.files  # type: ignore[union-attr]
    assert [(s.decimals, list(s.values)) for s in file.series] == [(3, [0.001, 250.0, 3.0]), (2, [5.0, 0.25, -1.0])]
    pq = tmp_path / "f32.parquet"
    pd.DataFrame({"k": ["a", "b"], "v": np.array([0.1, 2.25], dtype=np.float32)}).to_parquet(pq)
    (file,) = user_source(pq)._user.files  # type: ignore[union-attr]
    assert file.series[0].decimals == 2 and list(file.series[0].values) == [0.1, 2.25]


def test_large_user_file_loads_and_samples_quickly(tmp_path) -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "a": rng.normal(size=n).round(2),
                          "b": rng.uniform(1, 100, size=n).round(1)})  # fmt: skip
    frame.loc[::7, "b"] = np.nan
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    t0 = time.process_time()
    src = user_source(path)
    load = time.process_time() - t0
    t0 = time.process_time()
    for seed in range(100):
        table = draw(src, seed, TableRequest(values="with_negatives", series=(2, 2)))
        assert (numbers(table) < 0).any() and not np.isnan(numbers(table)).any()
        rows = [int(r[0][1:]) for r in table.rows]
        assert all(a < b for a, b in zip(rows, rows[1:])) and all(r % 7 for r in rows)
    per_table = (time.process_time() - t0) / 100
    assert load < 5 and per_table < 5e-3, (load, per_table)
