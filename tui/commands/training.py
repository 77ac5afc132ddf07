"""The work of ``backprop-lab train``: check everything first, train with progress and
checkpoints, stop cleanly on a signal, save, then report.

The order matters. Every input (settings, memory, paths, option combinations) is checked
before the first epoch, so that a mistake costs a sentence, not a finished run. The run is
saved before the report is written, so that a terminal that is gone (a dropped SSH
connection) or a full disk cannot cost the run. Signals that arrive while saving or
reporting are noted, never obeyed halfway.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time

from rich.console import Console

import mlp
from mlp import Trainer, TrainResult, budget
from mlp.trainer import DIVERGENCE_LIMIT, TrainingProgress

from .. import format as fmt
from .. import options
from ..errors import EXIT_FAILURE, EXIT_OK, UsageError
from .common import OutputGuard, make_console, require_stdout, say
from .progress import Display, clock, train_fields
from .saving import Checkpoints, SaveOutcome, check_target, save_or_rescue
from .stopping import StopRequest, stop_on_signals
from .train_report import report, result_document

CHECK_INTERVAL = 0.1  # seconds between looks at signals, progress and checkpoints
LONG_RUN = 60.0  # seconds: a run longer than this without --save is told it will be lost
ESTIMATE_AFTER = 0.5  # seconds of training before its length is estimated
LIVE = ("lr", "momentum", "epochs", "target_loss")  # what a loaded run may change


def run_training(args: argparse.Namespace) -> int:
    require_stdout()
    save_path = check_target(args.save) if args.save is not None else None
    if args.checkpoint_every is not None and save_path is None:
        raise UsageError("--checkpoint-every needs --save PATH.npz: checkpoints are written there")
    trainer, epochs = build_trainer(args)
    if args.test_points:
        check_test_points(trainer, args.test_points)
    config = trainer.config
    sys.stderr.writelines(f"backprop-lab: warning: {w}\n" for w in config.warnings())
    target_loss = options.given(args).get("target_loss", config.target_loss)
    console = make_console()
    with stop_on_signals() as stop:
        guard = OutputGuard(on_lost=stop.lose_output)
        if not args.json:
            guard.run(
                lambda: console.print(
                    f"[bold]backprop-lab[/bold] {config.describe()} on {trainer.dataset.name} "
                    f"({len(trainer.dataset)} points), seed {config.seed}"
                )
            )
        checkpoints = (
            Checkpoints(args.checkpoint_every, save_path)
            if args.checkpoint_every and save_path is not None  # checked above: needs --save
            else None
        )
        watch = Watch(trainer, epochs, console, guard, stop, checkpoints, json=args.json)
        watch.unsaved = save_path is None
        result = train(
            trainer,
            epochs,
            target_loss,
            watch,
            print_every=None if args.json else args.print_every,
        )
        stopped_by = stop.reason
        saved = save_or_rescue(trainer, save_path) if save_path is not None else None
        lost_mid_run = guard.lost
        test = trainer.generalisation(args.test_points) if args.test_points else None
        if args.json:
            document = json.dumps(result_document(trainer, result, test, saved), indent=2)
            guard.run(lambda: print(document, flush=True))
        else:
            guard.run(
                lambda: report(
                    console,
                    trainer,
                    result,
                    test,
                    saved,
                    stopped_by=stopped_by,
                    table=not args.no_table,
                    plots=not args.no_plots,
                )
            )
            guard.run(lambda: console.file.flush())
        return _exit_code(stop, guard, saved, lost_mid_run, trainer)


def _exit_code(
    stop: StopRequest,
    guard: OutputGuard,
    saved: SaveOutcome | None,
    lost_mid_run: bool,
    trainer: Trainer,
) -> int:
    """128 + the signal that stopped training; else 1 if the run or its report was lost."""
    code = EXIT_OK
    where = f"; the run is in {saved.path}" if saved is not None and saved.path else ""
    if saved is not None and saved.error is not None:
        kept = f"; kept it in {saved.path} instead" if saved.path else "; it is lost"
        say(f"backprop-lab: {saved.error}{kept}")
        code = EXIT_FAILURE
    if lost_mid_run:
        say(
            f"backprop-lab: standard output went away ({guard.reason}), so training stopped "
            f"at epoch {trainer.epoch}{where}"
        )
        code = EXIT_FAILURE
    elif guard.lost and not _reader_left(guard):
        say(f"backprop-lab: could not write the report ({guard.reason}){where}")
        code = EXIT_FAILURE
    return stop.exit_code(code) if stop.signum is not None else code


def _reader_left(guard: OutputGuard) -> bool:
    """``train | head``: the reader has what it wanted, which is no failure."""
    return isinstance(guard.error, BrokenPipeError)


def build_trainer(args: argparse.Namespace) -> tuple[Trainer, int]:
    """The trainer to run and how many epochs to train it."""
    given = options.given(args)
    if args.load is None:
        config = options.config_from(args)
        return Trainer(config), config.epochs
    trainer = mlp.load(args.load)
    fixed = [name for name in given if name not in LIVE]
    if fixed:
        flags = ", ".join(options.flag_of(name) for name in fixed)
        raise UsageError(
            f"{flags} cannot change a loaded run (only --lr, --momentum, --epochs and "
            "--target-loss can); train a new run instead"
        )
    # Refuse a bad --target-loss (or lr, momentum) before training, as for a new run.
    trainer.config.replace(**{k: v for k, v in given.items() if k != "epochs"}).validated()
    _refuse_overflowing(trainer, args.load, given.get("lr"))
    if "lr" in given:
        trainer.set_lr(given["lr"])
    if "momentum" in given:
        trainer.set_momentum(given["momentum"])
    epochs = given.get("epochs", max(trainer.config.epochs - trainer.epoch, 0))
    return trainer, epochs


def _refuse_overflowing(trainer: Trainer, path: str, new_lr: float | None) -> None:
    """A run saved after it diverged holds weights whose loss overflows: no learning rate
    can resume it, so say how to start it again instead of training 0 epochs."""
    loss = trainer.evaluate().loss
    if loss < DIVERGENCE_LIMIT:
        return
    config = trainer.config
    lr = new_lr if new_lr is not None else config.lr / 10
    settings = {k: v for k, v in config.to_dict().items() if k in options.FIELDS and k != "lr"}
    defaults = options.DEFAULTS.to_dict()
    changed = {k: v for k, v in settings.items() if v != defaults.get(k)}
    command = shlex.join(
        ["backprop-lab", "train", *options.command_line(changed), "--lr", fmt.exact(lr)]
    )
    raise UsageError(
        f"{path} diverged (its weights give a loss of {fmt.number(loss)} at epoch "
        f"{trainer.epoch}), so no learning rate can resume it; start it again from its seed "
        f"with a smaller rate: {command}"
    )


def check_test_points(trainer: Trainer, points: int) -> None:
    if trainer.dataset.sampler is None:
        raise UsageError(
            f"--test-points needs a generated dataset; {trainer.dataset.name} is a file, so "
            "there are no fresh points to draw (leave --test-points out)"
        )
    budget.refuse_over(
        budget.estimate(trainer.config, rows=len(trainer.dataset)).total
        + budget.points_bytes(trainer.config, points),
        f"testing on {points:,} fresh points",
        None,
    )


class Watch:
    """Looks at a run while it trains: draws progress, asks for stops and checkpoints, and
    warns once when a long run will not be kept."""

    def __init__(
        self,
        trainer: Trainer,
        epochs: int,
        console: Console,
        guard: OutputGuard,
        stop: StopRequest,
        checkpoints: Checkpoints | None,
        *,
        json: bool,
    ) -> None:
        self.trainer, self.guard, self.stop, self.checkpoints = trainer, guard, stop, checkpoints
        self.start_epoch, self.end = trainer.epoch, trainer.epoch + epochs
        self.started = time.monotonic()
        self.unsaved = False
        self.warned = False
        self.display = (
            None
            if json
            else Display(console, guard, train_fields(self.end), label="training", total=epochs)
        )

    def should_pause(self) -> bool:
        """Stop requested, or a checkpoint due by the clock."""
        return self.stop() or (self.checkpoints is not None and self.checkpoints.time_is_up())

    def progress(self, p: TrainingProgress) -> None:
        elapsed = time.monotonic() - self.started
        done = p.epoch - self.start_epoch
        speed = done / elapsed if elapsed > 0 else 0.0
        left = (self.end - p.epoch) / speed if speed > 0 else math.inf
        if self.unsaved and not self.warned and elapsed >= ESTIMATE_AFTER:
            self.warned = True
            if elapsed + left > LONG_RUN:
                say(
                    f"backprop-lab: this run will take about {_duration(elapsed + left)} and "
                    "will not be kept: add --save run.npz (and --checkpoint-every 5m) to keep it"
                )
        if self.display is None:
            return
        accuracy = self.trainer.history.accuracy
        self.display.show(
            done,
            {
                "epoch": f"{p.epoch}/{self.end}",
                "loss": fmt.number(p.loss),
                "accuracy": fmt.percent(float(accuracy[-1]) if len(accuracy) else math.nan),
                "speed": f"{speed:,.0f}",
                "elapsed": clock(elapsed),
                "remaining": clock(left),
            },
            force=p.epoch >= self.end,
        )

    def line(self, text: str) -> None:
        if self.display is not None:
            self.display.above(text)

    def checkpoint(self) -> None:
        if self.checkpoints is None:
            return
        error = self.checkpoints.write(self.trainer)
        if error is not None:
            say(f"backprop-lab: {error}; training goes on")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def train(
    trainer: Trainer,
    epochs: int,
    target_loss: float | None,
    watch: Watch,
    *,
    print_every: int | None,
) -> TrainResult:
    """Train ``epochs`` epochs in chunks that end at each ``print_every`` line and each
    checkpoint; stop at the end of an epoch once a stop is requested."""
    start, end = trainer.epoch, trainer.epoch + epochs
    checkpoints = watch.checkpoints
    display = watch.display if watch.display is not None else _NoDisplay()
    with display:
        while True:
            stop_at = end
            if print_every:
                stop_at = min(stop_at, (trainer.epoch // print_every + 1) * print_every)
            if checkpoints is not None:
                stop_at = min(stop_at, checkpoints.next_epoch(trainer.epoch) or end)
            result = trainer.train(
                stop_at - trainer.epoch,
                target_loss=target_loss,
                on_progress=watch.progress,
                progress_interval=CHECK_INTERVAL,
                should_stop=watch.should_pause,
            )
            if print_every and result.epochs_run and trainer.epoch % print_every == 0:
                watch.line(f"epoch {trainer.epoch} loss : {fmt.number(trainer.last_loss, 10)}")
            if result.status in ("diverged", "target_reached") or trainer.epoch >= end:
                break
            if watch.stop():
                result = TrainResult("stopped", 0, trainer.epoch, result.loss, result.divergence)
                break
            if checkpoints is not None and checkpoints.due(trainer.epoch):
                watch.checkpoint()
    return TrainResult(
        result.status, trainer.epoch - start, trainer.epoch, result.loss, result.divergence
    )


class _NoDisplay:
    def __enter__(self) -> _NoDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
