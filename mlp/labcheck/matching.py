"""Which of the arrays a learner's code held is which sub-step of the tape.

The child process reports every array it saw: the object's attributes after each of the lab's
methods, the locals of each method as it returned, forwardPass's and computeMSELoss's return
values, and W1..W3 before and after Backpropagation. A sub-step is matched to one of them by
the lab's names first (``Z2``, ``Z2Act``, ``GradLoss``, ``grad_Z2``, and the usual variants
``dZ2``, ``dL_dW3``, ``delta3``, ``A2``), then by shape and value; a weight's gradient that no
name or value shows is read from the weight's change, ΔW / (−lr).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .mistakes import DEPTH, act_of
from .tolerance import change_atol, close

Array = np.ndarray

WEIGHTS = tuple(f"W{i}" for i in range(1, DEPTH + 1))

# A gradient's name is a prefix (or suffix) and the name of what it is the gradient of.
GRADIENT_PREFIXES = ("gradient", "grad", "dld", "dl", "delta", "d")
GRADIENT_SUFFIXES = ("gradient", "grad", "delta")
OUTPUT_NAMES = ("y", "pred", "ypred", "yhat", "output", "out", "prediction", "predictions")


@dataclass(frozen=True)
class Observation:
    """One array the learner's code held."""

    name: str  # Z2, grad_Z2, A[1], W2
    source: str  # attribute, local, returned, implied, weights
    method: str | None  # the lab method it was seen in (or returned by)
    value: Array
    atol: float = 0.0  # extra tolerance for values recovered with rounding

    @property
    def where(self) -> str:
        if self.source == "returned":
            return f"returned by {self.method}"
        if self.source == "implied":
            return f"implied by {self.name}'s change"
        if self.source == "weights":
            return "the change of W1, W2, W3"
        return f"{self.source} {self.name}"

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape


def _plain(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _forward_key(plain: str) -> str | None:
    """The forward value a plain (lower-case, no underscores) name stands for."""
    if plain in OUTPUT_NAMES:
        return "y"
    match = re.fullmatch(r"z(\d)", plain)
    if match and 1 <= int(match.group(1)) <= DEPTH:
        return f"Z{match.group(1)}"
    match = re.fullmatch(
        r"z(\d)(?:act|a|activation|activated|out)|a(\d)|act(\d)|h(\d)|out(\d)|zact(\d)", plain
    )
    if match:
        layer = int(next(g for g in match.groups() if g is not None))
        if 1 <= layer <= DEPTH:
            return act_of(layer)
    return None


def _gradient_of(rest: str) -> str | None:
    if rest in ("loss", "y") or rest in OUTPUT_NAMES:
        return "dL/dy"  # the lab's GradLoss
    if rest == "lossact":  # the lab's grad_LossAct is ∂L/∂Z3
        return f"dL/dZ{DEPTH}"
    if re.fullmatch(r"\d", rest) and 1 <= int(rest) <= DEPTH:  # delta3
        return f"dL/dZ{rest}"
    match = re.fullmatch(r"w(\d)", rest)
    if match and 1 <= int(match.group(1)) <= DEPTH:
        return f"dL/dW{match.group(1)}"
    forward = _forward_key(rest)
    return f"dL/d{forward}" if forward else None


def named_key(name: str) -> str | None:
    """The tape key a learner's name stands for: ``grad_Z2Act`` -> ``dL/dZ2Act``, ``Z1`` ->
    ``Z1``, ``GradLoss`` -> ``dL/dy``. Items of a list (``A[1]``) are matched by value only:
    nobody agrees where such a list starts."""
    if re.search(r"\[\d+\]$", name):
        return None
    name = re.sub(r"\['(\w+)'\]$", r"_\1", name)  # grads['W3'] reads as grads_W3
    plain = _plain(name)
    if plain.startswith("grads") and len(plain) > 5:  # grads_W3: a dict or list of gradients
        return _gradient_of(plain[5:])
    if plain in ("w1", "w2", "w3"):
        return None  # the weights themselves are not a sub-step's value
    forward = _forward_key(plain)
    if forward:
        return forward
    for prefix in GRADIENT_PREFIXES:
        if plain.startswith(prefix) and len(plain) > len(prefix):
            key = _gradient_of(plain[len(prefix) :])
            if key:
                return key
    for suffix in GRADIENT_SUFFIXES:
        if plain.endswith(suffix) and len(plain) > len(suffix):
            key = _gradient_of(plain[: -len(suffix)])
            if key:
                return key
    return None


@dataclass(frozen=True)
class Pools:
    """One training step's observations, grouped by where in the lab's loop they were seen."""

    forward: tuple[Observation, ...]
    backward: tuple[Observation, ...]  # computeMSELoss's and Backpropagation's
    prediction: Any  # forwardPass's return: an array, or the type name of something else
    loss: Any  # computeMSELoss's return, likewise
    implied: dict[str, Observation]  # W1..W3: the gradient their change implies
    before: dict[str, Array | None]  # W1..W3 before and after Backpropagation
    after: dict[str, Array | None]
    reached: set[str]  # which of the lab's methods returned


def _changed(now: dict[str, Array], before: dict[str, Array]) -> dict[str, Array]:
    return {
        name: value
        for name, value in now.items()
        if name not in before
        or before[name].shape != value.shape
        or not np.array_equal(before[name], value, equal_nan=True)
    }


def _observations(arrays: dict[str, Array], source: str, method: str) -> list[Observation]:
    return [
        Observation(name, source, method, value)
        for name, value in arrays.items()
        if name not in WEIGHTS
    ]


def pools(seen: dict[str, Any], lr: float) -> Pools:
    """Group what the child saw in one training step; ``seen`` may stop where their code
    failed."""
    forward_attrs = seen.get("attributes_forward", {})
    loss_attrs = seen.get("attributes_loss", {})
    backward_attrs = seen.get("attributes_backward", {})
    forward = _observations(forward_attrs, "attribute", "forwardPass")
    forward += _observations(seen.get("locals_forward", {}), "local", "forwardPass")
    backward = _observations(_changed(loss_attrs, forward_attrs), "attribute", "computeMSELoss")
    backward += _observations(seen.get("locals_loss", {}), "local", "computeMSELoss")
    backward += _observations(_changed(backward_attrs, loss_attrs), "attribute", "Backpropagation")
    backward += _observations(seen.get("locals_backward", {}), "local", "Backpropagation")
    before = dict(seen.get("weights_before", {}))
    after = dict(seen.get("weights_after", {}))
    implied = {}
    for name in WEIGHTS:
        b, a = before.get(name), after.get(name)
        if b is not None and a is not None and b.shape == a.shape:
            with np.errstate(all="ignore"):
                gradient = (b - a) / lr
            implied[name] = Observation(
                name, "implied", "Backpropagation", gradient, change_atol(b, a) / lr
            )
    reached = {
        method
        for method, marker in (
            ("forwardPass", "attributes_forward"),
            ("computeMSELoss", "attributes_loss"),
            ("Backpropagation", "weights_after"),
        )
        if marker in seen
    }
    prediction = seen.get("pred") if seen.get("pred") is not None else seen.get("pred_type")
    loss = seen.get("loss") if seen.get("loss") is not None else seen.get("loss_type")
    return Pools(tuple(forward), tuple(backward), prediction, loss, implied, before, after, reached)


def find(key: str, expected: Array, pool: tuple[Observation, ...]) -> Observation | None:
    """The observation that shows sub-step ``key``: a named one that matches, else any of the
    right shape that matches, else the named one that does not (it is the learner's wrong
    value), else None."""
    named = [o for o in pool if named_key(o.name) == key]
    fitting = [o for o in named if o.shape == expected.shape]
    for observation in fitting:
        if close(observation.value, expected, observation.atol):
            return observation
    for observation in pool:
        if observation.shape == expected.shape and close(observation.value, expected):
            return observation
    if fitting:
        return fitting[0]
    return named[0] if named else None
