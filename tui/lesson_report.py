"""A lesson in the terminal, no app: its text, its claims checked over their seeds with a
result table each and a loss plot, and its exercises with the engine's answers.

Presentation only: the lesson, its step instructions (lessons.wording), the experiments
(lessons.claims) and the exercise answers (lessons.exercises) come from ``lessons``. Numbers
are written by :mod:`tui.format`, plots drawn by :mod:`tui.terminal_plots`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lessons.checks import CheckError
from lessons.claims import ClaimResult, Run, check_claims, claim_curves, claim_runs, train
from lessons.exercises import exercise_runs, headless_answer
from lessons.model import Claim, Exercise, Lesson, LessonStep
from lessons.wording import runs_text, step_lines

from . import format as fmt
from . import terminal_plots

STEP_STYLES = {"settings": "cyan", "do": "bold", "check": "green"}
PLOT_WIDTH = 100  # at most; narrower terminals get narrower plots


def print_lesson(lesson: Lesson, console: Console) -> None:
    console.rule(f"[bold]{lesson.order}. {lesson.title}")
    console.print(Text(lesson.summary, style="italic"))
    console.print(Text(f"Starts from: {lesson.config.describe()} on {lesson.config.dataset}"))
    if lesson.intro:
        console.print(Markdown(lesson.intro))
    for number, step in enumerate(lesson.steps, start=1):
        console.print(step_panel(number, step))


def step_panel(number: int, step: LessonStep) -> Panel:
    parts: list = [Markdown(step.body)] if step.body else []
    details = Text()
    for line in step_lines(step):
        details.append(f"{line}\n", style=STEP_STYLES.get(line.kind, ""))
    if step.exercise is not None:
        details.append(f"Exercise: {step.exercise.prompt}\n", style="bold")
        details.append("(the answer is at the end of the report)\n", style="dim")
    if details.plain:
        details.rstrip()
        parts.append(details)
    return Panel(Group(*parts), title=f"Step {number}: {step.title}", title_align="left")


def verdict_text(result: ClaimResult) -> str:
    """``✓ holds on 9 of 10 seeds (needs at least 8)``: words and marks, not colour alone."""
    low, high = result.bounds
    n = len(result.seeds)
    if low == high:
        needs = f"needs exactly {low}" if low < n else "needs all"
    elif high == n:
        needs = f"needs at least {low}"
    elif low == 0:
        needs = f"needs at most {high}"
    else:
        needs = f"needs {low} to {high}"
    mark = "✓ holds" if result.holds else "✗ fails"
    return f"{mark} on {result.passed} of {n} seeds ({needs})"


def result_table(result: ClaimResult) -> Table:
    claim = result.claim
    style = "green" if result.holds else "red"
    title = Text(f"{claim.text}\n")
    title.append(f"expect: {claim.expect.text}", style="dim")
    if not claim.single or claim.runs[""]:
        title.append("\nruns: " + " | ".join(runs_text(claim.runs)), style="dim")
    title.append("\n")
    title.append(verdict_text(result), style=style)
    table = Table(title=title, title_justify="left")
    table.add_column("seed", justify="right")
    if not claim.single:
        table.add_column("run")
    for heading in ("epochs", "accuracy", "loss", "epoch at 100%", "diverged"):
        table.add_column(heading, justify="right")
    table.add_column("holds", justify="center")
    for seed_result in result.seeds:
        names = list(seed_result.metrics)
        for position, (name, metrics) in enumerate(seed_result.metrics.items()):
            first = position == 0
            cells = [str(seed_result.seed) if first else ""]
            if not claim.single:
                cells.append(name)
            cells += [
                fmt.count(metrics.epochs_run),
                fmt.percent(metrics.accuracy),
                fmt.number(metrics.loss),
                "never"
                if math.isinf(metrics.epochs_to_100)
                else fmt.count(int(metrics.epochs_to_100)),
                "yes" if metrics.diverged else "no",
            ]
            holds = "✓" if seed_result.holds else "✗"
            if seed_result.error:
                holds = f"✗ {seed_result.error}"
            cells.append(holds if first else "")
            table.add_row(*cells, end_section=name == names[-1] and not claim.single)
    return table


def loss_plot(lesson: Lesson, claim: Claim, width: int = 80, colour: bool = True) -> str:
    """The loss curves of the claim's runs on its first seed, one marker per run."""
    seed = claim.seeds[0]
    curves = [
        (name or "run", curve.epochs, curve.loss)
        for name, curve in claim_curves(lesson, claim, seed)
    ]
    stopped = "; runs stop at 100%" if claim.settles_at_100 else ""
    return terminal_plots.loss_curves(
        curves,
        width=width,
        height=15,
        colour=colour,
        title=f"loss per sample (log scale) vs epoch, seed {seed}{stopped}",
        markers=terminal_plots.SERIES_MARKERS,
    )


def _exercises(lesson: Lesson) -> list[tuple[int, Exercise]]:
    return [(i, s.exercise) for i, s in enumerate(lesson.steps) if s.exercise is not None]


def lesson_runs(lesson: Lesson) -> list[Run]:
    """Every run the report needs: the claims' on their seeds, the exercises' on the
    lesson's seed (trained together so that shapes stack)."""
    runs = [
        run for claim in lesson.claims for run in claim_runs(lesson, claim, claim.seeds).values()
    ]
    for index, exercise in _exercises(lesson):
        if exercise.from_runs:
            runs += exercise_runs(lesson, index, exercise, lesson.config.seed).values()
    return runs


def print_answers(lesson: Lesson, console: Console) -> bool:
    """Each exercise with the engine's answer; False if one could not be computed."""
    exercises = _exercises(lesson)
    if not exercises:
        return True
    console.rule("[bold]Exercises: the engine's answers")
    ok = True
    for index, exercise in exercises:
        text = Text()
        text.append(f"Step {index + 1}: {exercise.prompt}\n", style="bold")
        try:
            value = headless_answer(lesson, index)
            text.append(f"Answer: {answer_text(exercise, value)}")
            source = (
                f" (runs of {fmt.count(exercise.epochs or 0)} epochs, seed {lesson.config.seed})"
                if exercise.from_runs
                else " (the step's fresh network after one forward and backward pass)"
            )
            text.append(source, style="dim")
        except CheckError as exc:
            ok = False
            text.append(f"✗ the answer cannot be computed: {exc}", style="red")
        text.append(f"\n{exercise.worked}")
        console.print(text)
    return ok


def answer_text(exercise: Exercise, value: float) -> str:
    """The engine's answer as the learner would type it."""
    if exercise.percent:
        return fmt.percent(value)
    if math.isinf(value):
        return "never" if value > 0 else fmt.number(value)
    return fmt.number(value, digits=6)


def run_lesson(
    lesson: Lesson,
    console: Console | None = None,
    plots: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> bool:
    """Print ``lesson``, check every claim; True when all of them hold."""
    console = console or Console()
    print_lesson(lesson, console)
    console.rule("[bold]Experiments")
    with console.status("Training the lesson's runs…"):
        train(lesson_runs(lesson), on_progress)
        results = check_claims(lesson)
    all_hold = True
    colour = console.color_system is not None
    width = max(40, min(console.width, PLOT_WIDTH))
    for claim, result in zip(lesson.claims, results, strict=True):
        all_hold &= result.holds
        console.print(result_table(result))
        if plots and claim.epochs > 0:
            console.print(Text.from_ansi(loss_plot(lesson, claim, width=width, colour=colour)))
    all_hold &= print_answers(lesson, console)
    return all_hold
