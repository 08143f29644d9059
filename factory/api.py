"""The Python API: what `render-factory generate` does, from a script or a notebook.

`factory.generate(recipe, out, ...)` takes a recipe in any form a user holds one (a built-in name,
a YAML path, a dict, a `factory.Recipe`) and returns the manifest; `factory.Recipe` is the recipe's
model, so a recipe built in Python is checked field by field as a YAML one is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from factory.errors import RecipeError
from factory.recipe import Recipe, ResolvedRecipe, load_recipe, recipe_from_dict


def resolve(recipe: str | os.PathLike | Mapping[str, Any] | Recipe | ResolvedRecipe, overrides: Mapping[str, Any] | None = None) -> ResolvedRecipe:
    """Any form of recipe, validated and resolved; `overrides` as the CLI's flags
    (`{"samples": 100, "shard.samples": 50}`)."""
    extra = dict(overrides or {})
    if isinstance(recipe, ResolvedRecipe):
        return recipe_from_dict(recipe.as_dict(), extra) if extra else recipe
    if isinstance(recipe, Recipe):
        return recipe_from_dict(recipe.model_dump(mode="json", exclude_unset=True), extra)
    if isinstance(recipe, Mapping):
        return recipe_from_dict(dict(recipe), extra)
    if isinstance(recipe, (str, os.PathLike)):
        return load_recipe(os.fspath(recipe), extra)
    raise RecipeError(f"a recipe is a built-in name, a YAML path, a dict or a factory.Recipe; got {type(recipe).__name__}")


def generate(
    recipe: str | os.PathLike | Mapping[str, Any] | Recipe | ResolvedRecipe,
    out: str | os.PathLike,
    *,
    workers: int | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Make (or finish) the dataset of `recipe` in the folder or URL `out`; returns its manifest.

    The same run as `render-factory generate RECIPE --out OUT` (same bytes, same resume, same
    refusals, as FactoryError/RecipeError): `workers` processes (default: every core), or
    `executor="ray"` on the cluster at `ray_address`."""
    from factory.generate import generate as run

    return run(resolve(recipe, overrides), os.fspath(out), workers=workers, executor=executor, ray_address=ray_address)
