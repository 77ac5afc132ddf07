"""The network and training options shared by the app, ``train``, ``compare`` and ``gradcheck``.

Every option defaults to "not given" so that a run file (``--load``) or a subcommand's own
defaults decide, and only what the user typed changes the config.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection
from typing import Any

from mlp import ACTIVATIONS, LOSSES, OPTIMIZERS, RunConfig
from mlp.datasets import NAMES as DATASETS
from mlp.network import INITS

NOT_GIVEN = argparse.SUPPRESS


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


class _Offered:
    """An argument group that takes only the options whose destination is offered."""

    def __init__(self, group: argparse._ArgumentGroup, only: Collection[str] | None) -> None:
        self.group, self.only = group, only

    def add_argument(self, flag: str, **kwargs: Any) -> None:
        dest = kwargs.get("dest") or flag.lstrip("-").replace("-", "_")
        if self.only is None or dest in self.only:
            self.group.add_argument(flag, **kwargs)


def _option(
    group: _Offered,
    flag: str,
    convert: Callable[[str], Any],
    help: str,
    *,
    compare: bool,
    **extra: Any,
) -> None:
    choices = extra.pop("choices", None)
    if compare:
        convert = many(convert)
        help += "; a comma-separated list compares runs"
    elif choices:
        extra["choices"] = choices
    group.add_argument(flag, type=convert, default=NOT_GIVEN, help=help, **extra)


def add_run_options(
    parser: argparse.ArgumentParser,
    *,
    epochs: bool = True,
    compare: bool = False,
    only: Collection[str] | None = None,
) -> None:
    """The settings of a run; each maps to one RunConfig field.

    With ``compare`` every setting but the epochs takes a comma-separated list of values.
    ``only`` names the RunConfig fields to offer (default: all of them).
    """
    data = _Offered(parser.add_argument_group("data"), only)
    _option(
        data,
        "--dataset",
        str,
        f"{', '.join(DATASETS)}, or a CSV file of x1,x2,label rows (default: xor, the lab's "
        "XOR easy)",
        compare=compare,
        metavar="NAME|PATH.csv",
    )
    _option(data, "--n", positive_int, "points to generate (default: 100)", compare=compare)
    _option(data, "--noise", float, "noise of the generated points (0.05)", compare=compare)
    net = _Offered(parser.add_argument_group("network"), only)
    if compare:
        _option(
            net,
            "--hidden",
            one_run_hidden,
            "hidden sizes: 8 means two layers of 8 like the lab, 16x8 spells out the layers",
            compare=True,
            metavar="SIZES",
        )
        _option(
            net,
            "--act",
            one_run_activations,
            f"a run's activations, one per layer split by / or one for all: "
            f"{', '.join(ACTIVATIONS)}; e.g. none/none/sigmoid",
            compare=True,
            dest="activations",
            metavar="NAMES",
        )
    else:
        _option(
            net,
            "--hidden",
            int_list,
            "hidden layer sizes, any depth (default: 32,32, the lab's 2-32-32-1)",
            compare=False,
            metavar="SIZES",
        )
        _option(
            net,
            "--act",
            name_list,
            f"one activation per layer, or one for all: {', '.join(ACTIVATIONS)} "
            "(default: sigmoid)",
            compare=False,
            dest="activations",
            metavar="NAMES",
        )
    net.add_argument(
        "--bias",
        action=argparse.BooleanOptionalAction,
        default=NOT_GIVEN,
        help="add a bias to every layer (default: off, like the lab)",
    )
    _option(
        net, "--init", str, "weight init (default: normal, N(0,1))", compare=compare, choices=INITS
    )
    _option(net, "--seed", count, "seed of weights, data and order (0)", compare=compare)
    train = _Offered(parser.add_argument_group("training"), only)
    _option(train, "--lr", float, "learning rate (0.05)", compare=compare)
    _option(
        train,
        "--optimizer",
        str,
        f"update rule: {', '.join(OPTIMIZERS)} (default: gd)",
        compare=compare,
        choices=OPTIMIZERS,
    )
    _option(
        train, "--momentum", float, "momentum factor, in [0, 1) (0.9)", compare=compare, metavar="M"
    )
    _option(
        train,
        "--batch-size",
        positive_int,
        "samples per update; 1 = per-sample SGD (default: the whole dataset)",
        compare=compare,
        metavar="N",
    )
    _option(
        train,
        "--loss",
        str,
        "sse: the lab's summed squared error, dL/dy = 2(y - label) (default); mse: its mean; "
        "bce: cross-entropy",
        compare=compare,
        choices=LOSSES,
    )
    if epochs:
        train.add_argument(
            "--epochs", type=count, default=NOT_GIVEN, help="epochs to train (default: 10000)"
        )
        train.add_argument(
            "--target-loss",
            type=float,
            default=NOT_GIVEN,
            metavar="LOSS",
            help="stop once the loss per sample reaches this",
        )


FIELDS = (
    "dataset",
    "n",
    "noise",
    "hidden",
    "activations",
    "bias",
    "init",
    "seed",
    "lr",
    "optimizer",
    "momentum",
    "batch_size",
    "loss",
    "epochs",
    "target_loss",
)


def given(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the user typed, by RunConfig field name."""
    return {name: getattr(args, name) for name in FIELDS if hasattr(args, name)}


def config_from(args: argparse.Namespace, base: RunConfig | None = None) -> RunConfig:
    """``base`` (the lab default) changed by what was typed; raises ConfigError if invalid."""
    return (base or RunConfig()).replace(**given(args)).validated()
