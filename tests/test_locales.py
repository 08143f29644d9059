"""The locale table (`factory.generators.locales`): digits, pools, and generation that does not
depend on the process (PYTHONHASHSEED)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from factory.generators import locales

ROOT = Path(__file__).resolve().parents[1]

# Prints one hash per generated source: pages and table images (12 each: enough that a page draws
# a city), documents and charts (4 each), in the locales given.
_HASH_SOURCES = r"""
import hashlib, sys
from factory.recipe import recipe_from_dict
from factory.samples import Workshop
from factory.seeding import rng_for, sample_seed
for code in sys.argv[1].split(","):
    for task, gen, extra, n in (("screenshot_to_html", "pages", {}, 12), ("table_to_html", "table_images", {}, 12),
                                ("document_to_json", "documents", {}, 4),
                                ("chart_to_table", "charts", {"engines": {"plotly": 1.0}, "table": {"source": "faker"}}, 4)):
        recipe = {"seed": 1, "tasks": {task: 1}, "generators": {gen: {"locales": [code], **extra}}}
        (g,) = Workshop(recipe_from_dict(recipe)).generators.values()
        for attempt in range(n):
            seed = sample_seed(1, 0, attempt)
            print(code, gen, attempt, hashlib.sha256(repr(g.sample(rng_for(seed), seed)).encode()).hexdigest())
"""


def _source_hashes(hash_seed: str, codes: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run([sys.executable, "-c", _HASH_SOURCES, codes], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=300)
    return out.stdout.splitlines()


@pytest.mark.slow
def test_generated_sources_do_not_depend_on_the_hash_seed():
    """Faker's it_IT city list comes from a set, so before pools were built from sorted data a
    page, table or document in it_IT named other cities in another process (this test failed with
    page_text's old Faker pools: pages 5, 6 and 8 and tables 8 and 10 differed)."""
    codes = "it_IT,ar_EG,hi_IN"
    first, second = _source_hashes("1", codes), _source_hashes("2", codes)
    assert len(first) == 3 * 32
    differ = [a for a, b in zip(first, second) if a != b]
    assert not differ, f"{len(differ)} sources differ between PYTHONHASHSEED 1 and 2: {differ[:4]}"


def test_native_digits_and_their_way_back():
    assert locales.to_digits("2024", "arab") == "٢٠٢٤"
    assert locales.to_digits("2024", "arabext") == "۲۰۲۴"
    assert locales.to_digits("2024", "deva") == "२०२४"
    assert locales.localize_number("1,234.5%", "arab") == "١٬٢٣٤٫٥٪"
    assert locales.localize_number("1,234.5%", "thai") == "๑,๒๓๔.๕%"
    assert locales.delocalize("١٬٢٣٤٫٥٪") == "1,234.5%"
    assert locales.localize_html('<p class="c2">12 <code>x=3</code> 4</p>', "beng") == '<p class="c2">১২ <code>x=3</code> ৪</p>'


def test_every_locale_has_pools_and_words_in_its_own_script():
    for code, loc in locales.LOCALES.items():
        pools = locales.pools(code)
        for kind in ("names", "companies", "cities"):
            assert len(pools[kind]) >= 20, (code, kind, len(pools[kind]))
            if loc.script != "latin":
                assert all(locales.in_script(v, loc.script) for v in pools[kind]), (code, kind)
        words = locales.word_list(code)
        assert len(words) >= 50 and sum(locales.in_script(w, loc.script) for w in words) >= 0.9 * len(words), code


def test_armenian_companies_are_not_two_names_glued():
    """Faker's hy_AM company formats miss a comma, so Python glued two formats into one and a suffix
    ran into the next name ('Ծառուկյան ՀՁԳիմիշյան, Բագրատ'): every company name ends at its suffix."""
    import re

    from factory.generators.locales import new_faker

    fake = new_faker("hy_AM")
    fake.seed_instance(1)
    names = [fake.company() for _ in range(300)]
    assert not [n for n in names if re.search(r"(ՍՊԸ|ՀՁ|ՓԲԸ|ԲԲԸ|Գրուպ|Հոլդինգ)\w", n)]
    assert any(", " in n for n in names)  # the three-name format is still drawn
