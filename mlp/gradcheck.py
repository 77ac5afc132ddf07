"""Central finite differences against the gradients on the tape."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .losses import Loss
from .network import Network
from .optimizers import GradientDescent
from .tape import Tape

Array = np.ndarray

TOLERANCE = 1e-6
SAMPLE_EPS = 1e-4  # the finite-difference step of a sampled check (see check)
# A computed loss is only known to within about this many units of its last place (its sums
# round at every step), so a central difference is only known to within
# ROUNDING_ULPS · ε · |L| / (2 · eps): a saturated network's gradients (1e-7) sink below that.
ROUNDING_ULPS = 16


@dataclass(frozen=True)
class TensorCheck:
    name: str
    relative_error: float
    analytic_norm: float
    checked: int | None = None  # entries compared (all of them unless sampled)
    difference: float = 0.0  # ‖analytic − numeric‖ over the entries compared
    rounding: float = 0.0  # how large that difference can be from rounding alone

    @property
    def passed(self) -> bool:
        return self.relative_error < TOLERANCE

    @property
    def too_small(self) -> bool:
        """The gradient and its difference from the finite differences are within their
        rounding: finite differences cannot tell right from wrong here (neither pass nor fail)."""
        return not self.passed and self.difference < self.rounding

    @property
    def failed(self) -> bool:
        return not self.passed and not self.too_small


@dataclass(frozen=True)
class GradCheck:
    tensors: list[TensorCheck]

    @property
    def passed(self) -> bool:
        """No tensor failed (a tensor too small to check is not a failure: it is said)."""
        return not any(t.failed for t in self.tensors)

    @property
    def too_small(self) -> list[TensorCheck]:
        return [t for t in self.tensors if t.too_small]

    def too_small_reason(self) -> str:
        """Why the tensors in ``too_small`` were neither passed nor failed ('' if none)."""
        if not self.too_small:
            return ""
        names = ", ".join(t.name for t in self.too_small)
        return (
            f"{names}: the gradient is within the rounding of the finite differences at this "
            "loss (a saturated network's gradients are that small), so they cannot tell right "
            "from wrong there"
        )

    @property
    def worst(self) -> float:
        return max(t.relative_error for t in self.tensors)


def relative_error(a: Array, b: Array) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are 0, and inf when either is not finite.

    A diverged net has NaN gradients: that must fail the check, never pass it.
    """
    with np.errstate(all="ignore"):
        scale = np.linalg.norm(a) + np.linalg.norm(b)
        if not np.isfinite(scale):
            return math.inf
        return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def analytic_gradient(network: Network, loss: Loss, x: Array, label: Array) -> Array:
    """The gradient exactly as training computes it: the tape's own sub-steps."""
    tape = Tape(network, loss, GradientDescent(network.n_params, 0.0), len(x))
    tape.load(x, label)
    with np.errstate(all="ignore"):
        for i in range(len(tape) - 1):  # everything but the update
            tape.run(i)
    return tape.grads.copy()


def numeric_gradient(
    network: Network,
    loss: Loss,
    x: Array,
    label: Array,
    eps: float = 1e-6,
    indices: Array | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Array:
    """(L(w + eps) − L(w − eps)) / 2eps for every parameter, or for those at ``indices``
    (two forward passes each); ``on_progress(done, total)`` about every 0.1 s."""
    params = network.params
    where = np.arange(params.size) if indices is None else np.asarray(indices)
    grad = np.empty(len(where))
    next_report = time.monotonic() + 0.1
    with np.errstate(all="ignore"):
        for n, i in enumerate(where):
            saved = params[i]
            params[i] = saved + eps
            plus = loss.objective(network.forward(x), label)
            params[i] = saved - eps
            minus = loss.objective(network.forward(x), label)
            params[i] = saved
            grad[n] = (plus - minus) / (2 * eps)
            if on_progress is not None and time.monotonic() >= next_report:
                next_report += 0.1
                on_progress(n + 1, len(where))
    return grad


def sample_indices(
    network: Network, count: int, seed: int = 0, weights: Array | None = None
) -> Array:
    """About ``count`` parameter positions drawn without replacement, spread over the tensors
    in proportion to their sizes and at least one from each, in order. With ``weights``
    (e.g. the gradient's magnitudes) a tensor's positions are drawn in proportion to them."""
    rng = np.random.default_rng(seed)
    chosen = []
    for spec in network.specs:
        k = min(spec.size, max(1, round(count * spec.size / network.n_params)))
        p = None
        if weights is not None:
            w = weights[spec.offset : spec.offset + spec.size]
            if np.isfinite(w).all() and np.count_nonzero(w) >= k:
                p = w / w.sum()
        chosen.append(spec.offset + rng.choice(spec.size, k, replace=False, p=p))
    return np.sort(np.concatenate(chosen))


def seconds_per_parameter(network: Network, loss: Loss, x: Array, label: Array) -> float:
    """What checking one parameter costs here: two forward passes and two losses."""
    best = math.inf
    with np.errstate(all="ignore"):
        for _ in range(3):
            start = time.perf_counter()
            loss.objective(network.forward(x), label)
            best = min(best, time.perf_counter() - start)
    return 2 * best


def check(
    network: Network,
    loss: Loss,
    x: Array,
    label: Array,
    eps: float = 1e-6,
    indices: Array | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    sample: int | None = None,
    seed: int = 0,
) -> GradCheck:
    """Relative error per parameter tensor between the tape and finite differences: over
    every parameter, those at ``indices``, or a ``sample`` of them (a large network).

    A sample is drawn in proportion to the gradient's magnitudes and differenced with a step
    of SAMPLE_EPS: with millions of weights most gradients are below the loss's rounding
    error divided by a 1e-6 step, so such a check would measure rounding, not the formulas.
    """
    analytic = analytic_gradient(network, loss, x, label)
    if sample is not None:
        indices = sample_indices(network, sample, seed, weights=np.abs(analytic))
        eps = SAMPLE_EPS
    numeric = np.full_like(analytic, np.nan)
    where = np.arange(analytic.size) if indices is None else np.asarray(indices)
    numeric[where] = numeric_gradient(network, loss, x, label, eps, where, on_progress)
    checked = np.zeros(analytic.size, dtype=bool)
    checked[where] = True
    analytic_views, numeric_views = network.split(analytic), network.split(numeric)
    masks = network.split(checked)
    with np.errstate(all="ignore"):
        loss_now = abs(float(loss.objective(network.forward(x), label)))
    per_entry = ROUNDING_ULPS * np.finfo(float).eps * loss_now / (2 * eps)
    tensors = []
    for name in analytic_views:
        a, n = analytic_views[name][masks[name]], numeric_views[name][masks[name]]
        with np.errstate(all="ignore"):
            difference = float(np.linalg.norm(a - n))
        tensors.append(
            TensorCheck(
                name,
                relative_error(a, n),
                float(np.linalg.norm(analytic_views[name])),
                int(masks[name].sum()),
                difference if math.isfinite(difference) else math.inf,
                per_entry * math.sqrt(a.size),
            )
        )
    return GradCheck(tensors)
