"""How numbers read in the panels: 4 significant digits, vectors and matrices in brief."""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray

ENTRIES = 3  # entries of a long vector or matrix shown before the ellipsis
FULL = 2  # vectors this short are shown in full


def number(value: float) -> str:
    """4 significant digits, e.g. -0.1065, 2.5e-05, nan, inf."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4g}"


def shape(array: Array | tuple[int, ...]) -> str:
    dims = array if isinstance(array, tuple) else np.shape(array)
    return "×".join(str(d) for d in dims)


def norm(array: Array) -> str:
    with np.errstate(all="ignore"):
        return number(float(np.linalg.norm(array)))


def entries(flat: Array, count: int = ENTRIES) -> str:
    shown = " ".join(number(v) for v in flat[:count])
    return shown + (" …" if flat.size > count else "")


def vector(row: Array) -> str:
    """A sample's row: a scalar in full, a short vector in full, else size, entries, norm."""
    row = np.ravel(row)
    if row.size == 1:
        return number(row[0])
    if row.size <= FULL:
        return "[" + ", ".join(number(v) for v in row) + "]"
    return f"‹{row.size}› [{entries(row)}] ‖{norm(row)}‖"


def brief_vector(row: Array) -> str:
    """An operand inside a formula: scalars and short vectors in full, else size and norm."""
    row = np.ravel(row)
    if row.size <= FULL:
        return vector(row)
    return f"‹{row.size}›‖{norm(row)}‖"


def matrix(array: Array) -> str:
    """A matrix as its shape, its first few entries and its norm."""
    array = np.asarray(array)
    if array.size == 1:
        return number(array.ravel()[0])
    return f"‹{shape(array)}› [{entries(array.ravel())}] ‖{norm(array)}‖"
