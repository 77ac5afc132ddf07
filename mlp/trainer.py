"""Training: step through one sub-step at a time, or train fast in bulk.

Both paths run the same sub-steps of the :class:`~mlp.tape.Tape`, so ``n`` pressed 17
times and one ``train_step()`` leave bit-identical weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy import count_nonzero, equal, greater

from . import datasets
from .config import RunConfig
from .datasets import Dataset
from .evaluate import Evaluation, evaluate
from .history import History
from .losses import get_loss
from .network import Array, Network
from .optimizers import Momentum, make_optimizer
from .state import UNDO_BUDGET, Divergence, TrainerState, UndoStack
from .tape import SubStep, Tape

__all__ = [
    "DIVERGENCE_LIMIT",
    "Divergence",
    "TrainResult",
    "Trainer",
    "TrainerState",
    "TrainingProgress",
    "divergence_reason",
]

# A reported loss above this (or NaN/inf) means training has diverged.
DIVERGENCE_LIMIT = 1e100
HALF = np.array(0.5)


@dataclass(frozen=True)
class TrainResult:
    # "completed", "target_reached", "condition_met" (``until`` held), "diverged" or "stopped"
    status: str
    epochs_run: int
    epoch: int  # epochs completed in all, counting earlier calls
    loss: float  # the last epoch's loss (per-sample mean)
    divergence: Divergence | None = None

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"


@dataclass(frozen=True)
class TrainingProgress:
    """How far a call to ``Trainer.train`` has got, for a progress bar."""

    epoch: int
    epochs_run: int
    total: int
    loss: float
    elapsed: float

    @property
    def epochs_per_second(self) -> float:
        return self.epochs_run / self.elapsed if self.elapsed > 0 else 0.0


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
        self.minibatch = self.batch_rows < n  # else full batch: every pass is one epoch
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
        self.undo_stack = UndoStack(UNDO_BUDGET)
        self.tape = self._tape_for(self.batch_rows)
        # Mini-batches: each batch's rows of the batch-ordered data (views, which _reorder
        # refills in place) and the tape of its size (only the last batch may be shorter).
        self._batches = [
            (
                self._x_ordered[start : start + self.batch_rows],
                self._label_ordered[start : start + self.batch_rows],
                self._tape_for(min(self.batch_rows, n - start)),
            )
            for start in range(0, n, self.batch_rows)
            if self.minibatch
        ]
        self._full_batch_loaded = False
        self._load_batch()
        self.cursor = 0
        # First epoch at 100%: the weights after k epochs were checked for every k below
        # _epochs_checked (see first_epoch_at_100).
        self._first_at_100: int | None = None
        self._epochs_checked = 0

    # -- shape of the run ----------------------------------------------------------

    @property
    def steps(self) -> list[SubStep]:
        return self.tape.steps

    @property
    def current_step(self) -> SubStep | None:
        return self.tape.steps[self.cursor - 1] if self.cursor else None

    @property
    def next_step(self) -> SubStep:
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
            if not self._full_batch_loaded:  # full batch: the data never changes
                self.tape.load(self.dataset.x, self.dataset.label)
                self._full_batch_loaded = True
            return
        x, label, self.tape = self._batches[self.batch_index]
        self.tape.load(x, label)

    # -- live hyper-parameters ------------------------------------------------------

    def set_lr(self, lr: float) -> None:
        self.config = self.config.replace(lr=lr).validated()
        self.optimizer.lr = float(lr)
        if self.divergence and np.isfinite(self.network.params).all():
            self.divergence = None

    def set_momentum(self, momentum: float) -> None:
        self.config = self.config.replace(momentum=momentum).validated()
        if isinstance(self.optimizer, Momentum):
            self.optimizer.momentum = float(momentum)

    # -- one pass (one batch) -------------------------------------------------------

    def _start_pass_if_done(self) -> None:
        if self.cursor == len(self.tape):
            self._load_batch()
            self.cursor = 0

    def _finish_pass(self) -> None:
        """Book-keeping after an update: count the batch, maybe close the epoch."""
        tape = self.tape
        self._epoch_loss_sum += tape.loss_value * tape.rows
        self.batch_index += 1
        if self.batch_index < self.batches_per_epoch:
            return
        self.batch_index = 0
        self.epoch += 1
        epoch_loss = self._epoch_loss_sum / self._samples
        self._epoch_loss_sum = 0.0
        self._last_epoch_loss = epoch_loss
        if self.minibatch:
            # The weights this epoch leaves, on the whole data.
            accuracy = self.evaluate().accuracy
            if self._first_at_100 is None:
                self._note_accuracy_after(self.epoch, accuracy)
        else:
            # What the pass's own forward computed: the weights before this epoch's update.
            accuracy = self._forward_accuracy()
            if self._first_at_100 is None:
                self._note_accuracy_after(self.epoch - 1, accuracy)
        self.history.record(self.epoch, epoch_loss, accuracy)
        if self.minibatch and self.config.shuffle:
            self._shuffle_rng.shuffle(self._order)
            self._reorder()

    def _forward_accuracy(self) -> float:
        """Full batch: the accuracy of the tape's y, without allocating (every epoch, so
        numpy's functions by their bare names: one lookup each, not two)."""
        correct = self._correct
        greater(self.tape.values["y"], HALF, out=correct)
        equal(correct, self._label_true, out=correct)
        return int(count_nonzero(correct)) / correct.size

    def _check_loss(self) -> bool:
        """After the loss sub-step: record a divergence; True while training is sound."""
        loss = self.tape.loss_value
        if loss < DIVERGENCE_LIMIT:
            return True
        self.divergence = Divergence(self.epoch + 1, loss, divergence_reason(self.config, loss))
        return False

    # -- the first epoch at 100% -----------------------------------------------------------

    @property
    def first_epoch_at_100(self) -> int | None:
        """The smallest k ≥ 0 such that the weights after k epochs (k = 0: the initial
        weights) classify every training point (y > 0.5 exactly where label > 0.5); None
        while no such k has been seen.

        Every epoch already measures it: a full-batch pass's forward classifies the whole
        data with the weights the previous epochs left, and a mini-batch epoch ends with an
        evaluation of the weights it leaves (the initial weights are evaluated before the
        first update). Only the weights of the very last epoch may still be unchecked; they
        are evaluated here, once.
        """
        self._settle_first_epoch_at_100()
        return self._first_at_100

    def _settle_first_epoch_at_100(self) -> None:
        """Check the current weights if they are an epoch's end that no pass has checked."""
        # Mid-epoch (batch_index > 0) the weights are no epoch's end.
        unchecked = self._first_at_100 is None and self._epochs_checked <= self.epoch
        if unchecked and self.batch_index == 0:
            self._note_accuracy_after(self.epoch, self.evaluate().accuracy)

    def _note_accuracy_after(self, epochs: int, accuracy: float) -> None:
        """Record the accuracy of the weights after ``epochs`` epochs (checked in order)."""
        if self._first_at_100 is None and epochs >= self._epochs_checked:
            self._epochs_checked = epochs + 1
            if accuracy == 1.0:
                self._first_at_100 = epochs

    # -- stepping through -----------------------------------------------------------

    def next_substep(self) -> SubStep:
        """Run the next sub-step (starting a new pass after an update) and return it."""
        self._start_pass_if_done()
        if self.cursor == len(self.tape) - 1:
            self.undo_stack.push(self.state())
            if self.minibatch:  # about to leave an epoch's start: see first_epoch_at_100
                self._settle_first_epoch_at_100()
        with np.errstate(all="ignore"):
            self.tape.run(self.cursor)
        step = self.tape.steps[self.cursor]
        self.cursor += 1
        if step.phase == "loss":
            self._check_loss()
        if self.cursor == len(self.tape):
            self._finish_pass()
        return step

    def previous_substep(self) -> SubStep | None:
        """Step back one sub-step, undoing an update; None if at the very start."""
        if 0 < self.cursor < len(self.tape):
            self.cursor -= 1
        elif self.undo_stack:
            # At cursor 0 the tape holds the next pass's first values: recompute the pass.
            recompute = self.cursor == 0
            self.restore(self.undo_stack.pop())
            if recompute:
                with np.errstate(all="ignore"):
                    self.tape.run_pass_body()
            self.cursor = len(self.tape) - 1
        else:
            return None
        return self.current_step

    @property
    def can_undo(self) -> bool:
        return 0 < self.cursor < len(self.tape) or bool(self.undo_stack)

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

    # -- the state of the run ----------------------------------------------------------

    def state(self) -> TrainerState:
        """A frozen copy of where training has got to (what undo keeps, what a file saves).

        It does not hold the tape's values (the next pass recomputes them), the history,
        or the cursor within a pass.
        """
        return TrainerState.copy_of(
            params=self.network.params,
            optimizer_state=self.optimizer.state(),
            optimizer_steps=self.optimizer.steps,
            epoch=self.epoch,
            batch_index=self.batch_index,
            batch_order=self._order,
            shuffle_state=self._shuffle_rng.bit_generator.state,
            epoch_loss_sum=self._epoch_loss_sum,
            last_epoch_loss=self._last_epoch_loss,
            divergence=self.divergence,
            first_epoch_at_100=self._first_at_100,
        )

    def restore(self, state: TrainerState) -> None:
        """Go back (or forward) to ``state``, at the start of its pass.

        Raises ValueError if the state does not fit this run (other shapes, another
        optimizer, another batch order, a foreign generator state); nothing is changed then.
        History points after its epoch are dropped.
        """
        self._check_fits(state)
        shuffle_rng = np.random.default_rng()
        try:
            shuffle_rng.bit_generator.state = dict(state.shuffle_state)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"the shuffle state is not one this run can use ({exc})") from None
        np.copyto(self.network.params, state.params)
        self.optimizer.load_state(dict(state.optimizer_state), state.optimizer_steps)
        self.epoch, self.batch_index = state.epoch, state.batch_index
        np.copyto(self._order, state.batch_order)
        self._reorder()
        self._shuffle_rng = shuffle_rng
        self._epoch_loss_sum = state.epoch_loss_sum
        self._last_epoch_loss = state.last_epoch_loss
        self.divergence = state.divergence
        self._first_at_100 = state.first_epoch_at_100
        # A state's first_epoch_at_100 covers the weights after every epoch before its own,
        # and mid-epoch those of its own epoch's start too (mini-batch epochs check the
        # weights they leave; a full-batch pass checks the weights it starts from).
        self._epochs_checked = state.epoch + (1 if self.batch_index else 0)
        self.history.discard_after(self.epoch)
        self._load_batch()
        self.cursor = 0

    def _check_fits(self, state: TrainerState) -> None:
        if state.params.shape != self.network.params.shape:
            raise ValueError(
                f"the state has {state.params.size} parameters, this network "
                f"{self.network.params.size}"
            )
        mine = self.optimizer.state()
        if set(state.optimizer_state) != set(mine):
            raise ValueError("the optimizer state does not match the optimizer")
        for name, value in state.optimizer_state.items():
            if value.shape != mine[name].shape:
                raise ValueError(f"the optimizer's {name} does not match the network")
        if state.batch_order.shape != self._order.shape or not np.array_equal(
            np.sort(state.batch_order), np.arange(self._samples)
        ):
            raise ValueError("the batch order does not match the data")
        if not 0 <= state.batch_index < self.batches_per_epoch:
            raise ValueError(f"batch {state.batch_index} is not one of this run's batches")
        if state.epoch < 0 or state.optimizer_steps < 0:
            raise ValueError("the epoch and the optimizer's steps cannot be negative")

    # -- training in bulk -------------------------------------------------------------

    def train(
        self,
        epochs: int,
        *,
        target_loss: float | None = None,
        until: Callable[[Trainer], bool] | None = None,
        on_progress: Callable[[TrainingProgress], None] | None = None,
        progress_interval: float = 0.1,
        should_stop: Callable[[], bool] | None = None,
    ) -> TrainResult:
        """Train ``epochs`` more epochs, fast; stop early at ``target_loss`` or divergence.

        ``until(trainer)`` is called after every completed epoch; training stops (status
        "condition_met") at the first epoch where it returns True, e.g. a lesson's check.
        ``on_progress`` and ``should_stop`` are called about every ``progress_interval``
        seconds (and at the end), never per epoch.
        """
        if self.divergence is not None:
            return self._result("diverged", 0)
        # Finish a pass left half-done by stepping so that epochs stay whole.
        if 0 < self.cursor < len(self.tape):
            self.train_step()
        self.undo_stack.clear()
        start = time.perf_counter()
        next_report = start + progress_interval
        target_epoch = self.epoch + epochs
        first_epoch = self.epoch
        tape = self.tape
        minibatch = self.minibatch
        substeps = len(tape)  # the same for every batch's tape
        status = "completed"
        if minibatch:  # see first_epoch_at_100; epoch ends check the weights they leave
            self._settle_first_epoch_at_100()
        with np.errstate(all="ignore"):
            while self.epoch < target_epoch:
                if minibatch:
                    self._load_batch()
                    tape = self.tape
                tape.run_pass_body()
                if not tape.loss_value < DIVERGENCE_LIMIT:
                    self._check_loss()
                    self.cursor = substeps - 1
                    status = "diverged"
                    break
                tape.run_update()
                self.cursor = substeps
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
                if until is not None and until(self):
                    status = "condition_met"
                    break
        self._settle_first_epoch_at_100()
        if on_progress:
            on_progress(self._progress(first_epoch, epochs, start))
        return self._result(status, self.epoch - first_epoch)

    def _progress(self, first_epoch: int, total: int, start: float) -> TrainingProgress:
        return TrainingProgress(
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
        if x is None or label is None:
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
