"""The command line's exit codes, and the one error type it turns into a sentence."""

from __future__ import annotations

EXIT_USAGE = 2  # bad input: one sentence on stderr
EXIT_INTERRUPTED = 130  # stopped by Ctrl+C, as a shell reports SIGINT


class UsageError(ValueError):
    """Input the user can fix; the message is one sentence naming the problem."""
