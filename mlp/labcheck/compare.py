"""Compare one training step of the learner's code with the engine's, sub-step by sub-step,
in the tape's order."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .diagnose import Diagnoser
from .matching import WEIGHTS, Observation, Pools, find, pools
from .reference import Reference, ReferencePass, SubStepInfo
from .result import DIFFERS, OK, UNSEEN, Diagnosis, PassCheck, SubStepCheck
from .tolerance import change_atol, compare

Array = np.ndarray


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "a single number"


def check_pass(
    number: int,
    reference: Reference,
    ref_pass: ReferencePass,
    seen: dict[str, Any],
    complete: bool,
    previous: PassCheck | None = None,
) -> PassCheck:
    """``seen`` is what the child recorded for this step (it stops where the code failed);
    ``previous`` is the step before, whose values a learner may have kept by mistake."""
    lr = reference.config.lr
    observed = pools(seen, lr)
    kept = {} if previous is None else {s.key: s.learner for s in previous.substeps}
    diagnoser = Diagnoser(ref_pass, reference.activations, lr, kept)
    checks: list[SubStepCheck] = []
    matched: list[tuple[str, Observation]] = []  # what agreed with the engine, in order
    diagnosed = False
    for info in reference.steps:
        check = _check(info, ref_pass, observed)
        observation = check.observation
        if check.status == OK and observation is not None:
            matched.append((info.key, observation))
        if check.status == DIFFERS and not diagnosed:
            diagnosed = True
            if observation is not None:
                expected = _expected(info, ref_pass)
                diagnosis = diagnoser.diagnose(info, observation, expected, matched)
                check = check.with_diagnosis(diagnosis)
        checks.append(check.result)
    return PassCheck(number, tuple(checks), complete)


class _Checked:
    """A sub-step's result and the observation behind it (kept for the diagnosis)."""

    def __init__(self, result: SubStepCheck, observation: Observation | None = None) -> None:
        self.result = result
        self.observation = observation

    @property
    def status(self) -> str:
        return self.result.status

    def with_diagnosis(self, diagnosis: Diagnosis | None) -> _Checked:
        return _Checked(replace(self.result, diagnosis=diagnosis), self.observation)


def _expected(info: SubStepInfo, ref: ReferencePass) -> Array:
    if info.key == "loss":
        return np.array(ref.loss)
    if info.key == "update":
        return np.concatenate([(ref.weights_after[n] - ref.values[n]).ravel() for n in WEIGHTS])
    return ref.values[info.key]


def _result(
    info: SubStepInfo,
    expected: Array,
    observation: Observation | None,
    note: str | None = None,
) -> _Checked:
    base = (info.key, info.label, info.formula, info.phase)
    if observation is None:
        status = DIFFERS if note else UNSEEN
        return _Checked(SubStepCheck(*base, status, expected=expected, note=note))
    errors = compare(observation.value, expected, observation.atol)
    if errors is None:
        note = note or (
            f"your value has shape {shape_text(observation.shape)} where {info.label} has "
            f"{shape_text(expected.shape)}"
        )
        return _Checked(
            SubStepCheck(
                *base,
                DIFFERS,
                observation.where,
                expected=expected,
                learner=observation.value,
                note=note,
            ),
            observation,
        )
    return _Checked(
        SubStepCheck(
            *base,
            OK if errors.ok else DIFFERS,
            observation.where,
            errors.max_abs,
            errors.max_rel,
            expected,
            observation.value,
        ),
        observation,
    )


def _check(info: SubStepInfo, ref: ReferencePass, seen: Pools) -> _Checked:
    key = info.key
    expected = _expected(info, ref)
    if info.phase == "forward":
        if "forwardPass" not in seen.reached:
            return _result(info, expected, None)
        if key == "y":
            return _prediction(info, expected, seen)
        return _result(info, expected, find(key, expected, seen.forward))
    if key == "loss":
        return _loss(info, expected, seen)
    if key == "update":
        return _update(info, ref, expected, seen)
    observation = find(key, expected, seen.backward)
    if observation is None and key.startswith("dL/dW"):
        observation = seen.implied.get(key[len("dL/d") :])
    return _result(info, expected, observation)


def _prediction(info: SubStepInfo, expected: Array, seen: Pools) -> _Checked:
    pred = seen.prediction
    if not isinstance(pred, np.ndarray):
        return _result(
            info,
            expected,
            None,
            f"forwardPass returned {pred} where the prediction y belongs, an array of shape "
            f"{shape_text(expected.shape)}",
        )
    observation = Observation("y", "returned", "forwardPass", pred)
    if pred.shape != expected.shape:
        note = (
            f"forwardPass returned an array of shape {shape_text(pred.shape)}, but the prediction "
            f"y has shape {shape_text(expected.shape)} (one row per sample)"
        )
        return _result(info, expected, observation, note)
    return _result(info, expected, observation)


def _loss(info: SubStepInfo, expected: Array, seen: Pools) -> _Checked:
    if "computeMSELoss" not in seen.reached:
        return _result(info, expected, None)
    loss = seen.loss
    if not isinstance(loss, np.ndarray):
        return _result(
            info, expected, None, f"computeMSELoss returned {loss} where the loss belongs"
        )
    if loss.size != 1:
        return _result(
            info,
            expected,
            None,
            f"computeMSELoss returned an array of shape {shape_text(loss.shape)} where the loss "
            "is one number, the mean of (y − label)²",
        )
    value = np.array(float(loss.ravel()[0]))
    return _result(info, expected, Observation("loss", "returned", "computeMSELoss", value))


def _update(info: SubStepInfo, ref: ReferencePass, expected: Array, seen: Pools) -> _Checked:
    if "Backpropagation" not in seen.reached:
        return _result(info, expected, None)
    changes = []
    for name in WEIGHTS:
        before, after = seen.before.get(name), seen.after.get(name)
        want = ref.values[name].shape
        for when, array in (("before", before), ("after", after)):
            if array is None or array.shape != want:
                got = "no array" if array is None else f"shape {shape_text(array.shape)}"
                return _result(
                    info,
                    expected,
                    None,
                    f"{name} {when} Backpropagation has {got}, but the lab's {name} is "
                    f"{shape_text(want)}",
                )
        assert before is not None and after is not None  # both checked just above
        changes.append((after - before).ravel())
    atol = change_atol(*seen.before.values(), *seen.after.values())
    observation = Observation("update", "weights", "Backpropagation", np.concatenate(changes), atol)
    checked = _result(info, expected, observation)
    parts = tuple((name, ref.values[name].shape) for name in WEIGHTS)
    return _Checked(replace(checked.result, parts=parts), observation)
