"""Plug-ins through entry points, and the Python API: the README's worked example plug-in,
installed as a package is (a dist-info with entry_points.txt on the path, no network), runs
through `factory.generate` in this process and in spawned workers, byte-identically."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import factory
from factory import registry
from factory.dataset import layout
from factory.errors import RecipeError

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINTS = """\
[render_factory.generators]
squares = rf_squares:SquaresGenerator

[render_factory.renderers]
squares_pil = rf_squares:SquaresRenderer

[render_factory.tasks]
count_squares = rf_squares:CountSquares
chart_qa = rf_squares:CountSquares
"""
RECIPE = {"name": "squares", "seed": 5, "samples": 12, "shard": {"samples": 3}, "splits": {"train": 0.5, "validation": 0.5},
          "tasks": {"count_squares": 1}, "generators": {"squares": {"max_squares": 5}}}  # fmt: skip


def readme_plugin() -> str:
    """The README's example plug-in module, as a user would copy it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(# rf_squares/__init__\.py.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "README: the plug-in example block starting '# rf_squares/__init__.py' is missing"
    return blocks[0]


@pytest.fixture
def squares_plugin(tmp_path, monkeypatch):
    """`rf_squares` installed on sys.path with its dist-info, as `pip install` leaves it; the
    registry forgets it afterwards."""
    site = tmp_path / "site"
    (site / "rf_squares").mkdir(parents=True)
    (site / "rf_squares" / "__init__.py").write_text(readme_plugin(), encoding="utf-8")
    info = site / "rf_squares-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rf-squares\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    saved = {group: dict(table) for group, table in registry.PLUGIN_GROUPS.items()}
    saved_plugins = dict(registry.PLUGINS)
    monkeypatch.syspath_prepend(str(site))  # spawned workers inherit sys.path
    registry.load_plugins()
    yield site
    for group, table in registry.PLUGIN_GROUPS.items():
        table.clear()
        table.update(saved[group])
    registry.PLUGINS.clear()
    registry.PLUGINS.update(saved_plugins)


def _shards(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.tar"))}


def test_plugin_runs_through_generate_in_workers_byte_identically(squares_plugin, tmp_path, caplog):
    assert registry.TASKS["count_squares"] == "rf_squares:CountSquares"
    assert registry.TASKS["chart_qa"] == "factory.tasks.chart_tasks:ChartQA"  # a built-in is never replaced
    assert registry.PLUGINS[("render_factory.tasks", "count_squares")] == "rf-squares 0.1"
    one = factory.generate(factory.Recipe(**RECIPE), tmp_path / "one", workers=1)
    two = factory.generate(RECIPE, str(tmp_path / "two"), workers=2)  # spawned workers find the plug-in themselves
    assert one["samples"]["total"] == two["samples"]["total"] == 12
    assert _shards(tmp_path / "one") == _shards(tmp_path / "two") and len(_shards(tmp_path / "one")) == 4
    counts = set()
    for name in _shards(tmp_path / "two"):
        with tarfile.open(tmp_path / "two" / name) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar}
        for member, data in members.items():
            if not member.endswith(".png"):
                continue
            key = member[: -len(".png")]
            meta = json.loads(members[key + ".json"])
            text = members[key + ".txt"].decode()
            pixels = np.asarray(Image.open(__import__("io").BytesIO(data)).convert("RGB")).astype(int)
            boxes = [s["box"] for s in json.loads(meta["render"])["squares"]]
            inked = (np.abs(pixels - 255).sum(axis=2) > 0)
            # the target counts what the image shows: one solid square per box, nothing else drawn
            assert text == str(len(boxes)) and meta["task"] == "count_squares" and meta["generator"]["name"] == "squares"
            assert all(inked[y0 : y1 + 1, x0 : x1 + 1].all() for x0, y0, x1, y1 in boxes)
            assert inked.sum() == sum((x1 - x0 + 1) * (y1 - y0 + 1) for x0, y0, x1, y1 in boxes)
            counts.add(text)
    assert len(counts) > 1
    assert (tmp_path / "two" / layout.MANIFEST).exists()
    assert any("'chart_qa' (rf_squares:CountSquares) ignored: a built-in has that name" in r.getMessage() for r in caplog.get_records("setup"))


def test_plugin_options_are_checked_when_the_recipe_loads(squares_plugin):
    with pytest.raises(RecipeError, match=r"generators\.squares.*max_squares"):
        factory.load_recipe({**RECIPE, "generators": {"squares": {"max_squares": 0}}})
    with pytest.raises(RecipeError, match="colour"):
        factory.load_recipe({**RECIPE, "generators": {"squares": {"colour": "red"}}})
    resolved = factory.load_recipe("charts", {"samples": 10})
    assert resolved.recipe.samples == 10 and "count_squares" not in resolved.task_weights


def test_plugin_is_listed(squares_plugin, capsys):
    from factory.cli import main

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"count_squares\s+squares", out) and "rf-squares 0.1" in out


def test_without_the_plugin_a_recipe_naming_it_fails_in_one_line():
    with pytest.raises(RecipeError, match="unknown task 'count_squares'"):
        factory.load_recipe(RECIPE)


def test_api_takes_every_form_of_recipe_and_resolves_them_alike(tmp_path):
    data = {"name": "t", "samples": 8, "shard": {"samples": 4}, "tasks": {"chart_to_table": 1}}
    path = tmp_path / "t.yaml"
    path.write_text("name: t\nsamples: 8\nshard: {samples: 4}\ntasks: {chart_to_table: 1}\n", encoding="utf-8")
    forms = [data, factory.Recipe(**data), str(path), path, factory.load_recipe(data)]
    assert len({factory.load_recipe(form).to_yaml() for form in forms}) == 1
    assert factory.load_recipe(data, {"samples": 6}).recipe.samples == 6
    with pytest.raises(RecipeError, match="a built-in name, a YAML path, a dict or a factory.Recipe"):
        factory.load_recipe(42)
    with pytest.raises(RecipeError, match="colour") as err:
        factory.Recipe(**data, colour="red")
    assert "\n" not in str(err.value)
