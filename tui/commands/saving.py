"""``--save`` and ``--checkpoint-every``: a run is never lost to a bad path, a full disk or a
dropped connection.

The path is checked before training starts (the folder exists and takes a new file, the name
is not too long, it is not a folder or a device), so that a mistake costs a sentence, not an
hour of training. The run is written atomically (:mod:`mlp.atomic`): a checkpoint every N
epochs or every so many minutes while training, and the final save. If the final save still
fails, the run goes to the state folder's ``rescued/`` (or the temporary folder) and the
report says where.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from mlp import Trainer

NAME_MAX = 255  # bytes of a file name on most file systems, when the system does not say
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


def check_target(text: str) -> Path:
    """The file ``--save`` will write, refused up front (UsageError) if it cannot be."""
    from mlp.runfile import target_path

    if not text.strip() or Path(text).name in ("", ".", ".."):
        raise UsageError("--save needs a file name, e.g. --save run.npz")
    path = target_path(text)
    folder = path.parent
    try:
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise UsageError(f"cannot save to {path}: the folder {folder} {what}")
        limit = _name_max(folder)
        size = len(os.fsencode(path.name))
        if size > limit:
            raise UsageError(
                f"cannot save to {path.name[:16]}...: the name is {size} bytes long and this "
                f"file system allows at most {limit}"
            )
        if path.is_dir():
            raise UsageError(f"{path} is a folder: give --save a file name, e.g. {path}/run.npz")
        if path.exists() and not path.is_file():
            raise UsageError(f"{path} exists and is not a regular file: save somewhere else")
        _probe(folder)
    except OSError as exc:
        raise UsageError(f"cannot save to {path}: {_reason(exc)}") from None
    return path


def _probe(folder: Path) -> None:
    """The only sure test of a writable folder: make a file there (and remove it)."""
    import tempfile

    fd, probe = tempfile.mkstemp(prefix=".backprop-lab-probe.", dir=folder)
    os.close(fd)
    os.unlink(probe)


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return NAME_MAX


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


@dataclass(frozen=True)
class SaveOutcome:
    """Where the run is, and why it is not where it was asked to be (None if it is)."""

    path: Path | None
    error: str | None = None

    @property
    def rescued(self) -> bool:
        return self.path is not None and self.error is not None


def save_or_rescue(trainer: Trainer, path: Path) -> SaveOutcome:
    """Save to ``path``; if that fails, to the state folder's ``rescued/`` (or the temporary
    folder). Signals are the caller's to hold off: see ``stop_on_signals``."""
    import mlp

    try:
        return SaveOutcome(mlp.save(trainer, path))
    except (OSError, ValueError) as exc:
        error = f"could not save to {path}: {_reason(exc)}"
    from .. import state_folder

    for place in state_folder.rescue_paths(path.stem):
        with contextlib.suppress(OSError, ValueError):
            return SaveOutcome(mlp.save(trainer, place), error)
    return SaveOutcome(None, error)


@dataclass(frozen=True)
class Interval:
    """Every so many epochs, or every so many seconds."""

    epochs: int | None = None
    seconds: float | None = None

    def __str__(self) -> str:
        if self.epochs is not None:
            return f"{self.epochs:,} epochs"
        return f"{self.seconds:g} s"


def interval(text: str) -> Interval:
    """'1000' (epochs), '30s', '5m', '1.5h' -> Interval; argparse's type for the option."""
    text = text.strip()
    if text.isdigit():
        if int(text) < 1:
            raise argparse.ArgumentTypeError("expected at least 1 epoch, got 0")
        return Interval(epochs=int(text))
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a number of epochs (1000) or a duration (30s, 5m, 1h), got {text!r}"
        )
    return Interval(seconds=float(match.group(1)) * _SECONDS[match.group(2).lower()])


class Checkpoints:
    """Saves the run to ``path`` while it trains, every ``every`` epochs or seconds."""

    def __init__(self, every: Interval, path: Path) -> None:
        self.every, self.path = every, path
        self.written = 0
        self.error: str | None = None
        self._next_time = time.monotonic() + (every.seconds or 0.0)

    def next_epoch(self, epoch: int) -> int | None:
        """The next epoch after ``epoch`` at which to write (None when by time)."""
        step = self.every.epochs
        return None if step is None else (epoch // step + 1) * step

    def due(self, epoch: int) -> bool:
        if self.every.epochs is not None:
            return epoch > 0 and epoch % self.every.epochs == 0
        return time.monotonic() >= self._next_time

    def time_is_up(self) -> bool:
        """For a duration: whether training should pause for a checkpoint now."""
        return self.every.seconds is not None and time.monotonic() >= self._next_time

    def write(self, trainer: Trainer) -> str | None:
        """Save now; a failure (a sentence, returned once) leaves training going."""
        import mlp

        try:
            mlp.save(trainer, self.path)
        except (OSError, ValueError) as exc:
            first = self.error is None
            self.error = f"could not write a checkpoint to {self.path}: {_reason(exc)}"
            return self.error if first else None
        finally:
            self._next_time = time.monotonic() + (self.every.seconds or 0.0)
        self.written += 1
        self.error = None
        return None
