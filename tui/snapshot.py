"""A frozen copy of everything the app's panels show, taken from a Trainer in one go.

Widgets render snapshots, never the live trainer: while training runs in a thread, the
thread takes the snapshot between epochs and posts it, so the UI thread never reads arrays
the training loop is writing. Taking one only copies and reads what the engine computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mlp import Divergence, RunConfig, SubStep, Trainer
from mlp.evaluate import decision_grid
from mlp.introspect import LayerHealth, layer_health
from mlp.tape import act_name

Array = np.ndarray

HISTORY_POINTS = 1000  # the loss curve never plots more than this
BATCH_ROWS_SHOWN = 32  # rows of the batch heatmap in the Layers panel


@dataclass(frozen=True)
class LayerView:
    """One layer for the Layers panel: the selected sample's Z and A, and the batch's A."""

    layer: int
    activation: str
    z_key: str
    a_key: str
    z: Array  # (units,) for the selected sample
    a: Array
    batch_a: Array  # (min(rows, BATCH_ROWS_SHOWN), units)
    dead: Array  # (units,) bool: ReLU unit off for every sample of the batch
    saturated: Array  # (units,) bool: sigmoid/tanh derivative below SATURATION for all


@dataclass(frozen=True)
class Snapshot:
    config: RunConfig
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    optimizer_formula: str
    epoch: int
    cursor: int
    steps: tuple[SubStep, ...]
    batch_index: int
    batches_per_epoch: int
    rows: int  # samples in the current batch
    sample: int  # selected row of the batch
    sample_index: int  # that row's index in the dataset
    row_values: dict[str, Array]  # per-sample tape arrays: row ``sample``, copied
    batch_shapes: dict[str, tuple[int, ...]]  # per-sample tape arrays: shape of the whole batch
    matrices: dict[str, Array]  # weights, biases and their gradients, copied
    loss_value: float  # the current batch's loss, per sample
    last_loss: float  # the last epoch's loss, per sample (NaN before any)
    accuracy: float
    divergence: Divergence | None
    history: tuple[Array, Array, Array]  # epochs, loss, accuracy (downsampled)
    health: tuple[LayerHealth, ...]
    layers: tuple[LayerView, ...]
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
    def diverged(self) -> bool:
        return self.divergence is not None

    def value(self, key: str) -> Array:
        """A tape value as the Formulas panel shows it: a sample's row, or a whole matrix."""
        if key in self.row_values:
            return self.row_values[key]
        return self.matrices[key]

    def is_per_sample(self, key: str) -> bool:
        return key in self.row_values


def parameter_keys(trainer: Trainer) -> set[str]:
    names = set(trainer.network.views)
    return names | {f"dL/d{name}" for name in names}


def take(
    trainer: Trainer,
    sample: int = 0,
    *,
    grid_resolution: int | None = None,
    running: bool = False,
    epochs_per_second: float | None = None,
    speed: str = "",
) -> Snapshot:
    """Copy what the panels need; ``sample`` is clamped to the current batch."""
    tape = trainer.tape
    values = tape.values
    rows = tape.rows
    sample = min(max(sample, 0), rows - 1)
    params = parameter_keys(trainer)
    row_values: dict[str, Array] = {}
    batch_shapes: dict[str, tuple[int, ...]] = {}
    matrices: dict[str, Array] = {}
    for key, array in values.items():
        if key in params:
            matrices[key] = array.copy()
        else:
            row_values[key] = array[sample].copy()
            batch_shapes[key] = array.shape
    net = trainer.network
    depth = net.depth
    health = layer_health(tape)
    layers = []
    with np.errstate(all="ignore"):
        for i, layer in enumerate(health, start=1):
            z, a_key = values[f"Z{i}"], act_name(i, depth)
            layers.append(
                LayerView(
                    i,
                    layer.activation,
                    f"Z{i}",
                    a_key,
                    z[sample].copy(),
                    values[a_key][sample].copy(),
                    values[a_key][:BATCH_ROWS_SHOWN].copy(),
                    layer.dead_units,
                    layer.saturated_units,
                )
            )
        evaluation = trainer.evaluate()
        grid = None
        if grid_resolution:
            grid = decision_grid(net, resolution=grid_resolution)[2]
    batch = trainer.batch_indices
    cfg = trainer.config
    return Snapshot(
        config=cfg,
        sizes=tuple(net.sizes),
        activations=tuple(a.name for a in net.activations),
        optimizer_formula=trainer.steps[-1].formula,
        epoch=trainer.epoch,
        cursor=trainer.cursor,
        steps=tuple(trainer.steps),
        batch_index=trainer.batch_index,
        batches_per_epoch=trainer.batches_per_epoch,
        rows=rows,
        sample=sample,
        sample_index=int(batch[sample]) if sample < len(batch) else sample,
        row_values=row_values,
        batch_shapes=batch_shapes,
        matrices=matrices,
        loss_value=float(tape.loss_value),
        last_loss=float(trainer.last_loss),
        accuracy=float(evaluation.accuracy),
        divergence=trainer.divergence,
        history=trainer.history.downsampled(HISTORY_POINTS),
        health=tuple(health),
        layers=tuple(layers),
        x=trainer.dataset.x,
        label=trainer.dataset.label,
        prediction=evaluation.prediction,
        grid=grid,
        can_undo=trainer.can_undo,
        running=running,
        epochs_per_second=epochs_per_second,
        speed=speed,
    )
