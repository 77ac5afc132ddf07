"""backprop-lab's state folder: what it keeps for a learner between runs.

``$XDG_STATE_HOME/backprop-lab/`` (default ``~/.local/state/backprop-lab/``) holds:

- ``progress.json``: the lessons finished (:mod:`lessons.progress`);
- ``rescued/``: runs that could not be saved where ``--save`` asked (a full disk, a folder
  removed mid-run), kept under a dated name so that a finished run is never lost;
- ``session/``: the app's kept session (its run, settings and lesson position, ``run.npz``
  beside ``session.json``: see :mod:`tui.session`), kept when the app ends with unsaved work
  or its terminal goes away, so that the next start can offer to resume it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

from lessons.progress import state_dir

RESCUED = "rescued"
SESSION = "session"


def folder(name: str) -> Path:
    """A sub-folder of the state folder, created if need be (OSError if it cannot be)."""
    path = state_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def rescue_paths(stem: str) -> list[Path]:
    """Where to keep a run that could not be saved where asked, best first: the state
    folder's ``rescued/``, then the system's temporary folder."""
    name = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.npz"
    places = []
    with contextlib.suppress(OSError):
        places.append(folder(RESCUED) / name)
    places.append(Path(tempfile.gettempdir()) / f"backprop-lab-{name}")
    return places
