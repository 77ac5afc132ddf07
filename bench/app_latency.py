"""Time from a key press to the updated screen, inside the app, and the time to quit.

Targets on 2 cores: a key to its screen under 100 ms (``n``, ``e``, space while training),
any screen open under 300 ms (settings, help, the lesson browser, a lesson), quit under
500 ms.

Keys and screens run the app headless (Textual's Pilot at 80x24, the size SSH gives): the
clock starts as the key is posted and stops once the change is on the app (the snapshot, the
screen stack) and every message it caused has been handled, which includes the redraw. Each is
timed ``--repeat`` times; the median and the worst are printed, with the process's CPU time
beside the wall time, since on a shared machine the wall time also counts other people's work.

Quitting is timed in a real pseudo-terminal: ``python -m tui`` is started, and the clock runs
from the ``q`` written to it until the process has exited (Textual's shutdown and Python's).

    python bench/app_latency.py [--repeat 5] [--hidden 32 32]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pty
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from textual import events

from mlp import RunConfig
from tui.app import BackpropApp

SIZE = (80, 24)
TARGETS = {"key": 0.100, "screen": 0.300, "quit": 0.500}


class Timings:
    def __init__(self) -> None:
        self.samples: dict[str, list[tuple[float, float]]] = {}

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.samples.setdefault(name, []).append((wall, cpu))

    def report(self, kinds: dict[str, str]) -> None:
        print(f"{'':26} {'median':>8} {'worst':>8} {'cpu med':>8}  target")
        for name, samples in self.samples.items():
            walls = [w for w, _c in samples]
            cpus = [c for _w, c in samples]
            target = TARGETS[kinds[name]]
            print(
                f"  {name:24} {statistics.median(walls) * 1000:6.0f}ms {max(walls) * 1000:6.0f}ms"
                f" {statistics.median(cpus) * 1000:6.0f}ms  < {target * 1000:.0f} ms"
            )


async def _timed(pilot, key: str, done: Callable[[], bool]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    pilot.app.post_message(events.Key(key, None))
    deadline = wall + 30
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{key} did not take effect within 30 s")
        await asyncio.sleep(0.001)
    await pilot.pause()  # every message the key caused, the redraw included
    return time.perf_counter() - wall, time.process_time() - cpu


def _on(app: BackpropApp, name: str) -> Callable[[], bool]:
    return lambda: type(app.screen).__name__ == name


async def measure(config: RunConfig, repeat: int, timings: Timings) -> None:
    app = BackpropApp(config=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(repeat):
            cursor = app.snapshot.cursor
            timings.add(
                "n (next sub-step)",
                *await _timed(pilot, "n", lambda c=cursor: app.snapshot.cursor != c),
            )
            epoch = app.snapshot.epoch
            timings.add(
                "e (one epoch)", *await _timed(pilot, "e", lambda e=epoch: app.snapshot.epoch > e)
            )
            app.start()
            await asyncio.sleep(0.3)
            timings.add(
                "space while training",
                *await _timed(pilot, "space", lambda: not app.running and not app.snapshot.running),
            )
            for key, screen in (
                ("s", "SettingsScreen"),
                ("question_mark", "HelpScreen"),
                ("l", "LessonBrowser"),
            ):
                timings.add(f"open {screen}", *await _timed(pilot, key, _on(app, screen)))
                if screen == "LessonBrowser":
                    timings.add(
                        "open LessonScreen", *await _timed(pilot, "enter", _on(app, "LessonScreen"))
                    )
                    await pilot.press("escape")
                await pilot.press("escape")
                await pilot.pause()


def quit_in_a_terminal(config_args: list[str]) -> float:
    """Seconds from ``q`` to the exit of ``python -m tui`` running in a pseudo-terminal."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, in a terminal of 80x24
        os.environ.update({"COLUMNS": "80", "LINES": "24", "TERM": "xterm-256color"})
        os.execv(sys.executable, [sys.executable, "-m", "tui", *config_args])
    subprocess.run(["stty", "-F", os.ttyname(fd), "cols", "80", "rows", "24"], check=False)
    seen = b""
    deadline = time.perf_counter() + 60
    while b"Quit" not in seen and time.perf_counter() < deadline:
        ready, _w, _x = select.select([fd], [], [], 0.1)
        if ready:
            seen = (seen + os.read(fd, 65536))[-4096:]
    time.sleep(0.5)  # let the first frame settle
    start = time.perf_counter()
    os.write(fd, b"q")
    while True:
        ready, _w, _x = select.select([fd], [], [], 0.05)
        if ready:
            with contextlib.suppress(OSError):  # the terminal closes as the app exits
                os.read(fd, 65536)
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--hidden", type=int, nargs="+", default=[32, 32])
    args = parser.parse_args()
    config = RunConfig(hidden=tuple(args.hidden))
    print(
        f"{config.describe()}, 80x24, {args.repeat} times each; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    timings = Timings()
    asyncio.run(measure(config, args.repeat, timings))
    hidden = ",".join(map(str, args.hidden))
    for _ in range(max(args.repeat // 2, 1)):
        timings.add("quit (real terminal)", quit_in_a_terminal(["--hidden", hidden]), 0.0)
    kinds = {name: "screen" if name.startswith("open") else "key" for name in timings.samples}
    kinds["quit (real terminal)"] = "quit"
    timings.report(kinds)


if __name__ == "__main__":
    main()
