"""Issue 13, finding 8: columns, series and rows hold what their headers say; charts and table
images are proportioned like real ones. Fails on the code before the fix (invented cities under
City, statuses under Owner, empty Total rows and header rows, small plot areas, blank tables)."""

from __future__ import annotations

import numpy as np
import pytest

from factory.generators.places import cities, countries
from factory.generators.table_layouts import TableImagesGenerator, TableImagesOptions
from factory.generators.table_request import TableOptions, TableRequest
from factory.generators.tables import TableSource
from factory.seeding import rng_for

# A few names every country and city list must hold, and invented ones none may hold.
REAL_COUNTRIES = {"France", "Japan", "Brazil", "Kenya", "Germany"}
REAL_CITIES = {"Paris", "Tokyo", "Lagos", "Sydney", "Chicago"}
STATUSES = {"Open", "Closed", "On hold", "Active", "Pending", "Done", "In review"}


def test_place_names_are_real_and_localised():
    assert REAL_COUNTRIES <= set(countries("en_US")) and REAL_CITIES <= set(cities("en_US"))
    assert "Frankreich" in countries("de_DE") and "パリ" in cities("ja_JP")


def test_chart_tables_name_real_countries_and_cities():
    source = TableSource(TableOptions())
    known = {"countries": set(countries()), "cities": set(cities())}
    seen = {"countries": 0, "cities": 0}
    for seed in range(400):
        kind = ("countries", "cities")[seed % 2]
        table = source.sample(rng_for(seed), seed, TableRequest(rows=(3, 8), series=(1, 3), label_kinds=(kind,)))
        assert set(table.labels()) <= known[kind], (kind, table.labels())
        seen[kind] += 1
        series_kind = table.facts.get("series_kind")
        if series_kind in known:
            assert {c.name for c in table.series} <= known[series_kind], (series_kind, [c.name for c in table.series])
    assert min(seen.values()) > 100


def _columns(structure):
    """header text -> the texts of the body cells below it (single-column headers only)."""
    out = {}
    h = structure["header_rows"]
    for cell in (c for row in structure["rows"][:h] for c in row):
        if cell["colspan"] == 1:
            out[cell["text"]] = [c["text"] for row in structure["rows"][h:] for c in row if c["col"] == cell["col"] and c["colspan"] == 1]
    return out


def test_table_columns_hold_what_their_headers_say():
    gen = TableImagesGenerator(TableImagesOptions())
    known_countries, known_cities = set(countries()), set(cities())
    headed = {"Country": 0, "City": 0, "Status": 0}
    for seed in range(300):
        structure = gen.sample(rng_for(seed), seed).structure
        rows, h = structure["rows"], structure["header_rows"]
        assert all(rows[:h]), f"seed {seed}: an empty header row"
        for header, values in _columns(structure).items():
            values = [v for v in values if v and v != "Total"]
            if header == "Country":
                assert set(values) <= known_countries, values
            elif header == "City":
                assert set(values) <= known_cities, values
            elif header == "Status":
                assert set(values) <= STATUSES, values
            else:
                assert not set(values) & STATUSES, (header, values)  # statuses only under Status
            headed[header] = headed.get(header, 0) + 1
        if structure["has_total"]:
            total = rows[-1]
            assert any(c["text"] for c in total[1:]), f"seed {seed}: a Total row with every other cell empty"
    assert min(headed[k] for k in ("Country", "City", "Status")) >= 5, headed


@pytest.mark.parametrize("seed", [202, 7, 31])
def test_plot_area_is_a_sensible_share_of_the_chart(seed):
    from factory.errors import Dropped
    from factory.generators.charts import ChartGenerator, ChartOptions
    from renderers.matplotlib_renderer import MatplotlibRenderer

    spec = ChartGenerator(ChartOptions()).sample(rng_for(seed), seed)
    try:
        render = MatplotlibRenderer({}).render(spec)
    except Dropped as drop:
        assert drop.reason == "plot_too_small"
        return
    x0, y0, x1, y1 = render.facts["elements"]["plot_area"]
    assert (x1 - x0) * (y1 - y0) >= 0.35 * render.width * render.height


@pytest.mark.slow
def test_table_images_are_mostly_table():
    from factory import images
    from renderers.chromium import ChromiumRenderer

    renderer = ChromiumRenderer({})
    gen = TableImagesGenerator(TableImagesOptions())
    try:
        for seed in range(10):
            render = renderer.render(gen.sample(rng_for(seed), seed))
            pixels = np.asarray(images.decode(render.encoded).convert("RGB")).astype(int)
            ink = (np.abs(pixels - pixels[0, 0]).sum(axis=2) > 30).any(axis=0)
            assert ink.mean() >= 0.75, f"seed {seed}: {1 - ink.mean():.0%} of the width is blank"
    finally:
        renderer.close()
