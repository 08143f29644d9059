"""Template folders of the user's own (generators.pages/documents.templates): files shadow the
built-in templates of the same name, the folder's digest is part of the resolved recipe, and a
page drawn through generate shows the user's markup (read back from the screenshot's DOM target)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest

import factory
from factory.errors import RecipeError
from html_templates import TEMPLATE_DIR

BANNER = "Printed from my own templates"


@pytest.fixture
def page_templates(tmp_path) -> Path:
    folder = tmp_path / "my_templates"
    folder.mkdir()
    page = (TEMPLATE_DIR / "page.html").read_text(encoding="utf-8")
    banner = f'<p class="my-banner" style="font-size:20px;color:#000;background:#fff;margin:0;padding:8px">{BANNER}</p>\n  '
    (folder / "page.html").write_text(page.replace("{{ body | nest(2) }}", banner + "{{ body | nest(2) }}"), encoding="utf-8")
    return folder


def _pages_recipe(folder: Path | None, **extra) -> dict:
    pages = {"viewports": ["mobile"], "max_sections": 1, "full_page": False, **extra}
    if folder is not None:
        pages["templates"] = str(folder)
    return {"name": "tpl", "seed": 1, "samples": 2, "shard": {"samples": 2}, "tasks": {"screenshot_parsing": 1}, "generators": {"pages": pages}}


def test_page_drawn_from_the_users_template(page_templates, tmp_path):
    resolved = factory.load_recipe(_pages_recipe(page_templates))
    options = resolved.as_dict()["generators"]["pages"]
    assert options["templates"] == str(page_templates) and len(options["templates_sha256"]) == 64
    factory.generate(resolved, tmp_path / "out", workers=1)
    (shard,) = (tmp_path / "out").glob("*.tar")
    with tarfile.open(shard) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    texts = [data.decode() for name, data in members.items() if name.endswith(".txt")]
    assert len(texts) == 2 and all(BANNER in text for text in texts)  # in the DOM the screenshot was taken of


def test_recipes_without_templates_resolve_as_before(page_templates):
    plain = factory.load_recipe(_pages_recipe(None)).to_yaml()
    assert "templates" not in plain
    with_folder = factory.load_recipe(_pages_recipe(page_templates)).to_yaml()
    assert with_folder != plain and with_folder.replace(f"    templates: {page_templates}\n", "").count("templates_sha256") == 1


def test_changed_templates_are_a_different_recipe(page_templates):
    resolved = factory.load_recipe(_pages_recipe(page_templates)).as_dict()
    (page_templates / "page.html").write_text((page_templates / "page.html").read_text() + "<!-- edited -->\n")
    with pytest.raises(RecipeError, match="changed since this recipe was resolved"):
        factory.load_recipe(resolved)  # what a worker or a resumed run does with the written recipe
    assert factory.load_recipe(_pages_recipe(page_templates)).as_dict()["generators"]["pages"]["templates_sha256"] != \
        resolved["generators"]["pages"]["templates_sha256"]


def test_mistaken_folders_are_one_line_errors(tmp_path, page_templates):
    with pytest.raises(RecipeError, match="is not a folder"):
        factory.load_recipe(_pages_recipe(tmp_path / "missing"))
    (page_templates / "components").mkdir()
    (page_templates / "components" / "heros.html").write_text("<p>typo</p>")
    with pytest.raises(RecipeError, match=r"components/heros.html' shadows no built-in template \(did you mean 'components/hero.html'\?\)"):
        factory.load_recipe(_pages_recipe(page_templates))
    docs = tmp_path / "docs" / "documents"
    docs.mkdir(parents=True)
    (docs / "base.css").write_text("x")
    with pytest.raises(RecipeError, match="shadows no built-in template"):  # a documents folder is not a pages folder
        factory.load_recipe(_pages_recipe(docs.parent))


def test_document_css_from_the_users_folder(tmp_path):
    from factory.generators.documents import DocumentsGenerator

    folder = tmp_path / "doc_templates" / "documents"
    folder.mkdir(parents=True)
    rule = ".my-rule { letter-spacing: 0.01em; }"
    (folder / "base.css").write_text((TEMPLATE_DIR / "documents" / "base.css").read_text() + "\n" + rule + "\n")
    recipe = {"samples": 1, "tasks": {"document_to_json": 1}, "generators": {"documents": {"templates": str(folder.parent), "genres": ["letter"], "locales": ["en_US"]}}}
    options = factory.load_recipe(recipe).generator_options["documents"]
    source = DocumentsGenerator(options).sample(np.random.default_rng(3), 3)
    assert rule in source.html
    builtin = factory.load_recipe({**recipe, "generators": {"documents": {"genres": ["letter"], "locales": ["en_US"]}}}).generator_options["documents"]
    assert rule not in DocumentsGenerator(builtin).sample(np.random.default_rng(3), 3).html
