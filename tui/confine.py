"""Under ``serve``, the page may save runs into one folder and read or write nothing else.

``backprop-lab serve`` starts each browser session's app with ``BACKPROP_LAB_RUNS_FOLDER``
naming its runs folder. In such a session the save dialog takes a plain file name, saves it
in that folder and never over an existing run, and the settings accept only the built-in
datasets (a CSV path would read any file the server can). Outside ``serve`` nothing changes.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlp.errors import DatasetError
from mlp.names import DATASETS

ENV = "BACKPROP_LAB_RUNS_FOLDER"


def runs_folder() -> Path | None:
    """The folder this session may save into, or None when not confined."""
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def environment(folder: Path) -> str:
    """The shell assignment that confines a session's app to ``folder``."""
    import shlex

    return f"{ENV}={shlex.quote(str(folder))}"


def save_target(text: str) -> Path:
    """Where the save dialog's ``text`` saves to; ValueError (one sentence) if not allowed."""
    folder = runs_folder()
    if folder is None:
        return Path(text)
    from mlp.runfile import target_path

    name = text.strip()
    if not name or any(sep in name for sep in ("/", "\\")) or name.startswith("."):
        raise ValueError(
            "type a file name only, e.g. run.npz: runs are saved in the server's runs folder"
        )
    target = folder / target_path(name).name
    if target.exists():
        raise ValueError(f"a run named {target.name} is already saved there; choose another name")
    return target


def check_dataset(name: str) -> None:
    """Refuse a dataset file in a confined session (DatasetError, one sentence)."""
    if runs_folder() is None:
        return
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in (*DATASETS, "xor_easy"):
        raise DatasetError(
            f"this server offers the built-in datasets only ({', '.join(DATASETS)}), not files"
        )
