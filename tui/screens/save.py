"""The ``ctrl+s`` dialog: where to save the run (Enter saves, Escape cancels).

A path that names an existing file is not overwritten at once: the dialog says so, and a
second Enter on the same path overwrites it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

DEFAULT_PATH = "backprop-lab-run.npz"


class SaveScreen(ModalScreen[Path | None]):
    """Asks for a path and saves with ``save``; a failure is shown here, one sentence."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, save: Callable[[str], Path], path: str = DEFAULT_PATH) -> None:
        super().__init__()
        self.save = save
        self.path = path
        self.confirmed: str | None = None  # the existing path the user agreed to overwrite

    def compose(self) -> ComposeResult:
        with Vertical(id="save-body", classes="dialog"):
            yield Static("Save the run (config, weights, optimizer state, history) to:")
            yield Input(self.path, id="save-path")
            yield Static("", id="save-error", classes="error")
            yield Static("Enter saves · Escape cancels", classes="hint")

    def on_input_changed(self) -> None:
        self.confirmed = None
        self.show_error("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            self.show_error("Type a file name, e.g. backprop-lab-run.npz.")
            return
        target = Path(path).expanduser()
        if target.suffix != ".npz":
            target = target.with_name(target.name + ".npz")
        if target.is_file() and self.confirmed != path:
            self.confirmed = path
            self.show_error(f"{target} exists: Enter again overwrites it, or change the name.")
            return
        try:
            saved = self.save(path)
        except Exception as exc:  # noqa: BLE001 - any failure is reported, the run is kept
            self.show_error(f"Could not save to {path}: {_reason(exc)}")
            return
        self.dismiss(saved)

    def show_error(self, message: str) -> None:
        self.query_one("#save-error", Static).update(message)


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
