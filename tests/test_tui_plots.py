"""Terminal plots that do not hide what happened and carry no meaning by colour alone."""

from __future__ import annotations

import re

import numpy as np

from mlp import datasets
from tui import terminal_plots


def plain(chart: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", chart)


def _tick_labels(chart: str) -> list[float]:
    """The y-axis labels from top to bottom (``0.5┤`` at the left edge)."""
    return [float(m.group(1)) for m in re.finditer(r"^\s*([\d.e+-]+)┤", chart, re.M)]


def _x_labels(chart: str) -> list[str]:
    lines = chart.splitlines()
    axis = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[axis + 1].split()


def test_a_flat_curve_on_the_log_axis_reads_larger_at_the_top() -> None:
    """Every ReLU dead, the loss stuck at 0.48: plotext's log scale put 0.333 at the top."""
    epochs = np.arange(31, 3001)
    flat = terminal_plots.loss_curves([("", epochs, np.full(len(epochs), 0.48))], colour=False)
    assert _tick_labels(plain(flat)) == [0.48]
    falling = 0.333 + 0.36 * np.exp(-epochs / 40.0)
    chart = plain(terminal_plots.loss_curves([("", epochs, falling)], colour=False))
    ticks = _tick_labels(chart)
    assert len(ticks) >= 2 and ticks == sorted(ticks, reverse=True)
    labels = _x_labels(plain(flat)) + _x_labels(chart)
    assert all(re.fullmatch(r"[\d,]+", label) for label in labels), labels  # no 773.2


def test_every_curve_has_its_own_marker_and_legend_line_without_colour() -> None:
    epochs = np.arange(1, 301)
    curves = [
        ("lr 0.5", epochs, 0.5 * np.exp(-epochs / 50) + 1e-3),
        ("lr 0.05", epochs, 0.5 * np.exp(-epochs / 200) + 0.05),
        ("lr 0.005", epochs, 0.5 * np.exp(-epochs / 900) + 0.1),
    ]
    chart = plain(terminal_plots.loss_curves(curves, colour=False))
    legend = chart.splitlines()[-1]
    entries = re.findall(r"(\S) (lr [\d.]+)", legend)
    assert [label for _m, label in entries] == ["lr 0.5", "lr 0.05", "lr 0.005"]
    markers = [m for m, _label in entries]
    assert len(set(markers)) == 3
    plot = chart[: chart.rindex("└")]
    assert all(marker in plot for marker in markers)
    assert "lr 0.5" not in plot  # the legend is under the chart, not over the curves


def test_the_class_legend_does_not_cover_xor_points() -> None:
    data = datasets.make("xor")
    chart = plain(terminal_plots.truth_and_prediction(data.x, data.label, data.label, colour=False))
    box = chart[: chart.rindex("┘")]
    assert "class" not in box
    top = next(line for line in box.splitlines() if "┤" in line)  # the row of x2 = 1
    left = top.split("┤")[1]
    assert left.startswith("x"), top  # (0, 1) is class 1, drawn at the top left
    assert "o class 0" in chart and "x class 1" in chart


def test_thinning_keeps_the_first_points_and_each_windows_extremes() -> None:
    epochs = np.arange(1, 4001)
    loss = np.linspace(1.0, 0.01, 4000)
    loss[1234] = 241.6  # a spike one epoch long
    loss[2345] = 1e-6  # and a dip
    thinned_epochs, thinned = terminal_plots.thin(epochs, loss, 50)
    assert len(thinned) <= 102
    assert thinned_epochs[0] == 1 and thinned_epochs[-1] == 4000
    assert 241.6 in thinned and 1e-6 in thinned
    assert np.all(np.diff(thinned_epochs) > 0)
