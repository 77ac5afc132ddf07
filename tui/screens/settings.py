"""The ``s`` screen: change the run. Invalid values are refused here, with the reason.

Returns the new :class:`~mlp.RunConfig` (validated) or None. The app applies a change of
only the learning rate or momentum live; anything else starts a new trainer.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from mlp import LOSSES, OPTIMIZERS, ConfigError, DatasetError, RunConfig
from mlp.datasets import NAMES


class SettingsError(ValueError):
    """A field could not be read; the message is one sentence for the user."""


def _options(names, current: str) -> list[tuple[str, str]]:
    names = list(names)
    if current not in names:
        names.append(current)
    return [(name, name) for name in names]


def _numbers(text: str, what: str, kind=float) -> tuple:
    parts = [p for p in text.replace(",", " ").split() if p]
    try:
        return tuple(kind(p) for p in parts)
    except ValueError:
        raise SettingsError(f"{what} must be numbers separated by commas, got {text!r}") from None


def _number(text: str, what: str, kind=float):
    try:
        return kind(text.strip())
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{what} must be {noun}, got {text.strip()!r}") from None


class SettingsScreen(ModalScreen[RunConfig | None]):
    AUTO_FOCUS = "#hidden"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s,ctrl+enter", "apply", "Apply", show=False),
    ]

    def __init__(self, config: RunConfig, apply: Callable[[RunConfig], None] | None = None) -> None:
        super().__init__()
        self.config = config
        self.apply = apply  # raises ConfigError or DatasetError when the run cannot be built

    def compose(self) -> ComposeResult:
        cfg = self.config
        with Vertical(id="settings-body", classes="dialog"):
            yield Static("Settings", classes="dialog-title")
            with Grid(id="settings-grid"):
                yield Label("dataset")
                yield Select(
                    _options(NAMES, cfg.dataset),
                    value=cfg.dataset,
                    id="dataset",
                    allow_blank=False,
                    compact=True,
                )
                yield Label("hidden")
                yield Input(", ".join(map(str, cfg.hidden)), id="hidden", compact=True)
                yield Label("activations")
                # One name when every layer shares it, so changing the depth needs no edit here.
                acts = cfg.activations[:1] if len(set(cfg.activations)) == 1 else cfg.activations
                yield Input(", ".join(acts), id="activations", compact=True)
                yield Label("loss")
                yield Select(
                    _options(LOSSES, cfg.loss),
                    value=cfg.loss,
                    id="loss",
                    allow_blank=False,
                    compact=True,
                )
                yield Label("optimizer")
                yield Select(
                    _options(OPTIMIZERS, cfg.optimizer),
                    value=cfg.optimizer,
                    id="optimizer",
                    allow_blank=False,
                    compact=True,
                )
                yield Label("lr")
                yield Input(f"{cfg.lr:g}", id="lr", compact=True)
                yield Label("momentum")
                yield Input(f"{cfg.momentum:g}", id="momentum", compact=True)
                yield Label("batch size")
                yield Input(
                    "" if cfg.batch_size is None else str(cfg.batch_size),
                    id="batch",
                    placeholder="full batch",
                    compact=True,
                )
                yield Label("seed")
                yield Input(str(cfg.seed), id="seed", compact=True)
                yield Label("biases")
                yield Checkbox("add b", cfg.bias, id="bias", compact=True)
            yield Static(
                "hidden: sizes, e.g. 32, 32 · activations: one for all or one per layer "
                "(sigmoid, relu, leaky_relu, tanh, none) · lr and momentum apply live, "
                "anything else starts again from the seed.",
                classes="hint",
            )
            yield Static("", id="settings-error", classes="error")
            with Horizontal(id="settings-buttons"):
                yield Button("Apply", id="apply", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def read(self) -> RunConfig:
        """The config the form describes, validated; raises SettingsError or ConfigError."""
        get = lambda name: self.query_one(f"#{name}", Input).value  # noqa: E731
        hidden = _numbers(get("hidden"), "hidden sizes", int)
        if not hidden:
            raise SettingsError("give at least one hidden layer size, e.g. 32, 32")
        activations = tuple(a for a in get("activations").replace(",", " ").split() if a)
        if not activations:
            raise SettingsError("give an activation, e.g. sigmoid")
        batch = get("batch").strip()
        config = self.config.replace(
            dataset=str(self.query_one("#dataset", Select).value),
            hidden=hidden,
            activations=activations,
            loss=str(self.query_one("#loss", Select).value),
            optimizer=str(self.query_one("#optimizer", Select).value),
            lr=_number(get("lr"), "the learning rate"),
            momentum=_number(get("momentum"), "momentum"),
            batch_size=_number(batch, "the batch size", int) if batch else None,
            seed=_number(get("seed"), "the seed", int),
            bias=self.query_one("#bias", Checkbox).value,
        )
        return config.validated()

    def action_apply(self) -> None:
        try:
            config = self.read()
            if self.apply is not None:
                self.apply(config)
        except (SettingsError, ConfigError, DatasetError) as exc:
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
