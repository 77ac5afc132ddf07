"""The classic mistakes of the lab's backpropagation, each recomputed so it can be recognised.

:func:`lab_pass` is one training step of the lab's network written the way the lab report
derives it, plain numpy beside each formula, with one mistake switched on. A learner's value
that differs from the engine's but equals the value of some mistake's pass *is* that mistake:
that is the diagnosis. With no mistake, ``lab_pass`` gives the engine's numbers (a test holds it
to that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..activations import Activation, get_activation

Array = np.ndarray

DEPTH = 3  # the lab's network: Z1, Z2, Z3


def act_of(layer: int) -> str:
    """The lab's name for a layer's output: Z1Act, Z2Act, and y for the last."""
    return "y" if layer == DEPTH else f"Z{layer}Act"


def input_of(layer: int) -> str:
    return "X" if layer == 1 else act_of(layer - 1)


@dataclass(frozen=True)
class Mistake:
    """A known wrong formula; ``layer`` is where it is made (0: not a layer's)."""

    kind: str
    layer: int = 0

    def sentence(self, activations: Sequence[str]) -> str:
        """What the learner wrote and what belongs there, in the lab's notation."""
        i = self.layer
        z, a, a_in, w = f"Z{i}", act_of(i), input_of(i), f"W{i}"
        if i:
            act = get_activation(activations[i - 1])
            f_z = act.symbol.format(z=z)
            f_prime = act.derivative_symbol.format(z=z)
            f_of_a = act.derivative_symbol.format(z=a)
        texts: dict[str, Callable[[], str]] = {
            "derivative_at_activation": lambda: (
                f"the derivative is taken at the activation instead of at {z}: {f_of_a} where "
                f"{f_prime} belongs (derivative_activateFunv was given {a} = {f_z}, not {z})"
            ),
            "derivative_expects_activation": lambda: (
                f"the derivative is the activation's formula applied to {z}: "
                f"{_activation_form(activations[i - 1], z)} where {f_prime} belongs (that form "
                f"needs the activation {a}, and it was given {z})"
            ),
            "derivative_left_out": lambda: (
                f"the activation's derivative is left out: ∂L/∂{z} = ∂L/∂{a} where "
                f"∂L/∂{a} · {f_prime} belongs"
            ),
            "weight_gradient_wrong_order": lambda: (
                f"the product is in the wrong order: (∂L/∂{z})ᵀ ■ {a_in}, which is (∂L/∂{w})ᵀ, "
                f"where ({a_in})ᵀ ■ ∂L/∂{z} belongs"
            ),
            "backprop_not_transposed": lambda: (
                f"{w} is not transposed: ∂L/∂{z} ■ {w} where ∂L/∂{z} ■ {w}ᵀ belongs"
            ),
            "preactivation_forward": lambda: (
                f"{z} is computed from the pre-activation Z{i - 1}: Z{i - 1} ■ {w} where "
                f"{a_in} ■ {w} belongs"
            ),
            "preactivation_weight_gradient": lambda: (
                f"∂L/∂{w} uses the pre-activation Z{i - 1}: (Z{i - 1})ᵀ ■ ∂L/∂{z} where "
                f"({a_in})ᵀ ■ ∂L/∂{z} belongs"
            ),
            "weight_updated_first": lambda: (
                f"{w} is updated before the gradient is passed back through it: ∂L/∂{z} ■ {w}ᵀ "
                f"needs {w} as the forward pass used it, so update the weights after computing "
                f"every gradient"
            ),
            "output_activation_left_out": lambda: (
                f"the output's activation is left out: forwardPass returns Z{DEPTH} where "
                f"y = {get_activation(activations[-1]).symbol.format(z=f'Z{DEPTH}')} belongs"
            ),
            "mean_not_sum": lambda: (
                "∂L/∂y carries the mean's 1/N: 2(y − label)/N is the gradient of the mean, and "
                "the lab's derivation uses 2(y − label), the gradient of the sum"
            ),
            "factor_two_left_out": lambda: (
                "∂L/∂y leaves out the factor 2: (y − label) where 2(y − label) belongs"
            ),
            "residual_sign": lambda: (
                "∂L/∂y has the wrong sign: 2(label − y) where 2(y − label) belongs"
            ),
            "loss_summed": lambda: (
                "computeMSELoss returns the sum of (y − label)²; the lab's MSE is the mean"
            ),
            "update_sign": lambda: (
                "the update has the wrong sign: W + lr·∂L/∂W climbs the loss, where "
                "W − lr·∂L/∂W belongs"
                if not i
                else f"{w}'s update has the wrong sign: {w} + lr·∂L/∂{w} where "
                f"{w} − lr·∂L/∂{w} belongs"
            ),
        }
        return texts[self.kind]()


def _activation_form(activation: str, z: str) -> str:
    return {"sigmoid": f"{z}(1 − {z})", "tanh": f"1 − {z}²"}[activation]


def catalogue(activations: Sequence[str]) -> Iterator[Mistake]:
    """Every mistake that can happen with these activations, in the order they are tried."""
    yield Mistake("output_activation_left_out")
    for i in range(2, DEPTH + 1):
        yield Mistake("preactivation_forward", i)
    yield Mistake("loss_summed")
    yield Mistake("mean_not_sum")
    yield Mistake("factor_two_left_out")
    yield Mistake("residual_sign")
    for i in range(DEPTH, 0, -1):
        name = get_activation(activations[i - 1]).name
        if name in ("sigmoid", "tanh"):  # ReLU's derivative is the same at Z and at ReLU(Z)
            yield Mistake("derivative_at_activation", i)
            yield Mistake("derivative_expects_activation", i)
        if name != "none":
            yield Mistake("derivative_left_out", i)
        yield Mistake("weight_gradient_wrong_order", i)
        if i > 1:
            yield Mistake("preactivation_weight_gradient", i)
            yield Mistake("backprop_not_transposed", i)
            yield Mistake("weight_updated_first", i)
    yield Mistake("update_sign")
    for i in range(1, DEPTH + 1):
        yield Mistake("update_sign", i)


def lab_pass(
    weights: dict[str, Array],
    x: Array,
    label: Array,
    activations: Sequence[str],
    lr: float,
    mistake: Mistake | None = None,
) -> dict[str, Array]:
    """One training step of the lab's network; ``W1'`` ... are the weights after the update.

    A mistake that makes a product's shapes disagree ends the pass early: the values computed
    up to there are returned.
    """
    kind, at = (mistake.kind, mistake.layer) if mistake else ("", 0)
    acts = [get_activation(name) for name in activations]
    v: dict[str, Array] = {"X": x, "label": label, **weights}
    with np.errstate(all="ignore"):
        try:
            _forward(v, acts, kind, at)
            _loss(v, kind)
            _backward(v, acts, kind, at, lr)
            for i in range(1, DEPTH + 1):
                w, grad = v[f"W{i}"], v[f"dL/dW{i}"]
                wrong_sign = kind == "update_sign" and at in (0, i)
                v[f"W{i}'"] = w + lr * grad if wrong_sign else w - lr * grad
        except ValueError:  # shapes that do not fit: what was computed so far stands
            pass
    return v


def _forward(v: dict[str, Array], acts: list[Activation], kind: str, at: int) -> None:
    for i in range(1, DEPTH + 1):
        # Z_i = A_{i−1} ■ W_i
        a_in = v[f"Z{i - 1}"] if kind == "preactivation_forward" and at == i else v[input_of(i)]
        v[f"Z{i}"] = a_in @ v[f"W{i}"]
        # A_i = f(Z_i); y is the last layer's
        if kind == "output_activation_left_out" and i == DEPTH:
            v[act_of(i)] = v[f"Z{i}"]
        else:
            v[act_of(i)] = acts[i - 1](v[f"Z{i}"])


def _loss(v: dict[str, Array], kind: str) -> None:
    residual = v["y"] - v["label"]
    # L = (1/N) Σ (y − label)²: the lab's MSE, what computeMSELoss returns
    v["loss"] = np.sum(residual**2) if kind == "loss_summed" else np.mean(residual**2)
    # ∂L/∂y = 2(y − label): the gradient of the *summed* squared error, as the lab derives it
    if kind == "mean_not_sum":
        v["dL/dy"] = 2 * residual / residual.size
    elif kind == "factor_two_left_out":
        v["dL/dy"] = residual
    elif kind == "residual_sign":
        v["dL/dy"] = 2 * (v["label"] - v["y"])
    else:
        v["dL/dy"] = 2 * residual


def _backward(v: dict[str, Array], acts: list[Activation], kind: str, at: int, lr: float) -> None:
    for i in range(DEPTH, 0, -1):
        here = at == i
        z, a, d_a = v[f"Z{i}"], v[act_of(i)], v[f"dL/d{act_of(i)}"]
        # ∂L/∂Z_i = ∂L/∂A_i · f'(Z_i)
        if here and kind == "derivative_at_activation":
            d_z = d_a * acts[i - 1].grad(a)
        elif here and kind == "derivative_expects_activation":
            d_z = d_a * (z * (1 - z) if acts[i - 1].name == "sigmoid" else 1 - z**2)
        elif here and kind == "derivative_left_out":
            d_z = d_a
        else:
            d_z = d_a * acts[i - 1].grad(z)
        v[f"dL/dZ{i}"] = d_z
        # ∂L/∂W_i = (A_{i−1})ᵀ ■ ∂L/∂Z_i
        a_in = v[input_of(i)]
        if here and kind == "weight_gradient_wrong_order":
            v[f"dL/dW{i}"] = d_z.T @ a_in
        elif here and kind == "preactivation_weight_gradient":
            v[f"dL/dW{i}"] = v[f"Z{i - 1}"].T @ d_z
        else:
            v[f"dL/dW{i}"] = a_in.T @ d_z
        if i == 1:
            break
        # ∂L/∂A_{i−1} = ∂L/∂Z_i ■ W_iᵀ
        w = v[f"W{i}"]
        if here and kind == "backprop_not_transposed":
            v[f"dL/d{act_of(i - 1)}"] = d_z @ w
        elif here and kind == "weight_updated_first":
            v[f"dL/d{act_of(i - 1)}"] = d_z @ (w - lr * v[f"dL/dW{i}"]).T
        else:
            v[f"dL/d{act_of(i - 1)}"] = d_z @ w.T
