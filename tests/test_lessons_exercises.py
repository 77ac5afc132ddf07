"""Exercises: the engine's answer to a step's question, and a typed answer judged."""

import math

import pytest

import mlp
from lessons.exercises import (
    REVEALED,
    RIGHT,
    UNREADABLE,
    WRONG,
    expected_answer,
    headless_answer,
    judge,
    live_answer,
    read_number,
)
from lessons.live import check_passes
from lessons.loader import LessonError, find, load, load_all

LESSONS, _ = load_all()
EXERCISES = [
    (lesson, index)
    for lesson in LESSONS
    for index, step in enumerate(lesson.steps)
    if step.exercise is not None
]


def exercise_of(name: str):
    lesson = find(name)
    index = next(i for i, step in enumerate(lesson.steps) if step.exercise is not None)
    return lesson, index, lesson.steps[index].exercise


def test_at_least_six_lessons_ask_the_learner_to_work_something_out():
    assert len({lesson.name for lesson, _ in EXERCISES}) >= 6


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("0.5", 0.5),
        (" -0.02 ", -0.02),
        ("−0.02", -0.02),
        ("7/21", 1 / 3),
        ("1e-3", 0.001),
        (".25", 0.25),
        ("33.3%", 0.333),
        ("inf", math.inf),
        ("0,5", 0.5),
        ("", None),
        ("half", None),
        ("1/0", None),
        ("1/2/3", None),
    ],
)
def test_typed_answers_are_read_as_numbers(typed, value):
    read = read_number(typed)
    assert read == pytest.approx(value) if value is not None else read is None


def test_a_percent_exercise_reads_a_bare_number_as_a_percentage():
    assert read_number("33.3", percent=True) == pytest.approx(0.333)
    assert read_number("33.3%", percent=True) == pytest.approx(0.333)


def test_right_then_wrong_with_the_hint_then_the_worked_answer():
    _, _, exercise = exercise_of("sigmoid")  # σ(0), tolerance 0.001
    assert judge(exercise, "0.5", 0.5).outcome == RIGHT
    assert judge(exercise, "0.5004", 0.5).right
    first = judge(exercise, "1", 0.5, wrong_before=0)
    assert first.outcome == WRONG and first.message == exercise.hint and first.counts_as_try
    second = judge(exercise, "0", 0.5, wrong_before=1)
    assert second.outcome == REVEALED and second.message == exercise.worked
    assert second.expected == 0.5
    unreadable = judge(exercise, "a half", 0.5, wrong_before=1)
    assert unreadable.outcome == UNREADABLE and not unreadable.counts_as_try


def test_a_percent_answer_within_its_tolerance_is_right():
    _, _, exercise = exercise_of("xor")  # 33.3%, tolerance one percentage point
    assert judge(exercise, "33.3", 7 / 21).right
    assert judge(exercise, "33%", 7 / 21).right
    assert not judge(exercise, "50", 7 / 21).right


def step_until_check(lesson, index) -> mlp.Trainer:
    """A fresh network of the step's settings, stepped until the step's check holds."""
    trainer = mlp.Trainer(lesson.step_config(index))
    step = lesson.steps[index]
    for _ in range(len(trainer.steps)):
        if check_passes(step, trainer):
            return trainer
        trainer.next_substep()
    raise AssertionError(f"{lesson.name} step {index + 1}: the check never held")


@pytest.mark.parametrize("sample", [1, 2, 7, 21])
def test_live_answers_agree_with_the_tape_once_the_step_is_done(sample):
    # ∂L/∂y of the selected sample, summed and mean loss: the tape's own dL/dy.
    for name in ("backward-pass", "sum-vs-mean"):
        lesson, index, exercise = exercise_of(name)
        trainer = step_until_check(lesson, index)
        tape_value = trainer.tape.values["dL/dy"][sample - 1, 0]
        assert live_answer(exercise, trainer, sample) == pytest.approx(tape_value, rel=1e-12)
    # y = σ(Z3): asked when Z3 is on screen, checked against the y the engine computes next.
    lesson, index, exercise = exercise_of("forward-pass")
    trainer = step_until_check(lesson, index - 1)
    predicted = live_answer(exercise, trainer, sample)
    trainer.next_substep()
    assert predicted == pytest.approx(trainer.tape.values["y"][sample - 1, 0], rel=1e-12)


def test_sigma_of_zero_reads_the_point_0_0_whatever_sample_is_selected():
    lesson, index, exercise = exercise_of("sigmoid")
    trainer = step_until_check(lesson, index)
    assert trainer.tape.values["X"][0].tolist() == [0.0, 0.0]
    assert live_answer(exercise, trainer, sample=5) == 0.5
    assert trainer.tape.values["Z1Act"][0, 0] == 0.5


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("xor", 7 / 21),  # the no-activation network's accuracy on XOR
        ("no-activation", 11 / 21),  # always answering 0
        ("learning-rates", 0.05),  # which lr reaches 100% first
        ("relu", 0.5),  # the output at (0, 0) after training
    ],
)
def test_run_answers_come_from_the_engine(name, expected):
    lesson, index, exercise = exercise_of(name)
    assert exercise.from_runs
    assert headless_answer(lesson, index) == pytest.approx(expected, abs=1e-9)
    trainer = mlp.Trainer(lesson.step_config(index).replace(seed=3))
    assert expected_answer(lesson, index, trainer) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("lesson", "index"), EXERCISES, ids=[f"{l.name}:{i + 1}" for l, i in EXERCISES]
)
def test_every_shipped_exercise_has_a_finite_answer_and_accepts_it(lesson, index):
    exercise = lesson.steps[index].exercise
    value = headless_answer(lesson, index)
    assert math.isfinite(value)
    typed = f"{value * 100}%" if exercise.percent else repr(value)
    assert judge(exercise, typed, value).right


EXERCISE = """\
+++
title = "t"
summary = "s"
order = 1
+++
## Step
```toml
check = 'substep == "y"'

[exercise]
prompt = "What is y?"
answer = "sample_y"
tolerance = 0.01
hint = "Look at Z3."
worked = "y = σ(Z3)."
```
"""


def test_an_exercise_is_parsed_from_the_steps_block(tmp_path):
    path = tmp_path / "ex.md"
    path.write_text(EXERCISE, encoding="utf-8")
    exercise = load(path).steps[0].exercise
    assert exercise.prompt == "What is y?" and exercise.answer.text == "sample_y"
    assert exercise.tolerance == 0.01 and exercise.line == 10 and not exercise.from_runs


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        ('hint = "Look at Z3."\n', "", 10, "needs a 'hint'"),
        ("tolerance = 0.01", "tolerance = -1", 13, "tolerance must be a number >= 0"),
        ("tolerance = 0.01\n", "", 10, "needs a 'tolerance'"),
        ('answer = "sample_y"', 'answer = "sample_why"', 12, "unknown name.*sample_why"),
        ('answer = "sample_y"', 'answer = "accuracy"\nsample = 2\nepochs = 10', 13, "for live"),
        ('answer = "sample_y"', 'answer = "epochs_to_100"\nepochs = -1', 13, "epochs must be"),
        ('prompt = "What is y?"', 'prompt = "What is y?"\ncolour = "red"', 12, "unknown key"),
        ('answer = "sample_y"', 'answer = "' + "not " * 200 + 'x"', 12, "characters long"),
    ],
)
def test_a_malformed_exercise_names_file_line_and_problem(tmp_path, old, new, line, problem):
    assert old in EXERCISE
    path = tmp_path / "ex.md"
    path.write_text(EXERCISE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(LessonError, match=problem) as caught:
        load(path)
    assert str(caught.value).startswith(f"ex.md:{line}: ")
