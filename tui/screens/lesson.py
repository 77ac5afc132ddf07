"""One lesson: the step's Markdown beside a live trainer, with the step's check shown ✓/✗.

The screen keeps its own Trainer, built from the lesson's config, so a lesson always starts
from what its text describes. A step's config change is applied when the step opens; the
step's check is re-evaluated after every trainer update, and moving on waits until it holds.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Sparkline, Static
from textual.worker import get_current_worker

from lessons import progress
from lessons.checks import CheckError
from lessons.live import check_values, trainer_for_step
from lessons.loader import find
from lessons.model import Lesson, LessonStep
from lessons.wording import step_lines
from mlp import ConfigError, DatasetError, Trainer

from .. import format as fmt

TRAIN_CHUNK = 500  # epochs per press of t
RUN_LIMIT = 20000  # epochs r trains at most while waiting for the check


class LessonScreen(Screen):
    """Walk through ``lesson`` (a Lesson or its name) one step at a time."""

    DEFAULT_CSS = """
    LessonScreen #lesson-body { width: 3fr; padding: 0 1; }
    LessonScreen #lesson-live { width: 2fr; border-left: solid $accent; padding: 0 1; }
    LessonScreen #lesson-status { height: auto; margin-top: 1; }
    LessonScreen #live-loss { height: 3; margin-top: 1; }
    """

    BINDINGS = [
        Binding("n", "substep", "Sub-step"),
        Binding("b", "undo", "Back a sub-step"),
        Binding("t", "train", f"Train {TRAIN_CHUNK}"),
        Binding("r", "run", "Run until check"),
        Binding("right_square_bracket", "next_step", "Next step"),
        Binding("left_square_bracket", "previous_step", "Previous step"),
        Binding("escape", "close", "Lessons"),
    ]

    def __init__(
        self,
        lesson: Lesson | str,
        trainer: Trainer | None = None,
        *,
        step: int = 0,
        reached: Iterable[int] = (),
    ) -> None:
        """``step`` and ``reached``: where a resumed session left the lesson."""
        super().__init__()
        self.lesson = lesson if isinstance(lesson, Lesson) else find(lesson)
        self.trainer = trainer or Trainer(self.lesson.config)
        self.index = step
        self.check_state: bool | None = None
        # Steps whose check has held once: moving on past the target must not undo them.
        self.reached: set[int] = set(reached)
        self.training = False

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with VerticalScroll(id="lesson-body"):
                yield Markdown(id="lesson-text")
                yield Static(id="lesson-status")
            with Vertical(id="lesson-live"):
                yield Static(id="live-state")
                yield Sparkline([], id="live-loss")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"{self.lesson.order}. {self.lesson.title}"
        self.open_step(self.index)

    @property
    def step(self) -> LessonStep:
        return self.lesson.steps[self.index]

    @property
    def last_step(self) -> bool:
        return self.index == len(self.lesson.steps) - 1

    def open_step(self, index: int) -> None:
        self.index = index
        step = self.step
        try:
            self.trainer = trainer_for_step(self.lesson, index, self.trainer)
        except (ConfigError, DatasetError) as exc:
            self.notify(f"This step's settings could not be applied: {exc}", severity="error")
        number = f"Step {index + 1} of {len(self.lesson.steps)}"
        intro = f"{self.lesson.intro}\n\n" if index == 0 and self.lesson.intro else ""
        self.query_one("#lesson-text", Markdown).update(
            f"{intro}## {number}: {step.title}\n\n{step.body}"
        )
        self.refresh_live()

    # -- the live side -----------------------------------------------------------------

    def refresh_live(self, snapshot: dict | None = None) -> None:
        """Redraw the trainer panel and re-evaluate the step's check."""
        if not self.is_attached or not self.query("#live-state"):
            # A training thread's last report can arrive after the screen closed, or while
            # its widgets are being removed.
            return
        snapshot = snapshot or check_values(self.trainer)
        self.check_state = self._evaluate(snapshot)
        if self.check_state:
            self.reached.add(self.index)
        self.query_one("#live-state", Static).update(self._live_text(snapshot))
        losses = self.trainer.history.loss
        finite = losses[np.isfinite(losses) & (losses > 0)]
        self.query_one("#live-loss", Sparkline).data = list(np.log10(finite[-200:]))
        self.query_one("#lesson-status", Static).update(self._status_text())
        if self.index in self.reached and self.last_step:
            self._finish()

    def _evaluate(self, snapshot: dict) -> bool | None:
        if self.step.check is None:
            return None
        try:
            return self.step.check.evaluate(snapshot)
        except CheckError:
            return False

    def _live_text(self, snapshot: dict) -> Text:
        t = self.trainer
        text = Text()
        text.append(f"{t.config.describe()}\non {t.config.dataset}\n\n", style="bold")
        text.append(f"epoch {snapshot['epoch']}   ")
        text.append(f"loss {fmt.number(snapshot['loss'])}   ")
        text.append(f"accuracy {fmt.percent(snapshot['accuracy'])}\n")
        if snapshot["diverged"] and t.divergence is not None:
            text.append(f"diverged: {t.divergence.reason}\n", style="red")
        step = t.current_step
        nxt = t.next_step
        if step is not None:
            text.append(f"\nlast sub-step: {step.label} ({step.phase})\n", style="cyan")
            text.append(f"{step.equation}\n")
            value = t.tape.values.get(step.key)
            if value is not None:
                text.append(_preview(np.asarray(value)))
        text.append(f"\nnext sub-step: {nxt.label}\n", style="dim")
        return text

    def _status_text(self) -> Text:
        step = self.step
        text = Text()
        for line in step_lines(step):
            if line.kind != "check":  # the check is shown with its ✓ or ✗ below
                text.append(f"{line}\n", style="cyan" if line.kind == "settings" else "bold")
        if step.check is not None:
            if self.check_state:
                text.append(f"✓ {step.check.text}\n", style="green")
            elif self.index in self.reached:
                text.append(f"✓ {step.check.text} (reached earlier)\n", style="green")
            else:
                text.append(f"✗ {step.check.text}\n", style="red")
        if self.last_step:
            done = progress.is_done(self.lesson.name)
            text.append("Lesson done ✓" if done else "Last step", style="green" if done else "")
        else:
            text.append("] next step   [ previous step", style="dim")
        return text

    def _finish(self) -> None:
        if not progress.is_done(self.lesson.name):
            if progress.mark_done(self.lesson.name):
                self.notify(f"Lesson done: {self.lesson.title}")
            self.query_one("#lesson-status", Static).update(self._status_text())

    # -- actions -------------------------------------------------------------------------

    def action_next_step(self) -> None:
        if self.step.check is not None and self.index not in self.reached:
            self.notify(f"Not yet: {self.step.action or self.step.check.text}")
            return
        if self.last_step:
            self._finish()
            return
        self.open_step(self.index + 1)

    def action_previous_step(self) -> None:
        if self.index > 0:
            self.open_step(self.index - 1)

    def action_substep(self) -> None:
        if self.training:
            return
        self.trainer.next_substep()
        self.refresh_live()

    def action_undo(self) -> None:
        if self.training:
            return
        if self.trainer.previous_substep() is None:
            self.notify("Nothing to undo.")
        self.refresh_live()

    def action_train(self) -> None:
        self._start_training(TRAIN_CHUNK, until_check=False)

    def action_run(self) -> None:
        self._start_training(RUN_LIMIT, until_check=True)

    def _start_training(self, epochs: int, until_check: bool) -> None:
        # Set on the UI thread so two quick presses never train one network twice at once.
        if self.training:
            self.notify("Still training…")
            return
        self.training = True
        self._train(epochs, until_check)

    def action_close(self) -> None:
        self.app.pop_screen()

    @work(thread=True, group="lesson-train")
    def _train(self, epochs: int, until_check: bool) -> None:
        worker = get_current_worker()
        trainer, check = self.trainer, self.step.check
        latest: dict = {}

        def on_progress(_progress: object) -> None:
            latest["state"] = check_values(trainer)  # in this thread: never races the training
            self.app.call_from_thread(self.refresh_live, latest["state"])

        def should_stop() -> bool:
            if worker.is_cancelled:  # the screen was closed
                return True
            if not until_check or check is None or "state" not in latest:
                return False
            try:
                return check.evaluate(latest["state"])
            except CheckError:
                return False

        try:
            trainer.train(epochs, on_progress=on_progress, should_stop=should_stop)
        finally:
            self.training = False
        if not worker.is_cancelled:
            self.app.call_from_thread(self.refresh_live, None)


def _preview(value: np.ndarray, rows: int = 4, cols: int = 5) -> str:
    """The top-left corner of a matrix, with its shape: enough to see the numbers move."""
    matrix = np.atleast_2d(value)
    lines = [f"shape {matrix.shape[0]}×{matrix.shape[1]}"]
    for row in matrix[:rows]:
        cells = " ".join(f"{fmt.number(v):>10}" for v in row[:cols])
        lines.append(cells + (" …" if matrix.shape[1] > cols else ""))
    if matrix.shape[0] > rows:
        lines.append("…")
    return "\n".join(lines) + "\n"
