"""The work of ``backprop-lab gradcheck``: finite differences against the tape, per tensor.

Each parameter costs two forward passes, so 2-2000-2000-1 (4 million parameters) would take
hours. The cost is measured first; a check that would take longer than a limit is not started
but offered as a sample (``--sample K``), or run in full on request (``--sample all``), with
progress shown while it runs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.table import Table

from mlp import Trainer
from mlp.gradcheck import TOLERANCE, GradCheck, TensorCheck, check, seconds_per_parameter

from .. import format as fmt
from .. import options
from ..errors import EXIT_FAILURE, EXIT_OK, UsageError
from .common import OutputGuard, make_console, require_stdout
from .gradcheck import ALL
from .progress import Display, Field, clock
from .stopping import stop_on_signals

SUGGESTED_SAMPLE = 1000


def run_gradcheck(args: argparse.Namespace, *, max_seconds: float) -> int:
    require_stdout()
    config = options.config_from(args)
    trainer = Trainer(config)
    console = make_console()
    guard = OutputGuard()
    # Nothing here is worth keeping half-done: the first signal ends the check where it is.
    with stop_on_signals(raise_first=True):
        if args.after:
            result = trainer.train(args.after)
            divergence = result.divergence
            if divergence is not None:
                guard.run(
                    lambda: console.print(
                        f"Training diverged at epoch {divergence.epoch}, so there is no "
                        "finite gradient to check; try a smaller --lr or fewer --after epochs."
                    )
                )
                return EXIT_FAILURE
        data = trainer.dataset
        network = trainer.network
        sample = _sample(trainer, args.sample, max_seconds)
        total = network.n_params if sample is None else sample
        fields = [
            Field("done", "{done} parameters", 2 * len(f"{total:,}") + 1 + 11, 0),
            Field("left", "{left} left", len("0:00:00 left"), 1),
        ]
        display = Display(console, guard, fields, label="checking", total=total)
        started = time.monotonic()

        def on_progress(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-9)
            display.show(
                done, {"done": f"{done:,}/{total:,}", "left": clock((total - done) / rate)}
            )

        with display:
            outcome = check(
                network,
                trainer.loss,
                data.x,
                data.label,
                on_progress=on_progress,
                sample=sample,
                seed=config.seed,
            )
    checked = sum(t.checked or 0 for t in outcome.tensors)
    sampled = (
        ""
        if sample is None
        else f", {checked:,} of {network.n_params:,} parameters drawn by gradient size"
    )
    table = Table(
        title=f"Gradient check: {config.describe()}, {len(data)} samples, epoch "
        f"{trainer.epoch}{sampled}",
        title_justify="left",
    )
    for heading in ("tensor", "shape", "‖gradient‖", "relative error", ""):
        table.add_column(heading, justify="left" if heading in ("tensor", "") else "right")
    for tensor in outcome.tensors:
        shape = "x".join(map(str, network.views[tensor.name].shape))
        if sample is not None:
            shape += f" ({tensor.checked:,} checked)"
        table.add_row(
            tensor.name,
            shape,
            fmt.number(tensor.analytic_norm),
            fmt.scientific(tensor.relative_error)
            if np.isfinite(tensor.relative_error)
            else "not finite",
            verdict_word(tensor),
        )
    worst = fmt.scientific(outcome.worst)
    if not outcome.passed:
        verdict = f"[red]Gradient check failed: worst relative error {worst}."
    elif outcome.too_small:
        verdict = f"[yellow]No gradient fails, but {too_small_sentence(outcome)}"
    else:
        verdict = f"[green]All gradients match (worst {worst} < {fmt.exact(TOLERANCE)})."

    def show() -> None:
        console.print(table)
        console.print(verdict)

    guard.run(show)
    return EXIT_OK if outcome.passed else EXIT_FAILURE


def _sample(trainer: Trainer, sample: int | None, max_seconds: float) -> int | None:
    """How many parameters to check (None: all), refusing a full check that takes too long."""
    network = trainer.network
    n = network.n_params
    if sample == ALL or (sample is not None and sample >= n):
        return None
    if sample is not None:
        return sample
    per = seconds_per_parameter(network, trainer.loss, trainer.dataset.x, trainer.dataset.label)
    if per * n <= max_seconds:
        return None
    suggested = min(SUGGESTED_SAMPLE, n)
    raise UsageError(
        f"checking all {n:,} parameters takes two forward passes each, about "
        f"{_duration(per * n)} here; check a random sample with --sample {suggested} (about "
        f"{_duration(per * suggested)}), or all of them with --sample all"
    )


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "1 s" if seconds > 0.5 else "under a second"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def verdict_word(tensor: TensorCheck) -> str:
    if tensor.passed:
        return "[green]pass"
    return "too small" if tensor.too_small else "[red]FAIL"


def too_small_sentence(outcome: GradCheck) -> str:
    """Why some tensors were neither passed nor failed, and what to do about it."""
    return (
        f"{outcome.too_small_reason()}. Check earlier in training (a smaller --after), before "
        "the network saturates."
    )
