"""The work of ``backprop-lab compare``: train the runs side by side, then one table and one
chart (or one JSON document)."""

from __future__ import annotations

import json
import time
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mlp import RunConfig, budget
from mlp.batched import RunOutcome, train_many

from .. import format as fmt
from .. import terminal_plots
from ..errors import EXIT_FAILURE, EXIT_OK
from .common import OutputGuard, history_document, json_number, make_console, require_stdout, say
from .compare import flag, show
from .progress import Display, Field, clock
from .stopping import StopRequest, stop_on_signals

JSON_SCHEMA = "backprop-lab/compare-result/1"


def run_comparison(
    configs: list[RunConfig], varied: list[str], labels: list[str], *, json: bool, plots: bool
) -> int:
    require_stdout()
    budget.check_many(configs)  # before the first array of any run
    console = make_console()
    with stop_on_signals() as stop:
        guard = OutputGuard(on_lost=stop.lose_output)
        started = time.perf_counter()
        outcomes = _train(console, guard, configs, stop, show_progress=not json)
        seconds = time.perf_counter() - started
        if json:
            text = _dumps(document(outcomes, varied, labels, seconds))
            guard.run(lambda: print(text, flush=True))
        else:
            guard.run(lambda: _report(console, outcomes, varied, labels, seconds, stop, plots))
        if guard.lost and not isinstance(guard.error, BrokenPipeError):
            say(f"backprop-lab: could not write the comparison ({guard.reason})")
            return stop.exit_code(EXIT_FAILURE)
        return stop.exit_code(EXIT_OK)


def _dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2)


def _train(
    console: Console,
    guard: OutputGuard,
    configs: list[RunConfig],
    stop: StopRequest,
    *,
    show_progress: bool,
) -> list[RunOutcome]:
    if not show_progress:
        return train_many(configs, should_stop=stop)
    total = sum(c.epochs for c in configs)
    digits = len(f"{total:,}")
    fields = [
        Field("done", "{done} epochs (all runs)", 2 * digits + 1 + len(" epochs (all runs)"), 0),
        Field("elapsed", "{elapsed}", len("0:00:00"), 1),
    ]
    started = time.monotonic()
    display = Display(console, guard, fields, label=f"training {len(configs)} runs", total=total)
    with display:

        def on_progress(done: int, total: int) -> None:
            elapsed = clock(time.monotonic() - started)
            display.show(done, {"done": f"{done:,}/{total:,}", "elapsed": elapsed})

        return train_many(configs, on_progress=on_progress, should_stop=stop)


def _report(
    console: Console,
    outcomes: list[RunOutcome],
    varied: list[str],
    labels: list[str],
    seconds: float,
    stop: StopRequest,
    plots: bool,
) -> None:
    console.print(table(outcomes, varied))
    for reason in divergence_notes(outcomes):
        console.print(f"[red]Diverged:[/red] {reason}")
    stacked = sum(o.stacked for o in outcomes)
    together = f", {stacked} of them trained together as stacked arrays" if stacked else ""
    console.print(f"{len(outcomes)} runs in {seconds:.2f} s{together}")
    if stop():
        console.print(f"[yellow]Stopped by {stop.reason}: the table shows what each run reached.")
    if plots:
        colour = console.is_terminal and not console.no_color
        chart = terminal_plots.loss_curves(
            [(label, o.epochs, o.loss) for label, o in zip(labels, outcomes, strict=True)],
            width=min(console.width, 100),
            height=22,
            colour=colour,
        )
        console.print(Text.from_ansi(chart))


def table(outcomes: list[RunOutcome], varied: list[str]) -> Table:
    """One row per run: the varied settings, then how the run ended."""
    result = Table(title="Comparison", title_justify="left")
    for name in varied:
        result.add_column(flag(name), no_wrap=True)
    for heading in ("final loss", "accuracy", "first epoch at 100%", "diverged"):
        result.add_column(heading, justify="right")
    for outcome in outcomes:
        d = outcome.divergence
        settings = [show(getattr(outcome.config, name)) for name in varied]
        result.add_row(
            *settings,
            fmt.number(outcome.final_loss),
            fmt.percent(outcome.final_accuracy),
            "never" if outcome.first_epoch_at_100 is None else f"{outcome.first_epoch_at_100:,}",
            "no" if d is None else f"[red]at epoch {d.epoch}",
        )
    return result


def divergence_notes(outcomes: list[RunOutcome]) -> list[str]:
    """Why runs diverged, each reason once."""
    return list(dict.fromkeys(o.divergence.reason for o in outcomes if o.divergence))


def document(
    outcomes: list[RunOutcome], varied: list[str], labels: list[str], seconds: float
) -> dict[str, Any]:
    runs = []
    for label, o in zip(labels, outcomes, strict=True):
        d = o.divergence
        runs.append(
            {
                "label": label,
                "config": o.config.to_dict(),
                "final_loss": json_number(o.final_loss),
                "accuracy": o.final_accuracy,
                "epochs_run": o.epochs_run,
                "first_epoch_at_100": o.first_epoch_at_100,
                "diverged": d is not None,
                "divergence": None
                if d is None
                else {"epoch": d.epoch, "loss": json_number(d.loss), "reason": d.reason},
                "stacked": o.stacked,
                "history": history_document(o.epochs, o.loss, o.accuracy),
            }
        )
    return {"schema": JSON_SCHEMA, "varied": varied, "seconds": seconds, "runs": runs}
