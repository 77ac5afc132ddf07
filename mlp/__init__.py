"""A from-scratch numpy multilayer perceptron that records every step of backpropagation.

Pure numpy: nothing here imports a user interface.
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .config import ConfigError, RunConfig
from .datasets import Dataset, DatasetError
from .evaluate import Evaluation
from .gradcheck import GradCheck
from .losses import LOSSES, Loss, get_loss
from .network import Network
from .optimizers import OPTIMIZERS, Optimizer, make_optimizer
from .runfile import RunFileError, load, save
from .state import Divergence, TrainerState
from .tape import SubStep, Tape
from .trainer import Trainer, TrainingProgress, TrainResult

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "OPTIMIZERS",
    "Activation",
    "ConfigError",
    "Dataset",
    "DatasetError",
    "Divergence",
    "Evaluation",
    "GradCheck",
    "Loss",
    "Network",
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
