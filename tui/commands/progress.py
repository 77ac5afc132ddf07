"""Progress of long work that fits the terminal it is in: a bar on a terminal, plain lines
elsewhere, and on a narrow terminal fewer fields rather than every field cut short.

Each field has a width it never exceeds and a rank; :func:`fit` keeps the best-ranked fields
that fit the width and drops the others whole, so at 60 columns the bar shows the epoch, the
loss and the accuracy in full instead of ``epoch 3000/3… loss 0.0008…``. A dumb terminal
(``TERM=dumb``), which cannot redraw a line, gets plain lines fitted the same way; a pipe or
a file gets every field.

All drawing happens on the calling thread (no refresh thread) and through an
:class:`~tui.commands.common.OutputGuard`, so that a terminal that went away (EIO) or a
reader that left (EPIPE) is noticed where the work can stop and save.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TaskID, TextColumn
from rich.table import Column

from .common import OutputGuard

PLAIN_INTERVAL = 2.0  # seconds between plain progress lines
BAR_INTERVAL = 0.1  # seconds between redraws of the bar
MIN_BAR = 10
MAX_BAR = 40
BAR_RANK = 3  # fields ranked below this are kept before the bar


@dataclass(frozen=True)
class Field:
    """One piece of the progress line: ``template`` is formatted with the values."""

    key: str
    template: str
    width: int  # the widest its text can be
    rank: int  # 0 is dropped last
    plain: bool = True  # also in plain lines (which have no clock of their own)

    def text(self, values: dict[str, str]) -> str:
        return self.template.format(**values)


def fit(
    fields: Sequence[Field], width: int, gap: int, bar: bool = False
) -> tuple[list[Field], int]:
    """The best-ranked fields that fit ``width``, in their own order, and the bar's width
    (0 for none): the bar comes after the fields ranked below BAR_RANK and takes the room
    that is left, up to MAX_BAR."""
    chosen: list[Field] = []
    used, bar_width = 0, 0

    def room(need: int) -> bool:
        return used + need + (gap if used else 0) <= width

    for field in sorted(fields, key=lambda f: f.rank):
        if bar and not bar_width and field.rank >= BAR_RANK and room(MIN_BAR):
            used, bar_width = used + MIN_BAR + (gap if used else 0), MIN_BAR
        if room(field.width):
            used += field.width + (gap if used else 0)
            chosen.append(field)
    if bar and not bar_width and room(MIN_BAR):
        used, bar_width = used + MIN_BAR + (gap if used else 0), MIN_BAR
    if bar_width:
        bar_width = min(MAX_BAR, bar_width + width - used)
    order = {f.key: i for i, f in enumerate(fields)}
    return sorted(chosen, key=lambda f: order[f.key]), bar_width


class Display:
    """Shows ``fields`` as a live bar (a terminal), fitted plain lines (a dumb terminal) or
    every field in plain lines (a pipe, a file). :meth:`show` is throttled."""

    def __init__(
        self,
        console: Console,
        guard: OutputGuard,
        fields: Sequence[Field],
        *,
        label: str,
        total: int,
    ) -> None:
        self.console, self.guard = console, guard
        self.total = max(total, 1)
        self.next_draw = 0.0
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        width = console.width - 1  # writing the last column wraps on some terminals
        if console.is_terminal and not console.is_dumb_terminal:
            labelled = [Field("label", label, len(label), BAR_RANK + 2), *fields]
            self.chosen, bar_width = fit(labelled, width, gap=1, bar=True)
            columns: list[ProgressColumn] = [
                TextColumn(
                    ("[bold]" if f.key == "label" else "") + f"{{task.fields[{f.key}]}}",
                    table_column=Column(width=f.width, no_wrap=True),
                )
                for f in self.chosen
            ]
            if bar_width:
                at = 1 if self.chosen and self.chosen[0].key == "label" else 0
                columns.insert(at, BarColumn(bar_width=bar_width))
            self._bar = Progress(
                *columns, console=console, auto_refresh=False, transient=False, expand=False
            )
        else:
            plain = [f for f in fields if f.plain]
            self.chosen = fit(plain, width, gap=2)[0] if console.is_dumb_terminal else plain

    def __enter__(self) -> Display:
        bar = self._bar
        if bar is not None:
            self.guard.run(bar.start)
            blank = {f.key: (f.template if f.key == "label" else "") for f in self.chosen}
            self._task = bar.add_task("", total=self.total, **blank)  # type: ignore[arg-type]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self.guard.run(self._bar.stop)

    def show(self, done: int, values: dict[str, str], *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self.next_draw:
            return
        self.next_draw = now + (BAR_INTERVAL if self._bar is not None else PLAIN_INTERVAL)
        bar, task = self._bar, self._task
        if bar is not None and task is not None:
            texts = {f.key: f.text(values) for f in self.chosen if f.key != "label"}

            def draw() -> None:
                bar.update(task, completed=done, **texts)  # type: ignore[arg-type]
                bar.refresh()

            self.guard.run(draw)
        else:
            self.guard.write_line("  ".join(f.text(values) for f in self.chosen))

    def above(self, text: str) -> None:
        """A line above the bar (or between the plain lines)."""
        self.guard.run(lambda: self.console.print(text, highlight=False, soft_wrap=True))


def clock(seconds: float) -> str:
    """0:00:03 or 1:02:03, like rich's time columns; -:--:-- when unknown."""
    if not 0 <= seconds < float("inf"):
        return "-:--:--"
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def train_fields(last_epoch: int) -> list[Field]:
    """epoch, loss, accuracy, speed and times, ranked by what a learner watches first."""
    digits = len(str(last_epoch))
    return [
        Field("epoch", "epoch {epoch}", len("epoch /") + 2 * digits, 0),
        Field("loss", "loss {loss}", len("loss ") + 12, 1),
        Field("accuracy", "accuracy {accuracy}", len("accuracy 100.0%"), 2),
        Field("speed", "{speed} epochs/s", len("1,000,000 epochs/s"), 4),
        Field("elapsed", "{elapsed}", len("0:00:00"), 6, plain=False),
        Field("remaining", "{remaining} left", len("0:00:00 left"), 3),
    ]
