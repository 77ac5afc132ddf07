"""``backprop-lab lessons`` lists the guided lessons (``--check`` checks them all, a teacher's
CI); ``backprop-lab lesson NAME`` opens one in the app, or with ``--headless`` prints it and
runs its experiments in the terminal."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from lessons.loader import LessonError

MAX_CHECK_SEEDS = 100

LIST_EXAMPLES = """\
examples:
  backprop-lab lessons                         the built-in lessons, ✓ for finished ones
  backprop-lab lessons --dir ~/my-lessons      with a teacher's lessons beside them
  backprop-lab lessons --check                 check every claim over seeds 0-9 (exit 0: all hold)
  backprop-lab lessons --check --dir ~/my-lessons --seeds 0-29 --json

A teacher's folders can also be listed in BACKPROP_LAB_LESSONS (separated by ':').
'Writing a lesson' in the README describes the format."""

ONE_EXAMPLES = """\
examples:
  backprop-lab lesson momentum                 open it in the app (or by number: 10)
  backprop-lab lesson momentum --headless      print it and run its experiments here
  backprop-lab lesson my-lesson --dir ~/my-lessons"""


def _seed_range(text: str) -> tuple[int, ...]:
    """``0-9`` or ``5``: the seeds to check claims on."""
    first, dash, last = text.strip().partition("-")
    try:
        low = int(first)
        high = int(last) if dash else low
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds are A-B, e.g. 0-9, not {text!r}") from None
    if low < 0 or high < low:
        raise argparse.ArgumentTypeError(f"seeds A-B need 0 <= A <= B, got {text!r}")
    if high - low + 1 > MAX_CHECK_SEEDS:
        raise argparse.ArgumentTypeError(f"check at most {MAX_CHECK_SEEDS} seeds at a time")
    return tuple(range(low, high + 1))


def _add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="also read the lessons in this folder (repeatable)",
    )


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    listing = subparsers.add_parser(
        "lessons",
        help="list the guided lessons, or check them all (--check)",
        description=textwrap.fill(
            "List the guided lessons. With --check, check every lesson instead: that it "
            "loads, that its steps' checks and exercises can be computed, and that each "
            "claim holds over the seeds; the exit code is 0 only when all of it holds."
        ),
        epilog=LIST_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_dir(listing)
    listing.add_argument(
        "--check", action="store_true", help="check every lesson's claims (a teacher's CI)"
    )
    listing.add_argument(
        "--seeds",
        type=_seed_range,
        metavar="A-B",
        help="with --check: the seeds to check each claim on (default: its own, 0-9)",
    )
    listing.add_argument("--json", action="store_true", help="with --check: one JSON document")
    listing.set_defaults(run=run, lessons_command="list")
    one = subparsers.add_parser(
        "lesson",
        help="open a guided lesson (NAME as listed by 'lessons', or its number)",
        description="Open a guided lesson in the app, or run it in the terminal.",
        epilog=ONE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one.add_argument("name", metavar="NAME", help="lesson name or number, e.g. momentum or 10")
    _add_dir(one)
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

    folders = _folders(getattr(args, "dir", []))
    if getattr(args, "lessons_command", "list") == "list":
        if args.check:
            return check_lessons(folders, args.seeds, as_json=args.json)
        if args.seeds is not None or args.json:
            raise UsageError("--seeds and --json go with --check")
        return list_lessons(Console(), folders)
    return open_lesson(args.name, headless=args.headless, plots=not args.no_plots, dirs=folders)


def _folders(extra: list[Path]) -> list[Path]:
    """The lesson folders: built-in, BACKPROP_LAB_LESSONS, then ``--dir``s (which must exist)."""
    from lessons.loader import lesson_dirs

    for folder in extra:
        if not folder.expanduser().is_dir():
            raise UsageError(f"there is no lesson folder {folder}")
    return lesson_dirs(extra)


def list_lessons(console: Console, folders: list[Path] | None = None) -> int:
    from rich.table import Table

    from lessons.loader import load_all
    from lessons.progress import done_lessons

    lessons, errors = load_all(folders)
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
        print(f"backprop-lab: skipped: {_where(error)}", file=sys.stderr)
    return 0


def _where(error: LessonError) -> str:
    """``FILE:LINE: problem``, or the problem alone when it has no line (a missing folder)."""
    return str(error) if error.line else error.problem


def check_lessons(folders: list[Path], seeds: tuple[int, ...] | None, *, as_json: bool) -> int:
    """Check every lesson; 0 when every file loads and every claim holds, else 1."""
    from rich.console import Console

    from lessons.verify import as_json as report_json
    from lessons.verify import check_all

    from ..lesson_report import verdict_text

    console = Console(stderr=as_json, soft_wrap=True)
    with console.status("Checking the lessons…") as status:
        report = check_all(
            folders, seeds, on_lesson=lambda lesson: status.update(f"Checking {lesson.name}…")
        )
    if as_json:
        print(json.dumps(report_json(report), indent=2))
        return 0 if report.ok else 1
    for error in report.errors:
        console.print(f"✗ {_where(error)}", style="red", markup=False, highlight=False)
    for lesson_report in report.lessons:
        lesson = lesson_report.lesson
        mark = "✓" if lesson_report.ok else "✗"
        console.print(
            f"{mark} {lesson.name} ({lesson.path}): {len(lesson_report.claims)} claims, "
            f"{len(lesson_report.exercises)} exercises",
            style=None if lesson_report.ok else "red",
            markup=False,
            highlight=False,
        )
        for problem in lesson_report.problems:
            console.print(f"    ✗ {problem}", style="red", markup=False, highlight=False)
        for result in lesson_report.claims:
            if not result.holds:
                failed = [s.seed for s in result.seeds if not s.holds]
                console.print(
                    f"    ✗ {lesson.path.name}:{result.claim.line}: {result.claim.text}\n"
                    f"      {result.claim.expect.text}: {verdict_text(result)}; "
                    f"fails on seeds {failed}",
                    style="red",
                    markup=False,
                    highlight=False,
                )
        for answer in lesson_report.exercises:
            if answer.error:
                console.print(
                    f"    ✗ step {answer.step}'s exercise: {answer.error}",
                    style="red",
                    markup=False,
                    highlight=False,
                )
    claims = sum(len(r.claims) for r in report.lessons)
    held = sum(result.holds for r in report.lessons for result in r.claims)
    seeds_text = "each claim's own seeds" if seeds is None else f"seeds {seeds[0]}-{seeds[-1]}"
    console.print(
        f"{len(report.lessons)} lessons, {held} of {claims} claims hold over {seeds_text}; "
        f"{len(report.errors)} files do not load.",
        markup=False,
        highlight=False,
    )
    return 0 if report.ok else 1


def open_lesson(
    name: str, *, headless: bool, plots: bool = True, dirs: list[Path] | None = None
) -> int:
    from lessons.loader import ENV_VAR, LessonError, find

    try:
        lesson = find(name, dirs)
    except LessonError as exc:
        print(f"backprop-lab: {_where(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if headless:
        from rich.console import Console

        from ..lesson_report import run_lesson
        from .stopping import stop_on_signals

        # A lesson's experiments keep nothing half-done: a signal ends them where they are.
        with stop_on_signals(raise_first=True):
            return 0 if run_lesson(lesson, Console(), plots=plots) else 1
    if dirs:
        # The app finds lessons (and lists them in its browser) by name in the lesson folders.
        os.environ[ENV_VAR] = os.pathsep.join(str(d) for d in dirs)
    from tui.app import run_app  # lazy: headless paths never import textual

    return run_app(config=lesson.config, lesson=lesson.name)
