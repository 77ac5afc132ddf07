"""When a learner's array is the engine's: the tolerance of the check, and its errors.

Two float64 computations of the same formula agree to a few units in the last place of the
array's largest entry, whatever order they add in or however they write it: σ'(Z) recomputed
as σ(Z)(1 − σ(Z)) from Z or taken from the stored activation, ``@`` or ``np.dot``, ``np.mean``
or a sum divided by N. That is below 1e-14 of the largest entry here. Each classic mistake
changes a value by a sizable fraction of it (a factor 2 or 1/N, a transpose, a missing
derivative). A relative tolerance of 1e-6 sits many orders of magnitude from both: nothing
correct fails and nothing wrong passes.

The error is measured against the array's largest entry, not entry by entry: a derivative of
4e-20 where a sigmoid saturates has no meaningful relative error of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray

RTOL = 1e-6
EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Errors:
    max_abs: float  # the largest |learner − engine|
    max_rel: float  # max_abs over the largest |engine| entry
    worst: tuple[int, ...]  # where the largest difference is
    ok: bool


def compare(observed: Array, expected: Array, atol: float = 0.0) -> Errors | None:
    """Errors of ``observed`` against ``expected``; None when their shapes differ.

    ``atol`` widens the tolerance where the value itself is recovered with rounding (a
    gradient read back from a weight's change). NaN where NaN is expected matches.
    """
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if observed.shape != expected.shape:
        return None
    with np.errstate(all="ignore"):
        both_nan = np.isnan(observed) & np.isnan(expected)
        same_inf = np.isinf(expected) & (observed == expected)
        diff = np.where(both_nan | same_inf, 0.0, np.abs(observed - expected))
        diff = np.where(np.isnan(diff), np.inf, diff)
        finite = np.abs(expected[np.isfinite(expected)])
    scale = float(finite.max()) if finite.size else 0.0
    if diff.size == 0:
        return Errors(0.0, 0.0, (), True)
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape)
    max_abs = float(diff[worst])
    # With nothing to be relative to, any difference at all is infinitely large.
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    ok = max_abs <= RTOL * scale + atol
    return Errors(max_abs, max_rel, tuple(int(i) for i in worst), bool(ok))


def close(observed: Array, expected: Array, atol: float = 0.0) -> bool:
    errors = compare(observed, expected, atol)
    return errors is not None and errors.ok


def change_atol(*weights: Array | None) -> float:
    """The rounding in a weight's change: a few units in the last place of the weight."""
    largest = max(
        (float(np.max(np.abs(w))) for w in weights if w is not None and w.size), default=0
    )
    return 4 * EPS * largest if np.isfinite(largest) else 0.0
