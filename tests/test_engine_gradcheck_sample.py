"""A sampled gradient check: a large network is checked on parameters drawn from every
tensor, and a wrong gradient is still caught."""

from __future__ import annotations

import numpy as np

from mlp import RunConfig, Trainer, gradcheck


def _trainer() -> Trainer:
    config = RunConfig(hidden=(20, 16), bias=True, activations=("tanh", "tanh", "sigmoid"))
    trainer = Trainer(config.replace(init="xavier"))
    trainer.train(5)
    return trainer


def test_a_sample_draws_from_every_tensor_in_proportion() -> None:
    network = _trainer().network
    indices = gradcheck.sample_indices(network, 200, seed=3)
    assert len(np.unique(indices)) == len(indices)
    counts = {}
    for spec in network.specs:
        inside = (indices >= spec.offset) & (indices < spec.offset + spec.size)
        counts[spec.name] = int(inside.sum())
    assert all(count >= 1 for count in counts.values()), counts  # b3 has one entry
    assert counts["W2"] > counts["W1"] > counts["b1"]  # W2 is 20x16, W1 2x20, b1 20
    assert np.array_equal(indices, gradcheck.sample_indices(network, 200, seed=3))


def test_a_sampled_check_passes_and_counts_what_it_checked() -> None:
    trainer = _trainer()
    data = trainer.dataset
    indices = gradcheck.sample_indices(trainer.network, 150)
    outcome = gradcheck.check(trainer.network, trainer.loss, data.x, data.label, indices=indices)
    assert all(t.passed for t in outcome.tensors)  # each within 1e-6, none too small
    assert sum(t.checked for t in outcome.tensors) == len(indices)
    full = gradcheck.check(trainer.network, trainer.loss, data.x, data.label)
    assert [t.checked for t in full.tensors] == [s.size for s in trainer.network.specs]


def test_a_sample_still_catches_a_wrong_gradient(monkeypatch) -> None:
    trainer = _trainer()
    data = trainer.dataset
    real = gradcheck.analytic_gradient

    def off_by_a_little(network, loss, x, label):
        grads = real(network, loss, x, label)
        network.split(grads)["W2"][...] *= 1.001  # 0.1% off: a sign or factor slip
        return grads

    monkeypatch.setattr(gradcheck, "analytic_gradient", off_by_a_little)
    indices = gradcheck.sample_indices(trainer.network, 50)
    outcome = gradcheck.check(trainer.network, trainer.loss, data.x, data.label, indices=indices)
    assert [t.name for t in outcome.tensors if not t.passed] == ["W2"]


def test_the_cost_of_one_parameter_is_measured() -> None:
    trainer = _trainer()
    data = trainer.dataset
    seconds = gradcheck.seconds_per_parameter(trainer.network, trainer.loss, data.x, data.label)
    assert 0 < seconds < 0.1
