"""One lesson: the step's text beside the lesson's own live network, the step's check pinned
under both with its ✓ or ✗, and the step's exercise, if it has one, under the check.

The screen keeps its own Trainer, built from the lesson's config, so a lesson always starts
from what its text describes; a step's settings are applied when the step opens. The keys are
the app's one key map (:data:`tui.keymap.LESSON_KEYS`): they mean what they mean on the
trainer screen, acting on the lesson's network. A run (``space``) trains in a worker thread
with the engine's ``until``: the step's check is evaluated after every epoch, and the run
stops at the first epoch where it holds. The thread only posts copies (:class:`Trained`);
every other change to the trainer happens on the UI thread once the run has let go of it.

Moving on (``]``) waits until the step's check has held and its exercise is answered (right,
or worked out for the learner after two wrong answers).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, Static
from textual.worker import (
    Worker,
    WorkerCancelled,
    WorkerFailed,
    WorkerState,
    get_current_worker,
)

from lessons import progress
from lessons.checks import Expression
from lessons.exercises import REVEALED, RIGHT, UNREADABLE, Verdict, expected_answer, judge
from lessons.live import trainer_for_step
from lessons.loader import find
from lessons.model import Exercise, Lesson, LessonStep
from lessons.wording import settings_text, step_lines
from mlp import ConfigError, DatasetError, RunConfig, Trainer, TrainResult

from .. import format as fmt
from .. import keymap
from ..lesson_view import LessonView, evaluate_check, loss_chart, pass_text, run_text, take
from ..runner import FIRST_SAMPLE, applied
from ..widgets.key_bar import KeyBar
from ..widgets.text_block import TextBlock
from .help import HelpScreen, screen_bindings
from .settings import SettingsScreen

RUN_LIMIT = 20_000  # epochs one run trains at most (a check may never hold)
REPORTS_PER_SECOND = 15.0
TITLE_ROOM = 18  # columns the header keeps for its icon, clock space and margins
CHART_ROWS = 3

HIDDEN_UNTIL_ANSWERED = (
    "Work out the exercise below first (Enter, then type a number): this step's explanation "
    "follows your answer."
)
HELP_INTRO = (
    "A lesson: the step's text on the left, the lesson's own network on the right (the run, "
    "the sub-step just done with the selected sample's numbers, the loss of every epoch), and "
    "under both the step's instructions and its check, ✓ once it holds. A step with an "
    "exercise asks for a number first, before its explanation is shown: press Enter, type it, "
    "Enter again; a wrong answer gets a hint, a second one the worked answer. ] moves on once "
    "the check has held and the exercise is answered."
)
HELP_READING = (
    (
        "Running",
        "space trains in the background and stops by itself after the first epoch where the "
        "step's check holds (the engine checks it after every epoch); once it holds, space "
        "trains on until you pause. The status says why a run stopped.",
    ),
    (
        "Settings",
        "s changes the lesson's network; the step's check reads the changed network. lr and "
        "momentum apply live, anything else starts again from the seed (as r does).",
    ),
    (
        "Loss",
        "the bars are every epoch's loss, each column the highest of its epochs; the line "
        "above says the epochs, the scale (log or linear) and the values at the top and "
        "bottom, and a loss that changes by under 0.01% is drawn as a flat line.",
    ),
)


def _network_text(trainer: Trainer) -> str:
    """``2-16-16-1 none``, ``2-32-32-1 sigmoid/relu/sigmoid``: as the app's header says it."""
    acts = trainer.config.activations
    arch = "-".join(str(s) for s in trainer.network.sizes)
    return f"{arch} {acts[0] if len(set(acts)) == 1 else '/'.join(acts)}"


def _answer_text(exercise: Exercise, value: float) -> str:
    """The engine's answer as the learner would type it."""
    if exercise.percent:
        return fmt.percent(value)
    return fmt.exact(value) if exercise.tolerance == 0 else fmt.number(value)


class AnswerBox(Input):
    """Where an exercise's answer is typed: while it has the focus, keys type."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Check the answer"),
        Binding("escape", "leave", "Back to the keys"),
    ]

    def action_leave(self) -> None:
        self.screen.set_focus(None)


class LessonScreen(Screen):
    """Walk through ``lesson`` (a Lesson or its name) one step at a time."""

    DEFAULT_CSS = """
    LessonScreen #lesson-main { height: 1fr; }
    LessonScreen #lesson-body { width: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    LessonScreen #lesson-live {
        width: 1fr; border-left: solid $accent; padding: 0 0 0 1;
        scrollbar-size-vertical: 1; scrollbar-gutter: stable;
    }
    LessonScreen #live-loss { margin: 1 0; }
    LessonScreen #lesson-pinned {
        height: auto; max-height: 60%; border-top: solid $accent; padding: 0 1;
    }
    LessonScreen #exercise { height: auto; }
    LessonScreen #exercise.none { display: none; }
    LessonScreen #answer-row { height: 1; }
    LessonScreen .answer-bracket { width: auto; }
    LessonScreen #answer { width: 24; }
    LessonScreen #answer-help { width: 1fr; padding-left: 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = list(keymap.bindings(keymap.LESSON_KEYS))
    AUTO_FOCUS = None  # the keys work from the start; Enter (or a click) goes to the answer box

    class Trained(Message):
        """A copy of the lesson's trainer, from the training thread."""

        def __init__(self, run: int, view: LessonView) -> None:
            super().__init__()
            self.run = run
            self.view = view

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LessonScreen.Trained)

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
        # The selected sample, 0-based: the one the numbers and exercises read (the app's first
        # choice, whose numbers are not all zero).
        self.sample = FIRST_SAMPLE
        self.view: LessonView | None = None
        # Steps whose check has held once: stepping past the target must not undo them.
        self.reached: set[int] = set(reached)
        # Each step's first epoch at 100% and the settings it was reached with (for compare).
        self.figures: dict[int, tuple[int, RunConfig]] = {}
        # Exercises: wrong answers so far, the last verdict, and the ones answered or shown.
        self.wrong: dict[int, int] = {}
        self.verdicts: dict[int, Verdict] = {}
        self.settled: set[int] = set()
        self.worker: Worker | None = None  # the run, while one trains
        self._stop = threading.Event()
        self._run = 0  # numbers the runs, so that a late copy from an earlier one is dropped
        # The answer being computed in a thread: (its worker, the step, what was typed).
        self._pending: tuple[Worker, int, str] | None = None
        self._footer_tier: int | None = None
        self.outcome = ""  # why the last run stopped, until the learner does something else

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="lesson-main"):
            with VerticalScroll(id="lesson-body"):
                yield Static(id="lesson-text")
            with VerticalScroll(id="lesson-live"):
                yield TextBlock(id="live-state")
                yield TextBlock(id="live-loss")
                yield TextBlock(id="live-pass")
        with Vertical(id="lesson-pinned"):
            yield TextBlock(id="lesson-status")
            with Vertical(id="exercise", classes="none"):
                yield Static(id="exercise-prompt")
                with Horizontal(id="answer-row"):
                    # Brackets mark the box where colour cannot (NO_COLOR, a plain terminal).
                    yield Static("Your answer: [", classes="answer-bracket")
                    yield AnswerBox(id="answer", compact=True, placeholder="a number")
                    yield Static("]", classes="answer-bracket")
                    yield Static(id="answer-help")
                yield Static(id="exercise-verdict")
        yield KeyBar()

    def on_mount(self) -> None:
        # The footer is first composed for this width: a first resize to it changes nothing.
        self._footer_tier = keymap.footer_tier(self.app.size.width, keymap.LESSON_KEYS)
        self.open_step(self.index)

    def on_resize(self, event: Resize) -> None:
        self._describe_run()
        tier = keymap.footer_tier(event.size.width, keymap.LESSON_KEYS)
        if tier != self._footer_tier:
            self._footer_tier = tier
            self.refresh_bindings()
        if self.view is not None:
            self.show(self.view)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The screen's bindings, the footer showing only the keys that fit its width."""
        active = super().active_bindings
        width = self.size.width
        for key, bound in active.items():
            shown_from = keymap.footer_width(bound.binding.action, keymap.LESSON_KEYS)
            if shown_from is not None and width and width < shown_from:
                hidden = dataclasses.replace(bound.binding, show=False)
                active[key] = ActiveBinding(bound.node, hidden, bound.enabled, bound.tooltip)
        return active

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.typing:
            return False  # every key types into the answer box; Escape leaves it
        if action == "answer":
            return True if self.exercise_open else None  # None: listed by ?, but inactive
        return True

    @property
    def typing(self) -> bool:
        return isinstance(self.focused, AnswerBox)

    def _describe_run(self) -> None:
        """The header: the lesson's title and its network (the title is shortened, never the
        network)."""
        network = _network_text(self.trainer)
        cfg = self.trainer.config
        parts = [network, f"{cfg.optimizer} lr {fmt.exact(cfg.lr)}"]
        title = f"{self.lesson.order}. {self.lesson.title}"
        room = self.app.size.width - TITLE_ROOM
        if len(title) + 3 + len(", ".join(parts)) > room:
            parts.pop()
        spare = room - 3 - len(", ".join(parts))
        if len(title) > spare:
            title = title[: max(spare - 1, 8)].rstrip() + "…"
        self.title = title
        self.sub_title = ", ".join(parts)

    # -- steps -------------------------------------------------------------------------

    @property
    def step(self) -> LessonStep:
        return self.lesson.steps[self.index]

    @property
    def last_step(self) -> bool:
        return self.index == len(self.lesson.steps) - 1

    @property
    def check_state(self) -> bool | None:
        """The step's check on the network now (None: the step has none)."""
        return None if self.view is None else self.view.check

    @property
    def exercise_open(self) -> bool:
        """Whether the step has an exercise still waiting for its answer."""
        return self.step.exercise is not None and self.index not in self.settled

    @property
    def step_done(self) -> bool:
        checked = self.step.check is None or self.index in self.reached
        return checked and not self.exercise_open

    @property
    def running(self) -> bool:
        return self.worker is not None

    @property
    def preview_rows(self) -> int:
        """Rows of a matrix the live side has room for (more in a taller terminal)."""
        return max(3, (self.size.height - 24) // 2 + 3)

    def open_step(self, index: int) -> None:
        self.index = index
        self.outcome = ""
        try:
            self.trainer = trainer_for_step(self.lesson, index, self.trainer)
        except (ConfigError, DatasetError) as exc:
            self.notify(f"This step's settings could not be applied: {exc}", severity="error")
        self.sample = min(self.sample, self.trainer.tape.rows - 1)
        self._show_text()
        self.query_one("#lesson-body", VerticalScroll).scroll_home(animate=False)
        self._show_exercise()
        self._describe_run()
        self.redraw()

    # -- drawing -----------------------------------------------------------------------

    def _show_text(self) -> None:
        """The step's text; while its exercise waits for an answer, only what leads up to it:
        the explanation often gives the answer away (predict first, then see)."""
        step = self.step
        number = Text(f"Step {self.index + 1} of {len(self.lesson.steps)}: {step.title}", "bold")
        parts: list[RenderableType] = []
        if self.index == 0 and self.lesson.intro:
            parts += [Markdown(self.lesson.intro), Text("")]
        parts += [number, Text("")]
        if self.exercise_open:
            parts.append(Text(HIDDEN_UNTIL_ANSWERED, style="italic"))
        else:
            parts.append(Markdown(step.body))
        self.query_one("#lesson-text", Static).update(Group(*parts))

    def redraw(self) -> None:
        """Copy the trainer and draw it (only while no run trains it)."""
        self.show(take(self.trainer, self.sample, self.step.check, self.preview_rows))

    def show(self, view: LessonView) -> None:
        if not self.is_attached or not self.query("#live-state"):
            return  # a late report while the screen's widgets are being removed
        self.view = view
        if view.check:
            self.reached.add(self.index)
        if view.first_at_100 is not None:
            self.figures[self.index] = (view.first_at_100, view.config)
        width = self.query_one("#live-pass", TextBlock).content_size.width
        if not width:
            return  # not laid out yet: the first resize draws it, at its width
        chart = loss_chart(view.epochs, view.losses, width, CHART_ROWS)
        self._set("#live-state", run_text(view))
        self._set(
            "#live-loss",
            Text(chart.caption, style="bold") + Text("".join(f"\n{row}" for row in chart.rows)),
        )
        self._set("#live-pass", pass_text(view, width))
        self._set("#lesson-status", self._status_text())
        if self.last_step and self.step_done:
            self._finish()

    def _set(self, selector: str, text: Text) -> None:
        """Show ``text``, laying the screen out again only if its height changed (most redraws
        put new numbers in the same places: a new layout costs more than the drawing)."""
        block = self.query_one(selector, TextBlock)
        width = block.content_size.width
        lines = len(text.wrap(self.app.console, width)) if width else -1
        block.set_content(text, lines)

    def _status_text(self) -> Text:
        step = self.step
        text = Text()
        for line in step_lines(step):
            if line.kind != "check":  # the check is shown with its ✓ or ✗ below
                text.append(f"{line}\n", style="cyan" if line.kind == "settings" else "")
        if step.check is not None:
            if self.check_state:
                text.append(f"✓ done: {step.check.text}", style="bold green")
            elif self.index in self.reached:
                text.append(f"✓ done: {step.check.text} (it held earlier)", style="bold green")
            else:
                text.append(f"✗ not yet: {step.check.text}", style="bold red")
            text.append("\n")
        compare = self._compare_text()
        if compare is not None:
            text.append_text(compare)
        text.append_text(self._where_text())
        return text

    def _compare_text(self) -> Text | None:
        """Step K's first epoch at 100% beside this step's, for a step that compares them."""
        if self.step.compare is None:
            return None
        earlier = self.step.compare - 1
        theirs, ours = self.figures.get(earlier), self.figures.get(self.index)
        base = self.view.config if self.view is not None else self.trainer.config
        differ = [
            name
            for name, value in base.to_dict().items()
            if theirs is not None and theirs[1].to_dict()[name] != value
        ]

        def side(name: str, figure: tuple[int, RunConfig] | None, config: RunConfig) -> str:
            settings = settings_text({k: config.to_dict()[k] for k in differ})
            where = f" ({settings})" if settings else ""
            epoch = "not yet" if figure is None else fmt.count(figure[0])
            return f"{epoch} in {name}{where}"

        text = Text("First epoch at 100%: ", style="bold")
        text.append(side(f"step {earlier + 1}", theirs, theirs[1] if theirs else base))
        text.append(", ")
        text.append(side("this step", ours, ours[1] if ours else base) + "\n")
        return text

    def _where_text(self) -> Text:
        if self.running:
            return Text("Training… space pauses.", style="dim")
        if self.outcome:
            return Text(self.outcome + "\n", style="bold") + self._moving_on()
        return self._moving_on()

    def _moving_on(self) -> Text:
        if self.last_step:
            if progress.is_done(self.lesson.name):
                return Text("Lesson done ✓  esc: back to the lessons", style="bold green")
            return Text("Last step.", style="dim")
        if self.step_done:
            return Text("] next step   [ previous step", style="dim")
        waiting = "the exercise" if self.exercise_open and self.step.check is None else "the ✓"
        if self.exercise_open and self.step.check is not None:
            waiting = "the ✓ and the exercise"
        return Text(f"] next step (after {waiting})   [ previous step", style="dim")

    def _show_exercise(self) -> None:
        exercise = self.step.exercise
        box = self.query_one("#exercise", Vertical)
        box.set_class(exercise is None, "none")
        if exercise is None:
            return
        self.query_one("#exercise-prompt", Static).update(
            Text("Exercise: ", style="bold") + Text(exercise.prompt)
        )
        answer = self.query_one("#answer", AnswerBox)
        # Set only when it changes: each change asks the footer to compose itself again.
        if answer.disabled != (self.index in self.settled):
            answer.disabled = self.index in self.settled
        if answer.value:
            answer.value = ""
        self._show_answer_help()
        self._show_verdict()

    def _show_answer_help(self) -> None:
        exercise = self.step.exercise
        if exercise is None:
            return
        help_text = ""
        if self.exercise_open:
            unit = " (in %)" if exercise.percent else ""
            help_text = f"Enter checks{unit} · Esc: keys" if self.typing else "Enter: answer"
        self.query_one("#answer-help", Static).update(help_text)

    def on_descendant_focus(self) -> None:
        self._show_answer_help()

    def on_descendant_blur(self) -> None:
        self._show_answer_help()

    def _show_verdict(self) -> None:
        verdict = self.verdicts.get(self.index)
        exercise = self.step.exercise
        text = Text()
        if verdict is not None and exercise is not None:
            expected = _answer_text(exercise, verdict.expected)
            if verdict.outcome == RIGHT:
                text.append("✓ Right", style="bold green")
                text.append(f": the engine's number is {expected}.")
            elif verdict.outcome == REVEALED:
                text.append("✗ Not quite again", style="bold red")
                text.append(f". The engine's number is {expected}. {verdict.message}")
            elif verdict.outcome == UNREADABLE:
                text.append(verdict.message)
            else:
                text.append("✗ Not quite", style="bold red")
                text.append(f" (one more try before the worked answer). Hint: {verdict.message}")
        self.query_one("#exercise-verdict", Static).update(text)

    def _finish(self) -> None:
        if not progress.is_done(self.lesson.name) and progress.mark_done(self.lesson.name):
            self.notify(f"Lesson done: {self.lesson.title}")
            self._set("#lesson-status", self._status_text())

    # -- running -------------------------------------------------------------------------

    def start_run(self) -> None:
        if self.trainer.divergence is not None:
            self.notify(
                "Training has diverged: lower the learning rate (s) or reset (r) first.",
                severity="warning",
            )
            return
        check = self.step.check
        # Until the check holds, the run stops at the first epoch where it does.
        until = None
        if check is not None and not self.check_state:
            until = partial(_holds, check)  # evaluated by the engine after every epoch
        self._stop = threading.Event()
        self._run += 1
        work = partial(self._train, self.trainer, until, self._stop, self._run, check)
        self.worker = self.run_worker(
            work, name="lesson-run", group="lesson-run", thread=True, exit_on_error=False
        )
        self._set("#lesson-status", self._status_text())

    def _train(
        self,
        trainer: Trainer,
        until: Callable[[Trainer], bool] | None,
        stop: threading.Event,
        run: int,
        check: Expression | None,
    ) -> TrainResult:
        """In the worker thread: train until the check holds, a pause, divergence or the limit."""
        worker = get_current_worker()

        def report(_progress: object) -> None:
            view = take(trainer, self.sample, check, self.preview_rows)
            self.post_message(self.Trained(run, view))

        return trainer.train(
            RUN_LIMIT,
            until=until,
            on_progress=report,
            progress_interval=1 / REPORTS_PER_SECOND,
            should_stop=lambda: stop.is_set() or worker.is_cancelled,
        )

    def on_lesson_screen_trained(self, message: Trained) -> None:
        if self.running and message.run == self._run:
            self.show(message.view)

    async def pause(self) -> bool:
        """Stop the run and wait until its thread has let go of the trainer; whether one ran."""
        worker = self.worker
        if worker is None:
            return False
        self._stop.set()
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()
        self._run_ended(worker)
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name == "lesson-run" and worker is self.worker:
            if worker.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
                self._run_ended(worker)
        elif worker.name == "answer" and worker.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self._answer_ready(worker)

    def _run_ended(self, worker: Worker) -> None:
        if worker is not self.worker:
            return
        self.worker = None
        if not self.is_attached:
            return
        self.redraw()
        if worker.state == WorkerState.ERROR:
            self.notify(f"Training stopped: {worker.error}", severity="error")
            return
        result = worker.result if worker.state == WorkerState.SUCCESS else None
        if result is not None:
            self.outcome = _outcome(result, self.check_state)
            self._set("#lesson-status", self._status_text())

    # -- actions: the network ------------------------------------------------------------

    async def _change(self, what: Callable[[Trainer], object]) -> object:
        await self.pause()
        self.outcome = ""
        result = what(self.trainer)
        self.redraw()
        return result

    async def action_next_substep(self) -> None:
        await self._change(Trainer.next_substep)

    async def action_previous_substep(self) -> None:
        if await self._change(Trainer.previous_substep) is None:
            self.notify("Nothing to undo: this is where the run started.")

    async def action_forward_pass(self) -> None:
        await self._change(Trainer.forward_pass)

    async def action_backward_pass(self) -> None:
        await self.pause()
        if self.trainer.cursor == len(self.trainer.steps) - 1:
            self.notify("The backward pass is done: n runs the update, f starts the next pass.")
            return
        await self._change(Trainer.backward_pass)

    async def action_epoch(self) -> None:
        await self._change(Trainer.train_epoch)

    async def action_toggle_run(self) -> None:
        if self.running:
            await self.pause()
        else:
            self.outcome = ""
            self.start_run()

    async def action_reset(self) -> None:
        await self.pause()
        self.outcome = ""
        self.trainer = Trainer(self.trainer.config, dataset=self.trainer.dataset)
        self.redraw()
        self.notify(f"Reset to seed {self.trainer.config.seed}.")

    def action_select_sample(self, step: int) -> None:
        self.sample = (self.sample + step) % self.trainer.tape.rows
        if not self.running:  # while running, the next copy from the thread shows it
            self.redraw()

    async def action_settings(self) -> None:
        await self.pause()
        self.redraw()
        screen = SettingsScreen(self.trainer.config, apply=self._apply_settings)
        self.app.push_screen(screen, self._settings_closed)

    def _apply_settings(self, config: RunConfig) -> None:
        """Raises ConfigError or DatasetError, which the settings screen shows."""
        self.trainer = applied(self.trainer, config)

    def _settings_closed(self, config: RunConfig | None) -> None:
        if config is None:
            return
        self._describe_run()
        self.redraw()
        for warning in self.trainer.config.warnings():
            self.notify(warning[:1].upper() + warning[1:] + ".", severity="warning")

    # -- actions: the lesson -------------------------------------------------------------

    async def action_next_step(self) -> None:
        if not self.step_done:
            if self.step.check is not None and self.index not in self.reached:
                self.notify(f"Not yet: {self.step.action or self.step.check.text}")
            else:
                self.notify("Not yet: answer the exercise first (Enter, then type a number).")
            return
        if self.last_step:
            self._finish()
            return
        await self.pause()
        self.open_step(self.index + 1)

    async def action_previous_step(self) -> None:
        if self.index > 0:
            await self.pause()
            self.open_step(self.index - 1)

    def action_answer(self) -> None:
        if self.exercise_open:
            self.query_one("#answer", AnswerBox).focus()

    @on(Input.Submitted, "#answer")
    async def _submitted(self, event: Input.Submitted) -> None:
        exercise = self.step.exercise
        if exercise is None or self.index in self.settled:
            return
        typed = event.value
        if exercise.from_runs:
            # Trained runs on the learner's seed: seconds, so in a thread.
            self.query_one("#exercise-verdict", Static).update(
                Text("Checking against the engine's own runs…", style="dim")
            )
            work = partial(expected_answer, self.lesson, self.index, self.trainer)
            worker = self.run_worker(
                work, name="answer", group="answer", thread=True, exit_on_error=False
            )
            self._pending = (worker, self.index, typed)
            return
        await self.pause()  # a live answer reads the tape
        expected = expected_answer(self.lesson, self.index, self.trainer, self.sample + 1)
        self._judged(self.index, typed, expected)

    def _answer_ready(self, worker: Worker) -> None:
        pending = self._pending
        if pending is None or pending[0] is not worker or not self.is_attached:
            return
        self._pending = None
        _worker, index, typed = pending
        if worker.state == WorkerState.ERROR:
            self.query_one("#exercise-verdict", Static).update(
                f"The engine could not compute the answer: {worker.error}"
            )
            return
        result = worker.result
        assert result is not None  # a worker that ended without error returned its answer
        self._judged(index, typed, float(result))

    def _judged(self, index: int, typed: str, expected: float) -> None:
        exercise = self.lesson.steps[index].exercise
        assert exercise is not None
        verdict = judge(exercise, typed, expected, self.wrong.get(index, 0))
        if verdict.counts_as_try:
            self.wrong[index] = self.wrong.get(index, 0) + 1
        self.verdicts[index] = verdict
        if verdict.outcome in (RIGHT, REVEALED):
            self.settled.add(index)
        if index != self.index:
            return
        answer = self.query_one("#answer", AnswerBox)
        if index in self.settled:
            answer.disabled = True
            self.set_focus(None)
            self._show_text()  # the explanation, now that the learner has committed
        self._show_answer_help()
        self._show_verdict()
        self._set("#lesson-status", self._status_text())
        if self.last_step and self.step_done:
            self._finish()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(screen_bindings(self), HELP_INTRO, HELP_READING))

    async def action_close(self) -> None:
        await self.pause()
        from .lessons import LessonBrowser  # the browser opens this screen

        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        if isinstance(below, LessonBrowser):
            self.app.pop_screen()
        else:  # opened straight from the command line: the lessons are one level up
            self.app.switch_screen(LessonBrowser())

    async def action_quit(self) -> None:
        await self.pause()
        await self.app.run_action("quit")

    def on_unmount(self) -> None:
        self._stop.set()  # a run must not outlive its screen


def _outcome(result: TrainResult, holds: bool | None) -> str:
    """Why a run stopped, in a sentence."""
    epoch = fmt.count(result.epoch)
    if result.status == "condition_met":
        return f"The run stopped after epoch {epoch}, the first where the check holds."
    if result.status == "diverged" and result.divergence is not None:
        return f"The run stopped: {result.divergence.reason}."
    if result.status == "completed":
        held = "" if holds or holds is None else ", and the check has not held"
        return f"The run stopped after {fmt.count(result.epochs_run)} epochs{held}."
    return f"Paused after epoch {epoch}."


def _holds(check: Expression, trainer: Trainer) -> bool:
    return evaluate_check(check, trainer) is True
