"""The loss history hides nothing: first epochs exact, spikes and dips kept, memory bounded."""

from __future__ import annotations

import numpy as np
import pytest

from mlp import RunConfig, Trainer
from mlp.history import History, downsample

EPOCHS = 60_000
SPIKE, DIP = 31_337, 47_001


def true_loss(epoch: np.ndarray) -> np.ndarray:
    """A smooth descent with a one-epoch spike (0.5 to 241.6 and back) and a one-epoch dip."""
    loss = 0.5 / np.sqrt(epoch) + 1e-3
    loss = np.where(epoch == SPIKE, 241.6, loss)
    return np.where(epoch == DIP, 1e-9, loss)


def true_accuracy(epoch: np.ndarray) -> np.ndarray:
    return (epoch % 7) / 7.0  # anything that tells epochs apart


@pytest.fixture(scope="module")
def long_history() -> History:
    history = History(capacity=512)
    epochs = np.arange(1, EPOCHS + 1)
    loss, accuracy = true_loss(epochs).tolist(), true_accuracy(epochs).tolist()
    for i, epoch in enumerate(epochs.tolist()):
        history.record(epoch, loss[i], accuracy[i])
        assert len(history) <= history.capacity
    return history


def test_every_point_kept_is_one_epochs_true_record(long_history) -> None:
    epochs = long_history.epochs
    assert (np.diff(epochs) > 0).all()
    np.testing.assert_array_equal(long_history.loss, true_loss(epochs))
    np.testing.assert_array_equal(long_history.accuracy, true_accuracy(epochs))


def test_the_first_epochs_are_kept_exactly_and_the_last_one_too(long_history) -> None:
    head = long_history.head
    assert head >= 64
    assert long_history.epochs[:head].tolist() == list(range(1, head + 1))
    assert long_history.epochs[-1] == EPOCHS


def test_a_one_epoch_spike_and_dip_survive_thinning(long_history) -> None:
    assert long_history.stride >= 64  # thinned many times over
    kept = dict(zip(long_history.epochs.tolist(), long_history.loss.tolist(), strict=True))
    assert kept[SPIKE] == 241.6 and kept[DIP] == 1e-9


def test_each_window_keeps_its_lowest_and_highest_loss(long_history) -> None:
    head, stride = long_history.head, long_history.stride
    kept = set(long_history.epochs.tolist())
    starts = range(head + 1, EPOCHS - stride, stride)  # every whole window
    for start in starts:
        window = np.arange(start, start + stride)
        loss = true_loss(window)
        assert int(window[np.argmin(loss)]) in kept
        assert int(window[np.argmax(loss)]) in kept


def test_downsampling_keeps_first_last_and_extremes(long_history) -> None:
    epochs, loss, accuracy = long_history.downsampled(100)
    assert len(epochs) <= 100
    assert epochs[0] == 1 and epochs[-1] == EPOCHS
    assert SPIKE in epochs and DIP in epochs
    np.testing.assert_array_equal(loss, true_loss(epochs))
    np.testing.assert_array_equal(accuracy, true_accuracy(epochs))


def test_downsampling_keeps_each_runs_extremes() -> None:
    epochs = np.arange(1, 1001)
    loss = np.column_stack([np.ones(1000), np.ones(1000)])
    loss[500, 0], loss[700, 1] = 9.0, -9.0
    kept, kept_loss, _ = downsample(epochs, loss, np.zeros_like(loss), 50)
    assert len(kept) <= 50 and 501 in kept and 701 in kept
    assert kept_loss[:, 0].max() == 9.0 and kept_loss[:, 1].min() == -9.0


def test_a_fast_runs_curve_starts_at_epoch_1() -> None:
    """At full speed the history used to coarsen away epochs 1..3: the curve began at 4."""
    trainer = Trainer(RunConfig(dataset="xor", hidden=(3,), lr=0.5))
    trainer.train(20_000)
    epochs = trainer.history.epochs
    assert epochs[0] == 1 and epochs[1] == 2 and epochs[-1] == 20_000
    assert trainer.history.downsampled(200)[0][0] == 1


def test_a_saved_history_comes_back_the_same() -> None:
    history = History(capacity=256)
    for epoch in range(1, 5000):
        history.record(epoch, 1.0 / epoch, 0.5)
    again = History.from_state(history.state(), history.stride, capacity=256)
    assert again.stride == history.stride
    np.testing.assert_array_equal(again.epochs, history.epochs)
    for epoch in range(5000, 9000):
        history.record(epoch, 1.0 / epoch, 0.5)
        again.record(epoch, 1.0 / epoch, 0.5)
    np.testing.assert_array_equal(again.epochs, history.epochs)
    np.testing.assert_array_equal(again.loss, history.loss)


def test_a_history_saved_with_an_even_stride_loads() -> None:
    """Version-1 run files hold every stride-th epoch (4, 8, 12, ...)."""
    state = {
        "epoch": np.arange(4, 4001, 4),
        "loss": np.linspace(1, 0, 1000),
        "accuracy": np.ones(1000),
    }
    history = History.from_state(state, 4)
    np.testing.assert_array_equal(history.epochs, state["epoch"])
    with pytest.raises(ValueError, match="stride"):
        History.from_state(state, 0)
    with pytest.raises(ValueError, match="increasing"):
        History.from_state({**state, "epoch": state["epoch"][::-1]}, 4)


def test_discarding_after_an_epoch_forgets_later_points() -> None:
    history = History(capacity=64)
    for epoch in range(1, 20):
        history.record(epoch, float(epoch), 1.0)
    history.discard_after(12)
    assert history.epochs.tolist() == list(range(1, 13))
    history.record(13, 0.5, 1.0)
    assert history.loss[-1] == 0.5
