"""Hints for the classic ways a learner's lab code fails before it can be compared.

The lab report's own code shows two: ``Backpropagation`` reads an ``x`` it never had (the input
lives in ``forwardPass``), and ``__init__`` stores the learning rate as ``self.Ir`` (a capital
I) while ``Backpropagation`` reads ``self.lr``. A product whose shapes do not fit is the third:
the arrays on the failing line are recognised as a known mistake's where possible.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .diagnose import Diagnoser
from .tolerance import close

Array = np.ndarray

# Where the lab's code sets the attributes its methods read.
SET_IN = {
    **{f"Z{i}": "forwardPass" for i in (1, 2, 3)},
    **{f"Z{i}Act": "forwardPass" for i in (1, 2)},
    "x": "forwardPass",
    "GradLoss": "computeMSELoss",
}
SHAPE_WORDS = ("matmul", "broadcast", "shapes", "aligned", "dimension")


def lr_names(scalars: dict[str, float], lr: float) -> list[str]:
    """The attributes holding the learning rate, other than ``lr`` itself."""
    return [name for name, value in scalars.items() if name != "lr" and value == lr]


def _stored_as(names: list[str]) -> str:
    shown = " and ".join(f"self.{name}" for name in names)
    if "Ir" in names:
        shown += " (a capital I, not a small l)"
    return shown


def hint(
    error: dict[str, Any], scalars: dict[str, float], lr: float, diagnoser: Diagnoser | None
) -> str | None:
    kind, name, function = error.get("type"), error.get("name"), error.get("function")
    if kind == "NameError" and name == "x" and function != "forwardPass":
        return (
            f"{function} has no x of its own: keep the input in forwardPass (self.x = x) and use "
            "self.x here"
        )
    if kind == "NameError" and name == "np":
        return "import numpy as np at the top of the file"
    if kind == "AttributeError" and name == "lr":
        stored = lr_names(scalars, lr)
        if stored:
            return (
                f"__init__ stores the learning rate as {_stored_as(stored)}, but this reads self.lr"
            )
        return "__init__ must keep the learning rate it is given: self.lr = lr"
    if kind == "AttributeError" and name in SET_IN:
        return f"self.{name} is read here but was never set: {SET_IN[name]} must store it"
    if kind == "SystemExit":
        if function == "<module>":
            return (
                "the top level of your file runs when it is imported: put the code that trains "
                'and exits under if __name__ == "__main__":'
            )
        return "the check calls your methods itself, so nothing in them may end the program"
    if kind in ("ValueError", "TypeError") and any(
        word in error.get("message", "") for word in SHAPE_WORDS
    ):
        return _shape_hint(error, diagnoser)
    return None


def timeout_hint(function: str | None) -> str | None:
    if function == "<module>":
        return (
            "the top level of your file runs when it is imported: put the training loop under "
            'if __name__ == "__main__":'
        )
    return None


def _shape_hint(error: dict[str, Any], diagnoser: Diagnoser | None) -> str:
    """Name a local on the failing line that is a known mistake's value, else list the shapes."""
    local_arrays: dict[str, Array] = error.get("locals") or {}
    source = error.get("source") or ""
    on_line = {
        name: value
        for name, value in local_arrays.items()
        if re.search(rf"\b{re.escape(name)}\b", source)
    }
    if diagnoser is not None:
        for name, value in on_line.items():
            found = _known_mistake(value, diagnoser)
            if found:
                return f"{name} has shape {_shape(value)}: {found}"
    shapes = ", ".join(f"{name} is {_shape(value)}" for name, value in on_line.items())
    advice = "a product ■ needs the inner sizes to agree: check the order and the transposes"
    return f"{advice} ({shapes})" if shapes else advice


def _known_mistake(value: Array, diagnoser: Diagnoser) -> str | None:
    reference = diagnoser.reference.values
    for mistake, values in diagnoser.passes:
        for key, wrong in values.items():
            if not key.startswith("dL/d") or np.shape(wrong) != value.shape:
                continue
            right = reference.get(key)
            if right is not None and right.shape == value.shape and close(wrong, right):
                continue  # this mistake leaves the key as it should be
            if close(value, wrong):
                return mistake.sentence(diagnoser.activations)
    return None


def _shape(value: Array) -> str:
    return "×".join(map(str, value.shape)) or "a single number"
