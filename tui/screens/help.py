"""The ``?`` screen: every key of the screen it was opened from, and how to read the panels.

Plain rich text rather than Markdown widgets: it opens in a fraction of the time.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from .. import keymap

INTRO = (
    "Watch a small network learn, one matrix at a time. Formulas lists every sub-step of one "
    "training pass in the lab report's notation (■ matrix product, · entrywise) with the "
    "numbers of the selected sample; ▶ marks the sub-step just run, › the next one, dimmed ones "
    "are still to come in this pass. A line of plain numbers checks out by hand at the digits "
    "shown; a line with ‹size› and ‖norm‖ summarises vectors and matrices (weight gradients sum "
    "over the batch)."
)

READING = (
    (
        "Status",
        "loss now is the current weights' loss per sample over the whole dataset (MSE "
        "for squared error); the loss curve's points are each epoch's loss, taken before that "
        "epoch's update.",
    ),
    (
        "Data",
        'the shade is the network\'s output over the plane (" ·░" below 0.5, "▒▓█" above, '
        "tinted blue to orange); digits are the points, a wrong prediction underlined.",
    ),
    (
        "Layers",
        "one cell per unit, ░▒▓█ positive, -=≡# negative, · zero; s marks a saturated "
        "sigmoid, d a dead ReLU.",
    ),
    (
        "Check (backprop-lab --check FILE.py)",
        "before each Formulas line, ✓ your code's value matches the engine's, ✗ it differs "
        "(yours under the engine's line, the diagnosis under the first wrong one), · your code "
        "keeps no such value; the marks cover the passes checked from the seed (r goes back), "
        "and saving your file checks it again.",
    ),
)

# Every screen inherits these (focus moves, copying): the terminal's business, not ours.
INHERITED = {binding.action for binding in Binding.make_bindings(Screen.BINDINGS)}


def keys_table(bindings: list[Binding]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    seen: set[str] = set()
    for binding in bindings:
        if binding.action in seen or binding.action.endswith("help"):
            continue
        seen.add(binding.action)
        keys = binding.key_display or binding.key.split(",")[0]
        table.add_row(keys, keymap.describe(binding))
    table.add_row("?", "this help")
    return table


def screen_bindings(screen: Screen) -> list[Binding]:
    """The screen's own bindings, shown in the footer or not."""
    return [
        active.binding
        for active in screen.active_bindings.values()
        if active.node is screen and active.binding.action not in INHERITED
    ]


Reading = tuple[tuple[str, str], ...]


def help_text(bindings: list[Binding], intro: str = INTRO, reading: Reading = READING) -> Group:
    how_to_read = Text()
    for title, body in reading:
        how_to_read.append(f"{title}: ", style="bold")
        how_to_read.append(body + "\n")
    how_to_read.append("Escape, ? or q closes this help.", style="dim")
    return Group(
        Text("backprop-lab", style="bold"),
        Text(intro + "\n"),
        Text("Keys", style="bold"),
        keys_table(bindings),
        Text(""),
        how_to_read,
    )


class HelpScreen(Screen[None]):
    """The keys of one screen and how to read it (by default the trainer's panels)."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def __init__(
        self, bindings: list[Binding], intro: str = INTRO, reading: Reading = READING
    ) -> None:
        super().__init__()
        self.bindings = bindings
        self.intro = intro
        self.reading = reading

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_text(self.bindings, self.intro, self.reading), id="help-keys")
