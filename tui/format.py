"""The one number formatter of backprop-lab: every number a person reads is written here.

Every function returns text of bounded width whatever the value: ordinary magnitudes read as
plain decimals, very large and very small ones switch to scientific notation (``2.5e-07``,
``1.523e+115``), and the non-finite values are named (``inf``, ``-inf``, ``nan``). A diverged run
never prints a hundred-digit number, and a NaN never reads as a number.

``number`` is for values whose arithmetic a learner may redo (significant digits are the
caller's choice); ``scientific`` for error ratios beside a tolerance; ``fixed`` for the lab's
own printouts with a set count of decimals (``prediction: 0.00837``); ``exact`` for settings
as typed; ``percent`` for accuracies; ``count`` for epochs and sizes.
"""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray

# Magnitudes outside [SMALL, LARGE) are written in scientific notation.
SMALL = 1e-4
LARGE = 1e6
MAX_DIGITS = 17  # a float64 has no more significant decimal digits than this

ENTRIES = 3  # entries of a long vector or matrix shown before the ellipsis
FULL = 2  # vectors this short are shown in full


def _named(value: float) -> str | None:
    """``nan``, ``inf`` or ``-inf`` for a non-finite value, else None."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return None


def _scientific(value: float, digits: int) -> str:
    return f"{value:.{digits - 1}e}"


def number(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits: ``-0.1065``, ``241.6``, ``2.500e-05``.

    Plain decimals between 1e-4 and 1e6 in magnitude, scientific notation outside, at most
    ``digits + 8`` characters. Trailing zeros are kept: they are significant digits, so
    ``0.9900`` says the value is 0.9900 to four digits where ``0.99`` would not.
    """
    value = float(value)
    named = _named(value)
    if named is not None:
        return named
    digits = min(max(int(digits), 1), MAX_DIGITS)
    if value == 0:
        return "0"
    rounded = float(f"{value:.{digits - 1}e}")  # what the digits say, for the range test
    if not SMALL <= abs(rounded) < LARGE:
        return _scientific(value, digits)
    exponent = math.floor(math.log10(abs(rounded)))
    decimals = max(digits - 1 - exponent, 0)
    return f"{value:.{decimals}f}"


def exact(value: float) -> str:
    """The shortest text that reads back as exactly ``value``: for settings the user typed
    (``lr 0.05``, ``5e-06``), at most 24 characters."""
    value = float(value)
    named = _named(value)
    if named is not None:
        return named
    return f"{value:g}" if float(f"{value:g}") == value else repr(value)


def scientific(value: float, digits: int = 3) -> str:
    """Always scientific notation, for error ratios compared with a tolerance: ``3.00e-03``."""
    value = float(value)
    named = _named(value)
    return named if named is not None else _scientific(value, min(max(int(digits), 1), 17))


def fixed(value: float, decimals: int = 5) -> str:
    """``decimals`` decimals, like the lab's ``prediction: 0.00837``; scientific notation where
    that would leave fewer than three significant digits or run long (``3.200e-08``,
    ``1.523e+115``)."""
    value = float(value)
    named = _named(value)
    if named is not None:
        return named
    if value == 0:
        return f"{0.0:.{decimals}f}"  # never "-0.00000"
    # Below 10^(2 - decimals) fewer than three digits would be left: too few to read.
    if abs(value) < 10.0 ** (2 - decimals) or abs(value) >= LARGE:
        return _scientific(value, 4)
    return f"{value:.{decimals}f}"


def percent(fraction: float, decimals: int = 1) -> str:
    """An accuracy as a percentage, ``76.2%``; ``nan`` when there is none."""
    fraction = float(fraction)
    named = _named(fraction)
    if named is not None:
        return named
    return f"{fraction * 100:.{decimals}f}%" if abs(fraction) <= 1 else f"{number(fraction * 100)}%"


def count(value: int) -> str:
    """A whole number with thousands separators: ``12,000``."""
    return f"{int(value):,}"


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
