"""A from-scratch numpy multilayer perceptron that records every step of backpropagation.

Pure numpy: nothing here imports a user interface.

The names below are loaded on first use (PEP 562), so that ``import mlp`` and the settings in
:mod:`mlp.config` and :mod:`mlp.names` cost no numpy import: the command line's ``--help``
reads them and must answer at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> the module that defines it.
_HOMES = {
    "ACTIVATIONS": "activations",
    "Activation": "activations",
    "get_activation": "activations",
    "ConfigError": "errors",
    "DatasetError": "errors",
    "RunFileError": "errors",
    "RunConfig": "config",
    "Dataset": "datasets",
    "Evaluation": "evaluate",
    "GradCheck": "gradcheck",
    "LOSSES": "losses",
    "Loss": "losses",
    "get_loss": "losses",
    "Network": "network",
    "OPTIMIZERS": "optimizers",
    "Optimizer": "optimizers",
    "make_optimizer": "optimizers",
    "load": "runfile",
    "save": "runfile",
    "SubStep": "tape",
    "Tape": "tape",
    "Divergence": "state",
    "TrainerState": "state",
    "Trainer": "trainer",
    "TrainingProgress": "trainer",
    "TrainResult": "trainer",
}

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "ConfigError",
    "Dataset",
    "DatasetError",
    "Divergence",
    "Evaluation",
    "GradCheck",
    "LOSSES",
    "Loss",
    "Network",
    "OPTIMIZERS",
    "Optimizer",
    "RunConfig",
    "RunFileError",
    "SubStep",
    "Tape",
    "TrainResult",
    "Trainer",
    "TrainerState",
    "TrainingProgress",
    "get_activation",
    "get_loss",
    "load",
    "make_optimizer",
    "save",
]


_MODULES = {
    "activations",
    "archive",
    "atomic",
    "batched",
    "budget",
    "config",
    "datasets",
    "errors",
    "evaluate",
    "gradcheck",
    "history",
    "introspect",
    "lab",
    "labcheck",
    "losses",
    "names",
    "network",
    "optimizers",
    "runcheck",
    "runfile",
    "state",
    "tape",
    "trainer",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:  # ``import mlp; mlp.runfile.save``, as when everything was imported
        return importlib.import_module(f".{name}", __name__)
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


if TYPE_CHECKING:
    from .activations import ACTIVATIONS, Activation, get_activation
    from .config import RunConfig
    from .datasets import Dataset
    from .errors import ConfigError, DatasetError, RunFileError
    from .evaluate import Evaluation
    from .gradcheck import GradCheck
    from .losses import LOSSES, Loss, get_loss
    from .network import Network
    from .optimizers import OPTIMIZERS, Optimizer, make_optimizer
    from .runfile import load, save
    from .state import Divergence, TrainerState
    from .tape import SubStep, Tape
    from .trainer import Trainer, TrainingProgress, TrainResult
