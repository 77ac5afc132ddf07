"""Trainer.state() and restore(): a frozen copy of a run that undo and run files both use."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mlp import RunConfig, Trainer, TrainerState
from mlp.state import UndoStack

MINIBATCH = RunConfig(
    dataset="spiral", n=24, hidden=(5, 4), batch_size=5, optimizer="adam", lr=0.01, seed=3
)


def _passes(trainer: Trainer, passes: int) -> None:
    for _ in range(passes):
        trainer.train_step()


def test_a_state_restored_later_carries_on_exactly_as_it_would_have() -> None:
    straight, detour = Trainer(MINIBATCH), Trainer(MINIBATCH)
    _passes(straight, 13)
    _passes(detour, 13)
    saved = detour.state()
    _passes(detour, 29)  # across epoch ends and reshuffles, Adam's steps counting on
    detour.restore(saved)
    assert (detour.epoch, detour.batch_index) == (straight.epoch, straight.batch_index)
    _passes(straight, 31)
    _passes(detour, 31)
    assert np.array_equal(detour.network.params, straight.network.params)
    assert np.array_equal(detour.optimizer.state()["v"], straight.optimizer.state()["v"])
    assert detour.optimizer.steps == straight.optimizer.steps == 13 + 31
    assert np.array_equal(detour.batch_indices, straight.batch_indices)
    assert detour.last_loss == straight.last_loss
    assert np.array_equal(detour.history.loss, straight.history.loss)


def test_a_state_is_frozen_and_owns_its_arrays() -> None:
    trainer = Trainer(MINIBATCH)
    _passes(trainer, 7)
    state = trainer.state()
    params, m = state.params.copy(), state.optimizer_state["m"].copy()
    _passes(trainer, 7)  # the trainer moves on: the state must not
    assert np.array_equal(state.params, params)
    assert np.array_equal(state.optimizer_state["m"], m)
    with pytest.raises(ValueError):
        state.params[0] = 1.0
    with pytest.raises(ValueError):
        state.batch_order[0] = 3
    with pytest.raises(AttributeError):
        state.epoch = 9  # type: ignore[misc]


def test_a_state_of_another_run_is_refused_and_changes_nothing() -> None:
    trainer = Trainer(MINIBATCH)
    before = trainer.network.params.copy()
    other = Trainer(MINIBATCH.replace(hidden=(3,))).state()
    with pytest.raises(ValueError, match="parameters"):
        trainer.restore(other)
    mine = trainer.state()
    order = mine.batch_order.copy()
    order[0] = order[1]  # no longer a permutation of the data
    bad = TrainerState.copy_of(
        params=mine.params,
        optimizer_state=mine.optimizer_state,
        batch_order=order,
        shuffle_state=mine.shuffle_state,
        optimizer_steps=0,
        epoch=0,
        batch_index=0,
        epoch_loss_sum=0.0,
        last_epoch_loss=float("nan"),
        divergence=None,
        first_epoch_at_100=None,
    )
    with pytest.raises(ValueError, match="batch order"):
        trainer.restore(bad)
    foreign = dataclasses.replace(mine, shuffle_state={"bit_generator": "PCG64"})
    with pytest.raises(ValueError, match="shuffle state"):
        trainer.restore(foreign)
    assert np.array_equal(trainer.network.params, before)
    assert trainer.state().shuffle_state == mine.shuffle_state


def test_undo_keeps_as_many_states_as_its_byte_budget_holds() -> None:
    trainer = Trainer(RunConfig(dataset="xor", hidden=(20, 20), optimizer="adam"))
    size = trainer.state().nbytes
    # params, m and v: three flat vectors of 2·20 + 20·20 + 20·1 = 460 floats, and the order
    assert size == 3 * 460 * 8 + trainer.state().batch_order.nbytes
    trainer.undo_stack.budget = 3 * size + size // 2  # room for three states, not four
    for _ in range(10):
        trainer.train_step()
    assert len(trainer.undo_stack) == 3 and trainer.undo_stack.nbytes == 3 * size
    undone = 0
    while trainer.can_undo:
        trainer.previous_substep()
        undone += 1
    # Three updates undone, each followed by a walk back through its pass's other sub-steps.
    assert undone == 3 * len(trainer.steps)
    assert trainer.epoch == 7 and trainer.cursor == 0


def test_undo_always_keeps_the_latest_state_however_small_the_budget() -> None:
    trainer = Trainer(RunConfig(dataset="xor", hidden=(4,)))
    trainer.undo_stack.budget = 1
    before = trainer.network.params.copy()
    trainer.train_step()
    trainer.train_step()
    assert len(trainer.undo_stack) == 1
    trainer.previous_substep()
    assert trainer.epoch == 1 and not np.array_equal(trainer.network.params, before)


def test_the_undo_stack_counts_bytes_in_and_out() -> None:
    stack = UndoStack(budget=10**9)
    states = []
    for epochs in range(3):
        trainer = Trainer(RunConfig(dataset="xor", hidden=(2 + epochs,)))
        states.append(trainer.state())
        stack.push(states[-1])
    assert stack.nbytes == sum(s.nbytes for s in states)
    assert stack.pop() is states[-1]
    assert stack.nbytes == states[0].nbytes + states[1].nbytes
    stack.clear()
    assert not stack and stack.nbytes == 0
