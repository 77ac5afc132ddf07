"""``backprop-lab compare``: the lab's discussion experiments, side by side.

Every setting given as a comma-separated list is varied (all combinations); runs that share
their shapes are trained together as one stacked numpy computation (mlp.batched).
"""

from __future__ import annotations

import argparse
import itertools
import json
import textwrap
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from mlp import RunConfig

from .. import format as fmt
from .. import options, terminal_plots
from ..errors import EXIT_INTERRUPTED, UsageError
from .train import ctrl_c_stops, history_document, json_number

if TYPE_CHECKING:
    from mlp.batched import RunOutcome

MAX_RUNS = 64
JSON_SCHEMA = "backprop-lab/compare-result/1"

EXAMPLES = """\
examples (the lab's discussion):
  backprop-lab compare --lr 0.5,0.05,0.005
  backprop-lab compare --hidden 8,32,128 --lr 0.05,0.005
  backprop-lab compare --act sigmoid,none/none/sigmoid,none/sigmoid/sigmoid
  backprop-lab compare --optimizer gd,momentum --dataset linear
  backprop-lab compare --seed 0,1,2,3,4 --act relu/relu/sigmoid --lr 0.005
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "compare",
        help="vary settings (e.g. --lr 0.5,0.05,0.005) and compare the runs in one chart",
        description=textwrap.fill(
            "Train one run per combination of the listed values and compare them: loss "
            "curves overlaid in one chart, and a table of final loss, accuracy, the first epoch at "
            "100% accuracy and divergence. Settings not listed keep the lab default."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    options.add_run_options(parser, compare=True)
    parser.add_argument("--no-plots", action="store_true", help="leave out the chart")
    parser.add_argument("--json", action="store_true", help="print one JSON document only")
    parser.set_defaults(run=run)
    return parser


def runs_from(args: argparse.Namespace) -> tuple[list[RunConfig], list[str], list[str]]:
    """One config per combination; the varied setting names; a label per run."""
    given = options.given(args)
    fixed = {k: v[0] if isinstance(v, tuple) else v for k, v in given.items()}
    varied = [k for k, v in given.items() if isinstance(v, tuple) and len(v) > 1]
    if not varied:
        raise UsageError(
            "there is nothing to compare: give a setting two or more values, e.g. "
            "--lr 0.5,0.05,0.005 (for one run, use 'backprop-lab train')"
        )
    combinations = list(itertools.product(*(given[k] for k in varied)))
    if len(combinations) > MAX_RUNS:
        raise UsageError(f"that is {len(combinations)} runs; compare at most {MAX_RUNS} at a time")
    base = RunConfig().replace(**fixed)
    configs, labels = [], []
    for values in combinations:
        changes = dict(zip(varied, values, strict=True))
        configs.append(base.replace(**changes).validated())
        labels.append(" ".join(f"{_flag(k)} {_show(v)}" for k, v in changes.items()))
    return configs, varied, labels


def _flag(name: str) -> str:
    return "act" if name == "activations" else name.replace("_", "-")


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ("/" if value and isinstance(value[0], str) else "x").join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def run(args: argparse.Namespace) -> int:
    from mlp.batched import train_many

    configs, varied, labels = runs_from(args)
    console = Console(highlight=False)
    started = time.perf_counter()
    with ctrl_c_stops() as should_stop:
        if args.json:
            outcomes = train_many(configs, should_stop=should_stop)
        else:
            outcomes = _train_with_progress(console, configs, should_stop)
    seconds = time.perf_counter() - started
    code = EXIT_INTERRUPTED if should_stop() else 0
    if args.json:
        print(json.dumps(document(outcomes, varied, labels, seconds), indent=2))
        return code
    console.print(table(outcomes, varied))
    for reason in divergence_notes(outcomes):
        console.print(f"[red]Diverged:[/red] {reason}")
    stacked = sum(o.stacked for o in outcomes)
    together = f", {stacked} of them trained together as stacked arrays" if stacked else ""
    console.print(f"{len(outcomes)} runs in {seconds:.2f} s{together}")
    if code == EXIT_INTERRUPTED:
        console.print("[yellow]Stopped by Ctrl+C: the table shows what each run reached.")
    if not args.no_plots:
        colour = console.is_terminal and not console.no_color
        chart = terminal_plots.loss_curves(
            [(label, o.epochs, o.loss) for label, o in zip(labels, outcomes, strict=True)],
            width=min(console.width, 100),
            height=22,
            colour=colour,
        )
        console.print(Text.from_ansi(chart))
    return code


def _train_with_progress(
    console: Console, configs: list[RunConfig], should_stop: Callable[[], bool]
) -> list[RunOutcome]:
    from mlp.batched import train_many

    if not console.is_terminal:
        print(f"training {len(configs)} runs ...", flush=True)
        return train_many(configs, should_stop=should_stop)
    columns = (
        TextColumn(f"[bold]training {len(configs)} runs"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} epochs (all runs)"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("compare", total=sum(c.epochs for c in configs))

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return train_many(configs, on_progress=on_progress, should_stop=should_stop)


def table(outcomes: list[RunOutcome], varied: list[str]) -> Table:
    """One row per run: the varied settings, then how the run ended."""
    result = Table(title="Comparison", title_justify="left")
    for name in varied:
        result.add_column(_flag(name), no_wrap=True)
    for heading in ("final loss", "accuracy", "first epoch at 100%", "diverged"):
        result.add_column(heading, justify="right")
    for outcome in outcomes:
        d = outcome.divergence
        settings = [_show(getattr(outcome.config, name)) for name in varied]
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
