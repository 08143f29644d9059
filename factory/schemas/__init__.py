"""Published JSON Schemas of the documents generator's targets: `<genre>.schema.json`.

Each describes the `document_to_json` target (and `targets.fields` in every document sample's
json) of one genre. `schema(genre)` reads one.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.lru_cache(maxsize=None)
def schema(genre: str) -> dict[str, Any]:
    """The JSON Schema of a document genre's fields ('invoice' -> invoice.schema.json)."""
    path = resources.files("factory.schemas") / f"{genre}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))
