"""Activation functions, each with its derivative beside it.

Every function writes into a caller's buffer (``out``) so that the training
loop allocates nothing per epoch. The derivative takes both Z and the stored
activation A, so sigmoid and tanh reuse their output (σ(1−σ), 1−tanh²) instead
of recomputing an exponential, exactly as the lab's derivation writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

LEAKY_SLOPE = 0.01


# Constants as 0-d arrays: numpy handles a Python float operand more slowly.
ONE = np.array(1.0)
ZERO = np.array(0.0)
SLOPE = np.array(LEAKY_SLOPE)
RISE = np.array(1.0 - LEAKY_SLOPE)


@dataclass(frozen=True)
class Activation:
    """An activation ``A = f(Z)`` and its entrywise derivative ``f'(Z)``."""

    name: str
    symbol: str
    """How the derivation writes f(Z), with ``{z}`` for the layer's Z."""
    derivative_symbol: str
    """How the derivation writes f'(Z), with ``{z}`` for the layer's Z."""
    forward: Callable[..., None]
    """forward(z, out, scratch=None): out = f(z)."""
    derivative: Callable[..., None]
    """derivative(z, a, out, scratch=None): out = f'(z), given a = f(z)."""
    is_identity: bool = False

    def __call__(self, z: Array) -> Array:
        out = np.empty_like(z)
        self.forward(z, out)
        return out

    def grad(self, z: Array) -> Array:
        """f'(z) as a new array (for plots and the lab API; training uses buffers)."""
        a = self(z)
        out = np.empty_like(z)
        self.derivative(z, a, out)
        return out


# ``scratch`` (an array shaped like ``out`` whose contents do not matter) lets a function
# hop between two buffers instead of updating one in place: numpy is markedly slower at
# in-place operations on one-element arrays, which per-sample training is full of. The
# numbers are the same either way.


def _sigmoid(z: Array, out: Array, scratch: Array | None = None) -> None:
    # 1 / (1 + e^-z); exp overflows to inf for z << 0 and 1/inf is the correct 0.
    s = out if scratch is None else scratch
    np.negative(z, out=s)
    np.exp(s, out=out)
    np.add(out, ONE, out=s)
    np.divide(ONE, s, out=out)


def _sigmoid_derivative(z: Array, a: Array, out: Array, scratch: Array | None = None) -> None:
    s = out if scratch is None else scratch
    np.subtract(ONE, a, out=s)
    np.multiply(s, a, out=out)


def _relu(z: Array, out: Array, scratch: Array | None = None) -> None:
    np.maximum(z, ZERO, out=out)


def _relu_derivative(z: Array, a: Array, out: Array, scratch: Array | None = None) -> None:
    # The kink at 0 takes derivative 0, as PyTorch does.
    np.greater(z, ZERO, out=out)


def _leaky_relu(z: Array, out: Array, scratch: Array | None = None) -> None:
    s = out if scratch is None else scratch
    np.multiply(z, SLOPE, out=s)
    np.maximum(z, s, out=out)


def _leaky_relu_derivative(z: Array, a: Array, out: Array, scratch: Array | None = None) -> None:
    s = out if scratch is None else scratch
    np.greater(z, ZERO, out=out)
    np.multiply(out, RISE, out=s)
    np.add(s, SLOPE, out=out)


def _tanh(z: Array, out: Array, scratch: Array | None = None) -> None:
    np.tanh(z, out=out)


def _tanh_derivative(z: Array, a: Array, out: Array, scratch: Array | None = None) -> None:
    s = out if scratch is None else scratch
    np.multiply(a, a, out=s)
    np.subtract(ONE, s, out=out)


def _identity(z: Array, out: Array, scratch: Array | None = None) -> None:
    np.copyto(out, z)


def _identity_derivative(z: Array, a: Array, out: Array, scratch: Array | None = None) -> None:
    out.fill(1.0)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", "σ({z})", "σ({z})(1 − σ({z}))", _sigmoid, _sigmoid_derivative),
    "relu": Activation("relu", "ReLU({z})", "1[{z} > 0]", _relu, _relu_derivative),
    "leaky_relu": Activation(
        "leaky_relu",
        "LeakyReLU({z})",
        f"(1[{{z}} > 0] + {LEAKY_SLOPE}·1[{{z}} ≤ 0])",
        _leaky_relu,
        _leaky_relu_derivative,
    ),
    "tanh": Activation("tanh", "tanh({z})", "(1 − tanh²({z}))", _tanh, _tanh_derivative),
    "none": Activation("none", "{z}", "1", _identity, _identity_derivative, is_identity=True),
}

ALIASES = {"identity": "none", "linear": "none", "leaky": "leaky_relu", "leakyrelu": "leaky_relu"}


def get_activation(name: str) -> Activation:
    """Look an activation up by name; raise ValueError naming the choices."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return ACTIVATIONS[key]
    except KeyError:
        choices = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}: choose one of {choices}") from None
