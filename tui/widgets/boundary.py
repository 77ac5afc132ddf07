"""The Data panel: the network's output over the plane, shaded, the points drawn on it.

Each cell is a glyph whose density is the output (`` ·░`` below 0.5, ``▒▓█`` above), so the
boundary reads without colour; with colour the glyph is also tinted from blue (0) through grey
to orange (1). The points are digits, the prediction (or with ``t`` the ground truth), a wrong
prediction underlined. Cells are twice as wide as tall, so the picture takes two columns per
line to stay square.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style

from ..messages import SnapshotWanted
from ..snapshot import Snapshot
from .text_block import TextBlock

LOW = np.array([59, 111, 214])  # output 0: blue
MID = np.array([150, 150, 150])  # 0.5: grey
HIGH = np.array([232, 144, 42])  # output 1: orange
DENSITY = " ·░▒▓█"  # output 0 ... 1; 0.5 falls between ░ and ▒
LEVELS = 32  # colours are quantised so that styles can be cached between frames


LEGEND_WIDTH = 26  # columns of the legend when it stands beside the picture


def legend_lines(truth: bool, colour: bool) -> list[str]:
    """What the marks mean, one short line each (beside the picture, or under it)."""
    lines = [
        "shade = the output:",
        '  " ·░" below 0.5 (class 0)',
        '  "▒▓█" above 0.5 (class 1)',
    ]
    if colour:
        lines.append("  tinted blue 0 … orange 1")
    if truth:
        lines += ["digits: ground truth", "t: show the prediction"]
    else:
        lines += ["digits: the prediction,", "  underlined when wrong", "t: show the ground truth"]
    return lines


@lru_cache(maxsize=LEVELS + 1)
def _colour(level: int) -> Color:
    t = level / LEVELS
    rgb = MID + (HIGH - MID) * (2 * t - 1) if t >= 0.5 else MID + (LOW - MID) * (1 - 2 * t)
    r, g, b = (int(c) for c in rgb)
    return Color.from_rgb(r, g, b)


@lru_cache(maxsize=LEVELS + 1)
def _cell_style(level: int) -> Style:
    return Style(color=_colour(level))


def _glyph(level: int) -> str:
    return DENSITY[min(level * len(DENSITY) // (LEVELS + 1), len(DENSITY) - 1)]


def _cell_levels(grid: np.ndarray, width: int, lines: int) -> np.ndarray:
    """The grid sampled at ``lines`` rows (top = y 1) by ``width`` columns, as levels."""
    res_y, res_x = grid.shape
    cols = (np.arange(width) * res_x) // width
    rows = res_y - 1 - (np.arange(lines) * res_y) // lines
    values = grid[np.ix_(rows, cols)]
    clipped = np.clip(np.nan_to_num(values, nan=0.5), 0.0, 1.0)
    return np.rint(clipped * LEVELS).astype(int)


class Picture:
    """Pre-built lines of segments: a cheap renderable (runs of one style are merged)."""

    def __init__(self, lines: list[list[Segment]], side: int = 0) -> None:
        self.lines = lines
        self.side = side  # lines of the picture itself (the legend may follow)

    def __rich_console__(self, console, options):
        for line in self.lines:
            yield from line
            yield Segment.line()

    @property
    def plain(self) -> str:
        return "\n".join("".join(seg.text for seg in line) for line in self.lines)

    @property
    def rows(self) -> list[str]:
        """The picture's own lines, two characters per grid cell (without the legend)."""
        return [line[: 2 * self.side] for line in self.plain.splitlines()[: self.side]]


LEGEND_STYLE = Style(dim=True)


def render(snapshot: Snapshot, width: int, lines: int, truth: bool, no_color: bool) -> Picture:
    """The picture, square, with its legend beside it when there is room, else under it."""
    legend = legend_lines(truth, not no_color)
    if snapshot.grid is None or width < 4 or lines < 3:
        return Picture([[Segment(text, LEGEND_STYLE)] for text in legend])
    # Whichever layout gives the larger picture: legend beside it, or under it.
    side_beside = min(lines, (width - LEGEND_WIDTH - 1) // 2)
    side_below = min(lines - len(legend), width // 2)
    beside = side_beside >= side_below
    side = side_beside if beside else side_below
    if side < 3:  # too small for both: the picture alone
        beside, side, legend = False, min(lines, width // 2), []
    out = _picture(snapshot, side, truth, no_color)
    if beside:
        for row, text in enumerate(legend[: len(out)]):
            out[row] += [Segment(" "), Segment(text, LEGEND_STYLE)]
    else:
        out += [[Segment(text, LEGEND_STYLE)] for text in legend]
    return Picture(out, side)


def _picture(snapshot: Snapshot, lines: int, truth: bool, no_color: bool) -> list[list[Segment]]:
    assert snapshot.grid is not None
    width = 2 * lines
    cells = _cell_levels(snapshot.grid, width, lines)
    points: dict[tuple[int, int], tuple[str, bool]] = {}
    predicted = snapshot.prediction[:, 0] > 0.5
    for (x1, x2), lab, pred in zip(snapshot.x, snapshot.label[:, 0], predicted, strict=True):
        col = int(np.clip(round(x1 * (width - 1)), 0, width - 1))
        line = int(np.clip(round((1 - x2) * (lines - 1)), 0, lines - 1))
        shown = int(lab) if truth else int(pred)
        points[(line, col)] = (str(shown), bool(pred) != bool(lab > 0.5))
    out: list[list[Segment]] = []
    for line in range(lines):
        segments: list[Segment] = []
        run_text, run_style = "", None
        for col in range(width):
            level = int(cells[line, col])
            point = points.get((line, col))
            style: Style | None
            if point is not None:
                digit, wrong = point
                glyph, style = digit, _point_style(wrong and not truth, no_color)
            else:
                glyph, style = _glyph(level), None if no_color else _cell_style(level)
            if style is run_style and run_text:
                run_text += glyph
                continue
            if run_text:
                segments.append(Segment(run_text, run_style))
            run_text, run_style = glyph, style
        if run_text:
            segments.append(Segment(run_text, run_style))
        out.append(segments)
    return out


@lru_cache(maxsize=4)
def _point_style(wrong: bool, no_color: bool) -> Style:
    if no_color:
        return Style(bold=True, underline=wrong, reverse=True)
    return Style(color="bright_red" if wrong else "bright_white", bold=True, underline=wrong)


class BoundaryView(TextBlock):
    running_redraw: ClassVar[float] = 0.25  # seconds between redraws while training runs

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.truth = False
        self.no_color = False  # set by the screen from the app's NO_COLOR
        self._snapshot: Snapshot | None = None
        self.picture: Picture | None = None

    def show(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._draw()

    def toggle_truth(self) -> None:
        self.truth = not self.truth
        self._draw()

    def on_resize(self) -> None:
        snapshot = self._snapshot
        stale = (
            snapshot is not None
            and snapshot.grid is not None
            and not snapshot.running
            and snapshot.grid.shape[0] < self.resolution
        )
        if stale:
            self.post_message(SnapshotWanted(self.resolution))  # a finer grid for the new size
        self._draw()

    def _draw(self) -> None:
        if self._snapshot is None:
            return
        width, lines = self.content_size.width, self.content_size.height
        self.picture = render(self._snapshot, width, lines, self.truth, self.no_color)
        self.set_content(self.picture, len(self.picture.lines))

    @property
    def resolution(self) -> int:
        """The grid resolution that gives a grid point per cell."""
        width, lines = self.content_size.width, self.content_size.height
        return int(np.clip(min(width, 2 * (lines - 1)), 8, 96))
