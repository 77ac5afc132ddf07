"""Check every lesson in the lesson folders, for ``backprop-lab lessons --check`` (a
teacher's CI): each file loads, each step's check and each exercise's answer can be computed
on the engine, and each claim holds over the seeds. Plain data; the command prints it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlp import ConfigError, DatasetError, Trainer

from .checks import CheckError
from .claims import ClaimResult, check_claims, claim_runs, train
from .exercises import exercise_runs, headless_answer
from .live import check_values
from .loader import LessonError, load_all
from .model import Lesson

JSON_SCHEMA = "backprop-lab/lessons-check/1"


@dataclass(frozen=True)
class ExerciseAnswer:
    step: int  # 1-based
    prompt: str
    value: float | None
    error: str = ""


@dataclass(frozen=True)
class LessonReport:
    lesson: Lesson
    claims: list[ClaimResult]
    exercises: list[ExerciseAnswer]
    problems: list[str] = field(default_factory=list)  # steps whose check cannot be computed

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and all(result.holds for result in self.claims)
            and all(not answer.error for answer in self.exercises)
        )


@dataclass(frozen=True)
class CheckReport:
    seeds: tuple[int, ...] | None  # None: each claim's own seeds
    lessons: list[LessonReport]
    errors: list[LessonError]  # files that do not load

    @property
    def ok(self) -> bool:
        return not self.errors and all(report.ok for report in self.lessons)


def check_all(
    directories: Sequence[Path] | None = None,
    seeds: Sequence[int] | None = None,
    on_lesson: Callable[[Lesson], None] | None = None,
) -> CheckReport:
    """Load every lesson in ``directories`` (default: lessons.loader.lesson_dirs) and check
    it; ``on_lesson`` is called as each lesson starts, for progress."""
    lessons, errors = load_all(directories)
    reports = []
    for lesson in lessons:
        if on_lesson:
            on_lesson(lesson)
        reports.append(check_lesson(lesson, seeds))
    return CheckReport(None if seeds is None else tuple(seeds), reports, errors)


def check_lesson(lesson: Lesson, seeds: Sequence[int] | None = None) -> LessonReport:
    problems = _step_problems(lesson)
    runs = [r for c in lesson.claims for r in claim_runs(lesson, c, seeds or c.seeds).values()]
    for index, step in enumerate(lesson.steps):
        if step.exercise is not None and step.exercise.from_runs:
            runs += exercise_runs(lesson, index, step.exercise, lesson.config.seed).values()
    try:
        train(runs)
        claims = check_claims(lesson, seeds=seeds)
    except (ConfigError, DatasetError) as exc:
        return LessonReport(lesson, [], [], problems + [f"its runs cannot be trained: {exc}"])
    return LessonReport(lesson, claims, _answers(lesson), problems)


def _step_problems(lesson: Lesson) -> list[str]:
    """Each step's check, evaluated once on the step's fresh network: a check that compares
    text with a number, say, is found here and not by a learner."""
    problems = []
    for number, step in enumerate(lesson.steps, start=1):
        if step.check is None:
            continue
        try:
            trainer = Trainer(lesson.step_config(number - 1))
            trainer.backward_pass()
            step.check.evaluate(check_values(trainer))
        except (CheckError, ConfigError, DatasetError) as exc:
            problems.append(f"{lesson.path.name}:{step.line}: step {number}'s check: {exc}")
    return problems


def _answers(lesson: Lesson) -> list[ExerciseAnswer]:
    answers = []
    for index, step in enumerate(lesson.steps):
        exercise = step.exercise
        if exercise is None:
            continue
        try:
            value = headless_answer(lesson, index)
            error = "" if not math.isnan(value) else "the answer is not a number (NaN)"
        except (CheckError, ConfigError, DatasetError, TypeError) as exc:
            value, error = None, str(exc)
        answers.append(ExerciseAnswer(index + 1, exercise.prompt, value, error))
    return answers


def _number(value: float | None) -> float | None:
    """JSON has no inf or NaN: those become null."""
    return value if value is not None and math.isfinite(value) else None


def as_json(report: CheckReport) -> dict[str, Any]:
    """The report as one JSON document (``"schema": JSON_SCHEMA``)."""
    return {
        "schema": JSON_SCHEMA,
        "ok": report.ok,
        "seeds": None if report.seeds is None else list(report.seeds),
        "lessons": [
            {
                "name": r.lesson.name,
                "path": str(r.lesson.path),
                "ok": r.ok,
                "problems": r.problems,
                "claims": [
                    {
                        "line": c.claim.line,
                        "text": c.claim.text,
                        "expect": c.claim.expect.text,
                        "holds": c.holds,
                        "passed": c.passed,
                        "seeds": [s.seed for s in c.seeds],
                        "failed_seeds": [s.seed for s in c.seeds if not s.holds],
                        "needs": {"at_least": c.bounds[0], "at_most": c.bounds[1]},
                    }
                    for c in r.claims
                ],
                "exercises": [
                    {
                        "step": a.step,
                        "prompt": a.prompt,
                        "answer": _number(a.value),
                        "error": a.error,
                    }
                    for a in r.exercises
                ],
            }
            for r in report.lessons
        ],
        "errors": [
            {"path": str(e.path), "line": e.line, "problem": e.problem} for e in report.errors
        ],
    }
