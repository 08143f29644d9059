"""What runs inside a worker: one Workshop per process (one Matplotlib state, at most one
browser), reused for every shard that process is given."""

from __future__ import annotations

import atexit
import hashlib
import json
from collections.abc import Callable
from typing import Any

from factory.plan import ShardPlan
from factory.recipe import recipe_from_dict
from factory.samples import Workshop
from factory.dataset.shards import write_shard
from factory.dataset.storage import Store

_workshops: dict[str, Workshop] = {}


def close_all() -> None:
    for workshop in _workshops.values():
        workshop.close()
    _workshops.clear()


atexit.register(close_all)


def workshop_for(recipe_data: dict[str, Any]) -> Workshop:
    digest = hashlib.sha256(json.dumps(recipe_data, sort_keys=True).encode()).hexdigest()
    if digest not in _workshops:
        close_all()  # one recipe at a time per process: free the previous browser
        _workshops[digest] = Workshop(recipe_from_dict(recipe_data))
    return _workshops[digest]


def render_shard(
    recipe_data: dict[str, Any],
    out_url: str,
    shard: ShardPlan,
    on_sample: Callable[[int], None] | None = None,
    run: str | None = None,
) -> dict[str, Any]:
    """Render one shard to `out_url` for run `run` (its temporaries carry that token); returns its
    stats. Safe to call again after a crash."""
    return write_shard(workshop_for(recipe_data), Store(out_url, run), shard, on_sample)
