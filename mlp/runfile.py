"""Save and load a run: config, weights, optimizer state, epoch and history.

One ``.npz`` holding plain float arrays plus a JSON metadata string, read with
``allow_pickle=False`` so a foreign file cannot run code.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from . import budget
from .archive import ArchiveError, check_members, check_regular_file
from .atomic import write_atomically
from .config import ConfigError, RunConfig
from .errors import RunFileError
from .history import History
from .runcheck import check_run
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
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "config": trainer.config.to_dict(),
        "dataset": trainer.dataset.name,
        "epoch": trainer.epoch,
        "optimizer_steps": trainer.optimizer.steps,
        "history_stride": trainer.history.stride,
        # Where the epoch had got to, so that mini-batch runs resume with the same batches.
        "batch_index": trainer.batch_index,
        "shuffle_state": trainer._shuffle_rng.bit_generator.state,
        "epoch_loss_sum": trainer._epoch_loss_sum,
        "last_epoch_loss": _finite_or_none(trainer._last_epoch_loss),
    }
    arrays = {
        "order": trainer._order,
        "params": trainer.network.params,
        "x": trainer.dataset.x,
        "label": trainer.dataset.label,
        **{f"optimizer_{k}": v for k, v in trainer.optimizer.state().items()},
        **{f"history_{k}": v for k, v in trainer.history.state().items()},
    }
    write_atomically(path, lambda fh: np.savez(fh, meta=np.array(json.dumps(meta)), **arrays))
    return path


def load(path: str | Path) -> Trainer:
    """Rebuild a trainer exactly where the saved run stopped."""
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
        from .datasets import Dataset, make

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
        np.copyto(trainer.network.params, arrays["params"])
        state = {
            k.removeprefix("optimizer_"): v for k, v in arrays.items() if k.startswith("optimizer_")
        }
        trainer.optimizer.load_state(state, int(meta.get("optimizer_steps", 0)))
        trainer.epoch = int(meta["epoch"])
        history = {
            k.removeprefix("history_"): v for k, v in arrays.items() if k.startswith("history_")
        }
        trainer.history = History.from_state(history, int(meta["history_stride"]))
        _restore_position(trainer, meta, arrays)
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


def _restore_position(trainer: Trainer, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """The batch order and shuffle state (files without them start the epoch afresh)."""
    if meta.get("last_epoch_loss") is not None:
        trainer._last_epoch_loss = float(meta["last_epoch_loss"])
    if "order" not in arrays or "shuffle_state" not in meta:
        return
    order = arrays["order"]
    if order.shape != trainer._order.shape:
        raise ValueError("the batch order does not match the data")
    np.copyto(trainer._order, order)
    trainer._reorder()
    trainer._shuffle_rng.bit_generator.state = meta["shuffle_state"]
    trainer.batch_index = int(meta.get("batch_index", 0))
    trainer._epoch_loss_sum = float(meta.get("epoch_loss_sum", 0.0))
    trainer._load_batch()


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 80 else text[:77] + "..."
