"""The subcommands of ``backprop-lab``; each module has ``add_parser`` and ``run``.

Importing a command module must import neither Textual (only opening the app does) nor numpy
or rich: every command's parser is built for any ``--help``, which must answer at once. A
command imports the work it does (``training``, ``comparison``, ...) inside ``run``;
``tests/test_cli_options.py`` checks that ``--help`` loads none of them.
"""

from __future__ import annotations

from types import ModuleType

from . import check, compare, gradcheck, lessons, serve, train

COMMANDS: tuple[ModuleType, ...] = (train, compare, gradcheck, check, lessons, serve)
