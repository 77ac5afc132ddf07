"""Many runs of one shape trained side by side as one stacked computation (for ``compare``).

Runs that differ only in learning rate, momentum or seed have weights of the same shapes, so
K of them stack into arrays with a leading run axis, ``W1`` of shape (K, 2, 32) and so on,
and one ``np.matmul`` per layer trains them all: ten learning rates cost a few numpy calls
per epoch instead of ten times as many. Each run starts exactly where ``Trainer(config)``
would (the same weights and data, built by it) and follows the same update rules (the
engine's own optimizers, with one learning rate per row). The numbers agree with separate
runs to rounding: a batched matrix product may add in another order than a single one, so
they are close (relative 1e-9), not bit-identical. Mini-batch runs and runs with a target
loss are trained one by one with ``Trainer``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .config import RunConfig
from .history import History
from .optimizers import make_optimizer
from .trainer import DIVERGENCE_LIMIT, Divergence, Trainer, divergence_reason

Array = np.ndarray
ProgressCallback = Callable[[int, int], None]

REPORT_EVERY = 0.1  # seconds between progress callbacks and stop checks
CHECK_EPOCHS = 64  # epochs between looks at the clock


@dataclass(frozen=True)
class RunOutcome:
    """Where one run ended, in the same terms as ``Trainer``."""

    config: RunConfig
    epochs: Array  # recorded epochs (bounded, like Trainer.history)
    loss: Array  # per-sample loss at those epochs
    accuracy: Array  # accuracy at those epochs (of the predictions made during the epoch)
    final_loss: float  # the last epoch's loss; the diverging loss after a divergence
    final_accuracy: float  # accuracy of the final weights on the training data
    epochs_run: int
    first_epoch_at_100: int | None  # as Trainer.first_epoch_at_100: the weights after it
    divergence: Divergence | None
    params: Array  # the final flat parameters
    stacked: bool  # trained together with other runs

    @property
    def diverged(self) -> bool:
        return self.divergence is not None


def _key(config: RunConfig) -> tuple[object, ...] | None:
    """Runs with equal keys can be stacked; None for runs that train one by one."""
    if config.target_loss is not None:
        return None
    return (
        config.dataset,
        config.n,
        config.noise,
        config.hidden,
        config.activations,
        config.loss,
        config.bias,
        config.optimizer,
        config.batch_size,
    )


def can_stack(a: RunConfig, b: RunConfig) -> bool:
    key = _key(a)
    return key is not None and key == _key(b)


def group(configs: Sequence[RunConfig]) -> list[list[int]]:
    """Indices of ``configs`` in stackable groups, in order of first appearance."""
    groups: dict[object, list[int]] = {}
    for i, config in enumerate(configs):
        key = _key(config)
        groups.setdefault(i if key is None else key, []).append(i)
    return list(groups.values())


class _Clock:
    """Progress and stop requests, looked at every so often, never per epoch."""

    def __init__(
        self, total: int, on_progress: ProgressCallback | None, should_stop: Callable[[], bool]
    ) -> None:
        self.total, self.done = total, 0
        self.on_progress, self.should_stop = on_progress, should_stop
        self.next_report = time.perf_counter() + REPORT_EVERY
        self.stopped = False

    def tick(self, epochs_of_runs: int) -> bool:
        """Count work done; True when training should stop."""
        self.done += epochs_of_runs
        now = time.perf_counter()
        if now >= self.next_report:
            self.next_report = now + REPORT_EVERY
            if self.on_progress:
                self.on_progress(self.done, self.total)
            self.stopped = self.stopped or self.should_stop()
        return self.stopped

    def stop_requested(self) -> bool:
        """For Trainer.train, which asks every REPORT_EVERY seconds within a chunk."""
        self.stopped = self.stopped or self.should_stop()
        return self.stopped


def train_many(
    configs: Sequence[RunConfig],
    epochs: int | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    stop_at_100: bool = False,
) -> list[RunOutcome]:
    """Train every config (``epochs`` each, or its own ``epochs``); outcomes in config order.

    ``on_progress(done, total)`` counts epochs summed over runs, about every 0.1 s.
    ``stop_at_100``: a run ends once it classifies every training point (or diverges), and
    runs trained together end when all of them have; for a caller that needs no more than
    ``first_epoch_at_100``.
    """
    configs = [c.validated() for c in configs]
    lengths = [c.epochs if epochs is None else epochs for c in configs]
    clock = _Clock(sum(lengths), on_progress, should_stop or (lambda: False))
    outcomes: list[RunOutcome | None] = [None] * len(configs)
    for indices in group(configs):
        trainers = [Trainer(configs[i]) for i in indices]
        if len(indices) > 1 and not trainers[0].minibatch:
            # Stacked runs share an epoch count: group() keys on everything else.
            by_length: dict[int, list[int]] = {}
            for position, i in enumerate(indices):
                by_length.setdefault(lengths[i], []).append(position)
            for length, positions in by_length.items():
                chosen = [trainers[p] for p in positions]
                results = _Stack(chosen).train(length, clock, stop_at_100)
                for p, outcome in zip(positions, results, strict=True):
                    outcomes[indices[p]] = outcome
        else:
            for i, trainer in zip(indices, trainers, strict=True):
                outcomes[i] = _train_alone(trainer, lengths[i], clock, stop_at_100)
    if on_progress:
        on_progress(clock.done, clock.total)
    return [o for o in outcomes if o is not None]


def _train_alone(
    trainer: Trainer, epochs: int, clock: _Clock, stop_at_100: bool = False
) -> RunOutcome:
    """One run with Trainer, in chunks between looks at the clock; with ``stop_at_100`` it
    ends once its first epoch at 100% is known."""
    until = (lambda t: t.first_epoch_at_100 is not None) if stop_at_100 else None
    while trainer.epoch < epochs and not clock.stopped:
        result = trainer.train(
            min(CHECK_EPOCHS * 16, epochs - trainer.epoch),
            until=until,
            should_stop=clock.stop_requested,  # a long chunk still stops within 0.1 s
        )
        clock.tick(result.epochs_run)
        if result.status in ("diverged", "target_reached", "condition_met"):
            break
    history = trainer.history
    return RunOutcome(
        config=trainer.config,
        epochs=history.epochs,
        loss=history.loss,
        accuracy=history.accuracy,
        final_loss=trainer.last_loss,
        final_accuracy=trainer.evaluate().accuracy,
        epochs_run=trainer.epoch,
        first_epoch_at_100=trainer.first_epoch_at_100,
        divergence=trainer.divergence,
        params=trainer.network.params.copy(),
        stacked=False,
    )


class _Stack:
    """K full-batch runs of one shape: parameters (K, P), activations (K, N, units)."""

    def __init__(self, trainers: list[Trainer]) -> None:
        self.trainers = trainers
        first = trainers[0]
        net = first.network
        k = self.runs = len(trainers)
        self.activations = net.activations
        self.loss = first.loss
        self.x = np.stack([t.dataset.x for t in trainers])
        self.label = np.stack([t.dataset.label for t in trainers])
        self.label_true = self.label > 0.5
        self.correct = np.empty(self.label.shape, dtype=bool)
        self.params = np.stack([t.network.params for t in trainers])
        self.grads = np.zeros_like(self.params)
        self.w: list[Array] = []
        self.b: list[Array | None] = []
        self.dw: list[Array] = []
        self.db: list[Array | None] = []
        for spec in net.specs:
            columns = slice(spec.offset, spec.offset + spec.size)
            shape = (k, *spec.shape) if spec.name[0] == "W" else (k, 1, spec.size)
            params, grads = self.params[:, columns], self.grads[:, columns]
            if spec.name[0] == "W":
                self.w.append(params.reshape(shape))
                self.dw.append(grads.reshape(shape))
            else:
                self.b.append(params.reshape(shape))
                self.db.append(grads.reshape(shape))
        if not net.bias:
            self.b = self.db = [None] * net.depth
        rows = self.x.shape[1]
        self.z = [np.zeros((k, rows, size)) for size in net.sizes[1:]]
        self.a = [
            z if act.is_identity else np.zeros_like(z)
            for z, act in zip(self.z, self.activations, strict=True)
        ]
        self.scratch = [np.zeros_like(z) for z in self.z]
        self.deriv = [np.zeros_like(z) for z in self.z]
        self.dz = [np.zeros_like(z) for z in self.z]
        self.da = [np.zeros_like(z) for z in self.z]
        self.residual = np.zeros_like(self.label)
        # The engine's own update rules, one row per run: lr and momentum as columns.
        config = first.config
        self.optimizer = make_optimizer(config.optimizer, self.params.shape, 1.0, 0.0)
        self.optimizer.lr = np.array([[t.config.lr] for t in trainers])
        if hasattr(self.optimizer, "momentum"):
            self.optimizer.momentum = np.array([[t.config.momentum] for t in trainers])

    def _forward(self) -> Array:
        a_in = self.x
        for i, act in enumerate(self.activations):
            np.matmul(a_in, self.w[i], out=self.z[i])
            b = self.b[i]
            if b is not None:
                np.add(self.z[i], b, out=self.z[i])
            if not act.is_identity:
                act.forward(self.z[i], self.a[i], self.scratch[i])
            a_in = self.a[i]
        return a_in

    def _loss(self, y: Array) -> Array:
        """The per-sample loss of each run (what Trainer reports), ∂L/∂y into da[-1]."""
        loss, r = self.loss, self.residual
        np.subtract(y, self.label, out=r)
        per_run = r[0].size
        if loss.kind == "se":
            value = np.einsum("knj,knj->k", r, r) / per_run
        else:
            value = loss.per_element(y, self.label).reshape(self.runs, -1).mean(axis=1)
        dy = self.da[-1]
        if loss.kind == "se" and loss.reduction == "sum":
            np.add(r, r, out=dy)
        else:  # divides by one run's size, so run by run
            for k in range(self.runs):
                loss.backward(y[k], self.label[k], r[k], dy[k])
        return np.asarray(value)

    def _backward(self) -> None:
        for i in range(len(self.activations) - 1, -1, -1):
            act = self.activations[i]
            if act.is_identity:
                np.copyto(self.dz[i], self.da[i])
            else:
                act.derivative(self.z[i], self.a[i], self.deriv[i], self.dz[i])
                np.multiply(self.da[i], self.deriv[i], out=self.dz[i])
            a_in = self.x if i == 0 else self.a[i - 1]
            np.matmul(a_in.transpose(0, 2, 1), self.dz[i], out=self.dw[i])
            if self.db[i] is not None:
                np.sum(self.dz[i], axis=1, keepdims=True, out=self.db[i])
            if i > 0:
                # With one unit (the output) this is an outer product: a broadcast multiply,
                # as the engine's tape does, instead of K tiny matrix products.
                product = np.multiply if self.dz[i].shape[2] == 1 else np.matmul
                product(self.dz[i], self.w[i].transpose(0, 2, 1), out=self.da[i - 1])

    def _accuracy(self, y: Array) -> Array:
        np.greater(y, 0.5, out=self.correct)
        np.equal(self.correct, self.label_true, out=self.correct)
        right = np.count_nonzero(self.correct.reshape(self.runs, -1), axis=1)
        return np.asarray(right / self.correct[0].size)

    def train(self, epochs: int, clock: _Clock, stop_at_100: bool = False) -> list[RunOutcome]:
        k = self.runs
        history = History(capacity=max(4096, 16 * k), runs=k)
        live = np.ones(k, dtype=bool)
        waiting = np.ones(k, dtype=bool)  # live runs not yet at 100%
        final_params: list[Array | None] = [None] * k
        divergences: list[Divergence | None] = [None] * k
        first_at_100: list[int | None] = [None] * k
        last_loss = np.full(k, np.nan)
        last_epoch_loss = last_loss
        epochs_run = np.zeros(k, dtype=int)
        epoch = 0
        with np.errstate(all="ignore"):
            while epoch < epochs:
                y = self._forward()
                loss = self._loss(y)
                if not (loss < DIVERGENCE_LIMIT)[live].all():
                    for run in np.flatnonzero(live & ~(loss < DIVERGENCE_LIMIT)).tolist():
                        config = self.trainers[run].config
                        value = float(loss[run])
                        divergences[run] = Divergence(
                            epoch + 1, value, divergence_reason(config, value)
                        )
                        final_params[run] = self.params[run].copy()
                        last_loss[run] = value
                        epochs_run[run] = epoch
                        live[run] = waiting[run] = False
                    if not live.any():
                        break
                if not live.all():
                    loss[~live] = np.nan  # what a stopped run goes on computing is no point
                # This forward classified the data with the weights after `epoch` epochs.
                accuracy = self._accuracy(y)
                if waiting.any():
                    for run in np.flatnonzero(waiting & (accuracy == 1.0)).tolist():
                        first_at_100[run] = epoch
                        waiting[run] = False
                self._backward()
                self.optimizer.update(self.params, self.grads)
                epoch += 1
                last_epoch_loss = loss
                history.record(epoch, loss, accuracy)
                if epoch % CHECK_EPOCHS == 0 and clock.tick(CHECK_EPOCHS * int(live.sum())):
                    break
                if stop_at_100 and not waiting.any():
                    break
        # Runs still live ran every epoch; the others stopped where they diverged.
        epochs_run[live] = epoch
        last_loss[live] = last_epoch_loss[live]
        clock.tick((epoch % CHECK_EPOCHS) * int(live.sum()))
        outcomes = []
        for run, trainer in enumerate(self.trainers):
            stopped_at = final_params[run]
            params = self.params[run] if stopped_at is None else stopped_at
            trainer.network.params[...] = params  # to evaluate with the engine's own code
            evaluation = trainer.evaluate()
            if first_at_100[run] is None and evaluation.accuracy == 1.0:
                first_at_100[run] = int(epochs_run[run])  # the weights the run ended with
            keep = history.epochs <= epochs_run[run]
            outcomes.append(
                RunOutcome(
                    config=trainer.config,
                    epochs=history.epochs[keep],
                    loss=history.loss[keep, run],
                    accuracy=history.accuracy[keep, run],
                    final_loss=float(last_loss[run]),
                    final_accuracy=evaluation.accuracy,
                    epochs_run=int(epochs_run[run]),
                    first_epoch_at_100=first_at_100[run],
                    divergence=divergences[run],
                    params=params.copy(),
                    stacked=True,
                )
            )
        return outcomes
