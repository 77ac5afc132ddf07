"""Stepping through one sub-step at a time gives exactly what bulk training gives."""

from __future__ import annotations

import numpy as np
import pytest

from mlp import RunConfig, Trainer

LAB_ORDER = [
    "Z1", "Z1Act", "Z2", "Z2Act", "Z3", "y", "loss", "dL/dy",
    "dL/dZ3", "dL/dW3", "dL/dZ2Act", "dL/dZ2", "dL/dW2",
    "dL/dZ1Act", "dL/dZ1", "dL/dW1", "update",
]  # fmt: skip

# Full batch, mini-batches of 4 (linear(10): 4 + 4 + 2, the last batch short), per-sample.
BATCHINGS = [None, 4, 1]


def _config(batch_size, **changes) -> RunConfig:
    base = RunConfig(dataset="linear", n=10, hidden=(6, 5), lr=0.5, batch_size=batch_size, seed=1)
    return base.replace(**changes)


def _step_epochs(trainer: Trainer, epochs: int) -> None:
    while trainer.epoch < epochs:
        trainer.next_substep()


def _tape_copy(trainer: Trainer) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in trainer.tape.values.items()}


def test_the_lab_default_steps_in_the_labs_order() -> None:
    trainer = Trainer()
    assert [s.key for s in trainer.steps] == LAB_ORDER
    assert [s.label for s in trainer.steps][8:10] == ["∂L/∂Z3", "∂L/∂W3"]
    phases = [s.phase for s in trainer.steps]
    assert phases == ["forward"] * 6 + ["loss"] + ["backward"] * 9 + ["update"]
    by_key = {s.key: s for s in trainer.steps}
    assert by_key["dL/dW2"].formula == "(Z1Act)ᵀ ■ ∂L/∂Z2"
    assert by_key["dL/dZ3"].operands == ("dL/dy", "dy/dZ3")
    assert by_key["dL/dZ3"].equation == "∂L/∂Z3 = ∂L/∂y · σ(Z3)(1 − σ(Z3))"
    assert by_key["dL/dy"].formula == "2(y − label)"


def test_bias_gradients_follow_their_weight_gradients_at_any_depth() -> None:
    trainer = Trainer(RunConfig(hidden=(3, 3, 3), bias=True))
    keys = [s.key for s in trainer.steps]
    assert keys[:8] == ["Z1", "Z1Act", "Z2", "Z2Act", "Z3", "Z3Act", "Z4", "y"]
    for i in range(1, 5):
        assert keys.index(f"dL/db{i}") == keys.index(f"dL/dW{i}") + 1
    assert keys.index("dL/dW4") < keys.index("dL/dW3") < keys.index("dL/dW1")
    assert keys[-1] == "update"


def test_each_sub_step_writes_the_value_its_formula_names() -> None:
    """Recompute the lab default's pass by hand from the tape's own inputs."""
    trainer = Trainer(RunConfig(dataset="linear", n=20))
    v = trainer.tape.values
    w1, w2, w3 = (trainer.network.weight(i).copy() for i in (1, 2, 3))
    trainer.backward_pass()

    def sig(z):
        return 1 / (1 + np.exp(-z))

    x, label = trainer.dataset.x, trainer.dataset.label
    np.testing.assert_array_equal(v["X"], x)
    z1 = x @ w1
    a1 = sig(z1)
    z2 = a1 @ w2
    a2 = sig(z2)
    z3 = a2 @ w3
    y = sig(z3)
    dy = 2 * (y - label)
    dz3 = dy * y * (1 - y)
    dz2 = (dz3 @ w3.T) * a2 * (1 - a2)
    dz1 = (dz2 @ w2.T) * a1 * (1 - a1)
    expected = {
        "Z1": z1, "Z1Act": a1, "Z2": z2, "Z2Act": a2, "Z3": z3, "y": y, "dL/dy": dy,
        "dL/dZ3": dz3, "dL/dW3": a2.T @ dz3, "dL/dZ2Act": dz3 @ w3.T, "dL/dZ2": dz2,
        "dL/dW2": a1.T @ dz2, "dL/dZ1Act": dz2 @ w2.T, "dL/dZ1": dz1, "dL/dW1": x.T @ dz1,
        "dy/dZ3": y * (1 - y),
    }  # fmt: skip
    for key, value in expected.items():
        np.testing.assert_allclose(v[key], value, rtol=1e-12, atol=1e-14, err_msg=key)
    assert trainer.tape.loss_value == pytest.approx(np.mean((y - label) ** 2), rel=1e-12)


@pytest.mark.parametrize("batch_size", BATCHINGS)
def test_stepping_train_and_train_step_give_identical_weights(batch_size) -> None:
    cfg = _config(batch_size, optimizer="momentum")
    stepped, bulk, by_pass = Trainer(cfg), Trainer(cfg), Trainer(cfg)
    epochs = 3
    _step_epochs(stepped, epochs)
    result = bulk.train(epochs)
    while by_pass.epoch < epochs:
        by_pass.train_step()
    assert result.status == "completed" and result.epochs_run == epochs
    assert not np.array_equal(stepped.network.params, Trainer(cfg).network.params)
    assert np.array_equal(stepped.network.params, bulk.network.params)
    assert np.array_equal(stepped.network.params, by_pass.network.params)
    for a, b in [(stepped, bulk), (stepped, by_pass)]:
        assert np.array_equal(a.optimizer.state()["velocity"], b.optimizer.state()["velocity"])
        assert np.array_equal(a.history.loss, b.history.loss)
        assert a.last_loss == b.last_loss


@pytest.mark.parametrize(
    "changes",
    [
        {"bias": True, "activations": ("relu", "leaky_relu", "sigmoid"), "loss": "bce"},
        {"activations": ("tanh", "none", "none"), "loss": "mse", "optimizer": "adam"},
        {"bias": True, "activations": ("none",), "loss": "bce_sum", "lr": 0.01},
        {"hidden": (1,), "activations": ("sigmoid", "tanh"), "batch_size": 3},
    ],
)
def test_every_kind_of_sub_step_runs_the_same_stepped_or_bulk(changes) -> None:
    changes = dict(changes)  # parametrize shares the dict between runs: never mutate it
    cfg = _config(changes.pop("batch_size", None), **changes)
    stepped, bulk = Trainer(cfg), Trainer(cfg)
    _step_epochs(stepped, 4)
    bulk.train(4)
    assert np.array_equal(stepped.network.params, bulk.network.params)
    assert np.array_equal(stepped.history.loss, bulk.history.loss)


@pytest.mark.parametrize("batch_size", BATCHINGS)
def test_stepping_part_way_then_training_matches_training(batch_size) -> None:
    cfg = _config(batch_size, optimizer="adam", lr=0.05)
    mixed, bulk = Trainer(cfg), Trainer(cfg)
    for _ in range(len(mixed.steps) + 5):  # one whole pass, then part of the next
        mixed.next_substep()
    mixed.train(2)
    bulk.train(mixed.epoch)
    assert np.array_equal(mixed.network.params, bulk.network.params)


@pytest.mark.parametrize("batch_size", BATCHINGS)
def test_same_seed_same_run_other_seed_other_run(batch_size) -> None:
    runs = [Trainer(_config(batch_size, seed=s)) for s in (5, 5, 6)]
    for trainer in runs:
        trainer.train(4)
    assert np.array_equal(runs[0].network.params, runs[1].network.params)
    assert np.array_equal(runs[0].history.loss, runs[1].history.loss)
    assert not np.array_equal(runs[0].network.params, runs[2].network.params)


def test_shuffling_follows_the_seed_and_changes_every_epoch() -> None:
    def orders(seed: int) -> list[list[int]]:
        trainer = Trainer(_config(1, seed=seed))
        seen = []
        for _ in range(2):
            epoch = []
            for _ in range(trainer.batches_per_epoch):
                epoch.extend(trainer.batch_indices.tolist())
                trainer.train_step()
            seen.append(epoch)
        return seen

    first, again, other = orders(2), orders(2), orders(3)
    assert first == again
    assert sorted(first[0]) == list(range(10)) and sorted(first[1]) == list(range(10))
    assert first[0] != first[1]
    assert first != other


def test_batches_feed_the_tape_the_samples_they_name() -> None:
    trainer = Trainer(_config(4))
    for _ in range(5):
        rows = trainer.batch_indices.copy()
        trainer.forward_pass()
        np.testing.assert_array_equal(trainer.tape.values["X"], trainer.dataset.x[rows])
        np.testing.assert_array_equal(trainer.tape.values["label"], trainer.dataset.label[rows])
        trainer.train_step()


def test_cursor_and_current_step_track_the_pass() -> None:
    trainer = Trainer(_config(None))
    assert trainer.cursor == 0 and trainer.current_step is None
    assert trainer.next_step.key == "Z1"
    trainer.forward_pass()
    assert trainer.current_step.key == "loss" and trainer.next_step.key == "dL/dy"
    assert trainer.epoch == 0
    trainer.backward_pass()
    assert trainer.next_step.key == "update"
    trainer.next_substep()
    assert trainer.cursor == len(trainer.steps) and trainer.epoch == 1
    assert trainer.next_substep().key == "Z1" and trainer.cursor == 1


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_undo_restores_weights_and_optimizer_state_exactly(optimizer) -> None:
    trainer = Trainer(_config(4, optimizer=optimizer))
    for _ in range(len(trainer.steps) * 2 + 3):
        trainer.next_substep()
    params = trainer.network.params.copy()
    state = {k: v.copy() for k, v in trainer.optimizer.state().items()}
    steps, epoch, batch = trainer.optimizer.steps, trainer.epoch, trainer.batch_index
    cursor = trainer.cursor

    for _ in range(len(trainer.steps) * 3):  # forward across three updates
        trainer.next_substep()
    assert not np.array_equal(trainer.network.params, params)
    for _ in range(len(trainer.steps) * 3):
        assert trainer.can_undo
        trainer.previous_substep()

    assert trainer.cursor == cursor
    assert np.array_equal(trainer.network.params, params)
    for key, value in trainer.optimizer.state().items():
        assert np.array_equal(value, state[key]), key
    assert (trainer.optimizer.steps, trainer.epoch, trainer.batch_index) == (steps, epoch, batch)


@pytest.mark.parametrize("batch_size", [None, 4])
def test_undo_across_a_pass_boundary_recomputes_the_same_tape(batch_size) -> None:
    trainer = Trainer(_config(batch_size, optimizer="momentum"))
    passes = len(trainer.steps)
    for _ in range(passes * 2 - 1):  # two passes, all but the last update
        trainer.next_substep()
    before = _tape_copy(trainer)
    rows = trainer.batch_indices.copy()
    for _ in range(passes):  # the update, then all of the next pass but its update
        trainer.next_substep()
    assert trainer.next_step.key == "update"
    for _ in range(passes - 1):
        trainer.previous_substep()
    assert trainer.cursor == 0
    assert trainer.previous_substep().key == "dL/dW1"  # back before the update
    assert trainer.next_step.key == "update"
    np.testing.assert_array_equal(trainer.batch_indices, rows)
    after = _tape_copy(trainer)
    for key, value in before.items():
        assert np.array_equal(after[key], value), key


@pytest.mark.parametrize("batch_size", BATCHINGS)
def test_undo_then_redo_is_the_same_run(batch_size) -> None:
    cfg = _config(batch_size, optimizer="nesterov")
    straight, wobbly = Trainer(cfg), Trainer(cfg)
    passes = len(straight.steps)
    total = passes * 25 + 4
    for _ in range(total):
        straight.next_substep()
    # Six passes past it and back again: across an epoch's end (and its reshuffle) for
    # every batching here, then some more back and forth.
    for _ in range(total + passes * 6):
        wobbly.next_substep()
    for _ in range(passes * 6 + 40):  # each undoes one sub-step that ran
        wobbly.previous_substep()
    for _ in range(40):
        wobbly.next_substep()
    assert (wobbly.epoch, wobbly.batch_index) == (straight.epoch, straight.batch_index)
    assert np.array_equal(wobbly.batch_indices, straight.batch_indices)
    assert np.array_equal(wobbly.network.params, straight.network.params)
    assert np.array_equal(wobbly.history.epochs, straight.history.epochs)
    assert np.array_equal(wobbly.history.loss, straight.history.loss)
    assert wobbly.train(3).loss == straight.train(3).loss
    assert np.array_equal(wobbly.network.params, straight.network.params)


def test_undo_stops_at_the_start() -> None:
    trainer = Trainer(_config(None))
    assert not trainer.can_undo and trainer.previous_substep() is None
    trainer.next_substep()
    assert trainer.can_undo
    assert trainer.previous_substep() is None and trainer.cursor == 0
    assert trainer.previous_substep() is None
