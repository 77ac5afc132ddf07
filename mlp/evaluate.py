"""Predictions, accuracy and the lab's per-sample table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .losses import Loss
from .network import Network

Array = np.ndarray

THRESHOLD = 0.5


@dataclass(frozen=True)
class Evaluation:
    loss: float  # per-sample mean (the lab's MSE for squared error)
    accuracy: float  # fraction in [0, 1]
    prediction: Array  # the network's raw output, shape (N, 1)
    label: Array

    @property
    def predicted_class(self) -> Array:
        return (self.prediction > THRESHOLD).astype(int)

    def rows(self) -> list[tuple[int, int, float]]:
        """(sample number, ground truth, prediction): the lab's table, 1-based."""
        return [
            (i, int(g), float(p))
            for i, (g, p) in enumerate(
                zip(self.label[:, 0], self.prediction[:, 0], strict=True), start=1
            )
        ]


def accuracy(prediction: Array, label: Array) -> float:
    return float(np.mean((prediction > THRESHOLD) == (label > THRESHOLD)))


def evaluate(network: Network, x: Array, label: Array, loss: Loss) -> Evaluation:
    prediction = network.forward(x)
    with np.errstate(all="ignore"):
        value = loss.report(prediction, label)
    return Evaluation(value, accuracy(prediction, label), prediction, np.asarray(label))


def decision_grid(
    network: Network, resolution: int = 40, low: float = 0.0, high: float = 1.0
) -> tuple[Array, Array, Array]:
    """The network's output over a square grid: (xs, ys, values[row=y, col=x])."""
    xs = np.linspace(low, high, resolution)
    ys = np.linspace(low, high, resolution)
    gx, gy = np.meshgrid(xs, ys)
    values = network.forward(np.column_stack([gx.ravel(), gy.ravel()]))[:, 0]
    return xs, ys, values.reshape(resolution, resolution)
