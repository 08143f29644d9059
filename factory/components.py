"""The three roles a sample passes through, and the plain data they hand each other.

generator.sample(rng) -> source          (plain dataclass; knows nothing of pixels)
renderer.render(source, ...) -> Render   (knows nothing of tasks)
task.targets(source, render) -> Targets  (knows nothing of browsers or figures)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict


class Options(BaseModel):
    """Base for per-generator and per-task options: unknown fields are errors, not silence."""

    model_config = ConfigDict(extra="forbid")


def check_choices(
    value: list[str], known: Sequence[str], what: str, unknown_word: str = "unknown", known_word: str = "known"
) -> None:
    """The one wording for an option that picks names from a known list (validators raise ValueError)."""
    listed = ", ".join(known)
    if not value:
        raise ValueError(f"name at least one {what}; {known_word}: {listed}")
    bad = [v for v in value if v not in known]
    if bad:
        raise ValueError(f"{unknown_word} {what} '{bad[0]}'; {known_word}: {listed}")


@dataclass
class Render:
    """What a renderer made of a source.

    `source` is the source as actually drawn: a renderer that repairs a chart (rotating ticks,
    shrinking a font) returns the repaired source so targets describe the image exactly.
    `image` is the decoded picture; `encoded`, when set, is the same picture already encoded as
    `encoded_format` (saves a re-encode when it matches the recipe's format).
    `facts` holds what the renderer measured: element boxes, repairs applied. It goes into the
    sample's json, so it must be deterministic: no timings.
    """

    source: Any
    image: Image.Image | None = None
    encoded: bytes | None = None
    encoded_format: str | None = None
    width: int = 0
    height: int = 0
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Targets:
    """The primary target text (`txt`) and everything else that goes into `json`."""

    text: str
    prompt: str
    secondary: dict[str, Any] = field(default_factory=dict)
    # A task that alters the picture (e.g. masks text spans) returns the altered image here and
    # describes what it did in `augmentation`; the sample then carries this image, not the render.
    image: Image.Image | None = None
    augmentation: dict[str, Any] | None = None


class Generator:
    """Makes sources from a random generator. Subclasses set the class attributes."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    renderer: ClassVar[str]
    options_model: ClassVar[type[Options]] = Options

    def __init__(self, options: Options):
        self.options = options

    def sample(self, rng: np.random.Generator, seed: int) -> Any:
        """Return one source; `seed` is this sample's seed, for libraries that take an int (Faker)."""
        raise NotImplementedError

    def describe(self, source: Any) -> dict[str, Any]:
        """The source's full specification as JSON-ready data."""
        return to_jsonable(source)

    def renderer_for(self, source: Any) -> str:
        """The renderer that draws `source` (a generator with several engines picks per source)."""
        return self.renderer

    def renderers(self) -> list[str]:
        """Every renderer this generator's sources may need (checked before a run starts)."""
        return [self.renderer]

    def check(self, source: Any, render: "Render", image: Image.Image) -> dict[str, Any]:
        """The generator's own checks of a rendered source (raise Dropped); returns quality facts."""
        return {}

    @classmethod
    def for_kinds(cls, options: Options, kinds: tuple[str, ...]) -> Options:
        """Options that make only sources of these kinds (`Task.source_kinds`), so that a task is
        never handed a source it must drop; raise ValueError when the options allow none of them.
        By default unchanged: the generator's sources have no kinds."""
        return options


class RecordGenerator(Generator):
    """A generator whose sources are the records of a user's corpus, not random draws.

    Its shards are slices of the corpus (factory.plan.plan_record_shards): attempt k of a shard is
    the k-th (record, variant) of its slice, and a dropped record is counted, never replaced.
    """

    reads_records: ClassVar[bool] = True

    def sample(self, rng: np.random.Generator, seed: int) -> Any:
        from factory.errors import FactoryError

        raise FactoryError(
            f"generator '{self.name}' makes its sources from the records of a corpus, not from a seed; "
            "recipe features that draw sources from seeds alone (holdout rules) cannot use it: remove them"
        )

    @classmethod
    def open_corpus(cls, options: Options) -> Any:
        """The corpus, for planning (factory.corpus.readers.Corpus or alike)."""
        raise NotImplementedError

    @classmethod
    def variants_of(cls, options: Options) -> int:
        """Samples made from each record (e.g. one per viewport)."""
        return 1

    def attempts(self, part: Any) -> Any:
        """Every attempt of one slice, in order (an iterator); the generator's per-slice state
        (duplicate memory) starts afresh here."""
        raise NotImplementedError

    def from_record(self, attempt: Any, rng: np.random.Generator, seed: int) -> Any:
        """The source for one attempt; raises Dropped when the record must not be kept."""
        raise NotImplementedError


class Renderer:
    """Turns sources into images. One instance per worker process; `close` frees its resources."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"

    def __init__(self, settings: dict[str, Any] | None = None):
        self.settings = settings or {}

    def render(self, source: Any) -> Render:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def versions(self) -> dict[str, str]:
        """Versions of the engines behind this renderer, for the manifest."""
        return {}


class Task:
    """Pairs a rendered source with its targets.

    `profiles` names the target forms the task can write (README: Format profiles); the recipe's
    choice is `self.profile`. `self.budget` (factory.tasks.budget.Budget, or None) is the longest
    target the recipe allows; a task that can shorten its target applies its own policy, and
    any target still over is dropped with the reason `over_budget` after `targets`.
    """

    name: ClassVar[str]
    generator: ClassVar[str]
    options_model: ClassVar[type[Options]] = Options
    profiles: ClassVar[tuple[str, ...]] = ("native",)
    # The kinds of source the task can pair targets with (document genres...), or None for any:
    # the recipe asks the generator for these only (`Generator.for_kinds`), before anything renders.
    source_kinds: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, options: Options):
        self.options = options
        self.profile = "native"
        self.budget: Any = None

    def prepare(self, source: Any, rng: np.random.Generator) -> Any:
        """The source to render for this task (a profile may change what is drawn); by default itself.
        Plain data in, plain data out: a task knows no renderer."""
        return source

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        raise NotImplementedError


def to_jsonable(value: Any) -> Any:
    """Dataclasses, numpy scalars and tuples as plain JSON data."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common case first: a chart's facts are mostly these
    if kind is float:
        return None if value != value else value  # NaN is not JSON
    if kind is list or kind is tuple:
        return [to_jsonable(v) for v in value]
    if kind is dict:
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, BaseModel):
        return to_jsonable(value.model_dump())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value
