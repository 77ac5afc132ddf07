"""The network and training options shared by the app, ``train``, ``compare``, ``gradcheck``
and ``serve``: one option per :class:`~mlp.config.RunConfig` field.

The fields, their defaults and the "(default: ...)" in the help all come from ``RunConfig``
itself; this module adds only the words. Every option defaults to "not given" so that a run
file (``--load``) or a subcommand's own defaults decide, and only what the user typed changes
the config. Nothing here imports numpy: ``--help`` must answer at once.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from mlp.config import RunConfig
from mlp.names import ACTIVATIONS, DATASETS, INITS, LOSSES, OPTIMIZERS

NOT_GIVEN = argparse.SUPPRESS
DEFAULTS = RunConfig()


def int_list(text: str) -> tuple[int, ...]:
    """'32,32' -> (32, 32); a clear sentence for anything else."""
    try:
        values = tuple(int(part) for part in _parts(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers separated by commas, e.g. 32,32, got {text!r}"
        ) from None
    return values


def name_list(text: str) -> tuple[str, ...]:
    return tuple(part.lower() for part in _parts(text))


def _parts(text: str) -> list[str]:
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return parts


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(
            f"expected {'0 or more' if minimum == 0 else f'a number of at least {minimum}'}, "
            f"got {value}"
        )
    return value


def positive_int(text: str) -> int:
    return _whole_number(text, 1)


def count(text: str) -> int:
    return _whole_number(text, 0)


def finite_float(text: str) -> float:
    """A number; 'nan' and 'inf' are refused here with the option's name."""
    value = float(text)  # a ValueError is argparse's "invalid float value: 'fast'"
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


finite_float.__name__ = "float"  # argparse names the type in "invalid float value"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def byte_size(text: str) -> int:
    """'2G', '512M', '1.5GiB', '1000000' -> bytes (binary units, as memory is counted)."""
    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"expected a size like 2G, 512M or 1.5GiB, got {text!r}"
        ) from None
    value = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a size above 0, got {text!r}")
    return value


def one_run_hidden(text: str) -> tuple[int, ...]:
    """In ``compare``: '8' is the lab's two hidden layers of 8, '16x8x4' spells out the layers."""
    try:
        sizes = tuple(int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected hidden sizes like 8 (two layers of 8) or 16x8, got {text!r}"
        ) from None
    return sizes * 2 if len(sizes) == 1 else sizes


def one_run_activations(text: str) -> tuple[str, ...]:
    """In ``compare``: 'none/none/sigmoid' is one run's activations, one per layer."""
    return tuple(part.strip().lower() for part in text.split("/"))


def many(convert: Callable[[str], Any]) -> Callable[[str], tuple[Any, ...]]:
    """A comma-separated list of values, each converted as one run's setting."""

    def convert_all(text: str) -> tuple[Any, ...]:
        return tuple(convert(part) for part in _parts(text))

    convert_all.__name__ = getattr(convert, "__name__", "value")
    return convert_all


@dataclass(frozen=True)
class Setting:
    """The command-line face of one RunConfig field."""

    field: str
    group: str  # "data", "network" or "training"
    help: str  # what it is; "(default: ...)" is added from RunConfig
    convert: Callable[[str], Any] = str
    compare_convert: Callable[[str], Any] | None = None  # one run's value in ``compare``
    compare_help: str | None = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    flag: str | None = None  # default: the field name, dashed
    only_train: bool = False  # how long to train: not for the app or gradcheck

    @property
    def option(self) -> str:
        return self.flag or "--" + self.field.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "dataset",
        "data",
        f"{', '.join(DATASETS)} (xor is the lab's XOR easy), or a CSV file of x1,x2,label rows",
        metavar="NAME|PATH.csv",
    ),
    Setting("n", "data", "points to generate", positive_int),
    Setting("noise", "data", "noise of the generated points, in [0, 1]", finite_float),
    Setting(
        "hidden",
        "network",
        "hidden layer sizes, any depth",
        int_list,
        compare_convert=one_run_hidden,
        compare_help="hidden sizes: 8 means two layers of 8 like the lab, 16x8 spells out the "
        "layers",
        metavar="SIZES",
    ),
    Setting(
        "activations",
        "network",
        f"one activation per layer, or one for the hidden layers (the output stays a "
        f"sigmoid): {', '.join(ACTIVATIONS)}",
        name_list,
        compare_convert=one_run_activations,
        compare_help=f"a run's activations, one per layer split by / or one for the hidden "
        f"layers: {', '.join(ACTIVATIONS)}; e.g. none/none/sigmoid",
        metavar="NAMES",
        flag="--act",
    ),
    Setting("bias", "network", "add a bias to every layer (the lab has none)"),
    Setting("init", "network", "weight init: normal is N(0,1), the lab's", choices=INITS),
    Setting("seed", "network", "seed of the weights, the data and the batch order", count),
    Setting("lr", "training", "learning rate", finite_float),
    Setting("optimizer", "training", "update rule", choices=OPTIMIZERS),
    Setting("momentum", "training", "momentum factor, in [0, 1)", finite_float, metavar="M"),
    Setting(
        "batch_size",
        "training",
        "samples per update; 1 = per-sample SGD",
        positive_int,
        metavar="N",
    ),
    Setting(
        "loss",
        "training",
        "sse: the lab's summed squared error, dL/dy = 2(y - label); mse: its mean; "
        "bce: cross-entropy",
        choices=LOSSES,
    ),
    Setting("epochs", "training", "epochs to train", count, only_train=True),
    Setting(
        "target_loss",
        "training",
        "stop once the loss per sample reaches this",
        finite_float,
        metavar="LOSS",
        only_train=True,
    ),
)

# RunConfig fields with no option: whether mini-batches are reshuffled (always, from the
# command line) and free-form extras for lessons.
WITHOUT_OPTION = ("shuffle", "extra")

FIELDS = tuple(setting.field for setting in SETTINGS)
_BY_FIELD = {setting.field: setting for setting in SETTINGS}


def flag_of(field: str) -> str:
    """The option that sets a RunConfig field: 'activations' -> '--act'."""
    return _BY_FIELD[field].option


def default_text(field: str, *, compare: bool = False) -> str:
    """How the help shows a field's default, read from RunConfig."""
    value = getattr(DEFAULTS, field)
    if field == "activations":
        names = dict.fromkeys(value)
        return next(iter(names)) if len(names) == 1 else ",".join(value)
    if field == "batch_size" and value is None:
        return "the whole dataset"
    if field == "target_loss" and value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ("x" if compare else ",").join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _add(group: argparse._ArgumentGroup, setting: Setting, *, compare: bool) -> None:
    if setting.field == "bias":
        group.add_argument(
            setting.option,
            action=argparse.BooleanOptionalAction,
            default=NOT_GIVEN,
            help=f"{setting.help} (default: {default_text('bias')})",
        )
        return
    convert, help_text = setting.convert, setting.help
    extra: dict[str, Any] = {}
    if compare:
        convert = setting.compare_convert or setting.convert
        help_text = setting.compare_help or help_text
        convert = many(convert)
        help_text += "; a comma-separated list compares runs"
    elif setting.choices:
        extra["choices"] = setting.choices
    if setting.choices and compare:
        help_text += f": {', '.join(setting.choices)}"
    group.add_argument(
        setting.option,
        type=convert,
        default=NOT_GIVEN,
        dest=setting.field,
        metavar=setting.metavar,
        help=f"{help_text} (default: {default_text(setting.field, compare=compare)})",
        **extra,
    )


def add_run_options(
    parser: argparse.ArgumentParser,
    *,
    epochs: bool = True,
    compare: bool = False,
    only: Collection[str] | None = None,
) -> None:
    """The settings of a run, one option per RunConfig field.

    With ``compare`` every setting but the epochs takes a comma-separated list of values.
    ``only`` names the RunConfig fields to offer (default: all of them).
    """
    groups: dict[str, argparse._ArgumentGroup] = {}
    for setting in SETTINGS:
        if (setting.only_train and not epochs) or (only is not None and setting.field not in only):
            continue
        if setting.group not in groups:
            groups[setting.group] = parser.add_argument_group(setting.group)
        one_value = compare and setting.field in ("epochs", "target_loss")
        _add(groups[setting.group], setting, compare=compare and not one_value)


def add_memory_limit(parser: argparse.ArgumentParser) -> None:
    from mlp.budget import DEFAULT_SHARE  # numpy-free

    parser.add_argument(
        "--memory-limit",
        type=byte_size,
        default=None,
        metavar="SIZE",
        help="refuse a run that would need more memory than this, e.g. 2G (default: "
        f"{DEFAULT_SHARE * 100:.0f}%% of this machine's memory)",
    )


def given(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the user typed, by RunConfig field name."""
    return {name: getattr(args, name) for name in FIELDS if hasattr(args, name)}


# The output layer's activation when a person names one activation for the network.
OUTPUT_DEFAULT = "sigmoid"


def typed_activations(names: tuple[str, ...], depth: int) -> tuple[str, ...]:
    """What activations typed by a person mean, on the command line and in the settings alike.

    One name is every hidden layer, and the output stays a sigmoid: one word must never turn
    the output into something a 0/1 label cannot be compared with (``relu`` everywhere starts
    at a loss of 241.6 and stays at chance), and the lab's own ``actFuncs`` lists the hidden
    layers the same way. As many names as layers are each layer's own (``none,none,none``).
    """
    if len(names) == 1 and depth > 1:
        return names * (depth - 1) + (OUTPUT_DEFAULT,)
    return names


def with_typed_activations(changes: dict[str, Any], base: RunConfig) -> dict[str, Any]:
    """``changes`` to ``base`` with one typed activation resolved for the run's depth."""
    names = changes.get("activations")
    if names is None or len(names) != 1:
        return changes
    depth = len(changes.get("hidden", base.hidden)) + 1
    return {**changes, "activations": typed_activations(tuple(names), depth)}


def config_from(args: argparse.Namespace, base: RunConfig | None = None) -> RunConfig:
    """``base`` (the lab default) changed by what was typed; raises ConfigError if invalid."""
    start = base or RunConfig()
    return start.replace(**with_typed_activations(given(args), start)).validated()


def command_line(settings: dict[str, Any]) -> list[str]:
    """The options that give ``settings`` (RunConfig field -> value) back, e.g. for ``serve``'s
    sessions or advice to start a run again."""
    words: list[str] = []
    for name, value in settings.items():
        flag = flag_of(name)
        if isinstance(value, bool):
            words.append(flag if value else "--no-" + flag[2:])
        elif value is None:
            continue
        elif isinstance(value, tuple | list):
            words += [flag, ",".join(map(str, value))]
        elif isinstance(value, float):
            words += [flag, repr(value)]
        else:
            words += [flag, str(value)]
    return words
