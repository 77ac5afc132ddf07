"""Where training has got to, as a value: what undo keeps and what a run file saves.

A :class:`TrainerState` holds everything a :class:`~mlp.trainer.Trainer` needs to carry on
exactly as it would have (weights, optimizer state, where the epoch had got to, the shuffle
generator), and nothing the next pass recomputes (the tape's values). ``Trainer.state()``
takes one, ``Trainer.restore(state)`` puts it back. The :class:`UndoStack` keeps the latest
states within a byte budget, so that undo cannot eat the machine's memory on a big network.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .network import Array

# Bytes of trainer states the undo stack may keep; it always keeps the latest one.
UNDO_BUDGET = 64 * 2**20


@dataclass(frozen=True)
class Divergence:
    """Training stopped because the loss overflowed or became NaN."""

    epoch: int  # the epoch whose pass produced the loss
    loss: float
    reason: str  # why, and what to try, in the user's words


@dataclass(frozen=True)
class TrainerState:
    """A frozen copy of where a run had got to (arrays copied and read-only)."""

    params: Array  # the flat parameter vector (W1, b1, W2, ... in Network.specs order)
    optimizer_state: Mapping[str, Array]  # e.g. {"velocity": ...} or {"m": ..., "v": ...}
    optimizer_steps: int  # updates taken (Adam's bias correction counts them)
    epoch: int  # epochs completed
    batch_index: int  # passes completed in the current epoch
    batch_order: Array  # the dataset's row indices in this epoch's batch order
    shuffle_state: Mapping[str, Any]  # the shuffle generator's bit_generator.state
    epoch_loss_sum: float  # the current epoch's loss so far, summed over its samples
    last_epoch_loss: float  # the last completed epoch's loss per sample (NaN before any)
    divergence: Divergence | None
    first_epoch_at_100: int | None  # see Trainer.first_epoch_at_100

    @classmethod
    def copy_of(
        cls,
        *,
        params: Array,
        optimizer_state: Mapping[str, Array],
        batch_order: Array,
        shuffle_state: Mapping[str, Any],
        **fields: Any,
    ) -> TrainerState:
        """A state holding read-only copies of the arrays given, so that it cannot change."""
        return cls(
            params=_frozen(params),
            optimizer_state={name: _frozen(value) for name, value in optimizer_state.items()},
            batch_order=_frozen(batch_order),
            shuffle_state=_copied(shuffle_state),
            **fields,
        )

    @property
    def nbytes(self) -> int:
        """The memory its arrays take."""
        arrays = [self.params, self.batch_order, *self.optimizer_state.values()]
        return sum(int(a.nbytes) for a in arrays)


def _frozen(array: Array) -> Array:
    copy = np.array(array)
    copy.flags.writeable = False
    return copy


def _copied(state: Mapping[str, Any]) -> dict[str, Any]:
    # bit_generator.state is a dict of ints and small dicts: copy each level.
    return {k: _copied(v) if isinstance(v, Mapping) else v for k, v in state.items()}


class UndoStack:
    """The latest trainer states, as many as fit in ``budget`` bytes (at least one)."""

    def __init__(self, budget: int = UNDO_BUDGET) -> None:
        self.budget = budget
        self._states: deque[TrainerState] = deque()
        self._bytes = 0

    def push(self, state: TrainerState) -> None:
        self._states.append(state)
        self._bytes += state.nbytes
        while self._bytes > self.budget and len(self._states) > 1:
            self._bytes -= self._states.popleft().nbytes

    def pop(self) -> TrainerState:
        state = self._states.pop()
        self._bytes -= state.nbytes
        return state

    def clear(self) -> None:
        self._states.clear()
        self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._states)

    def __bool__(self) -> bool:
        return bool(self._states)
