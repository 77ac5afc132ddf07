"""A one-line choice among a few names: ``◀ gd ▶``; ←/→ (or space, or a click) change it.

A fraction of a Select's cost (one widget, no overlay), so the settings open quickly, and its
focus shows without colour too (bold, underlined).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static


class Choice(Static, can_focus=True):
    DEFAULT_CSS = """
    Choice { width: 1fr; height: 1; }
    Choice:focus { background: $accent 40%; text-style: bold underline; }
    """

    BINDINGS = [
        Binding("left", "step(-1)", "Previous", show=False),
        Binding("right,space", "step(1)", "Next", show=False),
    ]

    class Changed(Message):
        def __init__(self, choice: Choice, value: str) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: Sequence[str], value: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.options = list(options)
        if value not in self.options:
            self.options.append(value)  # e.g. a CSV file given on the command line
        self._value = value

    @property
    def value(self) -> str:
        return self._value

    @value.setter
    def value(self, value: str) -> None:
        if value not in self.options:
            raise ValueError(f"{value!r} is not one of {', '.join(self.options)}")
        if value != self._value:
            self._value = value
            self.refresh()
            self.post_message(self.Changed(self, value))

    def render(self) -> str:
        return f"◀ {self._value} ▶"

    def action_step(self, step: int) -> None:
        index = self.options.index(self._value)
        self.value = self.options[(index + step) % len(self.options)]

    def on_click(self) -> None:
        self.action_step(1)
