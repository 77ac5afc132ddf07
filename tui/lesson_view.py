"""What the lesson screen's live side shows: a plain :class:`LessonView` of the lesson's trainer,
and the text drawn from it.

:func:`take` copies what is shown out of the trainer, on whichever thread owns it (the UI
thread while the learner steps, the training thread while a run goes on); the drawing
functions read only the view, so they never race the training. Every number goes through
:mod:`tui.format`, and every line is built to the width it is drawn at: matrix rows never wrap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from rich.text import Text

from lessons.checks import CheckError, Expression
from lessons.live import check_values
from mlp import RunConfig, Trainer
from mlp.tape import SubStep

from . import format as fmt

Array = np.ndarray

PREVIEW_ROWS = 3  # matrix rows shown besides the selected sample's, unless told otherwise
# A loss curve whose highest and lowest values differ by less than this fraction of the
# highest is drawn flat: a loss stuck at 0.5238 ± 1e-8 must not look like a steady descent.
FLAT = 1e-4
BARS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class LessonView:
    """The lesson's trainer at one moment, copied: nothing here changes as training goes on."""

    config: RunConfig
    config_text: str  # optimizer, lr, loss and dataset, as a learner writes them
    epoch: int
    loss: float  # the current weights' loss per sample over the whole dataset
    accuracy: float
    diverged: str | None  # why, once the loss overflowed or became NaN
    check: bool | None  # the step's check on these numbers (None: the step has none)
    first_at_100: int | None  # the engine's exact first epoch at 100%
    done: str | None  # label of the sub-step just run ("" before the first)
    done_equation: str
    next_label: str
    rows: int  # samples in the batch on the tape
    sample: int  # the selected one, 0-based
    x: tuple[float, ...]
    label: float
    # The last sub-step's result: its name, whether it has a row per sample, and the rows
    # shown (row number -> values).
    value_name: str = ""
    value_shape: tuple[int, ...] = ()
    value_rows: dict[int, Array] = field(default_factory=dict)
    per_sample: bool = False
    y: float | None = None  # the selected sample's y, once this pass has computed it
    pass_loss: float | None = None  # this pass's loss per sample, once computed
    epochs: Array = field(default_factory=lambda: np.zeros(0))
    losses: Array = field(default_factory=lambda: np.zeros(0))


def config_text(trainer: Trainer) -> str:
    cfg = trainer.config
    optimizer = cfg.optimizer
    if optimizer in ("momentum", "nesterov"):
        optimizer += f" {fmt.exact(cfg.momentum)}"
    return f"{optimizer}, lr {fmt.exact(cfg.lr)}, {cfg.loss}, {cfg.dataset}"


def evaluate_check(check: Expression | None, trainer: Trainer) -> bool | None:
    """The step's check on the trainer now, computing only what it reads; a check that cannot
    be computed (a NaN where it compares) does not hold."""
    if check is None:
        return None
    try:
        return check.evaluate(check_values(trainer, names=check.names))
    except CheckError:
        return False


def take(
    trainer: Trainer, sample: int, check: Expression | None, preview_rows: int = PREVIEW_ROWS
) -> LessonView:
    """Copy what the live side shows, with the first ``preview_rows`` rows of the last
    sub-step's matrix; call it on the thread that owns ``trainer``."""
    tape = trainer.tape
    values = tape.values
    sample = min(max(sample, 0), tape.rows - 1)
    done = trainer.current_step
    computed = {step.key for step in trainer.steps[: trainer.cursor]}
    diverged = trainer.divergence
    if diverged is None:
        evaluation = trainer.evaluate()
        loss, accuracy = evaluation.loss, evaluation.accuracy
    else:  # the weights overflowed: the loss that did it, and nothing classified
        loss, accuracy = diverged.loss, 0.0
    view = LessonView(
        config=trainer.config,
        config_text=config_text(trainer),
        epoch=trainer.epoch,
        loss=loss,
        accuracy=accuracy,
        diverged=diverged.reason if diverged else None,
        check=evaluate_check(check, trainer),
        first_at_100=trainer.first_epoch_at_100,
        done=done.label if done is not None else "",
        done_equation=_equation(done) if done is not None else "",
        next_label=trainer.next_step.label,
        rows=tape.rows,
        sample=sample,
        x=tuple(float(v) for v in values["X"][sample]),
        label=float(values["label"][sample, 0]),
        y=float(values["y"][sample, 0]) if "y" in computed else None,
        pass_loss=tape.loss_value if "loss" in computed else None,
        epochs=np.array(trainer.history.epochs, dtype=float),
        losses=np.array(trainer.history.loss, dtype=float),
    )
    if done is None or done.phase == "update" or done.key not in values:
        return view
    value = np.atleast_2d(np.asarray(values[done.key]))
    per_sample = value.shape[0] == tape.rows and done.phase != "loss"
    shown = sorted({*range(min(preview_rows, value.shape[0])), sample if per_sample else 0})
    return _with_value(view, done.label, value, per_sample, shown)


def _equation(step: SubStep) -> str:
    """The sub-step's equation; an update's for its first weight matrix only, the others being
    alike (the whole update runs to several lines for a momentum or Adam optimizer)."""
    if step.phase != "update":
        return step.equation
    parts = [part.strip() for part in step.formula.split(";")]
    tensors = re.findall(r"(?:^|; )\s*([Wb]\d+)' =", step.formula)
    first = [part for part in parts if re.search(rf"\b{tensors[0]}\b", part)] if tensors else []
    if not first or len(tensors) < 2:
        return f"update: {step.formula}"
    return f"update: {'; '.join(first)}; alike for {', '.join(tensors[1:])}"


def _with_value(
    view: LessonView, name: str, value: Array, per_sample: bool, rows: Iterable[int]
) -> LessonView:
    return replace(
        view,
        value_name=name,
        value_shape=tuple(value.shape),
        value_rows={r: value[r].copy() for r in rows},
        per_sample=per_sample,
    )


# -- drawing ----------------------------------------------------------------------------------


def run_text(view: LessonView) -> Text:
    """The run: its settings, the epoch, and the current weights' loss and accuracy."""
    text = Text()
    text.append(view.config_text + "\n", style="bold")
    text.append(f"epoch {fmt.count(view.epoch)}  loss now {fmt.number(view.loss)}\n")
    text.append(f"accuracy {fmt.percent(view.accuracy)}")
    if view.diverged:
        text.append(f"\ndiverged: {view.diverged}", style="bold")
    return text


def pass_text(view: LessonView, width: int) -> Text:
    """The pass: the sub-step just done, the selected sample and its numbers."""
    width = max(width, 20)
    text = Text()
    if view.done:
        text.append(f"▶ {view.done_equation}\n", style="cyan")
    text.append(f"› next: {view.next_label}\n", style="dim")
    x = ", ".join(fmt.number(v) for v in view.x)
    text.append(f"sample {view.sample + 1} of {view.rows} (↑/↓)\n", style="bold")
    text.append(f"x ({x}), label {fmt.number(view.label, 1)}\n")
    if view.value_name:
        text.append_text(_value_lines(view, width))
    if view.y is not None and view.value_name != "y":
        text.append(f"y = {fmt.number(view.y)} for sample {view.sample + 1}\n")
    if view.pass_loss is not None:
        text.append(f"this pass's loss: {fmt.number(view.pass_loss)} per sample\n")
    return text


def _value_lines(view: LessonView, width: int) -> Text:
    """The last sub-step's result: the selected sample's value, then a few rows of the matrix
    (the selected one marked ▶), as many columns as fit in ``width``: a row never wraps."""
    text = Text()
    name, shape = view.value_name, view.value_shape
    if view.per_sample and shape[1] == 1:
        value = fmt.number(view.value_rows[view.sample][0])
        text.append(f"{name} = {value} for sample {view.sample + 1}\n")
        return text
    text.append(f"{name}: {fmt.shape(shape)}", style="bold")
    text.append(" (rows are samples)\n" if view.per_sample else "\n")
    rows = view.value_rows
    label_width = len(str(max(rows) + 1)) + 1
    cells = {r: [fmt.number(v) for v in row] for r, row in rows.items()}
    cell_width = max(len(c) for row in cells.values() for c in row)
    room = width - label_width - 1
    columns = shape[1]
    fit = max(1, room // (cell_width + 1))
    if fit < columns:
        fit = max(1, (room - 2) // (cell_width + 1))  # room for " …"
    previous = -1
    for r in sorted(rows):
        if r > previous + 1:
            text.append(" " * label_width + "⋮\n", style="dim")
        mark = "▶" if view.per_sample and r == view.sample else " "
        line = f"{mark}{r + 1:>{label_width - 1}} " + " ".join(
            f"{c:>{cell_width}}" for c in cells[r][:fit]
        )
        text.append(line + (" …" if fit < columns else "") + "\n")
        previous = r
    if previous < shape[0] - 1:
        text.append(" " * label_width + "⋮\n", style="dim")
    return text


@dataclass(frozen=True)
class LossChart:
    """The loss sparkline, ready to draw: a caption in words, then bars whose top and bottom
    rows end with the loss they stand for."""

    caption: str  # "loss, epochs 1-125, log scale" or "loss, epochs 1-1,000: flat"
    rows: list[str]  # top row first
    flat: bool


def loss_chart(epochs: Array, losses: Array, width: int, height: int = 3) -> LossChart:
    """Every epoch's loss in ``width`` columns and ``height`` rows, its scale said in words:
    log scale when it spans more than a factor of ten, linear otherwise, the loss at the top
    and at the bottom beside those rows, and a flat line when it changes by less than
    ``FLAT`` of its size. Each column is the highest loss of its epochs, so that a spike one
    epoch long still shows."""
    height = max(height, 1)
    keep = np.isfinite(losses) & (losses > 0)
    epochs, losses = epochs[keep], losses[keep]
    if losses.size == 0:
        return LossChart("loss: no epoch trained yet", [], False)
    first, last = int(epochs[0]), int(epochs[-1])
    span = f"epoch {first}" if first == last else f"epochs {fmt.count(first)}-{fmt.count(last)}"
    low, high = float(losses.min()), float(losses.max())
    if high - low <= FLAT * high:
        line = "─" * max(min(width - len(fmt.number(high)) - 1, losses.size), 1)
        return LossChart(
            f"loss, {span}: flat, changes by under 0.01%",
            [f"{line} {fmt.number(high)}"],
            True,
        )
    digits = _digits_to_tell_apart(low, high)
    top, bottom = fmt.number(high, digits), fmt.number(low, digits)
    label_width = max(len(top), len(bottom)) + 1
    columns = max(width - label_width, 4)
    log = high / low > 10
    column = _columns(epochs, np.log10(losses) if log else losses, columns)
    lowest, highest = (math.log10(low), math.log10(high)) if log else (low, high)
    levels = np.round((column - lowest) / (highest - lowest) * (height * 8 - 1)).astype(int) + 1
    rows = []
    for row in range(height - 1, -1, -1):
        eighths = np.clip(levels - row * 8, 0, 8)
        bars = "".join(BARS[e] for e in eighths).ljust(columns)
        label = top if row == height - 1 else bottom if row == 0 else ""
        rows.append(f"{bars} {label}".rstrip())
    scale = "log scale" if log else "linear scale"
    return LossChart(f"loss, {span}, {scale}", rows, False)


def _columns(epochs: Array, values: Array, width: int) -> Array:
    """The highest value in each of ``width`` equal spans of epochs (a span with no epoch of
    its own repeats the one before), or every value when there are fewer than ``width``."""
    if values.size <= width:
        return values
    edges = np.linspace(epochs[0], epochs[-1], width + 1)
    which = np.clip(np.searchsorted(edges, epochs, side="right") - 1, 0, width - 1)
    out = np.full(width, np.nan)
    np.fmax.at(out, which, values)
    for i in range(1, width):
        if np.isnan(out[i]):
            out[i] = out[i - 1]
    return out


def _digits_to_tell_apart(low: float, high: float) -> int:
    """Significant digits (4 at least) at which ``low`` and ``high`` read differently."""
    for digits in range(4, 10):
        if fmt.number(low, digits) != fmt.number(high, digits):
            return digits
    return 10
