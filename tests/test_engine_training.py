"""Bulk training: the lab's results, divergence as a result, early stops, bounded history."""

from __future__ import annotations

import numpy as np
import pytest

from mlp import RunConfig, Trainer
from mlp.batched import RunOutcome, train_many
from mlp.introspect import layer_health

SMALL = RunConfig(dataset="xor", hidden=(3,), lr=0.5)


LAB_DEFAULT_RUNS = {
    (dataset, seed): RunConfig(dataset=dataset, n=100, seed=seed)
    for dataset in ("linear", "xor")
    for seed in range(5)
}


@pytest.fixture(scope="module")
def lab_default_outcomes() -> dict[tuple[str, int], RunOutcome]:
    """The ten runs trained once, the seeds of a dataset stacked (tests/test_batched.py
    checks stacked runs end where Trainer's do): about 60% of the time of ten Trainers."""
    outcomes = train_many(list(LAB_DEFAULT_RUNS.values()))
    return dict(zip(LAB_DEFAULT_RUNS, outcomes, strict=True))


@pytest.mark.parametrize("dataset", ["linear", "xor"])
@pytest.mark.parametrize("seed", range(5))
def test_the_lab_default_learns_linear_and_xor(dataset, seed, lab_default_outcomes) -> None:
    """The lab report's result: 2-32-32-1 sigmoid, lr 0.05, SSE, 10000 full-batch epochs: 100%."""
    config = LAB_DEFAULT_RUNS[dataset, seed]
    assert config.epochs == 10_000
    outcome = lab_default_outcomes[dataset, seed]
    assert outcome.stacked and not outcome.diverged and outcome.epochs_run == 10_000
    # The final weights judged by the engine's own evaluation.
    trainer = Trainer(config)
    trainer.network.params[...] = outcome.params
    evaluation = trainer.evaluate()
    assert evaluation.accuracy == outcome.final_accuracy == 1.0
    assert np.array_equal(evaluation.predicted_class, trainer.dataset.label.astype(int))
    assert outcome.final_loss == pytest.approx(evaluation.loss, rel=0.05)
    assert outcome.accuracy[-1] == 1.0


def test_with_no_activation_a_large_lr_diverges_as_a_result(no_warnings) -> None:
    trainer = Trainer(RunConfig(dataset="linear", activations=("none",), lr=1.0))
    result = trainer.train(1000)
    assert result.status == "diverged" and result.diverged
    assert result.divergence is trainer.divergence
    assert 1 <= result.divergence.epoch <= result.epoch + 1 < 1000
    assert not result.divergence.loss < 1e100
    assert "learning rate" in result.divergence.reason
    assert "no activation" in result.divergence.reason
    # Training stays stopped; nothing raises, nothing warns.
    again = trainer.train(10)
    assert again.status == "diverged" and again.epochs_run == 0
    trainer.evaluate()
    layer_health(trainer.tape)


def test_a_large_lr_with_tanh_diverges_and_blames_the_learning_rate(no_warnings) -> None:
    trainer = Trainer(RunConfig(dataset="linear", activations=("tanh", "tanh", "none"), lr=10.0))
    result = trainer.train(1000)
    assert result.status == "diverged"
    assert "learning rate 10 is likely too large" in result.divergence.reason


def test_stepping_into_divergence_reports_it_too(no_warnings) -> None:
    trainer = Trainer(RunConfig(dataset="linear", activations=("none",), lr=1.0))
    for _ in range(len(trainer.steps) * 20):
        trainer.next_substep()
        if trainer.divergence:
            break
    assert trainer.divergence is not None and trainer.current_step.key == "loss"
    assert trainer.train(5).status == "diverged"


def test_a_huge_lr_with_sigmoid_saturates_without_a_warning(no_warnings) -> None:
    """Sigmoids bound the loss, so it cannot overflow: the units saturate instead."""
    trainer = Trainer(RunConfig(dataset="linear", lr=1e6))
    result = trainer.train(50)
    assert result.status in ("completed", "diverged")
    trainer.forward_pass()
    trainer.backward_pass()
    health = layer_health(trainer.tape)
    assert sum(layer.saturated for layer in health) > 0


def test_training_stops_at_the_target_loss() -> None:
    trainer = Trainer(RunConfig(dataset="linear", n=40))
    result = trainer.train(10_000, target_loss=0.05)
    assert result.status == "target_reached"
    assert 0 < result.epochs_run < 10_000 and result.loss <= 0.05
    assert trainer.history.loss[-2] > 0.05  # it stopped at the first epoch below


def test_mini_batch_training_stops_at_the_target_loss() -> None:
    trainer = Trainer(RunConfig(dataset="linear", n=40, batch_size=8, lr=0.1))
    result = trainer.train(5_000, target_loss=0.05)
    assert result.status == "target_reached" and result.loss <= 0.05
    assert result.epochs_run < 5_000


def test_should_stop_and_on_progress() -> None:
    trainer = Trainer(SMALL)
    seen = []
    calls = iter(range(100))

    def stop() -> bool:
        return next(calls) >= 3

    result = trainer.train(
        100_000, on_progress=seen.append, progress_interval=0.0, should_stop=stop
    )
    assert result.status == "stopped" and result.epochs_run == trainer.epoch == 4
    assert [p.epoch for p in seen] == [1, 2, 3, 4, 4]
    last = seen[-1]
    assert last.total == 100_000 and last.epochs_run == 4 and last.loss == result.loss
    assert last.elapsed >= 0 and last.epochs_per_second >= 0


def test_progress_is_reported_at_the_end_even_when_fast() -> None:
    trainer = Trainer(SMALL)
    seen = []
    result = trainer.train(20, on_progress=seen.append, progress_interval=60.0)
    assert len(seen) == 1 and seen[0].epoch == 20 == result.epoch


def test_history_keeps_every_epoch_of_a_short_run_exactly() -> None:
    bulk, one_by_one = Trainer(SMALL), Trainer(SMALL)
    bulk.train(30)
    losses, accuracies = [], []
    for _ in range(30):
        losses.append(one_by_one.train(1).loss)
        accuracies.append(one_by_one.evaluate().accuracy)
    assert bulk.history.epochs.tolist() == list(range(1, 31))
    assert bulk.history.loss.tolist() == losses
    # Accuracy is recorded for the weights the epoch's loss was measured on (before the update).
    assert bulk.history.accuracy[1:].tolist() == accuracies[:-1]


def test_history_stays_bounded_over_a_long_run() -> None:
    # 20000 epochs, nearly five times the capacity: the stride doubles five times (to 32).
    trainer = Trainer(SMALL)
    trainer.train(20_000)
    history = trainer.history
    assert len(history) <= history.capacity
    epochs = history.epochs
    assert epochs[0] <= history.stride and epochs[-1] > 20_000 - history.stride
    # The first epochs exactly, then each window of `stride` epochs keeps a point or two.
    assert epochs[: history.head].tolist() == list(range(1, history.head + 1))
    assert epochs[-1] == 20_000 and history.stride > 1
    assert (np.diff(epochs) > 0).all() and (np.diff(epochs) < 2 * history.stride).all()
    assert len(history.loss) == len(history.accuracy) == len(epochs)
    assert history.loss[0] > history.loss[-1]
    e, loss, acc = history.downsampled(500)
    assert 250 < len(e) <= 500 and e[0] == epochs[0] and e[-1] == epochs[-1]


def test_evaluation_and_the_labs_table() -> None:
    trainer = Trainer(RunConfig(dataset="xor"))
    trainer.train(200)
    evaluation = trainer.evaluate()
    y = trainer.network.forward(trainer.dataset.x)
    np.testing.assert_array_equal(evaluation.prediction, y)
    assert evaluation.accuracy == np.mean((y > 0.5) == (trainer.dataset.label > 0.5))
    assert evaluation.loss == pytest.approx(np.mean((y - trainer.dataset.label) ** 2))
    assert evaluation.rows()[0] == (1, 0, float(y[0, 0]))


def test_generalisation_uses_fresh_points() -> None:
    trainer = Trainer(RunConfig(dataset="linear", n=100))
    trainer.train(3000)
    fresh = trainer.generalisation(n=150, seed=42)
    x, label = trainer.dataset.fresh(150, seed=42)
    np.testing.assert_array_equal(fresh.label, label)
    np.testing.assert_array_equal(fresh.prediction, trainer.network.forward(x))
    assert fresh.accuracy > 0.9
    assert trainer.generalisation(n=150).accuracy == trainer.generalisation(n=150).accuracy
