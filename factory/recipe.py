"""Recipes: what to make, validated before anything is written.

A recipe is YAML. Built-in recipes are found by name (`charts`), anything else is a path. Every
problem is reported as one line that names the field and what to do about it.
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ByteSize,
    ConfigDict,
    Field,
    Strict,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from factory import registry, safe_yaml
from factory.dataset.layout import SPLIT_NAMES
from factory.augment.options import AugmentOptions
from factory.errors import RecipeError
from factory.holdout import HoldoutRule, check_splits

SPLITS = SPLIT_NAMES  # train, validation (or val), test: names Hugging Face knows from a file name
MAX_SAMPLES = 1_000_000_000  # per recipe; documented in the README
MAX_SHARDS = 100_000  # per recipe: the plan, the manifest and the card stay a few MB
# Whole numbers and finite numbers only: YAML's `true` is not 1, `.inf` is not a weight.
Count = Annotated[StrictInt, Field(gt=0)]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShardOptions(_Strict):
    samples: Count = Field(500, le=MAX_SAMPLES, description="samples per shard")
    max_bytes: ByteSize | None = Field(
        None, description="close a shard early once it holds this many bytes (e.g. '1GB')"
    )
    readers: Count = Field(
        1, le=4096, description="loader workers x ranks that read one split: each split gets at least this many shards (when it has the samples)"
    )


class ImageOptions(_Strict):
    format: Literal["png", "jpg", "webp"] = "png"
    quality: int = Field(90, ge=1, le=100, description="jpg/webp quality")
    png_compress_level: int = Field(
        1, ge=0, le=9, description="zlib level for png; lossless at every level"
    )


class CardOptions(_Strict):
    """Licence fields of the dataset card (a Hugging Face licence id, or `other` with a name and link)."""

    license: str = Field("other", pattern=r"^[a-z0-9][a-z0-9.\-]*$", description="Hugging Face licence id, e.g. cc-by-4.0, or other")
    license_name: str = Field("render-factory-synthetic", pattern=r"^[a-z0-9][a-z0-9.\-]*$", description="with license: other, a short id")
    license_link: str = Field("README.md#licence", min_length=1, max_length=500, description="with license: other, a URL or a file of the dataset (default: the card's Licence section)")


class TaskEntry(BaseModel):
    """A task's weight in the mix, its target format profile and length budget; its other fields
    are the task's own options."""

    model_config = ConfigDict(extra="allow")
    weight: Number = Field(1.0, gt=0, le=1e6)
    profile: str = Field("native", description="target format: native, or a published form the task offers (README: Format profiles)")
    budget: dict[str, Any] | None = Field(None, description="longest target: {max_chars: N} or {max_tokens: N, tokenizer: PATH}, and policy")


class Recipe(_Strict):
    """A recipe as data. Built in Python (`factory.Recipe(...)`), a mistake is the same one-line
    RecipeError a YAML recipe gets, not pydantic's multi-line report."""

    name: str = "custom"
    description: str = ""
    seed: StrictInt = Field(0, ge=0, lt=2**63)
    samples: Count = Field(1000, le=MAX_SAMPLES)
    shard: ShardOptions = ShardOptions()
    splits: dict[str, Number] = Field(default_factory=lambda: {"train": 1.0})
    tasks: dict[str, TaskEntry]
    image: ImageOptions = ImageOptions()
    generators: dict[str, dict[str, Any]] = Field(default_factory=dict)
    renderers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    max_attempts_per_sample: Number = Field(
        3.0, gt=0, le=1000, description="give up on a shard after samples x this many dropped attempts"
    )
    augment: AugmentOptions | None = Field(None, description="degradations: presets and ops (README: Degradations)")
    holdout: dict[str, list[HoldoutRule]] = Field(
        default_factory=dict, description="values of source fields only val or test may hold (factory/holdout.py)"
    )
    card: CardOptions = Field(default_factory=CardOptions, description="licence fields of the dataset card")

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        # The default output folder is output/<name>: a name must not be a path.
        if not value.strip() or value in (".", "..") or any(c in value for c in "/\\") or not value.isprintable() or len(value) > 200:
            raise ValueError("must be a plain folder name (no '/', '\\', control characters, '.' or '..'; at most 200 characters)")
        return value

    @field_validator("tasks", mode="before")
    @classmethod
    def _weights_as_numbers(cls, value: Any) -> Any:
        # `chart_qa: 2` is shorthand for `chart_qa: {weight: 2}`.
        if isinstance(value, dict):
            return {k: ({"weight": v} if isinstance(v, (int, float)) else (v or {})) for k, v in value.items()}
        if isinstance(value, list) and all(isinstance(k, str) for k in value):
            return {k: {} for k in value}
        return value  # anything else: the model's own error names the field

    @field_validator("splits")
    @classmethod
    def _check_splits(cls, value: dict[str, float]) -> dict[str, float]:
        for name, fraction in value.items():
            if name not in SPLITS:
                raise ValueError(f"unknown split '{name}': use train, validation (or val) and test")
            if not 0 < fraction <= 1:
                raise ValueError(f"split '{name}' fraction must be in (0, 1], got {fraction}")
        if "val" in value and "validation" in value:
            raise ValueError("name the validation split once: validation or val, not both")
        total = sum(value.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"split fractions must add up to 1, they add up to {total:g}")
        return {k: value[k] for k in SPLITS if k in value}

    @field_validator("tasks")
    @classmethod
    def _some_task(cls, value: dict[str, TaskEntry]) -> dict[str, TaskEntry]:
        if not value:
            raise ValueError("name at least one task, e.g. tasks: {chart_to_table: 1}")
        return value

    @field_validator("holdout")
    @classmethod
    def _holdout_splits(cls, value: dict[str, list[HoldoutRule]], info: ValidationInfo) -> dict[str, list[HoldoutRule]]:
        check_splits(value, info.data.get("splits") or {})
        return value

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise RecipeError(_describe(exc, Recipe)) from None

    @model_validator(mode="after")
    def _shard_count(self) -> "Recipe":
        shards = self._shards_with(self.shard.samples)
        if shards > MAX_SHARDS:
            low, high = self.shard.samples + 1, max(self.samples, self.shard.samples + 1)  # fewest samples a shard that fits
            while low < high:
                middle = (low + high) // 2
                low, high = (low, middle) if self._shards_with(middle) <= MAX_SHARDS else (middle + 1, high)
            raise ValueError(
                f"{self.samples} samples in shards of {self.shard.samples} make {shards:,} shards, more than "
                f"{MAX_SHARDS:,}; raise shard.samples to at least {low}"
            )
        return self

    def _shards_with(self, per_shard: int) -> int:
        """How many shards the plan makes with `per_shard` samples a shard (as factory.plan does)."""
        from factory.plan import shard_count, split_counts

        return sum(shard_count(count, per_shard, self.shard.readers) for count in split_counts(self.samples, self.splits).values())

    @model_validator(mode="after")
    def _known_names(self) -> "Recipe":
        for task in self.tasks:
            if task not in registry.TASKS:
                raise ValueError(_unknown("task", task, registry.TASKS))
        for gen in self.generators:
            if gen not in registry.GENERATORS:
                raise ValueError(_unknown("generator", gen, registry.GENERATORS))
        for ren in self.renderers:
            if ren not in registry.RENDERERS:
                raise ValueError(_unknown("renderer", ren, registry.RENDERERS))
        if self.augment is not None:
            for task in self.augment.tasks:
                if task not in self.tasks:
                    raise ValueError(f"augment.tasks: {_unknown('task', task, list(self.tasks))} (the recipe's tasks)")
            for gen in self.augment.generators:
                if gen not in registry.GENERATORS:
                    raise ValueError(f"augment.generators: {_unknown('generator', gen, registry.GENERATORS)}")
        return self


def _unknown(kind: str, name: str, known: dict[str, Any] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {kind} '{name}'{hint}; known: {', '.join(sorted(known))}"


class ResolvedRecipe:
    """A validated recipe with every task's and generator's options filled in."""

    def __init__(self, recipe: Recipe):
        self.recipe = recipe
        self.task_options: dict[str, Any] = {}
        self.task_weights: dict[str, float] = {}
        self.task_generator: dict[str, str] = {}
        self.task_profiles: dict[str, str] = {}
        self.task_budgets: dict[str, Any] = {}
        # Tasks in name order: a recipe is a mapping, and listing its tasks in another order must
        # not change which task each sample gets (the mix is drawn by cumulative weight).
        for name, entry in sorted(recipe.tasks.items()):
            cls = registry.task_class(name)
            extra = dict(entry.model_extra or {})
            self.task_options[name] = _validate(cls.options_model, extra, f"tasks.{name}")
            self.task_weights[name] = entry.weight
            self.task_generator[name] = _task_generator(cls, recipe.generators)
            profiles = tuple(getattr(cls, "profiles", ("native",)))
            if entry.profile not in profiles:
                raise RecipeError(f"recipe field 'tasks.{name}.profile': {_unknown('profile', entry.profile, list(profiles))} (the profiles of {name})")
            self.task_profiles[name] = entry.profile
            if entry.budget is not None:
                from factory.tasks.budget import BudgetOptions

                self.task_budgets[name] = _validate(BudgetOptions, entry.budget, f"tasks.{name}.budget")
        self.generator_options: dict[str, Any] = {}
        for gen in dict.fromkeys(self.task_generator.values()):
            cls = registry.generator_class(gen)
            raw = recipe.generators.get(gen, {}) or {}
            self.generator_options[gen] = _validate(cls.options_model, raw, f"generators.{gen}")
        # A task that pairs targets with some kinds of source only gets its generator's options narrowed
        # to them (the same options object when nothing is left out: one generator serves all).
        self.task_generator_options: dict[str, Any] = {}
        for name, gen in self.task_generator.items():
            kinds = getattr(registry.task_class(name), "source_kinds", None)
            options = self.generator_options[gen]
            if kinds is not None:
                try:
                    options = registry.generator_class(gen).for_kinds(options, tuple(kinds))
                except ValueError as exc:
                    raise RecipeError(f"recipe field 'generators.{gen}': task {name} has nothing to ask about: {exc}; "
                                      f"add one of them or drop the task") from None
            self.task_generator_options[name] = options
        corpus = [g for g in self.generator_options if getattr(registry.generator_class(g), "reads_records", False)]
        if corpus and len(self.generator_options) > 1:
            others = ", ".join(t for t, g in self.task_generator.items() if g != corpus[0])
            raise RecipeError(
                f"tasks {others} do not read the corpus of generator '{corpus[0]}'; a corpus recipe holds only "
                "tasks that read it (make the other samples with a recipe of their own)"
            )
        for gen in recipe.generators:
            if gen not in self.generator_options:
                raise RecipeError(
                    f"recipe field 'generators.{gen}': no task in this recipe uses generator '{gen}'; "
                    f"remove it or add one of its tasks"
                )
        for ren, raw in recipe.renderers.items():  # validated now, not when a worker starts it
            model = registry.renderer_settings(ren)
            if model is not None:
                settings = _validate(model, raw or {}, f"renderers.{ren}")
                recipe.renderers[ren] = settings.model_dump(mode="json", exclude_unset=True)

    @property
    def seed(self) -> int:
        return self.recipe.seed

    def as_dict(self) -> dict[str, Any]:
        data = self.recipe.model_dump(mode="json")
        max_bytes = self.recipe.shard.max_bytes
        data["shard"]["max_bytes"] = int(max_bytes) if max_bytes is not None else None
        data["tasks"] = {
            name: {"weight": self.task_weights[name], **self._profile_and_budget(name), **self.task_options[name].model_dump(mode="json")}
            for name in self.task_weights
        }
        data["generators"] = {name: opts.model_dump(mode="json") for name, opts in self.generator_options.items()}
        if data.get("augment") is None:
            data.pop("augment", None)  # recipes without one write the recipe.yaml they wrote before it existed
        if not data.get("holdout"):
            data.pop("holdout", None)  # recipes without one resolve as they always did
        if data.get("card") == CardOptions().model_dump(mode="json"):
            data.pop("card", None)
        return data

    def _profile_and_budget(self, name: str) -> dict[str, Any]:
        """Written only when chosen, so recipes without them resolve as they always did."""
        out: dict[str, Any] = {}
        if self.task_profiles.get(name, "native") != "native":
            out["profile"] = self.task_profiles[name]
        if name in self.task_budgets:
            out["budget"] = self.task_budgets[name].model_dump(mode="json", exclude_none=True)
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.as_dict(), sort_keys=False, allow_unicode=True)


def _task_generator(task_cls: Any, configured: dict[str, Any]) -> str:
    """A task that several generators can feed (`generators`) uses the one the recipe configures
    under `generators:`, else its first."""
    choices = tuple(getattr(task_cls, "generators", ())) or (task_cls.generator,)
    return next((gen for gen in choices if gen in configured), choices[0])


def _validate(model: type[BaseModel], data: dict[str, Any], where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RecipeError(_describe(exc, model, where)) from None


def _describe(exc: ValidationError, model: type[BaseModel], where: str = "") -> str:
    """The first validation error as one actionable line."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    path = ".".join(([where] if where else []) + loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        known = _fields_at(model, err["loc"][:-1])
        close = difflib.get_close_matches(loc[-1], known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(known)}"
        msg = f"recipe field '{path}' is not a known field; {hint}"
    elif err["type"] == "missing":
        msg = f"recipe field '{path}' is required; add it"
    else:
        text = err["msg"].removeprefix("Value error, ")
        msg = f"recipe field '{path}': {text}"
        if "input" in err and not isinstance(err["input"], (dict, list)) and err["type"] != "value_error":
            msg += f" (got {err['input']!r})"
    more = len(exc.errors()) - 1
    return msg + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    current: Any = model
    for part in loc:
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = field.annotation
        inner = [a for a in getattr(current, "__args__", ()) if isinstance(a, type) and issubclass(a, BaseModel)]
        if inner:
            current = inner[0]
    return sorted(getattr(current, "model_fields", {}))


def builtin_recipes() -> dict[str, str]:
    """Name -> first line of description, for `render-factory list`."""
    out = {}
    for entry in sorted(resources.files("factory.recipes").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            out[entry.name[:-5]] = str(data.get("description", "")).strip().splitlines()[0] if data.get("description") else ""
    return out


def read_recipe_text(name_or_path: str) -> tuple[str, str]:
    """(text, where) for a built-in name or a file path.

    A word that names a built-in recipe is that recipe even when a folder of that name exists
    here (a folder is never a recipe); a file of that name, a path with a separator, or a
    .yaml/.yml name is a path."""
    path = Path(name_or_path)
    builtin = resources.files("factory.recipes") / f"{name_or_path}.yaml"
    looks_like_path = path.suffix in (".yaml", ".yml") or "/" in name_or_path or "\\" in name_or_path or path.is_file()
    if path.is_dir() and (looks_like_path or not builtin.is_file()):
        raise RecipeError(f"recipe '{name_or_path}' is a folder, not a recipe file; give a YAML file or a built-in name ({', '.join(builtin_recipes())})")
    if looks_like_path:
        if not path.exists():
            raise RecipeError(f"recipe file '{name_or_path}' does not exist; give a YAML path or a built-in name ({', '.join(builtin_recipes())})")
        if not path.is_file():
            raise RecipeError(f"recipe '{name_or_path}' is not a regular file (a pipe or device); save the recipe to a .yaml file")
        try:
            size = path.stat().st_size
            if size > safe_yaml.MAX_BYTES:
                raise RecipeError(f"recipe file '{path}' is {size:,} bytes; a recipe is at most {safe_yaml.MAX_BYTES:,}")
            return path.read_text(encoding="utf-8"), str(path)
        except UnicodeDecodeError as exc:
            raise RecipeError(f"recipe file '{path}' is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8") from None
        except OSError as exc:
            raise RecipeError(f"cannot read recipe '{path}': {exc.strerror or exc}") from None
    if not builtin.is_file():
        raise RecipeError(_unknown("recipe", name_or_path, list(builtin_recipes())) + "; or give a path to a .yaml file")
    return builtin.read_text(encoding="utf-8"), f"built-in recipe '{name_or_path}'"


def load_recipe(name_or_path: str, overrides: dict[str, Any] | None = None) -> ResolvedRecipe:
    text, where = read_recipe_text(name_or_path)
    return recipe_from_dict(parse_recipe_text(text, where), overrides, where)


def parse_recipe_text(text: str, where: str) -> dict[str, Any]:
    """A recipe's YAML as a mapping, read within safe_yaml's limits; one RecipeError line if not."""
    try:
        data = safe_yaml.load(text)
    except safe_yaml.YamlLimitError as exc:
        raise RecipeError(f"{where}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RecipeError(f"{where} is not valid YAML{at}: {problem}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{where} must be a YAML mapping with at least 'tasks'; got {type(data).__name__}")
    return data


def recipe_from_dict(data: dict[str, Any], overrides: dict[str, Any] | None = None, where: str = "recipe") -> ResolvedRecipe:
    data = dict(data)
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        target = data
        *parents, leaf = dotted.split(".")
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise RecipeError(f"recipe field '{part}' must be a mapping to set '{dotted}'")
        target[leaf] = value
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        raise RecipeError(f"{where}: {_describe(exc, Recipe)}") from None
    try:
        return ResolvedRecipe(recipe)
    except RecipeError as exc:
        raise RecipeError(f"{where}: {exc}") from None
