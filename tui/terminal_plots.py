"""Plots for a plain terminal and the app: loss curves and the lab's show_result with plotext,
and the decision boundary as shaded characters that read the same with or without colour.

Meaning never rides on colour alone: each loss curve has its own marker, named in a legend
printed under the chart (never over the data), and classes are ``o`` and ``x``.

A log-scale loss axis is drawn by plotting log10 of the loss on a linear axis with ticks
labelled in loss units (:func:`log_axis`): larger losses are always higher, however narrow the
range (plotext's own log scale can invert a flat curve's axis), and plotext, whose ``build``
transforms the values it holds in place, only ever gets fresh copies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotext
from rich.text import Text

from mlp import Network
from mlp.evaluate import decision_grid

from . import format as fmt

# Darker shade = output closer to 1; the threshold 0.5 falls between ▒ and ▓.
SHADES = " ░▒▓█"
POINT_MARKS = {0: "o", 1: "x"}
# One marker per curve, so that curves and legends differ without colour.
CURVE_MARKERS = ("•", "x", "+", "o", "*", "#", "@", "%", "=", "~", "^", "$")
SERIES_MARKERS = CURVE_MARKERS  # the name the lesson report uses
TICKS = 5  # about this many ticks on an axis


def _start(width: int, height: int, colour: bool) -> None:
    # plotext keeps one global figure; clear_figure() only clears the active subplot, so go
    # back to the main figure first or an earlier side-by-side layout leaks into this plot.
    plotext.main()
    plotext.clear_figure()
    plotext.theme("pro" if colour else "clear")
    plotext.plotsize(width, height)


# -- axes -------------------------------------------------------------------------------------


def _nice_step(span: float, ticks: int = TICKS) -> float:
    """A step of 1, 2 or 5 times a power of ten giving about ``ticks`` ticks over ``span``."""
    raw = span / max(ticks - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def log_axis(values: np.ndarray) -> tuple[np.ndarray, list[float], list[str]]:
    """(log10 of the positive finite ``values``, tick positions, tick labels in loss units).

    Ticks are round losses: 1, 2 and 5 times powers of ten over a few decades, decades over
    more, round values inside the range (0.35, 0.4, ..., 0.7) when it spans less than one, and
    one tick when the curve is flat to a millionth, so that larger is always higher.
    """
    logs = np.log10(values)
    low, high = float(logs.min()), float(logs.max())
    lo, hi = 10.0**low, 10.0**high
    if hi - lo <= hi * 1e-6:  # flat: one tick at the value itself
        return logs, [low], [fmt.number(lo, 4)]
    if high - low >= 1:
        every = max(1, math.ceil((high - low) / (TICKS - 1)))  # decades between ticks
        multiples = (1, 2, 5) if high - low < 2.5 else (1,)
        ticks = [
            m * 10.0**p
            for p in range(math.floor(low), math.ceil(high) + 1, every)
            for m in multiples
            if lo <= m * 10.0**p <= hi
        ]
        return logs, [math.log10(t) for t in ticks], [fmt.exact(float(f"{t:.1g}")) for t in ticks]
    step = _nice_step(hi - lo)
    start = float(math.ceil(lo / step)) * step
    ticks = [start + k * step for k in range(int((hi - start) / step + 1e-9) + 1)]
    ticks = [t for t in ticks if t > 0] or [lo]
    return logs, [math.log10(t) for t in ticks], [fmt.number(t, _digits(t, step)) for t in ticks]


def _digits(value: float, step: float) -> int:
    """Significant digits that tell ticks ``step`` apart."""
    return max(1, math.floor(math.log10(abs(value))) - math.floor(math.log10(step)) + 1)


def epoch_ticks(first: float, last: float) -> tuple[list[float], list[str]]:
    """Whole-number ticks from ``first`` to ``last`` (never ``685.8``)."""
    first, last = math.floor(first), math.ceil(last)
    if last <= first:
        return [float(first)], [fmt.count(first)]
    step = max(1, round(_nice_step(last - first)))
    start = math.ceil(first / step) * step
    ticks = list(range(start, last + 1, step)) or [first]
    return [float(t) for t in ticks], [fmt.count(t) for t in ticks]


def thin(epochs: np.ndarray, values: np.ndarray, windows: int) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``2 * windows`` points: each window's lowest and highest, in epoch order.

    A spike or a dip inside a window survives however many points are dropped, and the first
    and last points are always kept.
    """
    n = len(epochs)
    if n <= 2 * windows:
        return epochs, values
    keep = {0, n - 1}
    for chunk in np.array_split(np.arange(n), windows):
        part = values[chunk]
        keep.add(int(chunk[np.argmin(part)]))
        keep.add(int(chunk[np.argmax(part)]))
    index = np.array(sorted(keep))
    return epochs[index], values[index]


def draw_loss(
    plt,
    curves: Sequence[tuple[np.ndarray, np.ndarray, str]],
    *,
    log: bool,
    width: int,
) -> bool:
    """Plot each (epochs, loss, marker) on ``plt`` (plotext or a textual-plotext Plot); False
    when nothing is drawable. Non-finite points, and on a log scale non-positive ones, are left
    out; the values plotext receives are new lists every time."""
    drawn = []
    for epochs, loss, marker in curves:
        keep = np.isfinite(loss) & ((loss > 0) if log else True)
        if keep.any():
            drawn.append((epochs[keep], loss[keep], marker))
    if not drawn:
        return False
    every = np.concatenate([loss for _e, loss, _m in drawn])
    first = min(float(e[0]) for e, _l, _m in drawn)
    last = max(float(e[-1]) for e, _l, _m in drawn)
    if log:
        _logs, positions, labels = log_axis(every)
        plt.yticks(positions, labels)
        low, high = (
            min(positions + [math.log10(every.min())]),
            max(positions + [math.log10(every.max())]),
        )
        pad = max((high - low) * 0.05, 0.02)
        plt.ylim(low - pad, high + pad)
    for epochs, loss, marker in drawn:
        epochs, loss = thin(epochs, loss, max(width, 10))
        y = np.log10(loss) if log else loss
        plt.plot(epochs.astype(float).tolist(), y.tolist(), marker=marker)
    positions, labels = epoch_ticks(first, last)
    plt.xticks(positions, labels)
    if last > first:
        plt.xlim(first, last)
    return True


def loss_curves(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray]],
    *,
    width: int = 80,
    height: int = 18,
    colour: bool = True,
    title: str = "loss per sample (log scale) vs epoch",
    markers: Sequence[str] | None = None,
) -> str:
    """Overlaid learning curves, each with its own marker, and the legend under the chart.

    ``markers``: one character per curve; by default CURVE_MARKERS for several curves and
    plotext's fine braille dots for one.
    """
    _start(width, height, colour)
    single = len(curves) == 1 and markers is None
    if markers is None:
        markers = ["braille"] if single else CURVE_MARKERS
    markers = [markers[i % len(markers)] for i in range(len(curves))]
    series = [(e, loss, m) for (_label, e, loss), m in zip(curves, markers, strict=True)]
    draw_loss(plotext, series, log=True, width=width)
    plotext.title(title)
    plotext.xlabel("epoch")
    chart = plotext.build()
    labelled = [(m, label) for (label, _e, _l), m in zip(curves, markers, strict=True) if label]
    if single or not labelled:
        return chart
    return chart + "\n" + legend(labelled, width)


def legend(entries: Sequence[tuple[str, str]], width: int = 80) -> str:
    """``• lr 0.5   x lr 0.05``, wrapped to ``width``; a marker used twice says so."""
    items = [f"{marker} {label}" for marker, label in entries]
    if len(entries) > len(CURVE_MARKERS):
        items.append(f"(markers repeat after {len(CURVE_MARKERS)} curves)")
    lines, line = [], ""
    for item in items:
        if line and len(line) + 3 + len(item) > width:
            lines.append(line)
            line = ""
        line = f"{line}   {item}" if line else item
    lines.append(line)
    return "\n".join(lines)


def truth_and_prediction(
    x: np.ndarray, label: np.ndarray, predicted: np.ndarray, *, width: int = 80, colour: bool = True
) -> str:
    """The lab's show_result: ground truth beside prediction, class 0 as o and class 1 as x.

    The legend is printed under the charts: inside them it covered XOR's (0, 1) and (0.1, 0.9).
    """
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
                    color=("red" if cls == 0 else "blue") if colour else "default",
                )
    built = plotext.build()
    plotext.main()
    plotext.clear_figure()  # leave no split figure behind for the next plotext user
    return built + "\n" + legend([(POINT_MARKS[0], "class 0"), (POINT_MARKS[1], "class 1")])


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
        f"x1 from {fmt.exact(low)} to {fmt.exact(high)} (left to right), x2 upwards; shade = "
        f"output ({SHADES[0]!r} 0 ... {SHADES[-1]!r} 1); o = class 0, x = class 1",
        "dim" if colour else None,
    )
    return text


def _cell_style(value: float) -> str:
    return "on grey15" if value <= 0.5 else "on grey35"
