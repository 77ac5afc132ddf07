"""The work of ``backprop-lab check``: run the learner's code against the engine, then the
report (or one JSON document)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mlp.labcheck import (
    DIFFERS,
    RTOL,
    CheckInputError,
    CheckResult,
    LearnerError,
    PassCheck,
    SubStepCheck,
    check_file,
)

from .. import format as fmt
from .. import options
from ..check_text import LATER, NO_DIAGNOSIS, error_block
from ..errors import UsageError
from .stopping import stop_on_signals

OUTPUT_LINES = 8  # lines of the learner's own output shown under a failure
DIGITS = 6  # significant digits of the single numbers set side by side


def run_check(args: argparse.Namespace) -> int:
    if hasattr(args, "momentum"):
        raise UsageError(
            "--momentum belongs to the momentum optimizers; the lab's Backpropagation updates "
            "by plain gradient descent"
        )
    config = options.config_from(args)
    console = Console(highlight=False)
    # Ctrl+C, a hang-up (SIGHUP) and SIGTERM stop the check where it is: the learner's process
    # is ended and the temporary folder removed on the way out (exit 130, 129, 143).
    try:
        with stop_on_signals(raise_first=True), _status(console, quiet=args.json) as on_status:
            result = check_file(
                args.file,
                config,
                steps=args.steps,
                class_name=args.class_name,
                timeout=args.timeout,
                on_status=on_status,
            )
    except CheckInputError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(result.to_json(number=fmt.number))
    else:
        report(console, result)
    return 0 if result.ok else 1


@contextmanager
def _status(console: Console, *, quiet: bool) -> Iterator[Callable[[str], None] | None]:
    """A spinner saying where the learner's code is, on a terminal only."""
    err = Console(stderr=True)
    if quiet or not err.is_terminal:
        yield None
        return
    with err.status("Running your code") as status:
        yield lambda where: status.update(f"Running your code: {escape(where)}")


# -- the report -----------------------------------------------------------------------------


def report(console: Console, result: CheckResult) -> None:
    config = result.config
    name = result.class_name or "your network"
    console.print(Text.assemble(("Checking ", "bold"), (f"{name} in {result.file}", "bold"),
                                " against the engine"))  # fmt: skip
    # Plain gradient descent on the summed squared error always: the lab's, so not repeated.
    sizes = "-".join(str(size) for size in config.sizes)
    console.print(
        Text(
            f"{sizes} {'/'.join(config.activations)} · lr {fmt.exact(config.lr)} · "
            f"{config.dataset}, {fmt.count(result.samples)} samples · seed {config.seed}"
        )
    )
    if result.passes:
        console.print(_table(result))
    first = result.first_difference
    if first is not None:
        _first_difference(console, *first)
        if result.steps_requested > len(result.passes):
            rest = f"{len(result.passes) + 1}-{result.steps_requested}"
            _say(
                console,
                Text(f"Steps {rest} are not compared: they would start from other weights."),
            )
    if result.error is not None:
        _error(console, result.error)
    for note in result.notes:
        _say(console, Text(f"Also: {note}."), indent=0)
    if not result.ok and result.output.strip():
        _output(console, result.output)
    if result.ok:
        unseen = [s.label for s, ok, _ in result.summary() if ok is None]
        worst = max((s.max_rel_error or 0.0 for p in result.passes for s in p.substeps), default=0)
        console.print(
            Text.assemble(
                ("✓ Your code matches the engine at every sub-step it shows", "green"),
                f" (largest relative error {fmt.scientific(worst)}, tolerance {fmt.exact(RTOL)}).",
            )
        )
        if unseen:
            _say(
                console,
                Text(
                    f"Not seen: {', '.join(unseen)}. Keep them in an attribute or a local "
                    "variable to have them checked."
                ),
                indent=0,
            )


def _say(console: Console, text: Text, indent: int = 4) -> None:
    """A paragraph whose wrapped lines keep its indent (and carry no trailing spaces)."""
    for line in text.wrap(console, max(console.width - indent, 20)):
        line.rstrip()
        console.print(Text(" " * indent) + line, soft_wrap=True)


def _table(result: CheckResult) -> Table:
    steps = len(result.passes)
    title = "Training step 1" if steps == 1 else f"Training steps 1-{steps} (largest errors)"
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
    )
    table.add_column("sub-step")
    table.add_column("")
    table.add_column("abs error", justify="right")
    table.add_column("rel error", justify="right")
    table.add_column("seen as")
    for substep, ok, error in result.summary():
        rel = max(
            (
                p.substeps[i].max_rel_error or 0.0
                for p in result.passes
                for i, s in enumerate(p.substeps)
                if s.key == substep.key and p.substeps[i].max_rel_error is not None
            ),
            default=None,
        )
        table.add_row(
            substep.label,
            _mark(ok),
            fmt.scientific(error) if error is not None else "-",
            fmt.scientific(rel) if rel is not None else "-",
            Text(substep.observed_as or "-"),
        )
    return table


def _mark(ok: bool | None) -> Text:
    if ok is None:
        return Text("· not seen", style="dim")
    return Text("✓ ok", style="green") if ok else Text("✗ differs", style="bold red")


def _first_difference(console: Console, check: PassCheck, substep: SubStepCheck) -> None:
    seen = f" ({substep.observed_as})" if substep.observed_as else ""
    console.print(
        Text.assemble(
            ("✗ First difference", "bold red"),
            f": training step {check.step}, {substep.label}{seen}",
        )
    )
    equation = substep.formula if substep.key == "update" else substep.equation
    if substep.key == "loss":  # the tape's L is the sum; the lab's MSE, its value, the mean
        equation += ", per sample: the mean, which computeMSELoss returns"
    _say(console, Text(equation))
    if substep.note:
        _say(console, Text(f"{substep.note}."))
    for line in _numbers(substep):
        _say(console, Text(line))
    if substep.diagnosis is not None:
        diagnosis = substep.diagnosis.text(fmt.number)
        _say(console, Text.assemble(("Diagnosis: ", "bold"), f"{diagnosis}."))
    elif substep.note is None:
        _say(console, Text(NO_DIAGNOSIS))
    later = check.substeps[check.substeps.index(substep) + 1 :]
    if any(s.status == DIFFERS for s in later):
        _say(console, Text(LATER))


def _numbers(substep: SubStepCheck) -> list[str]:
    """The engine's and the learner's numbers: one sample's row, and the entry that differs
    most, as the Formulas panel shows them."""
    expected, learner = substep.expected, substep.learner
    if expected is None or learner is None:
        return []
    if expected.shape != learner.shape:
        return [f"engine {fmt.matrix(expected)}", f"yours  {fmt.matrix(learner)}"]
    diff = np.abs(learner - expected)
    diff[np.isnan(diff)] = np.inf
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
    if expected.ndim == 0:
        return [
            f"engine {fmt.number(float(expected), DIGITS)}",
            f"yours  {fmt.number(float(learner), DIGITS)}",
        ]
    if substep.key == "update":
        name, index = _part(substep, int(worst[0]))
        return [
            f"largest difference in the change of {name}{_index(index)}: engine "
            f"{fmt.number(expected[worst], DIGITS)}, yours {fmt.number(learner[worst], DIGITS)}"
        ]
    if substep.key.startswith("dL/dW"):
        return [
            f"engine {fmt.matrix(expected)}",
            f"yours  {fmt.matrix(learner)}",
            f"largest difference at {_index(worst)}: engine "
            f"{fmt.number(expected[worst], DIGITS)}, yours {fmt.number(learner[worst], DIGITS)}",
        ]
    row = int(worst[0])
    lines = [
        f"sample {row + 1} of {expected.shape[0]}, where the difference is largest:",
        f"  engine {fmt.vector(expected[row])}",
        f"  yours  {fmt.vector(learner[row])}",
    ]
    if expected.ndim > 1 and expected.shape[1] > 1:
        column = int(worst[1])
        lines.append(
            f"  unit {column + 1}: engine {fmt.number(expected[row, column], DIGITS)}, yours "
            f"{fmt.number(learner[row, column], DIGITS)}"
        )
    return lines


def _part(substep: SubStepCheck, flat: int) -> tuple[str, tuple[int, ...]]:
    """Which weight, and which entry of it, a position in the update's flat changes is."""
    start = 0
    for name, shape in substep.parts:
        size = int(np.prod(shape))
        if flat < start + size:
            return name, tuple(int(i) for i in np.unravel_index(flat - start, shape))
        start += size
    return "the weights", (flat,)


def _index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _error(console: Console, error: LearnerError) -> None:
    block = error_block(error)
    _say(console, Text(block.head, style="bold red"), indent=0)
    for line in (block.place, block.message):
        if line:
            _say(console, Text(line))
    if block.hint:
        _say(console, Text.assemble(("Hint: ", "bold"), f"{block.hint}."))


def _output(console: Console, output: str) -> None:
    lines = output.rstrip("\n").splitlines()
    console.print(Text("Your code printed:", style="dim"))
    for line in lines[:OUTPUT_LINES]:
        console.print(Text(f"    {line}", style="dim"))
    if len(lines) > OUTPUT_LINES:
        console.print(Text(f"    … {len(lines) - OUTPUT_LINES} more lines", style="dim"))
