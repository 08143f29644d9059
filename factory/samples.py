"""From a seed to a finished sample: generator -> renderer -> checks -> task -> encoded members.

`shard_samples` is the single definition of what shard k holds. The shard writer, the on-the-fly
dataset and any executor all iterate it, which is why they agree byte for byte.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from factory import images, registry
from factory.checks import check_not_blank
from factory.components import Generator, Renderer, Task, to_jsonable
from factory.errors import Dropped
from factory.holdout import Holdout
from factory.meta import pack as pack_meta
from factory.plan import ShardPlan
from factory.recipe import ResolvedRecipe
from factory.seeding import rng_for, sample_seed



@dataclass
class Sample:
    key: str
    task: str
    members: dict[str, bytes]  # extension -> bytes; the same extensions for every sample

    def as_webdataset(self) -> dict[str, Any]:
        return {"__key__": self.key, **self.members}


@dataclass
class Drop:
    key: str
    task: str
    reason: str
    detail: str = ""


@dataclass
class Timings:
    """Seconds spent per stage, summed over a shard; goes into the shard's stats, never its bytes."""

    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


class Workshop:
    """One process's generators, renderers and tasks, built once and reused for every shard.

    Renderers are made on first use: a process that only draws charts never starts a browser.
    """

    def __init__(self, resolved: ResolvedRecipe):
        self.resolved = resolved
        self.tasks: dict[str, Task] = {}
        for name in resolved.task_weights:
            task = registry.task_class(name)(resolved.task_options[name])
            task.profile = resolved.task_profiles.get(name, "native")
            budget = resolved.task_budgets.get(name)
            if budget is not None:
                from factory.tasks.budget import Budget

                task.budget = Budget(budget)
            self.tasks[name] = task
        self.generators: dict[str, Generator] = {
            name: registry.generator_class(name)(opts) for name, opts in resolved.generator_options.items()
        }
        # each task's generator: the recipe's, or one narrowed to the kinds of source the task uses
        self.task_generators: dict[str, Generator] = {}
        for name, gen in resolved.task_generator.items():
            opts = resolved.task_generator_options[name]
            same = opts is resolved.generator_options[gen]
            self.task_generators[name] = self.generators[gen] if same else registry.generator_class(gen)(opts)
        self._renderers: dict[str, Renderer] = {}
        self._degraders: dict[str, Any] = {}  # task -> Degrader, or None when its samples are kept clean
        self.holdout = Holdout(resolved.recipe.holdout)
        names = list(resolved.task_weights)
        total = sum(resolved.task_weights.values())
        self._task_names = names
        acc = 0.0
        self._task_cdf = []
        for name in names:
            acc += resolved.task_weights[name] / total
            self._task_cdf.append(acc)

    def renderer(self, name: str) -> Renderer:
        if name not in self._renderers:
            settings = self.resolved.recipe.renderers.get(name, {})
            self._renderers[name] = registry.renderer_class(name)(settings)
        return self._renderers[name]

    def degrader(self, task_name: str):
        """The degradation stage for `task_name`'s samples, or None (made on first use, like renderers)."""
        if task_name not in self._degraders:
            augment = self.resolved.recipe.augment
            plan = augment.plan_for(task_name, self.resolved.task_generator[task_name]) if augment else None
            if plan is None or not plan.active:
                self._degraders[task_name] = None
            else:
                from factory.augment.stage import Degrader

                self._degraders[task_name] = Degrader(plan, keep_clean=augment.keep_clean)
        return self._degraders[task_name]

    def renderers_in_use(self) -> dict[str, Renderer]:
        return dict(self._renderers)

    def choose_task(self, u: float) -> str:
        for name, edge in zip(self._task_names, self._task_cdf):
            if u < edge:
                return name
        return self._task_names[-1]

    def close(self) -> None:
        for renderer in self._renderers.values():
            renderer.close()
        self._renderers.clear()


def sample_key(shard: ShardPlan, attempt: int) -> str:
    return f"{shard.name}_{attempt:06d}"


@dataclass
class CleanSample:
    """A sample before degradation: everything `make_sample` knows once the task has run."""

    task_name: str
    generator: Generator
    renderer: Renderer
    render: Any
    image: Any  # PIL image: the task's image (e.g. masked) or the render's
    quality: dict[str, Any]
    targets: Any
    pixels: Any = None  # `image` as a read-only RGB array when its PNG was decoded to one (images.decode_with_pixels)


def clean_sample(
    workshop: Workshop, seed: int, split: str, timings: Timings | None = None, item: Any = None
) -> CleanSample:
    """Generator -> renderer -> checks -> task for one sample seed of `split` (and, for a corpus
    generator, one corpus `item`: a sample of a corpus is its record, not its seed alone);
    raises Dropped.

    The one path to a sample's undegraded image: `make_sample` continues from it, and
    factory.loaders.clean_image calls it to render a degraded sample's clean twin again.
    """
    timings = timings or Timings()
    rng = rng_for(seed)
    task_name = workshop.choose_task(float(rng.random()))
    task = workshop.tasks[task_name]
    generator = workshop.task_generators[task_name]
    try:
        t0 = time.perf_counter()
        source = generator.sample(rng, seed) if item is None else generator.from_record(item, rng, seed)
        if workshop.holdout:  # a held-out value outside its split: drawn again, before rendering
            workshop.holdout.check(split, generator.describe(source))
        source = task.prepare(source, rng)
        t1 = time.perf_counter()
        renderer = workshop.renderer(generator.renderer_for(source))
        render = renderer.render(source)
        t2 = time.perf_counter()
        image = render.image
        pixels = None
        if image is None:
            image, pixels = images.decode_with_pixels(render.encoded)
            render.image = image  # decoded once: tasks that read pixels (document contrast) reuse it
        quality = check_not_blank(image)
        quality.update(render.facts.pop("quality", {}))
        quality.update(generator.check(render.source, render, image))
        targets = task.targets(render.source, render, rng)
        if task.budget is not None:
            task.budget.check(targets.text)
        t3 = time.perf_counter()
    except Dropped as drop:
        drop.task = task_name  # type: ignore[attr-defined]
        raise
    timings.add("generate", t1 - t0)
    timings.add("render", t2 - t1)
    timings.add("check_and_targets", t3 - t2)
    if targets.image is not None:
        image, pixels = targets.image, None
    return CleanSample(task_name, generator, renderer, render, image, quality, targets, pixels)


def make_sample(
    workshop: Workshop, shard: ShardPlan, attempt: int, timings: Timings | None = None, item: Any = None
) -> Sample:
    """Make one sample attempt (of corpus `item` for a corpus generator); raises Dropped when it must not be kept."""
    timings = timings or Timings()
    resolved = workshop.resolved
    seed = sample_seed(resolved.seed, shard.index, attempt)
    key = sample_key(shard, attempt)
    clean = clean_sample(workshop, seed, shard.split, timings, item)
    task_name, generator, renderer, render = clean.task_name, clean.generator, clean.renderer, clean.render
    image, quality, targets = clean.image, clean.quality, clean.targets
    t3 = time.perf_counter()
    parts = {
        "targets": to_jsonable(targets.secondary),
        "render": to_jsonable(render.facts),
        "augmentation": to_jsonable(targets.augmentation),
    }
    degrader = workshop.degrader(task_name)
    pixels = None  # the degraded image as an RGB array, when the stage changed it
    width, height = image.width, image.height
    if degrader is not None:
        try:
            pixels, record = degrader.degrade(image, parts, seed, quality.get("min_text_px"), clean.pixels)
        except Dropped as drop:
            drop.task = task_name  # type: ignore[attr-defined]
            raise
        height, width = pixels.shape[:2] if pixels is not None else (height, width)
        parts["augmentation"] = {**(parts["augmentation"] or {}), "degradation": record}
    t_aug = time.perf_counter()
    fmt = resolved.recipe.image.format
    opts = resolved.recipe.image
    if pixels is not None:
        data = images.encode_pixels(pixels, fmt, opts.quality, opts.png_compress_level)
    elif targets.image is None and render.encoded is not None and render.encoded_format == fmt:
        data = render.encoded
    else:
        data = images.encode(image, fmt, opts.quality, opts.png_compress_level)
    t4 = time.perf_counter()
    meta = {
        "key": key,
        "task": task_name,
        "prompt": targets.prompt,
        "split": shard.split,
        "seed": seed,
        "generator": {"name": generator.name, "version": generator.version},
        "renderer": {"name": renderer.name, "version": renderer.version},
        "image": {"format": fmt, "width": width, "height": height},
        "source": generator.describe(render.source),
        "targets": parts["targets"],
        "render": parts["render"],
        "quality": to_jsonable(quality),
        "augmentation": parts["augmentation"],
    }
    payload = pack_meta(meta)
    if degrader is not None:
        timings.add("augment", t_aug - t3)
    timings.add("encode", t4 - t_aug)
    return Sample(key, task_name, {fmt: data, "txt": targets.text.encode("utf-8"), "json": payload})


class SampleGarbage:
    """Makes each sample with the cyclic garbage collector paused, then collects the young objects.

    A Matplotlib figure is a web of reference cycles that lives for the whole draw, so automatic
    collections promoted each chart into the oldest generation, and full collections of the
    whole heap then cost ~4.5 of a chart's ~7 ms of collecting. Collected as soon as the sample
    is done, the figure is still young: ~2 ms a chart, and less memory (300 charts: peak RSS 114
    instead of 138 MB). With the collector paused while most objects are made, Python's own full
    collections would hardly ever run, so one runs every `full_every` samples for what outlives
    two young collections (browser objects: ~50 a page). Nothing changes if the caller turned the
    collector off.
    """

    def __init__(self, full_every: int = 500):
        self.full_every = full_every
        self.since_full = 0

    @contextmanager
    def around_sample(self) -> Iterator[None]:
        if not gc.isenabled():
            yield
            return
        gc.disable()
        try:
            yield
        finally:
            gc.enable()
            self.since_full += 1
            if self.since_full >= self.full_every:
                self.since_full = 0
                gc.collect()
            else:
                gc.collect(1)  # this sample's objects, and what the last one left (a Dropped's traceback)


_garbage = SampleGarbage()  # one per process, like the collector it drives
HELD_OUT_REDRAWS = 100  # per planned sample, at most: a recipe that holds out nearly everything ends short


def shard_samples(workshop: Workshop, shard: ShardPlan, timings: Timings | None = None) -> Iterator[Sample | Drop]:
    """Every attempt of shard `shard`, in order, until it holds its planned number of samples.

    Dropped attempts are yielded as Drop so callers can count them; a shard whose drops exceed
    the recipe's allowance ends short rather than looping forever.
    """
    if shard.part is not None:
        yield from _record_samples(workshop, shard, timings)
        return
    kept = 0
    attempt = 0
    limit = max(int(shard.samples * workshop.resolved.recipe.max_attempts_per_sample), shard.samples + 10)
    held_out = 0  # redraws for held-out values cost no rendering: not counted against `limit`
    while kept < shard.samples and attempt - held_out < limit and held_out < HELD_OUT_REDRAWS * shard.samples + 1000:
        try:
            with _garbage.around_sample():
                sample = make_sample(workshop, shard, attempt, timings)
        except Dropped as drop:
            held_out += drop.reason == "held_out"
            yield Drop(sample_key(shard, attempt), getattr(drop, "task", ""), drop.reason, drop.detail)
        else:
            kept += 1
            yield sample
        attempt += 1


def _record_samples(workshop: Workshop, shard: ShardPlan, timings: Timings | None) -> Iterator[Sample | Drop]:
    """A corpus shard: one attempt per record of its slice and variant, in order; a dropped
    record is counted, never replaced by another."""
    generator = workshop.generators[next(iter(workshop.resolved.task_generator.values()))]
    for attempt, item in enumerate(generator.attempts(shard.part)):
        try:
            with _garbage.around_sample():
                sample = make_sample(workshop, shard, attempt, timings, item=item)
        except Dropped as drop:
            yield Drop(sample_key(shard, attempt), getattr(drop, "task", ""), drop.reason, drop.detail)
        else:
            yield sample
