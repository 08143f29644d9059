"""Numbers as a table prints them: read its cells back into exact decimals, and write a computed
value the same way, or refuse.

A column's cells teach its format: the digits (any Unicode decimal digits, one system per
column), fixed decimals, whether thousands are grouped, and the text around the number for
positive and negative values ('%', '€', '(…)', '-'). The separators are the caller's (the
locale's: '.' and ',' or '٫' and '٬'); `learn` accepts a column only when writing every parsed
cell back gives exactly its printed text, so a column it cannot read is left out rather than
misread. `NumberFormat.write` refuses (None) what no cell showed how to write: a negative value
when no cell was negative, a decimal part in a column of whole numbers without a separator to
borrow, a number of a thousand or more when no cell reached a thousand (grouped or not?).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MINUS = ("-", "\u2212")


@dataclass(frozen=True)
class NumberFormat:
    zero: int  # code point of the column's digit zero
    decimals: int
    decimal_sep: str  # '' when no cell shows one
    group_sep: str | None  # None: thousands are not grouped (known only if `grouping_known`)
    grouping_known: bool  # some cell reached a thousand
    positive: tuple[str, str] | None  # (prefix, suffix) around a positive number; None: none seen
    negative: tuple[str, str] | None

    def write(self, value: Decimal, decimals: int | None = None, decimal_sep: str = "") -> str | None:
        """`value` as the column would print it with `decimals` places (its own by default);
        `decimal_sep` is borrowed when the column shows none. None when the cells do not tell."""
        places = self.decimals if decimals is None else decimals
        q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        affixes = self.negative if q < 0 else self.positive
        if affixes is None:
            return None
        whole, _, frac = f"{abs(q):f}".partition(".")
        sep = self.decimal_sep or decimal_sep
        if places and not sep:
            return None
        if len(whole) > 3:
            if not self.grouping_known:
                return None
            if self.group_sep:
                head = len(whole) % 3 or 3
                whole = whole[:head] + "".join(self.group_sep + whole[i:i + 3] for i in range(head, len(whole), 3))
        core = whole + (sep + frac if places else "")
        if self.zero != 0x30:
            core = core.translate({0x30 + i: self.zero + i for i in range(10)})
        return affixes[0] + core + affixes[1]


@dataclass(frozen=True)
class _Parsed:
    value: Decimal
    zero: int
    decimals: int
    grouped: bool
    whole_digits: int
    affixes: tuple[str, str]


def _digit(ch: str) -> int | None:
    return unicodedata.decimal(ch, None)


def parse(text: str, decimal_sep: str, group_sep: str) -> _Parsed | None:
    """One printed number: '(1,234.50)', '-12.5%', '١٬٢٣٤٫٥', or None when it is not one."""
    at = [i for i, ch in enumerate(text) if _digit(ch) is not None]
    if not at:
        return None
    first, last = at[0], at[-1]
    prefix, core, suffix = text[:first], text[first:last + 1], text[last + 1:]
    zeros = {ord(text[i]) - _digit(text[i]) for i in at}  # type: ignore[operator]
    if len(zeros) != 1:
        return None
    negative = any(m in prefix for m in MINUS) or (prefix.startswith("(") and suffix.endswith(")"))
    whole, sep, frac = core.partition(decimal_sep) if decimal_sep else (core, "", "")
    if sep and not frac:
        return None
    grouped = bool(group_sep) and group_sep in whole
    digits_whole = whole.replace(group_sep, "") if grouped else whole
    if not all(_digit(ch) is not None for ch in digits_whole + frac):
        return None
    western = "".join(str(_digit(ch)) for ch in digits_whole) + ("." + "".join(str(_digit(ch)) for ch in frac) if frac else "")
    try:
        value = Decimal(western)
    except InvalidOperation:
        return None
    return _Parsed(-value if negative else value, zeros.pop(), len(frac), grouped, len(digits_whole.lstrip("0") or "0"),
                   (prefix, suffix))


def learn(texts: list[str], decimal_sep: str, group_sep: str) -> tuple[NumberFormat, list[Decimal]] | None:
    """The format of a column's printed numbers and their values, or None when the column is not
    numbers written one way (every cell must read back to exactly its text)."""
    parsed = [parse(t, decimal_sep, group_sep) for t in texts]
    if not parsed or any(p is None for p in parsed):
        return None
    ps: list[_Parsed] = parsed  # type: ignore[assignment]
    if len({p.zero for p in ps}) != 1 or len({p.decimals for p in ps}) != 1:
        return None
    big = [p for p in ps if p.whole_digits > 3]
    if len({p.grouped for p in big}) > 1:
        return None
    pos = {p.affixes for p in ps if p.value >= 0}
    neg = {p.affixes for p in ps if p.value < 0}
    if len(pos) > 1 or len(neg) > 1:
        return None
    fmt = NumberFormat(
        zero=ps[0].zero, decimals=ps[0].decimals, decimal_sep=decimal_sep if ps[0].decimals else "",
        group_sep=group_sep if big and big[0].grouped else None, grouping_known=bool(big),
        positive=pos.pop() if pos else None, negative=neg.pop() if neg else None,
    )
    if any(fmt.write(p.value) != t for p, t in zip(ps, texts)):
        return None
    return fmt, [p.value for p in ps]


def write_count(n: int, zero: int) -> str:
    """A whole count in the table's digits (counts are small: no grouping)."""
    text = str(n)
    return text if zero == 0x30 else text.translate({0x30 + i: zero + i for i in range(10)})
