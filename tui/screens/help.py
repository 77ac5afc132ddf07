"""The ``?`` screen: every key, and how to read the panels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

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
    "Next": "next sub-step",
    "Prev": "previous sub-step (undoes an update)",
    "Fwd": "whole forward pass (to the loss)",
    "Bwd": "whole backward pass (to just before the update)",
    "Epoch": "one epoch",
    "Run/Pause": "run or pause continuous training",
}


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        rows = ["| key | does |", "|---|---|"]
        for binding in BINDINGS:
            keys = binding.key_display or binding.key.replace(",", " / ")
            what = DESCRIPTIONS.get(binding.description, binding.description)
            rows.append(f"| `{keys}` | {what} |")
        with VerticalScroll(id="help-body"):
            yield Markdown(INTRO + "\n".join(rows) + "\n" + READING)
