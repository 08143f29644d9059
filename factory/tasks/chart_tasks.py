"""Chart tasks: one chart, three targets (table, code, QA); the task picks which one is `txt`.

Every chart sample carries all three in `json`, whatever its primary task, so a dataset's samples
never differ in shape and any chart can be re-targeted later without re-rendering.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from factory.components import Options, Render, Targets, Task
from factory.chart_code.targets import chart_code, code_prompt
from factory.tasks.chart_qa import chart_view, make_qa
from factory.tasks.chart_questions import chart_facts, drawn_view, make_questions
from factory.tasks.deplot import bare_number, clean, linearize, linearize_published

DEPLOT_PROMPT = "Generate underlying data table of the figure below:"
CODE_PROMPT = "Write the Python Matplotlib code that draws this chart."


class ChartTaskOptions(Options):
    questions: int = Field(5, ge=1, le=30, description="QA pairs kept in json for every chart")
    headers: Literal["deplot", "visible"] = Field(
        "deplot",
        description="DePlot table header cells: 'deplot' writes every column's name and unit as DePlot does "
        "(a header cell may name what the chart does not draw); 'visible' writes only what the image shows "
        "(an undrawn name or unit is left out, an undrawn cell left empty)",
    )
    qa: Literal["programs", "templates"] = Field(
        "programs",
        description="QA kinds: 'programs' asks compositional, visual (colour, position, legend) and counting questions "
        "in many phrasings, each stored with its program; 'templates' the ten one-step templates of earlier versions",
    )
    rationale: bool = Field(
        False,
        description="with qa 'programs': every QA pair gets a rationale (the program as a short expression, the values "
        "it read, each step's result), and chart_qa's target becomes that rationale ending in the answer",
    )


def _drawn_texts(elements: dict[str, Any]) -> list[str]:
    out = []
    for key, entries in elements.items():
        if key in ("plot_area", "legends"):
            continue
        out += [" ".join(str(e.get("text", "")).split()) for e in entries if isinstance(e, dict)]
    return out


def _unit_split(name: str) -> tuple[str, str]:
    head = name.strip()
    if head.endswith(")") and "(" in head:
        return head[: head.rfind("(")].strip(), head[head.rfind("(") + 1 : -1].strip()
    return head, ""


def table_header(spec: Any, elements: dict[str, Any], mode: str = "deplot") -> list[str]:
    """The DePlot header cells for the drawn chart (see ChartTaskOptions.headers).

    Both modes carry the unit the value axis shows when neither the headers nor the title hold
    it (series named for countries, "USD bn" on the axis): the target then says what the image says.
    """
    names = [clean(c.name) for c in spec.table.columns]
    drawn = _drawn_texts(elements)
    seen = " | ".join(drawn)
    value_title = next((e["text"] for e in elements.get("x_label" if spec.chart_type == "barh" else "y_label", ())), "")
    unit = " ".join(str(value_title).split())
    series = spec.table.series
    if unit and len(series) > 1 and not any(unit in n for n in names) and unit not in clean(spec.table.title):
        if not all(c.percent for c in series):
            names = [names[0]] + [f"{n} ({unit})" for n in names[1:]]
    if mode == "deplot":
        return names
    out = []
    for name in names:
        if name in drawn or (name and name in seen and spec.chart_type not in ("pie", "donut")):
            out.append(name)
            continue
        head, unit_text = _unit_split(name)
        if head and head in drawn and unit_text and unit_text in seen:
            out.append(name)
        elif head and head in drawn:
            out.append(head)
        else:
            out.append("")
    return out


def _answers_in_digits(pairs: list[dict[str, Any]], digits: str) -> list[dict[str, Any]]:
    """Questions and answers in the chart's native digits, as its value labels and ticks print
    numbers (a threshold, 'the top 3'); its labels are in them already. Program answers and their
    rationales come in them from `execute` (the env's digits); the template answers do not.
    Western digits: unchanged."""
    if digits == "latn":
        return pairs
    from factory.generators.locales import to_digits

    return [{**pair, "question": to_digits(str(pair["question"]), digits), "answer": to_digits(str(pair["answer"]), digits)}
            for pair in pairs]  # fmt: skip


def chart_secondary(spec: Any, rng: np.random.Generator, questions: int, elements: dict[str, Any] | None = None,
                    headers: str = "deplot", qa: str = "templates", rationale: bool = False) -> dict[str, Any]:
    """Table, code and QA of a drawn chart; `elements` are the renderer's drawn texts and boxes."""
    elements = elements or {}
    # only the value labels the engine drew count as printed (it may leave out some the style asks for)
    view = drawn_view(chart_view(spec, elements), spec.table, elements) if elements else None
    if qa == "programs":
        facts = chart_facts(spec.chart_type, spec.style, spec.table, elements, spec.engine)
        pairs = make_questions(spec.table, rng, questions, view, facts, rationale)
    else:
        pairs = make_qa(spec.table, rng, questions, view)
    pairs = _answers_in_digits(pairs, next((c.digits for c in spec.table.series if c.digits != "latn"), "latn"))
    return {
        "table": linearize(spec.table, table_header(spec, elements, headers) if elements else None),
        "code": chart_code(spec),
        "qa": pairs,
    }


class _ChartTask(Task):
    generator = "charts"
    options_model = ChartTaskOptions

    def secondary(self, source: Any, rng: np.random.Generator, render: Render) -> dict[str, Any]:
        elements = render.facts.get("elements") or {}
        o = self.options
        return chart_secondary(source, rng, o.questions, elements, o.headers, o.qa, o.rationale)


class ChartToTable(_ChartTask):
    """DePlot: chart image -> linearized data table."""

    name = "chart_to_table"
    profiles = ("native", "deplot")

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        extra = self.secondary(source, rng, render)
        if self.profile == "deplot":  # json keeps the native table beside it
            elements = render.facts.get("elements") or {}
            header = table_header(source, elements, self.options.headers) if elements else None
            return Targets(linearize_published(source.table, header), DEPLOT_PROMPT, extra)
        return Targets(extra["table"], DEPLOT_PROMPT, extra)


class ChartToCode(_ChartTask):
    """Chart image -> a Matplotlib script that redraws it pixel for pixel."""

    name = "chart_to_code"

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        extra = self.secondary(source, rng, render)
        return Targets(extra["code"], code_prompt(source), extra)


class ChartQA(_ChartTask):
    """Chart question answering: the prompt is the first question, `txt` its answer."""

    name = "chart_qa"
    profiles = ("native", "chartqa")

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        extra = self.secondary(source, rng, render)
        if not extra["qa"]:
            from factory.errors import Dropped

            raise Dropped("no_question", "no QA template fits this table")
        first = extra["qa"][0]
        if self.options.rationale and "rationale" in first:
            return Targets(first["rationale"], first["question"], extra)
        if self.profile == "chartqa":  # bare numbers, as ChartQA's answers are; json keeps the native ones
            return Targets(bare_number(first["answer"]), first["question"], extra)
        return Targets(first["answer"], first["question"], extra)
