"""Writing a file so that it is either the old file or the whole new one, and nothing else.

The data goes to a temporary file of a unique name in the target's folder (the same file
system, so the rename is atomic), is flushed and fsynced, then renamed over the target and
the folder fsynced: a crash, a power cut or kill -9 at any moment leaves the old file or the
new one. Any failure or interruption removes the temporary file; one left by a process that
was killed (kill -9 cannot be caught) is removed by the next write to the same target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"
_NAME_PART = 100  # of the target's name in the temporary one, which must not grow too long


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` with ``write(file)``; on any failure ``path`` is as it was."""
    path = Path(path)
    folder = path.parent
    _remove_orphans(path)
    fd, temp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, _mode_for(path))
        os.replace(temp, path)
    except BaseException:  # KeyboardInterrupt too: no debris, whatever stopped the write
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(folder)


def _temp_prefix(path: Path) -> str:
    # The pid tells a later write whether the process that made the file is still alive.
    return f".{path.name[:_NAME_PART]}.{os.getpid()}."


def _remove_orphans(path: Path) -> None:
    """Remove temporary files of ``path`` whose writer no longer runs (it was killed)."""
    stem = f".{path.name[:_NAME_PART]}."
    try:
        candidates = [p for p in path.parent.iterdir() if p.name.startswith(stem)]
    except OSError:
        return
    for candidate in candidates:
        rest = candidate.name[len(stem) :]
        pid_text, _, tail = rest.partition(".")
        if not (pid_text.isdigit() and tail.endswith(TEMP_SUFFIX.lstrip("."))):
            continue
        if int(pid_text) != os.getpid() and not _running(int(pid_text)):
            with contextlib.suppress(OSError):
                candidate.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: alive
        return True
    return True


def _mode_for(path: Path) -> int:
    """Keep an overwritten file's permissions; a new file gets the usual 0666 less umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux says it without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
