"""The engine's side of a check: the lab's network in the lab's constructor, and the values of
every sub-step of K training steps on the engine's tape.

The lab's ``Network(input_size, hidden_size, output_size, lr, actFuncs)`` is a fixed shape:
three layers, one hidden size for both hidden layers, no biases, plain gradient descent on the
squared error whose gradient is 2(y − label). A run configuration maps onto it or is refused
with one sentence (:class:`CheckInputError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import RunConfig
from ..trainer import Trainer

Array = np.ndarray

WEIGHTS = ("W1", "W2", "W3")


class CheckInputError(ValueError):
    """The check cannot start: a missing file, a class or constructor that is not the lab's,
    settings the lab's network cannot take. The message is one sentence for the user."""


@dataclass(frozen=True)
class SubStepInfo:
    """What the check needs of a tape sub-step (its key, how the derivation writes it)."""

    key: str
    label: str
    formula: str
    phase: str


@dataclass(frozen=True)
class ReferencePass:
    """One training step of the engine: the batch fed, every tape value before the update
    (copied) and the weights after it."""

    x: Array
    label: Array
    values: dict[str, Array]
    loss: float  # the lab's MSE of this batch: (1/N) Σ (y − label)²
    weights_after: dict[str, Array]


@dataclass(frozen=True)
class Reference:
    config: RunConfig
    steps: tuple[SubStepInfo, ...]
    initial_weights: dict[str, Array]
    passes: tuple[ReferencePass, ...]

    @property
    def activations(self) -> tuple[str, ...]:
        return self.config.activations


def lab_arguments(config: RunConfig) -> dict[str, Any]:
    """The lab constructor's arguments for ``config``, or CheckInputError saying why not."""
    config = config.validated()
    if len(config.hidden) != 2 or config.hidden[0] != config.hidden[1]:
        sizes = ",".join(map(str, config.hidden))
        raise CheckInputError(
            f"the lab's Network has two hidden layers of one size (hidden_size), so --hidden "
            f"takes one size such as 32, got {sizes}"
        )
    if config.bias:
        raise CheckInputError(
            "the lab's Network has no biases (Z = A ■ W), so the check runs without --bias"
        )
    if config.optimizer != "gd":
        raise CheckInputError(
            f"the lab's Backpropagation updates by plain gradient descent (W − lr·∂L/∂W), so the "
            f"check cannot use --optimizer {config.optimizer}"
        )
    if config.loss != "sse":
        raise CheckInputError(
            f"the lab's loss gradient is 2(y − label) (the squared error summed, --loss sse), so "
            f"the check cannot use --loss {config.loss}"
        )
    return {
        "input_size": 2,
        "hidden_size": config.hidden[0],
        "output_size": 1,
        "lr": config.lr,
        "actFuncs": list(config.activations),
    }


def reference_run(config: RunConfig, steps: int) -> Reference:
    """Run ``steps`` training steps on the engine's tape, sub-step by sub-step, and keep every
    value: these are the numbers the learner's code must reproduce."""
    lab_arguments(config)  # refuse what the lab's network cannot be
    trainer = Trainer(config)
    initial = {name: trainer.network.views[name].copy() for name in WEIGHTS}
    substeps = tuple(SubStepInfo(s.key, s.label, s.formula, s.phase) for s in trainer.tape.steps)
    count = len(substeps)
    passes = []
    for _ in range(steps):
        values: dict[str, Array] = {}
        loss = float("nan")
        for i in range(count):
            trainer.next_substep()
            if i == count - 2:  # everything but the update has run: keep the pass's values
                tape = trainer.tape
                values = {key: np.array(array) for key, array in tape.values.items()}
                loss = float(tape.loss_value)
        after = {name: trainer.network.views[name].copy() for name in WEIGHTS}
        passes.append(ReferencePass(values["X"], values["label"], values, loss, after))
    return Reference(config, substeps, initial, tuple(passes))
