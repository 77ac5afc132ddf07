"""``backprop-lab compare``: the lab's discussion experiments, side by side.

Every setting given as a comma-separated list is varied (all combinations); runs that share
their shapes are trained together as one stacked numpy computation (mlp.batched). This module
describes the command and builds the runs; the training and the report are in
:mod:`tui.commands.comparison`, imported when the command runs.
"""

from __future__ import annotations

import argparse
import itertools
import textwrap
from typing import Any

from mlp import RunConfig

from .. import options
from ..errors import UsageError

MAX_RUNS = 64

EXAMPLES = """\
examples (the lab's discussion):
  backprop-lab compare --lr 0.5,0.05,0.005
  backprop-lab compare --hidden 8,32,128 --lr 0.05,0.005
  backprop-lab compare --act sigmoid,none/none/sigmoid,none/sigmoid/sigmoid
  backprop-lab compare --optimizer gd,momentum --dataset linear
  backprop-lab compare --seed 0,1,2,3,4 --act relu/relu/sigmoid --lr 0.005
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "compare",
        help="vary settings (e.g. --lr 0.5,0.05,0.005) and compare the runs in one chart",
        description=textwrap.fill(
            "Train one run per combination of the listed values and compare them: loss "
            "curves overlaid in one chart, and a table of final loss, accuracy, the first epoch at "
            "100% accuracy and divergence. Settings not listed keep the lab default. Ctrl+C, a "
            "hang-up or SIGTERM stop every run where it is and show the table so far."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    options.add_run_options(parser, compare=True)
    parser.add_argument("--no-plots", action="store_true", help="leave out the chart")
    parser.add_argument("--json", action="store_true", help="print one JSON document only")
    options.add_memory_limit(parser)
    parser.set_defaults(run=run)
    return parser


def runs_from(args: argparse.Namespace) -> tuple[list[RunConfig], list[str], list[str]]:
    """One config per combination; the varied setting names; a label per run."""
    given = options.given(args)
    fixed = {k: v[0] if isinstance(v, tuple) else v for k, v in given.items()}
    varied = [k for k, v in given.items() if isinstance(v, tuple) and len(v) > 1]
    if not varied:
        raise UsageError(
            "there is nothing to compare: give a setting two or more values, e.g. "
            "--lr 0.5,0.05,0.005 (for one run, use 'backprop-lab train')"
        )
    combinations = list(itertools.product(*(given[k] for k in varied)))
    if len(combinations) > MAX_RUNS:
        raise UsageError(f"that is {len(combinations)} runs; compare at most {MAX_RUNS} at a time")
    default = RunConfig()
    configs, labels = [], []
    for values in combinations:
        changes = dict(zip(varied, values, strict=True))
        run = options.with_typed_activations({**fixed, **changes}, default)
        configs.append(default.replace(**run).validated())
        labels.append(" ".join(f"{flag(k)} {show(v)}" for k, v in changes.items()))
    return configs, varied, labels


def flag(name: str) -> str:
    return options.flag_of(name).removeprefix("--")


def show(value: Any) -> str:
    if isinstance(value, tuple):
        return ("/" if value and isinstance(value[0], str) else "x").join(map(str, value))
    from .. import format as fmt  # numpy: only once runs are being described

    return fmt.exact(value) if isinstance(value, float) else str(value)


def run(args: argparse.Namespace) -> int:
    from .comparison import run_comparison  # numpy, rich and the engine load only now

    configs, varied, labels = runs_from(args)
    return run_comparison(configs, varied, labels, json=args.json, plots=not args.no_plots)
