"""The app's side of a kept session (:mod:`tui.session`): when to keep it, and how to resume it.

*Unsaved work* is a run that has moved since it was opened, loaded, resumed or saved with
ctrl+s (epochs trained, sub-steps taken or undone, settings changed), or a lesson beyond its
very start. The keeper compares a small mark of the runs (their config, epoch, batch, sub-step
and updates) with the one taken then.

The app ends through one door, Textual's ``ExitApp`` message (``q``, ctrl+q, a signal, and under
``serve`` the page closing), and there the keeper stops training and keeps the session if there
is unsaved work: in the state folder, or under ``serve`` as a run file in the runs folder.

SIGHUP (the terminal went away) and SIGTERM are caught once the app runs. The handler runs on
the main thread, which is the app's: it only points the terminal's dead file descriptors at
/dev/null (Textual's output thread would die on the first write to a hung-up terminal, and the
app hang once its queue filled), starts a watchdog that ends the process after
``GRACE_SECONDS`` whatever happens, and asks the event loop to exit with 128 + the signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from textual import events
from textual.actions import SkipAction
from textual.widgets import Static, TabbedContent

from . import confine, session
from .errors import exit_code_for
from .training_worker import SPEEDS
from .widgets.boundary import BoundaryView
from .widgets.loss_plot import LossPlot

if TYPE_CHECKING:
    from mlp import Trainer

    from .app import BackpropApp
    from .screens.lesson import LessonScreen

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)
)
GRACE_SECONDS = 10.0  # after a signal the process ends within this, session kept or not
LESSON_STOP_SECONDS = 3.0  # the longest the way out waits for a lesson's training to stop
RESUME_KEY = "R"
# The trainer screen's panes that the wide layout shows beside the tabs, not as tabs.
SIDE_PANES = ("formulas-pane", "network-pane")


class SessionPrompt(Static):
    """The start screen's one line about a kept session; the words carry it, not the colour."""

    SCOPED_CSS = False
    DEFAULT_CSS = """
    SessionPrompt {
        height: 1;
        padding: 0 1;
        text-style: bold;
        background: $accent 30%;
    }
    TrainerScreen.too-small SessionPrompt {
        display: none;
    }
    """


def _run_mark(trainer: Trainer) -> tuple[Any, ...]:
    return (
        trainer.config,
        trainer.epoch,
        trainer.batch_index,
        trainer.cursor,
        trainer.optimizer.steps,
    )


class SessionKeeper:
    """Keeps ``app``'s session at its end when there is unsaved work, and resumes one.

    ``kept``: a session read by ``--resume``, applied once the app is up. ``offer``: a plain
    start, which offers a kept session on the start screen.
    """

    def __init__(
        self, app: BackpropApp, kept: session.KeptSession | None = None, offer: bool = False
    ) -> None:
        self.app = app
        self.kept = kept
        self.offer = offer
        self.prompt: SessionPrompt | None = None
        self.baseline: tuple[Any, ...] | None = None
        self.stopped_by: int | None = None  # the signal that ended the app
        self.kept_to: Path | None = None  # where the session went as the app ended
        self.failure: str | None = None  # why it could not be kept
        self._ending = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ttys: set[int] = set()
        self._previous: dict[int, Any] = {}

    # -- unsaved work ---------------------------------------------------------------------

    def _mark(self) -> tuple[Any, ...]:
        return (_run_mark(self.app.trainer), self._lesson_mark())

    def _lesson_mark(self) -> tuple[Any, ...] | None:
        screen = self.lesson_screen()
        if screen is None:
            return None
        trainer = screen.trainer
        if screen.index == 0 and (trainer.epoch, trainer.cursor, trainer.optimizer.steps) == (
            0,
            0,
            0,
        ):
            return None  # just opened: nothing to carry on
        return (screen.lesson.name, screen.index, _run_mark(trainer))

    @property
    def unsaved(self) -> bool:
        return self._mark() != self.baseline

    def saved(self) -> None:
        """The run was saved (ctrl+s): nothing is unsaved now."""
        self.baseline = self._mark()

    def lesson_screen(self) -> LessonScreen | None:
        """The open lesson, if any (none can be open before its module is imported)."""
        module = sys.modules.get("tui.screens.lesson")
        if module is None:
            return None
        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, module.LessonScreen):
                return screen
        return None

    # -- the start -------------------------------------------------------------------------

    def start(self) -> None:
        """Once the app is mounted: take the mark, resume or offer, and watch for signals."""
        self.baseline = self._mark()
        if self.kept is not None:
            self.app.call_after_refresh(self._apply, self.kept)
        elif self.offer and confine.runs_folder() is None:
            settings = session.peek()
            if settings is not None and not settings.resumed:
                self.app.call_after_refresh(self._show_prompt, settings)
        self._watch_signals()

    def _show_prompt(self, settings: session.SessionSettings) -> None:
        main = self.app.main
        width = max(main.size.width - 2, 20)
        self.prompt = SessionPrompt(session.offer_text(settings, width), id="session-prompt")
        main.mount(self.prompt, before="#body")

    def noticed(self, event: events.Event) -> None:
        """A key or a click: anything but R dismisses the offer."""
        if self.prompt is None:
            return
        if isinstance(event, events.Key) and event.key == RESUME_KEY:
            return
        if isinstance(event, events.Key | events.MouseDown):
            self._dismiss()

    def _dismiss(self) -> None:
        if self.prompt is not None:
            self.prompt.remove()
            self.prompt = None

    async def resume(self) -> None:
        """R on the start screen: the kept session replaces the run on screen."""
        if self.prompt is None:
            raise SkipAction()  # no offer: R is an ordinary key
        self._dismiss()
        await self.app.pause()
        try:
            kept = session.load()
        except session.SessionError as exc:
            self.app.notify(_sentence(str(exc)), severity="error")
            return
        self.app.set_trainer(kept.run)
        self._apply(kept)

    def _apply(self, kept: session.KeptSession) -> None:
        """Put back what ``session.json`` holds; the run is already on screen."""
        app, settings = self.app, kept.settings
        runner = app.runner
        runner.sample = min(settings.sample, app.trainer.tape.rows - 1)
        if settings.speed in SPEEDS:
            runner.change_speed(SPEEDS.index(settings.speed) - runner.speed_index)
        main = app.main
        plot, boundary = main.query_one(LossPlot), main.query_one(BoundaryView)
        if plot.log_scale != settings.log_scale:
            plot.toggle_log()
        if boundary.truth != settings.truth:
            boundary.toggle_truth()
        tabs = main.query_one(TabbedContent)
        panes = {str(pane.id) for pane in tabs.query("TabPane")}
        if settings.tab in panes and not (main.wide and settings.tab in SIDE_PANES):
            tabs.active = settings.tab
        app.refresh_view()
        if settings.lesson is not None and kept.lesson_run is not None:
            self._open_lesson(settings.lesson, kept.lesson_run)
        session.mark_resumed(settings)
        self.baseline = self._mark()
        app.notify(f"Resumed the session kept at {session.when(settings.kept_at)}.")

    def _open_lesson(self, place: session.LessonPlace, trainer: Trainer) -> None:
        from lessons.loader import find

        from .screens.lesson import LessonScreen

        try:
            lesson = find(place.name)
            step = min(place.step, len(lesson.steps) - 1)
            screen = LessonScreen(lesson, trainer, step=step, reached=place.reached)
        except Exception as exc:  # noqa: BLE001 - a lesson gone or broken must not stop the run
            self.app.notify(
                f"The session's lesson {place.name!r} could not be opened again: {exc}",
                severity="warning",
            )
            return
        self.app.push_screen(screen)

    # -- the end ---------------------------------------------------------------------------

    async def keep_at_exit(self) -> None:
        """As the app ends: stop training, and keep the session if there is unsaved work."""
        if self._ending:
            return
        self._ending = True
        app = self.app
        app.runner.control.stop.set()
        await app.pause()
        lesson = self.lesson_screen()
        if lesson is not None and not await self._stop_lesson_training(lesson):
            lesson = None  # still training: its run is not one state to keep
        if not self.unsaved:
            return
        runs = confine.runs_folder()
        try:
            if runs is not None:
                import mlp

                self.kept_to = mlp.save(app.trainer, session.serve_path(runs))
            else:
                self.kept_to = session.keep(
                    self._settings(lesson), app.trainer, lesson.trainer if lesson else None
                )
        except (OSError, ValueError) as exc:
            self.failure = _reason(exc)

    async def _stop_lesson_training(self, screen: LessonScreen) -> bool:
        """Stop the lesson's run; whether its thread has let go of the lesson's trainer in
        time (the screen's ``pause`` waits until the thread has returned)."""
        try:
            await asyncio.wait_for(screen.pause(), LESSON_STOP_SECONDS)
        except TimeoutError:
            return False
        return True

    def _settings(self, lesson: LessonScreen | None) -> session.SessionSettings:
        app, main = self.app, self.app.main
        place = None
        if lesson is not None:
            place = session.LessonPlace(
                name=lesson.lesson.name,
                step=lesson.index,
                reached=tuple(sorted(lesson.reached)),
                run=session.RunPlace.of(lesson.trainer),
            )
        return session.SessionSettings(
            kept_at=time.time(),
            run=session.RunPlace.of(app.trainer),
            sample=app.runner.sample,
            tab=main.visible_tab,
            speed=app.runner.control.speed,
            log_scale=main.query_one(LossPlot).log_scale,
            truth=main.query_one(BoundaryView).truth,
            lesson=place,
        )

    def report(self) -> str | None:
        """One line for the terminal once the app has gone, or None."""
        stopped = ""
        if self.stopped_by is not None:
            from .commands.stopping import signal_words

            stopped = f"stopped by {signal_words(self.stopped_by)}; "
        if self.failure is not None:
            return f"{stopped}could not keep the session: {self.failure}"
        if self.kept_to is None:
            return stopped.removesuffix("; ") or None
        if confine.runs_folder() is not None:
            return f"{stopped}kept this page's session as {self.kept_to}"
        return f"{stopped}kept the session in {self.kept_to}: backprop-lab --resume opens it again"

    # -- signals ---------------------------------------------------------------------------

    def _watch_signals(self) -> None:
        """Catch SIGHUP and SIGTERM while the app runs in a terminal (not under ``serve``, whose
        driver turns SIGTERM into an exit itself, nor in tests)."""
        if self.app.is_headless or confine.runs_folder() is not None:
            return
        if threading.current_thread() is not threading.main_thread():
            return
        self._loop = asyncio.get_running_loop()
        self._ttys = {fd for fd in (0, 1, 2) if os.isatty(fd)}
        for signum in STOP_SIGNALS:
            # An ignored signal stays ignored: under nohup a hang-up must not end the app.
            if signal.getsignal(signum) is not signal.SIG_IGN:
                self._previous[signum] = signal.signal(signum, self._on_signal)

    def release(self) -> None:
        """Give the signals back (the app has ended)."""
        for signum, action in self._previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signum, action)
        self._previous.clear()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stopped_by is not None or self._loop is None:
            return  # already on the way out
        self.stopped_by = signum
        self._leave_dead_terminal()
        code = exit_code_for(signum)
        _watchdog(GRACE_SECONDS, code)
        with contextlib.suppress(RuntimeError):  # the loop has closed: the app is ending anyway
            self._loop.call_soon_threadsafe(self.app.exit, None, code)

    def _leave_dead_terminal(self) -> None:
        """Point the descriptors of a terminal that has hung up at /dev/null: every write to
        it fails from now on, and Textual's output thread would die of the first one."""
        gone = [fd for fd in self._ttys if not os.isatty(fd)]
        if not gone:
            return
        try:
            null = os.open(os.devnull, os.O_RDWR)
        except OSError:
            return
        for fd in gone:
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
        os.close(null)


def _watchdog(seconds: float, code: int) -> None:
    """End the process with ``code`` after ``seconds``, whatever the app is doing then."""

    def wait_then_exit() -> None:
        time.sleep(seconds)
        os._exit(code)

    threading.Thread(target=wait_then_exit, name="session-watchdog", daemon=True).start()


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
