"""Datasets: the lab's ``linear`` and ``XOR easy``, a few harder ones, and CSV files.

Every dataset is points in two dimensions with a 0/1 label, ``x`` of shape
(N, 2) and ``label`` of shape (N, 1) like the lab's arrays. Generated datasets
also know how to draw fresh points for the generalisation test (the lab's 3.D).
"""

from __future__ import annotations

import csv
import math
import stat
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .budget import MAX_CSV_BYTES, MAX_CSV_ROWS, size_text
from .errors import DatasetError

Array = np.ndarray
Sampler = Callable[[int, np.random.Generator], tuple[Array, Array]]


@dataclass(frozen=True)
class Dataset:
    name: str
    x: Array
    label: Array
    sampler: Sampler | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.x)

    def fresh(self, n: int, seed: int) -> tuple[Array, Array]:
        """Points the network has never seen, drawn like the training set."""
        if self.sampler is None:
            raise DatasetError(f"the {self.name} dataset cannot draw fresh points")
        return self.sampler(n, np.random.default_rng(seed))


def _column(label: npt.ArrayLike) -> Array:
    return np.asarray(label, dtype=np.float64).reshape(-1, 1)


def _linear_points(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    x = rng.uniform(0.0, 1.0, (n, 2))
    # The lab: label 0 if x1 > x2 else 1.
    return x, _column(x[:, 0] <= x[:, 1])


def linear(n: int = 100, seed: int = 0) -> Dataset:
    x, label = _linear_points(n, np.random.default_rng(seed))
    return Dataset("linear", x, label, _linear_points)


def xor_easy() -> Dataset:
    """The lab's 21 points: (0.1i, 0.1i) -> 0 and (0.1i, 1 − 0.1i) -> 1, interleaved."""
    points: list[tuple[float, float]] = []
    labels: list[int] = []
    for i in range(11):
        points.append((0.1 * i, 0.1 * i))
        labels.append(0)
        if 0.1 * i == 0.5:
            continue
        points.append((0.1 * i, 1 - 0.1 * i))
        labels.append(1)
    return Dataset("xor", np.array(points), _column(labels), _xor_points)


def _xor_points(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    """Fresh points on XOR easy's two diagonals (the crossing point left out)."""
    t = rng.uniform(0.0, 1.0, n)
    t[np.abs(t - 0.5) < 0.02] = 0.45
    label = rng.integers(0, 2, n)
    x = np.column_stack([t, np.where(label == 1, 1.0 - t, t)])
    return x, _column(label)


def _circle_points(noise: float) -> Sampler:
    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        x = rng.uniform(0.0, 1.0, (n, 2))
        r = np.hypot(x[:, 0] - 0.5, x[:, 1] - 0.5)
        label = r < 0.3
        x = np.clip(x + rng.normal(0.0, noise, x.shape), 0.0, 1.0)
        return x, _column(label)

    return sample


def _spiral_points(noise: float) -> Sampler:
    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        label = np.arange(n) % 2
        t = rng.uniform(0.0, 1.0, n)
        angle = 3.0 * math.pi * t + math.pi * label
        radius = 0.45 * t
        x = np.column_stack([0.5 + radius * np.cos(angle), 0.5 + radius * np.sin(angle)])
        return np.clip(x + rng.normal(0.0, noise, x.shape), 0.0, 1.0), _column(label)

    return sample


def _gauss_points(noise: float) -> Sampler:
    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        label = np.arange(n) % 2
        centre = np.where(label[:, None] == 1, 0.7, 0.3)
        x = centre + rng.normal(0.0, 0.1 + noise, (n, 2))
        return np.clip(x, 0.0, 1.0), _column(label)

    return sample


def _chessboard_points(noise: float, cells: int = 4) -> Sampler:
    def sample(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
        x = rng.uniform(0.0, 1.0, (n, 2))
        cell = np.floor(x * cells).astype(int)
        label = (cell[:, 0] + cell[:, 1]) % 2
        return np.clip(x + rng.normal(0.0, noise, x.shape), 0.0, 1.0), _column(label)

    return sample


GENERATED: dict[str, Callable[[float], Sampler]] = {
    "circle": _circle_points,
    "spiral": _spiral_points,
    "gauss": _gauss_points,
    "chessboard": _chessboard_points,
}

NAMES = ("linear", "xor", *GENERATED)


def make(name: str, n: int = 100, seed: int = 0, noise: float = 0.05) -> Dataset:
    """A dataset by name (``xor`` is the lab's XOR easy), or a CSV by path."""
    if not name.strip():
        raise DatasetError(f"no dataset named: choose one of {', '.join(NAMES)} or a .csv file")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in ("xor", "xor_easy"):
        return xor_easy()
    if n < 1:
        raise DatasetError(f"the number of points must be at least 1, got {n}")
    if key == "linear":
        return linear(n, seed)
    if key in GENERATED:
        sampler = GENERATED[key](noise)
        x, label = sampler(n, np.random.default_rng(seed))
        return Dataset(key, x, label, sampler)
    if name.lower().endswith(".csv") or Path(name).exists():
        return load_csv(name)
    raise DatasetError(f"unknown dataset {name!r}: choose one of {', '.join(NAMES)} or a .csv file")


def load_csv(path: str | Path) -> Dataset:
    """Read ``x1,x2,label`` rows (a header row is allowed); errors name the row.

    Only a regular file of at most ``MAX_CSV_BYTES`` and ``MAX_CSV_ROWS`` rows is read (a
    FIFO would hang, ``/dev/zero`` never ends), row by row into flat arrays of floats, so a
    million rows need tens of MB, not GB.
    """
    path = Path(path)
    _check_csv_file(path)
    coordinates, labels = array("d"), array("d")
    row_number = 0
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            for row_number, row in enumerate(csv.reader(fh), start=1):
                if not row or all(not cell.strip() for cell in row):
                    continue
                values = _row(path, row_number, row, first=row_number == 1)
                if values is None:
                    continue  # a header row
                if len(labels) == MAX_CSV_ROWS:
                    raise DatasetError(
                        f"{path}: more than {MAX_CSV_ROWS:,} rows, more than a dataset may have"
                    )
                coordinates.extend(values[:2])
                labels.append(values[2])
    except csv.Error as exc:
        raise DatasetError(f"{path}, row {row_number + 1}: not CSV ({_reason(exc)})") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: not a text file (it is not UTF-8)") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read it ({_reason(exc)})") from None
    if not labels:
        raise DatasetError(f"{path}: no data rows")
    x = np.frombuffer(coordinates, dtype=np.float64).reshape(-1, 2).copy()
    return Dataset(path.stem, x, _column(np.frombuffer(labels, dtype=np.float64)))


def _check_csv_file(path: Path) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read it ({_reason(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise DatasetError(f"{path}: a folder, not a CSV file")
    if not stat.S_ISREG(info.st_mode):
        raise DatasetError(f"{path}: not a regular file (a pipe or a device?), not a CSV file")
    if info.st_size > MAX_CSV_BYTES:
        raise DatasetError(
            f"{path}: {size_text(info.st_size)}, more than the {size_text(MAX_CSV_BYTES)} a "
            "dataset file may be"
        )


def _row(path: Path, row_number: int, row: list[str], first: bool) -> tuple[float, ...] | None:
    """(x1, x2, label), or None for a header row; DatasetError naming the row otherwise."""
    if len(row) != 3:
        raise DatasetError(
            f"{path}, row {row_number}: expected 3 columns (x1, x2, label), got {len(row)}"
        )
    try:
        x1, x2, lab = (float(cell) for cell in row)
    except ValueError:
        if first:
            return None  # a header row
        shown = ",".join(row)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise DatasetError(f"{path}, row {row_number}: {shown!r} is not three numbers") from None
    if not (math.isfinite(x1) and math.isfinite(x2)):
        raise DatasetError(f"{path}, row {row_number}: coordinates must be finite numbers")
    if lab not in (0.0, 1.0):
        raise DatasetError(f"{path}, row {row_number}: the label must be 0 or 1, got {lab:g}")
    return x1, x2, lab


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
