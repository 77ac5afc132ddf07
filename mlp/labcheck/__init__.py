"""Check a learner's own lab code against the engine, sub-step by sub-step.

A learner writes the lab's ``Network`` class (``forwardPass``, ``computeMSELoss``,
``Backpropagation``). :func:`check_file` runs it in a child process on the engine's starting
weights and data, reads every array it can (attributes, the methods' locals, each weight's
change), matches them to the tape's sub-steps, and says which sub-step is the first wrong one
and which classic mistake gives the learner's value.

Modules, one job each: ``reference`` (the engine's run), ``runner`` and ``child`` (the
learner's code in its own process), ``matching`` (which array is which sub-step),
``tolerance``, ``compare``, ``mistakes`` and ``diagnose`` (the classic mistakes, recomputed),
``hints`` (the learner's exceptions), ``result`` (plain data and the JSON document).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Loaded on first use (PEP 562), as in the mlp package: the command line reads the limits
# (mlp.labcheck.limits) for its --help without loading numpy.
_HOMES = {
    "DEFAULT_TIMEOUT": "limits",
    "MAX_STEPS": "limits",
    "check_file": "check",
    "check_input": "check",
    "CheckCancelled": "runner",
    "CheckInputError": "reference",
    "lab_arguments": "reference",
    "DIFFERS": "result",
    "OK": "result",
    "SCHEMA": "result",
    "UNSEEN": "result",
    "CheckResult": "result",
    "Diagnosis": "result",
    "LearnerError": "result",
    "PassCheck": "result",
    "SubStepCheck": "result",
    "RTOL": "tolerance",
}

__all__ = [
    "DEFAULT_TIMEOUT",
    "CheckCancelled",
    "DIFFERS",
    "OK",
    "UNSEEN",
    "MAX_STEPS",
    "RTOL",
    "SCHEMA",
    "CheckCancelled",
    "CheckInputError",
    "CheckResult",
    "Diagnosis",
    "LearnerError",
    "PassCheck",
    "SubStepCheck",
    "check_file",
    "check_input",
    "lab_arguments",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mlp.labcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .check import check_file, check_input
    from .limits import DEFAULT_TIMEOUT, MAX_STEPS
    from .reference import CheckInputError, lab_arguments
    from .result import (
        DIFFERS,
        OK,
        SCHEMA,
        UNSEEN,
        CheckResult,
        Diagnosis,
        LearnerError,
        PassCheck,
        SubStepCheck,
    )
    from .runner import CheckCancelled
    from .tolerance import RTOL
