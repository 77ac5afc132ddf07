"""The Data panel: the network's output over the plane as a heatmap, the points drawn on it.

Two grid rows share one terminal line (▀: top half in the foreground colour, bottom half in
the background colour), so the picture has square pixels. Under NO_COLOR each cell is a
glyph of matching density instead, and the points are digits either way.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from ..snapshot import Snapshot

LOW = np.array([59, 111, 214])  # output 0: blue
MID = np.array([40, 40, 40])  # 0.5: dark grey, so the boundary reads as a dark band
HIGH = np.array([232, 144, 42])  # output 1: orange
DENSITY = " ·░▒▓█"


LEVELS = 32  # colours are quantised so that styles can be cached between frames


@lru_cache(maxsize=LEVELS + 1)
def _colour(level: int) -> Color:
    t = level / LEVELS
    rgb = MID + (HIGH - MID) * (2 * t - 1) if t >= 0.5 else MID + (LOW - MID) * (1 - 2 * t)
    r, g, b = (int(c) for c in rgb)
    return Color.from_rgb(r, g, b)


@lru_cache(maxsize=(LEVELS + 1) ** 2)
def _half_blocks(top: int, bottom: int) -> Style:
    return Style(color=_colour(top), bgcolor=_colour(bottom))


def _cell_values(grid: np.ndarray, width: int, lines: int) -> np.ndarray:
    """Sample the grid at ``2 * lines`` rows (top = y 1) by ``width`` columns."""
    res_y, res_x = grid.shape
    cols = (np.arange(width) * res_x) // width
    rows = res_y - 1 - (np.arange(2 * lines) * res_y) // (2 * lines)
    return grid[np.ix_(rows, cols)]


class Picture:
    """Pre-built lines of segments: a cheap renderable (runs of one colour are merged)."""

    def __init__(self, lines: list[list[Segment]], legend: Text) -> None:
        self.lines, self.legend = lines, legend

    def __rich_console__(self, console, options):
        for line in self.lines:
            yield from line
            yield Segment.line()
        yield self.legend

    @property
    def plain(self) -> str:
        rows = ["".join(seg.text for seg in line) for line in self.lines]
        return "\n".join([*rows, self.legend.plain])


def _levels(values: np.ndarray) -> np.ndarray:
    clipped = np.clip(np.nan_to_num(values, nan=0.5), 0.0, 1.0)
    return np.rint(clipped * LEVELS).astype(int)


def render(snapshot: Snapshot, width: int, lines: int, truth: bool, no_color: bool) -> Picture:
    what = "ground truth" if truth else "prediction, wrong underlined"
    legend = Text(f"output 0 blue … 1 orange · digits: {what} (t)", style="dim")
    if snapshot.grid is None or width < 4 or lines < 3:
        return Picture([], legend)
    # A square picture: two grid rows per line, one grid column per cell.
    width = min(width, 2 * (lines - 1))
    grid_lines = width // 2
    cells = _levels(_cell_values(snapshot.grid, width, grid_lines))
    points: dict[tuple[int, int], tuple[str, bool]] = {}
    predicted = snapshot.prediction[:, 0] > 0.5
    for (x1, x2), lab, pred in zip(snapshot.x, snapshot.label[:, 0], predicted, strict=True):
        col = int(np.clip(round(x1 * (width - 1)), 0, width - 1))
        half = int(np.clip(round((1 - x2) * (2 * grid_lines - 1)), 0, 2 * grid_lines - 1))
        shown = int(lab) if truth else int(pred)
        points[(half // 2, col)] = (str(shown), bool(pred) != bool(lab > 0.5))
    out: list[list[Segment]] = []
    for line in range(grid_lines):
        top, bottom = cells[2 * line], cells[2 * line + 1]
        segments: list[Segment] = []
        run_text, run_style = "", None
        for col in range(width):
            point = points.get((line, col))
            if point is not None:
                digit, wrong = point
                mark = wrong and not truth
                glyph, style = digit, _point_style((top[col] + bottom[col]) // 2, mark)
            elif no_color:
                level = (top[col] + bottom[col]) / (2 * LEVELS)
                glyph, style = DENSITY[min(int(level * len(DENSITY)), len(DENSITY) - 1)], None
            else:
                glyph, style = "▀", _half_blocks(int(top[col]), int(bottom[col]))
            if style is run_style and run_text:
                run_text += glyph
                continue
            if run_text:
                segments.append(Segment(run_text, run_style))
            run_text, run_style = glyph, style
        if run_text:
            segments.append(Segment(run_text, run_style))
        out.append(segments)
    return Picture(out, legend)


@lru_cache(maxsize=2 * (LEVELS + 1))
def _point_style(level: int, wrong: bool) -> Style:
    return Style(
        color="bright_red" if wrong else "white",
        bgcolor=_colour(level),
        bold=True,
        underline=wrong,
    )


class BoundaryView(Static):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.truth = False
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
            and snapshot.grid.shape[0] != self.resolution
            and not snapshot.running
        )
        if stale:
            self.app.refresh_view()  # a grid as fine as the new size (redraws us)
            return
        self._draw()

    def _draw(self) -> None:
        if self._snapshot is None:
            return
        width, lines = self.content_size.width, self.content_size.height
        self.picture = render(self._snapshot, width, lines, self.truth, self.app.no_color)
        self.update(self.picture)

    @property
    def resolution(self) -> int:
        """The grid resolution that gives one grid point per half cell."""
        width, lines = self.content_size.width, self.content_size.height
        return int(np.clip(min(width, 2 * (lines - 1)), 8, 96))
