"""The plan: which shards a recipe makes, in which split, with how many samples.

The plan depends on the recipe alone, so every executor and every re-run agrees on it, and shard
k's seed stream is the same wherever it runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from factory.dataset import layout
from factory.recipe import Recipe, ResolvedRecipe


@dataclass(frozen=True)
class ShardPlan:
    index: int  # global position; seeds derive from (recipe seed, index)
    split: str
    number: int  # position within the split; names the file
    samples: int

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
    return plan_for(resolved.recipe)


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


def plan_for(recipe: Recipe) -> list[ShardPlan]:
    """The shards of a validated recipe (no task or generator needs to be importable)."""
    shards: list[ShardPlan] = []
    for split, count in split_counts(recipe.samples, recipe.splits).items():
        for number, size in enumerate(shard_sizes(count, recipe.shard.samples, recipe.shard.readers)):
            shards.append(ShardPlan(len(shards), split, number, size))
    return shards
