"""Why a learner's value differs: recompute the sub-step with each known mistake and see which
one gives their value.

Only the first differing sub-step is diagnosed. Everything the learner computed before it
matched the engine, so the mistake's pass starts from the same numbers as theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np

from .matching import WEIGHTS, Observation
from .mistakes import Mistake, catalogue, lab_pass
from .reference import ReferencePass, SubStepInfo
from .result import Diagnosis
from .tolerance import change_atol, close

Array = np.ndarray


class Diagnoser:
    """The mistakes' passes for one training step, computed when first asked for."""

    def __init__(
        self,
        reference: ReferencePass,
        activations: Sequence[str],
        lr: float,
        previous: Mapping[str, Array | None] | None = None,
    ) -> None:
        self.reference = reference
        self.activations = tuple(activations)
        self.lr = lr
        self.previous = previous or {}  # the learner's values of the step before, by key

    @cached_property
    def passes(self) -> list[tuple[Mistake, dict[str, Array]]]:
        ref = self.reference
        weights = {name: ref.values[name] for name in WEIGHTS}
        return [
            (mistake, lab_pass(weights, ref.x, ref.label, self.activations, self.lr, mistake))
            for mistake in catalogue(self.activations)
        ]

    def diagnose(
        self,
        substep: SubStepInfo,
        observation: Observation,
        expected: Array,
        matched: Sequence[tuple[str, Observation]] = (),
    ) -> Diagnosis | None:
        """The mistake that gives ``observation`` at ``key`` and agrees with everything the
        learner got right before it (``matched``): a wrong sign of ∂L/∂y also flips the update,
        but not when ∂L/∂y was seen to be right."""
        key = substep.key
        for mistake, values in self.passes:
            if self._gives(values, key, observation) and all(
                self._gives(values, k, o) for k, o in matched
            ):
                return Diagnosis(mistake.kind, mistake.sentence(self.activations))
        return self._by_form(substep, observation, expected)

    def _gives(self, values: dict[str, Array], key: str, observation: Observation) -> bool:
        value = self._value(values, key, observation)
        return value is not None and close(observation.value, value, observation.atol)

    def _value(self, values: dict[str, Array], key: str, observation: Observation) -> Array | None:
        """What ``observation`` would hold had the learner made this pass's mistake."""
        before = {name: self.reference.values[name] for name in WEIGHTS}
        if key == "update":
            if not all(f"{name}'" in values for name in WEIGHTS):
                return None
            return np.concatenate([(values[f"{n}'"] - before[n]).ravel() for n in WEIGHTS])
        if observation.source == "implied":
            new = values.get(f"{observation.name}'")
            return None if new is None else (before[observation.name] - new) / self.lr
        value = values.get(key)
        return None if value is None else np.asarray(value)

    def _by_form(
        self, substep: SubStepInfo, observation: Observation, expected: Array
    ) -> Diagnosis | None:
        """No known mistake: still say so when the value is the right one plus the last step's
        (kept instead of replaced), transposed, or a constant multiple of it (a stray factor,
        a learning rate read from elsewhere)."""
        key, label = substep.key, substep.label
        value = observation.value
        before = self.previous.get(key)
        if before is not None and before.shape == value.shape and close(value, expected + before):
            return Diagnosis(
                "kept_between_steps",
                f"{label} is added to the previous step's value instead of replacing it: "
                "compute it afresh in every step (= where += was written)",
            )
        if value.ndim == 2 and value.shape == expected.T.shape and close(value, expected.T):
            return Diagnosis(
                "transposed",
                f"your value is the transpose of {label}: a product is in the wrong order",
            )
        if value.shape != expected.shape or not np.all(np.isfinite(value)):
            return None
        flat, want = value.ravel(), expected.ravel()
        norm = float(np.dot(want, want))
        if norm == 0:
            return None
        factor = float(np.dot(flat, want)) / norm
        if factor == 0 or not close(value, factor * expected, change_atol(expected)):
            return None
        if key == "update" or observation.source == "implied":
            used = factor * self.lr  # ΔW = −used·∂L/∂W, and ΔW/(−lr) = (used/lr)·∂L/∂W
            return Diagnosis(
                "learning_rate",
                "the weights moved as if the learning rate were {used}, not the lr={lr} given "
                "to the constructor: is lr stored or read under another name, or set in the code?",
                (("used", used), ("lr", self.lr)),
            )
        return Diagnosis(
            "constant_factor",
            "your value is {factor} times the right one at every entry: a stray constant factor",
            (("factor", factor),),
        )
