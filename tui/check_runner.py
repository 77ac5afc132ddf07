"""A learner's check in the app (``backprop-lab --check FILE.py``): their code run in a worker
thread, their file watched for changes.

The check itself is :func:`mlp.labcheck.check_file` (their code in a child process with a time
limit); here it runs in a thread worker, so the app never waits on it, and its result arrives
as a :class:`~tui.messages.CheckFinished` message. A second thread worker looks at the file's
modification time, size and inode every ``POLL_SECONDS`` (no new dependency: a save, an
editor's write-and-rename, a delete all change them) and posts
:class:`~tui.messages.LearnerFileChanged`. A newer check cancels the one still running, whose
result is then dropped: the learner saved again, or changed the settings.
"""

from __future__ import annotations

import os
import threading
from functools import partial
from pathlib import Path

from textual.app import App
from textual.worker import Worker, get_current_worker

from mlp import RunConfig
from mlp.labcheck import CheckCancelled, CheckInputError, CheckResult, check_file

from .check_view import CheckRequest, CheckState
from .messages import CheckFinished, CheckProgress, LearnerFileChanged

POLL_SECONDS = 0.5

Stamp = tuple[int, int, int] | None


def file_stamp(path: Path) -> Stamp:
    """What changes when the file is saved: its modification time, size and inode (None when
    it is not there)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class LearnerCheck:
    """Runs the learner's check for the trainer's settings and watches their file."""

    def __init__(self, app: App, request: CheckRequest) -> None:
        self.app = app
        self.request = request
        self.state = CheckState(request)
        self.config: RunConfig | None = None  # the settings of the latest check started
        self.generation = 0  # of the latest check started: older results are dropped
        self.worker: Worker | None = None
        self.watcher: Worker | None = None
        self._cancel = threading.Event()
        self._stop_watching = threading.Event()

    def start(self, config: RunConfig) -> None:
        """The first check, and the watch on the file from its state now."""
        stamp = file_stamp(self.request.file)
        self.run(config)
        self.watcher = self.app.run_worker(
            partial(self._watch, stamp),
            name="check-watcher",
            group="check-watcher",
            thread=True,
            exit_on_error=False,
        )

    def run(self, config: RunConfig) -> None:
        """Check the file for ``config``, cancelling a check still running."""
        self._cancel.set()
        self._cancel = cancel = threading.Event()
        self.generation += 1
        self.config = config
        self.state = self.state.started()
        self.worker = self.app.run_worker(
            partial(self._check, self.generation, config, cancel),
            name="check",
            group="check",
            thread=True,
            exit_on_error=False,
        )

    def _check(self, generation: int, config: RunConfig, cancel: threading.Event) -> None:
        app, request = self.app, self.request

        def on_status(where: str) -> None:
            app.post_message(CheckProgress(generation, where))

        outcome: CheckResult | str
        try:
            outcome = check_file(
                request.file,
                config,
                steps=request.steps,
                class_name=request.class_name,
                timeout=request.timeout,
                on_status=on_status,
                cancel=cancel,
            )
        except CheckCancelled:
            return
        except CheckInputError as exc:
            outcome = str(exc)
        except Exception as exc:  # noqa: BLE001 - a failure of ours must not end the app
            outcome = f"the check itself failed ({type(exc).__name__}: {exc})"
        app.post_message(CheckFinished(generation, outcome))

    # -- messages from the threads (the app hands them over) ----------------------------

    def progress(self, message: CheckProgress) -> bool:
        """Note where their code is; False for an out-of-date check."""
        if message.generation != self.generation:
            return False
        self.state = self.state.progress(message.where)
        return True

    def finished(self, message: CheckFinished) -> bool:
        """Take a check's outcome; False for an out-of-date check."""
        if message.generation != self.generation:
            return False
        self.state = self.state.finished(message.outcome)
        return True

    def file_gone(self) -> None:
        self._cancel.set()
        self.generation += 1  # whatever was running is out of date
        self.state = self.state.file_missing()

    # -- the watcher ------------------------------------------------------------------------

    def _watch(self, stamp: Stamp) -> None:
        worker = get_current_worker()
        while not self._stop_watching.wait(POLL_SECONDS) and not worker.is_cancelled:
            now = file_stamp(self.request.file)
            if now != stamp:
                stamp = now
                self.app.post_message(LearnerFileChanged(now is not None))

    def stop_watching(self) -> None:
        self._stop_watching.set()
        if self.watcher is not None:
            self.watcher.cancel()

    def stop(self) -> None:
        """End the check and the watch (the app is closing): no thread is left waiting."""
        self._cancel.set()
        self.stop_watching()
        if self.worker is not None:
            self.worker.cancel()
