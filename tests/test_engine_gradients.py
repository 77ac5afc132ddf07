"""The gradients on the tape are the true gradients of the objective being minimised."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mlp import ACTIVATIONS, LOSSES, Network, get_activation, get_loss
from mlp.gradcheck import analytic_gradient, check, numeric_gradient, relative_error

ACTIVATION_NAMES = sorted(ACTIVATIONS)
LOSS_NAMES = sorted(LOSSES)
KINKED = {"relu", "leaky_relu"}
# Finite differences move Z by about eps·|A|; stay this far from a ReLU kink.
KINK_MARGIN = 1e-3


def _pre_activations(net: Network, x: np.ndarray) -> list[np.ndarray]:
    """Every layer's Z, computed by hand (not by the engine's tape)."""
    zs, a = [], x
    for i, act in enumerate(net.activations, start=1):
        z = a @ net.weight(i)
        if net.bias:
            z = z + net.bias_of(i)
        zs.append(z)
        a = act(z)
    return zs


@st.composite
def cases(draw: st.DrawFn) -> tuple[Network, str, np.ndarray, np.ndarray]:
    depth = draw(st.integers(1, 4))
    widths = [draw(st.integers(1, 6)) for _ in range(depth - 1)]
    n_in = draw(st.integers(1, 3))
    rows = draw(st.integers(2, 8))
    loss = draw(st.sampled_from(LOSS_NAMES))
    acts = [draw(st.sampled_from(ACTIVATION_NAMES)) for _ in range(depth)]
    if loss.startswith("bce"):
        # Cross-entropy reads the output as a probability: it needs a sigmoid output layer.
        acts[-1] = "sigmoid"
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    net = Network((n_in, *widths, 1), acts, bias=bias, rng=rng)
    if bias:
        # Biases start at zero; give them values so that their gradients are exercised.
        for spec in net.specs:
            if spec.name.startswith("b"):
                net.views[spec.name][...] = rng.normal(0, 1, spec.shape)
    x = rng.uniform(-1, 1, (rows, n_in))
    label = rng.integers(0, 2, (rows, 1)).astype(float)
    return net, loss, x, label


@settings(max_examples=50, deadline=None)
@given(cases())
def test_tape_gradients_equal_central_differences(case) -> None:
    net, loss_name, x, label = case
    for act, z in zip(net.activations, _pre_activations(net, x), strict=True):
        if act.name in KINKED:
            assume(np.abs(z).min() > KINK_MARGIN)
    loss = get_loss(loss_name)
    if loss.kind == "bce":
        # log(1 − y) for y within 1e-3 of 1 loses digits to cancellation (y itself is only
        # known to 1e-16), which finite differences then amplify by 1/eps.
        y = net.forward(x)
        assume(((y > 1e-3) & (y < 1 - 1e-3)).all())
    result = check(net, loss, x, label)
    assert [t.name for t in result.tensors] == [s.name for s in net.specs]
    # Central differences carry rounding noise of about 1e-16·L/eps per entry, so a
    # relative error is only meaningful for a gradient well above that floor; below
    # it the two must agree absolutely instead.
    scale = 1.0 + abs(loss.objective(net.forward(x), label))
    numeric = net.split(numeric_gradient(net, loss, x, label))
    analytic = net.split(analytic_gradient(net, loss, x, label))
    for tensor in result.tensors:
        if np.linalg.norm(numeric[tensor.name]) > 1e-3 * scale:
            assert tensor.relative_error < 1e-6, (tensor, [a.name for a in net.activations])
        else:
            gap = np.linalg.norm(analytic[tensor.name] - numeric[tensor.name])
            assert gap < 1e-8 * scale * np.sqrt(numeric[tensor.name].size), tensor


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("bias", [False, True])
def test_every_activation_loss_and_bias_passes_the_check(activation, loss, bias) -> None:
    """The hypothesis test samples these; this grid makes sure none is ever skipped."""
    rng = np.random.default_rng(7)
    acts = [activation, activation, "sigmoid" if loss.startswith("bce") else activation]
    net = Network((2, 4, 3, 1), acts, bias=bias, rng=rng)
    net.params[...] = rng.normal(0, 1, net.n_params)
    x = rng.uniform(0.1, 1, (6, 2))
    label = rng.integers(0, 2, (6, 1)).astype(float)
    if activation in KINKED:
        assert min(np.abs(z).min() for z in _pre_activations(net, x)) > KINK_MARGIN
    result = check(net, get_loss(loss), x, label)
    assert result.worst < 1e-6, result


def test_numeric_gradient_matches_the_closed_form_of_a_linear_layer() -> None:
    """L = Σ (XW + b − t)²: ∂L/∂W = 2 Xᵀ(XW + b − t), ∂L/∂b = 2 Σ_rows (XW + b − t)."""
    rng = np.random.default_rng(3)
    net = Network((3, 2), ["none"], bias=True, rng=rng)
    net.views["b1"][...] = rng.normal(0, 1, 2)
    x = rng.normal(0, 1, (5, 3))
    target = rng.normal(0, 1, (5, 2))
    w, b = net.weight(1).copy(), net.bias_of(1).copy()
    residual = x @ w + b - target
    expected = {"W1": 2 * x.T @ residual, "b1": 2 * residual.sum(axis=0)}
    loss = get_loss("sse")

    numeric = net.split(numeric_gradient(net, loss, x, target))
    analytic = net.split(analytic_gradient(net, loss, x, target))
    for name, value in expected.items():
        np.testing.assert_allclose(numeric[name], value, rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(analytic[name], value, rtol=1e-12)
    # The check leaves the parameters exactly as it found them.
    assert np.array_equal(net.weight(1), w) and np.array_equal(net.bias_of(1), b)


def test_mean_reduction_divides_the_gradient_by_the_number_of_outputs() -> None:
    rng = np.random.default_rng(4)
    net = Network((2, 3, 1), ["tanh", "sigmoid"], rng=rng)
    x, label = rng.uniform(0, 1, (8, 2)), rng.integers(0, 2, (8, 1)).astype(float)
    summed = analytic_gradient(net, get_loss("sse"), x, label)
    mean = analytic_gradient(net, get_loss("mse"), x, label)
    np.testing.assert_allclose(mean, summed / 8, rtol=1e-12)


def test_the_check_catches_a_wrong_gradient() -> None:
    """A gradient check that cannot fail proves nothing: a broken derivative must fail it."""
    rng = np.random.default_rng(5)
    net = Network((2, 3, 1), ["sigmoid", "sigmoid"], rng=rng)
    x, label = rng.uniform(0, 1, (4, 2)), rng.integers(0, 2, (4, 1)).astype(float)
    good = check(net, get_loss("sse"), x, label)
    assert all(t.passed for t in good.tensors)  # each one within 1e-6, none too small

    loss = get_loss("sse")
    numeric = numeric_gradient(net, loss, x, label)
    wrong = analytic_gradient(net, loss, x, label) * 1.001
    assert relative_error(wrong, numeric) > 1e-4


def test_a_saturated_networks_tiny_gradients_are_too_small_to_check_not_failures(
    monkeypatch,
) -> None:
    """lr 2 saturates the lab network within 1000 epochs: its gradients (~1e-7 an entry) sink
    into the rounding of the finite differences, which then cannot judge them. That is said,
    not reported as a wrong gradient; a gradient wrong by more than the rounding still fails."""
    from mlp import RunConfig, Trainer, gradcheck

    trainer = Trainer(RunConfig(lr=2.0))
    trainer.train(1000)
    data = trainer.dataset
    result = check(trainer.network, trainer.loss, data.x, data.label)
    assert result.passed and not any(t.failed for t in result.tensors)
    assert [t.name for t in result.too_small] == ["W1", "W2", "W3"]
    assert all(t.relative_error > 1e-6 for t in result.too_small)  # it would have failed
    assert "cannot tell right from wrong" in result.too_small_reason()

    real = gradcheck.analytic_gradient

    def off_by_a_thousandth(network, loss, x, label):
        grads = real(network, loss, x, label)
        network.split(grads)["W3"][...] += 1e-3
        return grads

    monkeypatch.setattr(gradcheck, "analytic_gradient", off_by_a_thousandth)
    wrong = gradcheck.check(trainer.network, trainer.loss, data.x, data.label)
    assert not wrong.passed and [t.name for t in wrong.tensors if t.failed] == ["W3"]


def test_a_diverged_network_fails_the_check_instead_of_passing() -> None:
    """NaN weights give NaN gradients; NaN compares false with everything, so must be caught."""
    rng = np.random.default_rng(6)
    net = Network((2, 3, 1), ["none", "none"], rng=rng)
    net.params[0] = np.nan
    x, label = rng.uniform(0, 1, (4, 2)), np.ones((4, 1))
    result = check(net, get_loss("sse"), x, label)
    assert not result.passed
    assert result.worst == np.inf


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_values_and_derivatives_match_their_definitions(name) -> None:
    z = np.linspace(-6, 6, 241)
    z = z[np.abs(z) > 1e-3]  # off the kink at 0
    definitions = {
        "sigmoid": 1 / (1 + np.exp(-z)),
        "relu": np.maximum(z, 0),
        "leaky_relu": np.where(z > 0, z, 0.01 * z),
        "tanh": np.tanh(z),
        "none": z,
    }
    act = get_activation(name)
    np.testing.assert_allclose(act(z), definitions[name], rtol=1e-14, atol=1e-15)
    h = 1e-6
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    np.testing.assert_allclose(act.grad(z), numeric, rtol=1e-6, atol=1e-9)
