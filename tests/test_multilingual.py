"""Every script renders with every glyph present, and right-to-left boxes agree with logical targets.

No OCR: Chromium itself says which fonts drew each element's text (CDP CSS.getPlatformFontsForNode)
and fontTools reads those fonts' cmaps, so a character no used font maps is tofu. One page, one
table image and one chart per script (`locales.SCRIPT_LOCALES`), plus documents in the
right-to-left scripts; one browser per renderer for the module.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import unicodedata

import pytest
from fontTools.ttLib import TTFont

from factory.components import Options
from factory.generators import locales
from factory.generators.page_fonts import installed_fonts
from factory.recipe import recipe_from_dict
from factory.samples import Workshop
from factory.seeding import rng_for, sample_seed
from factory.tasks.page_tasks import TableToHtml

HAVE_CHROMIUM = os.access("/usr/bin/chromium", os.X_OK) or bool(os.environ.get("RENDER_FACTORY_CHROMIUM"))
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine")

SCRIPTS = list(locales.SCRIPT_LOCALES)
RTL = [s for s, code in locales.SCRIPT_LOCALES.items() if locales.info(code).rtl]
_SKIP_TAGS = {"HEAD", "STYLE", "SCRIPT", "TITLE", "NOSCRIPT", "TEMPLATE"}


# --- fonts ---------------------------------------------------------------------------------------


_CMAPS: dict[str, frozenset[int]] = {}


def cmap(postscript: str) -> frozenset[int]:
    """Code points the installed font with this PostScript name maps, read from its file by fontTools."""
    if postscript not in _CMAPS:
        found = subprocess.run(["fc-list", f":postscriptname={postscript}", "--format", "%{file}\t%{index}\n"],
                               check=True, capture_output=True, text=True).stdout.split("\n")[0]
        assert found, f"no installed font has PostScript name {postscript}"
        path, index = found.split("\t")
        font = TTFont(path, fontNumber=int(index), lazy=True)
        _CMAPS[postscript] = frozenset(font.getBestCmap())
        font.close()
    return _CMAPS[postscript]


@functools.lru_cache(maxsize=None)
def family_cmap(family: str) -> frozenset[int]:
    path, index = installed_fonts()[family]
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _drawn(text: str) -> set[str]:
    """The characters of `text` that need a glyph (no spaces, controls or bidi marks)."""
    return {c for c in text if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf")}


def test_script_faces_map_every_character_of_their_words_names_places_months_and_digits():
    """Per script, the Noto faces the stacks put first (sans and serif) draw every letter, mark and
    digit its locale writes; the other characters are Latin punctuation the Latin faces draw."""
    for script, code in locales.SCRIPT_LOCALES.items():
        spec = locales.SCRIPTS[script]
        faces = [f for f in (spec.sans, spec.serif) if f] or ["DejaVu Sans", "DejaVu Serif"]
        table = {c for lo, hi in spec.ranges for c in range(lo, hi + 1)}
        native = {c for c in locales.chars_of(code) if ord(c) in table or unicodedata.category(c) == "Nd"}
        assert len(native) >= (5 if script == "latin" else 20), (script, len(native))
        for face in faces:
            missing = sorted(c for c in native if ord(c) not in family_cmap(face))
            assert not missing, f"{script}: {face} lacks {missing[:10]}"


def used_fonts(tab) -> list[tuple[str, list[tuple[str, str]]]]:
    """(text, families) for every element with text of its own in the tab's current document:
    the element's own text and the fonts Chromium drew it with."""
    cdp = tab.cdp
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    try:
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]
        out = []

        def walk(node):
            if node.get("nodeName") in _SKIP_TAGS:
                return
            children = node.get("children", [])
            own = "".join(c.get("nodeValue", "") for c in children if c.get("nodeType") == 3)
            if node.get("nodeType") == 1 and own.strip():
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
                if fonts:  # none: not laid out (display: none), so not in the picture
                    out.append((own, [(f["familyName"], f["postScriptName"]) for f in fonts]))
            for child in children:
                walk(child)
            if "contentDocument" in node:
                walk(node["contentDocument"])

        walk(root)
        return out
    finally:
        cdp.send("CSS.disable")
        cdp.send("DOM.disable")


def assert_every_glyph_drawn(tab, script: str, what: str) -> int:
    """Every drawn character of the document is in the cmap of a font Chromium used for its element,
    and the script's letters were drawn by the script's own face (where it has one)."""
    spec = locales.SCRIPTS[script]
    faces = {f for f in (spec.sans, spec.serif) if f}
    found = used_fonts(tab)
    assert found, f"{script} {what}: no text drawn"
    letters = 0
    for text, fonts in found:
        families = [family for family, _ in fonts]
        covered = frozenset().union(*(cmap(postscript) for _, postscript in fonts))
        missing = sorted(c for c in _drawn(text) if ord(c) not in covered)
        assert not missing, f"{script} {what}: {missing[:8]} in {text[:60]!r} not in the fonts used ({families})"
        if script != "latin" and script in locales.scripts_of(text):
            letters += 1
            if faces:
                assert faces & set(families), f"{script} {what}: {text[:40]!r} drawn with {families}, not {faces}"
    assert script == "latin" or letters, f"{script} {what}: no element has text in the script"
    return letters


def _generator(task: str, generator: str, options: dict):
    recipe = recipe_from_dict({"seed": 5, "tasks": {task: 1}, "generators": {generator: options}})
    (gen,) = Workshop(recipe).generators.values()
    return gen


def _render_one(gen, renderer, task=None, attempts=range(12)):
    """The first attempt that renders and passes the task's checks (a sample may be dropped, as in a
    run): source, render, seed and the task's targets."""
    from factory.errors import Dropped

    for attempt in attempts:
        seed = sample_seed(5, 0, attempt)
        try:
            src = gen.sample(rng_for(seed), seed)
            render = renderer.render(src)
            return src, render, seed, task.targets(src, render, rng_for(seed)) if task else None
        except Dropped:
            continue
    raise AssertionError("no sample kept in 12 attempts")


@pytest.fixture(scope="module")
def chromium():
    from renderers.chromium import ChromiumRenderer

    renderer = ChromiumRenderer({})
    yield renderer
    renderer.close()


@pytest.fixture(scope="module")
def plotly():
    from renderers.plotly_renderer import PlotlyRenderer

    renderer = PlotlyRenderer({})
    yield renderer
    renderer.close()


def _tab(renderer):
    """The reused tab the renderer drew its last source in."""
    (tab,) = [t for t in renderer._pages.values()]
    return tab


# --- pages, tables and charts per script --------------------------------------------------------


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_page_table_and_chart_draw_every_glyph(chromium, plotly, script):
    code = locales.SCRIPT_LOCALES[script]
    rtl = locales.info(code).rtl
    page_gen = _generator("screenshot_parsing", "pages", {"locales": [code], "viewports": ["mobile"], "max_height": 1600,
                                                          "archetypes": ["landing", "blog_post", "pricing"]})
    src, render, _, _ = _render_one(page_gen, chromium)
    assert ('dir="rtl"' in src.html) == rtl
    assert_every_glyph_drawn(_tab(chromium), script, "page")

    table_gen = _generator("table_to_html", "table_images", {"locales": [code], "rows": [3, 5], "columns": [3, 4]})
    src, render, _, _ = _render_one(table_gen, chromium)
    assert_every_glyph_drawn(_tab(chromium), script, "table")

    chart_gen = _generator("chart_to_table", "charts", {"locales": [code], "engines": {"plotly": 1.0},
                                                        "chart_types": ["bar", "line", "pie", "grouped_bar"],
                                                        "table": {"source": "faker", "rows": [3, 6]}})
    spec, render, _, _ = _render_one(chart_gen, plotly)
    texts = " ".join(t["text"] for group in render.facts["elements"].values() if isinstance(group, list)
                     for t in group if isinstance(t, dict))
    if script != "latin":
        assert locales.in_script(texts, script) or locales.scripts_of(texts) & {script}, texts[:200]
    assert_every_glyph_drawn(plotly._plot_tab(), script, "chart")


# --- right to left: boxes in visual positions, targets in logical order ---------------------------


def _rtl_word(text: str, script: str) -> bool:
    return any(unicodedata.category(c)[0] == "L" for c in text) and locales.in_script(text, script)


@needs_chromium
@pytest.mark.parametrize("script", RTL)
def test_rtl_table_cells_run_right_to_left_in_target_order(chromium, script):
    code = locales.SCRIPT_LOCALES[script]
    gen = _generator("table_to_html", "table_images", {"locales": [code], "rows": [3, 6], "columns": [3, 5],
                                                       "row_groups": 0, "section_rows": 0})
    src, render, seed, targets = _render_one(gen, chromium, TableToHtml(Options()))
    assert 'dir="rtl"' in src.html
    rows: dict[int, list] = {}
    for cell in targets.secondary["cells"]:  # in the target's (logical) order
        rows.setdefault(cell["row"], []).append(cell)
    assert rows
    for cells in rows.values():
        lefts = [c["box"][0] for c in cells]
        assert [c["col"] for c in cells] == sorted(c["col"] for c in cells)
        assert lefts == sorted(lefts, reverse=True) and len(set(lefts)) == len(lefts), f"row not right to left: {lefts}"
        assert cells[0]["box"][2] >= max(c["box"][2] for c in cells)  # the first column at the right edge
    # the target writes the cells in that logical order
    first_row = [c["text"] for c in rows[min(rows)] if c["text"]]
    positions = [targets.text.find(text) for text in first_row]
    assert positions == sorted(positions) and -1 not in positions


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("script", RTL)
def test_rtl_document_lines_read_right_to_left_and_draw_every_glyph(chromium, script):
    from factory.tasks.document_tasks import DocumentParsing, DocumentTaskOptions

    code = locales.SCRIPT_LOCALES[script]
    gen = _generator("document_parsing", "documents", {"locales": [code], "genres": ["invoice", "letter"], "dpi": [96]})
    src, render, seed, parsed = _render_one(gen, chromium, DocumentParsing(DocumentTaskOptions()))
    assert_every_glyph_drawn(_tab(chromium), script, "document")
    words = render.facts["words"]
    pairs = 0
    for line in parsed.secondary["lines"]:
        mine = words[line["words"][0]:line["words"][1]]
        assert line["text"].split()[0] == mine[0]["text"].split()[0] or not line["text"].strip()
        for a, b in zip(mine, mine[1:]):  # consecutive words of the script: the next one is to the left
            if _rtl_word(a["text"], script) and _rtl_word(b["text"], script):
                assert b["box"][2] <= a["box"][0] + 1, f"{b['text']!r} {b['box']} is not left of {a['text']!r} {a['box']}"
                pairs += 1
    assert pairs >= 10, pairs


@pytest.mark.parametrize("engine", ["matplotlib", "plotly", "vega_lite"])
def test_chart_subtitle_note_and_reference_label_are_in_the_locale(engine):
    """A Thai or Arabic chart's source note, subtitle and 'Average:' label are the locale's words
    and digits, as its title and headers are; only the unit stays as the table writes it."""
    from factory.generators.chart_locale import FURNITURE, table_unit
    from factory.seeding import rng_for, sample_seed

    seen = 0
    shaped = ("thai", "arabic", "devanagari", "han_simplified")  # only Plotly draws the shaped scripts
    for script in shaped if engine == "plotly" else ("cyrillic", "greek", "han_simplified", "hangul"):
        code = locales.SCRIPT_LOCALES[script]
        gen = _generator("chart_to_table", "charts", {"locales": [code], "digits": "native", "engines": {engine: 1.0}})
        for i in range(40):
            spec = gen.sample(rng_for(sample_seed(5, 0, i)), sample_seed(5, 0, i))
            style = spec.style if hasattr(spec, "style") else spec.spec.style
            table = spec.table if hasattr(spec, "table") else spec.spec.table
            unit = table_unit(table)
            for key in FURNITURE:
                text = style.get(key) or ""
                if not text:
                    continue
                seen += 1
                rest = text.replace(unit, "") if unit else text
                assert not re.search("[A-Za-z]{2,}", rest), (code, key, text)
                if locales.info(code).digits != "latn":
                    assert not re.search("[0-9]", rest), (code, key, text)
    assert seen >= 20


def test_georgian_text_has_no_capital_at_a_word_start():
    """Georgian writes no capital at the start of a word or sentence: Python's upper() and Faker's
    title() turned a first Mkhedruli letter into Mtavruli ('Ლიტვური'), in document headers, page
    labels and sentences. Whole words in Mtavruli (an upper-case label style) stay allowed."""
    from factory.errors import Dropped

    mixed = re.compile("[\u1c90-\u1cbf][\u10d0-\u10ff]")  # a Mtavruli letter, then Mkhedruli in the same word
    checked = 0
    for task, generator, options in (("document_parsing", "documents", {"locales": ["ka_GE"]}),
                                     ("screenshot_parsing", "pages", {"locales": ["ka_GE"]})):  # fmt: skip
        gen = _generator(task, generator, options)
        for attempt in range(8):
            seed = sample_seed(5, 0, attempt)
            try:
                src = gen.sample(rng_for(seed), seed)
            except Dropped:
                continue
            html = getattr(src, "html", None) or str(src)
            assert not mixed.search(html), (generator, mixed.search(html).group(0), html[max(0, mixed.search(html).start() - 40):][:80])
            checked += 1
    assert checked >= 8
