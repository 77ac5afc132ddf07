"""What the Formulas panel shows of a learner's check (``backprop-lab --check FILE.py``).

:class:`CheckState` is where the check stands: the result whose marks are shown, the learner's
latest error, a problem that stopped the check, whether a check is running. :func:`overlay`
lays it over one snapshot: a status line for the panel's header, a block above the list (their
error, with its hint), a mark per sub-step (``✓`` matches, ``✗`` differs, ``·`` not seen) and,
under a line that differs and has run, the learner's numbers for the selected sample in the
form and with the digits of the engine's line, and on the first wrong line the diagnosis.

The marks belong to the training steps the check ran from the random seed's initial weights
(passes 1..K). They are laid over a snapshot only while it shows one of those passes *and*
every number it shows of that pass is the number the check compared (a run whose learning
rate changed halfway, or any other history, shows other numbers and gets no marks). Nothing
here imports Textual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mlp.labcheck import (
    DEFAULT_TIMEOUT,
    DIFFERS,
    RTOL,
    UNSEEN,
    CheckResult,
    LearnerError,
    PassCheck,
    SubStepCheck,
)

from . import format as fmt
from .check_text import LATER, NO_DIAGNOSIS, error_block, mark
from .snapshot import Snapshot, Summary
from .widgets.formula_lines import RESULT_DIGITS, array_text

Array = np.ndarray

LEGEND = (
    "✓ your code's value matches the engine's, ✗ it differs (yours under the engine's), "
    "· your code keeps no such value (an attribute or a local variable would be checked)."
)


@dataclass(frozen=True)
class CheckRequest:
    """What ``--check`` asked for: the learner's file and how to run it."""

    file: Path  # as the learner named it
    class_name: str | None = None
    steps: int = 1
    timeout: float = DEFAULT_TIMEOUT

    @property
    def name(self) -> str:
        return self.file.name


@dataclass(frozen=True)
class CheckState:
    request: CheckRequest
    result: CheckResult | None = None  # the check whose marks are shown
    error: LearnerError | None = None  # the latest check's failure of the learner's code
    notes: tuple[str, ...] = ()  # the latest check's notes ("__init__ stores ... self.Ir")
    problem: str | None = None  # why the latest check could not run, or the file is gone
    stale: bool = False  # ``result`` is from an earlier version of the file
    running: str | None = None  # while a check runs: where the learner's code is

    def started(self) -> CheckState:
        return replace(self, running="starting")

    def progress(self, where: str) -> CheckState:
        return replace(self, running=where) if self.running is not None else self

    def finished(self, outcome: CheckResult | str) -> CheckState:
        """The state after a check: ``outcome`` is its result, or the sentence saying why it
        could not start. A version of the file that cannot be compared at all (it does not
        import, has no lab class) keeps the last marks, marked stale."""
        if isinstance(outcome, str):
            return replace(
                self, error=None, notes=(), problem=outcome, stale=self._has_marks, running=None
            )
        if outcome.passes or not self._has_marks:
            return CheckState(self.request, outcome, outcome.error, outcome.notes)
        return replace(
            self, error=outcome.error, notes=outcome.notes, problem=None, stale=True, running=None
        )

    def file_missing(self) -> CheckState:
        return replace(
            self,
            error=None,
            notes=(),
            problem=f"{self.request.file} is missing: the check runs again when it is back",
            stale=self._has_marks,
            running=None,
        )

    @property
    def _has_marks(self) -> bool:
        return self.result is not None and bool(self.result.passes)


@dataclass(frozen=True)
class Under:
    """A line under a sub-step: the learner's numbers, or the diagnosis of the first wrong one."""

    kind: str  # "yours" or "diagnosis"
    text: str


@dataclass(frozen=True)
class Overlay:
    header: str  # the check's status, one line in the panel's header
    failed: bool  # the header reports a difference or an error (drawn bold)
    block: tuple[str, ...] = ()  # above the list: the learner's error and what to know
    marks: tuple[str, ...] | None = None  # one per sub-step; None where the marks do not apply
    under: dict[int, tuple[Under, ...]] = field(default_factory=dict)
    legend: str = LEGEND

    @property
    def first_wrong(self) -> int:
        """The index of the sub-step whose lines carry the diagnosis, or -1."""
        diagnosed = (
            i for i, lines in self.under.items() if any(u.kind == "diagnosis" for u in lines)
        )
        return min(diagnosed, default=-1)


# -- the overlay ------------------------------------------------------------------------------


def overlay(state: CheckState, snapshot: Snapshot) -> Overlay:
    check, why_not = _pass_shown(state, snapshot)
    header, failed = _header(state, why_not)
    block = _block(state)
    if check is None:
        return Overlay(header, failed, block)
    marks = tuple(mark(_substep(check, step.key).status) for step in snapshot.steps)
    under: dict[int, tuple[Under, ...]] = {}
    first = check.first_difference
    for index, step in enumerate(snapshot.steps[: snapshot.cursor]):
        substep = _substep(check, step.key)
        if substep.status != DIFFERS:
            continue
        lines = _yours(substep, snapshot, detail=substep is first)
        if substep is first:
            lines += _diagnosis(check, substep)
        under[index] = tuple(lines)
    return Overlay(header, failed, block, marks, under)


def _substep(check: PassCheck, key: str) -> SubStepCheck:
    try:
        return check[key]
    except KeyError:
        return SubStepCheck(key, key, "", "", UNSEEN)


def _pass_shown(state: CheckState, snapshot: Snapshot) -> tuple[PassCheck | None, str | None]:
    """The checked pass the snapshot shows, or why the marks do not apply to it."""
    result = state.result
    if result is None or not result.passes:
        return None, None
    checked = len(result.passes)
    covers = "pass 1" if checked == 1 else f"passes 1-{checked}"
    if snapshot.config != result.config:
        return None, f"the marks are for the settings checked ({_settings(result)})"
    number = snapshot.tape_pass
    if number > checked:
        return None, f"the marks cover {covers}; r goes back to the seed"
    check = result.passes[number - 1]
    if not _shows_checked_values(snapshot, check):
        return None, f"this run has left the checked one ({covers} from the seed): r resets"
    return check, None


def _settings(result: CheckResult) -> str:
    config = result.config
    return f"{'/'.join(config.activations)}, lr {fmt.exact(config.lr)}, {config.dataset}"


def _shows_checked_values(snapshot: Snapshot, check: PassCheck) -> bool:
    """Every number of the pass on screen is the one the check compared: the sample's rows
    and the gradients as the panel summarises them (shape, first entries, norm)."""
    for step in snapshot.steps[: snapshot.cursor]:
        if step.phase == "update":
            continue
        expected = _substep(check, step.key).expected
        if expected is None:
            return False
        if step.key == "loss":
            if not _same_number(float(expected), snapshot.loss_value):
                return False
            continue
        shown = snapshot.values.get(step.key)
        if shown is None:
            return False
        if snapshot.is_per_sample(step.key):
            if snapshot.sample >= len(expected):
                return False
            expected = expected[snapshot.sample]
        if not _same_summary(Summary.of(expected), shown):
            return False
    return True


def _same_number(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _same_summary(a: Summary, b: Summary) -> bool:
    return (
        a.shape == b.shape
        and np.array_equal(a.head, b.head, equal_nan=True)
        and _same_number(a.norm, b.norm)
    )


# -- the header and the block ---------------------------------------------------------------


def _header(state: CheckState, why_not: str | None) -> tuple[str, bool]:
    """One line: their error first, then how many sub-steps match and the first difference,
    then what is going on (a problem, a check running, why the marks are not shown)."""
    parts = []
    if state.error is not None:
        parts.append(_error_short(state.error))
    if state.problem is not None:
        parts.append(f"✗ {state.problem}")
    failed = bool(parts)
    result = state.result
    if result is not None and result.passes:
        summary = list(result.summary())
        matching = sum(ok is True for _s, ok, _e in summary)
        unseen = sum(ok is None for _s, ok, _e in summary)
        counted = f"{matching} of {len(summary)} sub-steps match"
        if matching == len(summary):
            counted = f"all {len(summary)} sub-steps match"
        if unseen:
            counted += f", {unseen} not seen"
        first = result.first_difference
        if first is not None:
            where = f" in pass {first[0].step}" if len(result.passes) > 1 else ""
            counted += f", first difference {first[1].label}{where}"
        if not parts:  # the mark says how it went, unless their error already has
            counted = ("✓ " if result.ok else "✗ ") + counted
        failed = failed or not result.ok
        parts.append(counted + (" (stale: an earlier version of your file)" if state.stale else ""))
    if state.running is not None:
        where = "" if state.running == "starting" else f" ({state.running})"
        again = "running your code again" if parts else "running your code"
        parts.append(f"{again}{where}…")
    if why_not is not None:
        parts.append(why_not)
    return f"check {state.request.name}: " + "; ".join(parts), failed


def _error_short(error: LearnerError) -> str:
    line = f", line {error.line}" if error.line else ""
    if error.type == "Timeout":
        return f"✗ your code did not finish in time{line}"
    if error.type in ("ProcessEnded", "MissingWeights", "WrongShape"):
        return "✗ " + error.message.split(",")[0].split(":")[0]
    return f"✗ your code raised {error.type}{line}"


def _block(state: CheckState) -> tuple[str, ...]:
    lines: list[str] = []
    if state.problem is not None:
        lines.append(f"✗ {state.problem[:1].upper()}{state.problem[1:]}.")
    if state.error is not None:
        lines += error_block(state.error).lines()
    lines += [f"Also: {note}." for note in state.notes]
    if state.stale and lines:
        lines.append("The marks below are from the last version of your file that ran.")
    return tuple(lines)


# -- the learner's numbers under a line -----------------------------------------------------


def pair(engine: float, yours: float) -> tuple[str, str]:
    """Two numbers with the same digits (4 or more), as many as it takes to tell them apart."""
    a = b = ""
    for digits in range(RESULT_DIGITS, fmt.MAX_DIGITS + 1):
        a, b = fmt.number(engine, digits), fmt.number(yours, digits)
        if a != b:
            break
    return a, b


def _yours(substep: SubStepCheck, snapshot: Snapshot, detail: bool) -> list[Under]:
    """The learner's value as the engine's line shows its own; with ``detail`` (the first
    wrong line) also the entry that differs most."""
    expected, learner = substep.expected, substep.learner
    seen = f" ({substep.observed_as})" if substep.observed_as else ""
    if substep.note is not None or expected is None or learner is None:
        note = substep.note or "your code's value could not be compared"
        return [Under("yours", f"yours{seen}: {note}")]
    if substep.key == "update":
        return _update(substep, detail)
    if substep.key == "loss":
        engine, yours = pair(float(expected), float(learner))
        return [Under("yours", f"yours{seen} = {yours} per sample (the engine's {engine})")]
    if snapshot.is_per_sample(substep.key):
        return _row(substep, snapshot.sample, seen, detail)
    lines = [Under("yours", f"yours{seen} = {array_text(learner)}")]
    if detail:
        lines += _largest(expected, learner, "largest difference at")
    return lines


def _row(substep: SubStepCheck, sample: int, seen: str, detail: bool) -> list[Under]:
    expected, learner = substep.expected, substep.learner
    assert expected is not None and learner is not None
    row, mine = expected[sample], learner[sample]
    if _close(mine, row, _scale(expected)):
        worst = int(np.unravel_index(int(np.argmax(_diff(learner, expected))), expected.shape)[0])
        return [
            Under(
                "yours",
                f"yours{seen}: the same for this sample; the largest difference is in sample "
                f"{worst + 1} (↑/↓ selects it)",
            )
        ]
    if row.size == 1:
        engine, yours = pair(float(row.ravel()[0]), float(mine.ravel()[0]))
        shown = fmt.number(float(row.ravel()[0]), RESULT_DIGITS)
        text = f"yours{seen} = {yours}"
        if engine != shown:  # the engine's line shows fewer digits than it takes to differ
            text += f" (the engine's {engine})"
        return [Under("yours", text)]
    lines = [Under("yours", f"yours{seen} = {array_text(mine)}")]
    if detail or array_text(mine) == array_text(row):  # else the row itself shows a difference
        lines += _largest(row, mine, "largest difference in this sample: unit", one_based=True)
    return lines


def _largest(expected: Array, learner: Array, words: str, one_based: bool = False) -> list[Under]:
    if expected.size <= 1:
        return []
    where = np.unravel_index(int(np.argmax(_diff(learner, expected))), expected.shape)
    engine, yours = pair(float(expected[where]), float(learner[where]))
    if one_based:
        place = " ".join(str(int(i) + 1) for i in where)
    else:
        place = "[" + ", ".join(str(int(i)) for i in where) + "]"
    return [Under("yours", f"{words} {place}: engine {engine}, yours {yours}")]


def _update(substep: SubStepCheck, detail: bool) -> list[Under]:
    """Each weight's change, ΔW = W' − W: the engine's and the learner's where they differ
    (the engine's line shows the gradients and W', not the change itself)."""
    expected, learner = substep.expected, substep.learner
    assert expected is not None and learner is not None
    lines = []
    start = 0
    for name, shape in substep.parts:
        size = math.prod(shape)
        mine = learner[start : start + size].reshape(shape)
        theirs = expected[start : start + size].reshape(shape)
        start += size
        if _close(mine, theirs, _scale(expected)):
            lines.append(Under("yours", f"yours  Δ{name} = the engine's"))
            continue
        lines.append(Under("yours", f"engine Δ{name} = {array_text(theirs)}"))
        lines.append(Under("yours", f"yours  Δ{name} = {array_text(mine)}"))
        if detail:
            lines += _largest(theirs, mine, f"largest difference in Δ{name} at")
    return lines


def _diagnosis(check: PassCheck, substep: SubStepCheck) -> list[Under]:
    lines = []
    if substep.diagnosis is not None:
        lines.append(Under("diagnosis", f"Diagnosis: {substep.diagnosis.text(fmt.number)}."))
    elif substep.note is None:
        lines.append(Under("diagnosis", NO_DIAGNOSIS))
    later = check.substeps[check.substeps.index(substep) + 1 :]
    if any(s.status == DIFFERS for s in later):
        lines.append(Under("diagnosis", LATER))
    return lines


def _diff(learner: Array, expected: Array) -> Array:
    with np.errstate(all="ignore"):
        diff = np.abs(np.asarray(learner, float) - np.asarray(expected, float))
    return np.where(np.isnan(diff), np.inf, diff)


def _scale(expected: Array) -> float:
    finite = np.abs(expected[np.isfinite(expected)])
    return float(finite.max()) if finite.size else 0.0


def _close(learner: Array, expected: Array, scale: float) -> bool:
    """Within the check's tolerance, relative to the whole array's largest entry."""
    diff = _diff(learner, expected)
    return bool(diff.size == 0 or float(diff.max()) <= RTOL * scale)


# -- the panel's text without styles ----------------------------------------------------------


def plain_lines(view: Overlay, marker_lines: list[tuple[str, list[str]]]) -> list[str]:
    """The panel's list as text: ``marker_lines`` is each sub-step's marker and its lines
    (the formula line first, an update's tensors after it)."""
    rows = [f"  {line}" for line in view.block]
    for index, (marker, body) in enumerate(marker_lines):
        mark_text = view.marks[index] if view.marks is not None else " "
        rows.append(f"{marker} {mark_text} {body[0]}")
        rows += [f"      {line}" for line in body[1:]]
        rows += [f"      {line.text}" for line in view.under.get(index, ())]
    return rows
