"""What the headless commands share: JSON numbers and learning curves, and standard output
that may go away under them (a dropped connection, a full disk, a closed pipe)."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
from collections.abc import Callable

import numpy as np
from rich.console import Console

from mlp.history import evenly_spread

from ..errors import UsageError

HISTORY_POINTS = 200  # points of a learning curve in JSON


def json_number(value: float) -> float | None:
    """JSON has no inf or NaN: a non-finite number is null."""
    value = float(value)
    return value if math.isfinite(value) else None


def history_document(epochs: np.ndarray, loss: np.ndarray, accuracy: np.ndarray) -> dict:
    """A learning curve for JSON: at most HISTORY_POINTS points, first and last kept."""
    keep = evenly_spread(len(epochs), HISTORY_POINTS)
    return {
        "epoch": epochs[keep].astype(int).tolist(),
        "loss": [json_number(v) for v in loss[keep].tolist()],
        "accuracy": [json_number(v) for v in accuracy[keep].tolist()],
    }


def make_console() -> Console:
    """rich's Console for a command's output. rich takes a dumb terminal (``TERM=dumb``) to be
    80 columns whatever it is; here its width is read like any other's (COLUMNS, then the
    terminal itself)."""
    console = Console(highlight=False)
    if console.is_dumb_terminal:
        size = shutil.get_terminal_size((80, 24))
        console = Console(highlight=False, width=size.columns, height=size.lines)
    return console


def require_stdout() -> None:
    """Refuse to start work whose report would go nowhere (``>&-`` closes standard output)."""
    if sys.stdout is None or not _fd_open(sys.stdout):
        raise UsageError(
            "standard output is closed, so nothing could be reported: send it to a file or "
            "/dev/null instead"
        )


def _fd_open(stream: object) -> bool:
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        return True  # not a file descriptor (a test's capture, a notebook): it takes text
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def say(text: str) -> None:
    """A line on standard error, if anyone can still read it."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(text, file=sys.stderr, flush=True)


def silence_stdout() -> None:
    """Send what is still written to standard output to /dev/null, so that neither later
    writes nor Python's flush at exit fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class OutputGuard:
    """Runs writes to standard output; the first failure (EIO from a terminal that hung up,
    EPIPE from a reader that left, ENOSPC from /dev/full) is kept, reported to ``on_lost``
    once, and standard output is silenced so that the work can finish and save."""

    def __init__(self, on_lost: Callable[[], None] | None = None) -> None:
        self.error: OSError | None = None
        self.on_lost = on_lost

    @property
    def lost(self) -> bool:
        return self.error is not None

    def run(self, write: Callable[[], object]) -> None:
        try:
            write()
        except OSError as exc:
            self._lose(exc)

    def write_line(self, text: str) -> None:
        def write() -> None:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

        self.run(write)

    def _lose(self, exc: OSError) -> None:
        first = self.error is None
        if first:
            self.error = exc
        silence_stdout()
        if first and self.on_lost is not None:
            self.on_lost()

    @property
    def reason(self) -> str:
        exc = self.error
        if exc is None:
            return ""
        return (exc.strerror or str(exc)).lower()
