"""A run file's arrays and metadata agree with each other and with its config.

A file can be well-formed and still describe an impossible run: a history stride of 0 (a
division by zero later), a batch order that indexes past the data (an IndexError later),
points with three coordinates, a label of 7, NaN inputs, epoch −50. :func:`check_run` looks
at everything :func:`mlp.runfile.load` will use, before a trainer is built, and raises
ValueError with a few words naming the first problem.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import budget
from .config import RunConfig
from .history import History

Array = np.ndarray
OPTIMIZER_STATE = {
    "gd": (),
    "momentum": ("velocity",),
    "nesterov": ("velocity",),
    "adam": ("m", "v"),
}
HISTORY_CAPACITY = History().capacity


def check_run(config: RunConfig, meta: dict[str, Any], arrays: dict[str, Array]) -> None:
    """Raise ValueError naming the first way the saved run is inconsistent."""
    x, label = _array(arrays, "x"), _array(arrays, "label")
    rows = _points(x, label)
    budget.check(config, rows=rows)
    n_params = budget.parameters((x.shape[1], *config.hidden, label.shape[1]), config.bias)
    _floats(arrays, "params", (n_params,), finite=False)
    optimizer = config.optimizer if config.optimizer in OPTIMIZER_STATE else None
    expected = set(OPTIMIZER_STATE.get(optimizer or "", ()))
    found = {k.removeprefix("optimizer_") for k in arrays if k.startswith("optimizer_")}
    if optimizer is not None and found != expected:
        raise ValueError(f"the {config.optimizer} optimizer's state is not what was saved")
    for key in found:
        _floats(arrays, f"optimizer_{key}", (n_params,), finite=False)
    epoch = _whole(meta, "epoch", 0)
    if "optimizer_steps" in meta:
        _whole(meta, "optimizer_steps", 0)
    stride = _whole(meta, "history_stride", 1)
    if stride & (stride - 1):
        raise ValueError(f"a history stride of {stride} is not a power of two")
    _history(arrays, epoch)
    if "order" in arrays:
        order = arrays["order"]
        if order.dtype.kind not in "iu" or order.shape != (rows,):
            raise ValueError("the batch order does not match the data")
        if not np.array_equal(np.sort(order), np.arange(rows)):
            raise ValueError("the batch order is not an order of the points")
    batch = min(config.batch_size or rows, rows)
    batches = math.ceil(rows / batch)
    index = _whole(meta, "batch_index", 0) if "batch_index" in meta else 0
    if index >= batches:
        raise ValueError(f"batch {index} does not exist in an epoch of {batches} batches")
    for key in ("epoch_loss_sum", "last_epoch_loss"):
        value = meta.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"{key} is not a number")
    if "shuffle_state" in meta and not isinstance(meta["shuffle_state"], dict):
        raise ValueError("the shuffle state is not a generator's state")
    first = meta.get("first_epoch_at_100")
    if first is not None and (isinstance(first, bool) or not isinstance(first, int) or first < 0):
        raise ValueError(f"first_epoch_at_100 must be a whole number, got {first!r}")


def _array(arrays: dict[str, Array], key: str) -> Array:
    if key not in arrays:
        raise KeyError(key)
    return arrays[key]


def _points(x: Array, label: Array) -> int:
    if x.dtype.kind != "f" or x.ndim != 2 or x.shape[1] != 2 or len(x) < 1:
        raise ValueError(f"the points must be real numbers in 2 columns, got {x.dtype} {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("the points must be finite numbers")
    if label.dtype.kind not in "fiub" or label.shape != (len(x), 1):
        raise ValueError(f"the labels must be one column of {len(x)}, got shape {label.shape}")
    if not np.isin(label, (0, 1)).all():
        bad = label[~np.isin(label, (0, 1))][0]
        raise ValueError(f"the labels must be 0 or 1, found {bad:g}")
    return len(x)


def _floats(arrays: dict[str, Array], key: str, shape: tuple[int, ...], finite: bool) -> Array:
    value = _array(arrays, key)
    if value.dtype.kind != "f" or value.shape != shape:
        raise ValueError(f"{key} has shape {value.shape}, the network needs {shape}")
    if finite and not np.isfinite(value).all():
        raise ValueError(f"{key} holds values that are not finite")
    return value


def _whole(meta: dict[str, Any], key: str, minimum: int) -> int:
    value = meta[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{key} must be a whole number of at least {minimum}, got {value!r}")
    return value


def _history(arrays: dict[str, Array], epoch: int) -> None:
    epochs = _array(arrays, "history_epoch")
    n = len(epochs) if epochs.ndim == 1 else -1
    if epochs.dtype.kind not in "iu" or n < 0 or n > HISTORY_CAPACITY:
        raise ValueError("the history's epochs are not a list of whole numbers")
    for key in ("history_loss", "history_accuracy"):
        value = _array(arrays, key)
        if value.dtype.kind != "f" or value.shape != (n,):
            raise ValueError(f"{key} does not match the history's epochs")
    if n and (epochs[0] < 1 or epochs[-1] > epoch or (np.diff(epochs) <= 0).any()):
        raise ValueError(f"the history's epochs are not rising from 1 up to epoch {epoch}")
