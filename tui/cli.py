"""``backprop-lab``: the app with no subcommand; ``train``, ``compare``, ``gradcheck``, ``check``,
``lessons``, ``lesson`` and ``serve`` otherwise.

Bad input ends with one sentence on stderr and exit code 2, never a traceback. Only opening the
app imports Textual, so the headless commands start fast over SSH; and building the parser
imports neither numpy nor rich, so that ``--help`` answers at once: each command loads what it
needs when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from mlp import budget
from mlp.errors import InputError
from mlp.labcheck.limits import DEFAULT_TIMEOUT, MAX_STEPS

from . import options
from .commands import COMMANDS, serve
from .commands.check import seconds
from .commands.stopping import Interrupted, signal_words
from .errors import EXIT_INTERRUPTED, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from mlp import RunConfig

    from .check_view import CheckRequest

PROG = "backprop-lab"

DESCRIPTION = """\
Watch a small neural network learn by backpropagation, one matrix at a time.

With no command, opens the trainer app on the lab default (XOR easy, 2-32-32-1, sigmoid in every
layer, lr 0.05, plain gradient descent, seed 0); the options below change that start."""

EPILOG = """\
examples:
  backprop-lab                              the app on the lab default
  backprop-lab --dataset linear --act relu,relu,sigmoid --lr 0.01
  backprop-lab --load run.npz               the app on a saved run
  backprop-lab --resume                     the session kept when the app last ended
  backprop-lab train --json                 headless, one JSON document
  backprop-lab compare --lr 0.5,0.05,0.005  the lab's learning-rate experiment
  backprop-lab check my_lab.py              your own lab code, checked sub-step by sub-step
  backprop-lab --check my_lab.py            ... in the app, checked again each time you save it
  backprop-lab lessons                      the guided lessons

Run 'backprop-lab COMMAND --help' for each command's options."""


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one sentence and a pointer to --help, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--load", type=Path, metavar="PATH.npz", help="open the app on a run saved with ctrl+s"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="open the session the app kept when it last quit with unsaved work or lost its "
        "terminal: the run, the sample, tab and speed, and the lesson and step",
    )
    options.add_run_options(parser, epochs=False)
    options.add_memory_limit(parser)
    add_check_options(parser)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(subparsers)
    parser.set_defaults(run=open_app)
    return parser


# The app's --check options (dest: flag); dests of their own, apart from the check command's.
CHECK_FLAGS = {
    "check_file": "--check",
    "check_class": "--class",
    "check_steps": "--steps",
    "check_timeout": "--timeout",
}


def add_check_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "your own lab code beside the engine's (as 'backprop-lab check' runs it)"
    )
    group.add_argument(
        "--check",
        dest="check_file",
        type=Path,
        default=options.NOT_GIVEN,
        metavar="FILE.py",
        help="open the trainer with your Network's values beside the engine's: each Formulas "
        "line gets ✓ or ✗, your numbers under a line that differs; saving the file checks it "
        "again. The lab's network only (no --bias, --optimizer, --loss; --hidden 32 is both "
        "hidden layers)",
    )
    group.add_argument(
        "--class",
        dest="check_class",
        default=options.NOT_GIVEN,
        metavar="NAME",
        help="with --check: the class to check (default: the one with the lab's methods)",
    )
    group.add_argument(
        "--steps",
        dest="check_steps",
        type=options.positive_int,
        default=options.NOT_GIVEN,
        metavar="K",
        help=f"with --check: training steps to check, at most {MAX_STEPS} (default: 1)",
    )
    group.add_argument(
        "--timeout",
        dest="check_timeout",
        type=seconds,
        default=options.NOT_GIVEN,
        metavar="SECONDS",
        help=f"with --check: time limit for your code (default: {DEFAULT_TIMEOUT:g})",
    )


def open_app(args: argparse.Namespace) -> int:
    import mlp

    given = options.given(args)
    if args.resume:
        if given or args.load is not None or hasattr(args, "check_file"):
            raise UsageError(
                "--resume opens the kept session as it was; change its settings in the app (s)"
            )
        from . import session

        kept = session.load()  # SessionError (one sentence, exit 2) when there is none
        from .app import run_app

        return run_app(kept=kept)
    if hasattr(args, "check_file"):
        checked, request = _checked_run(args)
        from .app import run_app  # lazy: the only path that imports Textual

        return run_app(config=checked, check=request)
    extra = next((flag for dest, flag in CHECK_FLAGS.items() if hasattr(args, dest)), None)
    if extra is not None:
        raise UsageError(f"{extra} goes with --check FILE.py")
    if args.load is not None:
        if given:
            raise UsageError(
                "--load opens a saved run as it was; change its settings in the app (s)"
            )
        trainer = mlp.load(args.load)
        config = None
    else:
        trainer, config = None, options.config_from(args)
    from .app import run_app  # lazy: the only path that imports Textual

    # Only a plain start offers a kept session: options or --load ask for another run.
    return run_app(config=config, trainer=trainer, offer_kept=not given and args.load is None)


def _checked_run(args: argparse.Namespace) -> tuple[RunConfig, CheckRequest]:
    """The run and the check of ``--check``: the lab's network or one sentence, before the
    app opens."""
    from mlp.labcheck import CheckInputError, check_input  # numpy: only when --check is given

    from .check_view import CheckRequest

    if args.load is not None:
        raise UsageError(
            "--check starts from the initial weights of --seed, so it cannot open a saved run"
        )
    if hasattr(args, "momentum"):
        raise UsageError(
            "--momentum belongs to the momentum optimizers; the lab's Backpropagation updates "
            "by plain gradient descent"
        )
    if hasattr(args, "hidden") and len(args.hidden) == 1:
        args.hidden = args.hidden * 2  # the lab's hidden_size: both hidden layers
    request = CheckRequest(
        args.check_file,
        getattr(args, "check_class", None),
        getattr(args, "check_steps", 1),
        getattr(args, "check_timeout", DEFAULT_TIMEOUT),
    )
    try:
        config = check_input(
            request.file, options.config_from(args), steps=request.steps, timeout=request.timeout
        )
    except CheckInputError as exc:
        raise UsageError(str(exc)) from None
    return config, request


def _check_outside_the_app(args: argparse.Namespace) -> str | None:
    """The sentence refusing --check options given to a command, or None."""
    flags = [flag for dest, flag in CHECK_FLAGS.items() if hasattr(args, dest)]
    if not flags or args.run is open_app:
        return None
    if args.run is serve.run:
        return (
            "serve does not offer --check: your lab code runs on your own machine, so open "
            "'backprop-lab --check FILE.py' in a terminal there"
        )
    return (
        f"{flags[0]} goes with the app ('backprop-lab --check FILE.py'); to check without the "
        "app, run 'backprop-lab check FILE.py'"
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        refused = _check_outside_the_app(args)
        if refused is not None:
            raise UsageError(refused)
        with budget.limited(getattr(args, "memory_limit", None)):
            return args.run(args)
    except InputError as exc:  # UsageError, ConfigError, DatasetError, RunFileError
        _say(f"{PROG}: {exc}{_hint(exc, args)}")
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. piped into head: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Interrupted as exc:
        _say(f"{PROG}: stopped by {signal_words(exc.signum)}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say(f"{PROG}: interrupted")
        return EXIT_INTERRUPTED


def _hint(exc: InputError, args: argparse.Namespace) -> str:
    """What the user can change, for a refusal that names the memory limit."""
    if "more than the limit of" in str(exc) and hasattr(args, "memory_limit"):
        return "; use a smaller network or data, or raise --memory-limit"
    return ""


def _say(text: str) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no one left to read it
        print(text, file=sys.stderr)
