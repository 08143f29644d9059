"""The plan: which shards a recipe makes, in which split, with how many samples.

The plan depends on the recipe alone (and, for a generator that reads a corpus, on that corpus),
so every executor and every re-run agrees on it, and shard k's seed stream is the same wherever
it runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from factory.dataset import layout
from factory.recipe import Recipe, ResolvedRecipe


@dataclass(frozen=True)
class RecordSlice:
    """The records of a corpus one shard reads (factory/corpus/readers.py makes and reads them).

    unit "rows": records [start, stop) of `file` (stop -1: to its end); "bytes": records whose
    first byte lies in [start, stop) of `file`; "paths": the pages of folder `file` from `first`
    to `last` (path components, inclusive; records [start, stop) of the folder when planned).
    `size` is the file's size when planned (-1 for a folder): a changed file is an error.
    """

    file: str
    unit: str
    start: int = 0
    stop: int = -1
    first: tuple[str, ...] = ()
    last: tuple[str, ...] = ()
    size: int = -1


@dataclass(frozen=True)
class ShardPlan:
    index: int  # global position; seeds derive from (recipe seed, index)
    split: str
    number: int  # position within the split; names the file
    samples: int  # attempts for a corpus shard: its records times its variants (estimated for byte ranges)
    part: RecordSlice | None = None  # the corpus records this shard reads; None for generated samples

    @property
    def name(self) -> str:
        return f"{self.split}-{self.number:06d}"

    @property
    def filename(self) -> str:
        return layout.shard_file(self.name)


def split_counts(total: int, fractions: dict[str, float]) -> dict[str, int]:
    """Largest-remainder rounding, so the counts add up to `total` exactly."""
    raw = {k: total * f for k, f in fractions.items()}
    counts = {k: math.floor(v) for k, v in raw.items()}
    left = total - sum(counts.values())
    for k in sorted(raw, key=lambda k: (counts[k] - raw[k], list(raw).index(k)))[:left]:
        counts[k] += 1
    return counts


def plan_shards(resolved: ResolvedRecipe) -> list[ShardPlan]:
    from factory import registry

    for name, options in resolved.generator_options.items():
        cls = registry.generator_class(name)
        if getattr(cls, "reads_records", False):
            return plan_record_shards(resolved, cls.open_corpus(options), cls.variants_of(options))
    return plan_for(resolved.recipe)  # type: ignore[return-value]


def shard_sizes(count: int, per_shard: int, readers: int = 1) -> list[int]:
    """Sample counts of one split's shards: full shards of `per_shard` and the rest in a last one;
    or, when that makes fewer shards than `readers` (loader workers x ranks, each of which needs a
    shard of its own), `min(readers, count)` shards as even as can be (sizes differ by at most 1)."""
    full = math.ceil(count / per_shard)
    want = min(readers, count)
    if full >= want:
        return [min(per_shard, count - number * per_shard) for number in range(full)]
    base, extra = divmod(count, want)
    return [base + (1 if number < extra else 0) for number in range(want)]


def empty_splits(recipe: Recipe, plan: list[ShardPlan]) -> list[str]:
    """Splits the recipe gives a share that the plan leaves without a sample (too few samples)."""
    planned = {s.split for s in plan if s.samples > 0}
    return [split for split, fraction in recipe.splits.items() if fraction > 0 and split not in planned]


def shard_count(count: int, per_shard: int, readers: int = 1) -> int:
    """len(shard_sizes(count, per_shard, readers)), without building the list."""
    return max(math.ceil(count / per_shard), min(readers, count))


def plan_for(recipe: Recipe) -> list[ShardPlan] | None:
    """The shards of a validated recipe (no task or generator needs to be importable); None for a
    recipe that reads a corpus, whose plan depends on the corpus too (plan_shards reads it)."""
    from factory import registry

    if any(name in registry.RECORD_GENERATORS for name in recipe.generators):
        return None
    shards: list[ShardPlan] = []
    for split, count in split_counts(recipe.samples, recipe.splits).items():
        for number, size in enumerate(shard_sizes(count, recipe.shard.samples, recipe.shard.readers)):
            shards.append(ShardPlan(len(shards), split, number, size))
    return shards


def plan_record_shards(resolved: ResolvedRecipe, corpus, variants: int = 1) -> list[ShardPlan]:
    """Shards of a corpus: consecutive record ranges, never across a file, in corpus order.

    The first ceil(samples / variants) records are planned (all of them when the corpus is
    smaller), split by the recipe's fractions in order (train first), in shards of at most
    ceil(shard.samples / variants) records. A shard's sample count is its records times the
    variants each record is rendered in; where a file's record count is estimated (JSONL and WARC
    byte ranges), so is the count.
    """
    recipe = resolved.recipe
    units = corpus.units_cache
    wanted = min(math.ceil(recipe.samples / variants), sum(u.count for u in units))
    if wanted == 0:
        from factory.errors import FactoryError

        raise FactoryError(f"corpus source '{corpus.source}' holds no record to render (no HTML page or response in it)")
    per_shard = max(1, math.ceil(recipe.shard.samples / variants))
    cursor_unit, cursor = 0, 0
    ranges: list[tuple[str, int, int, int, int | None]] = []  # split, records, unit, start, stop
    for split, count in split_counts(wanted, recipe.splits).items():
        while count > 0 and cursor_unit < len(units):
            unit = units[cursor_unit]
            n = min(count, per_shard, unit.count - cursor)
            stop: int | None = cursor + n
            if stop >= unit.count:
                stop = None  # to the unit's end, whatever its true count
            ranges.append((split, n, cursor_unit, cursor, stop))
            count -= n
            cursor += n
            if cursor >= unit.count:
                cursor_unit, cursor = cursor_unit + 1, 0
    slices = corpus.slices([(u, start, stop) for _, _, u, start, stop in ranges])
    shards: list[ShardPlan] = []
    numbers: dict[str, int] = {}
    for (split, n, *_), part in zip(ranges, slices):
        number = numbers.get(split, 0)
        numbers[split] = number + 1
        shards.append(ShardPlan(len(shards), split, number, n * variants, part))
    return shards
