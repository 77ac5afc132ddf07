"""Continuous training for the app, run in a worker thread.

The thread owns the trainer while it runs: it trains in chunks and, at most ``rate`` times a
second, takes a :class:`~tui.snapshot.Snapshot` (copies, taken between epochs) and hands it to
``publish``. It never touches a widget. The UI thread talks to it only through a
:class:`TrainingControl` (plain attributes and an Event) and waits for it to finish before it
touches the trainer itself. Nothing here imports textual, so the benchmark can run it bare.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mlp import Trainer, TrainResult

from . import snapshot as snap

UPDATES_PER_SECOND = 15.0
GRID_INTERVAL = 0.25  # seconds between decision grids while training runs
UNLIMITED = 10**12  # epochs for one "as fast as possible" train() call

# Speed levels for + and -: epochs per second, None = as fast as the machine goes.
SPEEDS: tuple[int | None, ...] = (1, 10, 100, 1000, 10000, None)


def speed_label(speed: int | None) -> str:
    return "max" if speed is None else f"{speed:,}/s"


@dataclass
class TrainingControl:
    """What the UI thread may change while training runs (read by the thread between chunks)."""

    speed: int | None = None
    sample: int = 0
    grid_resolution: int | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    generation: int = 0  # bumped when the speed changes, so an unlimited chunk ends

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
    result: TrainResult | None = None
    grid: dict = {"time": -1e9, "values": None}

    def stopped() -> bool:
        return control.stop.is_set() or is_cancelled()

    def report(_progress: object = None) -> None:
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

    target = trainer.config.target_loss
    while not stopped():
        speed = control.speed
        if speed is None:
            generation = control.generation

            def should_stop(generation: int = generation) -> bool:
                return stopped() or control.generation != generation

            result = trainer.train(
                UNLIMITED,
                target_loss=target,
                on_progress=report,
                progress_interval=interval,
                should_stop=should_stop,
            )
        else:
            tick = max(interval, 1.0 / speed)
            started = time.perf_counter()
            result = trainer.train(max(1, round(speed * tick)), target_loss=target)
            report()
            control.stop.wait(max(0.0, tick - (time.perf_counter() - started)))
        if result.status in ("diverged", "target_reached"):
            break
    return result
