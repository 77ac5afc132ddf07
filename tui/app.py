"""The backprop-lab app: a view over one Trainer, stepped by keys or trained in a thread.

The app wires three parts together and does little itself:

- :class:`~tui.runner.Runner` owns the trainer, the selected sample and the training thread;
- :class:`~tui.screens.main.TrainerScreen` lays out and draws snapshots (the app sets them);
- :mod:`tui.dialogs` opens settings, gradient check, save, lessons and help.

Every change made on the UI thread is followed by a fresh :class:`~tui.snapshot.Snapshot`;
while continuous training runs, snapshots come from the thread instead (as
:class:`~tui.messages.TrainerUpdated` messages), and every action that would touch the
trainer pauses training first, waiting until the thread has let go of it.

The app's session (:class:`~tui.session_keeper.SessionKeeper`) is kept on the way out when
there is unsaved work (``q``, SIGHUP, SIGTERM, a closed ``serve`` page), and a plain start
offers a kept one (``R`` resumes it).

Other screens can follow the trainer: ``app.snapshot`` is the latest snapshot and
``app.trainer_updated`` a Signal published with each new one; ``app.set_trainer`` and
``app.load_config`` replace the run.

Opened with ``--check FILE.py``, the app also owns a :class:`~tui.check_runner.LearnerCheck`:
the learner's code checked in a thread for the trainer's settings (again when they change or
the file is saved), its state handed to the trainer screen for the Formulas panel.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import sys
from collections.abc import Callable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from mlp import ConfigError, DatasetError, RunConfig, Trainer

from . import confine, dialogs
from . import format as fmt
from . import snapshot as snap
from .check_runner import LearnerCheck
from .check_view import CheckRequest, overlay
from .errors import EXIT_USAGE
from .messages import (
    CheckFinished,
    CheckProgress,
    LearnerFileChanged,
    SnapshotWanted,
    TrainerUpdated,
)
from .no_color import readable_as_grey
from .runner import Runner
from .screens.main import TrainerScreen
from .session import KeptSession
from .session_keeper import RESUME_KEY, SessionKeeper

TITLE_ROOM = 16  # columns the header keeps for its icon and margins


class BackpropApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "backprop-lab"
    ENABLE_COMMAND_PALETTE = False  # every command has a key, listed by ? and the footer
    # ? on any screen lists that screen's keys (the trainer screen also shows it in its footer).
    # R answers the start screen's offer of a kept session (an ordinary key otherwise).
    BINDINGS = [
        Binding("question_mark", "help", "Help", show=False),
        Binding(RESUME_KEY, "resume_session", "Resume", show=False, priority=True),
    ]

    def __init__(
        self,
        config: RunConfig | None = None,
        trainer: Trainer | None = None,
        lesson: str | None = None,
        check: CheckRequest | None = None,
        *,
        kept: KeptSession | None = None,
        offer_kept: bool = False,
    ) -> None:
        super().__init__()
        if kept is not None:
            trainer = kept.run
        trainer = trainer if trainer is not None else Trainer(config or RunConfig())
        self.runner = Runner(self, trainer)
        self.lesson = lesson
        self.learner_check = LearnerCheck(self, check) if check is not None else None
        # Keeps the session when the app ends with unsaved work; resumes one (tui.session).
        self.session = SessionKeeper(self, kept=kept, offer=offer_kept)
        self.snapshot: snap.Snapshot | None = None
        self.trainer_updated: Signal[snap.Snapshot] = Signal(self, "trainer-updated")

    # -- what the rest of the program reads -------------------------------------------------

    @property
    def trainer(self) -> Trainer:
        return self.runner.trainer

    @property
    def running(self) -> bool:
        return self.runner.running

    @property
    def main(self) -> TrainerScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    def get_default_screen(self) -> TrainerScreen:
        return TrainerScreen()

    def on_mount(self) -> None:
        if self.no_color:  # ✗ in red would turn a grey too dark to read
            self.ansi_theme_dark = readable_as_grey(self.ansi_theme_dark)
        self._describe_run()
        if self.learner_check is not None:
            self.learner_check.start(self.trainer.config)
            self.main.show_check(self.learner_check.state)
        self.session.start()
        if self.lesson:
            self.call_after_refresh(dialogs.open_lesson, self, self.lesson)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown) and not event.is_forwarded:
            self.session.noticed(event)  # any key but R dismisses the offer to resume
        await super().on_event(event)

    async def on_exit_app(self) -> None:
        # Every way out (q, a signal, the page closing under serve) passes here, before
        # Textual's own handler shuts the app down.
        await self.session.keep_at_exit()

    def on_resize(self) -> None:
        self._describe_run()

    def _describe_run(self) -> None:
        """The header's subtitle: the run, as much of it as fits beside the title."""
        cfg = self.trainer.config
        acts = cfg.activations
        act_text = acts[0] if len(set(acts)) == 1 else "/".join(acts)
        arch = "-".join(str(s) for s in self.trainer.network.sizes)
        parts = [f"{arch} {act_text}", f"{cfg.optimizer} lr {fmt.exact(cfg.lr)}", cfg.loss]
        room = self.size.width - len(self.TITLE) - TITLE_ROOM
        while len(parts) > 1 and len(", ".join(parts)) > room:
            parts.pop()
        self.sub_title = ", ".join(parts)

    # -- the view -------------------------------------------------------------------------

    def refresh_view(self) -> None:
        """Snapshot the trainer and redraw; while training runs the thread does this."""
        if self.running or not self.main.ready:
            return
        self._publish(self.runner.snapshot())

    def _publish(self, snapshot: snap.Snapshot) -> None:
        self.snapshot = snapshot
        self.runner.sample = snapshot.sample
        self.main.show(snapshot)
        self.trainer_updated.publish(snapshot)
        check = self.learner_check
        if check is not None and snapshot.config != check.config:
            check.run(snapshot.config)  # the settings changed: check the learner's code for them
            self.main.show_check(check.state)

    def on_trainer_updated(self, message: TrainerUpdated) -> None:
        if self.running:  # a late message from a finished run would show stale state
            self._publish(message.snapshot)

    def on_snapshot_wanted(self, message: SnapshotWanted) -> None:
        self.runner.want_grid(message.grid_resolution)
        self.refresh_view()

    # -- the learner's check (--check FILE.py) ----------------------------------------------

    def on_check_progress(self, message: CheckProgress) -> None:
        if self.learner_check is not None and self.learner_check.progress(message):
            self.main.show_check(self.learner_check.state)

    def on_check_finished(self, message: CheckFinished) -> None:
        check = self.learner_check
        if check is None or not check.finished(message):
            return
        self.main.show_check(check.state)
        if message.generation > 1 and not self.main.formulas_on_view and self.snapshot:
            self.notify(overlay(check.state, self.snapshot).header)  # a save, seen elsewhere

    def on_learner_file_changed(self, message: LearnerFileChanged) -> None:
        check = self.learner_check
        if check is None:
            return
        if message.present:
            check.run(self.trainer.config)
        else:
            check.file_gone()
        self.main.show_check(check.state)

    def refresh_status(self) -> None:
        if self.snapshot is not None:
            status = dataclasses.replace(
                self.snapshot, running=self.running, speed=self.runner.speed
            )
            self.main.show(status)

    def set_trainer(self, trainer: Trainer) -> None:
        """Show ``trainer`` instead of the current one (pause first: see ``pause``)."""
        self.runner.replace(trainer)
        self._describe_run()
        self.refresh_view()

    def load_config(self, config: RunConfig) -> None:
        """Apply ``config``: lr and momentum live, anything else with a new trainer.

        Raises ConfigError or DatasetError (one sentence) when the run cannot be built.
        """
        confine.check_dataset(config.dataset)  # under `serve`: no files from the page
        self.runner.apply(config)
        self._describe_run()
        self.refresh_view()
        for warning in self.trainer.config.warnings():
            self.notify(warning[:1].upper() + warning[1:] + ".", severity="warning")

    # -- continuous training ----------------------------------------------------------------

    def start(self) -> None:
        refused = self.runner.start()
        if refused:
            self.notify(refused, severity="warning")
        self.refresh_status()

    async def pause(self) -> bool:
        """Stop continuous training and wait until the thread has let go of the trainer.

        Whether it was running. The caller redraws (most go on to change the trainer first:
        one snapshot, not two, which for a large network is most of a key's cost).
        """
        worker = await self.runner.pause()
        if worker is not None:
            self._training_finished(worker)
        return worker is not None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == "training":
            finished = self.runner.finished(event.worker)
            if finished is not None:  # it stopped by itself: diverged, or at the target
                self._training_finished(finished)
                self.refresh_view()
        elif event.worker.name == "stepping":
            finished = self.runner.finished(event.worker)
            if finished is not None:  # a big network's step, done in its thread
                if finished.state == WorkerState.ERROR:
                    self.notify(f"The step failed: {finished.error}", severity="error")
                self.refresh_view()

    def _training_finished(self, worker: Worker) -> None:
        self.refresh_status()  # "paused" at once; the new numbers follow with the snapshot
        if worker.state == WorkerState.ERROR:
            self.notify(f"Training stopped: {worker.error}", severity="error")
        result = worker.result if worker.state == WorkerState.SUCCESS else None
        if result is not None and result.status == "target_reached":
            self.notify(f"Reached the target loss at epoch {fmt.count(result.epoch)}.")

    # -- actions: stepping --------------------------------------------------------------------

    async def _step(self, what: Callable[[Trainer], object]) -> None:
        await self.pause()
        if self.runner.steps_in_thread:
            self.runner.step_in_thread(what)  # redrawn when its thread is done
            return
        self.runner.step(what)
        self.refresh_view()

    async def action_next_substep(self) -> None:
        await self._step(Trainer.next_substep)

    async def action_previous_substep(self) -> None:
        await self.pause()
        if self.runner.step(Trainer.previous_substep) is None:
            self.notify("Nothing to undo: this is where the run started.")
        self.refresh_view()

    async def action_forward_pass(self) -> None:
        await self._step(Trainer.forward_pass)

    async def action_backward_pass(self) -> None:
        await self.pause()
        trainer = self.trainer
        if trainer.cursor == len(trainer.steps) - 1:
            self.refresh_view()
            self.notify("The backward pass is done: n runs the update, f starts the next pass.")
            return
        await self._step(Trainer.backward_pass)

    async def action_epoch(self) -> None:
        await self._step(Trainer.train_epoch)

    async def action_toggle_run(self) -> None:
        stepping = self.runner.stepping
        if self.running:
            await self.pause()
            self.refresh_view()
            if not stepping:
                return
        self.start()  # after a big network's step (keys keep their order): the run

    def action_speed(self, step: int) -> None:
        self.runner.change_speed(step)
        self.refresh_status()

    async def action_reset(self) -> None:
        await self.pause()
        self.runner.reset()
        self.refresh_view()
        self.notify(f"Reset to seed {self.trainer.config.seed}.")

    def action_select_sample(self, step: int) -> None:
        self.runner.select_sample(step)
        if not self.running:  # while running, the next snapshot from the thread shows it
            self.refresh_view()

    # -- actions: other screens -----------------------------------------------------------------

    async def _pause_and_show(self) -> None:
        """Pause, and show where training stopped (behind the screen about to open)."""
        if await self.pause():
            self.refresh_view()

    async def action_settings(self) -> None:
        await self._pause_and_show()
        dialogs.open_settings(self)

    async def action_gradcheck(self) -> None:
        await self._pause_and_show()
        dialogs.open_gradcheck(self)

    async def action_save(self) -> None:
        await self._pause_and_show()
        dialogs.open_save(self)

    async def action_open_lessons(self) -> None:
        await self._pause_and_show()
        dialogs.open_lessons(self)

    def action_help(self) -> None:
        dialogs.open_help(self)

    async def action_quit(self) -> None:
        self.runner.control.stop.set()
        if self.learner_check is not None:
            self.learner_check.stop()
        await self.pause()
        self.exit(0)

    async def action_resume_session(self) -> None:
        await self.session.resume()


def run_app(
    config: RunConfig | None = None,
    trainer: Trainer | None = None,
    lesson: str | None = None,
    check: CheckRequest | None = None,
    *,
    kept: KeptSession | None = None,
    offer_kept: bool = False,
) -> int:
    """Run the app in this terminal; the exit code (2 when the run cannot be built, 128 + the
    signal when SIGHUP or SIGTERM ended it). ``kept``: a session to resume; ``offer_kept``:
    offer a kept session on the start screen."""
    try:
        app = BackpropApp(
            config=config,
            trainer=trainer,
            lesson=lesson,
            check=check,
            kept=kept,
            offer_kept=offer_kept,
        )
    except (ConfigError, DatasetError) as exc:
        print(f"backprop-lab: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        app.run()
    finally:
        app.session.release()
    # Nothing the app built needs collecting as the process ends: without this, Python's
    # teardown spent about 0.3 s garbage-collecting Textual's widgets and numpy's arrays after
    # the screen had already gone, which a learner feels as a slow quit.
    gc.freeze()
    report = app.session.report()
    if report:
        with contextlib.suppress(OSError, ValueError):  # the terminal may have gone
            print(f"backprop-lab: {report}", file=sys.stderr)
    return app.return_code or 0
