"""The errors a user can fix, each carrying one sentence that names the problem.

Kept apart from the modules that raise them (and free of numpy) so that the command line can
catch them without importing the engine.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user: a setting, a data file, a run file. The message is one sentence."""


class ConfigError(InputError):
    """A setting is out of range or unknown; the message is one sentence for the user."""


class DatasetError(InputError):
    """A dataset could not be made or read; the message says what and where."""


class RunFileError(InputError):
    """A run file is missing, corrupt, foreign or from a newer version."""
