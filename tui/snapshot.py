"""A frozen copy of everything the app's panels show, taken from a Trainer in one go.

Widgets render snapshots, never the live trainer: while training runs in a thread, the thread
takes the snapshot between chunks and posts it, so the UI thread never reads arrays the
training loop is writing. Taking one only copies and reads what the engine computed, and only
what is shown (a few entries and the norm of a matrix, at most ``UNITS_SHOWN`` units of a
layer), so it stays cheap however large the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from mlp import Divergence, RunConfig, SubStep, Trainer
from mlp.evaluate import Evaluation, decision_grid
from mlp.introspect import LayerHealth, layer_health
from mlp.tape import act_name

Array = np.ndarray

BATCH_ROWS_SHOWN = 32  # rows of the batch heatmap in the Layers panel
UNITS_SHOWN = 256  # units of a layer the Layers panel can show (it is never wider)
HEAD = 3  # entries of a vector or matrix kept besides its norm
# Multiply-adds one decision grid may cost: a huge network gets a coarser grid, never a stall.
GRID_WORK = 2e7
MIN_GRID = 8


def norm_of(array: Array) -> float:
    """‖array‖, the Euclidean norm, as np.linalg.norm computes it (√Σx², no scaling), but by
    einsum: BLAS's dot, which np.linalg.norm calls, took 15 ms for 200,000 numbers on a busy
    machine (its threads wait for cores), einsum 0.15 ms."""
    flat = array.reshape(-1)
    return math.sqrt(float(np.einsum("i,i", flat, flat)))


@dataclass(frozen=True)
class Summary:
    """What the panels show of an array: its shape, its first entries and its norm."""

    shape: tuple[int, ...]
    head: Array  # the first HEAD entries, flattened (all of them for a scalar or a pair)
    norm: float

    @classmethod
    def of(cls, array: Array) -> Summary:
        flat = array.reshape(-1)
        with np.errstate(all="ignore"):
            norm = norm_of(flat)
        return cls(tuple(array.shape), flat[:HEAD].copy(), norm)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def scalar(self) -> float | None:
        return float(self.head[0]) if self.size == 1 else None


@dataclass(frozen=True)
class LayerView:
    """One layer for the Layers panel: the selected sample's Z and A, and the batch's A."""

    layer: int
    activation: str
    z_key: str
    a_key: str
    units: int
    z: Array  # (shown units,) for the selected sample
    a: Array
    batch_a: Array  # (min(rows, BATCH_ROWS_SHOWN), shown units)
    dead: Array  # (shown units,) bool: ReLU unit off for every sample of the batch
    saturated: Array  # (shown units,) bool: sigmoid/tanh derivative below SATURATION for all
    dead_count: int  # over every unit, shown or not
    saturated_count: int
    max_abs_z: float  # max |Z| over the selected sample's units


@dataclass(frozen=True)
class TensorUpdate:
    """One parameter tensor's update: its formula and the norms after it."""

    name: str  # W1, b1, ...
    formula: str
    grad_norm: float
    weight_norm: float  # after the update
    state: tuple[tuple[str, float], ...]  # (name, norm) of the optimizer's state, e.g. V_W1


@dataclass(frozen=True)
class OptimizerView:
    name: str
    constants: tuple[tuple[str, float], ...]  # lr first, then μ or β1, β2, ε, t
    tensors: tuple[TensorUpdate, ...]


@dataclass(frozen=True)
class Snapshot:
    config: RunConfig
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    epoch: int  # epochs completed
    cursor: int  # sub-steps of the tape's pass run so far
    steps: tuple[SubStep, ...]  # the tape's sub-steps
    tape_batch: int  # which batch (1-based) of the epoch the tape's numbers come from
    batches_per_epoch: int
    rows: int  # samples in the tape's batch
    sample: int  # selected row of that batch
    values: dict[str, Summary]  # tape values: the sample's row, or a parameter whole
    per_sample: frozenset[str]  # keys of ``values`` that are one row of a batch array
    batch_shapes: dict[str, tuple[int, ...]]  # per-sample keys: the whole batch's shape
    objective: float  # L, the minimised loss, over the tape's batch
    loss_value: float  # the tape's batch loss per sample
    loss_now: float  # the current weights' loss per sample over the whole dataset
    accuracy: float  # the current weights' accuracy over the whole dataset
    divergence: Divergence | None
    history: tuple[Array, Array, Array]  # epochs, loss, accuracy: every point the run keeps
    health: tuple[LayerHealth, ...]
    layers: tuple[LayerView, ...]
    optimizer: OptimizerView
    x: Array  # the dataset's points and labels (never change during a run)
    label: Array
    prediction: Array  # the network's output for every point
    grid: Array | None  # decision_grid values[row=y, col=x], or None when not wanted
    can_undo: bool
    running: bool = False
    epochs_per_second: float | None = None
    speed: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def current_step(self) -> SubStep | None:
        return self.steps[self.cursor - 1] if self.cursor else None

    @property
    def next_step(self) -> SubStep:
        return self.steps[self.cursor % len(self.steps)]

    @property
    def pass_done(self) -> bool:
        return self.cursor == len(self.steps)

    @property
    def tape_pass(self) -> int:
        """Which training step, counted from the seed (1 is the first), the tape's numbers
        belong to: after an update, the step just finished; else the one under way."""
        batches = self.batches_per_epoch
        return self.epoch * batches + (
            self.tape_batch % batches if self.pass_done else self.tape_batch
        )

    @property
    def diverged(self) -> bool:
        return self.divergence is not None

    def is_per_sample(self, key: str) -> bool:
        return key in self.per_sample


def parameter_keys(trainer: Trainer) -> set[str]:
    names = set(trainer.network.views)
    return names | {f"dL/d{name}" for name in names}


def affordable_resolution(trainer: Trainer, wanted: int) -> int:
    """``wanted``, or less when a grid that fine would cost more than GRID_WORK."""
    affordable = int(math.sqrt(GRID_WORK / max(trainer.network.n_params, 1)))
    return max(MIN_GRID, min(wanted, affordable))


def take(
    trainer: Trainer,
    sample: int = 0,
    *,
    grid_resolution: int | None = None,
    running: bool = False,
    epochs_per_second: float | None = None,
    speed: str = "",
    evaluation: Evaluation | None = None,
) -> Snapshot:
    """Copy what the panels need; ``sample`` is clamped to the tape's batch.

    ``evaluation`` is the current weights' evaluation when the caller already has it (a
    forward pass over the whole dataset is most of a snapshot's cost on a large network).
    """
    tape = trainer.tape
    values = tape.values
    rows = tape.rows
    sample = min(max(sample, 0), rows - 1)
    params = parameter_keys(trainer)
    summaries: dict[str, Summary] = {}
    batch_shapes: dict[str, tuple[int, ...]] = {}
    for key, array in values.items():
        if key in params:
            summaries[key] = Summary.of(array)
        else:
            summaries[key] = Summary.of(array[sample])
            batch_shapes[key] = array.shape
    net = trainer.network
    with np.errstate(all="ignore"):
        health = tuple(layer_health(tape))  # a diverged run's norms overflow: inf, not a warning
        layers = tuple(_layer(trainer, h, sample) for h in health)
        if evaluation is None:
            evaluation = trainer.evaluate()
        objective = trainer.loss.objective(values["y"], values["label"])
        grid = None
        if grid_resolution:
            resolution = affordable_resolution(trainer, grid_resolution)
            grid = decision_grid(net, resolution=resolution)[2]
    cursor = trainer.cursor
    batches = trainer.batches_per_epoch
    # After an update the trainer already counts the next batch; the tape still holds this one.
    tape_batch = trainer.batch_index + 1
    if cursor == len(tape):
        tape_batch = (trainer.batch_index - 1) % batches + 1
    return Snapshot(
        config=trainer.config,
        sizes=tuple(net.sizes),
        activations=tuple(a.name for a in net.activations),
        epoch=trainer.epoch,
        cursor=cursor,
        steps=tuple(trainer.steps),
        tape_batch=tape_batch,
        batches_per_epoch=batches,
        rows=rows,
        sample=sample,
        values=summaries,
        per_sample=frozenset(batch_shapes),
        batch_shapes=batch_shapes,
        objective=float(objective),
        loss_value=float(tape.loss_value),
        loss_now=float(evaluation.loss),
        accuracy=float(evaluation.accuracy),
        divergence=trainer.divergence,
        history=(trainer.history.epochs, trainer.history.loss, trainer.history.accuracy),
        health=health,
        layers=layers,
        optimizer=_optimizer(trainer),
        x=trainer.dataset.x,
        label=trainer.dataset.label,
        prediction=evaluation.prediction,
        grid=grid,
        can_undo=trainer.can_undo,
        running=running,
        epochs_per_second=epochs_per_second,
        speed=speed,
    )


def _layer(trainer: Trainer, health: LayerHealth, sample: int) -> LayerView:
    """The layer's view, its dead and saturated units from :mod:`mlp.introspect`."""
    values, i = trainer.tape.values, health.layer
    a_key = act_name(i, trainer.network.depth)
    shown = slice(0, UNITS_SHOWN)
    row = values[f"Z{i}"][sample]
    finite = np.abs(row[np.isfinite(row)])
    max_abs = float(finite.max()) if finite.size else float("nan")
    return LayerView(
        i,
        health.activation,
        f"Z{i}",
        a_key,
        health.units,
        row[shown].copy(),
        values[a_key][sample, shown].copy(),
        values[a_key][:BATCH_ROWS_SHOWN, shown].copy(),
        health.dead_units[shown].copy(),
        health.saturated_units[shown].copy(),
        health.dead,
        health.saturated,
        max_abs,
    )


def _optimizer(trainer: Trainer) -> OptimizerView:
    optimizer, net = trainer.optimizer, trainer.network
    name = trainer.config.optimizer
    constants: list[tuple[str, float]] = [("lr", float(optimizer.lr))]
    if name in ("momentum", "nesterov"):
        constants.append(("μ", trainer.config.momentum))
    elif name == "adam":
        constants += [
            ("β1", optimizer.beta1),  # type: ignore[attr-defined]
            ("β2", optimizer.beta2),  # type: ignore[attr-defined]
            ("ε", optimizer.eps),  # type: ignore[attr-defined]
            # t of the update shown: the next one until it has run in this pass.
            ("t", optimizer.steps + (trainer.cursor < len(trainer.steps))),
        ]
    states = {key: net.split(flat) for key, flat in optimizer.state().items()}
    state_names = {"velocity": "V_{}", "m": "m_{}", "v": "v_{}"}
    grads = trainer.tape.values
    tensors = []
    with np.errstate(all="ignore"):
        for spec in net.specs:
            w = spec.name
            state = tuple(
                (state_names.get(key, key + "_{}").format(w), norm_of(views[w]))
                for key, views in states.items()
            )
            tensors.append(
                TensorUpdate(
                    w,
                    optimizer.formula(w, f"∂L/∂{w}"),
                    norm_of(grads[f"dL/d{w}"]),
                    norm_of(net.views[w]),
                    state,
                )
            )
    return OptimizerView(name, tuple(constants), tuple(tensors))
