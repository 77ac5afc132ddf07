"""The run on screen: one Trainer, stepped on the UI thread or trained in a worker thread.

Every change to the trainer goes through a :class:`Runner`. While continuous training runs, the
worker thread owns the trainer; anything else first calls :meth:`Runner.pause`, which waits until
the thread has let go. The thread trains in chunks of at most ``CHUNK_SECONDS`` (whole epochs
for a small network, single sub-steps for a big one), so a pause is answered within about that
long whatever the network's size. A key that steps a big network (more than
``BACKGROUND_WORK``) steps it in a thread too, and the next key waits for it in the same way.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from functools import partial

import numpy as np
from textual.app import App
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState, get_current_worker

from mlp import RunConfig, Trainer, TrainResult
from mlp.evaluate import Evaluation

from . import snapshot as snap
from .messages import TrainerUpdated
from .training_worker import (
    BACKGROUND_WORK,
    SPEEDS,
    TrainingControl,
    epoch_work,
    speed_label,
    train_continuously,
)

DEFAULT_SPEED = SPEEDS.index(1000)
# XOR easy's fourth point, (0.1, 0.9): its numbers are all non-zero, unlike (0, 0).
FIRST_SAMPLE = 3


class Runner:
    """Owns the trainer, the sample on show and the training thread."""

    def __init__(self, app: App, trainer: Trainer) -> None:
        self.app = app
        self.trainer = trainer
        self.sample = FIRST_SAMPLE
        self.speed_index = DEFAULT_SPEED
        self.control = TrainingControl(speed=SPEEDS[self.speed_index])
        self.worker: Worker | None = None
        self.grid_resolution: int | None = None  # the decision grid a view wants, if any
        self._evaluated: tuple[Trainer, np.ndarray, Evaluation] | None = None

    @property
    def running(self) -> bool:
        return self.worker is not None

    @property
    def stepping(self) -> bool:
        """A key's step of a big network is running in the thread (not continuous training)."""
        return self.worker is not None and self.worker.name == "stepping"

    @property
    def speed(self) -> str:
        return speed_label(self.control.speed)

    def snapshot(self) -> snap.Snapshot:
        """The trainer as it is now (only while no thread trains it)."""
        return snap.take(
            self.trainer,
            self.sample,
            grid_resolution=self.grid_resolution,
            running=False,
            speed=self.speed,
            evaluation=self._evaluation(),
        )

    def _evaluation(self) -> Evaluation:
        """The current weights' loss and accuracy, evaluated again only when they changed:
        stepping through a pass changes no weight until its update."""
        params = self.trainer.network.params
        cached = self._evaluated
        if cached is not None and cached[0] is self.trainer and np.array_equal(cached[1], params):
            return cached[2]
        evaluation = self.trainer.evaluate()
        self._evaluated = (self.trainer, params.copy(), evaluation)
        return evaluation

    # -- continuous training ----------------------------------------------------------------

    def start(self) -> str | None:
        """Start training in the thread; the reason when it cannot start, else None."""
        if self.running:
            return None
        if self.trainer.divergence is not None:
            return "Training has diverged: lower the learning rate (s) or reset (r) first."
        self.control.stop = threading.Event()
        self.control.sample = self.sample
        self.control.grid_resolution = self.grid_resolution
        self.worker = self.app.run_worker(
            self._train_in_thread,
            name="training",
            group="training",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )
        return None

    def _train_in_thread(self) -> TrainResult | None:
        worker = get_current_worker()
        app = self.app

        def publish(snapshot: snap.Snapshot) -> None:
            app.post_message(TrainerUpdated(snapshot))

        return train_continuously(self.trainer, self.control, publish, lambda: worker.is_cancelled)

    async def pause(self) -> Worker | None:
        """Stop the thread and wait until it has let go of the trainer; the finished worker."""
        worker = self.worker
        if worker is None:
            return None
        self.control.stop.set()
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()
        return self.finished(worker)

    def finished(self, worker: Worker) -> Worker | None:
        """Forget ``worker`` once it has ended; None if it was not ours (or already handled)."""
        if worker is not self.worker or worker.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return None
        self.worker = None
        return worker

    def change_speed(self, step: int) -> None:
        self.speed_index = min(max(self.speed_index + step, 0), len(SPEEDS) - 1)
        self.control.set_speed(SPEEDS[self.speed_index])

    def select_sample(self, step: int) -> None:
        self.sample = (self.sample + step) % self.trainer.tape.rows
        self.control.sample = self.sample

    def want_grid(self, resolution: int | None) -> None:
        self.grid_resolution = resolution
        self.control.grid_resolution = resolution

    # -- changes on the UI thread (pause first) ------------------------------------------

    def _check_paused(self) -> None:
        if self.running:
            raise RuntimeError("pause training before changing the trainer")

    def step(self, what: Callable[[Trainer], object]) -> object:
        self._check_paused()
        return what(self.trainer)

    @property
    def steps_in_thread(self) -> bool:
        """Whether a key's step of this network is too slow for the UI thread."""
        return epoch_work(self.trainer) > BACKGROUND_WORK

    def step_in_thread(self, what: Callable[[Trainer], object]) -> None:
        """Run ``what`` on the trainer in a thread; :meth:`pause` waits for it, as for training."""
        self._check_paused()
        self.worker = self.app.run_worker(
            partial(what, self.trainer),
            name="stepping",
            group="training",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def replace(self, trainer: Trainer) -> None:
        """Show ``trainer`` instead of the current one."""
        self._check_paused()
        self.trainer = trainer
        self.sample = min(self.sample, trainer.tape.rows - 1)

    def apply(self, config: RunConfig) -> None:
        """Apply ``config``: lr and momentum live, anything else with a new trainer.

        Raises ConfigError or DatasetError (one sentence) when the run cannot be built.
        """
        self._check_paused()
        trainer = applied(self.trainer, config)
        if trainer is not self.trainer:
            self.replace(trainer)

    def reset(self) -> None:
        trainer = self.trainer
        self.replace(Trainer(trainer.config, dataset=trainer.dataset))


def applied(trainer: Trainer, config: RunConfig) -> Trainer:
    """``trainer`` with ``config``: the same trainer when only the learning rate or momentum
    change (set live), else a new one from the seed (on the same data when that is unchanged).

    Raises ConfigError or DatasetError (one sentence) when the run cannot be built. The lesson
    screen applies its settings the same way.
    """
    config = config.validated()
    current = trainer.config
    if config.replace(lr=current.lr, momentum=current.momentum) == current:
        if config.lr != current.lr:
            trainer.set_lr(config.lr)
        if config.momentum != current.momentum:
            trainer.set_momentum(config.momentum)
        return trainer
    dataset = trainer.dataset if _same_data(config, current) else None
    return Trainer(config, dataset=dataset)


def _same_data(new: RunConfig, old: RunConfig) -> bool:
    return (new.dataset, new.n, new.noise, new.seed) == (old.dataset, old.n, old.noise, old.seed)
