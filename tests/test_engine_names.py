"""The names the command line offers without numpy are the names the engine implements, and
reading them (or a config's defaults) loads no numpy."""

from __future__ import annotations

import subprocess
import sys

from mlp import activations, datasets, losses, names, network, optimizers


def test_the_numpy_free_names_are_the_registries_names() -> None:
    assert tuple(activations.ACTIVATIONS) == names.ACTIVATIONS
    assert tuple(losses.LOSSES) == names.LOSSES
    assert tuple(optimizers.OPTIMIZERS) == names.OPTIMIZERS
    assert names.INITS == network.INITS
    assert names.DATASETS == datasets.NAMES


def test_names_errors_and_defaults_load_without_numpy() -> None:
    code = (
        "import sys\n"
        "import mlp\n"
        "from mlp import ConfigError, RunConfig, names\n"
        "RunConfig().replace(lr=0.5)\n"
        "assert 'numpy' not in sys.modules, 'numpy was imported'\n"
        "from mlp import Trainer\n"  # and the engine still loads on first use
        "assert 'numpy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
