"""Which lessons a learner has finished, kept between runs in the XDG state directory.

``$XDG_STATE_HOME/backprop-lab/progress.json``, else ``~/.local/state/backprop-lab/``.
A missing or unreadable file means "nothing done yet": progress is a convenience and must
never stop a lesson from opening.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

APP_DIR = "backprop-lab"
FILE_NAME = "progress.json"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME", "").strip()
    # The XDG spec says relative paths are invalid and must be ignored.
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / APP_DIR


def progress_path() -> Path:
    return state_dir() / FILE_NAME


def _read() -> dict:
    try:
        data = json.loads(progress_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def done_lessons() -> set[str]:
    done = _read().get("done", [])
    return {name for name in done if isinstance(name, str)} if isinstance(done, list) else set()


def is_done(name: str) -> bool:
    return name in done_lessons()


def mark_done(name: str, done: bool = True) -> bool:
    """Record ``name`` as done (or not); False if the state directory is not writable."""
    data = _read()
    names = done_lessons() | {name} if done else done_lessons() - {name}
    data["done"] = sorted(names)
    path = progress_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)  # atomic: a crash never leaves half a file
    except OSError:
        return False
    return True
