"""The one error type the command line turns into a sentence and exit code 2."""

from __future__ import annotations


class UsageError(ValueError):
    """Input the user can fix; the message is one sentence naming the problem."""
