"""`render-factory score PREDICTIONS --dataset D`: a model's outputs scored with each task's published metric.

PREDICTIONS is JSONL, one object a line: `{"key": "<sample key>", "prediction": "<text>"}`.
The dataset is streamed shard by shard; only the samples that have a prediction are decoded,
and per sample only a few floats are kept, so the page and the JSON summary cost memory in the
number of predictions, not of images. Problems are counted and shown, never a traceback:
malformed lines (not JSON, not an object, no string `key` or `prediction`), duplicate keys (the
first counts), keys the dataset does not have, and samples of the scored splits without a
prediction (`missing`: they are left out of the means; `--missing zero` counts them as 0).

Breakdowns: per task by kind (chart type, page archetype, table style: the sample's json
source), by split, and, when the recipe held values out (factory/holdout.py), seen values
against held-out values.
"""

from __future__ import annotations

import argparse
import base64
import heapq
import io
import json
import logging
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from PIL import Image

from factory.dataset.layout import printable
from factory.errors import FactoryError
from factory.holdout import Holdout
from factory.metrics import SCORERS, Scorer, make_scorer
from factory.tools.html_page import page_head
from factory.tools.outputs import check_outputs, write_file
from factory.tools.preview import iter_shard, load_manifest, sample_kind, select_shards

log = logging.getLogger(__name__)

WORST_SHOWN = 5  # lowest-scoring samples shown per task
SNIPPET = 1500  # characters of target and prediction shown for each
MAX_LISTED = 5  # problem keys / lines named in messages
MAX_LINE_CHARS = 16 * 2**20  # a longer prediction line is counted malformed, never held whole in memory


@dataclass
class Predictions:
    by_key: dict[str, str] = field(default_factory=dict)
    lines: int = 0
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    duplicates: int = 0
    duplicate_examples: list[str] = field(default_factory=list)


def read_predictions(path: str | Path) -> Predictions:
    """Every usable line of a predictions JSONL file; bad lines are counted with their numbers."""
    out = Predictions()
    path = Path(path)
    if not path.is_file():
        raise FactoryError(f"predictions file '{path}' does not exist; give a JSONL file of {{\"key\": ..., \"prediction\": ...}} lines")
    try:
        handle = path.open("r", encoding="utf-8", errors="strict", newline="")
    except OSError as exc:
        raise FactoryError(f"cannot read predictions file '{path}': {exc.strerror or exc}") from None
    with handle:
        number = 0
        while True:
            try:
                line = handle.readline(MAX_LINE_CHARS + 1)
                too_long = len(line) > MAX_LINE_CHARS
                while too_long and not line.endswith("\n") and line:  # skip the rest, a chunk at a time
                    line = handle.readline(MAX_LINE_CHARS)
            except UnicodeDecodeError as exc:
                raise FactoryError(f"{path}: line {number + 1} is not UTF-8 ({exc.reason}); write the file as UTF-8") from None
            if not line and not too_long:
                break
            number += 1
            if number == 1 and line.startswith("\ufeff"):  # a byte-order mark some editors write
                line = line[1:]
            if too_long:
                problem = f"longer than {MAX_LINE_CHARS // 2**20} Mi characters"
            elif not line.strip():
                continue
            else:
                problem = _check_line(line, out)
            out.lines += 1
            if problem:
                out.malformed += 1
                if len(out.malformed_examples) < MAX_LISTED:
                    out.malformed_examples.append(f"line {number}: {problem}")
    if out.lines == 0:
        raise FactoryError(f"predictions file '{path}' has no lines; write one {{\"key\": ..., \"prediction\": ...}} object per line")
    if not out.by_key:
        raise FactoryError(f"no line of '{path}' is a {{\"key\": \"<sample key>\", \"prediction\": \"<text>\"}} object "
                           f"({out.malformed_examples[0] if out.malformed_examples else 'none usable'}); write one such JSON object per line")
    return out


def _check_line(line: str, out: Predictions) -> str:
    try:
        record = json.loads(line)
    except ValueError as exc:
        return f"not JSON ({str(exc).split(':')[0]})"
    if not isinstance(record, dict):
        return f"a JSON {type(record).__name__}, not an object"
    key, prediction = record.get("key"), record.get("prediction")
    if not isinstance(key, str) or not key:
        return "no string 'key'"
    if not isinstance(prediction, str):
        return "no string 'prediction'" if prediction is None else f"'prediction' is a {type(prediction).__name__}, not a string"
    if key in out.by_key:
        out.duplicates += 1
        if len(out.duplicate_examples) < MAX_LISTED:
            out.duplicate_examples.append(printable(key))
        return ""
    out.by_key[key] = prediction
    return ""


@dataclass
class Row:
    key: str
    task: str
    kind: str
    split: str
    held_out: bool | None
    metrics: dict[str, float]


@dataclass
class Example:
    score: float
    key: str
    kind: str
    target: str
    prediction: str
    thumbnail: str
    note: str = ""

    def __lt__(self, other: "Example") -> bool:  # a max-heap on score keeps the lowest ones
        return (-self.score, self.key) < (-other.score, other.key)


@dataclass
class ScoreRun:
    dataset: str
    predictions_path: str
    manifest: dict[str, Any]
    predictions: Predictions
    rows: list[Row] = field(default_factory=list)
    missing: Counter = field(default_factory=Counter)  # task -> samples of scored splits without a prediction
    unknown: list[str] = field(default_factory=list)
    unknown_count: int = 0
    splits: list[str] = field(default_factory=list)
    worst: dict[str, list[Example]] = field(default_factory=lambda: defaultdict(list))
    sources: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    seconds: float = 0.0
    holdout: dict[str, Any] = field(default_factory=dict)
    network: str = ""


def _thumbnail(image: bytes) -> str:
    try:
        with Image.open(io.BytesIO(image)) as picture:
            picture.thumbnail((240, 240))
            buf = io.BytesIO()
            picture.convert("RGB").save(buf, "PNG")
    except (OSError, ValueError, Image.DecompressionBombError):
        return ""
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def score_dataset(predictions_path: str, dataset: str, splits: str | None = None, tasks: str | None = None,
                  missing_zero: bool = False, options: dict[str, Any] | None = None) -> ScoreRun:  # fmt: skip
    """Score every predicted sample of `dataset`; returns what the table, page and JSON show."""
    predictions = read_predictions(predictions_path)
    store, manifest = load_manifest(dataset)
    shards = select_shards(manifest, splits)
    wanted_tasks = {t.strip() for t in tasks.split(",")} if tasks else None
    holdout = Holdout.from_manifest(manifest)
    run = ScoreRun(dataset, str(predictions_path), manifest, predictions, holdout=holdout.as_dict())
    scorers: dict[str, Scorer] = {}
    found: set[str] = set()
    if wanted_tasks is not None:
        known = {str(t) for t in (manifest.get("tasks") or {})} or set(SCORERS)
        unknown_tasks = sorted(wanted_tasks - known)
        if unknown_tasks:
            raise FactoryError(f"--tasks names {', '.join(unknown_tasks)}, which '{dataset}' does not hold; its tasks are {', '.join(sorted(known))}")
    if not splits:  # the splits asked for are scored whole; else those the predictions reach
        shards = _shards_to_read(shards, predictions)
    run.splits = list(dict.fromkeys(entry["split"] for entry in shards))
    unpredicted: Counter = Counter()  # task -> samples of the scored splits without a prediction
    t0 = time.perf_counter()
    try:
        for entry in shards:
            for sample in iter_shard(store, entry["name"], entry):
                prediction = predictions.by_key.get(sample.key)
                task = str(sample.meta.get("task", "?"))
                if wanted_tasks is not None and task not in wanted_tasks:
                    found.add(sample.key)
                    continue
                if prediction is None:
                    unpredicted[task] += 1
                    if missing_zero:
                        run.rows.append(_zero_row(sample, task, entry["split"], holdout))
                    continue
                found.add(sample.key)
                meta = sample.meta
                scorer = scorers.get(task)
                if scorer is None:
                    scorer = scorers[task] = make_scorer(task, options or {})
                    run.sources[task], run.metrics[task] = scorer.source, scorer.metrics
                metrics = scorer.score(prediction, sample.text, meta, sample.image)
                source = meta.get("source") or {}
                held = holdout.is_held_out(source) if holdout else None
                kind = sample_kind(meta)
                run.rows.append(Row(sample.key, task, kind, str(meta.get("split", entry["split"])), held,
                                    {k: v for k, v in metrics.items() if isinstance(v, (int, float))}))  # fmt: skip
                _keep_worst(run, task, Example(float(metrics[scorer.metrics[0]]), sample.key, kind, sample.text[:SNIPPET],
                                                prediction[:SNIPPET], "", str(metrics.get("_error") or "")), sample.image)  # fmt: skip
    finally:
        for scorer in scorers.values():
            scorer.close()
    run.seconds = time.perf_counter() - t0
    run.missing = unpredicted
    unknown = [k for k in predictions.by_key if k not in found]
    run.unknown_count = len(unknown)
    run.unknown = [printable(k) for k in unknown[:MAX_LISTED]]
    if not run.rows:
        where = f" (splits: {splits})" if splits else ""
        if tasks:
            where += f" (tasks: {tasks})"
        first = next(iter(predictions.by_key), None)
        hint = f"; the first predicted key is '{first}', the dataset's keys look like " if first else "; keys look like "
        example = manifest["shards"][0]["name"].rsplit(".tar", 1)[0] + "_000000" if manifest["shards"] else "test-000000_000000"
        raise FactoryError(f"no prediction matches a sample of '{dataset}'{where}{hint}'{example}'")
    for task in unpredicted:
        if missing_zero and task not in run.metrics:
            scorer = make_scorer_for_aggregate(task)
            run.metrics[task], run.sources[task] = scorer.metrics, scorer.source
    if "chart_to_code" in scorers:
        from factory.metrics.sandbox import network_isolation

        run.network = network_isolation()
    return run


def _keep_worst(run: ScoreRun, task: str, example: Example, image: bytes) -> None:
    heap = run.worst[task]
    if len(heap) < WORST_SHOWN:
        example.thumbnail = _thumbnail(image)
        heapq.heappush(heap, example)
    elif example.score < heap[0].score:
        example.thumbnail = _thumbnail(image)
        heapq.heapreplace(heap, example)


def _zero_row(sample: Any, task: str, split: str, holdout: Holdout) -> Row:
    """A sample without a prediction, scored 0 on every metric (`--missing zero`)."""
    scorer = make_scorer_for_aggregate(task)
    metrics: dict[str, float] = {m: 0.0 for m in scorer.metrics}
    if task == "document_to_json":  # its F1 is micro-averaged: every target field is a miss
        from factory.metrics.json_fields import field_counts, parse_json

        metrics.update(zip(("_tp", "_fp", "_fn"), field_counts(parse_json(sample.text), {})))
    if "program_match" in metrics:  # a QA target that is not a rationale has no program to match
        from factory.metrics.qa_answers import program_line

        if program_line(sample.text) is None:
            del metrics["program_match"]
    held = holdout.is_held_out(sample.meta.get("source") or {}) if holdout else None
    return Row("", task, sample_kind(sample.meta), split, held, metrics)


def _shards_to_read(shards: list[dict[str, Any]], predictions: Predictions) -> list[dict[str, Any]]:
    """The shards of every split that holds a predicted key.

    A sample's key is `<shard name>_<attempt>`, so the split of a predicted key is known without
    reading anything; a key that names no shard is in no split (it is reported as unknown), so
    it changes neither which splits are scored nor what counts as missing.
    """
    split_of = {entry["name"].rsplit(".tar", 1)[0]: entry["split"] for entry in shards}
    splits = {split_of[name] for name in (key.rsplit("_", 1)[0] for key in predictions.by_key) if name in split_of}
    return [entry for entry in shards if entry["split"] in splits]


# --- tables ---------------------------------------------------------------------------------------


def _aggregate(task: str, rows: list[Row]) -> dict[str, float]:
    return make_scorer_for_aggregate(task).aggregate([r.metrics for r in rows])


_AGGREGATORS: dict[str, Scorer] = {}


def make_scorer_for_aggregate(task: str) -> Scorer:
    """A scorer used only for `aggregate` (never scores, so it starts no browser or sandbox)."""
    from factory.metrics import SCORERS, TextFallback

    if task not in _AGGREGATORS:
        cls = SCORERS.get(task)
        _AGGREGATORS[task] = cls.__new__(cls) if cls is not None else TextFallback(task)
    return _AGGREGATORS[task]


def summary(run: ScoreRun) -> dict[str, Any]:
    """The JSON summary: overall and broken-down scores per task (percentages), and the problems."""
    by_task: dict[str, list[Row]] = defaultdict(list)
    for row in run.rows:
        by_task[row.task].append(row)
    tasks: dict[str, Any] = {}
    for task in sorted(by_task):
        rows = by_task[task]
        groups: dict[str, dict[str, list[Row]]] = {"kind": defaultdict(list), "split": defaultdict(list), "holdout": defaultdict(list)}
        for row in rows:
            groups["kind"][row.kind].append(row)
            groups["split"][row.split].append(row)
            if row.held_out is not None:
                groups["holdout"]["held-out values" if row.held_out else "seen values"].append(row)
        scores = _rounded(_aggregate(task, rows))
        tasks[task] = {
            "samples": len(rows),
            "missing": run.missing.get(task, 0),
            "metrics": [m for m in run.metrics.get(task, ()) if m in scores],  # a QA task's program_match: rationales only
            "scores": scores,
            "metric_source": run.sources.get(task, ""),
            "by": {name: {value: {"samples": len(g), "scores": _rounded(_aggregate(task, g))} for value, g in sorted(group.items())}
                   for name, group in groups.items() if group},  # fmt: skip
        }
    p = run.predictions
    return {
        "dataset": run.dataset,
        "predictions": run.predictions_path,
        "splits": run.splits,
        "scored": sum(1 for r in run.rows if r.key),
        "lines": p.lines,
        "malformed": {"count": p.malformed, "examples": p.malformed_examples},
        "duplicates": {"count": p.duplicates, "examples": p.duplicate_examples},
        "unknown_keys": {"count": run.unknown_count, "examples": run.unknown},
        "missing": dict(sorted(run.missing.items())),
        "holdout": run.holdout,
        "chart_code_network_isolation": run.network or None,
        "seconds": round(run.seconds, 2),
        "tasks": tasks,
    }


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in scores.items()}


def text_table(data: dict[str, Any]) -> str:
    """The per-task table as aligned text, for the terminal."""
    lines = []
    for task, info in data["tasks"].items():
        cells = "  ".join(f"{m} {info['scores'].get(m, float('nan')):6.2f}" for m in info["metrics"])
        missing = f"  ({info['missing']} missing)" if info["missing"] else ""
        lines.append(f"{task:<20} n={info['samples']:<6} {cells}{missing}")
    return "\n".join(lines)


# --- the page -------------------------------------------------------------------------------------

PAGE = jinja2.Template(
    page_head('Scores: {{ name }}', 'pre{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:11px;white-space:pre-wrap;max-height:220px;overflow:auto;margin:0;max-width:460px}\n')
    + """
<body>
<h1>Scores: {{ name }}</h1>
<div class="muted">{{ s.scored }} predictions scored from <code>{{ s.predictions }}</code> against <code>{{ s.dataset }}</code>
(splits: {{ s.splits|join(', ') }}) in {{ s.seconds }} s. Scores are percentages.</div>
{% if problems %}<ul class="warn">{% for p in problems %}<li>{{ p }}</li>{% endfor %}</ul>{% endif %}

<h2>Per task</h2>
<table><tr><th>task</th><th>samples</th><th>missing</th><th>scores</th><th>metric</th></tr>
{% for task, info in s.tasks.items() %}<tr><td>{{ task }}</td><td class="num">{{ info.samples }}</td><td class="num">{{ info.missing }}</td>
<td>{% for m in info.metrics %}{{ m }} <b>{{ '%.2f'|format(info.scores[m]) }}</b>{% if not loop.last %} · {% endif %}{% endfor %}</td>
<td class="muted">{{ info.metric_source }}</td></tr>{% endfor %}
</table>
{% if s.holdout %}<p class="muted">Held-out values (recipe): {% for split, rules in s.holdout.items() %}{{ split }}: {% for r in rules %}source.{{ r.field }} in {{ r['values']|join(', ') }}{% if not loop.last %}; {% endif %}{% endfor %}{% endfor %}.</p>{% endif %}
{% if s.chart_code_network_isolation %}<p class="muted">chart_to_code scripts ran sandboxed (network isolation: {{ s.chart_code_network_isolation }}).</p>{% endif %}

{% for task, info in s.tasks.items() %}
<h2>{{ task }}</h2>
{% for name, groups in info.by.items() %}
<h3>by {{ name }}</h3>
<table><tr><th>{{ name }}</th><th>samples</th>{% for m in info.metrics %}<th>{{ m }}</th>{% endfor %}</tr>
{% for value, g in groups.items() %}<tr><td>{{ value }}</td><td class="num">{{ g.samples }}</td>{% for m in info.metrics %}<td class="num">{{ '%.2f'|format(g.scores[m]) }}</td>{% endfor %}</tr>{% endfor %}
</table>
{% endfor %}
{% if worst[task] %}<h3>lowest {{ info.metrics[0] }}</h3>
<table><tr><th>sample</th><th>image</th><th>target</th><th>prediction</th></tr>
{% for e in worst[task] %}<tr><td><code>{{ e.key }}</code><br>{{ e.kind }}<br>{{ info.metrics[0] }} {{ '%.1f'|format(100 * e.score) }}{% if e.note %}<br><span class="warn">{{ e.note }}</span>{% endif %}</td>
<td>{% if e.thumbnail %}<img alt="{{ e.key }}" src="{{ e.thumbnail }}">{% endif %}</td><td><pre>{{ e.target }}</pre></td><td><pre>{{ e.prediction }}</pre></td></tr>{% endfor %}
</table>{% endif %}
{% endfor %}
</body>
</html>
""",
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def problems(data: dict[str, Any]) -> list[str]:
    out = []
    if data["malformed"]["count"]:
        out.append(f"{data['malformed']['count']} malformed line(s) skipped: {'; '.join(data['malformed']['examples'])}")
    if data["duplicates"]["count"]:
        out.append(f"{data['duplicates']['count']} duplicate key(s), the first prediction of each counted: {', '.join(data['duplicates']['examples'])}")
    if data["unknown_keys"]["count"]:
        out.append(f"{data['unknown_keys']['count']} key(s) not in the scored dataset and splits: {', '.join(data['unknown_keys']['examples'])}")
    missing = sum(data["missing"].values())
    if missing:
        out.append(f"{missing} sample(s) of the scored splits have no prediction ({', '.join(f'{k}: {v}' for k, v in data['missing'].items())})")
    return out


def render_page(run: ScoreRun, data: dict[str, Any]) -> str:
    worst = {task: sorted(run.worst.get(task, []), key=lambda e: (e.score, e.key)) for task in data["tasks"]}
    return PAGE.render(name=run.manifest.get("name", "dataset"), s=data, problems=problems(data), worst=worst)


def cmd_score(args: argparse.Namespace) -> int:
    if not (args.timeout > 0 and math.isfinite(args.timeout)):
        raise FactoryError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    load_manifest(args.dataset)  # a folder that is no dataset says so first
    json_option = "--json" if args.json else "--json (by default --out's path with .json)"
    paths = check_outputs(
        {"--out": args.out, json_option: args.json or Path(args.out).with_suffix(".json"), "--per-sample": args.per_sample},
        inputs={"predictions file": args.predictions},
        read_only_folders={"dataset": args.dataset},
    )
    run = score_dataset(args.predictions, args.dataset, args.split, args.tasks, args.missing == "zero",
                        {"timeout": args.timeout, "browser": args.browser})  # fmt: skip
    data = summary(run)
    out, json_path = paths["--out"], paths[json_option]
    write_file(out, render_page(run, data), "score page")
    write_file(json_path, json.dumps(data, indent=2, ensure_ascii=False), "JSON summary")
    if args.per_sample:
        write_file(paths["--per-sample"], "".join(json.dumps({"key": r.key, "task": r.task, "kind": r.kind, "split": r.split,
                   "held_out": r.held_out, **{k: v for k, v in r.metrics.items() if not k.startswith("_")}}) + "\n" for r in run.rows if r.key),
                   "per-sample scores")  # fmt: skip
    print(text_table(data))
    for line in problems(data):
        print(f"warning: {line}")
    print(f"scored {data['scored']} predictions; page {out.resolve()}, summary {json_path.resolve()}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("score", help="score a model's predictions (JSONL of key, prediction) with each task's published metric")
    p.add_argument("predictions", help="JSONL file: one {\"key\": ..., \"prediction\": ...} object per line")
    p.add_argument("--dataset", required=True, help="dataset folder or URL")
    p.add_argument("--split", help="only these splits (comma-separated; default: every split that holds a predicted key)")
    p.add_argument("--tasks", help="only these tasks (comma-separated)")
    p.add_argument("--out", default="score.html", help="HTML page to write (default: score.html)")
    p.add_argument("--json", help="JSON summary to write (default: the page's path with .json)")
    p.add_argument("--per-sample", help="also write every sample's scores as JSONL here")
    p.add_argument("--missing", choices=["skip", "zero"], default="skip",
                   help="samples of a scored split without a prediction: left out of the means (skip, default) or scored 0")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds a predicted chart script may run (default 60)")
    p.add_argument("--browser", help="Chromium executable for screenshot_to_html (default: as generate finds one)")
    p.set_defaults(func=cmd_score)
