"""Cells and headers of user tables (QA round 5): an empty label is skipped, never drawn as "nan";
two columns with one header are an error, not a silent 'A.1'; a FIFO or device as the source is
refused unopened with a message that says what it is."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factory.cli import main
from factory.errors import FactoryError
from factory.generators.charts import ChartGenerator, ChartOptions
from factory.generators.table_request import TableOptions
from factory.generators.tables import TableSource
from factory.meta import unpack as unpack_meta
from factory.recipe import recipe_from_dict
from factory.seeding import rng_for
from factory.tasks.deplot import linearize

# label cells the README calls empty: empty, spaces only (bare and quoted), NA, a dash, an em dash
CSV_ROWS = "Label,V1,V2\na,1,10\n,2,20\n   ,3,30\nc,4,40\nNA,5,50\n\"  \",6,60\nd,7,70\n-,8,80\ne,9,90\n—,10,100\nf,11,110\n"
KEPT = [("a", 1.0, 10.0), ("c", 4.0, 40.0), ("d", 7.0, 70.0), ("e", 9.0, 90.0), ("f", 11.0, 110.0)]


def user_source(path: Path, **options) -> TableSource:
    return TableSource(TableOptions(source=str(path), **options))


def parquet_with_empty_labels(path: Path) -> None:
    labels = ["a", None, "   ", "c", "NA", "\x00", "d", "", "e", "nan", "f"]
    pd.DataFrame({"Label": labels, "V1": np.arange(1.0, 12.0), "V2": np.arange(10.0, 120.0, 10.0)}).to_parquet(path)


def write_table(folder: Path, kind: str) -> Path:
    if kind == "csv":
        (folder / "t.csv").write_text(CSV_ROWS)
        return folder / "t.csv"
    parquet_with_empty_labels(folder / "t.parquet")
    return folder / "t.parquet"


@pytest.mark.parametrize("kind", ["csv", "parquet"])
@pytest.mark.parametrize("missing", ["drop_row", "zero"])
def test_rows_with_an_empty_label_are_skipped_in_image_and_target(tmp_path, kind, missing):
    write_table(tmp_path, kind)
    table = TableOptions(source=str(tmp_path), missing=missing, rows=(5, 5))
    gen = ChartGenerator(ChartOptions(chart_types=["bar", "donut"], table=table))
    for seed in range(4):
        spec = gen.sample(rng_for(seed), seed)
        drawn = spec.table.labels()
        assert drawn == [k[0] for k in KEPT], drawn  # the five labelled rows, in file order
        for j, column in enumerate(spec.table.columns[1:], start=1):
            assert [row[j] for row in spec.table.rows] == [k[int(column.name[1:])] for k in KEPT]
        assert spec.table.facts["skipped_rows"] == 6
        target = linearize(spec.table)
        assert "nan" not in target.lower() and "None" not in target
        assert [r.split(" | ")[0] for r in target.split("\n")[2:]] == drawn


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_missing_error_names_an_empty_label(tmp_path, kind):
    path = write_table(tmp_path, kind)
    with pytest.raises(FactoryError) as err:
        user_source(path, missing="error")
    assert "empty cell in row 2 (1 = first data row), column 'Label'" in str(err.value)


def test_qa_file_end_to_end_has_no_nan_label(tmp_path):
    """The QA file (two rows more, for a donut's three), through real donut samples: neither the
    target nor the source rows hold the unlabelled row `,2,3`."""
    (tmp_path / "empty.csv").write_text("Label,V1,V2\na,,1\n,2,3\nc,NA,—\nd,4,5\ne,6,\nf,7,8\ng,9,10\n")
    resolved = recipe_from_dict({
        "seed": 3, "samples": 4, "tasks": {"chart_to_table": 1},
        "generators": {"charts": {"chart_types": ["donut"], "table": {"source": str(tmp_path), "rows": [3, 4], "series": [1, 1]}}},
    })  # fmt: skip
    from factory.plan import plan_shards
    from factory.samples import Workshop, make_sample

    workshop = Workshop(resolved)
    shard = plan_shards(resolved)[0]
    try:
        for attempt in range(4):
            sample = make_sample(workshop, shard, attempt)
            text = sample.members["txt"].decode()
            rows = unpack_meta(json.loads(sample.members["json"]))["source"]["table"]["rows"]
            assert "nan" not in text
            assert all(isinstance(row[0], str) and row[0] in {"a", "d", "e", "f", "g"} for row in rows), rows
            assert [r.split(" | ")[0] for r in text.split("\n")[2:]] == [row[0] for row in rows]
    finally:
        workshop.close()


# --- duplicate headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, write", [
    ("dup.csv", lambda p: p.write_text("Label,A,A,B\nx,1,2,3\ny,4,5,6\nz,7,8,9\n")),
    ("dup.tsv", lambda p: p.write_text("Label\tA\tA\tB\nx\t1\t2\t3\ny\t4\t5\t6\n")),
    ("dup.parquet", lambda p: __import__("pyarrow.parquet").parquet.write_table(__import__("pyarrow").table(
        [["x", "y", "z"], [1, 4, 7], [2, 5, 8], [3, 6, 9]], names=["Label", "A", "A", "B"]), p)),
])  # fmt: skip
def test_duplicate_headers_are_a_one_line_error_naming_file_and_header(tmp_path, name, write):
    write(tmp_path / name)
    with pytest.raises(FactoryError) as err:
        user_source(tmp_path / name)
    message = str(err.value)
    assert f"table file '{tmp_path / name}' has two columns named 'A'; rename one" in message and "\n" not in message


def test_headers_alike_after_cleaning_are_twins_and_others_are_not(tmp_path):
    """' A' (a space after the comma, which pandas drops) and 'A ' are twins of 'A'; a header quoted
    across lines and several empty headers are not."""
    (tmp_path / "lead.csv").write_text("Label,A, A,B\nx,1,2,3\ny,4,5,6\n")
    with pytest.raises(FactoryError, match=r"lead.csv' has two columns named 'A'; rename one"):
        user_source(tmp_path / "lead.csv")
    (tmp_path / "trail.csv").write_text("Label,A,A ,B\nx,1,2,3\ny,4,5,6\n")
    with pytest.raises(FactoryError, match=r"trail.csv' has two columns named 'A' \(after '\|', control characters and spaces"):
        user_source(tmp_path / "trail.csv")
    (tmp_path / "ok.csv").write_text('L,"A\nB",A,,\nx,1,2,5,7\ny,3,4,6,8\n')
    names = [s.name for s in user_source(tmp_path / "ok.csv")._user.files[0].series]
    assert names[:2] == ["A B", "A"] and len(names) == 4


def test_duplicate_header_stops_the_cli_with_one_line(tmp_path, capsys):
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "dup.csv").write_text("Label,A,A,B\nx,1,2,3\ny,4,5,6\nz,7,8,9\nw,1,1,1\n")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"name: d\nsamples: 2\ntasks: {{chart_to_table: 1}}\ngenerators: {{charts: {{table: {{source: {tables}}}}}}}\n")
    assert main(["generate", str(recipe), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "dup.csv' has two columns named 'A'" in err and "\n" not in err
    assert not (tmp_path / "out").exists()


# --- special files as the source -----------------------------------------------------------------


@pytest.mark.parametrize("make", ["fifo", "zero"])
def test_fifo_or_device_as_table_source_is_refused_unopened(tmp_path, make):
    path = tmp_path / "t.csv"
    if make == "fifo":
        os.mkfifo(path)  # opening it would block until a writer came
    else:
        path.symlink_to("/dev/zero")  # reading it would never end
    t0 = time.monotonic()
    with pytest.raises(FactoryError) as err:
        user_source(path)
    assert time.monotonic() - t0 < 10
    message = str(err.value)
    assert f"table source '{path}' is not a regular file or a folder" in message
    assert "folder '" not in message and "\n" not in message
