"""The Formulas panel's text: each sub-step's formula, and once it has run, its numbers.

A line reads ``label = formula = numbers = result``. Two kinds of line:

- **arithmetic**: every operand is one number (the output layer's y, ∂L/∂y, ∂L/∂Z3, ...). Each
  operand is written with enough significant digits that redoing the line by hand from the
  digits on screen gives the result shown, to its last digit: digits are added (from 4) until
  the line recomputed from its own text rounds to the engine's result. The result is always
  the engine's own value.
- **summary**: an operand is a vector or a matrix, written by its size and norm (``‹32›‖5.085‖``,
  ``W2‹32×32›``), or the line sums over the batch (``+ …``). Its result is the engine's array,
  shown by size, first entries and norm. Such a line cannot be redone by hand from the screen,
  and the panel says so in its legend.

Nothing here imports Textual: the property test renders snapshots through it directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mlp import SubStep
from mlp.losses import BCE_EPS, get_loss
from mlp.tape import pretty

from .. import format as fmt
from ..snapshot import Snapshot, Summary

RESULT_DIGITS = 4  # significant digits of every result
LEGEND = (
    "‹n› a vector of n entries, ‹r×c› a matrix, ‖·‖ its norm: such lines summarise arrays. "
    "Lines of plain numbers check out by hand at the digits shown."
)


@dataclass(frozen=True)
class Line:
    """One sub-step as shown; ``numbers`` and ``result`` are empty until it has run."""

    label: str
    phase: str
    formula: str
    numbers: str = ""
    result: str = ""
    note: str = ""
    arithmetic: bool = False  # every operand a number, the line redone by hand gives result
    details: tuple[str, ...] = ()  # the update: one line per tensor

    @property
    def text(self) -> str:
        sep = ":" if self.phase == "update" else " ="
        parts = [f"{self.label}{sep} {self.formula}"]
        if self.numbers:
            parts.append(f" = {self.numbers}")
        if self.result:
            parts.append(f" = {self.result}")
        if self.note:
            parts.append(f"  ({self.note})")
        return "".join(parts)


# -- arithmetic with digits that check out ---------------------------------------------------


def _is_exact(value: float) -> bool:
    """Whole numbers (labels, 0 and 1 of a ReLU's derivative, N) are written exactly."""
    return bool(np.isfinite(value)) and value == round(value) and abs(value) < 1e6


def operand_text(value: float, digits: int) -> str:
    if _is_exact(value):
        return str(int(value))
    return fmt.number(value, digits)


def _rounds_to(value: float, shown: str) -> bool:
    """``value`` shows as ``shown``, with a margin of a few ulps for other ways to compute it."""
    if fmt.number(value, RESULT_DIGITS) != shown:
        return False
    if not np.isfinite(value) or value == 0:
        return True
    low, high = value * (1 - 1e-12), value * (1 + 1e-12)
    return fmt.number(low, RESULT_DIGITS) == shown == fmt.number(high, RESULT_DIGITS)


def checked(
    operands: Sequence[float],
    evaluate: Callable[..., float],
    result: float,
    write: Callable[[list[str]], str],
) -> tuple[str, str, bool]:
    """(numbers, result, checks out): the fewest digits (4 or more) that redo ``result``."""
    shown = fmt.number(result, RESULT_DIGITS)
    texts: list[str] = []
    for digits in range(RESULT_DIGITS, fmt.MAX_DIGITS + 1):
        texts = [operand_text(v, digits) for v in operands]
        with np.errstate(all="ignore"):
            again = float(evaluate(*(np.float64(t) for t in texts)))
        if _rounds_to(again, shown):
            return write(texts), shown, True
    return write(texts), shown, False


def substitute(formula: str, names: dict[str, str]) -> str:
    """Replace whole-word names (``Z1``, ``y``, ``label``, ``N``) by their text; a negative
    number after an operator gets parentheses, so ``2(y − label)`` reads ``2((-0.5) − 1)``."""
    pattern = re.compile(r"(?<![\w∂])(" + "|".join(map(re.escape, names)) + r")(?![\w])")

    def replace(match: re.Match) -> str:
        text = names[match.group(1)]
        before = formula[: match.start()].rstrip()
        if text.startswith("-") and before and before[-1] in "−+·*/■":
            return f"({text})"
        return text

    return pattern.sub(replace, formula)


# -- the engine's operations on single numbers, as the tape computes them --------------------


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + np.exp(-z))


ACTIVATION_OF: dict[str, Callable[[float], float]] = {
    "sigmoid": _sigmoid,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.maximum(z, z * 0.01),
    "tanh": np.tanh,
    "none": lambda z: z,
}


def _bce_clip(y: float) -> float:
    return float(np.clip(y, BCE_EPS, 1.0 - BCE_EPS))


# -- the lines -------------------------------------------------------------------------------


def _vector(summary: Summary) -> str:
    """A sample's row or a matrix as a result: size, first entries and norm."""
    if summary.size == 1:
        return fmt.number(summary.head[0])
    if summary.size <= fmt.FULL and len(summary.shape) == 1:
        return "[" + ", ".join(fmt.number(v) for v in summary.head) + "]"
    more = " …" if summary.size > len(summary.head) else ""
    entries = " ".join(fmt.number(v) for v in summary.head)
    return f"‹{fmt.shape(summary.shape)}› [{entries}{more}] ‖{fmt.number(summary.norm)}‖"


def array_text(array: np.ndarray) -> str:
    """An array written as a line's result is: a number, a short vector, or size, first
    entries and norm (the learner's values under the engine's, in the same form)."""
    return _vector(Summary.of(np.asarray(array, dtype=float)))


def _brief(snapshot: Snapshot, key: str) -> str:
    """An operand that is not one number: a short row in full, else size and norm."""
    summary = snapshot.values[key]
    if snapshot.is_per_sample(key):
        if summary.size == 1:
            return fmt.number(summary.head[0])
        if summary.size <= fmt.FULL:
            return "[" + ", ".join(fmt.number(v) for v in summary.head) + "]"
        return f"‹{summary.size}›‖{fmt.number(summary.norm)}‖"
    return f"{pretty(key)}‹{fmt.shape(summary.shape)}›"


def _batch(snapshot: Snapshot, key: str) -> str:
    return f"{pretty(key)}‹{fmt.shape(snapshot.batch_shapes[key])}›"


def _scalar(snapshot: Snapshot, key: str) -> float | None:
    """The operand as one number, if it is one and still holds what the line used (after the
    update a weight holds its new value, not the one the pass multiplied by)."""
    if snapshot.pass_done and not snapshot.is_per_sample(key) and not key.startswith("dL/d"):
        return None
    return snapshot.values[key].scalar


def _output_act(snapshot: Snapshot) -> str:
    return snapshot.activations[-1]


def _loss(snapshot: Snapshot) -> tuple[str, str]:
    """(kind, reduction) of the run's loss: ('se' | 'bce', 'sum' | 'mean')."""
    loss = get_loss(snapshot.config.loss)
    return loss.kind, loss.reduction


def display_formula(step: SubStep, snapshot: Snapshot) -> str:
    """The formula as the panel writes it (the engine's, with the BCE simplification)."""
    kind, reduction = _loss(snapshot)
    depth = len(snapshot.activations)
    if step.key == f"dL/dZ{depth}" and kind == "bce" and _output_act(snapshot) == "sigmoid":
        simple = "y − label" if reduction == "sum" else "(y − label)/N"
        return f"{step.formula} = {simple}"
    if step.key == "loss" and kind == "bce":
        return f"{step.formula}, y clipped to [1e-12, 1 − 1e-12]"
    return step.formula


def _forward(step: SubStep, snapshot: Snapshot) -> Line:
    ops = step.operands
    value = snapshot.values[step.key]
    formula = display_formula(step, snapshot)
    scalars = [_scalar(snapshot, op) for op in ops]
    if value.size == 1 and all(s is not None for s in scalars):
        if step.key == f"Z{step.layer}":  # a 1×1 weight: Z = a ■ w (+ b)

            def evaluate(*v: float) -> float:
                return v[0] * v[1] + (v[2] if len(v) > 2 else 0.0)

        else:
            if ops[0] == step.formula:  # no activation: A is Z itself
                return Line(step.label, step.phase, formula, result=_vector(value))
            act = ACTIVATION_OF[snapshot.activations[step.layer - 1]]

            def evaluate(*v: float) -> float:
                return act(v[0])

        numbers, result, exact = checked(
            scalars,  # type: ignore[arg-type]
            evaluate,
            float(value.head[0]),
            lambda texts: substitute(formula, dict(zip(ops, texts, strict=True))),
        )
        return Line(step.label, step.phase, formula, numbers, result, arithmetic=exact)
    names = {op: _brief(snapshot, op) for op in ops}
    return Line(step.label, step.phase, formula, substitute(formula, names), _vector(value))


def _loss_line(step: SubStep, snapshot: Snapshot) -> Line:
    kind, reduction = _loss(snapshot)
    y, label = _scalar(snapshot, "y"), _scalar(snapshot, "label")
    formula = display_formula(step, snapshot)
    rows = snapshot.rows
    per_sample = f"{fmt.number(snapshot.loss_value)} per sample"
    if y is None or label is None:  # several outputs: not this lab's networks
        return Line(step.label, step.phase, formula, "…", fmt.number(snapshot.objective))
    if kind == "se":
        term = "(y − label)²"
        operands = [y, label]

        def evaluate(y: float, label: float) -> float:
            return (y - label) * (y - label)

    else:
        term = "−[label·log(y) + (1 − label)·log(1 − y)]"
        operands = [_bce_clip(y), label]  # y as the loss takes it: clipped

        def evaluate(y: float, label: float) -> float:
            return -(label * np.log(y) + (1.0 - label) * np.log(1.0 - y))

    def write(texts: list[str]) -> str:
        return substitute(term, {"y": texts[0], "label": texts[1]})

    if rows == 1:
        numbers, result, exact = checked(operands, evaluate, snapshot.objective, write)
        note = per_sample if reduction == "sum" else ""
        return Line(step.label, step.phase, formula, numbers, result, note, arithmetic=exact)
    this = write([operand_text(v, RESULT_DIGITS) for v in operands])
    numbers = f"{this} + … over {fmt.count(rows)} samples"
    if reduction == "mean":
        numbers = f"[{this} + …]/{fmt.count(rows)}"
    result = fmt.number(snapshot.objective)
    return Line(step.label, step.phase, formula, numbers, result, per_sample)


def _dl_dy(step: SubStep, snapshot: Snapshot) -> Line:
    kind, reduction = _loss(snapshot)
    y, label = _scalar(snapshot, "y"), _scalar(snapshot, "label")
    value = snapshot.values[step.key]
    formula = step.formula
    if y is None or label is None:
        return Line(step.label, step.phase, formula, "", _vector(value))
    n = float(snapshot.batch_shapes["y"][0] * snapshot.batch_shapes["y"][1])
    note = ""
    if kind == "se":
        operands = [y, label, n]

        def evaluate(y: float, label: float, n: float) -> float:
            residual = y - label
            return residual + residual if reduction == "sum" else residual * (2.0 / n)

    else:
        p = _bce_clip(y)
        operands = [p, label, n]
        if p != y:
            note = f"y clipped to {'1e-12' if p < 0.5 else '1 − 1e-12'}"

        def evaluate(y: float, label: float, n: float) -> float:  # y clipped, as above
            out = (y - label) / (y * (1.0 - y))
            return out if reduction == "sum" else out / n

    def write(texts: list[str]) -> str:
        return substitute(formula, {"y": texts[0], "label": texts[1], "N": texts[2]})

    numbers, result, exact = checked(operands, evaluate, float(value.head[0]), write)
    return Line(step.label, step.phase, formula, numbers, result, note, arithmetic=exact)


def _dl_dz(step: SubStep, snapshot: Snapshot) -> Line:
    ops = step.operands
    value = snapshot.values[step.key]
    formula = display_formula(step, snapshot)
    a, b = (_scalar(snapshot, op) for op in ops)
    if a is None or b is None or value.size != 1:
        numbers = " · ".join(_brief(snapshot, op) for op in ops)
        return Line(step.label, step.phase, formula, numbers, _vector(value))
    result = float(value.head[0])
    if formula != step.formula:  # BCE after a sigmoid: ∂L/∂Z = y − label (÷N)
        _kind, reduction = _loss(snapshot)
        y, label = _scalar(snapshot, "y"), _scalar(snapshot, "label")
        n = float(snapshot.batch_shapes["y"][0])
        simple = "y − label" if reduction == "sum" else "(y − label)/N"

        def simplified(y: float, label: float, n: float) -> float:
            return (y - label) if reduction == "sum" else (y - label) / n

        numbers, shown, exact = checked(
            [y, label, n],  # type: ignore[list-item]
            simplified,
            result,
            lambda t: substitute(simple, {"y": t[0], "label": t[1], "N": t[2]}),
        )
        if exact:
            return Line(step.label, step.phase, formula, numbers, shown, arithmetic=True)
        # y was clipped: the simplification no longer holds; show the product the engine took.
        formula = step.formula
        note = "y clipped: here ∂L/∂Z ≠ y − label"
    else:
        note = ""
    numbers, shown, exact = checked(
        [a, b], lambda a, b: a * b, result, lambda t: f"{_signed(t[0])} · {_signed(t[1], True)}"
    )
    return Line(step.label, step.phase, formula, numbers, shown, note, arithmetic=exact)


def _signed(text: str, after_operator: bool = False) -> str:
    return f"({text})" if after_operator and text.startswith("-") else text


def _dl_dw(step: SubStep, snapshot: Snapshot) -> Line:
    a_in, d_z = step.operands
    value = snapshot.values[step.key]
    a, d = _scalar(snapshot, a_in), _scalar(snapshot, d_z)
    if snapshot.rows == 1 and a is not None and d is not None:
        numbers, shown, exact = checked(
            [a, d],
            lambda a, d: a * d,
            float(value.head[0]),
            lambda t: f"({t[0]})ᵀ ■ {_signed(t[1], True)}",
        )
        return Line(step.label, step.phase, step.formula, numbers, shown, arithmetic=exact)
    numbers = f"({_batch(snapshot, a_in)})ᵀ ■ {_batch(snapshot, d_z)}"
    return Line(step.label, step.phase, step.formula, numbers, _vector(value))


def _dl_db(step: SubStep, snapshot: Snapshot) -> Line:
    value = snapshot.values[step.key]
    numbers = f"Σ_rows {_batch(snapshot, step.operands[0])}"
    return Line(step.label, step.phase, step.formula, numbers, _vector(value))


def _dl_da(step: SubStep, snapshot: Snapshot) -> Line:
    d_z, w = step.operands
    value = snapshot.values[step.key]
    d, weight = _scalar(snapshot, d_z), _scalar(snapshot, w)
    if d is not None and weight is not None and value.size == 1:
        numbers, shown, exact = checked(
            [d, weight],
            lambda d, w: d * w,
            float(value.head[0]),
            lambda t: f"{t[0]} ■ {_signed(t[1], True)}ᵀ",
        )
        return Line(step.label, step.phase, step.formula, numbers, shown, arithmetic=exact)
    shape = fmt.shape(tuple(reversed(snapshot.values[w].shape)))
    numbers = f"{_brief(snapshot, d_z)} ■ {w}ᵀ‹{shape}›"
    return Line(step.label, step.phase, step.formula, numbers, _vector(value))


def _update(step: SubStep, snapshot: Snapshot, done: bool) -> Line:
    opt = snapshot.optimizer
    constants = ", ".join(f"{name} = {_constant(name, v)}" for name, v in opt.constants)
    details = []
    for tensor in opt.tensors:
        line = tensor.formula
        if done:
            norms = [f"‖{name}'‖ {fmt.number(v)}" for name, v in tensor.state]
            norms.append(f"‖{tensor.name}'‖ {fmt.number(tensor.weight_norm)}")
            line += f"  →  ‖∂L/∂{tensor.name}‖ {fmt.number(tensor.grad_norm)}, " + ", ".join(norms)
        details.append(line)
    return Line(step.label, step.phase, f"with {constants}", details=tuple(details))


def _constant(name: str, value: float) -> str:
    return fmt.count(int(value)) if name == "t" else fmt.exact(value)


def lines(snapshot: Snapshot) -> list[tuple[str, Line]]:
    """(marker, line) per sub-step: ``▶`` the one just run, ``›`` the next one."""
    out = []
    for index, step in enumerate(snapshot.steps):
        done = index < snapshot.cursor
        current = index == snapshot.cursor - 1
        upcoming = index == snapshot.cursor % len(snapshot.steps) and not current
        line = _line(step, snapshot, done)
        out.append(("▶" if current else ("›" if upcoming else " "), line))
    return out


def _line(step: SubStep, snapshot: Snapshot, done: bool) -> Line:
    key = step.key
    if step.phase == "update":
        return _update(step, snapshot, done)
    if not done:
        return Line(step.label, step.phase, display_formula(step, snapshot))
    if step.phase == "forward":
        return _forward(step, snapshot)
    if key == "loss":
        return _loss_line(step, snapshot)
    if key == "dL/dy":
        return _dl_dy(step, snapshot)
    if re.fullmatch(r"dL/dZ\d+", key):
        return _dl_dz(step, snapshot)
    if key.startswith("dL/dW"):
        return _dl_dw(step, snapshot)
    if key.startswith("dL/db"):
        return _dl_db(step, snapshot)
    return _dl_da(step, snapshot)


def header(snapshot: Snapshot) -> str:
    """Which sample, batch and sub-step the numbers below are: all from the tape itself."""
    x = _vector(snapshot.values["X"])
    label = snapshot.values["label"]
    label_text = operand_text(float(label.head[0]), RESULT_DIGITS) if label.size == 1 else "?"
    batch = (
        f" · batch {snapshot.tape_batch}/{snapshot.batches_per_epoch}"
        if snapshot.batches_per_epoch > 1
        else ""
    )
    return (
        f"sample {snapshot.sample + 1}/{snapshot.rows} (↑/↓): x = {x}, label {label_text}{batch}"
        f" · sub-step {snapshot.cursor}/{len(snapshot.steps)}"
    )


def plain(snapshot: Snapshot) -> str:
    """The panel's text without styles: the header, then one line per sub-step."""
    rows = [header(snapshot)]
    for marker, line in lines(snapshot):
        rows.append(f"{marker} {line.text}")
        rows += [f"    {detail}" for detail in line.details]
    rows.append(f"  {LEGEND}")
    return "\n".join(rows)
