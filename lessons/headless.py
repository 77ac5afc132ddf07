"""A lesson in the terminal, no app: its text, then its claims run over their seeds,
with a result table per claim and a loss plot (seed 0) drawn by plotext."""

from __future__ import annotations

import math

import plotext
from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .claims import ClaimResult, check_claim, run_curve
from .model import Claim, Lesson, Step


def print_lesson(lesson: Lesson, console: Console) -> None:
    console.rule(f"[bold]{lesson.order}. {lesson.title}")
    console.print(Text(lesson.summary, style="italic"))
    console.print(Text(f"Starts from: {lesson.config.describe()} on {lesson.config.dataset}"))
    if lesson.intro:
        console.print(Markdown(lesson.intro))
    for number, step in enumerate(lesson.steps, start=1):
        console.print(_step_panel(number, step))


def _step_panel(number: int, step: Step) -> Panel:
    parts: list = [Markdown(step.body)] if step.body else []
    details = Text()
    if step.config:
        changes = ", ".join(f"{k} = {v}" for k, v in step.config.items())
        details.append(f"Settings: {changes}\n", style="cyan")
    if step.action:
        details.append(f"Do: {step.action}\n", style="bold")
    if step.check:
        details.append(f"Done when: {step.check.text}", style="green")
    if details.plain:
        parts.append(details)
    return Panel(Group(*parts), title=f"Step {number}: {step.title}", title_align="left")


def _number(value: float, infinity: str = "inf") -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if math.isinf(value):
        return infinity if value > 0 else "-inf"
    if math.isnan(value):
        return "-"
    if float(value).is_integer() and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.4g}"


def _percent(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}"


def result_table(result: ClaimResult) -> Table:
    claim = result.claim
    mark = "[green]✓ holds" if result.holds else "[red]✗ fails"
    table = Table(
        title=f"{claim.text}\n[dim]{claim.expect.text}[/dim]  {mark} "
        f"({result.passed}/{len(result.seeds)} seeds, needs {claim.required})",
        title_justify="left",
    )
    table.add_column("seed", justify="right")
    if not claim.single:
        table.add_column("run")
    for heading in ("accuracy", "loss", "epochs to 100%", "diverged"):
        table.add_column(heading, justify="right")
    table.add_column("holds", justify="center")
    for seed_result in result.seeds:
        first = True
        for name, metrics in seed_result.metrics.items():
            cells = [str(seed_result.seed) if first else ""]
            if not claim.single:
                cells.append(name)
            cells += [
                _percent(metrics.accuracy),
                _number(metrics.loss),
                _number(metrics.epochs_to_100, infinity="never"),
                _number(metrics.diverged),
            ]
            holds = "[green]✓" if seed_result.holds else "[red]✗"
            cells.append(holds if first else "")
            last_run = name == list(seed_result.metrics)[-1]
            table.add_row(*cells, end_section=last_run and not claim.single)
            first = False
    return table


def loss_plot(lesson: Lesson, claim: Claim, width: int = 80, height: int = 15) -> str:
    """The loss curves of the claim's runs on its first seed, as terminal text."""
    plotext.clear_figure()
    plotext.theme("clear")
    plotext.plotsize(width, height)
    seed = claim.seeds[0]
    for name, changes in claim.runs.items():
        curve = run_curve(lesson.run_config(changes, seed=seed, epochs=claim.epochs))
        finite = [(e, v) for e, v in zip(curve.epochs, curve.loss, strict=True) if 0 < v < 1e6]
        if finite:
            xs, ys = zip(*finite, strict=True)
            plotext.plot(list(map(float, xs)), [math.log10(v) for v in ys], label=name or "run")
    plotext.title(f"log10(loss per sample) vs epoch, seed {seed}")
    return plotext.build()


def run_lesson(lesson: Lesson, console: Console | None = None, plots: bool = True) -> bool:
    """Print ``lesson``, check every claim; True when all of them hold."""
    console = console or Console()
    print_lesson(lesson, console)
    console.rule("[bold]Experiments")
    all_hold = True
    for claim in lesson.claims:
        with console.status(f"Training: {claim.text}"):
            result = check_claim(lesson, claim)
        all_hold &= result.holds
        console.print(result_table(result))
        if plots and claim.epochs > 0:
            console.print(Text.from_ansi(loss_plot(lesson, claim, width=min(console.width, 100))))
    return all_hold
