"""The status line (running or paused, epoch, loss, accuracy, speed) and the divergence banner.

The status line never wraps: fields that do not fit the width are dropped, least important
first (the speed cap, then the measured epochs per second, then accuracy). Its loss is the
current weights' loss over the whole dataset, per sample, and says so ("loss now"); the loss
curve's last point is the last epoch's loss, taken before that epoch's update.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from mlp.losses import get_loss

from .. import format as fmt
from ..snapshot import Snapshot

SEPARATOR = " · "


def status_fields(snapshot: Snapshot) -> list[tuple[int, str, str]]:
    """(importance: 0 = kept longest, text, style) in reading order."""
    kind = "MSE" if get_loss(snapshot.config.loss).kind == "se" else "BCE"
    if snapshot.diverged:
        assert snapshot.divergence is not None
        state = (f"✗ diverged in epoch {fmt.count(snapshot.divergence.epoch)}", "bold red")
    elif snapshot.running:
        state = ("▶ running", "bold green")
    else:
        state = ("❚❚ paused", "bold")
    fields = [
        (0, state[0], state[1]),
        (0, f"epoch {fmt.count(snapshot.epoch)}", "bold"),
        (0, f"loss now {fmt.number(snapshot.loss_now)} ({kind}/sample)", ""),
        (1, f"accuracy {fmt.percent(snapshot.accuracy)}", ""),
    ]
    eps = snapshot.epochs_per_second
    if snapshot.running and eps:
        fields.append((2, f"{fmt.count(round(eps))} epochs/s", ""))
    fields.append((3, f"speed {snapshot.speed}", "dim"))
    return fields


def status_text(snapshot: Snapshot, width: int = 1000) -> Text:
    """The fields that fit in ``width`` columns, on one line."""
    fields = status_fields(snapshot)
    for drop in (4, 3, 2, 1):
        kept = [f for f in fields if f[0] < drop]
        if len(SEPARATOR.join(t for _i, t, _s in kept)) <= width:
            break
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, (_importance, part, style) in enumerate(kept):
        if index:
            text.append(SEPARATOR)
        text.append(part, style=style)
    return text


def banner_text(snapshot: Snapshot) -> Text:
    d = snapshot.divergence
    assert d is not None
    text = Text()
    done = fmt.count(snapshot.epoch)
    text.append(f"Training diverged in epoch {fmt.count(d.epoch)} ({done} complete): ", "bold")
    text.append(d.reason)
    text.append(
        ". Press s to change the settings (e.g. a lower learning rate) or r to start again "
        "from the seed."
    )
    return text


class StatusBar(Static):
    running_redraw: ClassVar[float] = 0.0

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.snapshot is not None:
            # One line, always: a repaint, never a new layout.
            self.update(status_text(self.snapshot, self.content_size.width or 1000), layout=False)


class DivergenceBanner(Static):
    running_redraw: ClassVar[float] = 0.0

    def show(self, snapshot: Snapshot) -> None:
        self.display = snapshot.diverged
        if snapshot.diverged:
            self.update(banner_text(snapshot))
