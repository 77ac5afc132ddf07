"""``backprop-lab train``: train without the app, for SSH, scripts and notebooks."""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

import mlp
from mlp import Trainer, TrainResult
from mlp.history import evenly_spread
from mlp.trainer import TrainingProgress

from .. import format as fmt
from .. import options, terminal_plots
from ..errors import EXIT_INTERRUPTED, UsageError

JSON_SCHEMA = "backprop-lab/train-result/1"
HISTORY_POINTS = 200
PLAIN_INTERVAL = 2.0  # seconds between progress lines when stdout is not a terminal

EXAMPLES = """\
examples:
  backprop-lab train                                  the lab default: XOR easy, 2-32-32-1, sigmoid
  backprop-lab train --dataset linear --test-points 100
  backprop-lab train --act none,none,sigmoid --lr 0.05 --print-every 1000
  backprop-lab train --lr 0.5 --optimizer momentum --save run.npz
  backprop-lab train --load run.npz --epochs 5000     resume a saved run for 5000 more epochs
  backprop-lab train --json > result.json             one JSON document, nothing else on stdout
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train",
        help="train without the app: progress, the lab's prediction table, plots, JSON",
        description=textwrap.fill(
            "Train a network in this terminal and report it the way the lab does: the "
            "per-sample prediction table, loss and accuracy, the learning curve, ground "
            "truth beside prediction, and the decision boundary. Divergence is a result "
            "(exit 0), bad input exits with 2, Ctrl+C stops cleanly (exit 130) and still "
            "saves with --save."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    options.add_run_options(parser)
    out = parser.add_argument_group("output")
    out.add_argument(
        "--print-every",
        type=options.positive_int,
        metavar="N",
        help="print the lab's 'epoch N loss : x' line every N epochs",
    )
    out.add_argument(
        "--test-points",
        type=options.count,
        default=0,
        metavar="N",
        help="also test on N fresh points the network never saw (the lab's 3.D)",
    )
    out.add_argument("--no-table", action="store_true", help="leave out the per-sample table")
    out.add_argument("--no-plots", action="store_true", help="leave out the terminal plots")
    out.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document (config, result, history) and nothing else",
    )
    files = parser.add_argument_group("run files")
    files.add_argument("--save", type=Path, metavar="PATH.npz", help="save the run when done")
    files.add_argument(
        "--load",
        type=Path,
        metavar="PATH.npz",
        help="resume a saved run; --epochs then counts epochs to add (default: up to the "
        "run's own epoch count)",
    )
    parser.set_defaults(run=run)
    return parser


def build_trainer(args: argparse.Namespace) -> tuple[Trainer, int]:
    """The trainer to run and how many epochs to train it."""
    given = options.given(args)
    if args.load is None:
        config = options.config_from(args)
        return Trainer(config), config.epochs
    trainer = mlp.load(args.load)
    live = {"lr", "momentum", "epochs", "target_loss"}
    fixed = sorted(set(given) - live)
    if fixed:
        flags = ", ".join("--" + name.replace("_", "-") for name in fixed)
        raise UsageError(
            f"{flags} cannot change a loaded run (only --lr, --momentum, --epochs and "
            "--target-loss can); train a new run instead"
        )
    # Refuse a bad --target-loss (or lr, momentum) before training, as for a new run.
    trainer.config.replace(**{k: v for k, v in given.items() if k != "epochs"}).validated()
    if "lr" in given:
        trainer.set_lr(given["lr"])
    if "momentum" in given:
        trainer.set_momentum(given["momentum"])
    epochs = given.get("epochs", max(trainer.config.epochs - trainer.epoch, 0))
    return trainer, epochs


@contextmanager
def ctrl_c_stops() -> Iterator[Callable[[], bool]]:
    """While inside, Ctrl+C asks training to stop at its next check instead of raising."""
    pressed = False

    def handler(signum: int, frame: Any) -> None:
        nonlocal pressed
        pressed = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (e.g. called from a notebook worker)
        yield lambda: False
        return
    try:
        yield lambda: pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def train(
    trainer: Trainer,
    epochs: int,
    target_loss: float | None,
    console: Console,
    *,
    show_progress: bool,
    print_every: int | None,
    should_stop: Callable[[], bool],
) -> TrainResult:
    """Train in chunks of ``print_every`` epochs (or one chunk), with progress shown."""
    start, end = trainer.epoch, trainer.epoch + epochs
    shown = _progress_reporter(console, trainer, start, epochs) if show_progress else nullcontext()
    with shown as on_progress:
        result = None
        while result is None or (result.status == "completed" and trainer.epoch < end):
            chunk = min(print_every or epochs, end - trainer.epoch)
            result = trainer.train(
                chunk,
                target_loss=target_loss,
                on_progress=on_progress,
                progress_interval=0.1 if console.is_terminal else PLAIN_INTERVAL,
                should_stop=should_stop,
            )
            if print_every and result.epochs_run and trainer.epoch % print_every == 0:
                # console.print goes above a live progress bar, not through it
                console.print(f"epoch {trainer.epoch} loss : {fmt.number(trainer.last_loss, 10)}")
            if chunk == 0:
                break
    return TrainResult(
        result.status, trainer.epoch - start, trainer.epoch, result.loss, result.divergence
    )


@contextmanager
def _progress_reporter(
    console: Console, trainer: Trainer, start: int, epochs: int
) -> Iterator[Callable[[TrainingProgress], None]]:
    if not console.is_terminal:

        def plain(p: TrainingProgress) -> None:
            accuracy = _last_accuracy(trainer)
            print(
                f"epoch {p.epoch}/{start + epochs}  loss {fmt.number(p.loss, 6)}  accuracy "
                f"{fmt.percent(accuracy)}  {p.epochs_per_second:,.0f} epochs/s",
                flush=True,
            )

        yield plain
        return
    columns = (
        TextColumn("[bold]training"),
        BarColumn(),
        TextColumn("epoch {task.fields[epoch]}/{task.fields[last]}"),
        TextColumn("loss {task.fields[loss]}"),
        TextColumn("accuracy {task.fields[accuracy]}"),
        TextColumn("{task.fields[speed]} epochs/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(
            "train",
            total=max(epochs, 1),
            epoch=start,
            last=start + epochs,
            loss="-",
            accuracy="-",
            speed="-",
        )

        def fancy(p: TrainingProgress) -> None:
            bar.update(
                task,
                completed=p.epoch - start,
                epoch=p.epoch,
                loss=fmt.number(p.loss),
                accuracy=fmt.percent(_last_accuracy(trainer)),
                speed=f"{p.epochs_per_second:,.0f}",
            )

        yield fancy


def _last_accuracy(trainer: Trainer) -> float:
    accuracy = trainer.history.accuracy
    return float(accuracy[-1]) if len(accuracy) else math.nan


def run(args: argparse.Namespace) -> int:
    trainer, epochs = build_trainer(args)
    config = trainer.config
    sys.stderr.writelines(f"backprop-lab: warning: {w}\n" for w in config.warnings())
    target_loss = options.given(args).get("target_loss", config.target_loss)
    console = Console(highlight=False)
    if not args.json:
        console.print(
            f"[bold]backprop-lab[/bold] {config.describe()} on {trainer.dataset.name} "
            f"({len(trainer.dataset)} points), seed {config.seed}"
        )
    with ctrl_c_stops() as should_stop:
        result = train(
            trainer,
            epochs,
            target_loss,
            console,
            show_progress=not args.json,
            print_every=None if args.json else args.print_every,
            should_stop=should_stop,
        )
    saved = mlp.save(trainer, args.save) if args.save else None
    test = trainer.generalisation(args.test_points) if args.test_points else None
    if args.json:
        print(json.dumps(result_document(trainer, result, test, saved), indent=2))
    else:
        report(
            console, trainer, result, test, saved, table=not args.no_table, plots=not args.no_plots
        )
    return EXIT_INTERRUPTED if result.status == "stopped" else 0


def result_document(
    trainer: Trainer,
    result: TrainResult,
    test: mlp.Evaluation | None,
    saved: Path | None,
) -> dict[str, Any]:
    """Everything a script needs; non-finite numbers become null (JSON has no inf)."""
    evaluation = trainer.evaluate()
    history = trainer.history
    divergence = result.divergence
    return {
        "schema": JSON_SCHEMA,
        "config": trainer.config.to_dict(),
        "status": result.status,
        "epochs_run": result.epochs_run,
        "epoch": trainer.epoch,
        "final_loss": json_number(trainer.last_loss),
        "loss": json_number(evaluation.loss),
        "accuracy": evaluation.accuracy,
        "diverged": divergence is not None,
        "divergence": None
        if divergence is None
        else {
            "epoch": divergence.epoch,
            "loss": json_number(divergence.loss),
            "reason": divergence.reason,
        },
        "test": None
        if test is None
        else {"points": len(test.label), "loss": json_number(test.loss), "accuracy": test.accuracy},
        "predictions": [
            {"sample": i, "ground_truth": g, "prediction": json_number(p)}
            for i, g, p in evaluation.rows()
        ],
        "history": history_document(history.epochs, history.loss, history.accuracy),
        "saved": None if saved is None else str(saved),
    }


def lab_lines(evaluation: mlp.Evaluation) -> list[str]:
    """The lab's printout: ``Iter 1 | Ground truth: 0 | prediction: 0.00837``."""
    return [
        f"Iter {i} | Ground truth: {g} | prediction: {fmt.fixed(p)}"
        for i, g, p in evaluation.rows()
    ]


def history_document(epochs: np.ndarray, loss: np.ndarray, accuracy: np.ndarray) -> dict:
    """A learning curve for JSON: at most HISTORY_POINTS points, first and last kept."""
    keep = evenly_spread(len(epochs), HISTORY_POINTS)
    return {
        "epoch": epochs[keep].astype(int).tolist(),
        "loss": [json_number(v) for v in loss[keep].tolist()],
        "accuracy": [json_number(v) for v in accuracy[keep].tolist()],
    }


def json_number(value: float) -> float | None:
    """JSON has no inf or NaN: a non-finite number is null."""
    value = float(value)
    return value if math.isfinite(value) else None


def report(
    console: Console,
    trainer: Trainer,
    result: TrainResult,
    test: mlp.Evaluation | None,
    saved: Path | None,
    *,
    table: bool,
    plots: bool,
) -> None:
    evaluation = trainer.evaluate()
    if table:
        for line in lab_lines(evaluation):
            console.print(line)
    correct = int(round(evaluation.accuracy * len(evaluation.label)))
    console.print(
        f"[bold]Loss = {fmt.fixed(evaluation.loss)}, accuracy = {fmt.percent(evaluation.accuracy)}"
        f"[/bold] ({correct}/{len(evaluation.label)} correct, {trainer.epoch} epochs)",
        soft_wrap=True,
    )
    if result.status == "target_reached":
        console.print(f"Reached the target loss after {result.epochs_run} epochs.")
    if result.status == "stopped":
        console.print(f"[yellow]Stopped by Ctrl+C at epoch {trainer.epoch}.[/yellow]")
    if result.divergence is not None:
        d = result.divergence
        console.print(f"[bold red]Diverged at epoch {d.epoch}:[/bold red] {d.reason}")
    if test is not None:
        console.print(
            f"On {len(test.label)} fresh points it never saw: loss {fmt.fixed(test.loss)}, "
            f"accuracy {fmt.percent(test.accuracy)}"
        )
    if saved is not None:
        console.print(f"Saved the run to {saved} (resume: backprop-lab train --load {saved})")
    if plots:
        _plots(console, trainer, evaluation)


def _plots(console: Console, trainer: Trainer, evaluation: mlp.Evaluation) -> None:
    colour = console.is_terminal and not console.no_color
    width = min(console.width, 100)
    epochs, loss, _ = trainer.history.downsampled()
    if len(epochs):
        curve = terminal_plots.loss_curves(
            [("", epochs, loss)],
            width=width,
            colour=colour,
            title="Learning curve: loss per sample (log scale) vs epoch",
        )
        console.print(Text.from_ansi(curve))
    x = trainer.dataset.x
    result = terminal_plots.truth_and_prediction(
        x, trainer.dataset.label, evaluation.predicted_class, width=width, colour=colour
    )
    console.print(Text.from_ansi(result))
    console.print("[bold]Decision boundary[/bold]")
    console.print(
        terminal_plots.decision_boundary(
            trainer.network, x, trainer.dataset.label, width=min(width, 60), colour=colour
        )
    )
