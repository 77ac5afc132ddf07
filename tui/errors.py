"""The command line's exit codes, and the one error type it turns into a sentence."""

from __future__ import annotations

import signal

from mlp.errors import InputError

EXIT_OK = 0
EXIT_FAILURE = 1  # the work ran but something failed: a check, the save, the report
EXIT_USAGE = 2  # bad input: one sentence on stderr
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130: stopped by Ctrl+C, as a shell reports SIGINT


def exit_code_for(signum: int) -> int:
    """The shell's convention for a process stopped by a signal: 128 + its number."""
    return 128 + signum


class UsageError(InputError):
    """Input the user can fix; the message is one sentence naming the problem."""
