"""``backprop-lab lessons`` lists the guided lessons; ``backprop-lab lesson NAME`` opens one
in the app, or with ``--headless`` prints it and runs its experiments in the terminal."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..errors import EXIT_USAGE

if TYPE_CHECKING:
    from rich.console import Console


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    listing = subparsers.add_parser("lessons", help="list the guided lessons")
    listing.set_defaults(run=run, lessons_command="list")
    one = subparsers.add_parser(
        "lesson",
        help="open a guided lesson (NAME as listed by 'lessons', or its number)",
        description="Open a guided lesson in the app, or run it in the terminal.",
    )
    one.add_argument("name", metavar="NAME", help="lesson name or number, e.g. momentum or 10")
    one.add_argument(
        "--headless",
        action="store_true",
        help="print the lesson and run its experiments here, without the app",
    )
    one.add_argument("--no-plots", action="store_true", help="with --headless: tables only")
    one.set_defaults(run=run, lessons_command="open")
    return one


def run(args: argparse.Namespace) -> int:
    from rich.console import Console  # loaded when the command runs, not for --help

    if getattr(args, "lessons_command", "list") == "list":
        return list_lessons(Console())
    return open_lesson(args.name, headless=args.headless, plots=not args.no_plots)


def list_lessons(console: Console) -> int:
    from rich.table import Table

    from lessons.loader import load_all
    from lessons.progress import done_lessons

    lessons, errors = load_all()
    done = done_lessons()
    table = Table(title="Lessons", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("name")
    table.add_column("title")
    table.add_column("done", justify="center")
    for lesson in lessons:
        table.add_row(
            str(lesson.order), lesson.name, lesson.title, "✓" if lesson.name in done else ""
        )
    console.print(table)
    console.print("Open one with: backprop-lab lesson NAME   (add --headless to run it here)")
    for error in errors:
        print(f"backprop-lab: skipped a broken lesson: {error}", file=sys.stderr)
    return 0


def open_lesson(name: str, *, headless: bool, plots: bool = True) -> int:
    from lessons.loader import LessonError, find

    try:
        lesson = find(name)
    except LessonError as exc:
        print(f"backprop-lab: {exc.problem if exc.line == 0 else exc}", file=sys.stderr)
        return EXIT_USAGE
    if headless:
        from rich.console import Console

        from lessons.headless import run_lesson

        from .stopping import stop_on_signals

        # A lesson's experiments keep nothing half-done: a signal ends them where they are.
        with stop_on_signals(raise_first=True):
            return 0 if run_lesson(lesson, Console(), plots=plots) else 1
    from tui.app import run_app  # lazy: headless paths never import textual

    return run_app(config=lesson.config, lesson=lesson.name)
