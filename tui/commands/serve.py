"""``backprop-lab serve``: the same app in a web browser, through textual-serve."""

from __future__ import annotations

import argparse
import shlex
import sys

from .. import options

HOST = "localhost"
PORT = 8000


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "serve",
        help="open the app in a web browser (textual-serve, localhost only by default)",
        description="Serve the trainer app over HTTP with textual-serve: each browser tab runs "
        "its own copy of the app. Bound to localhost unless --host says otherwise: anyone who "
        "can reach the port can use the app.",
    )
    parser.add_argument("--host", default=HOST, help=f"address to listen on (default: {HOST})")
    parser.add_argument("--port", type=options.positive_int, default=PORT, help="(default: 8000)")
    options.add_run_options(parser, epochs=False)
    # Accepted only to be refused with the reason (the learner's code runs on their machine).
    parser.add_argument(
        "--check", dest="check_file", default=options.NOT_GIVEN, help=argparse.SUPPRESS
    )
    parser.set_defaults(run=run)
    return parser


def app_command(args: argparse.Namespace) -> str:
    """The shell command each browser session runs: this Python, the same settings."""
    words = [sys.executable, "-m", "tui"]
    for name, value in options.given(args).items():
        flag = "--" + ("act" if name == "activations" else name.replace("_", "-"))
        if isinstance(value, bool):
            words.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, tuple):
            words += [flag, ",".join(map(str, value))]
        else:
            words += [flag, str(value)]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    options.config_from(args)  # refuse bad settings here, not in every browser tab
    from textual_serve.server import Server  # lazy: pulls in aiohttp and textual

    print(f"backprop-lab: serving on http://{args.host}:{args.port} (Ctrl+C to stop)")
    Server(app_command(args), host=args.host, port=args.port, title="backprop-lab").serve()
    return 0
