"""What a chart asks of a table (`TableRequest`), the recipe's table options, and how label
columns are read as kinds of time or numbers. Shared by the generated and the user's tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from factory.components import Options

TIME_KINDS = ("years", "quarters", "months", "dates")
LABEL_KINDS = TIME_KINDS + ("countries", "cities", "companies", "products", "people", "categories")
VALUE_MODES = ("any", "positive", "with_negatives", "share")
MAX_CHARS = 8  # longest formatted number, sign and '%' included


class TableOptions(Options):
    """Where tables come from and how big they are."""

    source: str = Field("faker", description="'faker', or a CSV/Parquet file or a folder of them")
    locale: str = Field("en_US", description="Faker locale for generated labels")
    rows: tuple[int, int] = Field((3, 12), description="inclusive range of data rows")
    series: tuple[int, int] = Field((1, 4), description="inclusive range of numeric columns")
    missing: Literal["drop_row", "zero", "error"] = Field(
        "drop_row", description="user tables: what to do with empty cells"
    )
    label_kinds: tuple[str, ...] | None = Field(
        None, description=f"generated tables: allowed label kinds among {', '.join(LABEL_KINDS)}"
    )
    empty_title: float = Field(0.1, ge=0, le=1, description="share of generated tables with no title")
    max_label_chars: int = Field(20, ge=4, le=80, description="longest generated label text")
    label_column: str | None = Field(
        None, description="user tables: the label column's name (default: detected)"
    )

    @field_validator("rows", "series")
    @classmethod
    def _range(cls, value: tuple[int, int]) -> tuple[int, int]:
        lo, hi = value
        if lo < 1 or hi < lo or hi > 500:
            raise ValueError(f"expected [low, high] with 1 <= low <= high <= 500, got [{lo}, {hi}]")
        return value

    @field_validator("label_kinds")
    @classmethod
    def _kinds(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            bad = [k for k in value if k not in LABEL_KINDS]
            if bad or not value:
                raise ValueError(f"unknown label kind {bad}; choose from {', '.join(LABEL_KINDS)}")
        return value

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        from faker.config import AVAILABLE_LOCALES

        if value not in AVAILABLE_LOCALES:
            raise ValueError(f"unknown Faker locale '{value}'; e.g. en_US, de_DE, fr_FR, ja_JP")
        return value

    @model_validator(mode="after")
    def _source(self) -> TableOptions:
        if not self.source.strip():
            raise ValueError("source is empty; use 'faker' or a path to CSV/Parquet files")
        return self


@dataclass(frozen=True)
class TableRequest:
    """What a chart type needs from a table."""

    rows: tuple[int, int] = (3, 12)
    series: tuple[int, int] = (1, 4)
    label_kinds: tuple[str, ...] | None = None  # e.g. TIME_KINDS for line and area charts
    values: Literal["any", "positive", "with_negatives", "share"] = "any"
    numeric_labels: bool = False  # scatter: the first column is numeric too (kind "number")
    additive: bool = False  # stacked charts: series must add up (amounts, not rates, averages or scores)

    def __post_init__(self) -> None:
        if self.values not in VALUE_MODES:
            raise ValueError(f"TableRequest.values must be one of {VALUE_MODES}, not {self.values!r}")
        if self.label_kinds is not None and (not self.label_kinds or set(self.label_kinds) - set(LABEL_KINDS)):
            raise ValueError(f"TableRequest.label_kinds must be a non-empty subset of {LABEL_KINDS}")
        for name, (lo, hi) in (("rows", self.rows), ("series", self.series)):
            if lo < 1 or hi < lo:
                raise ValueError(f"TableRequest.{name} must be (low, high) with 1 <= low <= high")


def intersect(preferred: tuple[int, int], needed: tuple[int, int]) -> tuple[int, int]:
    """The options' range cut to the chart's; if they do not meet, the chart's need wins.

    A disjoint pair gives the single value of the chart's range nearest the options' range.
    """
    lo, hi = max(preferred[0], needed[0]), min(preferred[1], needed[1])
    if lo <= hi:
        return lo, hi
    value = needed[0] if needed[0] > preferred[1] else needed[1]
    return value, value


_MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip
_MONTH_INDEX = {name.casefold(): i + 1 for names in (_MONTHS_SHORT, _MONTHS_LONG) for i, name in enumerate(names)}
_MONTH_INDEX["sept"] = 9
_TIME_PATTERNS = (
    ("years", re.compile(r"^(?:FY\s?)?(\d{4})$", re.I), lambda m: (int(m[1]),)),
    ("quarters", re.compile(r"^Q([1-4])(?:\s*'?(\d{4}|\d{2}))?$", re.I), lambda m: (_year(m[2]), int(m[1]))),
    ("quarters", re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.I), lambda m: (int(m[1]), int(m[2]))),
    ("dates", re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), lambda m: (int(m[1]), int(m[2]), int(m[3]))),
    ("dates", re.compile(r"^([A-Za-z]{3})\.?\s+(\d{1,2})$"), lambda m: (0, _month(m[1]), int(m[2]))),
    ("months", re.compile(r"^(\d{4})-(\d{2})$"), lambda m: (int(m[1]), int(m[2]))),
    ("months", re.compile(r"^([A-Za-z]+)\.?(?:\s+'?(\d{4}|\d{2}))?$"), lambda m: (_year(m[2]), _month(m[1]))),
)


def _year(text: str | None) -> int:
    if not text:
        return 0
    year = int(text)
    return year if len(text) == 4 else (2000 + year if year < 50 else 1900 + year)


def _month(name: str) -> int:
    month = _MONTH_INDEX.get(name.casefold())
    if month is None:
        raise ValueError(name)
    return month


def time_keys(labels: list[str]) -> tuple[str, list[tuple[int, ...]]] | None:
    """(kind, sortable keys) when every label reads as the same kind of time, else None.

    Understands the formats this module writes (2019, FY2019, Q1 2021, 2021-Q1, Q1'21, Jan,
    January 2021, Jan '21, 2021-01, 2021-03-15, Mar 15) and the usual ones in user files.
    """
    if not labels:
        return None
    for kind, pattern, key in _TIME_PATTERNS:
        keys = []
        for label in labels:
            match = pattern.match(str(label).strip())
            if match is None:
                break
            try:
                keys.append(key(match))
            except ValueError:
                break
        else:
            if kind == "dates" and not all(1 <= k[1] <= 12 and 1 <= k[2] <= 31 for k in keys):
                continue
            if kind == "months" and not all(1 <= k[1] <= 12 for k in keys):
                continue
            return kind, keys
    return None


def detect_label_kind(labels: list[str]) -> str:
    """A label column's kind: a time kind, "number", or "categories"."""
    found = time_keys(labels)
    if found is not None:
        return found[0]
    if labels and all(_NUMBER_RE.match(str(x).strip()) for x in labels):
        return "number"
    return "categories"


_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def header(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def lower_first(text: str) -> str:
    """'Revenue' -> 'revenue', but 'GDP growth' and 'PM2.5' keep their capitals."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text
