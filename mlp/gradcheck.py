"""Central finite differences against the gradients on the tape."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .losses import Loss
from .network import Network
from .optimizers import GradientDescent
from .tape import Tape

Array = np.ndarray

TOLERANCE = 1e-6


@dataclass(frozen=True)
class TensorCheck:
    name: str
    relative_error: float
    analytic_norm: float

    @property
    def passed(self) -> bool:
        return self.relative_error < TOLERANCE


@dataclass(frozen=True)
class GradCheck:
    tensors: list[TensorCheck]

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.tensors)

    @property
    def worst(self) -> float:
        return max(t.relative_error for t in self.tensors)


def relative_error(a: Array, b: Array) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are 0, and inf when either is not finite.

    A diverged net has NaN gradients: that must fail the check, never pass it.
    """
    with np.errstate(all="ignore"):
        scale = np.linalg.norm(a) + np.linalg.norm(b)
        if not np.isfinite(scale):
            return math.inf
        return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def analytic_gradient(network: Network, loss: Loss, x: Array, label: Array) -> Array:
    """The gradient exactly as training computes it: the tape's own sub-steps."""
    tape = Tape(network, loss, GradientDescent(network.n_params, 0.0), len(x))
    tape.load(x, label)
    with np.errstate(all="ignore"):
        for i in range(len(tape) - 1):  # everything but the update
            tape.run(i)
    return tape.grads.copy()


def numeric_gradient(
    network: Network, loss: Loss, x: Array, label: Array, eps: float = 1e-6
) -> Array:
    params = network.params
    grad = np.empty_like(params)
    with np.errstate(all="ignore"):
        for i in range(params.size):
            saved = params[i]
            params[i] = saved + eps
            plus = loss.objective(network.forward(x), label)
            params[i] = saved - eps
            minus = loss.objective(network.forward(x), label)
            params[i] = saved
            grad[i] = (plus - minus) / (2 * eps)
    return grad


def check(network: Network, loss: Loss, x: Array, label: Array, eps: float = 1e-6) -> GradCheck:
    """Relative error per parameter tensor between the tape and finite differences."""
    analytic = network.split(analytic_gradient(network, loss, x, label))
    numeric = network.split(numeric_gradient(network, loss, x, label, eps))
    return GradCheck(
        [
            TensorCheck(
                name,
                relative_error(analytic[name], numeric[name]),
                float(np.linalg.norm(analytic[name])),
            )
            for name in analytic
        ]
    )
