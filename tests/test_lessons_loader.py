"""Lesson files: the shipped ones load; broken ones say file, line and problem."""

import textwrap
from pathlib import Path

import pytest

from lessons.loader import LESSON_DIR, LessonError, find, load, load_all
from mlp import RunConfig

GOOD = """\
+++
title = "A lesson"
summary = "One line."
order = 3

[config]
dataset = "linear"
lr = 0.5

[[claims]]
text = "It learns."
config = { hidden = [8, 8] }
epochs = 100
expect = "accuracy > 0.5"
+++
Intro prose.

## First step
```toml
action = "Take one sub-step."
check = 'substep == "Z1"'
config = { lr = 0.1 }
```
Body of the first step.

## Second step
Only prose here.
"""


def write(tmp_path: Path, text: str, name: str = "lesson.md") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_lessons_all_load_in_order():
    lessons, errors = load_all()
    assert errors == []
    assert len(lessons) >= 12
    orders = [lesson.order for lesson in lessons]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    for lesson in lessons:
        assert lesson.title and lesson.summary and lesson.steps and lesson.claims
        assert lesson.path.parent == LESSON_DIR


def test_shipped_lessons_guide_the_learner_with_checks():
    lessons, _ = load_all()
    checks = [step.check for lesson in lessons for step in lesson.steps if step.check]
    assert len(checks) > 20


def test_a_good_file_parses_into_config_steps_and_claims(tmp_path):
    lesson = load(write(tmp_path, GOOD))
    assert lesson.name == "lesson"
    assert lesson.config == RunConfig(dataset="linear", lr=0.5)
    assert lesson.intro == "Intro prose."
    first, second = lesson.steps
    assert (first.title, first.action, first.config) == (
        "First step",
        "Take one sub-step.",
        {"lr": 0.1},
    )
    assert first.check.evaluate({"substep": "Z1"}) is True
    assert first.body == "Body of the first step."
    assert first.line == 18
    assert second.check is None and second.body == "Only prose here."
    (claim,) = lesson.claims
    assert claim.single and claim.runs == {"": {"hidden": [8, 8]}}
    assert claim.epochs == 100 and claim.seeds == (0, 1, 2, 3, 4) and claim.required == 5
    assert lesson.run_config(claim.runs[""], seed=2, epochs=100).hidden == (8, 8)


def test_lessons_are_found_by_name_or_order_number(tmp_path):
    write(tmp_path, GOOD, "first.md")
    assert find("first", tmp_path).name == "first"
    assert find("3", tmp_path).name == "first"
    with pytest.raises(LessonError, match="no lesson 'nope'.*first"):
        find("nope", tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        ("+++\ntitle", "title", 1, "must start with a '\\+\\+\\+' line"),
        ('dataset = "linear"', 'datset = "linear"', 7, "unknown config key 'datset'"),
        ("lr = 0.5", "lr = -1.0", 8, "bad config: the learning rate must be a positive"),
        ("order = 3", 'order = "three"', 4, "'order' must be an integer"),
        ('title = "A lesson"\n', "", 1, "no 'title'"),
        (
            "check = 'substep == \"Z1\"'",
            "check = 'substep === \"Z1\"'",
            21,
            "bad check of step 'First step'.*not a valid expression",
        ),
        ("check = 'substep", "check = 'subsetp", 21, "unknown name.*subsetp"),
        ('expect = "accuracy > 0.5"', 'expect = "accuracy > open(1)"', 14, "bad claim 1 expect"),
        ("epochs = 100", "epochs = [100]", 13, "'epochs' must be an integer"),
        ("config = { hidden = [8, 8] }", "config = { hiden = [8] }", 12, "unknown claim 1 config"),
        ("config = { lr = 0.1 }", "config = { lr = 'fast' }", 22, "config of step 'First step'"),
        ('summary = "One line."', 'summary = "One line.', 3, "invalid TOML"),
        ("action = ", "acton = ", 20, "unknown key 'acton'"),
    ],
)
def test_malformed_files_name_file_line_and_problem(tmp_path, old, new, line, problem):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(LessonError, match=problem) as caught:
        load(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"lesson.md:{line}: ")


def test_unclosed_front_matter_is_reported(tmp_path):
    path = write(tmp_path, "+++\ntitle = 'x'\n## Step\n")
    with pytest.raises(LessonError, match="never closed"):
        load(path)


def test_named_runs_must_be_read_through_a_metric(tmp_path):
    text = GOOD.replace(
        'config = { hidden = [8, 8] }\nepochs = 100\nexpect = "accuracy > 0.5"',
        'runs = { a = {}, b = { lr = 0.1 } }\nexpect = "a.accuracy > b"',
    )
    with pytest.raises(LessonError, match=r"write b\.METRIC"):
        load(write(tmp_path, text))
    with pytest.raises(LessonError, match="unknown metric 'acc'"):
        load(write(tmp_path, text.replace("a.accuracy > b", "a.acc > b.accuracy")))


def test_one_broken_lesson_does_not_stop_the_others(tmp_path):
    write(tmp_path, GOOD, "good.md")
    write(tmp_path, GOOD.replace("order = 3", "order = 'x'"), "bad.md")
    lessons, errors = load_all(tmp_path)
    assert [lesson.name for lesson in lessons] == ["good"]
    assert len(errors) == 1 and str(errors[0]).startswith("bad.md:4: ")
