"""The app in a real terminal (a pty) that goes away, or is told to stop, while it trains: it
keeps the session, exits with 128 + the signal, and the session resumes bit for bit.

Each test starts one app process (about a second and a half here).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

import numpy as np
import pytest

from mlp import Trainer
from tui import session
from tui.session_keeper import GRACE_SECONDS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


class AppInPty:
    """``backprop-lab`` on the far side of a pseudo-terminal, 80x24."""

    def __init__(self, *argv: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL")}
        env["TERM"] = "xterm-256color"
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the app, with the pty as its controlling terminal
            os.execve(sys.executable, [sys.executable, "-m", "tui", *argv], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.output = b""

    def read_until(self, text: bytes, seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.output:
            assert time.monotonic() < deadline, f"{text!r} never appeared"
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                self.output += os.read(self.fd, 65536)

    def press(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def hang_up(self) -> None:
        """What a dropped SSH connection does: the terminal's far end closes (the kernel
        sends SIGHUP, and the terminal is gone for good)."""
        os.close(self.fd)
        self.fd = -1

    def exit_code(self, seconds: float = 15.0) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.fd >= 0:  # keep reading, so that the app never blocks on a full pty
                with contextlib.suppress(OSError):
                    if select.select([self.fd], [], [], 0.02)[0]:
                        self.output += os.read(self.fd, 65536)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.01)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError("the app did not exit")


def _resumes_bit_for_bit(kept: session.KeptSession) -> None:
    """The kept run is the run trained without a break, and carries on the same."""
    reference = Trainer()
    reference.train(kept.run.epoch)
    # Continuous training can be paused inside a pass: the reference stops at the same sub-step.
    if 0 < kept.run.cursor < len(kept.run.steps):
        for _ in range(kept.run.cursor):
            reference.next_substep()
    passes = len(kept.run.steps)  # a whole pass done is the next one's start
    assert reference.cursor % passes == kept.run.cursor % passes
    np.testing.assert_array_equal(kept.run.network.params, reference.network.params)
    kept.run.train(50)
    reference.train(50)
    np.testing.assert_array_equal(kept.run.network.params, reference.network.params)


def test_a_terminal_that_goes_away_mid_run_keeps_the_session():
    app = AppInPty()
    app.read_until(b"paused")
    app.press(b" ")  # continuous training
    app.read_until(b"running")
    time.sleep(0.3)
    hung_up = time.monotonic()
    app.hang_up()
    assert app.exit_code() == 128 + signal.SIGHUP
    # At once: not by the watchdog that ends a process whose exit is stuck (GRACE_SECONDS).
    assert time.monotonic() - hung_up < GRACE_SECONDS / 2
    kept = session.load()
    assert kept.run.epoch > 0
    _resumes_bit_for_bit(kept)


def test_sigterm_keeps_the_session_and_gives_the_terminal_back():
    app = AppInPty()
    app.read_until(b"paused")
    app.press(b"eee ")
    app.read_until(b"running")
    os.kill(app.pid, signal.SIGTERM)
    assert app.exit_code() == 128 + signal.SIGTERM
    kept = session.load()
    assert kept.run.epoch >= 3
    _resumes_bit_for_bit(kept)
    after = app.output.rpartition(b"\x1b[?1049l")  # left the alternate screen
    assert after[1] and b"stopped by SIGTERM; kept the session in" in after[2]
