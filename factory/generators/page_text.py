"""Text for generated pages: Faker content, seeded per sample, plus short interface labels.

One Faker per locale is built once per process and re-seeded for every sample
(`seed_instance(seed)`), so a page's text depends on its seed alone. Faker's person, company and
city providers cost 100-300 us a call, which alone would blow the page budget (< 5 ms), so each
locale gets fixed pools of those, drawn once from a fixed seed, and pages pick from the pools
with the sample's own Faker stream. English pages use a small vocabulary of real interface
labels ("Sign in", "Pricing"); other locales use Faker words for those too. Which words, names and
cities a locale has, and in which script and digits it writes them, is `factory.generators.locales`'
business: locales whose Faker writes Latin lorem take their words from CLDR there.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date

from faker import Faker

from factory.generators import locales
from factory.generators.page_assets import slug

SUPPORTED_LOCALES = tuple(locales.LOCALES)  # every script: Latin to Ethiopic, right to left included

POOL_SEED = locales.POOL_SEED
POOL_SIZES = {"names": 160, "companies": 96}

UI = {
    "nav": ("Features", "Pricing", "Docs", "Blog", "About", "Contact", "Careers", "Customers",
            "Changelog", "Resources", "Solutions", "Product", "Company", "Support", "Guides", "Community"),
    "primary": ("Get started", "Start free trial", "Sign up free", "Try it free", "Book a demo",
                "Create account", "Join now", "Start building", "Request access"),
    "secondary": ("Learn more", "See pricing", "Watch the demo", "Contact sales", "Read the docs",
                  "View examples", "Talk to us"),
    "login": ("Log in", "Sign in"),
    "menu": ("Menu",),
    "subscribe": ("Subscribe", "Sign up", "Notify me", "Join the list"),
    "buy": ("Add to cart", "Buy now", "Add to bag"),
    "send": ("Send message", "Submit", "Send", "Get in touch"),
    "save": ("Save changes", "Apply filters", "Create report", "Update"),
    "view_all": ("View all", "See all", "Export", "Download CSV"),
    "signin_submit": ("Sign in", "Log in", "Continue"),
    "badge": ("Most popular", "Best value", "Recommended"),
}
UI_EN_FIXED = {
    "email": "Email", "password": "Password", "name": "Full name", "first_name": "First name",
    "last_name": "Last name", "company": "Company", "message": "Message", "remember": "Remember me",
    "forgot": "Forgot password?", "no_account": "Don't have an account?", "sign_up": "Sign up",
    "subject": "Subject", "phone": "Phone", "country": "Country", "quantity": "Quantity",
    "per_month": "/ month", "per_year": "/ year", "size": "Size", "colour": "Colour",
    "on_this_page": "On this page", "categories": "Categories", "tags": "Tags", "recent": "Recent posts",
    "search": "Search", "status": "Status", "date": "Date", "amount": "Amount", "customer": "Customer",
    "faq": "Frequently asked questions", "reviews": "reviews", "testimonials": "What our customers say",
    "trusted": "Trusted by teams at", "note": "Note", "tip": "Tip", "min_read": "min read",
    "overview": "Overview", "all_rights": "All rights reserved.", "privacy": "Privacy", "terms": "Terms",
    "cookies": "Cookies", "projects": "Selected projects", "gallery": "Recent work", "related": "You may also like",
    "newsletter": "Stay in the loop", "free_shipping": "Free shipping over $50", "returns": "30-day returns",
    "warranty": "Two-year warranty", "dashboard": "Dashboard", "workspace": "Workspace", "settings": "Settings",
}
STATUS = {"en": (("Paid", "positive"), ("Pending", "neutral"), ("Overdue", "negative"), ("Refunded", "neutral"),
                 ("Active", "positive"), ("Failed", "negative"))}
CURRENCY = {"en_US": "$", "en_GB": "£", "ja_JP": "¥", "zh_CN": "¥", "zh_TW": "NT$", "ko_KR": "₩",
            "ru_RU": "₽", "uk_UA": "₴", "pl_PL": "zł", "cs_CZ": "Kč", "da_DK": "kr", "pt_BR": "R$"}
# Locales whose pages keep the formats they had before Babel wrote them (ISO dates, "1,234 €").
LEGACY_FORMATS = frozenset(("de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "cs_CZ", "da_DK", "pt_BR", "ru_RU",
                            "uk_UA", "el_GR", "vi_VN", "ja_JP", "zh_CN", "zh_TW", "ko_KR"))
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def faker_for(locale: str) -> Faker:
    """The locale's Faker, its provider lists in a fixed order (`locales.stable_faker`)."""
    return locales.faker_for(locale)


def pools_for(locale: str) -> dict[str, tuple[str, ...]]:
    """Slow-to-make values (names, companies; real cities and countries from CLDR), made once per
    locale from a fixed seed and sorted data: the same on every machine, whatever PYTHONHASHSEED."""
    return locales.pools(locale, POOL_SIZES["names"], POOL_SIZES["companies"])


@functools.lru_cache(maxsize=None)
def locale_chars(locale: str) -> str:
    """The non-ASCII characters a locale's text uses (lorem words and the pools), for font choice."""
    text = locales.chars_of(locale) + CURRENCY.get(locale, "€") + "©•"  # symbols the pages add themselves
    text += locales.localize_numbers(locales.money(locale, 1234.5, 2), locales.info(locale).digits)
    return "".join(sorted({c for c in text if ord(c) > 127 and not c.isspace()}))


class Writer:
    """All the words on one page, from the sample's seed."""

    def __init__(self, locale: str, seed: int):
        self.locale = locale
        self.english = locale.startswith("en")
        self.cjk = locale.split("_")[0] in ("ja", "zh", "ko")
        self.script = locales.SCRIPTS[locales.info(locale).script]
        self.fake = faker_for(locale)
        self.fake.seed_instance(seed)
        self.random = self.fake.random
        self.pools = pools_for(locale)
        # Faker's lorem is Latin for some languages: their words then come from `locales.word_list`.
        self.word_list = None if locales.native_lorem(locale) else list(locales.word_list(locale))
        self.question_mark = {"ar": "؟", "fa": "؟", "zh": "？", "ja": "？", "ko": "？", "el": ";", "hy": "՞", "am": "፧"}.get(
            locale.split("_")[0], "?")

    # --- content -------------------------------------------------------------------------
    def _sentence(self, n: int) -> str:
        text = locales.uncapitalized_georgian(self.fake.sentence(nb_words=n, variable_nb_words=False, ext_word_list=self.word_list))
        if self.word_list is not None and text.endswith(".") and self.script.full_stop != ".":
            text = text[:-1] + self.script.full_stop  # "।" in Hindi, "։" in Armenian, "።" in Amharic
        return text

    def sentence(self, lo: int = 6, hi: int = 14) -> str:
        return self._sentence(self.random.randint(lo, hi))

    def paragraph(self, lo: int = 2, hi: int = 4) -> str:
        sep = "" if self.cjk else " "
        return sep.join(self.sentence() for _ in range(self.random.randint(lo, hi))).strip()

    def heading(self, lo: int = 2, hi: int = 6) -> str:
        text = self._sentence(self.random.randint(lo, hi))
        return text.rstrip(".。।։։። ")

    def phrase(self) -> str:
        """A marketing headline."""
        if self.english and self.random.random() < 0.6:
            text = self.fake.catch_phrase()
            return locales.capitalized(text)
        return self.heading(3, 7)

    def label(self, lo: int = 1, hi: int = 2) -> str:
        words = self.fake.words(self.random.randint(lo, hi), ext_word_list=self.word_list)
        sep = "" if self.cjk else " "
        text = sep.join(words)
        return locales.capitalized(text)

    def latin_brand(self) -> str:
        """A Latin-script brand name ("Northwind Labs") for pages in other scripts."""
        word = self.random.choice(locales.word_list("en_US"))
        return word[:1].upper() + word[1:] + self.random.choice(("ly", "io", " Labs", " Cloud", "ify", " HQ"))

    def words(self, n: int) -> list[str]:
        return [locales.capitalized(w) for w in self.fake.words(n, ext_word_list=self.word_list, unique=True)]

    def ui(self, key: str) -> str:
        """An interface label: real English wording, or Faker words in other locales."""
        if self.english:
            if key in UI:
                return self.random.choice(UI[key])
            return UI_EN_FIXED[key]
        return self.label(1, 2)

    def ui_list(self, key: str, n: int) -> list[str]:
        if self.english:
            return self.random.sample(UI[key], min(n, len(UI[key])))
        return self.words(n)

    # --- people, places, numbers ---------------------------------------------------------
    def person(self) -> str:
        return self.random.choice(self.pools["names"])

    def people(self, n: int) -> list[str]:
        return self.random.sample(self.pools["names"], n)

    def company(self) -> str:
        return self.random.choice(self.pools["companies"])

    def companies(self, n: int) -> list[str]:
        return self.random.sample(self.pools["companies"], n)

    def city(self) -> str:
        return self.random.choice(self.pools["cities"])

    def country(self) -> str:
        return self.random.choice(self.pools["countries"])

    def job(self) -> str:
        return self.fake.job() if self.english else self.label(1, 2)

    def email(self, person: str, domain: str) -> str:
        return f"{slug(person, 'hello').split('_')[0]}@{domain}"

    def date(self, year_lo: int = 2019, year_hi: int = 2025) -> str:
        d = date(self.random.randint(year_lo, year_hi), self.random.randint(1, 12), self.random.randint(1, 28))
        if self.english:
            return f"{MONTHS_EN[d.month - 1]} {d.day}, {d.year}"
        if self.locale not in LEGACY_FORMATS:
            return locales.date_text(self.locale, d)
        return d.isoformat()

    def money(self, lo: float, hi: float, decimals: int = 0) -> str:
        value = self.random.uniform(lo, hi)
        if not self.english and self.locale not in LEGACY_FORMATS:
            return locales.money(self.locale, value, decimals)
        symbol = CURRENCY.get(self.locale, "€")
        amount = f"{value:,.{decimals}f}"
        if symbol in ("$", "£", "¥", "NT$", "₩", "R$"):
            return symbol + amount
        return f"{amount} {symbol}"

    def status(self) -> tuple[str, str]:
        if self.english:
            return self.random.choice(STATUS["en"])
        return self.label(1, 1), self.random.choice(("positive", "neutral", "negative"))

    def choice(self, items: Sequence):
        return self.random.choice(items)
