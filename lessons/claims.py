"""Check a lesson's claims headless: train its runs over seeds, then test each ``expect``.

Every run a lesson needs (all its claims, all seeds) is gathered first and trained in one
call to :func:`mlp.batched.train_many`, which stacks runs of one shape (the seeds of a
configuration, learning rates side by side) into one numpy computation. Finished runs are
kept for the rest of the process, so claims that share a run (the lab default, say) train it
once. A claim whose expect reads nothing but ``epochs_to_100`` lets its runs stop at the
first epoch at 100%: nothing after it can change the answer.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from mlp import Network, RunConfig, Trainer
from mlp.batched import RunOutcome, train_many
from mlp.history import evenly_spread
from mlp.introspect import SATURATION, layer_health

from .checks import CheckError
from .model import Claim, Lesson

ProgressCallback = Callable[[int, int], None]

CURVE_POINTS = 300  # points of a run's learning curve kept for plots
CACHE_SIZE = 4096  # finished runs kept per process


@dataclass(frozen=True)
class Metrics:
    """What a claim can say about one finished run (names: lessons.model.METRIC_NAMES)."""

    accuracy: float
    loss: float
    epochs_to_100: float
    diverged: bool
    generalisation_accuracy: float
    majority_accuracy: float
    origin_output: float
    output_at_1_0: float
    output_at_0_1: float
    dead_units: int
    saturated_outputs: float
    saturated_outputs_at_init: float
    lr: float
    epochs_run: int  # for the report: how long the run trained (not for expressions)

    def as_dict(self) -> dict[str, float | int | bool]:
        values = asdict(self)
        del values["epochs_run"]
        return values


@dataclass(frozen=True)
class Curve:
    """A run's loss and accuracy per recorded epoch, for plots."""

    epochs: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray


@dataclass(frozen=True)
class Run:
    """One run to train: a full config (seed and epochs set), and whether it may stop at
    its first epoch at 100%."""

    config: RunConfig
    until_100: bool = False


@dataclass(frozen=True)
class SeedResult:
    seed: int
    holds: bool
    metrics: dict[str, Metrics]  # run name ("" for a single run) -> metrics
    error: str = ""  # why the expect could not be evaluated, if it could not


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    seeds: tuple[SeedResult, ...]

    @property
    def passed(self) -> int:
        return sum(result.holds for result in self.seeds)

    @property
    def bounds(self) -> tuple[int, int]:
        """How many of these seeds the claim must hold on: at least, at most."""
        return self.claim.bounds(len(self.seeds))

    @property
    def holds(self) -> bool:
        low, high = self.bounds
        return low <= self.passed <= high


# -- training, once per run and process -----------------------------------------------------

_finished: OrderedDict[tuple[RunConfig, bool], tuple[Metrics, Curve]] = OrderedDict()


def _cached(run: Run) -> tuple[Metrics, Curve] | None:
    # A run trained to the end also answers the same run that could have stopped at 100%.
    for key in ((run.config, False), (run.config, True))[: 1 + run.until_100]:
        if key in _finished:
            _finished.move_to_end(key)
            return _finished[key]
    return None


def train(runs: Iterable[Run], on_progress: ProgressCallback | None = None) -> None:
    """Train every run not trained yet in this process, stacked where shapes allow.

    Runs that may stop at 100% are stacked apart from those that must run to the end: a
    stack ends when its last run does.
    """
    wanted = list(dict.fromkeys(run for run in runs if _cached(run) is None))
    to_end = [run.config for run in wanted if not run.until_100]
    full = set(to_end)  # a run trained to the end also answers the one that may stop at 100%
    to_100 = [run.config for run in wanted if run.until_100 and run.config not in full]
    progress = _Progress(sum(c.epochs for c in to_end + to_100), on_progress)
    # One BLAS thread: these are small matrices, many of them (measured for the 128-unit
    # lesson on 2 busy cores: 2.9 s of CPU with one thread, 34 s with OpenBLAS's default).
    with threadpool_limits(limits=1, user_api="blas"):
        for configs, until_100 in ((to_end, False), (to_100, True)):
            if configs:
                outcomes = train_many(configs, on_progress=progress.part(), stop_at_100=until_100)
                _keep(configs, outcomes, until_100)
    progress.done()


def _keep(configs: Sequence[RunConfig], outcomes: Sequence[RunOutcome], until_100: bool) -> None:
    for config, outcome in zip(configs, outcomes, strict=True):
        _finished[(config, until_100)] = _measure(outcome)
        if len(_finished) > CACHE_SIZE:
            _finished.popitem(last=False)


class _Progress:
    """Progress over several train_many calls, as one count of epochs."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total, self.base, self.last, self.callback = max(total, 1), 0, 0, callback

    def part(self) -> ProgressCallback | None:
        if self.callback is None:
            return None
        self.base += self.last
        self.last = 0

        def report(done: int, _total: int) -> None:
            self.last = done
            self.callback(min(self.base + done, self.total), self.total)  # type: ignore[misc]

        return report

    def done(self) -> None:
        if self.callback is not None:
            self.callback(self.total, self.total)


def forget() -> None:
    """Forget every finished run (for a benchmark that times training from cold)."""
    _finished.clear()


def result_of(run: Run) -> tuple[Metrics, Curve]:
    """The metrics and learning curve of ``run``, training it if needed."""
    found = _cached(run)
    if found is None:
        train([run])
        found = _cached(run)
    assert found is not None
    return found


def run_metrics(config: RunConfig) -> Metrics:
    """The metrics of ``config`` trained for its epochs."""
    return result_of(Run(config))[0]


def _measure(outcome: RunOutcome) -> tuple[Metrics, Curve]:
    """Everything a claim can read about a finished run, measured with the engine's code."""
    config = outcome.config
    trainer = Trainer(config)
    x, label = trainer.dataset.x, trainer.dataset.label
    saturated_at_init = _saturated_fraction(trainer.network, x)
    trainer.network.params[...] = outcome.params
    dead = 0
    generalisation = math.nan
    if not outcome.diverged:
        generalisation = trainer.generalisation().accuracy
        trainer.forward_pass()  # fresh activations of the final weights for layer_health
        dead = sum(h.dead for h in layer_health(trainer.tape)[:-1])
    corners = trainer.network.forward(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))[:, 0]
    share_of_ones = float(np.mean(label > 0.5))
    first = outcome.first_epoch_at_100
    metrics = Metrics(
        accuracy=float(outcome.final_accuracy),
        loss=float(outcome.final_loss),
        epochs_to_100=math.inf if first is None else float(first),
        diverged=outcome.diverged,
        generalisation_accuracy=float(generalisation),
        majority_accuracy=max(share_of_ones, 1.0 - share_of_ones),
        origin_output=float(corners[0]),
        output_at_1_0=float(corners[1]),
        output_at_0_1=float(corners[2]),
        dead_units=int(dead),
        saturated_outputs=_saturated_fraction(trainer.network, x),
        saturated_outputs_at_init=saturated_at_init,
        lr=float(config.lr),
        epochs_run=int(outcome.epochs_run),
    )
    keep = evenly_spread(len(outcome.epochs), CURVE_POINTS)
    curve = Curve(outcome.epochs[keep], outcome.loss[keep], outcome.accuracy[keep])
    return metrics, curve


def _saturated_fraction(network: Network, x: np.ndarray) -> float:
    """The share of ``x``'s points at which the output activation's derivative is below
    SATURATION: points that pass almost no gradient back (for ReLU: switched off)."""
    a = x
    with np.errstate(all="ignore"):
        for i, act in enumerate(network.activations, start=1):
            z = a @ network.weight(i)
            bias = network.bias_of(i)
            if bias is not None:
                z = z + bias
            a = act(z)
        slope = network.activations[-1].grad(z)
    return float(np.mean(~(np.abs(slope) >= SATURATION)))


# -- claims ---------------------------------------------------------------------------------


def claim_runs(lesson: Lesson, claim: Claim, seeds: Sequence[int]) -> dict[tuple[int, str], Run]:
    """The run behind each (seed, run name) of ``claim``."""
    return {
        (seed, name): Run(
            lesson.run_config(changes, seed=seed, epochs=claim.epochs), claim.settles_at_100
        )
        for seed in seeds
        for name, changes in claim.runs.items()
    }


def check_claims(
    lesson: Lesson,
    claims: Sequence[Claim] | None = None,
    seeds: Sequence[int] | None = None,
    on_progress: ProgressCallback | None = None,
) -> list[ClaimResult]:
    """Check ``claims`` (default: all of the lesson's) on their seeds, or on ``seeds``.

    Every run they need is trained first, in one stacked batch.
    """
    claims = lesson.claims if claims is None else claims
    plans = [(claim, claim_runs(lesson, claim, seeds or claim.seeds)) for claim in claims]
    train((run for _, runs in plans for run in runs.values()), on_progress)
    return [_result(claim, runs, seeds or claim.seeds) for claim, runs in plans]


def check_claim(lesson: Lesson, claim: Claim, seeds: Sequence[int] | None = None) -> ClaimResult:
    """Run the claim on each of its seeds (or ``seeds``)."""
    return check_claims(lesson, [claim], seeds)[0]


def check_seed(lesson: Lesson, claim: Claim, seed: int) -> SeedResult:
    return check_claim(lesson, claim, [seed]).seeds[0]


def _result(claim: Claim, runs: dict[tuple[int, str], Run], seeds: Sequence[int]) -> ClaimResult:
    results = []
    for seed in seeds:
        metrics = {name: result_of(runs[(seed, name)])[0] for name in claim.runs}
        if claim.single:
            env: dict = metrics[""].as_dict()
        else:
            env = {name: m.as_dict() for name, m in metrics.items()}
        try:
            results.append(SeedResult(seed, claim.expect.evaluate(env), metrics))
        except CheckError as exc:
            results.append(SeedResult(seed, False, metrics, str(exc)))
    return ClaimResult(claim, tuple(results))


def claim_curves(lesson: Lesson, claim: Claim, seed: int) -> list[tuple[str, Curve]]:
    """The learning curve of each of the claim's runs on ``seed`` (trained if needed)."""
    runs = claim_runs(lesson, claim, [seed])
    return [(name, result_of(runs[(seed, name)])[1]) for name in claim.runs]
