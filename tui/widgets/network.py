"""The Network panel: the architecture as a diagram, the optimizer, and per-layer health."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from mlp.losses import get_loss

from .. import format as fmt
from ..snapshot import Snapshot

SYMBOL = {"sigmoid": "σ", "relu": "ReLU", "leaky_relu": "lReLU", "tanh": "tanh", "none": "id"}


def diagram(snapshot: Snapshot) -> Text:
    """e.g. ``2 ─■W1─▶ 32 σ ─■W2─▶ 32 σ ─■W3─▶ 1 σ``."""
    text = Text()
    text.append(fmt.count(snapshot.sizes[0]), style="bold")
    bias = snapshot.config.bias
    for i, (size, act) in enumerate(zip(snapshot.sizes[1:], snapshot.activations, strict=True), 1):
        text.append(f" ─■W{i}{'+b' if bias else ''}─▶ ", style="dim")
        text.append(fmt.count(size), style="bold")
        text.append(f" {SYMBOL.get(act, act)}", style="cyan")
    return text


def summary(snapshot: Snapshot) -> Text:
    cfg = snapshot.config
    loss = get_loss(cfg.loss)
    optimizer = cfg.optimizer
    if optimizer in ("momentum", "nesterov"):
        optimizer += f" μ {fmt.exact(cfg.momentum)}"
    batch = (
        "full batch"
        if snapshot.batches_per_epoch == 1
        else f"batches of {fmt.count(cfg.batch_size or snapshot.rows)}"
    )
    text = Text(
        f"{optimizer} · lr {fmt.exact(cfg.lr)} · loss {cfg.loss}: {loss.objective_formula}"
        f" · {cfg.dataset} ({fmt.count(len(snapshot.x))} points, {batch}) · seed {cfg.seed}"
    )
    for warning in cfg.warnings():
        text.append(f"\n⚠ {warning}", style="bold")
    return text


def health_table(snapshot: Snapshot) -> Table:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold dim")
    for name in ("layer", "act", "units", "‖W‖", "‖∂L/∂W‖", "dead", "saturated"):
        table.add_column(name, justify="left" if name in ("layer", "act") else "right")
    for h in snapshot.health:
        table.add_row(
            f"W{h.layer}",
            h.activation,
            fmt.count(h.units),
            fmt.number(h.weight_norm),
            fmt.number(h.grad_norm),
            fmt.count(h.dead) if h.activation == "relu" else "–",
            fmt.count(h.saturated) if h.activation in ("sigmoid", "tanh") else "–",
        )
    return table


class NetworkPanel(Static):
    running_redraw: ClassVar[float] = 0.25  # seconds between redraws while training runs
    plain = ""  # the diagram and summary lines as shown, for tests and screen readers

    def show(self, snapshot: Snapshot) -> None:
        lines = (diagram(snapshot), summary(snapshot))
        self.plain = "\n".join(line.plain for line in lines)
        self.update(Group(*lines, health_table(snapshot)))
