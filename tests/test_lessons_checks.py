"""The check language: what lessons may say, and what they may not."""

import math

import pytest

from lessons.checks import CheckError, parse

ENV = {"substep": "dL/dZ2", "epoch": 600, "accuracy": 1.0, "diverged": False, "loss": 0.02}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('substep == "dL/dZ2"', True),
        ('substep == "dL/dZ3"', False),
        ("epoch >= 500", True),
        ("epoch >= 500 and accuracy == 1.0", True),
        ("diverged", False),
        ("not diverged", True),
        ("diverged or epoch > 599", True),
        ("0.01 < loss < 0.03", True),
        ("loss * 100 < 3 and abs(loss - 0.02) < 1e-12", True),
        ("max(epoch, 1000) == 1000", True),
        ("epoch < inf", True),
    ],
)
def test_expressions_evaluate_like_python_would(text, expected):
    assert parse(text, ENV).evaluate(ENV) is expected


def test_named_runs_are_read_by_attribute():
    env = {"gd": {"epochs_to_100": 400}, "momentum": {"epochs_to_100": math.inf}}
    expression = parse("momentum.epochs_to_100 < gd.epochs_to_100", env)
    assert expression.names == {"gd", "momentum"}
    assert expression.evaluate(env) is False


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "open('x')",
        "epoch.__class__",
        "[epoch]",
        "epoch if diverged else 0",
        "lambda: 1",
        "epoch in (1, 2)",
        "epoch ** 2 > 1",
        "substep[0] == 'd'",
        "",
        "epoch >=",
    ],
)
def test_anything_but_the_whitelist_is_refused(text):
    with pytest.raises(CheckError):
        parse(text, ENV)


def test_unknown_names_are_named_in_the_error():
    with pytest.raises(CheckError, match="acuracy"):
        parse("acuracy == 1.0", ENV)


def test_a_name_missing_at_evaluation_time_is_a_check_error():
    with pytest.raises(CheckError, match="epoch"):
        parse("epoch > 1").evaluate({})
