"""What a check found, as plain data: per training step, per sub-step, and the learner's error.

The command line renders it (``backprop-lab check``), ``to_json`` gives the
``backprop-lab/check-result/1`` document, and the app can lay the learner's arrays
(``SubStepCheck.learner``) beside the engine's (``SubStepCheck.expected``) line by line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import RunConfig

Array = np.ndarray

SCHEMA = "backprop-lab/check-result/1"

OK, DIFFERS, UNSEEN = "ok", "differs", "unseen"


def setting(value: float) -> str:
    """A number as the user typed it (0.05, 5): the shortest text that reads back exactly."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Diagnosis:
    """A known mistake whose recomputed value is the learner's value."""

    mistake: str  # an id from mlp.labcheck.mistakes, e.g. "derivative_at_activation"
    template: str  # one sentence in the lab's notation; {name} marks one of ``numbers``
    numbers: tuple[tuple[str, float], ...] = ()

    def text(self, number: Callable[[float], str] = setting) -> str:
        """The sentence, its numbers written by ``number`` (the product's formatter)."""
        return self.template.format(**{name: number(value) for name, value in self.numbers})


@dataclass(frozen=True)
class SubStepCheck:
    """One sub-step of one training step: the engine's value and what the learner's code held."""

    key: str  # the tape's key: Z2, y, loss, dL/dy, dL/dZ3, dL/dW2, update, ...
    label: str  # ∂L/∂Z3
    formula: str  # ∂L/∂y · σ(Z3)(1 − σ(Z3))
    phase: str  # forward, loss, backward, update
    status: str  # OK, DIFFERS or UNSEEN
    observed_as: str | None = None  # "attribute Z2", "local grad_Z2", "implied by W2's change"
    max_abs_error: float | None = None
    max_rel_error: float | None = None  # the largest error over the largest expected entry
    expected: Array | None = None  # the engine's value (for update: each weight's change, flat)
    learner: Array | None = None  # the learner's, compared with ``expected``
    diagnosis: Diagnosis | None = None
    note: str | None = None  # why there is no error to show (a shape that does not fit)
    # For the update: the weight each stretch of the flat ``expected``/``learner`` changes
    # belongs to, in order: (("W1", (2, 32)), ("W2", (32, 32)), ("W3", (32, 1))).
    parts: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def ok(self) -> bool | None:
        """True or False once compared; None when the learner's code showed no such value."""
        return None if self.status == UNSEEN else self.status == OK

    @property
    def equation(self) -> str:
        return f"{self.label} = {self.formula}"


@dataclass(frozen=True)
class PassCheck:
    """Every sub-step of one training step (forwardPass, computeMSELoss, Backpropagation)."""

    step: int  # 1-based
    substeps: tuple[SubStepCheck, ...]
    complete: bool = True  # False when the learner's code failed during this step

    @property
    def first_difference(self) -> SubStepCheck | None:
        return next((s for s in self.substeps if s.status == DIFFERS), None)

    @property
    def ok(self) -> bool:
        return self.complete and self.first_difference is None

    def __getitem__(self, key: str) -> SubStepCheck:
        for substep in self.substeps:
            if substep.key == key:
                return substep
        raise KeyError(key)


@dataclass(frozen=True)
class LearnerError:
    """The learner's code failed: an exception of theirs, a time limit, a wrong shape."""

    type: str  # the exception's class (NameError, SyntaxError) or Timeout, WrongShape, ...
    message: str
    file: str | None = None
    line: int | None = None
    function: str | None = None
    source: str | None = None  # the line of their code, stripped
    hint: str | None = None  # the classic mistake behind it, when it is one
    step: int | None = None  # the training step, None while importing or building
    call: str | None = None  # forwardPass, computeMSELoss, Backpropagation, import, __init__

    @property
    def sentence(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


@dataclass(frozen=True)
class CheckResult:
    file: str
    class_name: str | None
    config: RunConfig
    steps_requested: int
    passes: tuple[PassCheck, ...] = ()
    error: LearnerError | None = None
    notes: tuple[str, ...] = ()  # more the learner should know ("also: self.Ir ...")
    output: str = ""  # what the learner's code printed (capped)
    seconds: float = 0.0
    samples: int = 0  # rows fed to forwardPass each step

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and len(self.passes) == self.steps_requested
            and all(p.ok for p in self.passes)
        )

    @property
    def first_difference(self) -> tuple[PassCheck, SubStepCheck] | None:
        for check in self.passes:
            first = check.first_difference
            if first is not None:
                return check, first
        return None

    def summary(self) -> Iterator[tuple[SubStepCheck, bool | None, float | None]]:
        """Each sub-step in the tape's order over all training steps checked: its first check,
        whether it matched in every step (None if never seen) and its largest error."""
        if not self.passes:
            return
        for i, first in enumerate(self.passes[0].substeps):
            seen = [p.substeps[i] for p in self.passes if p.substeps[i].status != UNSEEN]
            ok = None if not seen else all(s.status == OK for s in seen)
            errors = [s.max_abs_error for s in seen if s.max_abs_error is not None]
            shown = next((s for s in seen), first)
            yield shown, ok, (max(errors) if errors else None)

    def to_dict(self, number: Callable[[float], str] = setting) -> dict[str, Any]:
        """The ``backprop-lab/check-result/1`` document; ``number`` writes the numbers inside
        sentences."""
        first = self.first_difference
        return {
            "schema": SCHEMA,
            "ok": self.ok,
            "first_difference": None
            if first is None
            else {
                "key": first[1].key,
                "label": first[1].label,
                "formula": first[1].formula,
                "max_abs_error": json_number(first[1].max_abs_error),
                "diagnosis": first[1].diagnosis.text(number) if first[1].diagnosis else None,
            },
            "error": None
            if self.error is None
            else {
                "type": self.error.type,
                "message": self.error.sentence,
                "file": self.error.file,
                "line": self.error.line,
            },
            "steps": [
                {
                    "key": substep.key,
                    "ok": ok,
                    "max_abs_error": json_number(error),
                    "observed_as": substep.observed_as,
                }
                for substep, ok, error in self.summary()
            ],
        }

    def to_json(self, number: Callable[[float], str] = setting, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(number), indent=indent, ensure_ascii=False)


def json_number(value: float | None) -> float | None:
    """JSON has no inf or NaN: those, like a missing value, are null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)
