"""Held-out splits by design: values of a source field that only some splits may hold.

A recipe reserves values for the val and/or test split:

    holdout:
      test:
        - {field: chart_type, values: [pie, donut]}
        - {field: style.theme, values: [dark_background]}

`field` is a dotted path into the sample's json `source` (what `render-factory preview` shows;
a leading `source.` may be written). A value reserved for a split may appear only in the
splits that reserve it: a train (or val) sample whose source matches is dropped before it is
rendered, with reason `held_out`, and the shard draws its next attempt from the same seed
stream, so the result stays a pure function of the recipe. Split sizes are unchanged; the
reserving split keeps its natural mix (seen and held-out values), which lets `render-factory
score` report both. A list-valued field matches when any element is a reserved value. Fields
are matched on the source as generated, before a renderer's legibility repairs (these change
font sizes and figure widths only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from factory.errors import Dropped, RecipeError

FIELD_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
RESERVING_SPLITS = ("validation", "val", "test")
PROBES = 6  # sources drawn per generator at preflight to check that every field exists


class HoldoutRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(description="dotted path into the sample's json source, e.g. chart_type or style.theme")
    values: list[str | int | float | bool] = Field(min_length=1, description="values only the reserving split may hold")

    @field_validator("field")
    @classmethod
    def _path(cls, value: str) -> str:
        value = value.strip().removeprefix("source.")
        if not FIELD_PATTERN.match(value):
            raise ValueError(f"'{value}' is not a dotted field path such as chart_type or style.theme")
        return value


def check_splits(holdout: dict[str, list[HoldoutRule]], splits: Iterable[str]) -> None:
    """Raises ValueError (pydantic turns it into the recipe's one-line error) for a bad split name."""
    present = list(splits)
    for split, rules in holdout.items():
        if split not in RESERVING_SPLITS:
            raise ValueError(f"values can be held out for validation (or val) or test, not '{split}'")
        if split not in present:
            raise ValueError(f"split '{split}' holds values but is not in splits ({', '.join(present)}); add it there")
        if not rules:
            raise ValueError(f"holdout.{split} lists no rule; give [{{field: ..., values: [...]}}] or remove it")


def lookup(source: Any, path: str) -> tuple[bool, Any]:
    """(found, value) of a dotted path in nested dicts."""
    current = source
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _matches(value: Any, reserved: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_matches(v, reserved) for v in value)
    return value == reserved and isinstance(value, bool) == isinstance(reserved, bool)  # True is not 1


class Holdout:
    """The recipe's rules, asked per sample: which splits may hold this source?"""

    def __init__(self, rules: dict[str, list[HoldoutRule]]):
        self.rules = rules
        # (field, value list, splits allowed): a value reserved by several splits is allowed in each
        by_field: dict[tuple[str, str], set[str]] = {}
        self._reserved: list[tuple[str, Any, set[str]]] = []
        for split, split_rules in rules.items():
            for rule in split_rules:
                for value in rule.values:
                    by_field.setdefault((rule.field, repr(value)), set()).add(split)
                    self._reserved.append((rule.field, value, set()))
        self._reserved = [(f, v, by_field[(f, repr(v))]) for f, v, _ in self._reserved]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def reserved_for(self, source: dict[str, Any]) -> tuple[set[str], str] | None:
        """(splits that may hold this source, which rule matched) or None when it is unrestricted."""
        allowed: set[str] | None = None
        reason = ""
        for field, value, splits in self._reserved:
            found, actual = lookup(source, field)
            if found and _matches(actual, value):
                allowed = set(splits) if allowed is None else allowed & splits
                reason = reason or f"{field} = {value!r}"
        return None if allowed is None else (allowed, reason)

    def check(self, split: str, source: dict[str, Any]) -> None:
        """Raise Dropped('held_out') when `split` may not hold this source."""
        found = self.reserved_for(source)
        if found is not None and split not in found[0]:
            allowed, reason = found
            raise Dropped("held_out", f"{reason} is held out for {', '.join(sorted(allowed)) or 'no split'}")

    def is_held_out(self, source: dict[str, Any]) -> bool:
        """True when the source holds a reserved value (for the score's seen / held-out breakdown)."""
        return self.reserved_for(source) is not None

    def as_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {split: [rule.model_dump(mode="json") for rule in rules] for split, rules in self.rules.items()}

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> "Holdout":
        data = (manifest.get("holdout") or {}).get("rules") or {}
        return cls({split: [HoldoutRule.model_validate(r) for r in rules] for split, rules in data.items()})


def check_fields(holdout: Holdout, sources_by_generator: dict[str, list[dict[str, Any]]]) -> None:
    """Before a run: every rule's field must exist in some generated source, or the rule can never match."""
    for split, rules in holdout.rules.items():
        for rule in rules:
            if any(lookup(src, rule.field)[0] for sources in sources_by_generator.values() for src in sources):
                continue
            fields = sorted({k for sources in sources_by_generator.values() for src in sources for k in src})
            raise RecipeError(
                f"recipe field 'holdout.{split}': no generated source has a field '{rule.field}'; "
                f"fields of this recipe's sources: {', '.join(fields)} (nested ones with dots, e.g. style.theme)"
            )


def probe_sources(workshop: Any, seed: int) -> dict[str, list[dict[str, Any]]]:
    """A few sources per generator, drawn apart from every shard's seed stream."""
    from factory.seeding import rng_for

    out: dict[str, list[dict[str, Any]]] = {}
    for name, generator in workshop.generators.items():
        found = []
        for k in range(PROBES):
            probe_seed = (seed * 7919 + 104729 + k) % (2**63)
            try:
                found.append(generator.describe(generator.sample(rng_for(probe_seed), probe_seed)))
            except Dropped:
                continue
        out[name] = found
    return out


def card_markdown(manifest: dict[str, Any]) -> str:
    """The card's paragraph on held-out values ('' when the recipe holds none out)."""
    from factory.dataset.card import md_cell

    holdout = manifest.get("holdout") or {}
    rules = holdout.get("rules") or {}
    if not rules:
        return ""
    lines = ["## Held-out values", "",
             "Some values of the generator's sources were reserved: they appear only in the split named, so that split "
             "measures generalization to renderings never seen in training.", ""]  # fmt: skip
    for split, split_rules in rules.items():
        for rule in split_rules:
            values = ", ".join(md_cell(v) for v in rule["values"])
            lines.append(f"- {md_cell(split)} only: source.{md_cell(rule['field'])} in {values}")
    lines += ["", f"{holdout.get('redrawn', 0)} attempts of other splits drew a held-out value and were drawn again "
              "(drop reason `held_out`).", ""]  # fmt: skip
    return "\n".join(lines)
