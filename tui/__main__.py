"""``python -m tui``: the same as the ``backprop-lab`` command."""

import sys

from .cli import main

sys.exit(main())
