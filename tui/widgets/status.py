"""The status line (epoch, loss, accuracy, speed, running or paused) and the divergence banner."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mlp.losses import get_loss

from .. import format as fmt
from ..snapshot import Snapshot


def status_text(snapshot: Snapshot) -> Text:
    kind = "MSE" if get_loss(snapshot.config.loss).kind == "se" else "BCE"
    loss_text = fmt.number(snapshot.last_loss)
    eps = snapshot.epochs_per_second
    # Only a running worker measures a speed; paused shows a dash so screenshots are stable.
    eps_text = f"{eps:,.0f}" if snapshot.running and eps else "—"
    text = Text()
    text.append(f"epoch {snapshot.epoch:,}", style="bold")
    text.append(f" · loss {loss_text} ({kind}/sample)")
    text.append(f" · accuracy {fmt.percent(snapshot.accuracy)}")
    text.append(f" · {eps_text} epochs/s")
    text.append(f" · speed {snapshot.speed}")
    if snapshot.running:
        text.append(" · ▶ running", style="bold green")
    else:
        text.append(" · ❚❚ paused", style="bold")
    return text


def banner_text(snapshot: Snapshot) -> Text:
    d = snapshot.divergence
    assert d is not None
    text = Text()
    text.append(f"Training diverged at epoch {d.epoch:,}: ", style="bold")
    text.append(d.reason)
    text.append(
        ". Press s to change the settings (e.g. a lower learning rate) or r to start again "
        "from the seed."
    )
    return text


class StatusBar(Static):
    def show(self, snapshot: Snapshot) -> None:
        self.update(status_text(snapshot))


class DivergenceBanner(Static):
    def show(self, snapshot: Snapshot) -> None:
        self.display = snapshot.diverged
        if snapshot.diverged:
            self.update(banner_text(snapshot))
