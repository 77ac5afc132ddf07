"""The loss curve (textual-plotext), on a linear or log scale."""

from __future__ import annotations

import numpy as np
from textual_plotext import PlotextPlot

from ..snapshot import Snapshot


class LossPlot(PlotextPlot):
    """Plots the snapshot's downsampled history: at most ~1000 points however long the run."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.log_scale = True
        self._key: tuple | None = None
        self._history: tuple = (np.zeros(0), np.zeros(0), np.zeros(0))

    def show(self, snapshot: Snapshot) -> None:
        epochs = snapshot.history[0]
        key = (len(epochs), int(epochs[-1]) if len(epochs) else 0, self.log_scale)
        if key == self._key:
            return  # nothing new: skip the (costly) redraw
        self._key = key
        self._history = snapshot.history
        self._draw()

    def toggle_log(self) -> None:
        self.log_scale = not self.log_scale
        self._key = None
        self._draw()

    def _draw(self) -> None:
        epochs, loss, _accuracy = self._history
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        scale = "log" if self.log_scale else "linear"
        plt.title(f"loss per sample ({scale} scale, o toggles)")
        plt.xlabel("epoch")
        finite = np.isfinite(loss) & ((loss > 0) if self.log_scale else True)
        if finite.any():
            plt.yscale("log" if self.log_scale else "linear")
            epochs, loss = epochs[finite], loss[finite]
            # Braille has two dots per column: more points than that only cost time.
            stride = max(1, len(epochs) // max(2 * self.size.width, 100))
            plt.plot(epochs[::stride].tolist(), loss[::stride].tolist(), marker="braille")
        else:
            plt.title("no epochs yet: e trains one, space runs")
        self.refresh()
