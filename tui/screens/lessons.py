"""The lesson browser: every lesson with its summary and whether it is done; Enter opens one."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from lessons import progress
from lessons.loader import load_all
from lessons.model import Lesson

from ..widgets.key_bar import KeyBar
from .lesson import LessonScreen

HINT = "↑/↓ choose a lesson · Enter opens it · Escape goes back"


class LessonBrowser(Screen):
    """Pick a lesson; Enter opens it beside a live network, Escape goes back."""

    DEFAULT_CSS = """
    LessonBrowser #lessons-hint { height: 1; padding: 0 1; color: $text-muted; }
    LessonBrowser #lesson-list { height: 1fr; }
    """

    # Enter is the screen's (a priority binding), so that the footer can name it.
    BINDINGS = [
        Binding("enter", "open", "Open the lesson", priority=True),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lessons: list[Lesson] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(HINT, id="lessons-hint")
        yield OptionList(id="lesson-list")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "Lessons"
        lessons, errors = load_all()
        self.lessons = lessons
        for error in errors:
            self.notify(f"Skipped a broken lesson: {error}", severity="warning")
        self.reload()
        self.query_one(OptionList).focus()

    def on_screen_resume(self) -> None:
        self.reload()  # a lesson may have just been finished

    def reload(self) -> None:
        done = progress.done_lessons()
        self.sub_title = f"{sum(x.name in done for x in self.lessons)} of {len(self.lessons)} done"
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for lesson in self.lessons:
            # A grid, so that a summary that wraps stays under its title.
            row = Table.grid(padding=(0, 1, 0, 0))
            row.add_column(width=5, no_wrap=True)
            row.add_column(ratio=1)
            number = Text("✓" if lesson.name in done else " ", style="bold green")
            number.append(f"{lesson.order:3}.", style="bold")
            row.add_row(
                number, Text(lesson.title, style="bold") + Text("\n" + lesson.summary, style="dim")
            )
            options.add_option(Option(row, id=lesson.name))
        if self.lessons:
            options.highlighted = highlighted if highlighted is not None else 0

    def action_open(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._open(self.lessons[options.highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._open(next(x for x in self.lessons if x.name == event.option.id))  # a click

    def _open(self, lesson: Lesson) -> None:
        self.app.push_screen(LessonScreen(lesson))

    def action_close(self) -> None:
        self.app.pop_screen()
