"""The bridge between a lesson step and a live trainer: what checks read, what steps change."""

from __future__ import annotations

from typing import Any

from mlp import RunConfig, Trainer

from .model import Step

# Settings a running trainer can take in place; anything else needs a fresh network.
LIVE_SETTINGS = ("lr", "momentum")


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


def needs_new_trainer(config: RunConfig, changes: dict[str, Any]) -> bool:
    target = config.replace(**changes).validated()
    live_only = config.replace(**{k: getattr(target, k) for k in LIVE_SETTINGS})
    return target != live_only


def apply_changes(trainer: Trainer, changes: dict[str, Any]) -> Trainer:
    """Apply a step's config change: in place when only lr/momentum change, else a new
    Trainer with the same seed (the learner starts that experiment from scratch)."""
    if not changes:
        return trainer
    if needs_new_trainer(trainer.config, changes):
        return Trainer(trainer.config.replace(**changes).validated())
    if "lr" in changes and changes["lr"] != trainer.config.lr:
        trainer.set_lr(changes["lr"])
    if "momentum" in changes and changes["momentum"] != trainer.config.momentum:
        trainer.set_momentum(changes["momentum"])
    return trainer
