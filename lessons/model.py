"""What a lesson is once loaded: plain data, no behaviour beyond small helpers."""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlp import RunConfig

from .checks import Expression

DEFAULT_SEEDS = tuple(range(10))  # the seeds a claim is checked on unless it names its own

# Names a step's check (and a live exercise answer) can read from the live trainer
# (see lessons.live.check_values).
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

# The selected sample's numbers on the live tape, for exercises (lessons.live.check_values).
# They are the values of the current pass: what the app's formulas show.
SAMPLE_NAMES: dict[str, str] = {
    "sample": "which sample is selected, 1 for the first row of the batch",
    "sample_x1": "its first input",
    "sample_x2": "its second input",
    "sample_label": "its label, 0 or 1",
    "sample_y": "the network's output y for it",
    "sample_z_out": "Z of the output layer for it (Z3 in the lab's 2-32-32-1)",
    "sample_dL_dy": "∂L/∂y for it",
    "sample_dL_dz_out": "∂L/∂Z of the output layer for it (∂L/∂Z3 in the lab's network)",
    "sample_z1_unit1": "Z1 of the first hidden unit for it",
    "sample_z1act_unit1": "the activation of that unit, Z1Act, for it",
}
LIVE_NAMES: dict[str, str] = STEP_NAMES | SAMPLE_NAMES

# Names a claim's expect can read from one finished run (see lessons.claims.Metrics).
METRIC_NAMES: dict[str, str] = {
    "accuracy": "final training accuracy, 0..1",
    "loss": "final epoch loss per sample (the overflowed value if diverged)",
    "epochs_to_100": "the first epoch after which every training point is classified, or inf",
    "diverged": "true if the loss overflowed or became NaN",
    "generalisation_accuracy": "accuracy on 100 fresh points (NaN if diverged)",
    "majority_accuracy": "accuracy of always answering the more common class",
    "origin_output": "the network output y at the input (0, 0)",
    "output_at_1_0": "the network output y at the input (1, 0)",
    "output_at_0_1": "the network output y at the input (0, 1)",
    "dead_units": "hidden ReLU units that output 0 for every training point",
    "saturated_outputs": "fraction of training points whose σ'(Z) at the output is below 0.01",
    "saturated_outputs_at_init": "the same fraction for the untrained network",
    "lr": "the run's learning rate",
}


@dataclass(frozen=True)
class Exercise:
    """Work something out, then type it: checked against the engine's own number.

    The answer is read from the live trainer (``LIVE_NAMES``) unless ``runs`` is set: then
    it is read from finished runs of the step's settings (``METRIC_NAMES``), trained for
    ``epochs`` on the learner's seed, as a claim's are.
    """

    prompt: str
    answer: Expression
    tolerance: float  # how far a typed answer may be from the engine's, in the answer's units
    hint: str  # shown after a first wrong answer
    worked: str  # the worked answer, shown after a second one
    line: int
    percent: bool = False  # typed as a percentage: "33.3" or "33.3%" means 0.333
    sample: int | None = None  # the sample (1-based) the live names read; None: the selected
    runs: dict[str, dict[str, Any]] | None = None  # run name -> changes ("" for one run)
    epochs: int | None = None

    @property
    def from_runs(self) -> bool:
        return self.runs is not None


@dataclass(frozen=True)
class LessonStep:
    """One step of a lesson: prose, what to do, when it is done, and its settings."""

    title: str
    body: str  # Markdown prose shown to the learner
    line: int  # line of the "## " heading in the lesson file
    action: str = ""
    check: Expression | None = None
    config: dict[str, Any] = field(default_factory=dict)  # RunConfig changes applied on open
    exercise: Exercise | None = None
    # An earlier step (1-based) whose first epoch at 100% the app shows beside this step's.
    compare: int | None = None


@dataclass(frozen=True)
class Claim:
    """A statement a lesson makes, checked headless over seeds.

    It must hold on at least ``min_seeds`` and at most ``max_seeds`` of ``seeds`` (None:
    every seed, no upper bound), and its text says so in the words of :attr:`count_phrase`.
    """

    text: str
    line: int
    runs: dict[str, dict[str, Any]]  # run name -> RunConfig changes from the lesson's config
    expect: Expression
    epochs: int
    seeds: tuple[int, ...] = DEFAULT_SEEDS
    min_seeds: int | None = None  # None: the claim must hold on every seed
    max_seeds: int | None = None  # None: no upper bound

    @property
    def single(self) -> bool:
        """One unnamed run: its metrics are top-level names in ``expect``."""
        return list(self.runs) == [""]

    @property
    def required(self) -> int:
        return len(self.seeds) if self.min_seeds is None else self.min_seeds

    def bounds(self, seeds: int | None = None) -> tuple[int, int]:
        """How many of ``seeds`` seeds (default: the claim's own) it must hold on, at least
        and at most: the same fractions as the claim's counts over a different number."""
        own = len(self.seeds)
        n = own if seeds is None else seeds
        low = math.ceil(self.required * n / own - 1e-9)
        high = n if self.max_seeds is None else math.floor(self.max_seeds * n / own + 1e-9)
        return low, high

    @property
    def count_phrase(self) -> str:
        """How many seeds the claim holds on, in the words its text must use."""
        n = len(self.seeds)
        low, high = self.bounds()
        if low == high == n:
            return f"on all {n} seeds we test"
        if low == high:
            return f"on {low} of the {n} seeds we test"
        if high == n:
            return f"on at least {low} of the {n} seeds we test"
        if low == 0:
            return f"on at most {high} of the {n} seeds we test"
        return f"on {low} to {high} of the {n} seeds we test"

    @property
    def settles_at_100(self) -> bool:
        """Whether the expect reads nothing but the first epoch at 100%: then a run can stop
        there, since no later epoch can change that number."""
        names = _metrics_read(self.expect, self.single)
        return bool(names) and names <= {"epochs_to_100"}


def _metrics_read(expect: Expression, single: bool) -> set[str]:
    if single:
        return set(expect.names)
    return {n.attr for n in ast.walk(expect.tree) if isinstance(n, ast.Attribute)}


@dataclass(frozen=True)
class Lesson:
    name: str  # the file stem, used on the command line
    path: Path
    title: str
    summary: str
    order: int
    config: RunConfig
    intro: str
    steps: tuple[LessonStep, ...]
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

    def exercise_config(
        self, index: int, changes: dict[str, Any], *, seed: int, epochs: int
    ) -> RunConfig:
        """Step ``index``'s settings with an exercise run's changes, for one seed."""
        return self.step_config(index).replace(**changes, seed=seed, epochs=epochs).validated()
