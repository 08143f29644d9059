"""Hostile and careless input ends in one line naming the problem, in bounded time and memory, with
nothing written (issue 12, findings 7-9): recipes, user tables, histograms of user tables, and the
'|' and control-character rule shared by image and target."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factory.cli import main
from factory.errors import FactoryError, RecipeError
from factory.generators import user_tables
from factory.generators.charts import ChartGenerator, ChartOptions
from factory.generators.table_request import TableOptions
from factory.generators.tables import TableSource
from factory.recipe import load_recipe, read_recipe_text, recipe_from_dict
from factory.seeding import rng_for
from factory.tasks.deplot import linearize

BASE = "name: hostile\nsamples: 4\ntasks: {chart_to_table: 1}\n"
BOMB = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "x"] * 9) + "]\n" for i in range(9))


def cli_error(tmp_path: Path, recipe_text: str, capsys, *args: str) -> str:
    """Run generate on `recipe_text`: exit 2, one line on stderr, no traceback, nothing written."""
    recipe = tmp_path / "r.yaml"
    recipe.write_text(recipe_text)
    out = tmp_path / "out"
    t0 = time.monotonic()
    assert main(["generate", str(recipe), "--out", str(out), "--workers", "1", "--quiet", *args]) == 2
    assert time.monotonic() - t0 < 30
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    assert not out.exists()
    return err


@pytest.mark.parametrize(
    "text, expected",
    [
        (BASE + "renderers:\n  chromium:\n    executable: ok\n" + "".join("    " + line for line in BOMB.splitlines(True)), "more than 100,000 values"),
        (BASE + "generators: {charts: " + "[" * 3000 + "]" * 3000 + "}\n", "nesting deeper than 64"),
        (BASE + "description: &d [1, *d]\n", "contains an alias to itself"),
        (BASE + "samples: 5\n", "key 'samples' appears twice"),
        (BASE.replace("samples: 4", "samples: 1000000000000"), "recipe field 'samples'"),
        (BASE.replace("samples: 4", "samples: true"), "recipe field 'samples': Input should be a valid integer"),
        (BASE + "max_attempts_per_sample: .inf\n", "max_attempts_per_sample"),
        (BASE.replace("{chart_to_table: 1}", "{chart_to_table: .inf}"), "tasks.chart_to_table.weight"),
        (BASE + "renderers: {chromium: {timeout_ms: soon}}\n", "renderers.chromium.timeout_ms"),
        (BASE + "renderers: {chromium: {executible: /bin/x}}\n", "renderers.chromium.executible' is not a known field"),
        (BASE + "renderers: {matplotlib: {max_draws: 0}}\n", "renderers.matplotlib.max_draws"),
        (BASE.replace("samples: 4", "samples: 100000000") + "shard: {samples: 10}\n", "more than 100,000; raise shard.samples"),
    ],
    ids=["alias bomb in renderers.chromium", "3000-level nesting", "recursive anchor", "duplicate key",
         "samples 10**12", "samples: true", "max_attempts .inf", "weight .inf", "chromium setting type",
         "chromium setting name", "matplotlib setting", "too many shards"],
)
def test_hostile_recipes_are_one_line_errors(tmp_path, capsys, text, expected):
    assert expected in cli_error(tmp_path, text, capsys)


def test_recipe_path_that_is_a_folder_and_builtin_names_shadowed_by_folders(tmp_path, monkeypatch):
    (tmp_path / "recipes.yaml").mkdir()
    with pytest.raises(RecipeError, match="is a folder, not a recipe file"):
        read_recipe_text(str(tmp_path / "recipes.yaml"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mixed").mkdir()  # e.g. the output of an earlier run
    assert read_recipe_text("mixed")[1] == "built-in recipe 'mixed'"
    assert load_recipe("mixed").recipe.name == "mixed"
    (tmp_path / "notes").mkdir()
    with pytest.raises(RecipeError, match="'notes' is a folder"):
        read_recipe_text("notes")


def test_recipe_file_too_large_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * 2_000_000 + b"\n" + BASE.encode())
    with pytest.raises(RecipeError, match="a recipe is at most"):
        read_recipe_text(str(path))


# --- user tables ---------------------------------------------------------------------------------


def user_source(path: Path, **options) -> TableSource:
    return TableSource(TableOptions(source=str(path), **options))


@pytest.mark.parametrize("value", ["1e28", "-1e308", "1.7976931348623157e308"])
def test_huge_values_in_user_tables_are_one_line_errors(tmp_path, value):
    path = tmp_path / "big.csv"
    path.write_text(f"label,v\na,1\nb,{value}\nc,3\n")
    with pytest.raises(FactoryError) as err:
        user_source(path)
    assert "column 'v', row 2" in str(err.value) and "\n" not in str(err.value)


def test_huge_values_in_parquet_are_one_line_errors(tmp_path):
    pd.DataFrame({"label": ["a", "b"], "v": [1.0, -1e308]}).to_parquet(tmp_path / "t.parquet")
    with pytest.raises(FactoryError, match="beyond"):
        user_source(tmp_path / "t.parquet")


def test_non_utf8_file_name_is_a_one_line_error(tmp_path, capsys):
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "good.csv").write_text("k,v\na,1\nb,2\nc,3\n")
    raw = os.fsencode(folder) + b"/caf\xe9.csv"
    with open(raw, "wb") as f:
        f.write(b"k,v\na,1\nb,2\nc,3\n")
    with pytest.raises(FactoryError, match=r"caf\\xe9.csv' is not UTF-8") as err:
        user_source(folder)
    assert "\n" not in str(err.value)
    recipe = BASE + f"generators: {{charts: {{table: {{source: {json.dumps(str(folder))}}}}}}}\n"
    assert "is not UTF-8" in cli_error(tmp_path, recipe, capsys)


def test_big_user_table_is_read_in_bounded_memory(tmp_path, monkeypatch, caplog):
    """A CSV larger than the byte cap: only its first part is parsed (a 1 GB file behaves alike)."""
    monkeypatch.setattr(user_tables, "MAX_TABLE_BYTES", 64 * 1024)
    monkeypatch.setattr(user_tables, "MAX_TABLE_ROWS", 1000)
    path = tmp_path / "huge.csv"
    with open(path, "w") as f:
        f.write("id,a,b\n")
        for i in range(200_000):  # about 3 MB: 50x the cap
            f.write(f"r{i},{i % 97},{i % 13}.5\n")
    with caplog.at_level(logging.WARNING):
        (file,) = user_source(path).user.files
    assert 0 < file.rows <= 1000 and file.labels[:2] == ["r0", "r1"]
    assert "using its first" in caplog.text
    monkeypatch.setattr(user_tables, "MAX_TABLE_BYTES", 8 << 20)
    (file,) = user_source(path).user.files
    assert file.rows == 1000  # the row cap, now that the bytes allow more


def test_big_parquet_is_read_in_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(user_tables, "MAX_TABLE_ROWS", 500)
    n = 50_000
    pd.DataFrame({"k": [f"r{i}" for i in range(n)], "v": np.arange(n) % 10}).to_parquet(tmp_path / "t.parquet", row_group_size=5000)
    (file,) = user_source(tmp_path / "t.parquet").user.files
    assert file.rows == 500 and file.labels[-1] == "r499"


def test_wide_user_tables_read_their_first_columns(tmp_path, monkeypatch, caplog):
    """A file of thousands of columns cost every worker seconds per thousand (20,000 columns: a
    minute before the first sample); its first MAX_TABLE_COLUMNS are read, with a warning."""
    monkeypatch.setattr(user_tables, "MAX_TABLE_COLUMNS", 50)
    header = ["name"] + [f"c{i}" for i in range(400)]
    rows = [[f"r{r}"] + [str(r * 400 + i) for i in range(400)] for r in range(6)]
    (tmp_path / "wide.csv").write_text("\n".join(",".join(row) for row in [header] + rows) + "\n", encoding="utf-8")
    pd.DataFrame({name: [row[i] if i == 0 else int(row[i]) for row in rows] for i, name in enumerate(header)}).to_parquet(tmp_path / "wide.parquet")
    for name in ("wide.csv", "wide.parquet"):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            (file,) = user_source(tmp_path / name).user.files
        assert len(file.series) == 49 and file.labels[0] == "r0", name  # the label column and the next 49
        assert "using its first 50 of 401 columns" in caplog.text


# --- 8. histograms bin the user's column -----------------------------------------------------------


def test_histograms_of_user_tables_bin_the_users_values(tmp_path):
    values = np.round(np.random.default_rng(3).gamma(2.0, 10.0, 300), 1)
    pd.DataFrame({"city": [f"c{i}" for i in range(300)], "Wait (min)": values, "flat": 1.0}).to_csv(tmp_path / "waits.csv", index=False)
    gen = ChartGenerator(ChartOptions(chart_types=["histogram"], table=TableOptions(source=str(tmp_path))))
    for seed in range(5):
        spec = gen.sample(rng_for(seed), seed)
        facts = spec.table.facts
        assert facts["source"] == "user" and facts["column"] == "Wait (min)" and facts["samples"] == 300
        counts = [int(c) for c in spec.table.values(0)]
        assert counts == np.histogram(values, bins=spec.style["bin_edges"])[0].tolist()
        assert spec.style["bin_edges"][0] <= values.min() and spec.style["bin_edges"][-1] >= values.max()


# --- 9. '|' and control characters: the same rule in image and target ------------------------------


def test_pipes_and_control_characters_are_the_same_in_chart_and_target(tmp_path):
    pd.DataFrame({
        "Region|zone": ["North|East", "So\x00uth", "We\tst", "Ea\u202est"],
        "Sales | Q1": [1.0, 2.0, 3.0, 4.0],
    }).to_parquet(tmp_path / "sales|2024.parquet")  # fmt: skip
    gen = ChartGenerator(ChartOptions(chart_types=["bar"], table=TableOptions(source=str(tmp_path), rows=(4, 4))))
    spec = gen.sample(rng_for(1), 1)
    drawn = [spec.table.title, *(c.name for c in spec.table.columns), *spec.table.labels()]
    assert set(spec.table.labels()) == {"North/East", "So uth", "We st", "Ea st"}
    assert spec.table.columns[0].name == "Region/zone" and spec.table.columns[1].name == "Sales/Q1"
    assert all(t.isprintable() and "|" not in t for t in drawn)
    target = linearize(spec.table)
    assert "\x00" not in target and "North/East" in target and "Sales/Q1" in target
    rows = target.split("\n")[2:]
    assert [r.split(" | ")[0] for r in rows] == spec.table.labels()  # the drawn labels, cell for cell


def test_pipe_rule_reaches_every_chart_task(tmp_path):
    pd.DataFrame({"k": ["a|b", "c\x00d", "e", "f"], "v": [1, 2, 3, 4]}).to_csv(tmp_path / "t.csv", index=False)
    resolved = recipe_from_dict({
        "seed": 2, "samples": 6, "tasks": {"chart_to_table": 1, "chart_qa": 1, "chart_to_code": 1},
        "generators": {"charts": {"chart_types": ["bar"], "table": {"source": str(tmp_path)}}},
    })  # fmt: skip
    from factory.plan import plan_shards
    from factory.samples import Workshop, make_sample

    workshop = Workshop(resolved)
    shard = plan_shards(resolved)[0]
    for attempt in range(6):
        sample = make_sample(workshop, shard, attempt)
        text = sample.members["txt"].decode()
        assert "\x00" not in text and "a|b" not in text
        assert b"\\u0000" not in sample.members["json"]
    workshop.close()


def test_recipe_that_is_a_pipe_or_not_utf8_says_so(tmp_path):
    fifo = tmp_path / "r.yaml"
    os.mkfifo(fifo)  # reading it would block until a writer came
    with pytest.raises(RecipeError, match="not a regular file"):
        read_recipe_text(str(fifo))
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\ntasks: {chart_qa: 1}\n".encode("latin-1"))
    with pytest.raises(RecipeError, match="not UTF-8 text .*save it as UTF-8"):
        read_recipe_text(str(latin))
