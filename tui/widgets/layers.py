"""The Layers panel: each layer's Z and activation for the selected sample, and the batch.

One cell per unit: its glyph says the sign and the size (``░▒▓█`` positive, ``-=≡#``
negative, ``·`` zero), its colour says the same again (blue negative, orange positive), so it
reads without colour. Units that pass almost no gradient are
marked under the strip: ``s`` a saturated sigmoid/tanh, ``d`` a dead ReLU.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.containers import VerticalScroll

from .. import format as fmt
from ..snapshot import LayerView, Snapshot
from .text_block import TextBlock

BOUNDED = ("sigmoid", "tanh")
GLYPHS = "░▒▓█"  # positive, by size
NEGATIVE_GLYPHS = "-=≡#"  # negative, by size
LEVELS = 8
LABEL = 7  # width of the row labels


@lru_cache(maxsize=2 * LEVELS + 1)
def _style(level: int) -> Style:
    """level in -LEVELS..LEVELS: blue for negative, orange for positive."""
    t = abs(level) / LEVELS
    base = (59, 111, 214) if level < 0 else (232, 144, 42)
    rgb = [int(30 + (c - 30) * t) for c in base]
    return Style(color=Color.from_rgb(*rgb), bgcolor=Color.from_rgb(20, 20, 20))


def _scale(values: np.ndarray, activation: str) -> float:
    if activation in BOUNDED:
        return 1.0
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


Line = list[Segment]
DIM, BOLD, RED = Style(dim=True), Style(bold=True), Style(bold=True, color="red")


class Lines:
    """Lines of segments: a renderable far cheaper than a Text with a span per cell."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines

    def __rich_console__(self, console, options):
        for line in self.lines:
            yield from line
            yield Segment.line()

    @property
    def plain(self) -> str:
        return "\n".join("".join(seg.text for seg in line) for line in self.lines)


def strip(values: np.ndarray, scale: float, width: int, units: int | None = None) -> Line:
    """One cell per unit, at most ``width``; ``units`` counts the ones not shown too."""
    units = values.size if units is None else units
    shown = values[:width]
    with np.errstate(all="ignore"):
        levels = np.nan_to_num(np.clip(shown / scale, -1, 1) * LEVELS).round().astype(int)
    line = []
    for level in levels.tolist():
        glyphs = NEGATIVE_GLYPHS if level < 0 else GLYPHS
        glyph = glyphs[min(abs(level) * len(glyphs) // (LEVELS + 1), len(glyphs) - 1)]
        line.append(Segment(glyph if level else "·", _style(level)))
    if units > len(shown):
        line.append(Segment(f"…+{fmt.count(units - len(shown))}", DIM))
    return line


def marks(view: LayerView, width: int) -> Line:
    text = "".join(
        "d" if dead else ("s" if saturated else " ")
        for dead, saturated in list(zip(view.dead, view.saturated, strict=True))[:width]
    )
    return [Segment(text, RED)]


def _label(text: str, style: Style | None = None) -> Segment:
    return Segment(f"{text:<{LABEL}}", style)


def render_layer(view: LayerView, snapshot: Snapshot, width: int) -> list[Line]:
    units = view.units
    room = width - LABEL - 2  # the " ◀" marker after the selected sample's row
    cells = units if units <= room else max(room - len(f"…+{fmt.count(units)}"), 8)
    rows = snapshot.batch_shapes[view.z_key][0]
    flags = []
    if view.dead_count:
        flags.append(f"{fmt.count(view.dead_count)} dead (d)")
    if view.saturated_count:
        flags.append(f"{fmt.count(view.saturated_count)} saturated (s)")
    z_scale = _scale(view.z, "none")
    title = [
        Segment(f"Layer {view.layer}", BOLD),
        Segment(
            f" {view.activation} ‹{fmt.count(rows)}×{fmt.count(units)}› "
            f"max|{view.z_key}| {fmt.number(view.max_abs_z)}"
        ),
    ]
    lines = [title]
    if flags:
        lines.append([Segment(" " * LABEL + ", ".join(flags), RED)])
    lines += [
        [_label(view.z_key), *strip(view.z, z_scale, cells, units)],
        [_label(view.a_key), *strip(view.a, _scale(view.a, view.activation), cells, units)],
    ]
    if view.dead.any() or view.saturated.any():
        lines.append([_label(""), *marks(view, cells)])
    batch_scale = _scale(view.batch_a, view.activation)
    for r, row in enumerate(view.batch_a):
        line = [_label("batch" if r == 0 else "", DIM), *strip(row, batch_scale, cells, units)]
        if r == snapshot.sample:
            line.append(Segment(" ◀", BOLD))
        lines.append(line)
    if rows > len(view.batch_a):
        more = fmt.count(rows - len(view.batch_a))
        lines.append([Segment(f"{'':<{LABEL}}… {more} more rows", DIM)])
    return lines


def render(snapshot: Snapshot, width: int) -> Lines:
    lines: list[Line] = [
        [
            Segment(
                f"sample {fmt.count(snapshot.sample + 1)}/{fmt.count(snapshot.rows)} (↑/↓) ◀"
                f" · a cell per unit: {GLYPHS} > 0, {NEGATIVE_GLYPHS} < 0, · 0",
                DIM,
            )
        ],
        [],
    ]
    for view in snapshot.layers:
        lines += render_layer(view, snapshot, width)
        lines.append([])
    return Lines(lines)


class LayersPanel(VerticalScroll, can_focus=False):
    running_redraw: ClassVar[float] = 0.5  # seconds between redraws while training runs

    def compose(self):
        yield TextBlock(id="layers-text", markup=False)

    lines: Lines | None = None

    def show(self, snapshot: Snapshot) -> None:
        self.lines = render(snapshot, max(self.content_size.width, 30))
        self.query_one(TextBlock).set_content(self.lines, len(self.lines.lines))
