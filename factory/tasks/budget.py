"""Target length budgets: a task's longest target, in characters or in tokens of a tokenizer.

A trainer's decoder has a fixed length (Pix2Struct and DePlot: 512 or 1024 or 2048 tokens); a
target past it is cut in training and teaches the model to stop mid-sentence. A recipe gives a
task `budget: {max_chars: N}` (no dependency) or `budget: {max_tokens: N, tokenizer: PATH}` where
PATH is a Hugging Face `tokenizer.json` (every model repository ships one; read with the
`tokenizers` library, the `tokens` extra), and a policy:

- `drop`: a sample whose target is over is dropped with the counted reason `over_budget`;
- `crop`: screenshot parsing keeps the largest subtree of the page whose target fits (Pix2Struct's
  rule) and marks its box on the image (factory/tasks/subtree.py); other tasks drop;
- `viewport`: screenshot parsing describes the first screen only and the image is cut to it, then
  crops if that is still over; other tasks drop.

Tokenizers are loaded once per process and counted without special tokens.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from factory.components import Options
from factory.errors import Dropped, require

POLICIES = ("drop", "crop", "viewport")


class BudgetOptions(Options):
    max_chars: int | None = Field(None, ge=1, le=10_000_000, description="longest target in characters")
    max_tokens: int | None = Field(None, ge=1, le=1_000_000, description="longest target in tokens of `tokenizer`")
    tokenizer: str | None = Field(None, description="a Hugging Face tokenizer.json file (needs the tokens extra)")
    policy: Literal["drop", "crop", "viewport"] = Field("drop", description="what to do with a target over the budget")

    @model_validator(mode="after")
    def _one_measure(self) -> "BudgetOptions":
        if (self.max_chars is None) == (self.max_tokens is None):
            raise ValueError("give exactly one of max_chars and max_tokens")
        if self.max_tokens is not None and not self.tokenizer:
            raise ValueError("max_tokens needs tokenizer: the path of a tokenizer.json (or use max_chars)")
        if self.tokenizer is not None and self.max_tokens is None:
            raise ValueError("tokenizer is only used with max_tokens")
        if self.tokenizer is not None and not Path(self.tokenizer).is_file():
            raise ValueError(f"tokenizer file '{self.tokenizer}' does not exist; give the path of a tokenizer.json")
        return self


@functools.lru_cache(maxsize=8)
def _tokenizer(path: str):
    tokenizers = require("tokenizers", "tokens", "budgets in tokens")
    try:
        return tokenizers.Tokenizer.from_file(path)
    except Exception as exc:  # noqa: BLE001 - the Rust library raises its own exception type
        from factory.errors import FactoryError

        raise FactoryError(f"cannot read tokenizer '{path}': {' '.join(str(exc).split())[:200]}; give a Hugging Face tokenizer.json") from None


class Budget:
    """Measures targets against one task's budget."""

    def __init__(self, options: BudgetOptions):
        self.options = options
        self.limit = options.max_chars if options.max_chars is not None else options.max_tokens
        self.unit = "characters" if options.max_chars is not None else "tokens"
        self.policy = options.policy

    def length(self, text: str) -> int:
        if self.options.max_chars is not None:
            return len(text)
        return len(_tokenizer(self.options.tokenizer).encode(text, add_special_tokens=False).ids)

    def fits(self, text: str) -> bool:
        # Characters bound tokens from above for every tokenizer that does not split a
        # character into several tokens... which byte-level ones do; so always count.
        return self.length(text) <= self.limit

    def check(self, text: str) -> None:
        """Drop (reason over_budget) a target that does not fit."""
        n = self.length(text)
        if n > self.limit:
            raise Dropped("over_budget", f"target is {n} {self.unit}, budget {self.limit}")
