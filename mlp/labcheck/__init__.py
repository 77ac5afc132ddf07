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

from .check import DEFAULT_TIMEOUT, MAX_STEPS, check_file, check_input
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

__all__ = [
    "DEFAULT_TIMEOUT",
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
