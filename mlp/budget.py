"""How much memory a run needs, checked against a budget before anything is allocated.

A network of 2-100000-100000-1 asks for tens of GiB; numpy would try, and the process would
die with a MemoryError or take the machine down. :func:`check` estimates every array a run
allocates (weights, gradients, optimizer state, every tape buffer, the undo stack, the data,
evaluation and the decision grid) and refuses, in one sentence naming the size and the limit,
what does not fit the budget: a share of this machine's memory unless :func:`set_limit` says
otherwise. It also caps the depth.

Pure arithmetic on the settings: no numpy here, so the command line can read the defaults
without loading it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError
from .names import DATASETS

if TYPE_CHECKING:
    from .config import RunConfig

FLOAT = 8  # bytes in a float64
DEFAULT_SHARE = 0.5  # of physical memory, when no limit is set
UNKNOWN_MEMORY = 4 * 2**30  # assumed when the machine does not say
MAX_HIDDEN_LAYERS = 100
# Network.forward evaluates at most this many values per layer at once (in row chunks), so
# that accuracy on many points and the decision grid stay small whatever the width.
FORWARD_CHUNK_VALUES = 2**21
GRID_POINTS = 100 * 100  # the largest decision grid drawn (app or terminal)
HISTORY_BYTES = 4096 * 3 * FLOAT
# The undo stack keeps trainer states within this many bytes (and always the latest one):
# mlp.state.UNDO_BUDGET, written out here to keep this module free of numpy (a test holds
# them equal).
UNDO_BYTES = 64 * 2**20
XOR_POINTS = 21
MIN_CSV_ROW_BYTES = 6  # "0,0,0\n": no data row is shorter
MAX_CSV_ROWS = 1_000_000
MAX_CSV_BYTES = 64 * 2**20
# Arrays shaped like the parameters that each optimizer keeps: its state (saved, undone) and
# its scratch space.
OPTIMIZER_STATE = {"gd": 0, "momentum": 1, "nesterov": 1, "adam": 2}
OPTIMIZER_SCRATCH = {"gd": 1, "momentum": 1, "nesterov": 1, "adam": 2}

_limit: int | None = None


@dataclass(frozen=True)
class Estimate:
    """Bytes a run needs, by what needs them."""

    parts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.parts.values())

    @property
    def largest(self) -> str:
        return max(self.parts, key=lambda part: self.parts[part])


def physical_memory() -> int:
    """This machine's memory (or the container's limit, if lower); a guess if unknown."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        total = UNKNOWN_MEMORY
    with contextlib.suppress(OSError, ValueError):
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if text != "max":
            total = min(total, int(text))
    return max(int(total), 1)


def limit() -> int:
    """The budget in bytes: what :func:`set_limit` said, or a share of the memory."""
    return _limit if _limit is not None else int(physical_memory() * DEFAULT_SHARE)


def set_limit(limit_bytes: int | None) -> None:
    """Use ``limit_bytes`` as the budget from now on (None: back to the default share)."""
    global _limit
    if limit_bytes is not None and limit_bytes < 1:
        raise ValueError("a memory limit must be positive")
    _limit = limit_bytes


@contextlib.contextmanager
def limited(limit_bytes: int | None) -> Iterator[None]:
    """The budget as ``limit_bytes`` inside the block (tests, one command's run)."""
    before = _limit
    set_limit(limit_bytes)
    try:
        yield
    finally:
        set_limit(before)


def size_text(n_bytes: float) -> str:
    """1536 -> '1.5 KiB'; the way memory is counted."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n_bytes < 1024 or unit == "PiB":
            return f"{n_bytes:,.0f} bytes" if unit == "bytes" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    raise AssertionError("unreachable")


def rows_of(config: RunConfig) -> int:
    """How many training points the config's dataset has (at most, for a CSV file)."""
    key = config.dataset.strip().lower().replace("-", "_").replace(" ", "_")
    if key in ("xor", "xor_easy"):
        return XOR_POINTS
    if key in DATASETS:
        return config.n
    try:  # a CSV file: bounded by its size (the reader refuses more than MAX_CSV_ROWS)
        size = Path(config.dataset).stat().st_size
    except (OSError, ValueError):
        return 0  # not readable: reading it fails with its own message
    return min(MAX_CSV_ROWS, size // MIN_CSV_ROW_BYTES + 1)


def parameters(sizes: Sequence[int], bias: bool) -> int:
    return sum(a * b + (b if bias else 0) for a, b in zip(sizes, sizes[1:], strict=False))


def forward_bytes(sizes: Sequence[int], rows: int) -> int:
    """Network.forward on ``rows`` points, a chunk of rows at a time: the input and output,
    and per layer its input, Z, A and the activation's scratch."""
    widest = max(sizes)
    chunk = min(rows, max(1, FORWARD_CHUNK_VALUES // widest))
    return (rows * (sizes[0] + sizes[-1]) + 4 * chunk * widest) * FLOAT


def tape_bytes(sizes: Sequence[int], activations: Sequence[str], rows: int, n_params: int) -> int:
    """One tape: X, label, residual, Z, A, σ', ∂L/∂Z, ∂L/∂A and scratch per layer, gradients."""
    per_row = sizes[0] + 2 * sizes[-1]
    for size, act in zip(sizes[1:], activations, strict=False):
        per_row += size * (4 if act == "none" else 6)
    return (rows * per_row + n_params) * FLOAT


def estimate(config: RunConfig, rows: int | None = None) -> Estimate:
    """What a Trainer of ``config`` allocates, on ``rows`` points (default: the dataset's)."""
    rows = rows_of(config) if rows is None else rows
    sizes = config.sizes
    n_params = parameters(sizes, config.bias)
    state = OPTIMIZER_STATE.get(config.optimizer, 2)
    scratch = OPTIMIZER_SCRATCH.get(config.optimizer, 2)
    batch = min(config.batch_size or rows, rows) if rows else 0
    tapes = tape_bytes(sizes, config.activations, batch, n_params)
    if batch and rows % batch:  # the last, shorter batch of an epoch has a tape of its own
        tapes += tape_bytes(sizes, config.activations, rows % batch, n_params)
    snapshot = (n_params * (1 + state) + rows) * FLOAT  # weights, optimizer, batch order
    return Estimate(
        {
            "the weights and optimizer state": n_params * (1 + state + scratch) * FLOAT,
            "the tape's buffers": tapes,
            "the undo stack": UNDO_BYTES + snapshot,  # the budget, overshot by one state
            "the data": rows * (sizes[0] + sizes[-1]) * FLOAT * 2 + rows * 2,
            "evaluation and the decision grid": forward_bytes(sizes, rows)
            + forward_bytes(sizes, GRID_POINTS),
            "the history": HISTORY_BYTES,
        }
    )


def points_bytes(config: RunConfig, points: int) -> int:
    """Drawing and evaluating ``points`` fresh points (the lab's 3.D test)."""
    return forward_bytes(config.sizes, points) + points * FLOAT * 2


def check_depth(config: RunConfig) -> None:
    if len(config.hidden) > MAX_HIDDEN_LAYERS:
        raise ConfigError(
            f"{len(config.hidden)} hidden layers is more than this lab builds (at most "
            f"{MAX_HIDDEN_LAYERS}); gradients through so many sigmoid layers vanish long before"
        )


def check(config: RunConfig, rows: int | None = None, extra: int = 0) -> Estimate:
    """Refuse ``config`` (ConfigError, one sentence) if it is too deep or needs more memory
    than the budget, with ``extra`` bytes needed besides; else return the estimate."""
    check_depth(config)
    needed = estimate(config, rows)
    refuse_over(needed.total + extra, f"a {_shape(config)} network", needed.largest)
    return needed


def check_many(configs: Sequence[RunConfig]) -> int:
    """Runs trained side by side (``compare``): each trainer, and its copy in the stack."""
    for config in configs:
        check_depth(config)
    total = sum(2 * estimate(config).total for config in configs)
    refuse_over(total, f"{len(configs)} runs side by side", None)
    return total


def refuse_over(needed: int, what: str, mostly: str | None) -> None:
    budget = limit()
    if needed <= budget:
        return
    where = f", mostly {mostly}" if mostly else ""
    source = (
        f"{DEFAULT_SHARE:.0%} of this machine's {size_text(physical_memory())}"
        if _limit is None
        else "as set"
    )
    raise ConfigError(
        f"{what} needs about {size_text(needed)} of memory{where}, more than the limit of "
        f"{size_text(budget)} ({source})"
    )


def _shape(config: RunConfig) -> str:
    sizes = config.sizes
    if len(sizes) <= 8:
        return "-".join(map(str, sizes))
    return f"{sizes[0]}-{sizes[1]}-...-{sizes[-2]}-{sizes[-1]} ({len(config.hidden)} hidden layers)"
