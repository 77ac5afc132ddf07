"""The ``?`` screen: every key, and how to read the panels."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from .main import BINDINGS

INTRO = """\
# backprop-lab

Watch a small network learn, one matrix at a time. **Formulas** lists every sub-step of one
training pass in the lab's notation (■ matrix product, · entrywise) with the numbers of the
selected sample; the highlighted line is the sub-step just run, the dimmed ones are still to
come in this pass. Weight gradients are summed over the batch, so they show as matrices.

"""

READING = """
**Data**: the colour is the network's output over the plane (blue 0, orange 1, dark at the
0.5 boundary); digits are the points. **Layers**: one cell per unit, blue negative, orange
positive; `s` marks a saturated sigmoid, `d` a dead ReLU. Loss is the mean over samples
(MSE for squared error) whatever the objective.

Press Escape, `?` or `q` to close.
"""


DESCRIPTIONS = {
    "Next": "next sub-step: forward layer by layer, the loss, each backward term, the update",
    "Prev": "back one sub-step (undoes an update)",
    "Fwd": "the whole forward pass, up to the loss",
    "Bwd": "the whole backward pass, up to just before the update",
    "Epoch": "one epoch",
    "Run/Pause": "run or pause continuous training",
    "Faster": "train faster (epochs per second, up to as fast as it goes)",
    "Slower": "train slower",
    "Reset": "start again from the seed",
    "Sample ↑": "select the previous sample (the numbers in Formulas and Layers)",
    "Sample ↓": "select the next sample",
    "Tab ←": "previous tab",
    "Tab →": "next tab",
    "Settings": "dataset, layers, activations, lr, optimizer, batch size, loss, biases, seed",
    "Gradcheck": "compare the gradients with finite differences",
    "Log scale": "loss curve: log or linear scale",
    "Truth/pred": "data: digits show the ground truth or the prediction",
    "Save": "save the run (open it again with backprop-lab --load FILE)",
    "Lessons": "guided lessons",
    "Help": "this screen",
    "Quit": "quit",
}


def keys_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for binding in BINDINGS:
        keys = binding.key_display or binding.key.split(",")[0]
        table.add_row(keys, DESCRIPTIONS.get(binding.description, binding.description))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(INTRO)
            yield Static(keys_table())
            yield Markdown(READING)
