"""What a lesson is once loaded: plain data, no behaviour beyond small helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlp import RunConfig

from .checks import Expression

# Names a step's check can read from the live trainer (see lessons.live.state).
STEP_NAMES: dict[str, str] = {
    "substep": 'key of the last sub-step done, e.g. "dL/dZ2" ("" before the first)',
    "phase": 'phase of that sub-step: "forward", "loss", "backward", "update" or ""',
    "cursor": "sub-steps done in the current pass",
    "epoch": "completed epochs",
    "accuracy": "training accuracy of the current weights, 0..1",
    "loss": "the most recent epoch loss (per sample)",
    "diverged": "true once the loss overflowed or became NaN",
    "lr": "the learning rate",
    "optimizer": 'the optimizer name, e.g. "gd"',
    "dataset": 'the dataset name, e.g. "xor"',
}

# Names a claim's expect can read from one finished run (see lessons.claims.Metrics).
METRIC_NAMES: dict[str, str] = {
    "accuracy": "final training accuracy, 0..1",
    "loss": "final epoch loss per sample (the overflowed value if diverged)",
    "epochs_to_100": "first recorded epoch with accuracy 1.0, or inf",
    "diverged": "true if the loss overflowed or became NaN",
    "generalisation_accuracy": "accuracy on 100 fresh points (NaN if diverged)",
    "origin_output": "the network output y at the input (0, 0)",
    "dead_units": "hidden ReLU units that output 0 for every training point",
}


@dataclass(frozen=True)
class Step:
    title: str
    body: str  # Markdown prose shown to the learner
    line: int  # line of the "## " heading in the lesson file
    action: str = ""
    check: Expression | None = None
    config: dict[str, Any] = field(default_factory=dict)  # RunConfig changes applied on open


@dataclass(frozen=True)
class Claim:
    text: str
    line: int
    runs: dict[str, dict[str, Any]]  # run name -> RunConfig changes from the lesson's config
    expect: Expression
    epochs: int
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    min_seeds: int | None = None  # None: the claim must hold on every seed

    @property
    def single(self) -> bool:
        """One unnamed run: its metrics are top-level names in ``expect``."""
        return list(self.runs) == [""]

    @property
    def required(self) -> int:
        return len(self.seeds) if self.min_seeds is None else self.min_seeds


@dataclass(frozen=True)
class Lesson:
    name: str  # the file stem, used on the command line
    path: Path
    title: str
    summary: str
    order: int
    config: RunConfig
    intro: str
    steps: tuple[Step, ...]
    claims: tuple[Claim, ...]

    def step_config(self, index: int) -> RunConfig:
        """The settings step ``index`` opens with: the lesson's config plus the changes of
        every step up to it, so the result never depends on how the learner navigated."""
        changes: dict[str, Any] = {}
        for step in self.steps[: index + 1]:
            changes.update(step.config)
        return self.config.replace(**changes).validated() if changes else self.config

    def run_config(self, changes: dict[str, Any], *, seed: int, epochs: int) -> RunConfig:
        """The lesson's config with a claim's changes, for one seed."""
        return self.config.replace(**changes, seed=seed, epochs=epochs).validated()
