"""The demo shows every task the factory has (but those that only read a user's corpus), its
description counts them, and the README names every built-in recipe `render-factory list` shows."""

from __future__ import annotations

import re
from pathlib import Path

from factory import registry
from factory.recipe import builtin_recipes, load_recipe

NUMBERS = {9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen"}


def _corpus_only(task: str) -> bool:
    cls = registry.task_class(task)
    return all(getattr(registry.generator_class(g), "reads_records", False) for g in tuple(getattr(cls, "generators", ())) or (cls.generator,))


def test_demo_has_every_task_and_says_how_many():
    drawn = {name for name in registry.TASKS if not _corpus_only(name)}
    demo = load_recipe("demo")
    assert set(demo.task_weights) == drawn
    assert f"all {NUMBERS[len(drawn)]} tasks" in builtin_recipes()["demo"]


def test_multilingual_asks_about_its_tables():
    tasks = load_recipe("multilingual").task_weights
    assert "table_to_html" in tasks and "table_qa" in tasks


def test_readme_names_every_builtin_recipe():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    line = next(line for line in readme.splitlines() if line.startswith("A recipe is YAML. Built-in ones are used by name"))
    assert set(re.findall(r"`(\w+)`", line)) == set(builtin_recipes())
