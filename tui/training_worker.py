"""Continuous training for the app, run in a worker thread.

The thread owns the trainer while it runs. It trains in chunks sized by time, never longer than
``CHUNK_SECONDS`` between two looks at the stop flag: whole epochs (``Trainer.train``) while an
epoch is quicker than that, single sub-steps once an epoch takes longer (a network with 100,000
hidden units), so pausing and quitting answer within about that time whatever the size. At most
``rate`` times a second it takes a :class:`~tui.snapshot.Snapshot` (copies, taken between
chunks) and hands it to ``publish``. It never touches a widget. The UI thread talks to it only
through a :class:`TrainingControl` (plain attributes and an Event) and waits for it to finish
before it touches the trainer itself. Nothing here imports textual, so the benches can run it
bare.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mlp import Trainer, TrainResult

from . import format as fmt
from . import snapshot as snap

UPDATES_PER_SECOND = 15.0
GRID_INTERVAL = 0.25  # seconds between decision grids while training runs
CHUNK_SECONDS = 0.05  # the longest the thread trains before it looks at the stop flag again
UNLIMITED = 10**12  # epochs for one "as fast as possible" train() call
# An epoch of more multiply-adds than this is likely slower than a chunk: start by sub-steps.
STEPPING_WORK = 2e6
# A key that steps a network of more than this (about 20 ms an epoch on one core) steps it in a
# thread, so that the screen never freezes on a big network's epoch.
BACKGROUND_WORK = 5e7

# Speed levels for + and -: epochs per second, None = as fast as the machine goes.
SPEEDS: tuple[int | None, ...] = (1, 10, 100, 1000, 10000, None)


def speed_label(speed: int | None) -> str:
    return "max" if speed is None else f"{fmt.count(speed)}/s"


@dataclass
class TrainingControl:
    """What the UI thread may change while training runs (read by the thread between chunks)."""

    speed: int | None = None
    sample: int = 0
    grid_resolution: int | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    generation: int = 0  # bumped when the speed changes, so the pace starts again

    def set_speed(self, speed: int | None) -> None:
        self.speed = speed
        self.generation += 1


@dataclass
class _Meter:
    """Epochs per second over the time since the last report."""

    epoch: int
    time: float = field(default_factory=time.perf_counter)
    rate: float | None = None

    def update(self, epoch: int) -> float | None:
        now = time.perf_counter()
        if now - self.time >= 0.25:
            self.rate = (epoch - self.epoch) / (now - self.time)
            self.epoch, self.time = epoch, now
        return self.rate


@dataclass
class _Pace:
    """How many epochs the speed cap allows so far (None: as many as fit in a chunk)."""

    control: TrainingControl
    trainer: Trainer
    generation: int = -1
    start: float = 0.0
    first_epoch: int = 0

    def allowed(self) -> int | None:
        control = self.control
        if control.generation != self.generation:
            self.generation = control.generation
            self.start, self.first_epoch = time.perf_counter(), self.trainer.epoch
        if control.speed is None:
            return None
        due = math.floor(control.speed * (time.perf_counter() - self.start)) + 1
        return due - (self.trainer.epoch - self.first_epoch)

    def wait(self) -> float:
        """Seconds until the next epoch is due."""
        speed = self.control.speed or 1
        next_due = self.start + (self.trainer.epoch - self.first_epoch) / speed
        return max(0.0, next_due - time.perf_counter())


def epoch_work(trainer: Trainer) -> float:
    """Multiply-adds of one epoch's matrix products, roughly: samples × parameters."""
    return 3.0 * len(trainer.dataset) * trainer.network.n_params


def train_continuously(
    trainer: Trainer,
    control: TrainingControl,
    publish: Callable[[snap.Snapshot], None],
    is_cancelled: Callable[[], bool] = lambda: False,
    rate: float = UPDATES_PER_SECOND,
) -> TrainResult | None:
    """Train until stopped, cancelled, diverged or at the config's target loss."""
    interval = 1.0 / rate
    meter = _Meter(trainer.epoch)
    pace = _Pace(control, trainer)
    grid: dict = {"time": -1e9, "values": None}
    stepping = epoch_work(trainer) > STEPPING_WORK
    target = trainer.config.target_loss
    status = "stopped"
    first_epoch = trainer.epoch

    def stopped() -> bool:
        return control.stop.is_set() or is_cancelled()

    def report() -> None:
        eps = meter.update(trainer.epoch)
        # The decision grid costs a forward pass over the whole plane: a few per second do.
        now = time.perf_counter()
        resolution = control.grid_resolution
        fresh_grid = resolution is not None and now - grid["time"] >= GRID_INTERVAL
        snapshot = snap.take(
            trainer,
            control.sample,
            grid_resolution=resolution if fresh_grid else None,
            running=True,
            epochs_per_second=eps,
            speed=speed_label(control.speed),
        )
        if fresh_grid:
            grid["time"], grid["values"] = now, snapshot.grid
        elif resolution is not None and grid["values"] is not None:
            snapshot = dataclasses.replace(snapshot, grid=grid["values"])
        publish(snapshot)

    next_report = time.perf_counter()
    while not stopped():
        allowed = pace.allowed()
        if allowed is not None and allowed <= 0:
            control.stop.wait(min(pace.wait(), interval))
        else:
            started, epoch_before = time.perf_counter(), trainer.epoch
            deadline = started + CHUNK_SECONDS
            if stepping:
                status = _substeps(trainer, allowed, deadline, stopped)
            else:

                def chunk_over(deadline: float = deadline) -> bool:
                    return stopped() or time.perf_counter() >= deadline

                result = trainer.train(
                    UNLIMITED if allowed is None else allowed,
                    target_loss=target,
                    progress_interval=CHUNK_SECONDS / 10,
                    should_stop=chunk_over,
                )
                status = result.status
            epochs = trainer.epoch - epoch_before
            elapsed = time.perf_counter() - started
            if epochs:
                # Sub-steps once an epoch outgrows a chunk, whole epochs again once it fits.
                stepping = elapsed / epochs > CHUNK_SECONDS / (4 if stepping else 1)
            if status in ("diverged", "target_reached"):
                break
        if time.perf_counter() >= next_report and not stopped():
            report()  # stopped: the UI takes its own snapshot of where training ended
            next_report = time.perf_counter() + interval
    if status not in ("diverged", "target_reached"):
        status = "stopped"
    return TrainResult(
        status, trainer.epoch - first_epoch, trainer.epoch, trainer.last_loss, trainer.divergence
    )


def _substeps(
    trainer: Trainer, allowed: int | None, deadline: float, stopped: Callable[[], bool]
) -> str:
    """Sub-steps until the deadline, a stop, the epochs allowed, divergence or the target."""
    target = trainer.config.target_loss
    first = trainer.epoch
    while True:  # at least one sub-step a chunk, however short the chunk
        trainer.next_substep()
        if trainer.divergence is not None:
            return "diverged"
        if trainer.epoch != first:
            if target is not None and trainer.last_loss <= target:
                return "target_reached"
            if allowed is not None and trainer.epoch - first >= allowed:
                break
        if time.perf_counter() >= deadline or stopped():
            break
    return "stopped"
