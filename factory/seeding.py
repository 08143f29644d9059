"""Seeds derived from the recipe seed alone.

Shard k of a recipe with seed s always gets the same stream, whatever the worker count or
executor; sample j of that shard is seeded from (s, k, j), so any sample can be regenerated from
its recorded seed without rendering the ones before it.
"""

import numpy as np


def sample_seed(recipe_seed: int, shard_index: int, attempt: int) -> int:
    """A 63-bit seed for one sample attempt, stable across platforms and numpy versions."""
    state = np.random.SeedSequence([recipe_seed, shard_index, attempt]).generate_state(2, np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])


def rng_for(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))
