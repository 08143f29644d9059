"""QA answers scored as ChartQA scores them, on the final answer, with numbers read the way the
sample writes them.

ChartQA's relaxed accuracy (`chart_qa.relaxed_correctness`) reads numbers with Python's float():
right for '12.5' or '١٢.٥', wrong for what table images and documents print. A de_DE invoice
answers '1.234,50 €', an ar_EG table '١٬٢٣٤٫٥' or '١٢٫٥٪'; float() reads none of them, and reads
a German '1.234' (one thousand two hundred and thirty-four) as 1.234. Here each answer is first
taken to its final form (the last `answer:` line of a rationale), then every number is read into
an exact decimal with the sample's own conventions (`NumberStyle`: its decimal and group
separators, any one system of Unicode digits, signs, '(…)' negatives, '%' or '٪', currency
symbols and the sample's currency code), rewritten as the plain text float() reads ('-1234.50',
'12.5%'), and the published rule runs on those texts:

- a nonzero target: the prediction is right within 5% relative error, a trailing '%' dividing by
  100 on both sides (so '12.5' does not answer '12.5%', as published);
- a target of 0: the two texts must be equal ('0' does not answer '0.00', as published; but '٠٫٠٠'
  and '0,00 €' do);
- a target that is not a number: normalized string equality (NFKC, case-folded, surrounding
  whitespace and punctuation stripped, inner whitespace runs as one space). The published rule
  only lower-cases: 'Yes.' or '"Nurse"' would be wrong there.

A prediction is read first with the sample's conventions, then as float() reads it, then with
Western ('1,234.5') and Arabic ('١٬٢٣٤٫٥') separators, so '1234.5' and '1,234.5' both answer a
German '1.234,5'. Grouped digits must be grouped as numbers are (three digits a group, or the
Indian two): '1.5' is not a German 1,5 thousand but 1.5.

When an answer is written in ASCII and float() reads it as the sample means it (every chart,
table images in every locale: '.' decimals), it is passed to the published rule unchanged: plain
Latin-digit answers are scored bit for bit as ChartQA's code scores them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from factory.metrics.chart_qa import relaxed_correctness
from factory.metrics.chart_table import to_float

ANSWER_LINE = re.compile(r"^[ \t]*answer[ \t]*:(.*)$", re.IGNORECASE | re.MULTILINE)
PROGRAM_LINE = re.compile(r"^[ \t]*program[ \t]*:(.*)$", re.IGNORECASE | re.MULTILINE)
MINUS = frozenset("-\u2212\u2012\u2013\ufe63\uff0d")
PERCENT = frozenset("%\u066a\ufe6a\uff05")
SIGNS = MINUS | {"+"}


@dataclass(frozen=True)
class NumberStyle:
    """How a sample writes numbers: separators, and currency texts that may stand beside them."""

    decimal: str = "."
    group: str = ""
    currencies: tuple[str, ...] = ()


CHART = NumberStyle(".", "")  # charts: '.', no grouping, native digits only replace 0-9 (tabular.format_value)
ALTERNATIVES = (NumberStyle(".", ","), NumberStyle("\u066b", "\u066c"))


def final_answer(text: str) -> str:
    """The text after the last `answer:` line, or the whole text when there is none."""
    found = ANSWER_LINE.findall(text)
    return found[-1].strip() if found else text.strip()


def program_line(text: str) -> str | None:
    found = PROGRAM_LINE.findall(text)
    return found[-1].strip() if found else None


def clean(text: str) -> str:
    """NFKC; every space character as ' ', invisible format marks (RLM, ALM...) dropped."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def normalize_text(text: str) -> str:
    """Case-folded NFKC text without surrounding whitespace or punctuation, inner spaces as one."""
    text = " ".join(clean(text).casefold().split())
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or unicodedata.category(text[start]).startswith("P")):
        start += 1
    while end > start and (text[end - 1].isspace() or unicodedata.category(text[end - 1]).startswith("P")):
        end -= 1
    return text[start:end]


def _grouping_ok(whole: str, group: str) -> bool:
    parts = whole.split(group)
    if len(parts) == 1:
        return True
    return 1 <= len(parts[0]) <= 3 and len(parts[-1]) == 3 and all(len(p) in (2, 3) for p in parts[1:-1])


def _affix_ok(text: str, allowed: frozenset[str], currencies: tuple[str, ...]) -> bool:
    for currency in currencies:
        text = text.replace(currency, " ")
    return all(ch.isspace() or ch in allowed or unicodedata.category(ch) == "Sc" for ch in text)


def read_number(text: str, style: NumberStyle) -> tuple[Decimal, bool] | None:
    """(exact value, whether it is a percentage) of one written number, or None when `text` is not
    one number written with `style`'s separators."""
    text = clean(text)
    at = [i for i, ch in enumerate(text) if unicodedata.decimal(ch, None) is not None]
    if not at:
        return None
    prefix, core, suffix = text[: at[0]], text[at[0] : at[-1] + 1], text[at[-1] + 1 :]
    if len({ord(text[i]) - unicodedata.decimal(text[i]) for i in at}) != 1:  # one digit system
        return None
    if not _affix_ok(prefix, SIGNS | {"("}, style.currencies) or not _affix_ok(suffix, PERCENT | {")"}, style.currencies):
        return None
    if ("(" in prefix) != (")" in suffix) or sum(ch in SIGNS for ch in prefix) > 1:
        return None
    whole, sep, frac = core.partition(style.decimal) if style.decimal else (core, "", "")
    if sep and not frac:
        return None
    if style.group and style.group in whole:
        if not _grouping_ok(whole, style.group):
            return None
        whole = whole.replace(style.group, "")
    digits = whole + frac
    if not all(unicodedata.decimal(ch, None) is not None for ch in digits):
        return None
    western = "".join(str(unicodedata.decimal(ch)) for ch in whole) + ("." + "".join(str(unicodedata.decimal(ch)) for ch in frac) if frac else "")
    value = Decimal(western)
    if value and (any(ch in MINUS for ch in prefix) or "(" in prefix):
        value = -value
    return value, any(ch in PERCENT for ch in prefix + suffix)


def _plain(value: Decimal, percent: bool) -> str:
    return f"{value:f}" + ("%" if percent else "")


def as_published(text: str, style: NumberStyle, prediction: bool = False) -> str:
    """`text` as the published rule should see it: an ASCII number float() reads as the sample
    means it unchanged; another number rewritten as '-1234.50' or '12.5%' (so a 0 target written
    '٠' is answered by '0'); anything else unchanged. A prediction also gets the Western and
    Arabic separators."""
    text = text.strip()
    own = read_number(text, style)
    as_float = to_float(text)
    if as_float is not None and text.isascii() and (own is None or float(own[0]) / (100.0 if own[1] else 1.0) == as_float):
        return text
    if own is not None:
        return _plain(*own)
    for other in ALTERNATIVES if prediction else ():
        if other != style and (read := read_number(text, other)) is not None:
            return _plain(*read)
    return text


def relaxed_match(target: str, prediction: str, style: NumberStyle) -> bool:
    """ChartQA's relaxed accuracy on two final answers, numbers read with `style` (module doc)."""
    t = as_published(target, style)
    if to_float(t) is None:
        return normalize_text(target) == normalize_text(prediction)
    return relaxed_correctness(t, as_published(prediction, style, prediction=True))


def score_answer(target: str, prediction: str, style: NumberStyle) -> dict[str, float]:
    """relaxed_accuracy and exact_match of the final answers; program_match when the target is a
    rationale with a `program:` line (the prediction's last one, stripped, must be equal)."""
    t, p = final_answer(target), final_answer(prediction)
    out = {"relaxed_accuracy": float(relaxed_match(t, p, style)), "exact_match": float(p == t)}
    program = program_line(target)
    if program is not None:
        out["program_match"] = float(program_line(prediction) == program)
    return out
