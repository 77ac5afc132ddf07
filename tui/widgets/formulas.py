"""The Formulas panel: every sub-step of a pass with the selected sample's numbers in it.

The header (which sample, which batch, which sub-step) is pinned above the list so that it
stays in view while the list scrolls to keep the current sub-step in sight. The text of each
line comes from :mod:`tui.widgets.formula_lines`; this module only styles and lays it out.
Sub-steps not yet run in this pass show only their formula, dimmed; the one just run is
highlighted (reversed) and marked ``▶``, the next one ``›`` and "(next)".
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll

from ..snapshot import Snapshot
from . import formula_lines
from .formula_lines import Line, plain
from .text_block import TextBlock

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
        yield TextBlock(classes="formulas-header", markup=False)
        with VerticalScroll(can_focus=False):
            yield TextBlock(classes="formulas-text")

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        scroll = self.query_one(VerticalScroll)
        width = max(scroll.size.width - 1, 20)
        header = formula_lines.header(snapshot)
        self.query_one(".formulas-header", TextBlock).set_content(header, -(-len(header) // width))
        rows = formula_lines.lines(snapshot)
        # One Text, wrapped here with a hanging indent: far cheaper to render than a table.
        text = Text()
        current_line = 0
        for index, (marker, line) in enumerate(rows):
            if marker == "▶":
                current_line = len(text.plain.splitlines())
            body = styled(marker, line, index < snapshot.cursor)
            for number, piece in enumerate(body.split("\n")):
                first = marker if number == 0 else " "
                for wrapped, part in enumerate(piece.wrap(self.app.console, width - 2)):
                    text.append(f"{first if wrapped == 0 else ' '} ")
                    text.append_text(part)
                    text.append("\n")
        legend = Text(formula_lines.LEGEND, style="dim")
        for part in legend.wrap(self.app.console, width - 2):
            text.append("  ")
            text.append_text(part)
            text.append("\n")
        text.rstrip()
        lines = text.plain.count("\n") + 1
        self.query_one(".formulas-text", TextBlock).set_content(text, lines)
        if not snapshot.running:
            # Keep the current sub-step in view, with a few lines of what led to it above.
            scroll.scroll_to(y=max(0, current_line - 3), animate=False)

    @property
    def plain(self) -> str:
        return formula_lines.plain(self.snapshot) if self.snapshot is not None else ""


__all__ = ["FormulasPanel", "plain"]
