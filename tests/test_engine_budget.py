"""Sizes are refused before they are allocated: the estimate is an honest bound of what a run
allocates, and a run over the limit is one sentence naming the size and the limit."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from mlp import ConfigError, RunConfig, Trainer, budget
from mlp.evaluate import decision_grid

MEASURED = [
    RunConfig(dataset="linear", n=500, hidden=(300, 200), optimizer="adam", batch_size=64),
    RunConfig(dataset="linear", n=2000, hidden=(64, 64, 64), optimizer="momentum"),
    RunConfig(hidden=(1000,), activations=("relu", "sigmoid")),
    RunConfig(dataset="spiral", n=3000, hidden=(16,) * 10, batch_size=7, bias=True),
]


@pytest.mark.parametrize("config", MEASURED, ids=lambda c: "-".join(map(str, c.sizes)))
def test_the_estimate_bounds_what_a_run_really_allocates(config) -> None:
    estimate = budget.estimate(config)
    bound = estimate.total - estimate.parts["the undo stack"]  # nothing is stepped here
    tracemalloc.start()  # numpy reports its arrays to tracemalloc
    try:
        trainer = Trainer(config)
        trainer.train(2)
        trainer.evaluate()
        decision_grid(trainer.network, 100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= bound, (budget.size_text(peak), budget.size_text(bound))
    assert bound <= 3 * peak  # a bound, not a wild guess that refuses sensible runs


@pytest.mark.parametrize(
    "config",
    [
        RunConfig(hidden=(100_000, 100_000)),  # 74.5 GiB of W2 alone
        RunConfig(hidden=(100_000, 10_000)),  # the settings screen's crash
        RunConfig(dataset="linear", n=10_000_000),  # about 24 GB of tape
    ],
    ids=["wide", "settings", "many-points"],
)
def test_too_big_is_refused_in_one_sentence_before_allocating(config) -> None:
    with budget.limited(8 * 2**30):
        started = time.perf_counter()
        with pytest.raises(ConfigError) as refused:
            Trainer(config)
    assert time.perf_counter() - started < 1.0  # refused, not attempted
    message = str(refused.value)
    assert "\n" not in message
    assert "GiB of memory" in message and "more than the limit of 8.0 GiB (as set)" in message


def test_the_default_limit_is_a_share_of_this_machine() -> None:
    assert budget.limit() == int(budget.physical_memory() * budget.DEFAULT_SHARE)
    with budget.limited(1234):
        assert budget.limit() == 1234
    assert budget.limit() == int(budget.physical_memory() * budget.DEFAULT_SHARE)


def test_a_run_that_fits_is_left_alone() -> None:
    with budget.limited(256 * 2**20):
        Trainer(RunConfig(hidden=(32, 32))).train(3)
        with pytest.raises(ConfigError, match="more than the limit of 256.0 MiB"):
            Trainer(RunConfig(hidden=(4000, 4000)))


def test_depth_is_capped_with_a_reason() -> None:
    too_deep = RunConfig(hidden=(4,) * (budget.MAX_HIDDEN_LAYERS + 1))
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=f"at most {budget.MAX_HIDDEN_LAYERS}"):
        Trainer(too_deep)
    assert time.perf_counter() - started < 0.5


def test_a_wide_networks_accuracy_and_grid_are_evaluated_in_chunks() -> None:
    """hidden 100000 needs ~100 MiB to train; its 100x100 decision grid would need 16 GB
    unchunked, so evaluation memory must not grow with rows × width."""
    config = RunConfig(hidden=(8_000,))
    trainer = Trainer(config)
    tracemalloc.start()
    try:
        decision_grid(trainer.network, 100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * budget.FORWARD_CHUNK_VALUES * budget.FLOAT + 2**20  # ~64 MiB, not 1.3 GB


def test_the_undo_bound_is_the_engines() -> None:
    from mlp.state import UNDO_BUDGET

    assert budget.UNDO_BYTES == UNDO_BUDGET
