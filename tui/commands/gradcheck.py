"""``backprop-lab gradcheck``: are the gradients the app shows the true ones?

This module describes the command; the check itself runs in :func:`run`, which loads numpy
and the engine only then.
"""

from __future__ import annotations

import argparse

from .. import options

TOLERANCE_TEXT = "1e-6"  # mlp.gradcheck.TOLERANCE, written out so that --help needs no numpy
MAX_SECONDS = 30.0  # a full check expected to take longer asks for --sample first


ALL = 0  # --sample all


def sample_size(text: str) -> int:
    """'1000' parameters, or 'all' (ALL)."""
    if text.strip().lower() == "all":
        return ALL
    return options.positive_int(text)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "gradcheck",
        help="check the backprop gradients against central finite differences",
        description="Compare every gradient on the tape (the ones the update uses) with central "
        "finite differences of the loss, per weight tensor: relative error "
        "|analytic - numeric| / (|analytic| + |numeric|) must be below "
        f"{TOLERANCE_TEXT}. Each parameter costs two forward passes, so a large network is "
        "checked on a random sample of its parameters (--sample). Exit code 0 when every "
        "tensor passes, 1 when one fails.",
    )
    options.add_run_options(parser, epochs=False)
    parser.add_argument(
        "--after",
        type=options.count,
        default=0,
        metavar="EPOCHS",
        help="train this many epochs first, to check trained weights too (default: 0)",
    )
    parser.add_argument(
        "--sample",
        type=sample_size,
        default=None,
        metavar="K|all",
        help="check K parameters drawn at random (by --seed) from every tensor, or all of "
        f"them (default: all, unless that would take more than {MAX_SECONDS:.0f} s)",
    )
    options.add_memory_limit(parser)
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from .gradient_check import run_gradcheck  # numpy, rich and the engine load only now

    return run_gradcheck(args, max_seconds=MAX_SECONDS)
