"""Which lessons a learner has finished, kept between runs in the user's state folder.

The folder is platformdirs' user state directory: ``$XDG_STATE_HOME/backprop-lab`` (else
``~/.local/state/backprop-lab``) on Linux, ``~/Library/Application Support/backprop-lab`` on
macOS, ``%LOCALAPPDATA%\\backprop-lab`` on Windows. A missing, unreadable or malformed file
means "nothing done yet": progress is a convenience and must never stop a lesson from opening.

Several app windows (or SSH sessions) may finish lessons at once, so a change is a
read-merge-write under a lock file, written to a unique temporary file and renamed over the
old one: no mark is lost and no reader ever sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from platformdirs import user_state_dir

APP_DIR = "backprop-lab"
FILE_NAME = "progress.json"
LOCK_NAME = "progress.lock"
MAX_BYTES = 1024 * 1024  # a progress file larger than this is not ours: ignore it


def state_dir() -> Path:
    return Path(user_state_dir(APP_DIR, appauthor=False))


def progress_path() -> Path:
    return state_dir() / FILE_NAME


def _read() -> dict:
    path = progress_path()
    try:
        if path.stat().st_size > MAX_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        return {}
    return data if isinstance(data, dict) else {}


def _names(data: dict) -> set[str]:
    done = data.get("done", [])
    return {name for name in done if isinstance(name, str)} if isinstance(done, list) else set()


def done_lessons() -> set[str]:
    return _names(_read())


def is_done(name: str) -> bool:
    return name in done_lessons()


def mark_done(name: str, done: bool = True) -> bool:
    """Record ``name`` as done (or not); False if the state folder is not writable."""
    path = progress_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path.parent / LOCK_NAME):
            data = _read()  # under the lock: another process's marks are kept
            names = _names(data) | {name} if done else _names(data) - {name}
            data["done"] = sorted(names)
            _write_atomically(path, json.dumps(data, indent=2) + "\n")
    except OSError:
        return False
    return True


def _write_atomically(path: Path, text: str) -> None:
    """A unique temporary file in the same folder, renamed over ``path``."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """An exclusive lock between processes, held while the block runs."""
    with open(lock_path, "a+b") as lock:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            lock.seek(0)
            msvcrt.locking(lock.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                lock.seek(0)
                msvcrt.locking(lock.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
