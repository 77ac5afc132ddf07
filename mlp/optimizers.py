"""Optimizers behind one small interface, updating the flat parameter vector.

Each keeps its state (velocity, moments) as flat arrays shaped like the
parameters, so the app can show them per tensor with ``Network.split``.
"""

from __future__ import annotations

import numpy as np

from .network import Array

# The parameters' shape: one flat vector, or (runs, parameters) when mlp.batched stacks runs.
Shape = int | tuple[int, ...]


class Optimizer:
    name = "optimizer"

    def __init__(self, n_params: Shape, lr: float) -> None:
        # A float; mlp.batched sets a column of them, one learning rate per stacked run.
        self.lr: float | Array = float(lr)
        self._scratch = np.empty(n_params)

    def update(self, params: Array, grads: Array) -> None:
        raise NotImplementedError

    def formula(self, w: str, grad: str) -> str:
        """The update of one parameter in the lab's notation."""
        raise NotImplementedError

    def state(self) -> dict[str, Array]:
        """Named state arrays (live); copy them to keep them."""
        return {}

    @property
    def steps(self) -> int:
        return 0

    def load_state(self, state: dict[str, Array], steps: int = 0) -> None:
        for key, value in state.items():
            np.copyto(self.state()[key], value)


class GradientDescent(Optimizer):
    name = "gd"

    def update(self, params: Array, grads: Array) -> None:
        np.multiply(grads, self.lr, out=self._scratch)
        params -= self._scratch

    def formula(self, w: str, grad: str) -> str:
        return f"{w}' = {w} − lr * {grad}"


class Momentum(Optimizer):
    """V = μ·V − lr * ∂L/∂W; W' = W + V."""

    name = "momentum"

    def __init__(self, n_params: Shape, lr: float, momentum: float = 0.9) -> None:
        super().__init__(n_params, lr)
        self.momentum: float | Array = float(momentum)  # a column too, when runs are stacked
        self.velocity = np.zeros(n_params)

    def update(self, params: Array, grads: Array) -> None:
        self.velocity *= self.momentum
        np.multiply(grads, self.lr, out=self._scratch)
        self.velocity -= self._scratch
        params += self.velocity

    def formula(self, w: str, grad: str) -> str:
        v = "V" + w[1:]
        return f"{v}' = μ·{v} − lr * {grad};  {w}' = {w} + {v}'"

    def state(self) -> dict[str, Array]:
        return {"velocity": self.velocity}


class Nesterov(Momentum):
    """Momentum with look-ahead: V' = μ·V − lr * g; W' = W + μ·V' − lr * g."""

    name = "nesterov"

    def update(self, params: Array, grads: Array) -> None:
        self.velocity *= self.momentum
        np.multiply(grads, self.lr, out=self._scratch)
        self.velocity -= self._scratch
        params -= self._scratch
        np.multiply(self.velocity, self.momentum, out=self._scratch)
        params += self._scratch

    def formula(self, w: str, grad: str) -> str:
        v = "V" + w[1:]
        return f"{v}' = μ·{v} − lr * {grad};  {w}' = {w} + μ·{v}' − lr * {grad}"


class Adam(Optimizer):
    name = "adam"

    def __init__(
        self,
        n_params: Shape,
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(n_params, lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = np.zeros(n_params)
        self.v = np.zeros(n_params)
        self._t = 0
        self._denominator = np.empty(n_params)

    @property
    def steps(self) -> int:
        return self._t

    def update(self, params: Array, grads: Array) -> None:
        self._t += 1
        self.m *= self.beta1
        np.multiply(grads, 1.0 - self.beta1, out=self._scratch)
        self.m += self._scratch
        self.v *= self.beta2
        np.multiply(grads, grads, out=self._scratch)
        self._scratch *= 1.0 - self.beta2
        self.v += self._scratch
        # lr·m̂/(√v̂ + ε) with the bias corrections folded into two scalars.
        step = self.lr / (1.0 - self.beta1**self._t)
        np.sqrt(self.v, out=self._denominator)
        self._denominator *= 1.0 / np.sqrt(1.0 - self.beta2**self._t)
        self._denominator += self.eps
        np.divide(self.m, self._denominator, out=self._scratch)
        self._scratch *= step
        params -= self._scratch

    def formula(self, w: str, grad: str) -> str:
        return f"m = β1·m + (1−β1)·{grad};  v = β2·v + (1−β2)·{grad}²;  {w}' = {w} − lr·m̂/(√v̂ + ε)"

    def state(self) -> dict[str, Array]:
        return {"m": self.m, "v": self.v}

    def load_state(self, state: dict[str, Array], steps: int = 0) -> None:
        super().load_state(state)
        self._t = steps


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GradientDescent,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adam": Adam,
}
ALIASES = {"sgd": "gd", "gradient_descent": "gd", "nag": "nesterov"}


def make_optimizer(name: str, n_params: Shape, lr: float, momentum: float = 0.9) -> Optimizer:
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}")
    if key == "momentum":
        return Momentum(n_params, lr, momentum)
    if key == "nesterov":
        return Nesterov(n_params, lr, momentum)
    return OPTIMIZERS[key](n_params, lr)
