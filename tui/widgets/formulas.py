"""The Formulas panel: every sub-step of a pass with the selected sample's numbers in it.

The header (which sample, which batch, which sub-step) is pinned above the list so that it
stays in view while the list scrolls to keep the current sub-step in sight. The text of each
line comes from :mod:`tui.widgets.formula_lines`; this module only styles and lays it out.
Sub-steps not yet run in this pass show only their formula, dimmed; the one just run is
highlighted (reversed) and marked ``▶``, the next one ``›`` and "(next)".
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from ..snapshot import Snapshot
from . import formula_lines
from .formula_lines import Line, plain

PHASE_STYLE = {
    "forward": "bold cyan",
    "loss": "bold magenta",
    "backward": "bold yellow",
    "update": "bold green",
}


def styled(marker: str, line: Line, done: bool) -> Text:
    text = Text()
    text.append(line.label, style=PHASE_STYLE.get(line.phase, "bold"))
    text.append(f"{':' if line.phase == 'update' else ' ='} {line.formula}")
    if line.numbers:
        text.append(f" = {line.numbers}")
    if line.result:
        text.append(" = ")
        text.append(line.result, style="bold")
    if line.note:
        text.append(f"  ({line.note})", style="italic")
    for detail in line.details:
        text.append(f"\n  {detail}")
    if marker == "▶":
        text.stylize("reverse")
    elif not done:
        text.stylize("dim")
    if marker == "›":
        text.append("  (next)", style="dim italic")
    return text


class FormulasPanel(Vertical, can_focus=False):
    """A pinned header above a list that scrolls by itself to the current sub-step."""

    running_redraw: ClassVar[float] = 0.2  # seconds between redraws while training runs

    DEFAULT_CSS = """
    FormulasPanel > .formulas-header { height: auto; text-style: bold; }
    FormulasPanel > VerticalScroll { height: 1fr; }
    FormulasPanel > VerticalScroll > Static { width: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="formulas-header", markup=False)
        with VerticalScroll(can_focus=False):
            yield Static(classes="formulas-text")

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.query_one(".formulas-header", Static).update(formula_lines.header(snapshot))
        table = Table.grid(padding=(0, 1))
        table.add_column(width=1)
        table.add_column(ratio=1)
        rows = formula_lines.lines(snapshot)
        for index, (marker, line) in enumerate(rows):
            table.add_row(marker, styled(marker, line, index < snapshot.cursor))
        legend = Text(formula_lines.LEGEND, style="dim")
        table.add_row("", legend)
        self.query_one(".formulas-text", Static).update(table)
        if snapshot.running:
            return
        # Keep the current sub-step in view: count the lines above it, wrapped ones too.
        scroll = self.query_one(VerticalScroll)
        width = max(scroll.size.width - 3, 20)
        above = rows[: max(snapshot.cursor - 1, 0)]
        offset = sum(
            -(-len(line.text) // width) + sum(-(-(len(d) + 2) // width) for d in line.details)
            for _, line in above
        )
        scroll.scroll_to(y=max(0, offset - 3), animate=False)

    @property
    def plain(self) -> str:
        return formula_lines.plain(self.snapshot) if self.snapshot is not None else ""


__all__ = ["FormulasPanel", "plain"]
