"""Teaching signals: dead ReLUs, saturated sigmoids and gradient norms, on built cases."""

from __future__ import annotations

import numpy as np

from mlp import RunConfig, Trainer
from mlp.introspect import layer_health

DEAD = [1, 4, 5]


def _after_backward(trainer: Trainer) -> list:
    trainer.forward_pass()
    trainer.backward_pass()
    return layer_health(trainer.tape)


def test_dead_relu_units_are_counted() -> None:
    trainer = Trainer(RunConfig(dataset="linear", hidden=(6, 7), activations=("relu",)))
    w1, w2, w3 = (trainer.network.weight(i) for i in (1, 2, 3))
    for w in (w1, w2, w3):  # inputs are in [0, 1]²: with positive weights every unit is alive
        w[...] = np.abs(w) + 0.1
    w2[:, DEAD] = -np.abs(w2[:, DEAD]) - 0.1  # except these layer-2 units, which never fire
    w1[:, 2] = (1.0, -1.0)  # Z = x1 − x2: off for half the points, so not dead
    health = _after_backward(trainer)
    z1 = trainer.tape.values["Z1"][:, 2]
    assert (z1 < 0).any() and (z1 > 0).any()
    assert [h.dead for h in health] == [0, len(DEAD), 0]
    assert np.flatnonzero(health[1].dead_units).tolist() == DEAD
    assert health[1].dead_units.shape == (7,) and not health[0].dead_units.any()
    assert [h.units for h in health] == [6, 7, 1]
    assert [h.activation for h in health] == ["relu", "relu", "relu"]
    # A dead unit passes no gradient to its incoming weights.
    assert np.array_equal(trainer.tape.values["dL/dW2"][:, DEAD], np.zeros((6, len(DEAD))))


def test_saturated_sigmoid_units_are_counted() -> None:
    trainer = Trainer(RunConfig(dataset="linear", hidden=(6, 7)))
    w2 = trainer.network.weight(2)
    w2[...] = 0.0  # σ(0) = 0.5: as far from saturation as a unit can be
    w2[:, DEAD] = 50.0  # Z2 = 50·ΣZ1Act ≫ 5 for every sample
    w1 = trainer.network.weight(1)
    w1[:, 0] = (100.0, -100.0)  # saturated except near the diagonal x1 = x2
    health = _after_backward(trainer)
    a1 = trainer.tape.values["Z1Act"][:, 0]
    slope = a1 * (1 - a1)
    assert (slope < 0.01).any() and (slope >= 0.01).any()
    assert health[0].saturated == 0
    assert health[1].saturated == len(DEAD)
    assert np.flatnonzero(health[1].saturated_units).tolist() == DEAD
    assert not health[1].dead_units.any()  # sigmoid layers have no dead units
    z2 = trainer.tape.values["Z2"]
    assert (z2[:, DEAD] > 10).all()


def test_tanh_saturation_is_counted_and_relu_layers_are_never_saturated() -> None:
    trainer = Trainer(RunConfig(dataset="linear", hidden=(4,), activations=("tanh", "relu")))
    w1 = trainer.network.weight(1)
    w1[...] = 0.0
    w1[:, 2] = 400.0  # Z1 = 400(x1 + x2): tanh' < 0.01 unless x1 + x2 < 0.0075
    assert (trainer.dataset.x.sum(axis=1) > 0.01).all()
    health = _after_backward(trainer)
    assert health[0].saturated == 1 and health[0].dead == 0
    assert health[1].saturated == 0


def test_norms_are_those_of_the_tape() -> None:
    trainer = Trainer(RunConfig(dataset="xor"))
    health = _after_backward(trainer)
    for layer in health:
        grad = trainer.tape.values[f"dL/dW{layer.layer}"]
        assert layer.grad_norm == np.sqrt((grad**2).sum()) or np.isclose(
            layer.grad_norm, np.sqrt((grad**2).sum()), rtol=1e-14
        )
        assert np.isclose(layer.weight_norm, np.linalg.norm(trainer.network.weight(layer.layer)))
    assert [h.dead for h in health] == [0, 0, 0]
