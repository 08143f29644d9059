"""Chart tables in a locale's own words and digits.

Generated tables name measures, categories and series in English ("Revenue (USD m)", "Electronics",
"North"); their people, companies, countries and cities already come from the locale (CLDR and
Faker pools, `FakerLabels.locale_code`). For a locale written in a script other than Latin, every
other run of English words in the table becomes words of the locale (`locales.word_list`), the same
English run always the same words within one chart, so the title, the headers and the QA pairs keep
agreeing; English month names become the locale's (CLDR); units in parentheses ("USD m", "%"),
quarter and half-year labels (Q1, H2, FY2020) stay: Latin runs inside the other script, as real
charts have them. Numbers (values, years, bins) are written in the sample's digits: `Column.digits`
for value cells, the label texts here. Latin-script locales keep English words, as before.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from factory.generators import locales
from factory.generators.table_request import _MONTHS_LONG, _MONTHS_SHORT
from factory.tabular import Table

_KEEP = re.compile(r"^(?:Q[1-4]|H[12]|FY\d*)$")
_WORD = re.compile(r"[A-Za-z][A-Za-z'&.\-]*")
_MONTH = {name: (i, width) for width, names in (("abbreviated", _MONTHS_SHORT), ("wide", _MONTHS_LONG)) for i, name in enumerate(names)}


class _Words:
    """English runs -> the locale's words, one choice per run per chart, from the sample's rng."""

    def __init__(self, code: str, rng: np.random.Generator):
        self.code = code
        self.rng = rng
        self.words = locales.word_list(code)
        self.sep = " " if locales.SCRIPTS[locales.info(code).script].spaced else ""
        self.done: dict[str, str] = {}

    def run(self, english: str) -> str:
        if english not in self.done:
            n = min(3, max(1, (len(english.split()) + 1) // 2))
            picks = self.rng.integers(len(self.words), size=n)
            self.done[english] = self.sep.join(self.words[int(i)] for i in picks)
        return self.done[english]

    def month(self, english: str) -> str:
        index, width = _MONTH[english]
        return locales.month_names(self.code, width)[index]

    def text(self, text: str) -> str:
        """`text` with its English runs in the locale's words; parentheses (units) kept."""
        parts = re.split(r"(\([^)]*\))", text)
        return "".join(part if part.startswith("(") else self._plain(part) for part in parts)

    def _plain(self, text: str) -> str:
        out, run, last = [], [], 0
        for m in _WORD.finditer(text):
            word = m.group(0)
            if word in _MONTH or _KEEP.match(word):
                if run:
                    out.append(self.run(" ".join(run)))
                    run = []
                out.append(text[last:m.start()])
                out.append(self.month(word) if word in _MONTH else word)
                last = m.end()
                continue
            between = text[last:m.start()]
            if run and between.strip() == "":
                run.append(word)
            else:
                if run:
                    out.append(self.run(" ".join(run)))
                out.append(between)
                run = [word]
            last = m.end()
        if run:
            out.append(self.run(" ".join(run)))
        out.append(text[last:])
        return "".join(out)


def localize(table: Table, code: str, digits: str, rng: np.random.Generator) -> Table:
    """The table in the locale's words (non-Latin scripts) and digits; draws from `rng` only then."""
    latin = locales.info(code).script == "latin"
    if latin and digits == "latn":  # the words and digits as they are; the locale recorded (preview shows it)
        return dataclasses.replace(table, facts={**table.facts, "locale": code, "digits": digits})
    words = None if latin else _Words(code, rng)

    comma = "، " if locales.info(code).script in ("arabic", "persian") else None

    def text(value: str) -> str:
        value = words.text(value) if words is not None and re.search("[A-Za-z]", value) else value
        if comma:
            value = value.replace(", ", comma)  # the Arabic comma
        return locales.to_digits(value, digits)

    columns = [dataclasses.replace(c, name=text(c.name), digits=digits if c.kind == "number" else c.digits) for c in table.columns]
    rows = [[text(v) if isinstance(v, str) else v for v in row] for row in table.rows]
    facts = {**table.facts, "locale": code, "digits": digits}
    return Table(title=text(table.title), columns=columns, rows=rows, facts=facts)


FURNITURE = ("subtitle", "note", "reference_text")


def table_unit(table: Table) -> str:
    """The unit a subtitle names ("Figures in USD m"), as `engine_specs.subtitle_axis` picks it."""
    return (table.facts or {}).get("unit") or (table.series[0].unit if table.series else "")


def localize_furniture(style: dict, code: str, digits: str, unit: str, rng: np.random.Generator) -> None:
    """The chart's own lines (subtitle, source note, reference label) in the locale's words and
    digits, as `localize` writes its table: a Thai chart's note is not English. The unit stays as
    the table writes it; draws from `rng` only for a non-Latin script with such a line."""
    latin = locales.info(code).script == "latin"
    lines = [key for key in FURNITURE if style.get(key)]
    if not lines or (latin and digits == "latn"):
        return
    words = None if latin else _Words(code, rng)
    for key in lines:
        text = style[key]
        if words is not None:
            parts = text.split(unit) if unit and unit in text else [text]
            text = unit.join(words.text(part) if re.search("[A-Za-z]", part) else part for part in parts)
        style[key] = locales.to_digits(text, digits)
