"""Chart tasks: one chart, three targets (table, code, QA); the task picks which one is `txt`.

Every chart sample carries all three in `json`, whatever its primary task, so a dataset's samples
never differ in shape and any chart can be re-targeted later without re-rendering.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from factory.engine_code import chart_code, code_prompt
from factory.components import Options, Render, Targets, Task
from factory.tasks.chart_qa import make_qa
from factory.tasks.deplot import bare_number, linearize, linearize_published

DEPLOT_PROMPT = "Generate underlying data table of the figure below:"
CODE_PROMPT = "Write the Python Matplotlib code that draws this chart."


class ChartTaskOptions(Options):
    questions: int = Field(5, ge=1, le=30, description="QA pairs kept in json for every chart")


def chart_secondary(spec: Any, rng: np.random.Generator, questions: int) -> dict[str, Any]:
    return {
        "table": linearize(spec.table),
        "code": chart_code(spec),
        "qa": make_qa(spec.table, rng, questions),
    }


class _ChartTask(Task):
    generator = "charts"
    options_model = ChartTaskOptions

    def secondary(self, source: Any, rng: np.random.Generator) -> dict[str, Any]:
        return chart_secondary(source, rng, self.options.questions)


class ChartToTable(_ChartTask):
    """DePlot: chart image -> linearized data table."""

    name = "chart_to_table"
    profiles = ("native", "deplot")

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        extra = self.secondary(source, rng)
        if self.profile == "deplot":  # json keeps the native table beside it
            return Targets(linearize_published(source.table), DEPLOT_PROMPT, extra)
        return Targets(extra["table"], DEPLOT_PROMPT, extra)


class ChartToCode(_ChartTask):
    """Chart image -> a Matplotlib script that redraws it pixel for pixel."""

    name = "chart_to_code"

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        extra = self.secondary(source, rng)
        return Targets(extra["code"], code_prompt(source), extra)


class ChartQA(_ChartTask):
    """Chart question answering: the prompt is the first question, `txt` its answer."""

    name = "chart_qa"
    profiles = ("native", "chartqa")

    def targets(self, source: Any, render: Render, rng: np.random.Generator) -> Targets:
        extra = self.secondary(source, rng)
        if not extra["qa"]:
            from factory.errors import Dropped

            raise Dropped("no_question", "no QA template fits this table")
        first = extra["qa"][0]
        if self.profile == "chartqa":  # bare numbers, as ChartQA's answers are; json keeps the native ones
            return Targets(bare_number(first["answer"]), first["question"], extra)
        return Targets(first["answer"], first["question"], extra)
