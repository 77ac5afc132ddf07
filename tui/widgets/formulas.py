"""The Formulas panel: every sub-step of a pass with the selected sample's numbers in it.

The header (which sample, which batch, which sub-step) is pinned above the list so that it
stays in view while the list scrolls to keep the current sub-step in sight. The text of each
line comes from :mod:`tui.widgets.formula_lines`; this module only styles and lays it out.
Sub-steps not yet run in this pass show only their formula, dimmed; the one just run is
highlighted (reversed) and marked ``▶``, the next one ``›`` and "(next)".

With a learner's check (``backprop-lab --check FILE.py``) the panel also shows
:mod:`tui.check_view`'s overlay: the check's status under the header, their error above the
list, a mark before each line and their numbers under each line that differs.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll

from ..check_view import CheckState, Overlay, Under, overlay, plain_lines
from ..snapshot import Snapshot
from . import formula_lines
from .formula_lines import Line, plain
from .text_block import TextBlock

MARK_STYLE = {"✓": "bold green", "✗": "bold red", "·": "dim"}
UNDER_STYLE = {"yours": "bold magenta", "diagnosis": "italic"}
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
        self.check: CheckState | None = None

    def compose(self) -> ComposeResult:
        yield TextBlock(classes="formulas-header", markup=False)
        with VerticalScroll(can_focus=False):
            yield TextBlock(classes="formulas-text")

    def set_check(self, check: CheckState | None) -> None:
        """Lay a learner's check over the lines (None: no check)."""
        self.check = check
        if self.snapshot is not None:
            self.show(self.snapshot)

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        view = overlay(self.check, snapshot) if self.check is not None else None
        console = self.app.console
        header = Text(formula_lines.header(snapshot))
        if view is not None:
            header.append("\n")
            header.append(view.header, style="bold" if view.failed else "")
        width = max(self.size.width, 20)
        lines = sum(len(part.wrap(console, width)) for part in header.split("\n"))
        self.query_one(".formulas-header", TextBlock).set_content(header, lines)
        scroll = self.query_one(VerticalScroll)
        room = max(scroll.scrollable_content_region.width, 22)
        # One Text, wrapped here with a hanging indent: far cheaper to render than a table.
        text = Text()
        count = 0

        def add(body: Text, prefix: Text, indent: str) -> None:
            """``body`` wrapped to the room after ``indent``: its first line after ``prefix``
            (the markers), the others after ``indent``."""
            nonlocal count
            for number, piece in enumerate(body.split("\n")):
                for wrapped, part in enumerate(piece.wrap(console, room - len(indent))):
                    if wrapped and number:  # an update's tensor line, wrapped: under its text
                        part = Text("   ") + part
                    text.append_text(prefix if number == wrapped == 0 else Text(indent))
                    text.append_text(part)
                    text.append("\n")
                    count += 1

        for said in view.block if view else ():
            add(Text(said, style="bold" if said.startswith("✗") else ""), Text("  "), "  ")
        starts = []  # the line each sub-step starts on
        current = -1
        for index, (marker, line) in enumerate(formula_lines.lines(snapshot)):
            starts.append(count)
            if marker == "▶":
                current = index
            body = styled(marker, line, index < snapshot.cursor)
            if view is None:
                add(body, Text(f"{marker} "), "  ")
                continue
            mark = view.marks[index] if view.marks is not None else " "
            prefix = Text.assemble(f"{marker} ", (mark, MARK_STYLE.get(mark, "")), " ")
            add(body, prefix, "    ")
            for under in view.under.get(index, ()):
                add(_under(under), Text("      "), "      ")
        starts.append(count)
        legend = formula_lines.LEGEND + (f" {view.legend}" if view else "")
        for part in Text(legend, style="dim").wrap(console, room - 2):
            text.append("  ")
            text.append_text(part)
            text.append("\n")
            count += 1
        text.rstrip()
        self.query_one(".formulas-text", TextBlock).set_content(text, count)
        if not snapshot.running:
            first_wrong = view.first_wrong if view is not None else -1
            top = _top(starts, current, first_wrong, scroll.size.height)
            scroll.scroll_to(y=top, animate=False)

    @property
    def plain(self) -> str:
        if self.snapshot is None:
            return ""
        if self.check is None:
            return formula_lines.plain(self.snapshot)
        return plain_with_check(self.snapshot, overlay(self.check, self.snapshot))


def _under(under: Under) -> Text:
    head, _, rest = under.text.partition(" ")
    if under.kind == "yours" and head in ("yours", "engine"):
        return Text.assemble((head, UNDER_STYLE["yours"]), " ", rest)
    return Text(under.text, style=UNDER_STYLE.get(under.kind, ""))


def _top(starts: list[int], current: int, first_wrong: int, height: int) -> int:
    """The line to scroll to: the current sub-step with the two that led to it above; or,
    when it fits on screen with it, the first wrong line of a check and its diagnosis."""
    if current < 0:
        return 0
    if 0 <= first_wrong <= current and starts[current + 1] - starts[first_wrong] <= height:
        return starts[first_wrong]
    return starts[max(current - 2, 0)]


def plain_with_check(snapshot: Snapshot, view: Overlay) -> str:
    """The panel's text without styles, with a check's marks and lines."""
    rows = [formula_lines.header(snapshot), view.header]
    body = [(marker, [line.text, *line.details]) for marker, line in formula_lines.lines(snapshot)]
    rows += plain_lines(view, body)
    rows.append(f"  {formula_lines.LEGEND} {view.legend}")
    return "\n".join(rows)


__all__ = ["FormulasPanel", "plain"]
