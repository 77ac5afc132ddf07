"""The backprop-lab app: a view over one Trainer, stepped by keys or trained in a thread.

The app owns the trainer. Every change made on the UI thread is followed by a fresh
:class:`~tui.snapshot.Snapshot`; while continuous training runs, snapshots come from the
training thread instead (as :class:`TrainerUpdated` messages), and every action that would
touch the trainer pauses training first, waiting until the thread has let go of it.

Other screens can follow the trainer: ``app.snapshot`` is the latest snapshot and
``app.trainer_updated`` a Signal published with each new one; ``app.set_trainer`` and
``app.load_config`` replace the run.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from pathlib import Path

import numpy as np
from textual.app import App
from textual.message import Message
from textual.signal import Signal
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState, get_current_worker

import mlp
from mlp import ConfigError, DatasetError, RunConfig, Trainer
from mlp.gradcheck import check

from . import confine
from . import snapshot as snap
from .screens.gradcheck import GradcheckScreen
from .screens.help import HelpScreen
from .screens.main import TrainerScreen
from .screens.save import DEFAULT_PATH, SaveScreen
from .screens.settings import SettingsScreen
from .training_worker import SPEEDS, TrainingControl, speed_label, train_continuously

DEFAULT_SPEED = SPEEDS.index(1000)
# XOR easy's fourth point, (0.1, 0.9): its numbers are all non-zero, unlike (0, 0).
FIRST_SAMPLE = 3


class TrainerUpdated(Message):
    """A new snapshot from the training thread; a newer one replaces one not yet handled."""

    def __init__(self, snapshot: snap.Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainerUpdated)


class BackpropApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "backprop-lab"

    def __init__(
        self,
        config: RunConfig | None = None,
        trainer: Trainer | None = None,
        lesson: str | None = None,
    ) -> None:
        super().__init__()
        self.trainer = trainer if trainer is not None else Trainer(config or RunConfig())
        self.lesson = lesson
        self.sample = FIRST_SAMPLE
        self.speed_index = DEFAULT_SPEED
        self.control = TrainingControl(speed=SPEEDS[self.speed_index])
        self.running = False
        self.snapshot: snap.Snapshot | None = None
        self.trainer_updated: Signal[snap.Snapshot] = Signal(self, "trainer-updated")
        self._worker: Worker | None = None

    def get_default_screen(self) -> TrainerScreen:
        return TrainerScreen()

    @property
    def main(self) -> TrainerScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.sub_title = self.trainer.config.describe()
        # The trainer screen draws the first snapshot when it mounts.
        if self.lesson:
            self.call_after_refresh(self._open_lesson, self.lesson)

    # -- the view -------------------------------------------------------------------------

    def take_snapshot(self, running: bool = False) -> snap.Snapshot:
        main = self.main
        return snap.take(
            self.trainer,
            self.sample,
            grid_resolution=main.grid_resolution if main.wants_grid else None,
            running=running,
            speed=speed_label(self.control.speed),
        )

    def refresh_view(self) -> None:
        """Snapshot the trainer and redraw; while training runs the thread does this."""
        if self.running or not self.main.ready:
            return
        self._publish(self.take_snapshot())

    def _publish(self, snapshot: snap.Snapshot) -> None:
        self.snapshot = snapshot
        self.sample = snapshot.sample
        self.main.show(snapshot)
        self.trainer_updated.publish(snapshot)

    def on_trainer_updated(self, message: TrainerUpdated) -> None:
        if self.running:  # a late message from a finished run would show stale state
            self._publish(message.snapshot)

    def set_trainer(self, trainer: Trainer) -> None:
        """Show ``trainer`` instead of the current one (pause first: see ``pause``)."""
        if self.running:
            raise RuntimeError("pause training before replacing the trainer")
        self.trainer = trainer
        self.sample = min(self.sample, trainer.tape.rows - 1)
        self.sub_title = trainer.config.describe()
        self.refresh_view()

    def load_config(self, config: RunConfig) -> None:
        """Apply ``config``: lr and momentum live, anything else with a new trainer.

        Raises ConfigError or DatasetError (one sentence) when the run cannot be built.
        """
        config = config.validated()
        confine.check_dataset(config.dataset)  # under `serve`: no files from the page
        current = self.trainer.config
        if config.replace(lr=current.lr, momentum=current.momentum) == current:
            if config.lr != current.lr:
                self.trainer.set_lr(config.lr)
            if config.momentum != current.momentum:
                self.trainer.set_momentum(config.momentum)
            self.sub_title = self.trainer.config.describe()
            self.refresh_view()
            return
        dataset = self.trainer.dataset if _same_data(config, current) else None
        self.set_trainer(Trainer(config, dataset=dataset))

    # -- continuous training ----------------------------------------------------------------

    def start(self) -> None:
        if self.running:
            return
        if self.trainer.divergence is not None:
            self.notify(
                "Training has diverged: lower the learning rate (s) or reset (r) first.",
                severity="warning",
            )
            return
        main = self.main
        self.control.stop = threading.Event()
        self.control.sample = self.sample
        self.control.grid_resolution = main.grid_resolution if main.wants_grid else None
        self.running = True
        self._worker = self.run_worker(
            self._train_in_thread,
            name="training",
            group="training",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )
        self.refresh_status()

    def _train_in_thread(self) -> mlp.TrainResult | None:
        worker = get_current_worker()
        return train_continuously(
            self.trainer,
            self.control,
            lambda snapshot: self.post_message(TrainerUpdated(snapshot)),
            lambda: worker.is_cancelled,
        )

    async def pause(self) -> None:
        """Stop continuous training and wait until the thread has let go of the trainer."""
        worker = self._worker
        if worker is None:
            return
        self.control.stop.set()
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()
        self._training_finished(worker)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._worker and event.state in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._training_finished(event.worker)

    def _training_finished(self, worker: Worker) -> None:
        if worker is not self._worker:
            return  # already handled
        self._worker = None
        self.running = False
        if worker.state == WorkerState.ERROR:
            self.notify(f"Training stopped: {worker.error}", severity="error")
        result = worker.result if worker.state == WorkerState.SUCCESS else None
        if result is not None and result.status == "target_reached":
            self.notify(f"Reached the target loss at epoch {result.epoch:,}.")
        self.refresh_view()

    def refresh_status(self) -> None:
        if self.snapshot is not None:
            from dataclasses import replace

            speed = speed_label(self.control.speed)
            self.main.show(replace(self.snapshot, running=self.running, speed=speed))

    # -- actions ----------------------------------------------------------------------------

    async def _step(self, what: str) -> None:
        await self.pause()
        getattr(self.trainer, what)()
        self.refresh_view()

    async def action_next_substep(self) -> None:
        await self._step("next_substep")

    async def action_previous_substep(self) -> None:
        await self.pause()
        if self.trainer.previous_substep() is None:
            self.notify("Nothing to undo: this is where the run started.")
        self.refresh_view()

    async def action_forward_pass(self) -> None:
        await self._step("forward_pass")

    async def action_backward_pass(self) -> None:
        await self._step("backward_pass")

    async def action_epoch(self) -> None:
        await self._step("train_epoch")

    async def action_toggle_run(self) -> None:
        if self.running:
            await self.pause()
        else:
            self.start()

    def action_speed(self, step: int) -> None:
        self.speed_index = min(max(self.speed_index + step, 0), len(SPEEDS) - 1)
        self.control.set_speed(SPEEDS[self.speed_index])
        self.refresh_status()

    async def action_reset(self) -> None:
        await self.pause()
        trainer = self.trainer
        self.set_trainer(Trainer(trainer.config, dataset=trainer.dataset))
        self.notify(f"Reset to seed {trainer.config.seed}.")

    def action_select_sample(self, step: int) -> None:
        rows = self.trainer.tape.rows
        self.sample = (self.sample + step) % rows
        self.control.sample = self.sample
        if self.running:
            return  # the next snapshot from the thread shows it
        self.refresh_view()

    async def action_settings(self) -> None:
        await self.pause()
        self.push_screen(SettingsScreen(self.trainer.config, apply=self.load_config))

    async def action_gradcheck(self) -> None:
        await self.pause()
        trainer = self.trainer
        if trainer.divergence is not None or not np.isfinite(trainer.network.params).all():
            # Finite differences of overflowing values mean nothing (NaN even compares "equal").
            self.notify(
                "Training has diverged, so finite differences mean nothing here: reset (r) or "
                "change the settings before a gradient check.",
                severity="warning",
            )
            return
        rows = trainer.batch_indices
        x, label = trainer.dataset.x[rows], trainer.dataset.label[rows]
        result = check(trainer.network, trainer.loss, x, label)
        self.push_screen(GradcheckScreen(result, len(rows)))

    async def action_save(self) -> None:
        await self.pause()

        def saved(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Saved the run to {path}")

        # Under `serve`, confine.save_target keeps saves inside the runs folder.
        save = lambda path: mlp.save(self.trainer, confine.save_target(path))  # noqa: E731
        self.push_screen(SaveScreen(save, DEFAULT_PATH), saved)

    async def action_open_lessons(self) -> None:
        await self.pause()
        try:
            from .screens.lessons import LessonBrowser
        except ImportError:
            self.notify("Lessons are not installed")
            return
        self.push_screen(LessonBrowser())

    def _open_lesson(self, name: str) -> None:
        try:
            from .screens.lesson import LessonScreen

            screen = LessonScreen(name)
        except ImportError:
            self.notify("Lessons are not installed")
            return
        except Exception as exc:  # noqa: BLE001 - a broken lesson must not take the app down
            self.notify(f"Could not open the lesson {name!r}: {exc}", severity="error")
            return
        self.push_screen(screen)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.control.stop.set()
        await self.pause()
        self.exit(0)


def _same_data(new: RunConfig, old: RunConfig) -> bool:
    return (new.dataset, new.n, new.noise, new.seed) == (old.dataset, old.n, old.noise, old.seed)


def run_app(
    config: RunConfig | None = None,
    trainer: Trainer | None = None,
    lesson: str | None = None,
) -> int:
    """Run the app in this terminal; the exit code (2 when the run cannot be built)."""
    try:
        app = BackpropApp(config=config, trainer=trainer, lesson=lesson)
    except (ConfigError, DatasetError) as exc:
        print(f"backprop-lab: {exc}", file=sys.stderr)
        return 2
    app.run()
    return app.return_code or 0
