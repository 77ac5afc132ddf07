"""The ``s`` screen: change the run. Invalid values are refused here, with the reason.

The fields are :func:`tui.settings_form.fields` (derived from ``RunConfig``). Under the form, the
resolved per-layer activations and any warning about the settings update as you type. Returns
the new :class:`~mlp.RunConfig` (validated) or None. The app applies a change of only the
learning rate or momentum live; anything else starts a new trainer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Label, Static

from mlp import ConfigError, DatasetError, RunConfig

from .. import settings_form as form
from ..settings_form import Field, FormError
from ..widgets.choice import Choice


def _widget(field: Field, config: RunConfig):
    value = getattr(config, field.name)
    if field.kind == "choice":
        return Choice(field.choices, value, id=field.name)
    if field.kind == "check":
        return Checkbox(_on_off(value), value, id=field.name, compact=True)
    text = form.activations_text(value) if field.kind == "names" else form.text_of(field, value)
    return Input(text, id=field.name, placeholder=field.placeholder, compact=True)


def _on_off(value: bool) -> str:
    # Said in words: the checkbox's own mark differs only by colour.
    return "on" if value else "off"


class SettingsScreen(Screen[RunConfig | None]):
    """A screen of its own, not a dialog over the trainer: drawing the trainer dimmed behind
    it cost more than the form itself."""

    AUTO_FOCUS = "#hidden"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s,ctrl+enter,enter", "apply", "Apply", show=False),
    ]

    def __init__(self, config: RunConfig, apply: Callable[[RunConfig], None] | None = None) -> None:
        super().__init__()
        self.config = config
        self.apply = apply  # raises ConfigError or DatasetError when the run cannot be built

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-body", classes="dialog"):
            yield Static(
                "Settings  (Tab moves · ←/→ change a ◀ choice ▶ · Enter applies · Escape cancels)",
                classes="dialog-title",
            )
            with Grid(id="settings-grid"):
                for field in form.fields():
                    yield Label(field.label)
                    yield _widget(field, self.config)
            yield Static(id="settings-resolved", classes="hint")
            yield Static("", id="settings-error", classes="error")
            with Horizontal(id="settings-buttons"):
                yield Button("Apply", id="apply", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._describe()

    def load(self, config: RunConfig) -> None:
        """Show ``config`` again: the app keeps one settings screen and reopens it (building
        the form is most of what opening it costs)."""
        self.config = config
        if not self.is_mounted:
            return  # compose reads self.config
        for field in form.fields():
            widget = self.query_one(f"#{field.name}")
            value = getattr(config, field.name)
            if field.kind == "names":
                value = form.activations_text(value)
            elif field.kind not in ("choice", "check"):
                value = form.text_of(field, value)
            widget.value = value  # type: ignore[attr-defined]
        self.query_one("#settings-error", Static).update("")
        self.query_one("#hidden", Input).focus()
        self._describe()

    def texts(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in form.fields():
            widget = self.query_one(f"#{field.name}")
            out[field.name] = widget.value  # type: ignore[attr-defined]
        return out

    def read(self) -> RunConfig:
        """The config the form describes, validated; raises FormError or ConfigError."""
        return form.read(self.config, self.texts())

    def _describe(self) -> None:
        """The per-layer activations the form means, and any warning, as the user types."""
        texts = self.texts()
        lines = []
        try:
            hidden = form.value_of(form.field("hidden"), texts["hidden"])
            acts = form.resolve_activations(texts["activations"], len(hidden) + 1)
            lines.append(
                "layers: "
                + ", ".join(f"{size} {act}" for size, act in zip([*hidden, 1], acts, strict=True))
                + " (one activation = the hidden layers; the output stays sigmoid unless you "
                "name every layer)"
            )
            config = form.read(self.config, texts)
            lines += [f"⚠ {warning}" for warning in config.warnings()]
        except (FormError, ConfigError) as exc:
            lines.append(f"({exc})")
        lines.append("lr and momentum apply live; anything else starts again from the seed.")
        self.query_one("#settings-resolved", Static).update("\n".join(lines))

    def on_input_changed(self) -> None:
        self._describe()

    def on_choice_changed(self) -> None:
        self._describe()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = _on_off(event.value)
        self._describe()

    def action_apply(self) -> None:
        try:
            config = self.read()
            if self.apply is not None:
                self.apply(config)
        except (FormError, ConfigError, DatasetError) as exc:
            self.show_error(str(exc))
            return
        self.dismiss(config)

    def show_error(self, message: str) -> None:
        self.query_one("#settings-error", Static).update(message[:1].upper() + message[1:] + ".")

    def on_input_submitted(self) -> None:
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.dismiss(None)
