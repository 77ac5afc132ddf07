"""Continuous training answers a pause within one chunk of time, whatever the network's size:
whole epochs while they are quick, single sub-steps once an epoch outgrows a chunk (12.12)."""

from __future__ import annotations

import numpy as np

from mlp import RunConfig, Trainer
from tui import training_worker
from tui.training_worker import TrainingControl, train_continuously


def _stop_at(publish_count: int, control: TrainingControl) -> tuple[list, object]:
    published: list = []

    def publish(snapshot) -> None:
        published.append(snapshot)
        if len(published) >= publish_count:
            control.stop.set()

    return published, publish


def test_a_network_whose_epoch_outgrows_a_chunk_trains_by_sub_steps(monkeypatch) -> None:
    """Chunks too short for one epoch: the first epoch is timed, then single sub-steps."""
    monkeypatch.setattr(training_worker, "CHUNK_SECONDS", 1e-9)
    trainer = Trainer(RunConfig(hidden=(4,)))
    control = TrainingControl(speed=None)
    published, publish = _stop_at(2, control)
    result = train_continuously(trainer, control, publish, rate=1e9)
    assert result is not None and result.status == "stopped"
    # One whole epoch measured, then one sub-step: the pause came one sub-step later.
    assert (trainer.epoch, trainer.cursor) == (1, 1)
    assert published[-1].cursor == 1


def test_a_big_network_starts_by_sub_steps(monkeypatch) -> None:
    monkeypatch.setattr(training_worker, "STEPPING_WORK", 0)
    monkeypatch.setattr(training_worker, "CHUNK_SECONDS", 1e-9)
    trainer = Trainer(RunConfig(hidden=(4,)))
    control = TrainingControl(speed=None)
    _published, publish = _stop_at(1, control)
    train_continuously(trainer, control, publish, rate=1e9)
    assert (trainer.epoch, trainer.cursor) == (0, 1)


def test_quick_epochs_train_whole_and_as_headless_training_would() -> None:
    trainer = Trainer(RunConfig(hidden=(4,)))
    control = TrainingControl(speed=None)
    _published, publish = _stop_at(3, control)
    train_continuously(trainer, control, publish, rate=1e9)
    assert trainer.epoch > 0 and trainer.cursor == len(trainer.steps)
    reference = Trainer(RunConfig(hidden=(4,)))
    reference.train(trainer.epoch)
    assert np.array_equal(trainer.network.params, reference.network.params)
