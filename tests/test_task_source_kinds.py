"""A task that pairs targets with some kinds of source only is handed those (`Task.source_kinds`,
`Generator.for_kinds`): document_table_qa asks about tables, amounts and form fields, so the
documents generator draws it no résumé or letter, which it could only drop as `no_question`
(about 3 in 8 of its renders in the documents recipe before). Other tasks keep the recipe's genres.
"""

from __future__ import annotations

import os

import pytest

from factory.errors import Dropped, RecipeError
from factory.recipe import recipe_from_dict
from factory.samples import Workshop, clean_sample
from factory.seeding import sample_seed

HAVE_CHROMIUM = os.access("/usr/bin/chromium", os.X_OK) or bool(os.environ.get("RENDER_FACTORY_CHROMIUM"))


def _recipe(genres: list[str], tasks: dict) -> dict:
    return {"seed": 5, "tasks": tasks, "generators": {"documents": {"genres": genres, "locales": ["en_US"]}}}


def test_each_task_gets_the_genres_it_can_use():
    tasks = {"document_table_qa": {"weight": 1}, "document_to_json": {"weight": 1}}
    workshop = Workshop(recipe_from_dict(_recipe(["invoice", "resume", "letter", "form"], tasks)))
    assert workshop.task_generators["document_table_qa"].options.genres == ["invoice", "form"]
    assert workshop.task_generators["document_to_json"] is workshop.generators["documents"]
    assert workshop.generators["documents"].options.genres == ["invoice", "resume", "letter", "form"]


def test_a_recipe_whose_genres_a_task_cannot_use_fails_when_it_loads():
    with pytest.raises(RecipeError, match="generators.documents.*document_table_qa.*resume, letter"):
        recipe_from_dict(_recipe(["resume", "letter"], {"document_table_qa": {"weight": 1}}))


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on this machine")
def test_document_table_qa_renders_no_document_it_must_drop():
    workshop = Workshop(recipe_from_dict(_recipe(["receipt", "resume", "letter"], {"document_table_qa": {"weight": 1, "questions": 2}})))
    try:
        genres = []
        for attempt in range(5):  # before: 3 of these 5 were résumés or letters, each dropped as no_question
            try:
                sample = clean_sample(workshop, sample_seed(5, 0, attempt), "train")
            except Dropped as drop:
                assert drop.reason != "no_question", drop.detail
                continue
            genres.append(sample.render.source.genre)
            assert sample.targets.secondary["qa"]
        assert genres and set(genres) == {"receipt"}
    finally:
        workshop.close()
