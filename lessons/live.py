"""The bridge between a lesson step and a live trainer: what checks read, what steps change."""

from __future__ import annotations

from typing import Any

from mlp import Trainer

from .model import Lesson, Step


def state(trainer: Trainer) -> dict[str, Any]:
    """The names a step's check can read (lessons.model.STEP_NAMES)."""
    step = trainer.current_step
    diverged = trainer.divergence is not None
    accuracy = 0.0 if diverged else float(trainer.evaluate().accuracy)
    return {
        "substep": step.key if step is not None else "",
        "phase": step.phase if step is not None else "",
        "cursor": trainer.cursor,
        "epoch": trainer.epoch,
        "accuracy": accuracy,
        "loss": float(trainer.last_loss),
        "diverged": diverged,
        "lr": trainer.config.lr,
        "optimizer": trainer.config.optimizer,
        "dataset": trainer.config.dataset,
    }


def check_passes(step: Step, trainer: Trainer) -> bool | None:
    """True/False for a step's check on the live trainer; None when the step has no check."""
    if step.check is None:
        return None
    return step.check.evaluate(state(trainer))


def trainer_for_step(lesson: Lesson, index: int, trainer: Trainer) -> Trainer:
    """The trainer step ``index`` should show: ``trainer`` itself when its settings already
    match the step's, else a fresh one, because a lesson's experiments (like its claims)
    start from new weights."""
    target = lesson.step_config(index)
    return trainer if trainer.config == target else Trainer(target)
