"""Save and load a run: config, weights, optimizer state, epoch and history.

One ``.npz`` holding plain float arrays plus a JSON metadata string, read with
``allow_pickle=False`` so a foreign file cannot run code.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from . import budget
from .archive import ArchiveError, check_members, check_regular_file
from .atomic import write_atomically
from .config import ConfigError, RunConfig
from .datasets import Dataset, make
from .errors import RunFileError
from .history import History
from .network import Array
from .runcheck import check_run
from .state import TrainerState
from .trainer import Trainer

FORMAT = "backprop-lab-run"
VERSION = 1


def target_path(path: str | Path) -> Path:
    """Where :func:`save` writes ``path``: with ``.npz`` added unless it ends so."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    return path


def save(trainer: Trainer, path: str | Path) -> Path:
    """Write the run to ``path`` (atomically: a crash never leaves half a file)."""
    path = target_path(path)
    state = trainer.state()
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "config": trainer.config.to_dict(),
        "dataset": trainer.dataset.name,
        "epoch": state.epoch,
        "optimizer_steps": state.optimizer_steps,
        "history_stride": trainer.history.stride,
        # Where the epoch had got to, so that mini-batch runs resume with the same batches.
        "batch_index": state.batch_index,
        "shuffle_state": dict(state.shuffle_state),
        "epoch_loss_sum": state.epoch_loss_sum,
        "last_epoch_loss": _finite_or_none(state.last_epoch_loss),
        # Added after version 1's first files; readers of those ignore it.
        "first_epoch_at_100": state.first_epoch_at_100,
    }
    arrays: dict[str, Any] = {
        "order": state.batch_order,
        "params": state.params,
        "x": trainer.dataset.x,
        "label": trainer.dataset.label,
        **{f"optimizer_{k}": v for k, v in state.optimizer_state.items()},
        **{f"history_{k}": v for k, v in trainer.history.state().items()},
    }
    write_atomically(path, lambda fh: np.savez(fh, meta=np.array(json.dumps(meta)), **arrays))
    return path


def load(path: str | Path) -> Trainer:
    """Rebuild a trainer exactly where the saved run stopped (at the start of its pass)."""
    path = Path(path)
    if not path.exists():
        raise RunFileError(f"{path}: no such file")
    _check_archive(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise RunFileError(f"{path}: not a backprop-lab run file ({_short(exc)})") from None
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except (KeyError, json.JSONDecodeError):
        raise RunFileError(f"{path}: not a backprop-lab run file (no metadata)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RunFileError(f"{path}: not a backprop-lab run file")
    if meta.get("version") != VERSION:
        raise RunFileError(
            f"{path}: saved by format version {meta.get('version')}, this backprop-lab reads "
            f"version {VERSION}"
        )
    try:
        config = RunConfig.from_dict(meta["config"]).validated()
        check_run(config, meta, arrays)  # consistent, before anything is built from it
        dataset = (
            make(config.dataset, n=config.n, seed=config.seed, noise=config.noise)
            if not config.dataset.lower().endswith(".csv")
            else None
        )
        sampler = dataset.sampler if dataset else None
        dataset = Dataset(
            meta.get("dataset", config.dataset), arrays["x"], arrays["label"], sampler
        )
        trainer = Trainer(config, dataset)
        trainer.restore(_saved_state(trainer.state(), meta, arrays))
        history = {
            k.removeprefix("history_"): v for k, v in arrays.items() if k.startswith("history_")
        }
        trainer.history = History.from_state(history, int(meta["history_stride"]))
    except ConfigError as exc:
        raise RunFileError(f"{path}: {exc}") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise RunFileError(f"{path}: damaged run file ({_short(exc)})") from None
    return trainer


def _check_archive(path: Path) -> None:
    """A regular file, a zip archive, and members whose headers fit the memory limit."""
    try:
        check_regular_file(path)
        # Else numpy guesses "pickle" and says so, confusingly.
        if not zipfile.is_zipfile(path):
            raise RunFileError(f"{path}: not a backprop-lab run file (not an .npz archive)")
        check_members(path, budget.limit())
    except ArchiveError as exc:
        raise RunFileError(f"{path}: not a run file this program can read ({exc})") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise RunFileError(f"{path}: cannot read it ({_short(exc)})") from None


def _finite_or_none(value: float) -> float | None:
    return value if np.isfinite(value) else None  # JSON has no NaN


def _saved_state(
    fresh: TrainerState, meta: dict[str, Any], arrays: dict[str, Array]
) -> TrainerState:
    """The state a file describes, over a fresh trainer's for what older files lack.

    Files saved before the batch order was kept start their epoch afresh; files saved
    before ``first_epoch_at_100`` was kept know it only from the epoch they were saved at.
    """
    optimizer_state = {
        k.removeprefix("optimizer_"): v for k, v in arrays.items() if k.startswith("optimizer_")
    }
    position = "order" in arrays and "shuffle_state" in meta
    last_loss = meta.get("last_epoch_loss")
    first = meta.get("first_epoch_at_100")
    return TrainerState.copy_of(
        params=arrays["params"],
        optimizer_state=optimizer_state,
        optimizer_steps=int(meta.get("optimizer_steps", 0)),
        epoch=int(meta["epoch"]),
        batch_index=int(meta.get("batch_index", 0)) if position else 0,
        batch_order=arrays["order"] if position else fresh.batch_order,
        shuffle_state=meta["shuffle_state"] if position else fresh.shuffle_state,
        epoch_loss_sum=float(meta.get("epoch_loss_sum", 0.0)) if position else 0.0,
        last_epoch_loss=float("nan") if last_loss is None else float(last_loss),
        divergence=None,
        first_epoch_at_100=None if first is None else int(first),
    )


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 80 else text[:77] + "..."
