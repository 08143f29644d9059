"""`render-factory preview` of a `multilingual` run shows every script the run wrote.

A small real run of the built-in recipe (its table images only: the cheapest of its four
generators, one locale per script), 50 samples in its own three shards: more than the preview's
default 48, and made with a seed whose first samples in shard order miss a script, so a preview
that picked without regard to locale would leave it out. The test reads the metas of the samples
the HTML shows (their cards' keys) and the locale tag each card prints.
"""

from __future__ import annotations

import json
import os
import re
import tarfile
from pathlib import Path

import pytest

from factory.cli import main
from factory.generators import locales
from factory.meta import unpack
from factory.recipe import parse_recipe_text, read_recipe_text, recipe_from_dict
from factory.tools.preview import DEFAULT_N, locale_label

HAVE_CHROMIUM = os.access("/usr/bin/chromium", os.X_OK) or bool(os.environ.get("RENDER_FACTORY_CHROMIUM"))
needs_chromium = pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine")

SAMPLES = 50
SEED = 7  # its first 48 samples in shard order hold no Persian table (checked below)


def metas(dataset: Path) -> dict[str, dict]:
    """key -> json of every sample of the dataset, read back from its tar shards."""
    out = {}
    for shard in sorted(dataset.glob("*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar.getmembers():
                if member.name.endswith(".json"):
                    meta = unpack(json.loads(tar.extractfile(member).read()))
                    out[meta["key"]] = meta
    return out


def script_of(meta: dict) -> str:
    return locales.info(meta["source"]["theme"]["locale"]).script


@needs_chromium
@pytest.mark.slow
def test_preview_of_a_multilingual_run_shows_every_script(tmp_path, capsys):
    from factory.generate import generate

    data = parse_recipe_text(*read_recipe_text("multilingual"))
    data.update(samples=SAMPLES, seed=SEED, tasks={"table_to_html": 1})
    data["generators"] = {"table_images": data["generators"]["table_images"]}
    out = tmp_path / "multilingual"
    generate(recipe_from_dict(data), str(out), workers=1)
    written = metas(out)
    every = {script_of(m) for m in written.values()}
    assert every == set(locales.SCRIPT_LOCALES), f"the run itself misses {set(locales.SCRIPT_LOCALES) - every}"
    # What a preview without regard to locale took (each shard's first 48/shards, then the rest in
    # shard order) misses a script.
    shards = [entry["name"] for entry in json.loads((out / ".render-factory" / "manifest.json").read_text())["shards"]]
    by_shard = [sorted(k for k in written if k.startswith(name.split(".")[0] + "_")) for name in shards]
    quota = -(-DEFAULT_N // len(shards))
    blind = [k for keys in by_shard for k in keys[:quota]] + [k for keys in by_shard for k in keys[quota:]]
    assert len(written) > DEFAULT_N and {script_of(written[k]) for k in blind[:DEFAULT_N]} != every

    page = tmp_path / "preview.html"
    assert main(["preview", str(out), "--out", str(page)]) == 0  # the default sample count
    html = page.read_text(encoding="utf-8")
    shown = re.findall(r'<section class="card" id="([^"]+)">', html)
    assert len(shown) == DEFAULT_N and len(set(shown)) == DEFAULT_N
    assert {script_of(written[key]) for key in shown} == every
    for key in shown:  # each card names its locale and script
        code = written[key]["source"]["theme"]["locale"]
        card = html[html.index(f'id="{key}"'):]
        card = card[: card.index("</section>")]
        assert f"{code} \u00b7 {locale_label(code)}" in card
    # the same choice every time
    again = tmp_path / "again.html"
    assert main(["preview", str(out), "--out", str(again)]) == 0
    assert again.read_bytes() == page.read_bytes()
