"""`render-factory score` on QA tasks whose answers are written as the picture writes numbers:
de_DE documents ('1.057,50 EUR') and ar_EG table images in native digits ('١٢٫٥', '-٤٢٫٩٪'),
plain targets and rationale targets (with chart_qa), scored end to end through the CLI.

Perfect predictions score 100; the same numbers in Western digits without formatting score 100
relaxed and 0 exact; numbers 10% off score 0; a rationale is answered by its final answer alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from factory.generate import generate
from factory.generators.doc_locale import doc_locale, plain
from factory.recipe import recipe_from_dict
from factory.tasks.displayed_numbers import parse
from factory.tasks.document_questions import numbering, separators
from factory.tasks.table_qa import SEPARATORS
from factory.tools.preview import iter_shard, load_manifest


def recipe(rationale: bool) -> dict:
    tasks = {name: {"weight": 1, "questions": 4, "rationale": rationale} for name in ("table_qa", "document_table_qa")}
    generators = {"table_images": {"locales": ["ar_EG"], "digits": "native"},
                  "documents": {"locales": ["de_DE"], "genres": ["invoice", "receipt", "statement"]}}  # fmt: skip
    if rationale:
        tasks["chart_qa"] = {"weight": 1, "questions": 4, "qa": "programs", "rationale": True}
        generators["charts"] = {"chart_types": ["bar"]}
    return {"name": "qa", "seed": 4, "samples": 12, "shard": {"samples": 4}, "tasks": tasks, "generators": generators}


@pytest.fixture(scope="module")
def plain_ds(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("qa") / "plain"
    generate(recipe_from_dict(recipe(False)), str(out), workers=1)
    return out


@pytest.fixture(scope="module")
def rationale_ds(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("qa") / "rationale"
    generate(recipe_from_dict(recipe(True)), str(out), workers=1)
    return out


def samples(dataset: Path) -> list:
    store, manifest = load_manifest(str(dataset))
    return [s for entry in manifest["shards"] for s in iter_shard(store, entry["name"])]


def unpacked(value):
    return json.loads(value) if isinstance(value, str) else value


def first_pair(sample) -> dict:
    return unpacked(sample.meta["targets"])["qa"][0]


def number(answer: str, meta: dict) -> tuple[Decimal, bool] | None:
    """An answer's value as the task's own reader reads it (displayed_numbers.parse with the
    sample's separators), and whether it is a percentage."""
    source = unpacked(meta["source"])
    if meta["task"] == "table_qa":
        dec, group = SEPARATORS.get(source["theme"].get("digits", "latn"), (".", ","))
    elif meta["task"] == "document_table_qa":
        dec, group = (plain(s) for s in separators(doc_locale(source["locale"], numbering(source["genre"], source["fields"]))))
    else:
        dec, group = ".", ","
    parsed = parse(plain(answer), dec, group)
    return None if parsed is None else (parsed.value, any(c in "%\u066a" for c in "".join(parsed.affixes)))


def western(value: Decimal, percent: bool) -> str:
    """Western digits, '.' decimals, no grouping, no currency: '1057.5', '-42.9%'."""
    return format(value.normalize(), "f") + ("%" if percent else "")


def cli_score(dataset: Path, predictions: dict[str, str], tmp: Path, name: str) -> tuple[dict, dict]:
    path = tmp / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"key": k, "prediction": p}, ensure_ascii=False) + "\n" for k, p in predictions.items()), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "factory.cli", "score", str(path), "--dataset", str(dataset), "--out", str(tmp / f"{name}.html"),
                             "--per-sample", str(tmp / f"{name}.rows.jsonl")], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    rows = {r["key"]: r for r in map(json.loads, (tmp / f"{name}.rows.jsonl").read_text().splitlines())}
    return json.loads((tmp / f"{name}.json").read_text())["tasks"], rows


def test_table_and_document_answers_scored_in_their_own_number_format(plain_ds, tmp_path):
    found = samples(plain_ds)
    assert {s.meta["task"] for s in found} == {"table_qa", "document_table_qa"}
    tasks, _ = cli_score(plain_ds, {s.key: s.text for s in found}, tmp_path, "perfect")
    for task in ("table_qa", "document_table_qa"):
        assert tasks[task]["metrics"] == ["relaxed_accuracy", "exact_match"]
        assert tasks[task]["scores"] == {"relaxed_accuracy": 100.0, "exact_match": 100.0}
        assert "final answer" in tasks[task]["metric_source"]

    # the same numbers in Western digits, unformatted: right in value, never exactly
    numbers = {s.key: (s, number(s.text, s.meta)) for s in found if first_pair(s)["answer_type"] == "number"}
    plainer = {k: western(*v) for k, (s, v) in numbers.items() if v is not None and western(*v) != s.text}
    by_task = {s.meta["task"] for k, (s, _) in numbers.items() if k in plainer}
    assert by_task == {"table_qa", "document_table_qa"}, plainer  # '٣٫٥٦' -> '3.56', '1.057,50 EUR' -> '1057.5'
    assert any("." in s.text and "," in s.text for k, (s, _) in numbers.items() if k in plainer)  # a grouped German amount
    tasks, rows = cli_score(plain_ds, plainer, tmp_path, "western")
    assert all(rows[k]["relaxed_accuracy"] == 1.0 and rows[k]["exact_match"] == 0.0 for k in plainer), (plainer, rows)
    for task in by_task:
        assert tasks[task]["scores"] == {"relaxed_accuracy": 100.0, "exact_match": 0.0}

    # 10% off (a 0 target excluded: 10% of nothing is nothing)
    off = {k: western(v[0] * Decimal("1.1"), v[1]) for k, (s, v) in numbers.items() if v is not None and v[0] != 0}
    assert len(off) >= 4
    tasks, rows = cli_score(plain_ds, off, tmp_path, "off")
    assert all(rows[k]["relaxed_accuracy"] == 0.0 for k in off), (off, rows)


def test_every_printed_answer_of_the_samples_reads_back(plain_ds, rationale_ds):
    """All QA pairs of the real samples (not only the first, the txt): each answer answers itself,
    its Western form answers it, 10% off does not, and no answer answers another of a different value."""
    from factory.metrics import make_scorer

    counted = {"western": 0, "grouped": 0}
    for s in samples(plain_ds) + samples(rationale_ds):
        scorer = make_scorer(s.meta["task"], {})
        for pair in unpacked(s.meta["targets"])["qa"]:
            answer = pair["answer"]
            assert scorer.score(answer, answer, s.meta, b"")["relaxed_accuracy"] == 1.0, answer
            read = number(answer, s.meta)
            if pair["answer_type"] != "number" or read is None:
                continue
            if western(*read) != answer:
                counted["western"] += 1
                counted["grouped"] += "." in answer and "," in answer or "\u066c" in answer
                assert scorer.score(western(*read), answer, s.meta, b"") == {"relaxed_accuracy": 1.0, "exact_match": 0.0}, answer
            if read[0]:
                assert scorer.score(western(read[0] * Decimal("1.1"), read[1]), answer, s.meta, b"")["relaxed_accuracy"] == 0.0, answer
                assert scorer.score(western(read[0] * 1000, read[1]), answer, s.meta, b"")["relaxed_accuracy"] == 0.0, answer
    assert counted["western"] >= 10 and counted["grouped"] >= 3, counted


def test_rationale_targets_are_answered_by_their_final_answer(rationale_ds, tmp_path):
    found = samples(rationale_ds)
    assert {s.meta["task"] for s in found} == {"table_qa", "document_table_qa", "chart_qa"}
    assert all(s.text.splitlines()[0].startswith("program: ") and s.text.splitlines()[-1].startswith("answer: ") for s in found)
    answers = {s.key: s.text.splitlines()[-1][len("answer: "):] for s in found}
    tasks, _ = cli_score(rationale_ds, answers, tmp_path, "answers")
    for task, info in tasks.items():  # the working is not asked for: right, but no program line
        assert info["scores"] == {"relaxed_accuracy": 100.0, "exact_match": 100.0, "program_match": 0.0}, (task, info)
    tasks, _ = cli_score(rationale_ds, {s.key: s.text for s in found}, tmp_path, "perfect")
    for task, info in tasks.items():
        assert info["metrics"] == ["relaxed_accuracy", "exact_match", "program_match"]
        assert info["scores"] == {"relaxed_accuracy": 100.0, "exact_match": 100.0, "program_match": 100.0}, (task, info)
    numbers = {s.key: number(answers[s.key], s.meta) for s in found if first_pair(s)["answer_type"] == "number"}
    plainer = {k: f"answer: {western(*v)}" for k, v in numbers.items() if v is not None and western(*v) != answers[k]}
    assert len(plainer) >= 1, numbers  # '349,00 €' -> 'answer: 349'
    _, rows = cli_score(rationale_ds, plainer, tmp_path, "western")
    assert all(rows[k]["relaxed_accuracy"] == 1.0 and rows[k]["exact_match"] == 0.0 for k in plainer), (plainer, rows)
