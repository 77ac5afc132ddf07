"""mlp.lab.Network behaves like the lab's own template code, method for method."""

from __future__ import annotations

import numpy as np
import pytest
from lab_template import LabTemplate

from mlp import datasets
from mlp.lab import Network


@pytest.mark.parametrize(
    "act_funcs", [["sigmoid", "sigmoid", "sigmoid"], ["relu", "relu", "sigmoid"]]
)
def test_the_lab_loop_matches_the_template(act_funcs) -> None:
    data = datasets.linear(40, seed=2)
    lr = 0.05 if act_funcs[0] == "sigmoid" else 0.005
    net = Network(input_size=2, hidden_size=8, output_size=1, lr=lr, actFuncs=act_funcs, seed=1)
    ref = LabTemplate(net.W1, net.W2, net.W3, lr, act_funcs)
    for _ in range(200):
        pred = net.forwardPass(data.x)
        loss = net.computeMSELoss(pred, data.label)
        net.Backpropagation()
        ref_pred = ref.forwardPass(data.x)
        ref_loss = ref.computeMSELoss(ref_pred, data.label)
        ref.Backpropagation()
        np.testing.assert_allclose(pred, ref_pred, rtol=1e-12, atol=1e-14)
        assert loss == pytest.approx(ref_loss, rel=1e-12)
    for name in ("W1", "W2", "W3"):
        np.testing.assert_allclose(getattr(net, name), getattr(ref, name), rtol=1e-11, atol=1e-13)
    for name in ("Z1", "Z1Act", "Z2", "Z2Act", "Z3"):
        np.testing.assert_allclose(getattr(net, name), getattr(ref, name), rtol=1e-11)
    np.testing.assert_allclose(net.GradLoss, ref.GradLoss, rtol=1e-11, atol=1e-14)


def test_the_labs_method_names_and_defaults() -> None:
    net = Network()
    for name in (
        "forwardPass",
        "computeMSELoss",
        "Backpropagation",
        "activateFunv",
        "derivative_activateFunv",
    ):
        assert callable(getattr(net, name))
    assert net.W1.shape == (2, 32) and net.W2.shape == (32, 32) and net.W3.shape == (32, 1)
    assert net.lr == 1e-3
    assert net.actFuncs == ["sigmoid", "sigmoid", "sigmoid"]


def test_weights_are_drawn_from_a_standard_normal_and_seeded() -> None:
    a, b = Network(hidden_size=64, seed=5), Network(hidden_size=64, seed=5)
    assert np.array_equal(a.W2, b.W2)
    assert not np.array_equal(a.W2, Network(hidden_size=64, seed=6).W2)
    assert abs(a.W2.mean()) < 0.1 and abs(a.W2.std() - 1) < 0.1


def test_the_lab_trains_xor_with_its_own_loop() -> None:
    data = datasets.xor_easy()
    net = Network(lr=0.05, seed=0)
    for _ in range(3000):
        net.computeMSELoss(net.forwardPass(data.x), data.label)
        net.Backpropagation()
    pred = net.forwardPass(data.x)
    assert np.mean((pred > 0.5) == (data.label > 0.5)) == 1.0


def test_a_students_change_to_lr_or_weights_takes_effect() -> None:
    data = datasets.linear(10, seed=0)
    net = Network(hidden_size=4, lr=0.1, seed=3)
    net.lr = 0.0
    net.computeMSELoss(net.forwardPass(data.x), data.label)
    before = net.W1.copy()
    net.Backpropagation()
    assert np.array_equal(net.W1, before)
    net.W3[...] = 0.0  # written in place like a student would
    np.testing.assert_allclose(net.forwardPass(data.x), 0.5)


def test_activation_helpers() -> None:
    net = Network()
    z = np.array([[-2.0, 0.5, 3.0]])
    np.testing.assert_allclose(net.activateFunv(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(net.derivative_activateFunv(z), s * (1 - s), rtol=1e-14)
    np.testing.assert_array_equal(net.activateFunv(z, "relu"), np.maximum(z, 0))
    np.testing.assert_array_equal(net.derivative_activateFunv(z, "relu"), [[0.0, 1.0, 1.0]])


def test_backpropagation_before_a_forward_pass_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="forwardPass"):
        Network().Backpropagation()
