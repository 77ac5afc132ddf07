"""Exercises: the engine's answer to a step's question, and a learner's typed answer judged.

Everything here is plain data in, plain data out, so the app (a text box beside the step)
and the headless report share it: :func:`expected_answer` computes the number, and
:func:`judge` says right, wrong with the hint, or (after a second wrong answer) wrong with
the worked answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mlp import Trainer

from .claims import Run, result_of, train
from .live import check_values
from .model import Exercise, Lesson

RIGHT, WRONG, REVEALED, UNREADABLE = "right", "wrong", "revealed", "unreadable"
TRIES_BEFORE_WORKED = 2  # wrong answers before the worked answer is shown


@dataclass(frozen=True)
class Verdict:
    """What to tell the learner about one typed answer.

    ``outcome`` is RIGHT, WRONG (show ``message``, the hint), REVEALED (wrong again: show
    ``message``, the worked answer, and ``expected``) or UNREADABLE (not a number: show
    ``message``; it does not count as a try).
    """

    outcome: str
    message: str
    expected: float
    typed: float | None = None

    @property
    def right(self) -> bool:
        return self.outcome == RIGHT

    @property
    def counts_as_try(self) -> bool:
        return self.outcome in (WRONG, REVEALED)


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def read_number(typed: str, percent: bool = False) -> float | None:
    """A typed answer as a number, or None: ``0.25``, ``-0.02``, ``−0.02``, ``7/21``, ``1e-3``,
    ``33.3%`` (always a percentage), ``inf``. With ``percent`` a bare number is a percentage
    too: ``33.3`` means 0.333."""
    text = typed.strip().replace("−", "-").replace(" ", "").replace(",", ".")
    is_percent = percent or text.endswith("%")
    text = text.removesuffix("%")
    if text.lower() in ("inf", "+inf", "infinity", "∞", "never"):
        return math.inf
    if text.lower() in ("-inf", "-infinity", "-∞"):
        return -math.inf
    parts = text.split("/")
    if len(parts) > 2 or not all(_NUMBER.match(p) for p in parts):
        return None
    value = float(parts[0])
    if len(parts) == 2:
        denominator = float(parts[1])
        if denominator == 0:
            return None
        value /= denominator
    return value / 100 if is_percent else value


def judge(exercise: Exercise, typed: str, expected: float, wrong_before: int = 0) -> Verdict:
    """Judge ``typed`` against the engine's ``expected`` answer; ``wrong_before`` counts the
    learner's earlier wrong answers to this exercise."""
    value = read_number(typed, exercise.percent)
    if value is None:
        example = "33.3" if exercise.percent else "0.25"
        return Verdict(UNREADABLE, f"Type a number, e.g. {example}.", expected)
    if _close(value, expected, exercise.tolerance):
        return Verdict(RIGHT, "Right.", expected, value)
    if wrong_before + 1 >= TRIES_BEFORE_WORKED:
        return Verdict(REVEALED, exercise.worked, expected, value)
    return Verdict(WRONG, exercise.hint, expected, value)


def _close(value: float, expected: float, tolerance: float) -> bool:
    if math.isnan(expected):
        return False
    if math.isinf(expected) or math.isinf(value):
        return value == expected
    # A hair of relative slack so that a tolerance of 0 accepts 0.005 typed for 0.005.
    return abs(value - expected) <= tolerance + 1e-12 * max(abs(expected), 1.0)


# -- the engine's answer -----------------------------------------------------------------------


def live_answer(exercise: Exercise, trainer: Trainer, sample: int | None = None) -> float:
    """A live exercise's answer on ``trainer`` now; ``sample`` is the selected one (1-based),
    unless the exercise fixes its own."""
    values = check_values(trainer, exercise.sample or sample)
    return float(exercise.answer.value(values))


def exercise_runs(lesson: Lesson, index: int, exercise: Exercise, seed: int) -> dict[str, Run]:
    """The runs a run exercise of step ``index`` reads, by name ("" for one run)."""
    assert exercise.runs is not None and exercise.epochs is not None
    return {
        name: Run(lesson.exercise_config(index, changes, seed=seed, epochs=exercise.epochs))
        for name, changes in exercise.runs.items()
    }


def run_answer(lesson: Lesson, index: int, exercise: Exercise, seed: int) -> float:
    """A run exercise's answer: its runs trained (stacked, cached) on ``seed``."""
    runs = exercise_runs(lesson, index, exercise, seed)
    train(runs.values())
    metrics = {name: result_of(run)[0].as_dict() for name, run in runs.items()}
    env = metrics[""] if list(metrics) == [""] else metrics
    return float(exercise.answer.value(env))


def expected_answer(
    lesson: Lesson, index: int, trainer: Trainer, sample: int | None = None
) -> float:
    """The engine's answer to step ``index``'s exercise for this learner: read from their
    live ``trainer`` (and selected ``sample``), or from runs on their seed. May train for a
    while for a run exercise: call it off the UI thread."""
    exercise = lesson.steps[index].exercise
    if exercise is None:
        raise ValueError(f"step {index + 1} of {lesson.name} has no exercise")
    if exercise.from_runs:
        return run_answer(lesson, index, exercise, trainer.config.seed)
    return live_answer(exercise, trainer, sample)


def headless_answer(lesson: Lesson, index: int) -> float:
    """The answer as the headless report shows it: a live answer on the step's fresh network
    after one forward and one backward pass; a run answer on the lesson's seed."""
    trainer = Trainer(lesson.step_config(index))
    exercise = lesson.steps[index].exercise
    if exercise is not None and not exercise.from_runs:
        trainer.backward_pass()
    return expected_answer(lesson, index, trainer)
