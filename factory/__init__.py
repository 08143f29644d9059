"""Render Factory: procedural image-to-source pairs packed into WebDataset shards.

The Python API (README: Python API): `factory.generate(recipe, out, ...)`, `factory.Recipe`,
`factory.load_recipe`, `factory.open_dataset`. Loaded on first use, so `import factory` stays cheap.
"""

__version__ = "0.1.0"

_API = {
    "Recipe": ("factory.recipe", "Recipe"),
    "load_recipe": ("factory.api", "resolve"),
    "open_dataset": ("factory.loaders", "open_dataset"),
    "FactoryError": ("factory.errors", "FactoryError"),
    "RecipeError": ("factory.errors", "RecipeError"),
}


def __getattr__(name: str):
    import importlib

    if name == "generate":  # the module factory.generate, which is callable: see its end
        return importlib.import_module("factory.generate")
    if name in _API:
        module, attr = _API[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'factory' has no attribute '{name}'")


__all__ = ["generate", *_API]
