"""The bridge between a lesson step and a live trainer: what checks read, what steps change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mlp import Trainer

from .model import SAMPLE_NAMES, Lesson, LessonStep


def check_values(
    trainer: Trainer, sample: int | None = None, names: Iterable[str] | None = None
) -> dict[str, Any]:
    """The names a step's check and a live exercise answer read, now: the trainer's state
    (lessons.model.STEP_NAMES) and the numbers of the selected sample on the tape
    (lessons.model.SAMPLE_NAMES; ``sample`` counts from 1, default the first row).

    ``names`` (e.g. a check's ``Expression.names``) limits the work to what is read: a check
    evaluated after every epoch computes the accuracy only if it reads it. A plain dict of
    plain values, so that the app can keep one as a step's snapshot.
    """
    wanted = None if names is None else set(names)
    step = trainer.current_step
    diverged = trainer.divergence is not None
    values: dict[str, Any] = {
        "substep": step.key if step is not None else "",
        "phase": step.phase if step is not None else "",
        "cursor": trainer.cursor,
        "epoch": trainer.epoch,
        "loss": float(trainer.last_loss),
        "diverged": diverged,
        "lr": trainer.config.lr,
        "optimizer": trainer.config.optimizer,
        "dataset": trainer.config.dataset,
    }
    if wanted is None or "accuracy" in wanted:
        values["accuracy"] = 0.0 if diverged else float(trainer.evaluate().accuracy)
    if wanted is None or wanted & set(SAMPLE_NAMES):
        values |= sample_values(trainer, sample)
    return values


def sample_values(trainer: Trainer, sample: int | None = None) -> dict[str, float | int]:
    """One sample's row of the tape's current pass (what the app's formulas show)."""
    values = trainer.tape.values
    rows = len(values["X"])
    row = min(max((sample or 1) - 1, 0), rows - 1)
    depth = trainer.network.depth

    def at(key: str, column: int = 0) -> float:
        return float(np.asarray(values[key])[row, column])

    return {
        "sample": row + 1,
        "sample_x1": at("X", 0),
        "sample_x2": at("X", 1),
        "sample_label": at("label"),
        "sample_y": at("y"),
        "sample_z_out": at(f"Z{depth}"),
        "sample_dL_dy": at("dL/dy"),
        "sample_dL_dz_out": at(f"dL/dZ{depth}"),
        "sample_z1_unit1": at("Z1"),
        "sample_z1act_unit1": at("Z1Act") if "Z1Act" in values else at("Z1"),
    }


def check_passes(step: LessonStep, trainer: Trainer) -> bool | None:
    """True/False for a step's check on the live trainer; None when the step has no check."""
    if step.check is None:
        return None
    return step.check.evaluate(check_values(trainer, names=step.check.names))


def trainer_for_step(lesson: Lesson, index: int, trainer: Trainer) -> Trainer:
    """The trainer step ``index`` should show: ``trainer`` itself when its settings already
    match the step's, else a fresh one, because a lesson's experiments (like its claims)
    start from new weights."""
    target = lesson.step_config(index)
    return trainer if trainer.config == target else Trainer(target)
