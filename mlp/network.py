"""The network's parameters: weights W1..Wk (and biases b1..bk when enabled).

All parameters live in one flat float64 vector; W1, b1, W2, ... are views into
it. That keeps the optimizer's update to a handful of numpy calls whatever the
depth, and makes snapshots, save/load and the gradient check one array each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .activations import Activation, get_activation
from .budget import FORWARD_CHUNK_VALUES

Array = np.ndarray

INITS = ("normal", "xavier", "he")


@dataclass(frozen=True)
class ParamSpec:
    name: str  # "W1", "b1", ...
    layer: int  # 1-based
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def layout(sizes: Sequence[int], bias: bool) -> list[ParamSpec]:
    """Where each parameter sits in the flat vector."""
    specs: list[ParamSpec] = []
    offset = 0
    for i in range(1, len(sizes)):
        shape = (sizes[i - 1], sizes[i])
        specs.append(ParamSpec(f"W{i}", i, shape, offset))
        offset += shape[0] * shape[1]
        if bias:
            specs.append(ParamSpec(f"b{i}", i, (sizes[i],), offset))
            offset += sizes[i]
    return specs


class Network:
    """A multilayer perceptron ``Z_i = A_{i-1} ■ W_i (+ b_i)``, ``A_i = act_i(Z_i)``."""

    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[str],
        *,
        bias: bool = False,
        init: str = "normal",
        rng: np.random.Generator | None = None,
        params: Array | None = None,
    ) -> None:
        if len(sizes) < 2:
            raise ValueError("a network needs at least an input and an output size")
        if len(activations) != len(sizes) - 1:
            raise ValueError(
                f"{len(sizes) - 1} layers need {len(sizes) - 1} activations, got {len(activations)}"
            )
        self.sizes: tuple[int, ...] = tuple(int(s) for s in sizes)
        self.activations: tuple[Activation, ...] = tuple(get_activation(a) for a in activations)
        self.bias = bias
        self.init = init
        self.specs = layout(self.sizes, bias)
        n = sum(spec.size for spec in self.specs)
        if params is None:
            self.params = initial_params(self.specs, init, rng or np.random.default_rng())
        else:
            if params.shape != (n,):
                raise ValueError(f"expected {n} parameters, got shape {params.shape}")
            self.params = np.array(params, dtype=np.float64)
        self.views = self.split(self.params)

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return self.params.size

    def weight(self, layer: int) -> Array:
        return self.views[f"W{layer}"]

    def bias_of(self, layer: int) -> Array | None:
        return self.views.get(f"b{layer}")

    def split(self, flat: Array) -> dict[str, Array]:
        """Views of ``flat`` shaped like W1, b1, W2, ... (for params, grads, state)."""
        return {s.name: flat[s.offset : s.offset + s.size].reshape(s.shape) for s in self.specs}

    def forward(self, x: Array) -> Array:
        """The output for inputs ``x`` (allocating; the training loop uses the tape).

        Many points go through in chunks of rows, so that a wide network's accuracy or
        decision grid needs a few MiB, not rows × width (see mlp.budget).
        """
        a = np.asarray(x, dtype=np.float64)
        chunk = max(1, FORWARD_CHUNK_VALUES // max(self.sizes))
        if len(a) > chunk:
            return np.concatenate([self.forward(a[i : i + chunk]) for i in range(0, len(a), chunk)])
        with np.errstate(all="ignore"):
            for i, act in enumerate(self.activations, start=1):
                z = a @ self.weight(i)
                b = self.bias_of(i)
                if b is not None:
                    z += b
                a = act(z)
        return a

    def copy(self) -> Network:
        return Network(
            self.sizes,
            [a.name for a in self.activations],
            bias=self.bias,
            init=self.init,
            params=self.params.copy(),
        )


def initial_params(specs: Sequence[ParamSpec], init: str, rng: np.random.Generator) -> Array:
    """N(0,1) weights like the lab (or Xavier/He scaling); biases start at zero."""
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}: choose one of {', '.join(INITS)}")
    n = sum(spec.size for spec in specs)
    params = np.zeros(n)
    for spec in specs:
        if spec.name.startswith("b"):
            continue
        fan_in, fan_out = spec.shape
        w = rng.standard_normal(spec.shape)
        if init == "xavier":
            w *= np.sqrt(2.0 / (fan_in + fan_out))
        elif init == "he":
            w *= np.sqrt(2.0 / fan_in)
        params[spec.offset : spec.offset + spec.size] = w.reshape(-1)
    return params
