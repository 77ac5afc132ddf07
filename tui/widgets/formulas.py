"""The Formulas panel: every sub-step of a pass with the selected sample's numbers in it.

Each line reads ``label = formula = numbers = result``: the formula in the lab's notation,
the operands as the engine recorded them, and the result the engine computed. Sub-steps
not yet run in this pass show only their formula, dimmed; the last one run is highlighted.
"""

from __future__ import annotations

import re

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from mlp import SubStep
from mlp.tape import pretty

from .. import format as fmt
from ..snapshot import Snapshot

PHASE_STYLE = {
    "forward": "bold cyan",
    "loss": "bold magenta",
    "backward": "bold yellow",
    "update": "bold green",
}


def _batch(snapshot: Snapshot, key: str) -> str:
    return f"{pretty(key)}‹{fmt.shape(snapshot.batch_shapes[key])}›"


def _operand(snapshot: Snapshot, key: str) -> str:
    """An operand inside a formula: a sample's row briefly, a parameter by its shape."""
    if snapshot.is_per_sample(key):
        return fmt.brief_vector(snapshot.row_values[key])
    return f"{key}‹{fmt.shape(snapshot.matrices[key])}›"


def _substitute(formula: str, names: dict[str, str]) -> str:
    """Replace whole-word operand names (e.g. ``Z1``, ``y``, ``label``) by their numbers."""
    pattern = re.compile(r"(?<![\w∂])(" + "|".join(map(re.escape, names)) + r")(?![\w])")
    return pattern.sub(lambda m: names[m.group(1)], formula)


def numbers(step: SubStep, snapshot: Snapshot) -> tuple[str, str]:
    """(the formula with numbers in, the result) for a sub-step that has run this pass."""
    key, ops = step.key, step.operands
    if step.phase == "update":
        parts = []
        for name in (op for op in ops if not op.startswith("dL/d")):
            grad = snapshot.matrices[f"dL/d{name}"]
            weight = snapshot.matrices[name]
            parts.append(f"‖∂L/∂{name}‖ {fmt.norm(grad)} → ‖{name}'‖ {fmt.norm(weight)}")
        return f"lr {fmt.number(snapshot.config.lr)}: " + ", ".join(parts), ""
    if step.phase == "loss":
        # The objective sums (or averages) over the batch: show this sample's term in it.
        names = {op: _operand(snapshot, op) for op in ops}
        this = f"{_substitute(step.formula, names)} + … ({snapshot.rows} samples)"
        return this, f"{fmt.number(snapshot.loss_value)} per sample"
    result = fmt.matrix(snapshot.matrices[key]) if key in snapshot.matrices else None
    if result is None:
        result = fmt.vector(snapshot.row_values[key])
    if key.startswith("dL/dW"):
        # Summed over the batch: the operands are the whole batch's matrices.
        a_in, d_z = ops
        return f"({_batch(snapshot, a_in)})ᵀ ■ {_batch(snapshot, d_z)}", result
    if key.startswith("dL/db"):
        return f"Σ_rows {_batch(snapshot, ops[0])}", result
    if re.fullmatch(r"dL/dZ\d+", key):
        return " · ".join(_operand(snapshot, op) for op in ops), result
    if key.startswith("dL/d") and key != "dL/dy":
        d_z, w = ops  # ∂L/∂Z_i ■ W_iᵀ
        return f"{_operand(snapshot, d_z)} ■ {w}ᵀ‹{fmt.shape(snapshot.matrices[w].T)}›", result
    # Forward sub-steps and ∂L/∂y: put the operands' numbers into the formula itself.
    names = {op: _operand(snapshot, op) for op in ops}
    names.update({op: f"{op}‹{fmt.shape(snapshot.matrices[op])}›" for op in ops if op[0] in "Wb"})
    return _substitute(step.formula, names), result


def header(snapshot: Snapshot) -> Text:
    x = fmt.vector(snapshot.x[snapshot.sample_index])
    label = fmt.vector(snapshot.label[snapshot.sample_index])
    batch = (
        f" · batch {snapshot.batch_index + 1}/{snapshot.batches_per_epoch}"
        if snapshot.batches_per_epoch > 1
        else ""
    )
    return Text(
        f"sample {snapshot.sample + 1}/{snapshot.rows} (↑/↓): x = {x}, label {label}{batch}"
        f" · sub-step {snapshot.cursor}/{len(snapshot.steps)}",
        style="bold",
    )


def step_lines(snapshot: Snapshot) -> list[tuple[str, Text]]:
    """(marker, line) per sub-step: ▶ the one just run, › the next one."""
    lines = []
    for index, step in enumerate(snapshot.steps):
        done = index < snapshot.cursor
        current = index == snapshot.cursor - 1
        upcoming = index == snapshot.cursor % len(snapshot.steps) and not current
        line = Text()
        line.append(step.label, style=PHASE_STYLE.get(step.phase, "bold"))
        line.append(f"{':' if step.phase == 'update' else ' ='} {step.formula}")
        if done:
            substituted, result = numbers(step, snapshot)
            line.append(f"{' with' if step.phase == 'update' else ' ='} {substituted}")
            if result:
                line.append(" → " if step.phase == "loss" else " = ")
                line.append(result, style="bold")
        if current:
            line.stylize("reverse")
        elif not done:
            line.stylize("dim")
        if upcoming:
            line.append("  (next)", style="dim italic")
        lines.append(("▶" if current else ("›" if upcoming else " "), line))
    return lines


def plain(snapshot: Snapshot) -> str:
    """The panel's text without styles: one line per sub-step after the header."""
    rows = [f"{marker} {line.plain}" for marker, line in step_lines(snapshot)]
    return "\n".join([header(snapshot).plain, *rows])


class FormulasPanel(VerticalScroll, can_focus=False):
    """Scrolls by itself to keep the current sub-step in view."""

    DEFAULT_CSS = """
    FormulasPanel > Static { width: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None

    def compose(self):
        yield Static(id="formulas-text")

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        table = Table.grid(padding=(0, 1))
        table.add_column(width=1)
        table.add_column(ratio=1)
        lines = step_lines(snapshot)
        for marker, line in lines:
            table.add_row(marker, line)
        self.query_one(Static).update(Group(header(snapshot), table))
        if snapshot.running:
            return
        # Keep the current sub-step in view: count the lines above it, wrapped ones too.
        width = max(self.size.width - 4, 20)
        above = lines[: max(snapshot.cursor - 1, 0)]
        offset = 1 + sum(-(-len(line.plain) // width) for _, line in above)
        self.scroll_to(y=max(0, offset - 4), animate=False)

    @property
    def plain(self) -> str:
        return plain(self.snapshot) if self.snapshot is not None else ""


__all__ = ["FormulasPanel", "numbers", "plain", "step_lines"]
