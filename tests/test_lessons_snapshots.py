"""Screenshots of the lesson browser and lesson steps (pytest-textual-snapshot), at 80x24, the
size SSH gives, and one larger. The state folder is empty (conftest), the seed fixed and every
run has ended before the screenshot. Update after a deliberate change with
``pytest tests/test_lessons_snapshots.py --snapshot-update``."""

from __future__ import annotations

import asyncio
import time

from textual import events

from tui.app import BackpropApp

SMALL = (80, 24)


async def _until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.01)


def _lesson(pilot):
    return pilot.app.screen if type(pilot.app.screen).__name__ == "LessonScreen" else None


async def _open(pilot) -> None:
    await _until(lambda: _lesson(pilot) is not None)
    await pilot.pause()


async def _run(pilot) -> None:
    """space, as the terminal sends it, then wait for the run to stop at the step's check."""
    screen = _lesson(pilot)
    pilot.app.post_message(events.Key("space", " "))
    await _until(lambda: screen.running)
    await _until(lambda: not screen.running)
    await pilot.pause()


def test_the_lesson_browser_at_80x24(snap_compare):
    assert snap_compare(BackpropApp(), press=["l"], terminal_size=SMALL)


def test_a_lesson_step_with_its_exercise_at_80x24(snap_compare):
    # sigmoid, step 1, after Z1 and Z1Act: the check holds, the exercise waits for its answer.
    async def steps(pilot) -> None:
        await _open(pilot)
        await pilot.press("n", "n")

    assert snap_compare(BackpropApp(lesson="sigmoid"), terminal_size=SMALL, run_before=steps)


def test_a_lesson_step_answered_without_colour_at_80x24(snap_compare, monkeypatch):
    # The worked answer after two wrong ones; ✓ and ✗ read in words without colour.
    monkeypatch.setenv("NO_COLOR", "1")

    async def answer(pilot) -> None:
        await _open(pilot)
        await pilot.press("enter", *"0.4", "enter", "backspace", *"6", "enter")

    assert snap_compare(BackpropApp(lesson="sigmoid"), terminal_size=SMALL, run_before=answer)


def test_the_momentum_comparison_at_160x48(snap_compare):
    # Plain GD run to its first epoch at 100%, then momentum beside it.
    async def compare(pilot) -> None:
        await _open(pilot)
        await _run(pilot)
        await pilot.press("right_square_bracket")
        await _run(pilot)

    assert snap_compare(BackpropApp(lesson="momentum"), terminal_size=(160, 48), run_before=compare)
