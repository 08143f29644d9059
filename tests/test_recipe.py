"""Recipes: built-ins load, overrides apply, and every mistake is one line that names the fix."""

import pytest

from factory.errors import RecipeError
from factory.plan import plan_shards, split_counts
from factory.recipe import builtin_recipes, load_recipe, recipe_from_dict
from factory.dataset import layout

BASE = {"seed": 3, "samples": 10, "tasks": {"chart_to_table": 1}}


def test_builtin_charts_recipe_resolves_with_defaults():
    resolved = load_recipe("charts")
    assert resolved.recipe.name == "charts"
    assert set(resolved.task_weights) == {"chart_to_table", "chart_to_code", "chart_qa"}
    data = resolved.as_dict()
    assert data["generators"]["charts"]["table"]["source"] == "faker"
    assert "charts" in builtin_recipes() and "demo" in builtin_recipes()


def test_resolved_recipe_round_trips_through_yaml(tmp_path):
    resolved = load_recipe("charts", {"seed": 11, "samples": 40})
    path = tmp_path / "r.yaml"
    path.write_text(resolved.to_yaml())
    again = load_recipe(str(path))
    assert again.to_yaml() == resolved.to_yaml()
    assert again.recipe.seed == 11 and again.recipe.samples == 40


def test_overrides_by_dotted_name():
    resolved = recipe_from_dict(BASE, {"shard.samples": 4, "image.format": "webp", "seed": None})
    assert resolved.recipe.shard.samples == 4
    assert resolved.recipe.image.format == "webp"
    assert resolved.recipe.seed == 3


def test_task_weight_shorthand_and_list():
    assert recipe_from_dict({**BASE, "tasks": {"chart_qa": 2.5}}).task_weights == {"chart_qa": 2.5}
    assert recipe_from_dict({**BASE, "tasks": ["chart_qa", "chart_to_code"]}).task_weights == {"chart_qa": 1.0, "chart_to_code": 1.0}


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"samples": -5}, "recipe field 'samples'"),
        ({"sampels": 5}, "did you mean 'samples'"),
        ({"tasks": {"chart_to_tabel": 1}}, "did you mean 'chart_to_table'"),
        ({"splits": {"train": 0.5, "val": 0.2}}, "add up to 1"),
        ({"splits": {"train": 0.5, "dev": 0.5}}, "unknown split 'dev'"),
        ({"image": {"format": "gif"}}, "image.format"),
        ({"shard": {"sampels": 3}}, "did you mean 'samples'"),
        ({"tasks": {"chart_qa": {"questons": 3}}}, "tasks.chart_qa.questons"),
        ({"generators": {"charts": {"chart_types": ["bar", "spider"]}}}, "spider"),
        ({"generators": {"chrts": {}}}, "did you mean 'charts'"),
        ({"tasks": {}}, "at least one task"),
        ({"tasks": [["chart_qa"]]}, "recipe field 'tasks'"),  # a nested list is not a task name (was a TypeError)
        ({"tasks": ["chart_qa", None]}, "recipe field 'tasks'"),
    ],
)
def test_bad_recipes_give_one_line_errors(change, expected):
    with pytest.raises(RecipeError) as info:
        recipe_from_dict({**BASE, **change})
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_bad_yaml_and_unknown_names(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 1\ntasks: [chart_qa\n")
    with pytest.raises(RecipeError, match=r"not valid YAML at line"):
        load_recipe(str(bad))
    with pytest.raises(RecipeError, match="unknown recipe 'chartz'.*did you mean 'charts'"):
        load_recipe("chartz")
    with pytest.raises(RecipeError, match="does not exist"):
        load_recipe(str(tmp_path / "missing.yaml"))
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("42\n")
    with pytest.raises(RecipeError, match="must be a YAML mapping"):
        load_recipe(str(scalar))


def test_split_counts_add_up_exactly():
    assert split_counts(10, {"train": 0.9, "val": 0.05, "test": 0.05}) == {"train": 9, "val": 1, "test": 0}
    for total in (1, 7, 99, 1001):
        assert sum(split_counts(total, {"train": 0.8, "val": 0.1, "test": 0.1}).values()) == total


def test_plan_names_and_sizes():
    resolved = recipe_from_dict({**BASE, "samples": 23, "shard": {"samples": 5}, "splits": {"train": 0.8, "val": 0.2}})
    plan = plan_shards(resolved)
    assert [s.name for s in plan] == ["train-000000", "train-000001", "train-000002", "train-000003", "val-000000"]
    assert [s.samples for s in plan] == [5, 5, 5, 3, 5]
    assert [s.index for s in plan] == list(range(5))


def test_max_bytes_survives_the_yaml_round_trip(tmp_path):
    resolved = recipe_from_dict({**BASE, "shard": {"samples": 5, "max_bytes": "2MB"}})
    assert "max_bytes: 2000000" in resolved.to_yaml()
    path = tmp_path / "r.yaml"
    path.write_text(resolved.to_yaml())
    from factory.recipe import load_recipe

    assert load_recipe(str(path)).recipe.shard.max_bytes == 2_000_000


def test_option_lists_name_what_is_missing_or_unknown():
    with pytest.raises(RecipeError, match=r"generators.charts.chart_types': name at least one chart type; known types: bar, "):
        recipe_from_dict({**BASE, "generators": {"charts": {"chart_types": []}}})
    with pytest.raises(RecipeError, match=r"unknown chart type 'spider'; known types: bar, "):
        recipe_from_dict({**BASE, "generators": {"charts": {"chart_types": ["bar", "spider"]}}})


def test_task_order_in_the_recipe_does_not_change_the_dataset(tmp_path):
    """A recipe is a mapping: the same tasks listed in another order give the same shards."""
    from factory.generate import generate

    tasks = {"chart_to_table": {"weight": 2}, "chart_qa": {"weight": 1}, "chart_to_code": {"weight": 1}}
    reordered = dict(reversed(list(tasks.items())))
    digests = []
    for n, mix in enumerate((tasks, reordered)):
        resolved = recipe_from_dict({"seed": 5, "samples": 8, "shard": {"samples": 8}, "tasks": mix})
        manifest = generate(resolved, str(tmp_path / f"out{n}"), workers=1)
        digests.append(({s["name"]: s["sha256"] for s in manifest["shards"]}, manifest["samples"]))
        assert (tmp_path / f"out{n}" / layout.RECIPE).read_text() == resolved.to_yaml()
    assert digests[0] == digests[1]
    assert len(digests[0][1]["by_task"]) >= 2  # the mix really holds more than one task


def test_shard_limit_counts_shards_as_the_plan_does_and_advises_a_size_that_works():
    """The check estimated the count (one shard too many per split and reader) and advised the
    very size it refused; now the count is the plan's and the advice is the smallest that fits."""
    import re

    from factory.plan import plan_for
    from factory.recipe import MAX_SHARDS

    base = {"name": "big", "tasks": {"chart_to_table": 1}, "splits": {"train": 0.8, "val": 0.1, "test": 0.1}}
    exact = recipe_from_dict({**base, "samples": 1000 * MAX_SHARDS, "shard": {"samples": 1000, "readers": 8}})
    assert len(plan_for(exact.recipe)) == MAX_SHARDS  # refused before: estimated 100,021
    with pytest.raises(RecipeError) as err:
        recipe_from_dict({**base, "samples": 1000 * MAX_SHARDS + 5, "shard": {"samples": 1000, "readers": 8}})
    advised = int(re.search(r"at least (\d+)", str(err.value)).group(1))
    fits = recipe_from_dict({**base, "samples": 1000 * MAX_SHARDS + 5, "shard": {"samples": advised, "readers": 8}})
    assert len(plan_for(fits.recipe)) <= MAX_SHARDS
    with pytest.raises(RecipeError):
        recipe_from_dict({**base, "samples": 1000 * MAX_SHARDS + 5, "shard": {"samples": advised - 1, "readers": 8}})


def test_an_empty_out_is_refused_not_replaced_by_the_default(tmp_path, monkeypatch, capsys):
    from factory.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["generate", "charts", "--samples", "2", "--out", ""]) == 2
    assert "--out is empty" in capsys.readouterr().err and not (tmp_path / "output").exists()


def test_ray_address_without_the_ray_executor_is_refused(capsys):
    from factory.cli import main

    assert main(["generate", "charts", "--samples", "2", "--ray-address", "auto"]) == 2
    assert "--executor ray" in capsys.readouterr().err


def test_a_reader_that_leaves_the_pipe_early_is_no_traceback(chart_dataset):
    """`render-factory verify D | head -0`: the reader closes the pipe before the first line."""
    import subprocess
    import sys

    reader = subprocess.Popen(["head", "-c", "0"], stdin=subprocess.PIPE)
    writer = subprocess.run([sys.executable, "-m", "factory.cli", "list"], stdout=reader.stdin, stderr=subprocess.PIPE, text=True, timeout=120)
    reader.stdin.close()
    reader.wait()
    assert "Traceback" not in writer.stderr and writer.returncode in (0, 141), writer.stderr


def test_a_split_left_without_samples_is_named():
    from factory.plan import empty_splits

    small = load_recipe("charts", {"samples": 3})
    assert empty_splits(small.recipe, plan_shards(small)) == ["validation", "test"]
    big = load_recipe("charts", {"samples": 100})
    assert empty_splits(big.recipe, plan_shards(big)) == []


def test_an_http_output_is_refused_before_any_connection(capsys):
    from factory.cli import main

    assert main(["generate", "charts", "--samples", "2", "--out", "http://127.0.0.1:9/x"]) == 2
    assert "can only be read" in capsys.readouterr().err
