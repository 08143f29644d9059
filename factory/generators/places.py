"""Real country and city names, in the locale's own language, from CLDR (through Babel).

Faker's `city()` invents towns ("East Michaelport") and its `country()` differs by locale, so a
column headed Country or City held invented places. CLDR is the Unicode Consortium's maintained
locale data: territory names for countries, and the exemplar city of every time zone for cities
(capitals and large cities of every continent: Accra, Lagos, Paris, Tokyo, New York...), each
translated into every locale the pages and charts use (パリ, Vereinigte Staaten).
"""

from __future__ import annotations

import functools

# CLDR territories that are not countries: groupings, unknowns, uninhabited or special areas.
_NOT_COUNTRIES = frozenset(
    "AC AQ BV CP DG EA EU EZ GS HM IC IO QO TA TF UM UN XA XB XK ZZ".split()
)


def _babel_locale(locale: str):
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_US")


@functools.lru_cache(maxsize=None)
def countries(locale: str = "en_US") -> tuple[str, ...]:
    """Country names in `locale`, in code order; names CLDR writes with a qualifier in English
    ("Congo - Kinshasa", "Myanmar (Burma)", "Hong Kong SAR China") are left out."""
    english = _babel_locale("en_US").territories
    names = _babel_locale(locale).territories
    out = []
    for code in sorted(english):
        plain = english[code]
        if len(code) != 2 or not code.isalpha() or code in _NOT_COUNTRIES:
            continue
        if any(mark in plain for mark in ("(", " - ", "SAR", ",", "Island", "Atoll")):
            continue
        out.append(names.get(code, plain))
    return tuple(dict.fromkeys(out))


@functools.lru_cache(maxsize=None)
def cities(locale: str = "en_US") -> tuple[str, ...]:
    """Real city names in `locale`: the exemplar cities of CLDR's time zones, in zone order."""
    from babel.core import get_global
    from babel.dates import get_timezone_location

    where, english = _babel_locale(locale), _babel_locale("en_US")
    out = []
    for zone, territory in sorted(get_global("zone_territories").items()):
        if zone.startswith("Etc/") or territory in _NOT_COUNTRIES or territory in ("001", "ZZ") or zone.count("/") > 1:
            continue
        plain = get_timezone_location(zone, locale=english, return_city=True)
        if not plain or any(mark in plain for mark in (",", "(", "Island", "Atoll")):
            continue  # "Knox, Indiana", "Galápagos Islands": not a city's plain name
        out.append(get_timezone_location(zone, locale=where, return_city=True) or plain)
    return tuple(dict.fromkeys(out))
