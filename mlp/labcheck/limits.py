"""The check's limits, importable without numpy (the command line's --help shows them)."""

from __future__ import annotations

DEFAULT_TIMEOUT = 5.0  # seconds for the learner's code: import, __init__ and every step
MAX_STEPS = 100  # every array of every step is kept: enough to catch state kept between steps
