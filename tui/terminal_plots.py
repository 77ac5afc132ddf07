"""Plots for a plain terminal: loss curves and the lab's show_result with plotext, and the
decision boundary as shaded characters that read the same with or without colour."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotext
from rich.text import Text

from mlp import Network
from mlp.evaluate import decision_grid

# Darker shade = output closer to 1; the threshold 0.5 falls between ▒ and ▓.
SHADES = " ░▒▓█"
POINT_MARKS = {0: "o", 1: "x"}


def _start(width: int, height: int, colour: bool) -> None:
    # plotext keeps one global figure; clear_figure() only clears the active subplot, so go
    # back to the main figure first or an earlier side-by-side layout leaks into this plot.
    plotext.main()
    plotext.clear_figure()
    plotext.theme("pro" if colour else "clear")
    plotext.plotsize(width, height)


# One marker per series, so that legends and lines tell series apart without colour.
SERIES_MARKERS = ("*", "+", "o", "x", "#", "@", "%", "&")


def loss_curves(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray]],
    *,
    width: int = 80,
    height: int = 18,
    colour: bool = True,
    title: str = "loss per sample (log scale) vs epoch",
    markers: Sequence[str] | None = None,
) -> str:
    """Overlaid learning curves; non-finite and non-positive points are left out.

    ``markers``: one character per series (e.g. SERIES_MARKERS), else plotext's default.
    """
    _start(width, height, colour)
    drawn = False
    for index, (label, epochs, loss) in enumerate(curves):
        keep = np.isfinite(loss) & (loss > 0)
        if keep.any():
            style = {} if markers is None else {"marker": markers[index % len(markers)]}
            plotext.plot(epochs[keep].tolist(), loss[keep].tolist(), label=label or None, **style)
            drawn = True
    if drawn:
        plotext.yscale("log")
    plotext.title(title)
    plotext.xlabel("epoch")
    return plotext.build()


def truth_and_prediction(
    x: np.ndarray, label: np.ndarray, predicted: np.ndarray, *, width: int = 80, colour: bool = True
) -> str:
    """The lab's show_result: ground truth beside prediction, class 0 as o and class 1 as x."""
    _start(width, max(12, width // 4), colour)
    plotext.subplots(1, 2)
    for column, (title, classes) in enumerate(
        (("Ground truth", label), ("Prediction", predicted)), start=1
    ):
        plotext.subplot(1, column)
        plotext.title(title)
        for cls, marker in POINT_MARKS.items():
            chosen = classes.ravel() == cls
            if chosen.any():
                plotext.scatter(
                    x[chosen, 0].tolist(),
                    x[chosen, 1].tolist(),
                    marker=marker,
                    color="red" if cls == 0 else "blue",
                    label=f"class {cls}",
                )
    built = plotext.build()
    plotext.main()
    plotext.clear_figure()  # leave no split figure behind for the next plotext user
    return built


def decision_boundary(
    network: Network,
    x: np.ndarray,
    label: np.ndarray,
    *,
    width: int = 60,
    height: int = 22,
    colour: bool = True,
) -> Text:
    """The network's output over the data's square as shades, the data points on top."""
    low = float(min(0.0, x.min()))
    high = float(max(1.0, x.max()))
    resolution = max(width, height)
    xs, ys, values = decision_grid(network, resolution=resolution, low=low, high=high)
    cols = np.linspace(0, resolution - 1, width).round().astype(int)
    rows = np.linspace(resolution - 1, 0, height).round().astype(int)  # y grows upwards
    shade = np.clip(np.nan_to_num(values, nan=0.5), 0.0, 1.0)
    cells = [
        [SHADES[min(int(shade[r, c] * len(SHADES)), len(SHADES) - 1)] for c in cols] for r in rows
    ]
    styles = [[_cell_style(shade[r, c]) if colour else "" for c in cols] for r in rows]
    span = high - low or 1.0
    for point, cls in zip(x, label.ravel(), strict=True):
        col = round((point[0] - low) / span * (width - 1))
        row = round((high - point[1]) / span * (height - 1))
        cells[row][col] = POINT_MARKS[int(cls > 0.5)]
        styles[row][col] = ("bold red" if cls <= 0.5 else "bold blue") if colour else ""
    text = Text()
    for r in range(height):
        for c in range(width):
            text.append(cells[r][c], styles[r][c] or None)
        text.append("\n")
    text.append(
        f"x1 from {low:g} to {high:g} (left to right), x2 upwards; shade = output "
        f"({SHADES[0]!r} 0 ... {SHADES[-1]!r} 1); o = class 0, x = class 1",
        "dim" if colour else None,
    )
    return text


def _cell_style(value: float) -> str:
    return "on grey15" if value <= 0.5 else "on grey35"
