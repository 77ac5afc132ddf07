"""Check a learner's lab code against the engine: the one entry point of :mod:`mlp.labcheck`.

    result = check_file("my_lab.py", RunConfig(activations=("relu", "relu", "sigmoid")))
    result.ok, result.first_difference, result.passes[0]["dL/dZ2"].learner

Runs K training steps on the engine's tape, runs the learner's code on the same weights and
data in a child process, and compares every sub-step it can observe.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import RunConfig
from .compare import check_pass
from .diagnose import Diagnoser
from .hints import hint, lr_names, timeout_hint
from .limits import DEFAULT_TIMEOUT, MAX_STEPS
from .reference import CheckInputError, Reference, lab_arguments, reference_run
from .result import CheckResult, LearnerError, PassCheck, setting
from .runner import ChildRun, run_child

# The learner's code runs in a process group of its own, ended (and asked where it was, with
# faulthandler's signal) on a time limit or a stop: POSIX only.
STOPPABLE_CHILDREN = os.name == "posix"


def check_file(
    path: str | os.PathLike[str],
    config: RunConfig | None = None,
    *,
    steps: int = 1,
    class_name: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_status: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> CheckResult:
    """Check the lab code in ``path`` for ``steps`` training steps of ``config``.

    Raises CheckInputError (one sentence) when the check cannot start: no such file, no class
    with the lab's methods, a constructor that does not take the lab's arguments, settings the
    lab's network cannot take. Everything the learner's code does is in the result.
    ``on_status`` hears where their code is ("step 1 Backpropagation") while it runs; setting
    ``cancel`` ends their code and raises CheckCancelled.
    """
    started = time.monotonic()
    file = Path(path)
    config = check_input(file, config, steps=steps, timeout=timeout)
    kwargs = lab_arguments(config)
    reference = reference_run(config, steps)
    request = {
        "file": str(file.resolve()),
        "class_name": class_name,
        "kwargs": kwargs,
        "weights": reference.initial_weights,
        "batches": [(p.x, p.label) for p in reference.passes],
    }
    run = run_child(request, timeout, on_status, cancel)
    if run.status == "input_error":
        raise CheckInputError(run.report["message"])
    passes = _compare(reference, run)
    error = _learner_error(run, str(file), reference, passes, timeout)
    return CheckResult(
        file=str(file),
        class_name=run.class_name,
        config=config,
        steps_requested=steps,
        passes=tuple(passes),
        error=error,
        notes=tuple(_notes(run, config.lr, error)),
        output=run.output,
        seconds=time.monotonic() - started,
        samples=len(reference.passes[0].x),
    )


def check_input(
    path: str | os.PathLike[str],
    config: RunConfig | None = None,
    *,
    steps: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
) -> RunConfig:
    """The settings validated, or CheckInputError saying why a check cannot start before any
    code runs (the app refuses such a ``--check`` before it opens)."""
    if not STOPPABLE_CHILDREN:
        raise CheckInputError(
            "check runs your code in a process of its own that it can stop, which needs Linux "
            "or macOS (on Windows, use WSL)"
        )
    file = Path(path)
    if not file.exists():
        raise CheckInputError(f"{file}: no such file")
    if not file.is_file():
        raise CheckInputError(f"{file} is not a file: give the .py file of your lab code")
    if not 1 <= steps <= MAX_STEPS:
        raise CheckInputError(f"the number of steps must be between 1 and {MAX_STEPS}, got {steps}")
    if not timeout > 0:
        raise CheckInputError(f"the time limit must be a positive number of seconds, got {timeout}")
    config = (config or RunConfig()).validated()
    lab_arguments(config)
    return config


def _compare(reference: Reference, run: ChildRun) -> list[PassCheck]:
    seen_steps = run.report.get("steps", [])
    passes: list[PassCheck] = []
    for i, seen in enumerate(seen_steps):
        complete = run.status == "done" or i < len(seen_steps) - 1
        previous = passes[-1] if passes else None
        check = check_pass(i + 1, reference, reference.passes[i], seen, complete, previous)
        passes.append(check)
        if check.first_difference is not None:
            break  # the next step would start from other weights: nothing more to compare
    return passes


def _where(last_status: str) -> tuple[int | None, str | None]:
    """'step 2 Backpropagation' -> (2, 'Backpropagation'); 'import' -> (None, 'import')."""
    parts = last_status.split()
    if len(parts) == 3 and parts[0] == "step":
        return int(parts[1]), parts[2]
    return None, (parts[0] if parts else None)


def _shown(file: str | None, shown: str) -> str | None:
    """The learner's file as they named it; another file of theirs as it is."""
    if file is None:
        return None
    return shown if os.path.realpath(file) == os.path.realpath(shown) else file


def _source_line(path: str, line: int | None) -> str | None:
    if line is None:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == line:
                    return text.strip() or None
    except OSError:
        pass
    return None


def _learner_error(
    run: ChildRun, shown: str, reference: Reference, passes: list[PassCheck], timeout: float
) -> LearnerError | None:
    step, call = _where(run.last_status)
    if run.status == "done":
        return None
    if run.status == "learner_error":
        error: dict[str, Any] = run.report["error"]
        diagnoser = None
        if step is not None:
            ref = reference.passes[step - 1]
            diagnoser = Diagnoser(ref, reference.activations, reference.config.lr)
        scalars = run.report.get("notes", {}).get("scalars", {})
        return LearnerError(
            type=error["type"],
            message=error["message"],
            file=_shown(error.get("file"), shown),
            line=error.get("line"),
            function=error.get("function"),
            source=error.get("source"),
            hint=hint(error, scalars, reference.config.lr, diagnoser),
            step=step,
            call=call,
        )
    line, function = run.place or (None, None)
    if run.status == "timeout":
        return LearnerError(
            type="Timeout",
            message=f"your code did not finish within {setting(timeout)} s (--timeout)",
            file=shown if line else None,
            line=line,
            function=function,
            source=_source_line(shown, line),
            hint=timeout_hint(function),
            step=step,
            call=call,
        )
    code = run.returncode
    how = f"was killed by signal {-code}" if code is not None and code < 0 else f"exited ({code})"
    during = "while " + ("importing your file" if call == "import" else f"running {call}")
    return LearnerError(
        type="ProcessEnded",
        message=f"the process running your code {how} {during}, before the check finished "
        "(os._exit, a crash, or the memory running out?)",
        step=step,
        call=call,
    )


def _notes(run: ChildRun, lr: float, error: LearnerError | None) -> list[str]:
    """The misnamed learning rate, said up front: the lab report's code reads self.lr but
    stores self.Ir, and that would be the next error after the one shown."""
    notes = run.report.get("notes", {})
    reads = notes.get("lr_reads") or []
    stored = lr_names(notes.get("scalars", {}), lr)
    if not reads or (
        error is not None and error.type == "AttributeError" and "lr" in error.message
    ):
        return []
    where = (
        f"line {reads[0]} reads" if len(reads) == 1 else f"lines {', '.join(map(str, reads))} read"
    )
    if stored:
        names = " and ".join(f"self.{n}" for n in stored)
        capital = " (a capital I, not a small l)" if "Ir" in stored else ""
        return [f"__init__ stores the learning rate as {names}{capital}, but {where} self.lr"]
    return [f"__init__ never sets self.lr, but {where} self.lr"]
