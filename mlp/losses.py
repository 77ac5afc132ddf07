"""Loss functions: the objective that is minimised and its gradient ∂L/∂y.

The lab's derivation writes ∂L/∂y = 2(y − label): the gradient of the squared
error *summed* over the batch (``sse``, the default). ``mse`` is PyTorch's
MSELoss (the mean, ∂L/∂y = 2(y − label)/N) and ``bce`` is binary cross-entropy.
Whatever the objective, the figure reported to the user is its per-sample mean
(for the squared error: the lab's MSE).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray

# BCE clips predictions this far from 0 and 1 so that log and 1/y stay finite.
BCE_EPS = 1e-12


@dataclass(frozen=True)
class Loss:
    name: str
    kind: str  # "se" (squared error) or "bce"
    reduction: str  # "sum" or "mean"
    description: str

    @property
    def formula(self) -> str:
        """∂L/∂y in the lab's notation."""
        scale = "" if self.reduction == "sum" else "/N"
        if self.kind == "se":
            return f"2(y − label){scale}"
        return f"(y − label) / (y(1 − y)){scale}"

    @property
    def objective_formula(self) -> str:
        agg = "Σ" if self.reduction == "sum" else "mean"
        if self.kind == "se":
            return f"{agg} (y − label)²"
        return f"−{agg} [label·log y + (1 − label)·log(1 − y)]"

    def objective(self, y: Array, label: Array) -> float:
        """The scalar actually minimised (used by the gradient check)."""
        per_element = self.per_element(y, label)
        return float(per_element.sum() if self.reduction == "sum" else per_element.mean())

    def report(self, y: Array, label: Array) -> float:
        """The per-sample mean the user sees (MSE for the squared error)."""
        return float(self.per_element(y, label).mean())

    def per_element(self, y: Array, label: Array) -> Array:
        """The loss of each entry of y (before the sum or mean), allocating."""
        per_element: Array
        if self.kind == "se":
            per_element = (y - label) ** 2
        else:
            p = np.clip(y, BCE_EPS, 1.0 - BCE_EPS)
            per_element = -(label * np.log(p) + (1.0 - label) * np.log(1.0 - p))
        return per_element

    def forward(self, y: Array, label: Array, residual: Array) -> float:
        """Write y − label into ``residual``; return the reported (per-sample) loss."""
        np.subtract(y, label, out=residual)
        if self.kind == "se":
            flat = residual.reshape(-1)
            return float(np.dot(flat, flat)) / flat.size
        return float(self.per_element(y, label).mean())

    def backward(self, y: Array, label: Array, residual: Array, out: Array) -> None:
        """Write ∂L/∂y into ``out`` (``residual`` holds y − label from forward)."""
        if self.kind == "se":
            if self.reduction == "sum":
                np.add(residual, residual, out=out)  # 2(y − label), exactly
            else:
                np.multiply(residual, 2.0 / y.size, out=out)
        else:
            # d/dy of the BCE with y clipped exactly as in the objective.
            p = np.clip(y, BCE_EPS, 1.0 - BCE_EPS)
            np.subtract(p, label, out=out)
            out /= p * (1.0 - p)
            if self.reduction == "mean":
                out /= y.size


LOSSES: dict[str, Loss] = {
    "sse": Loss("sse", "se", "sum", "squared error summed over the batch (the lab's 2(y − label))"),
    "mse": Loss("mse", "se", "mean", "mean squared error (PyTorch's MSELoss)"),
    "bce": Loss("bce", "bce", "mean", "binary cross-entropy, mean over the batch"),
    "bce_sum": Loss("bce_sum", "bce", "sum", "binary cross-entropy summed over the batch"),
}


def get_loss(name: str) -> Loss:
    key = name.strip().lower().replace("-", "_")
    try:
        return LOSSES[key]
    except KeyError:
        choices = ", ".join(LOSSES)
        raise ValueError(f"unknown loss {name!r}: choose one of {choices}") from None
