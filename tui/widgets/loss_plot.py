"""The loss curve (textual-plotext), on a log or linear scale.

plotext's ``build`` changes the values it holds in place (its log scale takes log10 of them),
so a second render of the same figure, after a resize say, used to take the log twice and
crash on a math domain error. Here every render starts a fresh figure from the snapshot's
arrays (new lists each time), and the log scale is our own (log10 on a linear axis, ticks in
loss units: see :func:`tui.terminal_plots.draw_loss`), so no render depends on an earlier one.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from ..snapshot import Snapshot
from ..terminal_plots import draw_loss


class LossPlot(PlotextPlot):
    """Every point the run keeps, thinned to the plot's width by each window's min and max."""

    running_redraw: ClassVar[float] = 0.25  # seconds between redraws while training runs

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.log_scale = True
        self._key: tuple | None = None
        self._history: tuple = (np.zeros(0), np.zeros(0), np.zeros(0))

    def show(self, snapshot: Snapshot) -> None:
        epochs, loss, _accuracy = snapshot.history
        key = (len(epochs), int(epochs[-1]) if len(epochs) else 0, float(loss[-1:].sum()))
        if key == self._key:
            return  # nothing new: skip the (costly) redraw
        self._key = key
        self._history = snapshot.history
        self.refresh()

    def toggle_log(self) -> None:
        self.log_scale = not self.log_scale
        self.refresh()

    def render(self) -> RenderResult:
        self._figure()
        return super().render()

    def _figure(self) -> None:
        epochs, loss, _accuracy = self._history
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        scale = "log" if self.log_scale else "linear"
        drawn = draw_loss(
            plt,
            [(np.asarray(epochs), np.asarray(loss), "braille")],
            log=self.log_scale,
            width=max(self.size.width, 20),
        )
        if drawn:
            plt.title(f"loss per sample of each epoch ({scale} scale, o toggles)")
            plt.xlabel("epoch")
        else:
            plt.title("no epochs yet: e trains one, space runs")
