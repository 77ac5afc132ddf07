"""Check a lesson's claims headless: train each run with mlp over seeds, test ``expect``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from mlp import RunConfig, Trainer
from mlp.introspect import layer_health

from .model import Claim, Lesson


@dataclass(frozen=True)
class Metrics:
    """What a claim can say about one finished run (names: lessons.model.METRIC_NAMES)."""

    accuracy: float
    loss: float
    epochs_to_100: float
    diverged: bool
    generalisation_accuracy: float
    origin_output: float
    dead_units: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SeedResult:
    seed: int
    holds: bool
    metrics: dict[str, Metrics]  # run name ("" for a single run) -> metrics


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    seeds: tuple[SeedResult, ...]

    @property
    def passed(self) -> int:
        return sum(result.holds for result in self.seeds)

    @property
    def holds(self) -> bool:
        return self.passed >= self.claim.required


@dataclass(frozen=True)
class Curve:
    """A run's loss and accuracy per recorded epoch, for plots."""

    epochs: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray


def run_metrics(config: RunConfig) -> Metrics:
    """Train ``config`` for its epochs; cached because several claims share runs."""
    return _run(config)[0]


def run_curve(config: RunConfig) -> Curve:
    return _run(config)[1]


@lru_cache(maxsize=512)
def _run(config: RunConfig) -> tuple[Metrics, Curve]:
    trainer = Trainer(config)
    result = trainer.train(config.epochs)
    history_acc, history_epochs = trainer.history.accuracy, trainer.history.epochs
    reached = np.flatnonzero(history_acc >= 1.0)
    epochs_to_100 = float(history_epochs[reached[0]]) if reached.size else math.inf
    evaluation = trainer.evaluate()
    generalisation = math.nan if result.diverged else trainer.generalisation().accuracy
    origin = float(trainer.network.forward(np.zeros((1, 2)))[0, 0])
    dead = 0
    if not result.diverged:
        trainer.forward_pass()  # fresh activations of the final weights for layer_health
        dead = sum(h.dead for h in layer_health(trainer.tape)[:-1])
    metrics = Metrics(
        accuracy=float(evaluation.accuracy),
        loss=float(trainer.last_loss),
        epochs_to_100=epochs_to_100,
        diverged=result.diverged,
        generalisation_accuracy=float(generalisation),
        origin_output=origin,
        dead_units=int(dead),
    )
    epochs, loss, accuracy = trainer.history.downsampled(500)
    return metrics, Curve(epochs, loss, accuracy)


def check_seed(lesson: Lesson, claim: Claim, seed: int) -> SeedResult:
    metrics = {
        name: run_metrics(lesson.run_config(changes, seed=seed, epochs=claim.epochs))
        for name, changes in claim.runs.items()
    }
    if claim.single:
        env: dict[str, Any] = metrics[""].as_dict()
    else:
        env = {name: m.as_dict() for name, m in metrics.items()}
    return SeedResult(seed, claim.expect.evaluate(env), metrics)


def check_claim(lesson: Lesson, claim: Claim, seeds: tuple[int, ...] | None = None) -> ClaimResult:
    """Run the claim on each of its seeds (or ``seeds``)."""
    return ClaimResult(claim, tuple(check_seed(lesson, claim, s) for s in (seeds or claim.seeds)))
