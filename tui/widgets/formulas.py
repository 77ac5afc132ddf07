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
    FormulasPanel > VerticalScroll {
        height: 1fr;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
    }
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
        header = formula_lines.header(snapshot)
        lines = -(-len(header) // max(self.size.width, 20))
        self.query_one(".formulas-header", TextBlock).set_content(header, lines)
        scroll = self.query_one(VerticalScroll)
        width = max(scroll.scrollable_content_region.width, 20) - 2  # after the marker column
        console = self.app.console
        # One Text, wrapped here with a hanging indent: far cheaper to render than a table.
        text = Text()
        starts = []  # the line each sub-step starts on
        count = 0
        current = -1
        for index, (marker, line) in enumerate(formula_lines.lines(snapshot)):
            starts.append(count)
            if marker == "▶":
                current = index
            body = styled(marker, line, index < snapshot.cursor)
            for number, piece in enumerate(body.split("\n")):
                for wrapped, part in enumerate(piece.wrap(console, width)):
                    if wrapped and number:  # an update's tensor line, wrapped: under its text
                        part = Text("   ") + part
                    text.append(f"{marker if number == wrapped == 0 else ' '} ")
                    text.append_text(part)
                    text.append("\n")
                    count += 1
        for part in Text(formula_lines.LEGEND, style="dim").wrap(console, width):
            text.append("  ")
            text.append_text(part)
            text.append("\n")
            count += 1
        text.rstrip()
        self.query_one(".formulas-text", TextBlock).set_content(text, count)
        if not snapshot.running:
            # Keep the current sub-step in view, with the two that led to it above.
            top = starts[max(current - 2, 0)] if current >= 0 else 0
            scroll.scroll_to(y=top, animate=False)

    @property
    def plain(self) -> str:
        return formula_lines.plain(self.snapshot) if self.snapshot is not None else ""


__all__ = ["FormulasPanel", "plain"]
