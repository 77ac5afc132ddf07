"""Loss and accuracy per epoch, in bounded memory however long the run.

Points are kept every ``stride`` epochs; when the buffer fills, every other
point is dropped and the stride doubles, so a million-epoch run holds at most
``capacity`` points and its curve keeps its shape from start to end.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def evenly_spread(n: int, points: int) -> Array:
    """Indices of at most ``points`` of ``n`` points, evenly spread, first and last kept."""
    if n <= points:
        return np.arange(n)
    return np.linspace(0, n - 1, points).round().astype(int)


class History:
    """One run's points, or with ``runs=K`` the points of K runs trained side by side
    (``loss`` and ``accuracy`` then have one column per run)."""

    def __init__(self, capacity: int = 4096, runs: int | None = None) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number of at least 4")
        self.capacity = capacity
        self.stride = 1
        shape = (capacity,) if runs is None else (capacity, runs)
        self._epoch = np.zeros(capacity, dtype=np.int64)
        self._loss = np.zeros(shape)
        self._accuracy = np.zeros(shape)
        self._n = 0

    def wants(self, epoch: int) -> bool:
        """Whether ``epoch`` (1-based) falls on the current stride."""
        return epoch % self.stride == 0

    def record(self, epoch: int, loss: float | Array, accuracy: float | Array) -> None:
        if self._n == self.capacity:
            keep = slice(1, None, 2)  # the epochs that are multiples of the new stride
            half = self.capacity // 2
            self._epoch[:half] = self._epoch[keep]
            self._loss[:half] = self._loss[keep]
            self._accuracy[:half] = self._accuracy[keep]
            self._n = half
            self.stride *= 2
            if epoch % self.stride:
                return
        self._epoch[self._n] = epoch
        self._loss[self._n] = loss
        self._accuracy[self._n] = accuracy
        self._n += 1

    def discard_after(self, epoch: int) -> None:
        """Forget points past ``epoch`` (used by undo)."""
        self._n = int(np.searchsorted(self._epoch[: self._n], epoch, side="right"))

    def __len__(self) -> int:
        return self._n

    @property
    def epochs(self) -> Array:
        return self._epoch[: self._n].copy()

    @property
    def loss(self) -> Array:
        return self._loss[: self._n].copy()

    @property
    def accuracy(self) -> Array:
        return self._accuracy[: self._n].copy()

    def downsampled(self, points: int = 1000) -> tuple[Array, Array, Array]:
        """At most ``points`` evenly spread points (for plots and JSON)."""
        idx = evenly_spread(self._n, points)
        return self._epoch[idx], self._loss[idx], self._accuracy[idx]

    def state(self) -> dict[str, Array]:
        return {"epoch": self.epochs, "loss": self.loss, "accuracy": self.accuracy}

    @classmethod
    def from_state(cls, state: dict[str, Array], stride: int, capacity: int = 4096) -> History:
        history = cls(capacity)
        n = len(state["epoch"])
        if n > capacity:
            raise ValueError("saved history is longer than the capacity")
        history._epoch[:n] = state["epoch"]
        history._loss[:n] = state["loss"]
        history._accuracy[:n] = state["accuracy"]
        history._n, history.stride = n, stride
        return history
