"""Run the learner's code in a child process, with a time limit, and collect what it saw.

The learner's file is theirs: it may loop forever, print, call ``exit()`` or crash. It runs in
its own process (:mod:`mlp.labcheck.child`) in its own session, so that a time limit can end it
and anything it starts, its output is captured (and never mixed with ours), and nothing it does
reaches the checker. The clock starts once the child is ready to import the learner's file, so
the interpreter's own start does not count against the learner.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

CHILD = Path(__file__).with_name("child.py")
STARTUP_LIMIT = 60.0  # seconds for Python and numpy to start in the child, on a busy machine
TRACE_WAIT = 0.5  # seconds for the child to write where it was after SIGUSR1
OUTPUT_LIMIT = 20_000  # characters of the learner's output kept
POLL = 0.1  # seconds between looks at the child (its status, the clock, a cancel)


class CheckCancelled(Exception):
    """The check was cancelled while the learner's code ran (its process has been ended)."""


@dataclass
class ChildRun:
    """What came back from the child: its report, or how it ended without one."""

    status: str  # done, input_error, learner_error, timeout, ended
    report: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    last_status: str = ""  # the last "step 1 forwardPass" line: where the code was
    class_name: str | None = None
    place: tuple[int, str] | None = None  # (line, function) in the learner's file at the end
    returncode: int | None = None
    seconds: float = 0.0


class _Output:
    """Drain a pipe in a thread, keeping the first OUTPUT_LIMIT characters."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.chunks: list[bytes] = []
        self.kept = 0
        self.dropped = 0
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream: IO[bytes]) -> None:
        # read1: whatever has arrived, so a learner's print shows without waiting for 64 KiB.
        read = getattr(stream, "read1", stream.read)
        for chunk in iter(lambda: read(65536), b""):
            if self.kept < OUTPUT_LIMIT:
                self.chunks.append(chunk)
                self.kept += len(chunk)
            else:
                self.dropped += len(chunk)

    def text(self) -> str:
        self.thread.join(timeout=1.0)
        text = b"".join(self.chunks).decode("utf-8", "replace")
        if len(text) > OUTPUT_LIMIT or self.dropped:
            text = text[:OUTPUT_LIMIT] + "\n… (more output left out)\n"
        return text


class _Status:
    """Read the child's progress lines in a thread; ``ready`` once it starts the learner's
    code (or has ended)."""

    def __init__(self, fd: int) -> None:
        self.last = ""
        self.class_name: str | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(fd,), daemon=True)
        self.thread.start()

    def _read(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as stream:
            for raw in stream:
                line = raw.decode("utf-8", "replace").strip()
                if line == "started":
                    self.ready.set()
                elif line.startswith("class "):
                    self.class_name = line[len("class ") :]
                else:
                    self.last = line
        self.ready.set()


def _place(trace: Path, learner: str) -> tuple[int, str] | None:
    """The innermost frame in the learner's file from the child's faulthandler dump."""
    try:
        text = trace.read_text(errors="replace")
    except OSError:
        return None
    pattern = re.compile(r'File "(.*)", line (\d+) in (\S+)')
    for match in pattern.finditer(text):  # most recent call first
        if os.path.realpath(match.group(1)) == learner:
            return int(match.group(2)), match.group(3)
    return None


def _end(process: subprocess.Popen[bytes]) -> None:
    """Kill the child and everything it started (its own session)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    process.wait()


def run_child(
    request: dict[str, Any],
    timeout: float,
    on_status: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> ChildRun:
    """Run the learner's code as ``request`` says; never raises for anything their code does.

    Setting ``cancel`` ends their process within about POLL seconds and raises CheckCancelled
    (an app whose learner saved their file again does not wait out an infinite loop).
    """
    cancelled = cancel.is_set if cancel is not None else lambda: False
    learner = os.path.realpath(request["file"])
    with tempfile.TemporaryDirectory(prefix="backprop-lab-check-") as folder:
        folder_path = Path(folder)
        request_path, result_path = folder_path / "request.pkl", folder_path / "result.pkl"
        trace = folder_path / "trace.txt"
        with open(request_path, "wb") as handle:
            pickle.dump({**request, "trace": str(trace)}, handle)
        read_fd, write_fd = os.pipe()
        # The child holds the read end of the lifeline; when this process ends, however it
        # ends, the write end closes and the child leaves too.
        life_read, life_write = os.pipe()
        start = time.monotonic()
        try:
            process = subprocess.Popen(
                [sys.executable, str(CHILD)]
                + [str(request_path), str(result_path), str(write_fd), str(life_read)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd, life_read),
                start_new_session=True,
            )
        except BaseException:
            os.close(life_write)
            raise
        finally:
            os.close(write_fd)
            os.close(life_read)
        status = _Status(read_fd)
        assert process.stdout is not None
        output = _Output(process.stdout)
        outcome = "ended"
        place = None
        try:
            started = time.monotonic()
            while not status.ready.wait(POLL) and not cancelled():
                if time.monotonic() - started > STARTUP_LIMIT:
                    break
            deadline = time.monotonic() + timeout
            shown = ""
            while process.poll() is None:
                if cancelled():
                    outcome = "cancelled"
                    break
                if status.last != shown and on_status is not None:
                    shown = status.last
                    on_status(shown)
                left = deadline - time.monotonic()
                if left <= 0:
                    outcome = "timeout"
                    os.kill(process.pid, signal.SIGUSR1)  # faulthandler: where is it?
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(TRACE_WAIT)
                    place = _place(trace, learner)
                    break
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(min(left, POLL))
        finally:
            _end(process)
            os.close(life_write)
        status.thread.join(timeout=1.0)
        if outcome == "cancelled":
            output.text()  # the drain thread ends with the process's output
            raise CheckCancelled("the check was cancelled")
        seconds = time.monotonic() - start
        text = output.text()
        if outcome != "timeout" and process.returncode == 0 and result_path.exists():
            with open(result_path, "rb") as handle:
                report = pickle.load(handle)
            return ChildRun(
                report["status"], report, text, status.last, status.class_name, None, 0, seconds
            )
        return ChildRun(
            outcome, {}, text, status.last, status.class_name, place, process.returncode, seconds
        )
