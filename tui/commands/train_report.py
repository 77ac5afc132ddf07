"""What ``backprop-lab train`` prints when training ends: the lab's table and summary with the
plots, or one JSON document."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

import mlp
from mlp import Trainer, TrainResult

from .. import format as fmt
from .. import terminal_plots
from .common import history_document, json_number
from .saving import SaveOutcome

JSON_SCHEMA = "backprop-lab/train-result/1"


def result_document(
    trainer: Trainer,
    result: TrainResult,
    test: mlp.Evaluation | None,
    saved: SaveOutcome | None,
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
        "saved": None if saved is None or saved.path is None else str(saved.path),
        "save_error": None if saved is None else saved.error,
    }


def lab_lines(evaluation: mlp.Evaluation) -> list[str]:
    """The lab's printout: ``Iter 1 | Ground truth: 0 | prediction: 0.00837``."""
    return [
        f"Iter {i} | Ground truth: {g} | prediction: {fmt.fixed(p)}"
        for i, g, p in evaluation.rows()
    ]


def report(
    console: Console,
    trainer: Trainer,
    result: TrainResult,
    test: mlp.Evaluation | None,
    saved: SaveOutcome | None,
    *,
    stopped_by: str,
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
        console.print(f"[yellow]Stopped by {stopped_by} at epoch {trainer.epoch}.[/yellow]")
    if result.divergence is not None:
        d = result.divergence
        console.print(f"[bold red]Diverged at epoch {d.epoch}:[/bold red] {d.reason}")
        console.print(
            f"Change --lr (now {fmt.exact(trainer.config.lr)}) and train again: the same "
            f"--seed ({trainer.config.seed}) starts from the same weights."
        )
    if test is not None:
        console.print(
            f"On {len(test.label)} fresh points it never saw: loss {fmt.fixed(test.loss)}, "
            f"accuracy {fmt.percent(test.accuracy)}"
        )
    if saved is not None:
        _saved_lines(console, saved)
    if plots:
        _plots(console, trainer, evaluation)


def _saved_lines(console: Console, saved: SaveOutcome) -> None:
    if saved.error is not None:
        console.print(f"[bold red]Not saved where asked:[/bold red] {saved.error}.")
    if saved.path is not None:
        where = "Kept the run in" if saved.rescued else "Saved the run to"
        console.print(
            f"{where} {saved.path} (resume: backprop-lab train --load {saved.path})",
            soft_wrap=True,
        )
    else:
        console.print("[bold red]The run could not be kept anywhere.[/bold red]")


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
