"""Every claim a lesson makes holds with our engine, over seeds 0..4.

Runs are cached across claims (lessons.claims.run_metrics), so the lab default and other
shared configurations train once per seed for the whole session.
"""

from dataclasses import replace

import numpy as np
import pytest

import mlp
from lessons.claims import check_claim, run_metrics
from lessons.loader import load_all, parse_lesson

LESSONS, _ = load_all()
CLAIMS = [(lesson, claim) for lesson in LESSONS for claim in lesson.claims]


@pytest.mark.parametrize(
    ("lesson", "claim"),
    CLAIMS,
    ids=[f"{lesson.name}:{i}" for lesson in LESSONS for i, _ in enumerate(lesson.claims, 1)],
)
def test_claim_holds_over_seeds_0_to_4(lesson, claim):
    assert claim.seeds == (0, 1, 2, 3, 4)
    result = check_claim(lesson, claim)
    failed = [r.seed for r in result.seeds if not r.holds]
    assert result.holds, (
        f"{lesson.name}: {claim.text!r} ({claim.expect.text}) holds on {result.passed} "
        f"seeds, needs {claim.required}; fails on seeds {failed}"
    )


def test_every_lesson_makes_at_least_one_claim():
    assert len(LESSONS) >= 12
    assert all(lesson.claims for lesson in LESSONS)


def test_metrics_agree_with_the_engine_run_directly():
    config = mlp.RunConfig(dataset="xor", epochs=400, seed=0)
    metrics = run_metrics(config)
    trainer = mlp.Trainer(config)
    trainer.train(400)
    assert metrics.accuracy == trainer.evaluate().accuracy
    assert metrics.loss == trainer.last_loss
    reached = trainer.history.epochs[trainer.history.accuracy == 1.0]
    assert reached.size and metrics.epochs_to_100 == reached[0] < 400
    assert metrics.origin_output == trainer.network.forward(np.zeros((1, 2)))[0, 0]


FALSE_CLAIM = """\
+++
title = "t"
summary = "s"
order = 1
[[claims]]
text = "The untrained lab network already classifies XOR."
epochs = 0
expect = "accuracy == 1.0"
[[claims]]
text = "Some seeds start right of chance."
epochs = 0
expect = "accuracy > 0.5"
min_seeds = 1
+++
## Step
"""


def test_a_false_claim_is_reported_as_failing(tmp_path):
    lesson = parse_lesson(FALSE_CLAIM, tmp_path / "false.md")
    wrong, some = lesson.claims
    result = check_claim(lesson, wrong)
    assert not result.holds and result.passed == 0
    # Untrained accuracy is 10/21 or 11/21 depending on the seed: min_seeds must count.
    above = sum(
        run_metrics(lesson.run_config({}, seed=s, epochs=0)).accuracy > 0.5 for s in range(5)
    )
    assert 1 <= above < 5
    assert check_claim(lesson, replace(some, min_seeds=above)).holds
    assert not check_claim(lesson, replace(some, min_seeds=above + 1)).holds
