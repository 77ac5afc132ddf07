"""``backprop-lab serve``: the same app in a web browser, through textual-serve.

Each browser tab runs the whole app in its own process, so the page is as powerful as the
app: under ``serve`` its saves go only into one runs folder named at the start (see
:mod:`tui.confine`), a limit on concurrent sessions protects the machine, each session gets
an equal share of the memory budget, and listening anywhere but on this machine says who can
then reach it.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .. import confine, options
from ..errors import UsageError

HOST = "localhost"
PORT = 8000
MAX_SESSIONS = 4
RUNS_FOLDER = "backprop-lab-runs"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def port_number(text: str) -> int:
    value = options.count(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got {value}")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "serve",
        help="open the app in a web browser (textual-serve, localhost only by default)",
        description="Serve the trainer app over HTTP with textual-serve: each browser tab runs "
        "its own copy of the app. Bound to localhost unless --host says otherwise: anyone who "
        "can reach the port can use the app. Runs saved from the page go into the runs "
        "folder and nowhere else.",
    )
    parser.add_argument("--host", default=HOST, help=f"address to listen on (default: {HOST})")
    parser.add_argument(
        "--port", type=port_number, default=PORT, help=f"port, 1-65535 (default: {PORT})"
    )
    parser.add_argument(
        "--runs-folder",
        default=RUNS_FOLDER,
        metavar="DIR",
        help=f"the only folder the page saves runs into (default: ./{RUNS_FOLDER}, created)",
    )
    parser.add_argument(
        "--max-sessions",
        type=options.positive_int,
        default=MAX_SESSIONS,
        metavar="N",
        help=f"browser tabs served at once; each is a process (default: {MAX_SESSIONS})",
    )
    options.add_run_options(parser, epochs=False)
    options.add_memory_limit(parser)
    # Accepted only to be refused with the reason (the learner's code runs on their machine).
    parser.add_argument(
        "--check", dest="check_file", default=options.NOT_GIVEN, help=argparse.SUPPRESS
    )
    parser.set_defaults(run=run)
    return parser


def app_command(
    args: argparse.Namespace, runs: Path | None = None, memory_per_session: int | None = None
) -> str:
    """The shell command each browser session runs: this Python, the same settings, confined
    to the runs folder."""
    words = [sys.executable, "-m", "tui", *options.command_line(options.given(args))]
    if memory_per_session is not None:
        words += ["--memory-limit", str(memory_per_session)]
    command = shlex.join(words)
    return command if runs is None else f"{confine.environment(runs)} {command}"


def check_address(host: str, port: int) -> None:
    """Refuse, in one sentence, an address that cannot be listened on (before starting)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"cannot listen on {host!r}: {exc.args[-1]} (see --host)") from None
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise UsageError(f"cannot listen on {host} port {port}: {reason} (see --port)") from None


def run(args: argparse.Namespace) -> int:
    from mlp import budget

    options.config_from(args)  # refuse bad settings here, not in every browser tab
    check_address(args.host, args.port)
    try:
        runs = Path(args.runs_folder).resolve()
        runs.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot use {args.runs_folder} as the runs folder: {exc.strerror}"
        ) from None
    share = budget.limit() // args.max_sessions
    from .serving import LimitedServer  # lazy: pulls in aiohttp and textual

    if args.host not in LOCAL_HOSTS:
        print(
            f"backprop-lab: warning: listening on {args.host}: anyone who can reach port "
            f"{args.port} gets the app and can save runs into {runs}",
            file=sys.stderr,
        )
    print(
        f"backprop-lab: serving on http://{args.host}:{args.port} (Ctrl+C to stop); runs "
        f"saved from the page go to {runs}; at most {args.max_sessions} sessions, "
        f"{budget.size_text(share)} of memory each"
    )
    server = LimitedServer(
        app_command(args, runs, share), host=args.host, port=args.port, title="backprop-lab"
    )
    server.max_sessions = args.max_sessions
    try:
        server.serve()
    except OSError as exc:  # the port was taken between the check and now
        raise UsageError(f"cannot listen on {args.host} port {args.port}: {exc.strerror}") from None
    return 0
