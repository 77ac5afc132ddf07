"""``backprop-lab check FILE.py``: find the first wrong line of a learner's own backpropagation.

The checking is :mod:`mlp.labcheck`'s; this module describes the command (``--help`` must
answer without numpy), :mod:`tui.commands.checking` runs it and writes the report.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from mlp.labcheck.limits import DEFAULT_TIMEOUT, MAX_STEPS

from .. import options

# The run options that map onto the lab's constructor; --hidden is the check's own.
LAB_OPTIONS = ("dataset", "n", "noise", "activations", "init", "seed", "lr", "batch_size")

EXAMPLES = f"""\
examples:
  backprop-lab check my_lab.py                       the lab default: XOR easy, 2-32-32-1, sigmoid
  backprop-lab check my_lab.py --act relu,relu,sigmoid --lr 0.005 --dataset linear
  backprop-lab check my_lab.py --steps 5             five training steps, each one compared
  backprop-lab check my_lab.py --json > result.json  one JSON document, nothing else on stdout

your file must have a class with the lab's methods, built as the lab builds it:
  Network(input_size=2, hidden_size=32, output_size=1, lr=0.05, actFuncs=[...])
  pred = net.forwardPass(x); net.computeMSELoss(pred, label); net.Backpropagation()
actFuncs holds one of sigmoid, relu, tanh, leaky_relu, none per layer. The check sets W1, W2, W3
to the engine's starting weights for --seed. Values are found by the lab's names (Z1, Z1Act,
GradLoss, grad_W3, dZ2, ...), else by shape and value; a weight's gradient also from its change.
The lab's network has no biases and learns by plain gradient descent on the summed squared
error, so --bias, --optimizer and --loss are not offered.

exit codes:
  0  every sub-step your code shows matches the engine
  1  a sub-step differs, or your code failed (an exception, the time limit)
  2  bad input: no such file, no class with the lab's methods, a constructor that does not take
     the lab's arguments, settings the lab's network cannot have

Your file runs in a separate process with a time limit ({DEFAULT_TIMEOUT:g} s by
default); what it prints is kept apart from the report."""


def lab_hidden(text: str) -> tuple[int, ...]:
    """'32' or '32,32': the lab's hidden_size, both hidden layers."""
    sizes = options.int_list(text)
    if len(sizes) == 1:
        sizes = sizes * 2
    return sizes


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check",
        help="check your own lab code against the engine, sub-step by sub-step",
        description=textwrap.fill(
            "Run your lab code (a Network class with forwardPass, computeMSELoss and "
            "Backpropagation) for a training step from the engine's starting weights, compare "
            "every value it shows (Z1 ... y, the loss, each gradient, the update) with the "
            "engine's, and name the first wrong sub-step with its formula, the numbers of one "
            "sample and, for the classic mistakes, what was done wrong."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE.py", help="your lab code")
    options.add_run_options(parser, epochs=False, only=LAB_OPTIONS)
    lab = parser.add_argument_group("the lab's network")
    lab.add_argument(
        "--hidden",
        type=lab_hidden,
        default=options.NOT_GIVEN,
        metavar="SIZE",
        help="hidden_size, the size of both hidden layers (default: 32)",
    )
    # Settings the lab's network cannot take: accepted only with the lab's own value, so that
    # a user who types them hears why (see mlp.labcheck.reference.lab_arguments).
    lab.add_argument(
        "--bias", action=argparse.BooleanOptionalAction, default=options.NOT_GIVEN,
        help=argparse.SUPPRESS,
    )  # fmt: skip
    for flag, convert in (("--optimizer", str), ("--loss", str), ("--momentum", float)):
        lab.add_argument(flag, type=convert, default=options.NOT_GIVEN, help=argparse.SUPPRESS)
    check = parser.add_argument_group("check")
    check.add_argument(
        "--class",
        dest="class_name",
        metavar="NAME",
        help="the class to check (default: the one with the lab's methods)",
    )
    check.add_argument(
        "--steps",
        type=options.positive_int,
        default=1,
        metavar="K",
        help=f"training steps to run and compare, at most {MAX_STEPS} (default: 1)",
    )
    check.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit for your code, in seconds (default: {DEFAULT_TIMEOUT:g})",
    )
    check.add_argument(
        "--json", action="store_true", help="print one JSON document and nothing else"
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from .checking import run_check  # numpy, rich and the engine load only now

    return run_check(args)
