"""``backprop-lab train``: train without the app, for SSH, scripts and notebooks.

This module only describes the command (``--help`` must answer at once); the work is in
:mod:`tui.commands.training`, imported when the command runs.
"""

from __future__ import annotations

import argparse
import textwrap

from .. import options
from .saving import interval

EXAMPLES = """\
examples:
  backprop-lab train                                  the lab default: XOR easy, 2-32-32-1, sigmoid
  backprop-lab train --dataset linear --test-points 100
  backprop-lab train --act none,none,sigmoid --lr 0.05 --print-every 1000
  backprop-lab train --lr 0.5 --optimizer momentum --save run.npz
  backprop-lab train --load run.npz --epochs 5000     resume a saved run for 5000 more epochs
  backprop-lab train --json > result.json             one JSON document, nothing else on stdout

over SSH (a dropped connection stops the run at the end of an epoch and saves it):
  ssh host backprop-lab train --epochs 1000000 --save run.npz --checkpoint-every 5m
  ssh host backprop-lab train --load run.npz          resume where it stopped
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train",
        help="train without the app: progress, the lab's prediction table, plots, JSON",
        description=textwrap.fill(
            "Train a network in this terminal and report it the way the lab does: the "
            "per-sample prediction table, loss and accuracy, the learning curve, ground "
            "truth beside prediction, and the decision boundary. Divergence is a result "
            "(exit 0), bad input exits with 2. Ctrl+C, a hang-up (SIGHUP) or SIGTERM stop "
            "at the end of the epoch, save with --save, and exit with 130, 129 or 143."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    options.add_run_options(parser)
    out = parser.add_argument_group("output")
    out.add_argument(
        "--print-every",
        type=options.positive_int,
        metavar="N",
        help="print the lab's 'epoch N loss : x' line every N epochs",
    )
    out.add_argument(
        "--test-points",
        type=options.count,
        default=0,
        metavar="N",
        help="also test on N fresh points the network never saw (the lab's 3.D)",
    )
    out.add_argument("--no-table", action="store_true", help="leave out the per-sample table")
    out.add_argument("--no-plots", action="store_true", help="leave out the terminal plots")
    out.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document (config, result, history) and nothing else",
    )
    files = parser.add_argument_group("run files")
    files.add_argument(
        "--save",
        metavar="PATH.npz",
        help="save the run when done, or when stopped (checked before training starts)",
    )
    files.add_argument(
        "--checkpoint-every",
        type=interval,
        metavar="N|TIME",
        help="with --save, also save while training: every N epochs, or every TIME such as "
        "30s, 5m or 1h; a crash then loses at most that much",
    )
    files.add_argument(
        "--load",
        metavar="PATH.npz",
        help="resume a saved run; --epochs then counts epochs to add (default: up to the "
        "run's own epoch count)",
    )
    options.add_memory_limit(parser)
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from .training import run_training  # numpy, rich and the engine load only now

    return run_training(args)
