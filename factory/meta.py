"""The `json` member: one schema for every sample of every dataset, whatever its task.

Hugging Face `datasets` infers a dataset's schema from its first five samples and casts the rest
to it, so a chart's table rows (text and numbers mixed) or a page's DOM tree next to a chart's
style would be rejected or silently cut. The fields below therefore have fixed types; the parts
whose shape depends on the task (`VARIABLE_FIELDS`) are stored as JSON text. `unpack` turns them
back into data; the project's loaders call it for you.
"""

from __future__ import annotations

import json
from typing import Any

VARIABLE_FIELDS = ("source", "targets", "render", "quality", "augmentation")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def pack(meta: dict[str, Any]) -> bytes:
    """The json member's bytes: fixed fields as they are, variable ones as JSON text."""
    out = {k: (_dumps(v) if k in VARIABLE_FIELDS else v) for k, v in meta.items()}
    return _dumps(out).encode("utf-8")


def unpack(meta: dict[str, Any]) -> dict[str, Any]:
    """A decoded json member with its variable fields turned back into data (idempotent)."""
    out = dict(meta)
    for name in VARIABLE_FIELDS:
        value = out.get(name)
        if isinstance(value, str):
            out[name] = json.loads(value)
    return out
