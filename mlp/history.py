"""Loss and accuracy per epoch, in bounded memory however long the run, hiding nothing.

Every epoch is recorded. The first ``head`` epochs are kept exactly, always. The later ones
are kept until the buffer fills; then they are grouped into windows of ``stride`` epochs and
each window keeps only its extremes: the epoch where its loss was lowest and the one where it
was highest (one point when they coincide), and the latest epoch is always kept. The stride
doubles as often as needed to free half the buffer. So a million-epoch run keeps its first
epochs, every spike and every dip, in at most ``capacity`` points, and every point kept is
one epoch's true loss and accuracy, never an average.

``downsampled(points)`` thins the same way for a plot or a JSON document (min-max
decimation): the first and last points and each bucket's extremes.

With ``runs=K`` (runs trained side by side, see ``mlp.batched``) ``loss`` and ``accuracy``
have one column per run, and a window keeps the extremes of every run.
"""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np
import numpy.typing as npt

from .network import Array

Index = npt.NDArray[np.intp]


def evenly_spread(n: int, points: int) -> Index:
    """Indices of at most ``points`` of ``n`` points, evenly spread, first and last kept."""
    if n <= points:
        return np.arange(n)
    return np.linspace(0, n - 1, points).round().astype(np.intp)


def extremes(group: Index, loss: Array) -> Index:
    """Sorted indices of the points with the lowest and highest loss of each group.

    ``group`` labels consecutive points (non-decreasing); ``loss`` has one column per run
    or is 1-d. Ties go to the earliest point. NaN counts as neither low nor high unless a
    group has nothing else.
    """
    columns = loss.reshape(len(loss), -1)
    keep = []
    for column in columns.T:
        for key in (column, -column):  # lowest first, then highest first
            order = np.lexsort((key, group))  # by group, then by key, stable
            first = np.ones(len(order), dtype=bool)
            first[1:] = group[order][1:] != group[order][:-1]
            keep.append(order[first])
    return np.unique(np.concatenate(keep)) if keep else np.arange(0)


def downsample(
    epochs: Array, loss: Array, accuracy: Array, points: int
) -> tuple[Array, Array, Array]:
    """At most ``points`` of the points given, chosen by min-max decimation.

    The first and last points are kept; the epochs between are cut into equal spans and each
    span keeps its lowest and highest loss (of every run), so a one-epoch spike survives.
    """
    n = len(epochs)
    if n <= points:
        return epochs.copy(), loss.copy(), accuracy.copy()
    runs = 1 if loss.ndim == 1 else loss.shape[1]
    buckets = max(1, (points - 2) // (2 * runs))
    inner = slice(1, n - 1)
    edges = np.linspace(epochs[0], epochs[-1], buckets + 1)[1:-1]
    group = np.searchsorted(edges, epochs[inner], side="right")
    keep = np.concatenate(([0], 1 + extremes(group, loss[inner]), [n - 1]))
    return epochs[keep], loss[keep], accuracy[keep]


class History:
    """One run's points, or with ``runs=K`` the points of K runs trained side by side
    (``loss`` and ``accuracy`` then have one column per run)."""

    def __init__(self, capacity: int = 4096, runs: int | None = None) -> None:
        if capacity < 16 * (runs or 1) or capacity % 2:
            raise ValueError("capacity must be an even number of at least 16 per run")
        self.capacity = capacity
        self.runs = runs
        self.head = capacity // 8  # epochs 1..head are never thinned
        self.stride = 1  # the width of a window, in epochs, at the last thinning
        # Python lists, not numpy buffers: record() runs every epoch, and appending to a list
        # costs a fraction of assigning one numpy element.
        self._epoch: list[int] = []
        self._loss: list[Any] = []
        self._accuracy: list[Any] = []

    def record(self, epoch: int, loss: float | Array, accuracy: float | Array) -> None:
        """Add one epoch's point (epochs in increasing order)."""
        if self.runs is not None:  # keep copies: the caller may reuse its arrays
            loss, accuracy = np.array(loss, dtype=float), np.array(accuracy, dtype=float)
        self._epoch.append(epoch)
        self._loss.append(loss)
        self._accuracy.append(accuracy)
        if len(self._epoch) == self.capacity:
            self._thin()

    def _thin(self) -> None:
        """Keep the head, each window's extremes and the last point: half the buffer at most."""
        all_epochs, all_loss, all_accuracy = self._arrays()
        n = len(all_epochs)
        start = int(np.searchsorted(all_epochs, self.head, side="right"))
        epochs = all_epochs[start : n - 1]  # the last point is kept whatever happens
        while True:
            group = (epochs - self.head - 1) // self.stride
            keep = extremes(group, all_loss[start : n - 1])
            if start + len(keep) + 1 <= self.capacity // 2 or group[0] == group[-1]:
                break
            self.stride *= 2
        rows = np.concatenate((np.arange(start), start + keep, [n - 1]))
        self._epoch = all_epochs[rows].tolist()
        if self.runs is None:
            self._loss, self._accuracy = all_loss[rows].tolist(), all_accuracy[rows].tolist()
        else:
            self._loss, self._accuracy = list(all_loss[rows]), list(all_accuracy[rows])

    def _arrays(self) -> tuple[Array, Array, Array]:
        shape = (len(self._epoch),) if self.runs is None else (len(self._epoch), self.runs)
        return (
            np.array(self._epoch, dtype=np.int64),
            np.array(self._loss, dtype=float).reshape(shape),
            np.array(self._accuracy, dtype=float).reshape(shape),
        )

    def discard_after(self, epoch: int) -> None:
        """Forget points past ``epoch`` (used by undo)."""
        n = bisect.bisect_right(self._epoch, epoch)
        del self._epoch[n:], self._loss[n:], self._accuracy[n:]

    def __len__(self) -> int:
        return len(self._epoch)

    @property
    def epochs(self) -> Array:
        return np.array(self._epoch, dtype=np.int64)

    @property
    def loss(self) -> Array:
        return self._arrays()[1]

    @property
    def accuracy(self) -> Array:
        return self._arrays()[2]

    def downsampled(self, points: int = 1000) -> tuple[Array, Array, Array]:
        """At most ``points`` points for a plot or JSON: first, last and extremes kept."""
        return downsample(*self._arrays(), points)

    def state(self) -> dict[str, Array]:
        return {"epoch": self.epochs, "loss": self.loss, "accuracy": self.accuracy}

    @classmethod
    def from_state(cls, state: dict[str, Any], stride: int, capacity: int = 4096) -> History:
        """A history holding saved points (``state()``) with the stride it had."""
        epoch, loss, accuracy = (np.asarray(state[k]) for k in ("epoch", "loss", "accuracy"))
        n = len(epoch)
        if n > capacity:
            raise ValueError("saved history is longer than the capacity")
        if not (loss.shape == accuracy.shape == (n,)):
            raise ValueError("saved history arrays differ in length")
        if stride < 1:
            raise ValueError(f"the history stride must be at least 1, got {stride}")
        if n and (np.diff(epoch) <= 0).any():
            raise ValueError("saved history epochs are not increasing")
        history = cls(capacity)
        for e, value, acc in zip(epoch.tolist(), loss.tolist(), accuracy.tolist(), strict=True):
            history.record(int(e), value, acc)
        history.stride = max(history.stride, int(stride))
        return history
