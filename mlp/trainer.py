"""Training: step through one sub-step at a time, or train fast in bulk.

Both paths run the same compiled sub-steps of the :class:`~mlp.tape.Tape`, so
``n`` pressed 17 times and one ``train_step()`` leave bit-identical weights.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import datasets
from .config import RunConfig
from .datasets import Dataset
from .evaluate import Evaluation, evaluate
from .history import History
from .losses import get_loss
from .network import Network
from .optimizers import make_optimizer
from .tape import Step, Tape

Array = np.ndarray

# A reported loss above this (or NaN/inf) means training has diverged.
DIVERGENCE_LIMIT = 1e100
HALF = np.array(0.5)
UNDO_DEPTH = 200


@dataclass(frozen=True)
class Divergence:
    epoch: int
    loss: float
    reason: str


@dataclass(frozen=True)
class TrainResult:
    status: str  # "completed", "target_reached", "diverged" or "stopped"
    epochs_run: int
    epoch: int  # epochs completed in all, counting earlier calls
    loss: float  # the last epoch's loss (per-sample mean)
    divergence: Divergence | None = None

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"


@dataclass(frozen=True)
class Progress:
    epoch: int
    epochs_run: int
    total: int
    loss: float
    elapsed: float

    @property
    def epochs_per_second(self) -> float:
        return self.epochs_run / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class _Snapshot:
    params: Array
    optimizer_state: dict[str, Array]
    optimizer_steps: int
    epoch: int
    batch_index: int
    order: Array
    shuffle_state: dict
    epoch_loss_sum: float
    last_epoch_loss: float
    diverged: Divergence | None


class Trainer:
    """A network, its data, loss and optimizer, and where training has got to."""

    def __init__(self, config: RunConfig | None = None, dataset: Dataset | None = None) -> None:
        self.config = (config or RunConfig()).validated()
        cfg = self.config
        self.dataset = dataset or datasets.make(
            cfg.dataset, n=cfg.n, seed=cfg.seed, noise=cfg.noise
        )
        sizes = (self.dataset.x.shape[1], *cfg.hidden, self.dataset.label.shape[1])
        rng = np.random.default_rng(cfg.seed)
        self.network = Network(sizes, cfg.activations, bias=cfg.bias, init=cfg.init, rng=rng)
        self.loss = get_loss(cfg.loss)
        self.optimizer = make_optimizer(cfg.optimizer, self.network.n_params, cfg.lr, cfg.momentum)
        self.history = History()
        self.epoch = 0
        self.batch_index = 0
        self.divergence: Divergence | None = None
        n = self._samples = len(self.dataset)
        self.batch_rows = min(cfg.batch_size or n, n)
        self.batches_per_epoch = math.ceil(n / self.batch_rows)
        self._shuffle_rng = np.random.default_rng([cfg.seed, 1])
        self._order = np.arange(n)
        if self.minibatch and cfg.shuffle:
            self._shuffle_rng.shuffle(self._order)
        # The data in batch order, so that each batch is one contiguous slice to copy.
        self._x_ordered = np.empty_like(self.dataset.x)
        self._label_ordered = np.empty_like(self.dataset.label)
        self._reorder()
        # Full batch: the labels never change, so accuracy compares against these.
        self._label_true = self.dataset.label > 0.5
        self._correct = np.empty(self.dataset.label.shape, dtype=bool)
        self._tapes: dict[int, Tape] = {}
        self._epoch_loss_sum = 0.0
        self._last_epoch_loss = float("nan")
        self._undo: deque[_Snapshot] = deque(maxlen=UNDO_DEPTH)
        self.tape = self._tape_for(self.batch_rows)
        self._load_batch()
        self.cursor = 0

    # -- shape of the run ----------------------------------------------------------

    @property
    def minibatch(self) -> bool:
        return self.batch_rows < self._samples

    @property
    def steps(self) -> list[Step]:
        return self.tape.steps

    @property
    def current_step(self) -> Step | None:
        return self.tape.steps[self.cursor - 1] if self.cursor else None

    @property
    def next_step(self) -> Step:
        return self.tape.steps[self.cursor % len(self.tape)]

    @property
    def batch_indices(self) -> Array:
        """Which samples of the dataset the current pass uses, in tape row order."""
        start = self.batch_index * self.batch_rows
        return self._order[start : start + self.batch_rows]

    def _tape_for(self, rows: int) -> Tape:
        if rows not in self._tapes:
            self._tapes[rows] = Tape(self.network, self.loss, self.optimizer, rows)
        return self._tapes[rows]

    def _reorder(self) -> None:
        """Refresh the batch-ordered copy of the data after ``_order`` changed."""
        np.take(self.dataset.x, self._order, axis=0, out=self._x_ordered)
        np.take(self.dataset.label, self._order, axis=0, out=self._label_ordered)

    def _load_batch(self) -> None:
        if not self.minibatch:
            if self.tape.rows == len(self.dataset) and not getattr(self.tape, "_loaded", False):
                self.tape.load(self.dataset.x, self.dataset.label)
                self.tape._loaded = True  # full batch: the data never changes
            return
        start = self.batch_index * self.batch_rows
        stop = start + self.batch_rows
        x = self._x_ordered[start:stop]
        tape = self._tapes.get(len(x)) or self._tape_for(len(x))
        self.tape = tape
        tape.load(x, self._label_ordered[start:stop])

    # -- live hyper-parameters ------------------------------------------------------

    def set_lr(self, lr: float) -> None:
        self.config = self.config.replace(lr=lr).validated()
        self.optimizer.lr = float(lr)
        if self.divergence and np.isfinite(self.network.params).all():
            self.divergence = None

    def set_momentum(self, momentum: float) -> None:
        self.config = self.config.replace(momentum=momentum).validated()
        if hasattr(self.optimizer, "momentum"):
            self.optimizer.momentum = float(momentum)

    # -- one pass (one batch) -------------------------------------------------------

    def _start_pass_if_done(self) -> None:
        if self.cursor == len(self.tape):
            self._load_batch()
            self.cursor = 0

    def _finish_pass(self) -> None:
        """Book-keeping after an update: count the batch, maybe the epoch."""
        loss = self.tape.loss_value
        self._epoch_loss_sum += loss * self.tape.rows
        self.batch_index += 1
        if self.batch_index < self.batches_per_epoch:
            return
        self.batch_index = 0
        self.epoch += 1
        epoch_loss = self._epoch_loss_sum / self._samples
        self._epoch_loss_sum = 0.0
        self._last_epoch_loss = epoch_loss
        if self.history.wants(self.epoch):
            self.history.record(self.epoch, epoch_loss, self._epoch_accuracy())
        if self.minibatch and self.config.shuffle:
            self._shuffle_rng.shuffle(self._order)
            self._reorder()

    def _epoch_accuracy(self) -> float:
        if self.minibatch:
            return evaluate(self.network, self.dataset.x, self.dataset.label, self.loss).accuracy
        # mean((y > 0.5) == (label > 0.5)) without allocating: the same number.
        correct = self._correct
        np.greater(self.tape.values["y"], HALF, out=correct)
        np.equal(correct, self._label_true, out=correct)
        return np.count_nonzero(correct) / correct.size

    def _check_loss(self) -> bool:
        """After the loss sub-step: record a divergence; True while training is sound."""
        loss = self.tape.loss_value
        if loss < DIVERGENCE_LIMIT:
            return True
        self.divergence = Divergence(self.epoch + 1, loss, self._divergence_reason(loss))
        return False

    def _divergence_reason(self, loss: float) -> str:
        return divergence_reason(self.config, loss)

    # -- stepping through -----------------------------------------------------------

    def next_substep(self) -> Step:
        """Run the next sub-step (starting a new pass after an update) and return it."""
        self._start_pass_if_done()
        if self.cursor == len(self.tape) - 1:
            self._snapshot()
        with np.errstate(all="ignore"):
            self.tape.run(self.cursor)
        step = self.tape.steps[self.cursor]
        self.cursor += 1
        if step.phase == "loss":
            self._check_loss()
        if self.cursor == len(self.tape):
            self._finish_pass()
        return step

    def previous_substep(self) -> Step | None:
        """Step back one sub-step, undoing an update; None if at the very start."""
        if 0 < self.cursor < len(self.tape):
            self.cursor -= 1
        elif self._undo:
            self._restore(self._undo.pop())
            if self.cursor == 0:
                # Back into the previous pass: recompute its values from the restored state.
                self._load_batch()
                with np.errstate(all="ignore"):
                    for i in range(len(self.tape) - 1):
                        self.tape.run(i)
            self.cursor = len(self.tape) - 1
        else:
            return None
        return self.current_step

    @property
    def can_undo(self) -> bool:
        return 0 < self.cursor < len(self.tape) or bool(self._undo)

    def forward_pass(self) -> None:
        """Run sub-steps up to and including the loss."""
        self._start_pass_if_done()
        while self.tape.steps[self.cursor].phase in ("forward", "loss"):
            self.next_substep()

    def backward_pass(self) -> None:
        """Run sub-steps until only the update is left."""
        self._start_pass_if_done()
        while self.tape.steps[self.cursor].phase != "update":
            self.next_substep()

    def train_step(self) -> None:
        """Finish the current pass, or run a whole one (one batch)."""
        self._start_pass_if_done()
        while self.cursor < len(self.tape):
            self.next_substep()

    def train_epoch(self) -> None:
        """Finish the current epoch, or run a whole one."""
        self.train_step()
        while self.batch_index:
            self.train_step()

    def _snapshot(self) -> None:
        self._undo.append(
            _Snapshot(
                self.network.params.copy(),
                {k: v.copy() for k, v in self.optimizer.state().items()},
                self.optimizer.steps,
                self.epoch,
                self.batch_index,
                self._order.copy(),
                self._shuffle_rng.bit_generator.state,
                self._epoch_loss_sum,
                self._last_epoch_loss,
                self.divergence,
            )
        )

    def _restore(self, snap: _Snapshot) -> None:
        np.copyto(self.network.params, snap.params)
        self.optimizer.load_state(snap.optimizer_state, snap.optimizer_steps)
        self.epoch, self.batch_index = snap.epoch, snap.batch_index
        np.copyto(self._order, snap.order)
        self._reorder()
        self._shuffle_rng.bit_generator.state = snap.shuffle_state
        self._epoch_loss_sum = snap.epoch_loss_sum
        self._last_epoch_loss = snap.last_epoch_loss
        self.divergence = snap.diverged
        self.history.discard_after(self.epoch)

    # -- training in bulk -------------------------------------------------------------

    def train(
        self,
        epochs: int,
        *,
        target_loss: float | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        progress_interval: float = 0.1,
        should_stop: Callable[[], bool] | None = None,
    ) -> TrainResult:
        """Train ``epochs`` more epochs, fast; stop early at ``target_loss`` or divergence.

        ``on_progress`` and ``should_stop`` are called about every
        ``progress_interval`` seconds (and at the end), never per epoch.
        """
        if self.divergence is not None:
            return self._result("diverged", 0)
        # Finish a pass left half-done by stepping so that epochs stay whole.
        if 0 < self.cursor < len(self.tape):
            self.train_step()
        self._undo.clear()
        start = time.perf_counter()
        next_report = start + progress_interval
        target_epoch = self.epoch + epochs
        first_epoch = self.epoch
        tape = self.tape
        body, update = tape.run_pass_body, tape._ops[-1]
        minibatch = self.minibatch
        status = "completed"
        with np.errstate(all="ignore"):
            while self.epoch < target_epoch:
                if minibatch:
                    self._load_batch()
                    tape = self.tape
                    body, update = tape.run_pass_body, tape._ops[-1]
                body()
                if not tape.loss_value < DIVERGENCE_LIMIT:
                    self._check_loss()
                    self.cursor = len(tape) - 1
                    status = "diverged"
                    break
                update()
                self.cursor = len(tape)
                epoch_before = self.epoch
                self._finish_pass()
                if self.epoch == epoch_before:
                    continue
                if target_loss is not None and tape.loss_value <= target_loss and not minibatch:
                    status = "target_reached"
                    break
                if (on_progress or should_stop) and time.perf_counter() >= next_report:
                    next_report += progress_interval
                    if on_progress:
                        on_progress(self._progress(first_epoch, epochs, start))
                    if should_stop and should_stop():
                        status = "stopped"
                        break
                if minibatch and target_loss is not None and self._last_epoch_loss <= target_loss:
                    status = "target_reached"
                    break
        if on_progress:
            on_progress(self._progress(first_epoch, epochs, start))
        return self._result(status, self.epoch - first_epoch)

    def _progress(self, first_epoch: int, total: int, start: float) -> Progress:
        return Progress(
            self.epoch,
            self.epoch - first_epoch,
            total,
            self.last_loss,
            time.perf_counter() - start,
        )

    def _result(self, status: str, epochs_run: int) -> TrainResult:
        return TrainResult(status, epochs_run, self.epoch, self.last_loss, self.divergence)

    @property
    def last_loss(self) -> float:
        """The most recent epoch's loss (per-sample mean); NaN before any training."""
        if self.divergence is not None:
            return self.divergence.loss
        if self.epoch and not math.isnan(self._last_epoch_loss):
            return self._last_epoch_loss
        return self.evaluate().loss

    # -- evaluation ---------------------------------------------------------------------

    def evaluate(self, x: Array | None = None, label: Array | None = None) -> Evaluation:
        """Loss and accuracy of the current weights (on the training data by default)."""
        if x is None:
            x, label = self.dataset.x, self.dataset.label
        return evaluate(self.network, x, label, self.loss)

    def generalisation(self, n: int = 100, seed: int | None = None) -> Evaluation:
        """Accuracy on ``n`` fresh points the network has never seen (the lab's 3.D)."""
        x, label = self.dataset.fresh(n, self.config.seed + 10_000 if seed is None else seed)
        return self.evaluate(x, label)


def divergence_reason(config: RunConfig, loss: float) -> str:
    """Why a loss stopped being finite, and what to try, in the user's words."""
    what = "became NaN" if math.isnan(loss) else "overflowed"
    lr = config.lr
    if all(a == "none" for a in config.activations):
        return (
            f"the loss {what}: with no activation nothing bounds the values, which grow "
            f"through every layer; try a much smaller learning rate (the lab used 5e-6) "
            f"or add a sigmoid"
        )
    return (
        f"the loss {what}: the learning rate {lr:g} is likely too large for this network; "
        f"try {lr / 10:g}"
    )
