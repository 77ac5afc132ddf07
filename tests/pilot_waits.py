"""Driving an app whose run goes on in its thread: Pilot's ``press`` and ``pause()`` wait for
the process to go idle, which a run never lets happen, so each would wait out its 1 s limit
(twice per key pressed) and the run would go on meanwhile."""

from __future__ import annotations

import asyncio
import time

from textual import events
from textual.app import App


def press_while_running(app: App, key: str, character: str | None = None) -> None:
    """Post a key as the terminal would: it is handled in turn, like any key."""
    app.post_message(events.Key(key, character))


async def wait_until(pilot, condition, timeout: float = 60.0, running: bool = False) -> None:
    """Let the app work until ``condition()`` holds (a run in its thread, a screen opening),
    then until the screen has handled what is queued; ``running``: a run goes on, so settle
    on the screen's queue alone, not on an idle process."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.01)
    await pilot.pause(0 if running else None)
