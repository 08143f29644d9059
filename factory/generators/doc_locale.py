"""How a document's locale writes money, numbers, percentages and dates (Babel), and its labels.

Everything locale-specific that documents print goes through `DocLocale`, so adding a locale
(right-to-left scripts, native digits) means adding data here, not touching the genres: the
direction comes from CLDR (`dir` on the page; templates use logical CSS properties such as
`text-align: end`), and every number, amount and date is written in the document's numbering
system (`numbering`: native Arabic-Indic, Persian, Devanagari, Bengali or Thai digits, with CLDR's
Arabic separators '٬' '٫' and '٪' for the Arabic-script systems; Babel formats with Western digits
and `locales.localize_numbers` writes the digits, which Babel does not).

Printed strings keep Babel's output exactly (no-break and narrow no-break spaces included, so a
browser never breaks "1 234,50 €" across lines); `plain()` is how targets write them: every
space character as U+0020, invisible format marks dropped, since a picture cannot show the
difference.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date as Date
from datetime import time as Time
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, dates, numbers

from factory.generators import locales
from factory.generators.doc_labels import LABELS

# Locales with hand-written labels (doc_labels), fonts that draw them and Faker providers: the default.
LOCALES = (
    "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "pl_PL", "da_DK", "cs_CZ",
    "ru_RU", "ja_JP",
)
# Every other script (`factory.generators.locales`), right to left and native digits included;
# a recipe names them in `locales` (the built-in `multilingual` recipe does).
MORE_LOCALES = (
    "ar_EG", "ar_SA", "he_IL", "fa_IR", "hi_IN", "bn_BD", "ta_IN", "th_TH", "ka_GE", "hy_AM", "am_ET", "el_GR",
    "uk_UA", "zh_CN", "zh_TW", "ko_KR",
)
SUPPORTED = LOCALES + MORE_LOCALES
# Standard and reduced rates people see on documents (sales tax for the US, varying by state).
TAX_RATES = {
    "en_US": ("0.0625", "0.07", "0.0725", "0.08", "0.0825", "0.06"), "en_GB": ("0.20", "0.05"),
    "de_DE": ("0.19", "0.07"), "fr_FR": ("0.20", "0.10", "0.055"), "es_ES": ("0.21", "0.10"),
    "it_IT": ("0.22", "0.10"), "nl_NL": ("0.21", "0.09"), "pt_BR": ("0.17", "0.18", "0.12"),
    "pl_PL": ("0.23", "0.08"), "da_DK": ("0.25",), "cs_CZ": ("0.21", "0.12"), "ru_RU": ("0.20", "0.10"),
    "ja_JP": ("0.10", "0.08"), "ar_EG": ("0.14",), "ar_SA": ("0.15",), "he_IL": ("0.17", "0.18"), "fa_IR": ("0.10",),
    "hi_IN": ("0.18", "0.12", "0.05"), "bn_BD": ("0.15", "0.075"), "ta_IN": ("0.18", "0.12", "0.05"), "th_TH": ("0.07",),
    "ka_GE": ("0.18",), "hy_AM": ("0.20",), "am_ET": ("0.15",), "el_GR": ("0.24", "0.13"), "uk_UA": ("0.20", "0.07"),
    "zh_CN": ("0.13", "0.09", "0.06"), "zh_TW": ("0.05",), "ko_KR": ("0.10",),
}
# Receipts in these locales show prices with tax included (the tax line is "of which VAT").
TAX_INCLUDED = frozenset(loc for loc in SUPPORTED if loc != "en_US")
# Roughly how many units of the currency buy what one US dollar does: keeps prices plausible.
PRICE_SCALE = {"USD": 1, "GBP": 1, "EUR": 1, "BRL": 5, "PLN": 4, "DKK": 7, "CZK": 23, "RUB": 90, "JPY": 150, "EGP": 50,
               "SAR": 4, "ILS": 4, "IRR": 42000, "INR": 83, "BDT": 110, "THB": 36, "GEL": 3, "AMD": 400, "ETB": 57,
               "UAH": 40, "CNY": 7, "TWD": 32, "KRW": 1350}
LABEL_OVERRIDES = {
    "en_US": {"tax": "Sales tax", "tax_id": "Tax ID"},
    "en_GB": {"closing": "Yours sincerely,"},
}
DATE_STYLES = ("short", "medium", "long", "iso")
_CODE_GLUED = re.compile(r"([A-Z]{3})([-\u2212]?[0-9])")


def plain(text: str) -> str:
    """Text as a target writes it: every space character U+0020, invisible format marks dropped."""
    if text.isascii():
        return text
    return text.translate(_plain_table())


@functools.lru_cache(maxsize=1)
def _plain_table() -> dict[int, int | None]:
    """Unicode space separators (Zs) -> ' ', format characters (Cf) -> deleted (the BMP and the
    supplementary planes that hold any)."""
    table: dict[int, int | None] = {}
    for code in (*range(0x80, 0x30000), *range(0xE0000, 0xE1000)):
        category = unicodedata.category(chr(code))
        if category == "Zs":
            table[code] = 0x20
        elif category == "Cf":
            table[code] = None
    return table


@dataclass(frozen=True)
class DocLocale:
    """One locale's formats. `code` is a Faker/Babel locale name such as 'de_DE'."""

    code: str
    currency: str
    numbering: str = "latn"

    @property
    def babel(self) -> Locale:
        return _babel_locale(self.code)

    @property
    def language(self) -> str:
        return self.code.split("_")[0]

    @property
    def html_lang(self) -> str:
        return self.code.replace("_", "-")

    @property
    def direction(self) -> str:
        return "rtl" if self.babel.character_order == "right-to-left" else "ltr"

    @property
    def cjk(self) -> bool:
        return self.language in ("ja", "zh", "ko")

    @property
    def precision(self) -> int:
        return numbers.get_currency_precision(self.currency)

    @property
    def price_scale(self) -> int:
        return PRICE_SCALE.get(self.currency, 1)

    def labels(self) -> dict[str, str]:
        base = dict(LABELS["en"])
        base.update(LABELS.get(self.language, {}))
        base.update(LABEL_OVERRIDES.get(self.code, {}))
        return base

    # --- numbers ---------------------------------------------------------------------------
    def quantize(self, value: Decimal) -> Decimal:
        """Money rounded to the currency's minor unit (half up, as invoices do)."""
        return value.quantize(Decimal(1).scaleb(-self.precision), rounding=ROUND_HALF_UP)

    def money(self, value: Decimal, display: str = "symbol") -> str:
        """An amount: 'symbol' ('1.234,50 €'), 'code' ('1.234,50 EUR') or 'none' ('1.234,50')."""
        value = self.quantize(value)
        if display == "none":
            decimals = "." + "0" * self.precision if self.precision else ""
            return self.digits(numbers.format_decimal(value, format=f"#,##0{decimals}", locale=self.babel,
                                                      numbering_system="latn"))
        fmt = None
        if display == "code":
            fmt = self.babel.currency_formats["standard"].pattern.replace("¤", "¤¤")
        text = numbers.format_currency(value, self.currency, format=fmt, locale=self.babel,
                                       numbering_system="latn")
        if display == "code":  # CLDR glues a symbol to the digits ('$1'), but not a code: 'USD 1'
            text = _CODE_GLUED.sub("\\1\u00a0\\2", text)
        return self.digits(text)

    def digits(self, text: str) -> str:
        """Numbers formatted with Western digits, written in the document's numbering system."""
        return locales.localize_numbers(text, self.numbering)

    def number(self, value: Decimal | int) -> str:
        return self.digits(numbers.format_decimal(value, locale=self.babel, numbering_system="latn"))

    def fixed(self, value: Decimal, decimals: int) -> str:
        """A number with exactly `decimals` decimals ('31,0'), as a results table prints it."""
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return self.digits(numbers.format_decimal(value, format=pattern, locale=self.babel, numbering_system="latn"))

    def percent(self, rate: Decimal) -> str:
        """'19 %', '6.25%': the locale's percent pattern with as many decimals as the rate needs."""
        pattern = self.babel.percent_formats[None].pattern.replace("#,##0", "#,##0.##", 1)
        return self.digits(numbers.format_percent(rate, format=pattern, locale=self.babel, numbering_system="latn"))

    # --- dates -----------------------------------------------------------------------------
    def date(self, value: Date, style: str = "medium") -> str:
        if style == "iso":
            return self.digits(value.isoformat())
        return self.digits(dates.format_date(value, format=style, locale=self.babel))

    def month_year(self, value: Date, style: str = "numeric") -> str:
        """'03/2019' (numeric) or 'Mar 2019' (short), as the locale writes them."""
        skeleton = "yMM" if style == "numeric" else "yMMM"
        return self.digits(dates.format_skeleton(skeleton, value, locale=self.babel))

    def time(self, value: Time) -> str:
        return self.digits(dates.format_time(value, format="short", locale=self.babel))

    def language_name(self, code: str) -> str:
        """A language's name in this locale ('fr' -> 'Französisch' for German)."""
        name = self.babel.languages.get(code, code)
        return locales.capitalized(name) if not self.cjk else name

    # --- reading back (tests and checks) ---------------------------------------------------
    def parse_money(self, text: str) -> Decimal:
        """The amount a printed money string shows, whatever its display ('-1.234,50 €' -> -1234.50)."""
        symbols = {plain(numbers.get_currency_symbol(self.currency, locale=self.babel)), self.currency}
        cleaned = locales.delocalize(plain(text)) if self.numbering != "latn" else plain(text)
        for symbol in sorted(symbols, key=len, reverse=True):
            cleaned = cleaned.replace(symbol, "")
        return self.parse_number(cleaned)

    def parse_number(self, text: str) -> Decimal:
        cleaned = "".join(plain(text).split())  # group separators that are spaces, and stray ones
        if self.numbering != "latn":
            cleaned = locales.delocalize(cleaned)
        group = numbers.get_group_symbol(self.babel, numbering_system="latn")
        if plain(group) == " ":
            group = ""
        return numbers.parse_decimal(cleaned.replace(group, "") if group else cleaned, locale=self.babel,
                                     strict=False, numbering_system="latn")

    def parse_percent(self, text: str) -> Decimal:
        return self.parse_number(locales.delocalize(plain(text)).replace("%", "")) / 100


@functools.lru_cache(maxsize=None)
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


@functools.lru_cache(maxsize=None)
def doc_locale(code: str, numbering: str = "latn") -> DocLocale:
    loc = _babel_locale(code)
    currency = "USD" if code == "en_US" else numbers.get_territory_currencies(loc.territory)[0]
    return DocLocale(code, currency, numbering)
