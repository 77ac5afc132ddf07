"""Runs trained side by side as one stacked computation end where separate runs end."""

from __future__ import annotations

import numpy as np
import pytest

from mlp import RunConfig, Trainer
from mlp.batched import can_stack, group, train_many
from mlp.history import History

EPOCHS = 400


def separately(config: RunConfig, epochs: int) -> tuple[Trainer, int | None]:
    """The reference: one Trainer, epoch by epoch, with its weights evaluated after each
    (k = 0 the initial weights) to find the first epoch at 100% by brute force."""
    trainer = Trainer(config)
    first = 0 if trainer.evaluate().accuracy == 1.0 else None
    for _ in range(epochs):
        if trainer.train(1).diverged:
            if first is None and trainer.evaluate().accuracy == 1.0:
                first = trainer.epoch  # the weights the run stopped with
            break
        if first is None and trainer.evaluate().accuracy == 1.0:
            first = trainer.epoch
    return trainer, first


CASES = {
    "learning rates": [RunConfig(lr=lr) for lr in (0.5, 0.05, 0.005)],
    "momentums": [RunConfig(optimizer="momentum", momentum=m) for m in (0.0, 0.5, 0.9)],
    "seeds, biases, mean loss": [
        RunConfig(dataset="linear", n=30, seed=s, bias=True, loss="mse", lr=0.5) for s in (0, 1, 2)
    ],
    "one diverges": [RunConfig(activations=("none",), lr=lr) for lr in (50.0, 1e-4)],
    "adam, cross-entropy": [RunConfig(optimizer="adam", lr=lr, loss="bce") for lr in (0.01, 0.001)],
    "nesterov, mixed activations": [
        RunConfig(optimizer="nesterov", lr=lr, activations=("relu", "tanh", "sigmoid"))
        for lr in (0.01, 0.001)
    ],
}


@pytest.mark.parametrize("configs", CASES.values(), ids=CASES.keys())
def test_stacked_runs_end_where_separate_runs_end(configs) -> None:
    outcomes = train_many(configs, EPOCHS)
    assert all(o.stacked for o in outcomes)
    for config, outcome in zip(configs, outcomes, strict=True):
        reference, first = separately(config, EPOCHS)
        assert outcome.config == config
        # Batched and single matrix products may add in another order: close, not bit-equal.
        np.testing.assert_allclose(outcome.params, reference.network.params, rtol=1e-9, atol=1e-12)
        assert outcome.epochs_run == reference.epoch
        assert outcome.final_loss == pytest.approx(reference.last_loss, rel=1e-9)
        assert outcome.final_accuracy == reference.evaluate().accuracy
        assert outcome.first_epoch_at_100 == first
        np.testing.assert_array_equal(outcome.epochs, reference.history.epochs)
        np.testing.assert_allclose(outcome.loss, reference.history.loss, rtol=1e-9)
        np.testing.assert_array_equal(outcome.accuracy, reference.history.accuracy)
        if reference.divergence is None:
            assert outcome.divergence is None
        else:
            assert outcome.divergence.epoch == reference.divergence.epoch
            assert outcome.divergence.reason == reference.divergence.reason


def test_a_diverged_run_does_not_stop_the_others() -> None:
    bad, good = train_many([RunConfig(activations=("none",), lr=50.0), RunConfig()], 300)
    assert bad.diverged and bad.epochs_run < 10
    assert not good.diverged and good.epochs_run == 300 and good.first_epoch_at_100 is not None


def test_only_runs_of_one_shape_are_stacked_and_order_is_kept() -> None:
    configs = [
        RunConfig(hidden=(8, 8)),
        RunConfig(lr=0.5),
        RunConfig(hidden=(8, 8), lr=0.5),
        RunConfig(),
        RunConfig(target_loss=0.1),
    ]
    assert group(configs) == [[0, 2], [1, 3], [4]]
    assert can_stack(configs[1], configs[3]) and not can_stack(configs[0], configs[1])
    outcomes = train_many(configs, 50)
    assert [o.config for o in outcomes] == configs
    assert [o.stacked for o in outcomes] == [True, True, True, True, False]


def test_mini_batch_runs_train_alone_with_the_same_results() -> None:
    configs = [RunConfig(dataset="linear", n=20, batch_size=5, lr=lr) for lr in (0.5, 0.05)]
    outcomes = train_many(configs, 60)
    for config, outcome in zip(configs, outcomes, strict=True):
        reference = Trainer(config)
        reference.train(60)
        assert not outcome.stacked
        np.testing.assert_array_equal(outcome.params, reference.network.params)
        assert outcome.final_loss == reference.last_loss


def test_progress_counts_every_runs_epochs_and_a_stop_request_stops() -> None:
    seen: list[tuple[int, int]] = []
    outcomes = train_many(
        [RunConfig(lr=0.5), RunConfig()], 200, on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (400, 400)
    stopped = train_many([RunConfig(), RunConfig(lr=0.5)], 10**7, should_stop=lambda: True)
    assert all(0 < o.epochs_run < 10**7 for o in stopped)
    assert all(o.epochs_run == 200 for o in outcomes)


def test_a_history_of_several_runs_keeps_one_column_per_run() -> None:
    history = History(capacity=32, runs=2)
    for epoch in range(1, 100):
        history.record(epoch, np.array([epoch, -epoch]), np.array([0.5, 1.0]))
    assert len(history) <= 32
    assert history.loss.shape == (len(history), 2)
    np.testing.assert_array_equal(history.loss[:, 0], history.epochs)
    np.testing.assert_array_equal(history.loss[:, 1], -history.epochs)
