"""Every locale the generators write in: its script, fonts, direction, digits and where its words come from.

One table (`LOCALES`) says, per locale, which script it writes, which installed faces draw that
script (Debian's Noto packages), whether text runs right to left (from CLDR), which native digits it
uses, and which Faker locale gives its names. Pages, table images, documents and charts all ask here,
so a new locale is a line of data.

Words. Faker has native lorem words for some languages (Arabic, Hebrew, Persian, Bengali, Thai,
Armenian, Greek, Russian, Chinese, Japanese...) and Latin "lorem ipsum" for others (Hindi, Tamil,
Georgian, Amharic, Korean). Those others take their words from CLDR through Babel: the locale's own
names of languages, countries, scripts, currencies, units, months and days, split into words and
kept only when written wholly in the locale's script (`cldr_words`). Names, companies and cities
are Faker's where Faker writes them in the script, else composed (see `pools`); Amharic names,
which Faker lacks, are the hand-written list `AMHARIC_NAMES`.

Determinism. Faker's it_IT address provider builds its city list from a set, so its order (and the
city a seed gives) changed with PYTHONHASHSEED; `stable_faker` sorts such lists (checked over every
installed Faker locale: that list is the only provider data whose order depends on the hash seed).
Every pool here is a tuple built from sorted or fixed-order data and a fixed seed.
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from factory.errors import FactoryError

POOL_SEED = 7919
NOTO = "fonts-noto-core"


@dataclass(frozen=True)
class Script:
    """A writing system: its code points, the faces that draw it, and how it is laid out."""

    name: str
    ranges: tuple[tuple[int, int], ...]
    sans: str = ""  # installed family for sans-serif text ("" = the Latin stacks draw it)
    serif: str = ""
    package: str = "fonts-dejavu-core fonts-liberation fonts-noto-core"
    shaped: bool = False  # needs bidi or OpenType shaping (Arabic, Hebrew, Indic, Thai)
    fallback_after: bool = False  # script faces go after the Latin stack (CJK: Latin text keeps its face)
    spaced: bool = True  # words are separated by spaces (not in Chinese, Japanese or Thai)
    full_stop: str = "."
    # Line height (em) that keeps a line's text inside its line box where the faces are taller than the
    # Latin ones (0: the theme's own): Noto Sans Arabic's ascent and descent span 2.11 em, so a heading at
    # line height 1.25 sticks out 0.43 em above and below its element (pages dropped as text_overflow).
    leading: float = 0.0
    # Smallest body text (image px) a document sets in this script: kanji and hanzi of 15-20 strokes at
    # 12 px merge their strokes (Tesseract and a reader alike took 藤 for 滕, 憲 for 意 in a 12 px letter).
    min_body_px: float = 0.0


SCRIPTS: dict[str, Script] = {
    "latin": Script("Latin", ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x1E00, 0x1EFF))),
    "cyrillic": Script("Cyrillic", ((0x400, 0x52F),)),
    "greek": Script("Greek", ((0x370, 0x3FF), (0x1F00, 0x1FFF))),
    "han_simplified": Script("Han (simplified)", ((0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFF65)),
                             "Noto Sans CJK SC", "Noto Serif CJK SC", "fonts-noto-cjk", fallback_after=True, spaced=False, full_stop="。", min_body_px=14),
    "han_traditional": Script("Han (traditional)", ((0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFF65)),
                              "Noto Sans CJK TC", "Noto Serif CJK TC", "fonts-noto-cjk", fallback_after=True, spaced=False, full_stop="。", min_body_px=14),
    "japanese": Script("Japanese (kana and kanji)", ((0x3000, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xFF00, 0xFF9F)),
                       "Noto Sans CJK JP", "Noto Serif CJK JP", "fonts-noto-cjk", fallback_after=True, spaced=False, full_stop="。", min_body_px=14),
    "hangul": Script("Hangul", ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF)),
                     "Noto Sans CJK KR", "Noto Serif CJK KR", "fonts-noto-cjk", fallback_after=True),
    "arabic": Script("Arabic", ((0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
                     "Noto Sans Arabic", "Noto Naskh Arabic", NOTO, shaped=True, leading=1.8),
    "persian": Script("Persian (Arabic script, Persian digits)", ((0x600, 0x6FF), (0x750, 0x77F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
                      "Noto Sans Arabic", "Noto Naskh Arabic", NOTO, shaped=True, leading=1.8),
    "hebrew": Script("Hebrew", ((0x591, 0x5F4), (0xFB1D, 0xFB4F)), "Noto Sans Hebrew", "Noto Serif Hebrew", NOTO, shaped=True),
    "devanagari": Script("Devanagari", ((0x900, 0x97F), (0xA8E0, 0xA8FF)), "Noto Sans Devanagari", "Noto Serif Devanagari", NOTO,
                         shaped=True, full_stop="।"),
    "bengali": Script("Bengali", ((0x980, 0x9FF),), "Noto Sans Bengali", "Noto Serif Bengali", NOTO, shaped=True, full_stop="।"),
    "tamil": Script("Tamil", ((0xB80, 0xBFF),), "Noto Sans Tamil", "Noto Serif Tamil", NOTO, shaped=True),
    "thai": Script("Thai", ((0xE00, 0xE7F),), "Noto Sans Thai", "Noto Serif Thai", NOTO, shaped=True, spaced=False, full_stop=""),
    "georgian": Script("Georgian", ((0x10A0, 0x10FF), (0x1C90, 0x1CBF), (0x2D00, 0x2D2F)), "Noto Sans Georgian", "Noto Serif Georgian", NOTO),
    "armenian": Script("Armenian", ((0x531, 0x58A), (0xFB13, 0xFB17)), "Noto Sans Armenian", "Noto Serif Armenian", NOTO, full_stop="։"),
    "ethiopic": Script("Ethiopic", ((0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB00, 0xAB2F)), "Noto Sans Ethiopic", "Noto Serif Ethiopic",
                       NOTO, full_stop="።"),
}
# Zero of each numbering system (CLDR numberingSystems.xml): digits are zero..zero+9.
DIGIT_ZERO = {"latn": 0x30, "arab": 0x660, "arabext": 0x6F0, "deva": 0x966, "beng": 0x9E6, "tamldec": 0xBE6, "thai": 0xE50}


@dataclass(frozen=True)
class LocaleInfo:
    code: str  # Babel/CLDR locale: formats, direction, month names, countries, cities
    script: str  # key of SCRIPTS
    faker: str  # Faker locale for names, companies, addresses (and lorem words when native)
    digits: str = "latn"  # the native numbering system where the locale uses one (arab, arabext, deva, beng, thai)
    lorem: str = ""  # Faker locale whose lorem words are in this language, when not `faker`'s

    @property
    def writing(self) -> Script:
        return SCRIPTS[self.script]

    @property
    def language(self) -> str:
        return self.code.split("_")[0]

    @property
    def rtl(self) -> bool:
        return babel_locale(self.code).character_order == "right-to-left"

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


_LATIN = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "cs_CZ", "da_DK", "pt_BR", "vi_VN")
LOCALES: dict[str, LocaleInfo] = {
    **{code: LocaleInfo(code, "latin", code) for code in _LATIN},
    "ru_RU": LocaleInfo("ru_RU", "cyrillic", "ru_RU"),
    "uk_UA": LocaleInfo("uk_UA", "cyrillic", "uk_UA"),
    "el_GR": LocaleInfo("el_GR", "greek", "el_GR"),
    "zh_CN": LocaleInfo("zh_CN", "han_simplified", "zh_CN"),
    "zh_TW": LocaleInfo("zh_TW", "han_traditional", "zh_TW"),
    "ja_JP": LocaleInfo("ja_JP", "japanese", "ja_JP"),
    "ko_KR": LocaleInfo("ko_KR", "hangul", "ko_KR"),
    "ar_EG": LocaleInfo("ar_EG", "arabic", "ar_AA", "arab"),
    "ar_SA": LocaleInfo("ar_SA", "arabic", "ar_SA", "arab", lorem="ar_AA"),
    "he_IL": LocaleInfo("he_IL", "hebrew", "he_IL"),
    "fa_IR": LocaleInfo("fa_IR", "persian", "fa_IR", "arabext"),
    "hi_IN": LocaleInfo("hi_IN", "devanagari", "hi_IN", "deva"),
    "bn_BD": LocaleInfo("bn_BD", "bengali", "bn_BD", "beng"),
    "ta_IN": LocaleInfo("ta_IN", "tamil", "ta_IN"),
    "th_TH": LocaleInfo("th_TH", "thai", "th_TH", "thai"),
    "ka_GE": LocaleInfo("ka_GE", "georgian", "ka_GE"),
    "hy_AM": LocaleInfo("hy_AM", "armenian", "hy_AM"),
    "am_ET": LocaleInfo("am_ET", "ethiopic", "am_ET"),
}
# One locale per script: what the built-in `multilingual` recipe and the tests draw.
SCRIPT_LOCALES: dict[str, str] = {
    "latin": "en_US", "cyrillic": "ru_RU", "greek": "el_GR", "han_simplified": "zh_CN", "han_traditional": "zh_TW",
    "japanese": "ja_JP", "hangul": "ko_KR", "arabic": "ar_EG", "persian": "fa_IR", "hebrew": "he_IL",
    "devanagari": "hi_IN", "bengali": "bn_BD", "tamil": "ta_IN", "thai": "th_TH", "georgian": "ka_GE",
    "armenian": "hy_AM", "ethiopic": "am_ET",
}  # fmt: skip
DIGIT_MODES = ("native", "western", "mixed")

# Company words for languages whose Faker companies are not in the script ("बोस Inc"): a surname and one of these.
COMPANY_WORDS = {
    "hi": ("समूह", "उद्योग", "एंटरप्राइजेज", "ट्रेडर्स", "लिमिटेड", "इंडस्ट्रीज"),
    "ta": ("குழுமம்", "நிறுவனம்", "டிரேடர்ஸ்", "இண்டஸ்ட்ரீஸ்", "லிமிடெட்"),
    "ka": ("ჯგუფი", "კომპანია", "ჰოლდინგი", "ინდუსტრია"),
    "hy": ("ՍՊԸ", "ԲԲԸ", "խումբ"),
    "am": ("ንግድ", "ኢንዱስትሪ", "ትሬዲንግ", "ኃ.የተ.የግ.ማ"),
    "ar": ("للتجارة", "القابضة", "للصناعات", "وشركاه"),
    "he": ("בע״מ", "תעשיות", "אחזקות"),
    "fa": ("و شرکا", "گروه صنعتی", "بازرگانی"),
    "ko": ("주식회사", "그룹", "산업"),
}
# Common Ethiopian given names in Ge'ez script (hand-written: Faker has no Amharic names); a full
# name is a given name and the father's given name, as Ethiopians write it.
AMHARIC_NAMES = (
    "አበበ", "ከበደ", "ተስፋዬ", "ሰላም", "መሰረት", "ዮሐንስ", "ማርያም", "ታደሰ", "ብርሃኑ", "ገብረ", "ሄኖክ", "ሳሙኤል", "ዳዊት",
    "ፍቅሩ", "ትዕግስት", "ሄለን", "ቤተልሔም", "ሕይወት", "ዘውዱ", "ሙሉጌታ", "አለሙ", "ግርማ", "ጌታቸው", "ወርቁ", "ሀብታሙ",
    "ፀሐይ", "ራሔል", "ኤልሳ", "ሰብለ", "መስፍን", "ደረጀ", "ካሳሁን", "ሽፈራው", "አስቴር", "ብዙነሽ", "የሺ", "ንጉሴ",
    "ፋሲል", "ሚካኤል", "ገነት", "ዮናስ", "ሰለሞን", "ኢዮብ", "ቴዎድሮስ", "ምንሊክ", "አማኑኤል", "ናትናኤል", "ሊያ",
)


def info(code: str) -> LocaleInfo:
    try:
        return LOCALES[code]
    except KeyError:
        raise FactoryError(f"locale {code!r} is not supported; supported: {', '.join(LOCALES)}") from None


@functools.lru_cache(maxsize=None)
def babel_locale(code: str):
    from babel import Locale

    return Locale.parse(code)


# --- scripts and digits --------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _script_table(script: str) -> frozenset[int]:
    return frozenset(c for lo, hi in SCRIPTS[script].ranges for c in range(lo, hi + 1))


def in_script(text: str, script: str) -> bool:
    """Whether every letter and mark of `text` belongs to `script` (digits, spaces and punctuation pass)."""
    table = _script_table(script)
    latin = _script_table("latin")
    for ch in text:
        if unicodedata.category(ch)[0] in "LM":
            code = ord(ch)
            if code not in table and not (script == "latin" and code in latin):
                return False
    return any(ord(ch) in table for ch in text)


def scripts_of(text: str) -> set[str]:
    """The scripts whose letters `text` holds (for tests and choices; a letter may count for two CJK scripts)."""
    found = set()
    for name in SCRIPTS:
        table = _script_table(name)
        if any(ord(ch) in table and unicodedata.category(ch)[0] in "LM" for ch in text):
            found.add(name)
    return found


def capitalized(text: str) -> str:
    """`text` with its first letter in upper case, where the script writes it so. Georgian has no
    capital at the start of a word: Python maps Mkhedruli to Mtavruli, which Georgian uses only for
    whole words in capitals, so 'ლიტვური' became 'Ლიტვური'."""
    first = text[:1]
    if "\u10d0" <= first <= "\u10ff":  # Mkhedruli
        return text
    return first.upper() + text[1:]


def uncapitalized_georgian(text: str) -> str:
    """A sentence Faker capitalized (`words[0].title()`), back to Georgian orthography: a first
    Mtavruli letter in its Mkhedruli form; any other text as it is."""
    first = text[:1]
    return first.lower() + text[1:] if "\u1c90" <= first <= "\u1cbf" else text


def digit_system(code: str, mode: str, r: random.Random | None = None) -> str:
    """The numbering system a sample writes: the locale's native digits, Western, or either (mixed, by `r`)."""
    native = info(code).digits
    if native == "latn" or mode == "western":
        return "latn"
    if mode == "mixed":
        if r is None:
            raise ValueError("digits: mixed needs the sample's random generator")
        return native if r.random() < 0.5 else "latn"
    return native


@functools.lru_cache(maxsize=None)
def _to_native(system: str) -> dict[int, str]:
    zero = DIGIT_ZERO[system]
    return {0x30 + i: chr(zero + i) for i in range(10)}


def to_digits(text: str, system: str) -> str:
    """ASCII digits written in `system`'s digits ('2024' -> '٢٠٢٤' for arab); other characters unchanged."""
    if system == "latn":
        return text
    return text.translate(_to_native(system))


@functools.lru_cache(maxsize=1)
def _to_western() -> dict[int, str]:
    return {zero + i: str(i) for zero in DIGIT_ZERO.values() for i in range(10)}


def western_digits(text: str) -> str:
    """Every digit of the supported numbering systems as ASCII (to parse what a sample printed)."""
    return text.translate(_to_western())


# --- fonts ---------------------------------------------------------------------------------------


def script_families(code: str, generic: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(before, after): the faces a locale's script adds to a Latin stack of `generic` (serif or not).

    Arabic, Hebrew, Indic, Thai, Georgian, Armenian and Ethiopic faces go first, so the script is
    drawn by its own Noto face (DejaVu also has Arabic, Hebrew, Georgian and Armenian letters, but
    not the shaping quality); Latin text then falls through to the Latin face, which these lack.
    CJK faces go after, so Latin text keeps the stack's face (CJK faces carry Latin letters too).
    """
    script = SCRIPTS[info(code).script] if code in LOCALES else SCRIPTS["latin"]
    face = script.serif if generic == "serif" else script.sans
    if not face:
        return (), ()
    return ((), (face,)) if script.fallback_after else ((face,), ())


# --- Faker and word pools ------------------------------------------------------------------------


def faker_for(code: str):
    """The Faker of a supported locale (its names, companies, addresses), shared by the process."""
    return stable_faker(info(code).faker)


@functools.lru_cache(maxsize=None)
def stable_faker(faker_locale: str):
    """One Faker per Faker locale and process, with provider lists in a fixed order (module docstring)."""
    return new_faker(faker_locale)


def new_faker(faker_locale: str):
    """A Faker of its own (callers that keep their own instance), provider lists in a fixed order."""
    from faker import Faker

    fake = Faker(faker_locale)
    for provider in fake.providers:
        cities = provider.__dict__.get("cities", getattr(type(provider), "cities", None))
        if isinstance(cities, list):
            provider.cities = sorted(cities)
        formats = getattr(type(provider), "formats", None)
        if isinstance(formats, tuple) and any("{{company_suffix}}{{" in f for f in formats):
            # Faker's hy_AM company formats lack a comma between two strings, so Python glued two formats
            # into one: 'Ծառուկյան ՀՁԳիմիշյան, Բագրատ...' (a suffix run into the next name); split them again
            provider.formats = tuple(part for f in formats for part in f.replace("{{company_suffix}}{{", "{{company_suffix}}\n{{").split("\n"))
    return fake


_SPLIT = re.compile(r"[\s,;:()\[\]/·・،؛\-–—'\"«»„“”‘’.!?]+")


@functools.lru_cache(maxsize=None)
def cldr_words(code: str) -> tuple[str, ...]:
    """Words of the locale's language from CLDR (names of languages, countries, scripts, currencies,
    units, months and days in that language), written wholly in its script, sorted."""
    loc = babel_locale(code)
    script = info(code).script
    texts: list[str] = []
    for table in (loc.languages, loc.territories, loc.scripts, loc.currencies):
        texts += [str(v) for v in table.values()]
    for context in ("format", "stand-alone"):
        texts += [str(v) for v in loc.months.get(context, {}).get("wide", {}).values()]
        texts += [str(v) for v in loc.days.get(context, {}).get("wide", {}).values()]
    for unit in loc.unit_display_names.values():
        texts += [str(v) for v in unit.values() if isinstance(v, str)]
    words = set()
    for text in texts:
        for word in _SPLIT.split(text):
            if 2 <= len(word) <= 14 and in_script(word, script) and all(unicodedata.category(c)[0] in "LM" or c in "\u200c\u200d" for c in word):
                words.add(word)
    return tuple(sorted(words))


@functools.lru_cache(maxsize=None)
def native_lorem(code: str) -> bool:
    """Whether the locale's own Faker has lorem words in its script (else `word_list` gives them)."""
    words = faker_for(code).get_words_list()
    script = info(code).script
    return sum(in_script(w, script) for w in words) >= 0.9 * len(words)


@functools.lru_cache(maxsize=None)
def word_list(code: str) -> tuple[str, ...]:
    """The lorem words a locale's text is made of: its Faker's when native, else those of its `lorem`
    Faker locale, else CLDR's."""
    if native_lorem(code):
        return tuple(faker_for(code).get_words_list())
    if info(code).lorem:
        return tuple(stable_faker(info(code).lorem).get_words_list())
    return cldr_words(code)


def _draw_unique(draw, n: int, keep, tries: int) -> list[str]:
    found: dict[str, None] = {}
    for _ in range(tries):
        text = " ".join(str(draw()).split())
        if text and keep(text):
            found[text] = None
            if len(found) >= n:
                break
    return list(found)


@functools.lru_cache(maxsize=None)
def pools(code: str, names: int = 160, companies: int = 96) -> dict[str, tuple[str, ...]]:
    """Names, companies, cities and countries in the locale's script, drawn once from a fixed seed."""
    loc = info(code)
    script = loc.script
    fake = new_faker(loc.faker)  # its own instance: seeding the shared one would change the sample that asked
    fake.seed_instance(POOL_SEED)
    native = (lambda t: in_script(t, script)) if script != "latin" else (lambda t: True)
    r = random.Random(POOL_SEED)
    if loc.language == "am":  # Faker's am_ET writes English names
        people = [f"{a} {b}" for a, b in zip(r.choices(AMHARIC_NAMES, k=names * 2), r.choices(AMHARIC_NAMES, k=names * 2)) if a != b]
        people = list(dict.fromkeys(people))[:names]
    else:
        people = _draw_unique(fake.name, names, native, names * 6)
    firms = _draw_unique(fake.company, companies, native, companies * 4) if loc.language != "am" else []
    if len(firms) < companies // 2:  # Faker's companies are not in the script: a surname and a company word
        surnames = sorted({p.split()[-1] for p in people})
        words = COMPANY_WORDS.get(loc.language) or word_list(code)
        firms = list(dict.fromkeys(firms + [f"{r.choice(surnames)} {r.choice(words)}" for _ in range(companies * 2)]))[:companies]
    return {
        "names": tuple(people),
        "companies": tuple(firms),
        "cities": tuple(c for c in cldr_cities(code) if native(c)),
        "countries": tuple(c for c in cldr_countries(code) if native(c)),
    }


def cldr_countries(code: str) -> tuple[str, ...]:
    """Country names in the locale's language (CLDR territories: `places.countries`)."""
    from factory.generators import places

    return places.countries(code)


def cldr_cities(code: str) -> tuple[str, ...]:
    """Real city names in the locale's language (CLDR's time-zone exemplar cities: `places.cities`)."""
    from factory.generators import places

    return places.cities(code)


def month_names(code: str, width: str = "wide") -> tuple[str, ...]:
    """January..December as the locale writes them on their own (CLDR stand-alone names)."""
    months = babel_locale(code).months
    table = months.get("stand-alone", {}).get(width) or months["format"][width]
    return tuple(str(table[m]) for m in range(1, 13))


def chars_of(code: str) -> str:
    """The non-ASCII characters a locale's text uses (its words and pools), for font choices."""
    text = "".join(word_list(code)) + "".join("".join(pool) for pool in pools(code).values())
    text += "".join(month_names(code)) + to_digits("0123456789", info(code).digits) + SCRIPTS[info(code).script].full_stop
    return "".join(sorted({c for c in text if ord(c) > 127 and not c.isspace()}))


def supported(codes: Iterable[str]) -> list[str]:
    return [c for c in codes if c in LOCALES]


# --- numbers, money and dates as a locale prints them ----------------------------------------------

# A number as the factory writes it before localizing: ASCII digits, ',' groups, '.' decimals, '%'.
_NUMBER = re.compile(r"[0-9](?:[0-9,]*[0-9])?(?:\.[0-9]+)?%?")
# CLDR symbols of the Arabic-script numbering systems (arab, arabext); the others keep ',' '.' '%'.
_ARABIC_SYMBOLS = {",": "\u066c", ".": "\u066b", "%": "\u066a"}


@functools.lru_cache(maxsize=None)
def _number_table(system: str) -> dict[int, str]:
    table = dict(_to_native(system)) if system != "latn" else {}
    if system in ("arab", "arabext"):
        table.update({ord(k): v for k, v in _ARABIC_SYMBOLS.items()})
    return table


def localize_number(text: str, system: str) -> str:
    """One number written with ASCII digits, ',', '.' and '%' in `system`'s digits and symbols
    ('1,234.5%' -> '١٬٢٣٤٫٥٪' in arab; '१,२३४.५%' in deva)."""
    return text if system == "latn" else text.translate(_number_table(system))


def localize_numbers(text: str, system: str) -> str:
    """Every number in running text localized (`localize_number`); other characters unchanged."""
    if system == "latn":
        return text
    return _NUMBER.sub(lambda m: localize_number(m.group(0), system), text)


_HTML_PARTS = re.compile(r"(<[^>]*>|&#?[A-Za-z0-9]+;)")
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_VERBATIM = frozenset(("style", "script", "pre", "code", "svg", "textarea", "kbd", "samp"))


def localize_html(html: str, system: str) -> str:
    """The numbers of an HTML page's text in `system`'s digits; markup, attributes, entities, style
    sheets and code blocks (pre, code, kbd, samp) keep theirs, as code is written with ASCII digits."""
    if system == "latn":
        return html
    out, verbatim = [], 0
    for part in _HTML_PARTS.split(html):
        if not part:
            continue
        if part[0] == "<":
            m = _TAG_NAME.match(part)
            if m and m.group(2).lower() in _VERBATIM and not part.endswith("/>"):
                verbatim += -1 if m.group(1) else 1
            out.append(part)
        elif part[0] == "&" and part[-1] == ";" or verbatim > 0:
            out.append(part)
        else:
            out.append(localize_numbers(part, system))
    return "".join(out)


_INVISIBLE = dict.fromkeys(c for c in (0x200E, 0x200F, 0x061C, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069))


def visible(text: str) -> str:
    """Text without the invisible bidi marks CLDR puts in some formats (RLM, LRM, ALM): a picture
    cannot show them, so no target may hold them; the bidi algorithm orders the text without them."""
    return text.translate(_INVISIBLE)


@functools.lru_cache(maxsize=None)
def currency_of(code: str) -> str:
    from babel import numbers

    return "USD" if code == "en_US" else numbers.get_territory_currencies(babel_locale(code).territory)[0]


def money(code: str, value: float, decimals: int = 2) -> str:
    """An amount in the locale's currency and pattern (Babel), ASCII digits, e.g. '1.234,50 €', '‏1,234.50 ج.م.'
    without its bidi marks; `localize_numbers` then writes native digits where a sample uses them."""
    from babel import numbers

    loc = babel_locale(code)
    pattern = loc.currency_formats["standard"].pattern.split(";")[0]
    pattern = re.sub(r"0\.0+", "0" + ("." + "0" * decimals if decimals else ""), pattern)
    text = numbers.format_currency(round(value, decimals), currency_of(code), format=pattern, locale=loc,
                                   currency_digits=False, numbering_system="latn")
    return visible(text)


def date_text(code: str, value, style: str = "medium") -> str:
    """A date as the locale writes it (Babel), ASCII digits, bidi marks dropped."""
    from babel import dates

    return visible(dates.format_date(value, format=style, locale=babel_locale(code)))


@functools.lru_cache(maxsize=None)
def faker_native(code: str, method: str) -> bool:
    """Whether the locale's Faker writes `method` ('name', 'company', 'address', 'city', 'job') in
    the locale's script (Latin-script locales: always); where not, callers use `pools` or words."""
    loc = info(code)
    if loc.script == "latin":
        return True
    from faker import Faker

    fake = Faker(loc.faker)
    fake.seed_instance(POOL_SEED)
    values = [str(getattr(fake, method)()) for _ in range(20)]
    return sum(in_script(v, loc.script) and not re.search("[A-Za-z]", v) for v in values) >= 18


def delocalize(text: str) -> str:
    """A number as a sample printed it, back in ASCII digits and ',' '.' '%' (to parse it)."""
    return western_digits(text).translate({ord(v): k for k, v in _ARABIC_SYMBOLS.items()})
