"""The settings form, derived from :class:`mlp.RunConfig`: which fields, their kinds, their
choices and defaults all come from the config and the engine's registries (one source for each
fact). Only the words (labels, hints) are the form's own. Nothing here imports Textual.

One activation typed for all layers means the hidden layers: the output stays a sigmoid unless
every layer is named (``relu`` on 2-32-32-1 is relu, relu, sigmoid; ``relu, relu, relu`` is
what it says), the same rule as the command line's ``--act`` (``tui.options.typed_activations``).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from typing import Any

from mlp import ACTIVATIONS, LOSSES, OPTIMIZERS, RunConfig
from mlp.datasets import NAMES as DATASETS
from mlp.network import INITS

from . import format as fmt
from .options import OUTPUT_DEFAULT, typed_activations

# The settings the form shows, in its order; the rest are the command line's (epochs, ...).
SHOWN = (
    "dataset",
    "hidden",
    "activations",
    "loss",
    "optimizer",
    "lr",
    "momentum",
    "batch_size",
    "init",
    "seed",
    "n",
    "noise",
    "bias",
)
LABELS = {"batch_size": "batch size", "lr": "learning rate", "n": "points", "bias": "biases"}
CHOICES: dict[str, tuple[str, ...]] = {
    "dataset": tuple(DATASETS),
    "loss": tuple(LOSSES),
    "optimizer": tuple(OPTIMIZERS),
    "init": tuple(INITS),
}
PLACEHOLDERS = {"batch_size": "full batch"}


class FormError(ValueError):
    """A field could not be read; the message is one sentence for the user."""


@dataclass(frozen=True)
class Field:
    name: str  # the RunConfig field
    kind: str  # "choice", "check", "ints", "names", "int", "float", "optional int", ...
    default: Any
    choices: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS.get(self.name, f"default {text_of(self, self.default)}")


def _kind(name: str, annotation: Any) -> str:
    if name in CHOICES:
        return "choice"
    if annotation is bool:
        return "check"
    if annotation == tuple[int, ...]:
        return "ints"
    if annotation == tuple[str, ...]:
        return "names"
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) and type(None) in args:
        inner = next(a for a in args if a is not type(None))
        return f"optional {inner.__name__}"
    return annotation.__name__


@functools.cache  # resolving the annotations is slow, and they never change
def fields() -> tuple[Field, ...]:
    hints = typing.get_type_hints(RunConfig)
    by_name = {f.name: f for f in dataclasses.fields(RunConfig)}
    out = []
    for name in SHOWN:
        spec = by_name[name]
        default = spec.default if spec.default is not dataclasses.MISSING else None
        out.append(Field(name, _kind(name, hints[name]), default, CHOICES.get(name, ())))
    return tuple(out)


def field(name: str) -> Field:
    return next(f for f in fields() if f.name == name)


# -- values to text and back ------------------------------------------------------------


def text_of(field: Field, value: Any) -> str:
    """How the form writes a setting's value."""
    if value is None:
        return ""
    if field.kind == "ints":
        return ", ".join(str(v) for v in value)
    if field.kind == "names":
        return ", ".join(value)
    if field.kind in ("float", "optional float"):
        return fmt.exact(value)
    return str(value)


def activations_text(activations: tuple[str, ...]) -> str:
    """The shortest text that reads back as ``activations`` (see :func:`resolve_activations`)."""
    hidden, output = activations[:-1], activations[-1]
    if len(set(hidden)) == 1 and output == OUTPUT_DEFAULT:
        return hidden[0]
    return ", ".join(activations)


def resolve_activations(text: str, depth: int) -> tuple[str, ...]:
    """The per-layer list the form means: one name is every hidden layer (the output stays a
    sigmoid); as many names as layers are each layer's own."""
    names = tuple(part.strip().lower() for part in text.replace(",", " ").split() if part.strip())
    if not names:
        raise FormError("give an activation, e.g. sigmoid, or one per layer")
    for name in names:
        if name not in ACTIVATIONS:
            raise FormError(f"unknown activation {name!r}: choose one of {', '.join(ACTIVATIONS)}")
    if len(names) == 1:
        return typed_activations(names, depth)
    if len(names) != depth:
        raise FormError(
            f"{depth} layers need one activation for the hidden layers or {depth} (one per "
            f"layer, the last for the output), got {len(names)}"
        )
    return names


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise FormError(f"{what} must be a whole number, got {text.strip()!r}") from None


def _float(text: str, what: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise FormError(f"{what} must be a number, got {text.strip()!r}") from None


def value_of(field: Field, text: str) -> Any:
    """The setting a field's text stands for (activations are resolved by ``read``)."""
    what = field.label
    if field.kind == "ints":
        parts = [p for p in text.replace(",", " ").split() if p]
        if not parts:
            raise FormError(f"give at least one {what} size, e.g. 32, 32")
        return tuple(_int(p, f"{what} sizes") for p in parts)
    if field.kind == "int":
        return _int(text, f"the {what}")
    if field.kind == "float":
        return _float(text, f"the {what}")
    if field.kind == "optional int":
        return _int(text, f"the {what}") if text.strip() else None
    if field.kind == "optional float":
        return _float(text, f"the {what}") if text.strip() else None
    return text


def read(config: RunConfig, texts: dict[str, Any]) -> RunConfig:
    """``config`` changed by the form's ``texts`` (field name -> text, choice or bool),
    validated; raises FormError or ConfigError with one sentence."""
    changes: dict[str, Any] = {}
    for field in fields():
        raw = texts[field.name]
        if field.kind in ("choice", "check"):
            changes[field.name] = raw
        elif field.kind != "names":
            changes[field.name] = value_of(field, raw)
    depth = len(changes["hidden"]) + 1
    changes["activations"] = resolve_activations(texts["activations"], depth)
    return config.replace(**changes).validated()
