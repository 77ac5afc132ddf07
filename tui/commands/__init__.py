"""The subcommands of ``backprop-lab``; each module has ``add_parser`` and ``run``.

Importing a command must not import Textual: only opening the app does.
"""

from __future__ import annotations

from types import ModuleType

from . import check, compare, gradcheck, lessons, serve, train

COMMANDS: tuple[ModuleType, ...] = (train, compare, gradcheck, check, lessons, serve)
