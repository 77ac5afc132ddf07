"""The Layers panel: each layer's Z and activation for the selected sample, and the batch.

One cell per unit, coloured by value (blue negative, orange positive) with a glyph of
matching density so it still reads without colour. Units that pass almost no gradient are
marked under the strip: ``s`` a saturated sigmoid/tanh, ``d`` a dead ReLU.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..snapshot import LayerView, Snapshot
from . import format as fmt

BOUNDED = ("sigmoid", "tanh")
GLYPHS = " ░▒▓█"
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


def strip(values: np.ndarray, scale: float, width: int) -> Text:
    text = Text()
    shown = values[:width]
    with np.errstate(all="ignore"):
        levels = np.nan_to_num(np.clip(shown / scale, -1, 1) * LEVELS).round().astype(int)
    for level in levels:
        glyph = GLYPHS[min(abs(int(level)) * len(GLYPHS) // (LEVELS + 1), len(GLYPHS) - 1)]
        text.append(glyph if level else "·", _style(int(level)))
    if values.size > width:
        text.append(f"…+{values.size - width}", style="dim")
    return text


def marks(view: LayerView, width: int) -> Text:
    text = Text()
    for dead, saturated in list(zip(view.dead, view.saturated, strict=True))[:width]:
        text.append("d" if dead else ("s" if saturated else " "), style="bold red")
    return text


def render_layer(view: LayerView, snapshot: Snapshot, width: int) -> Text:
    units = view.z.size
    cells = max(width - LABEL - 1, 8)
    rows = snapshot.batch_shapes[view.z_key][0]
    text = Text()
    flags = []
    if view.dead.any():
        flags.append(f"{int(view.dead.sum())} dead (d)")
    if view.saturated.any():
        flags.append(f"{int(view.saturated.sum())} saturated (s)")
    text.append(f"Layer {view.layer}", style="bold")
    text.append(f" · {view.activation} · {units} units · {view.z_key}, {view.a_key}")
    text.append(f" ‹{rows}×{units}›")
    if flags:
        text.append(" · " + ", ".join(flags), style="bold red")
    text.append("\n")
    z_scale = _scale(view.z, "none")
    text.append(f"{view.z_key:<{LABEL}}")
    text.append_text(strip(view.z, z_scale, cells))
    text.append(f"  max|Z| {fmt.number(z_scale)}\n", style="dim")
    text.append(f"{view.a_key:<{LABEL}}")
    text.append_text(strip(view.a, _scale(view.a, view.activation), cells))
    text.append("\n")
    if view.dead.any() or view.saturated.any():
        text.append(" " * LABEL)
        text.append_text(marks(view, cells))
        text.append("\n")
    batch_scale = _scale(view.batch_a, view.activation)
    shown = len(view.batch_a)
    for r, row in enumerate(view.batch_a):
        label = "batch" if r == 0 else ""
        pointer = "◀ selected" if r == snapshot.sample else ""
        text.append(f"{label:<{LABEL}}", style="dim")
        text.append_text(strip(row, batch_scale, cells))
        text.append(f" {pointer}\n" if pointer else "\n", style="bold")
    if rows > shown:
        text.append(f"{'':<{LABEL}}… {rows - shown} more rows\n", style="dim")
    return text


def render(snapshot: Snapshot, width: int) -> Text:
    text = Text()
    text.append(
        f"sample {snapshot.sample + 1}/{snapshot.rows} (↑/↓) · one cell per unit · "
        "blue < 0 < orange\n\n",
        style="dim",
    )
    for view in snapshot.layers:
        text.append_text(render_layer(view, snapshot, width))
        text.append("\n")
    return text


class LayersPanel(VerticalScroll, can_focus=False):
    def compose(self):
        yield Static(id="layers-text", markup=False)

    def show(self, snapshot: Snapshot) -> None:
        self.query_one(Static).update(render(snapshot, max(self.content_size.width, 30)))
