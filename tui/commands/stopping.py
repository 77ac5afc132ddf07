"""Stopping long work cleanly on Ctrl+C, a hang-up or a termination: one mechanism for every
headless command.

An SSH connection that drops sends SIGHUP; ``timeout``, job schedulers and shutdowns send
SIGTERM; Ctrl+C sends SIGINT. Inside :func:`stop_on_signals` each of them only *asks* the work
to stop: training stops at the end of the current epoch, the run is saved, then the report is
printed, and the process exits with the shell's 128 + signal number (130, 129, 143). Further
signals while saving are noted and ignored, so a second Ctrl+C cannot drop the new run. A
signal that was ignored when the command started (SIGHUP under ``nohup``) stays ignored.

Work that has no place to look at the request (a gradient check of many parameters) asks
instead for the first signal to raise :class:`Interrupted` wherever it is.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from ..errors import exit_code_for

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGHUP", "SIGTERM") if hasattr(signal, name)
)
_WORDS = {"SIGINT": "Ctrl+C", "SIGHUP": "a hang-up (SIGHUP)", "SIGTERM": "SIGTERM"}


class Interrupted(Exception):
    """Work stopped by a signal where it stood; nothing half-done is kept."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_words(signum))
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.signum)


class StopRequest:
    """Whether a signal (or lost output) asked the work to stop; call it to ask."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.output_lost = False

    def __call__(self) -> bool:
        return self.signum is not None or self.output_lost

    def ask(self, signum: int) -> None:
        if self.signum is None:  # the first signal decides the exit code
            self.signum = signum

    def lose_output(self) -> None:
        """Standard output went away (a dropped connection): stop as if hung up."""
        self.output_lost = True

    @property
    def reason(self) -> str:
        """e.g. 'Ctrl+C' or 'a hang-up (SIGHUP)'; '' while not asked."""
        if self.signum is not None:
            return signal_words(self.signum)
        return "lost output" if self.output_lost else ""

    def exit_code(self, otherwise: int) -> int:
        return exit_code_for(self.signum) if self.signum is not None else otherwise


def signal_words(signum: int) -> str:
    name = signal.Signals(signum).name
    return _WORDS.get(name, name)


@contextmanager
def stop_on_signals(*, raise_first: bool = False) -> Iterator[StopRequest]:
    """While inside, SIGINT, SIGHUP and SIGTERM ask the work to stop instead of ending the
    process (``raise_first``: the first one raises :class:`Interrupted`, later ones are
    only noted, so the clean-up that follows runs to its end)."""
    request = StopRequest()

    def handler(signum: int, frame: FrameType | None) -> None:
        first = request.signum is None
        request.ask(signum)
        if raise_first and first:
            raise Interrupted(signum)

    previous = {}
    try:
        for signum in STOP_SIGNALS:
            # An ignored signal stays ignored: under nohup a hang-up must not stop the run.
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread (e.g. called from a notebook worker)
        yield request
        return
    try:
        yield request
    finally:
        for signum, action in previous.items():
            signal.signal(signum, action)
