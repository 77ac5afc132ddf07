"""``backprop-lab gradcheck``: are the gradients the app shows the true ones?"""

from __future__ import annotations

import argparse

import numpy as np
from rich.console import Console
from rich.table import Table

from mlp import Trainer
from mlp.gradcheck import TOLERANCE, check

from .. import format as fmt
from .. import options


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "gradcheck",
        help="check the backprop gradients against central finite differences",
        description="Compare every gradient on the tape (the ones the update uses) with central "
        "finite differences of the loss, per weight tensor: relative error "
        f"|analytic - numeric| / (|analytic| + |numeric|) must be below {TOLERANCE:g}. "
        "Exit code 0 when every tensor passes, 1 when one fails.",
    )
    options.add_run_options(parser, epochs=False)
    parser.add_argument(
        "--after",
        type=options.count,
        default=0,
        metavar="EPOCHS",
        help="train this many epochs first, to check trained weights too (default: 0)",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    config = options.config_from(args)
    trainer = Trainer(config)
    console = Console(highlight=False)
    if args.after:
        result = trainer.train(args.after)
        if result.diverged:
            console.print(
                f"Training diverged at epoch {result.divergence.epoch}, so there is no finite "
                "gradient to check; try a smaller --lr or fewer --after epochs."
            )
            return 1
    data = trainer.dataset
    outcome = check(trainer.network, trainer.loss, data.x, data.label)
    table = Table(
        title=f"Gradient check: {config.describe()}, {len(data)} samples, epoch {trainer.epoch}",
        title_justify="left",
    )
    for heading in ("tensor", "shape", "‖gradient‖", "relative error", ""):
        table.add_column(heading, justify="left" if heading in ("tensor", "") else "right")
    for tensor in outcome.tensors:
        shape = "x".join(map(str, trainer.network.views[tensor.name].shape))
        table.add_row(
            tensor.name,
            shape,
            fmt.number(tensor.analytic_norm),
            fmt.scientific(tensor.relative_error)
            if np.isfinite(tensor.relative_error)
            else "not finite",
            "[green]pass" if tensor.passed else "[red]FAIL",
        )
    console.print(table)
    if outcome.passed:
        worst = fmt.scientific(outcome.worst)
        console.print(f"[green]All gradients match (worst {worst} < {fmt.exact(TOLERANCE)}).")
        return 0
    worst = fmt.scientific(outcome.worst)
    console.print(f"[red]Gradient check failed: worst relative error {worst}.")
    return 1
