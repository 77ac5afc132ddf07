"""Config validation: each bad setting is refused with one sentence naming it."""

from __future__ import annotations

import pytest

from mlp import ConfigError, DatasetError, RunConfig, Trainer


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"hidden": (32, 0)}, "hidden layer sizes"),
        ({"activations": ("sigmoid", "relu")}, "3 layers need 3 activations"),
        ({"activations": ("sigmoid", "swish", "relu")}, "unknown activation 'swish'"),
        ({"lr": 0.0}, "learning rate must be a positive"),
        ({"lr": -0.1}, "learning rate must be a positive"),
        ({"lr": float("nan")}, "learning rate"),
        ({"lr": float("inf")}, "learning rate"),
        ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop'"),
        ({"momentum": 1.0}, "momentum must be in [0, 1)"),
        ({"momentum": -0.5}, "momentum"),
        ({"batch_size": 0}, "batch size must be at least 1"),
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"init": "zeros"}, "unknown init 'zeros'"),
        ({"epochs": -1}, "epochs must be 0 or more"),
        ({"n": 0}, "number of points"),
        ({"noise": 1.5}, "noise must be in [0, 1]"),
        ({"seed": -3}, "seed must be 0 or more"),
        ({"target_loss": -1.0}, "target loss"),
        ({"target_loss": float("nan")}, "target loss"),
    ],
)
def test_bad_settings_are_refused_by_name(changes, words) -> None:
    config = RunConfig(**changes)
    with pytest.raises(ConfigError) as info:
        config.validated()
    message = str(info.value)
    assert words in message and "\n" not in message
    with pytest.raises(ConfigError):
        Trainer(config)


@pytest.mark.parametrize(
    "changes", [{"lr": "fast"}, {"n": "5"}, {"batch_size": "4"}, {"momentum": None}]
)
def test_settings_of_the_wrong_type_are_refused(changes) -> None:
    with pytest.raises(ConfigError, match="bad setting"):
        RunConfig.from_dict(changes).validated()


def test_the_default_is_the_lab_setup() -> None:
    config = RunConfig().validated()
    assert config.sizes == (2, 32, 32, 1)
    assert config.activations == ("sigmoid", "sigmoid", "sigmoid")
    assert (config.lr, config.optimizer, config.loss, config.bias) == (0.05, "gd", "sse", False)
    assert (config.init, config.epochs, config.batch_size) == ("normal", 10000, None)
    assert config.describe() == "2-32-32-1 sigmoid/sigmoid/sigmoid, gd lr 0.05, sse"


def test_names_are_normalised_and_aliases_accepted() -> None:
    config = RunConfig(activations=(" ReLU ",), optimizer="SGD", loss="MSE").validated()
    assert config.activations == ("relu", "relu", "relu")
    Trainer(config.replace(hidden=(3,), activations=("relu",)))
    assert RunConfig(optimizer="nag").validated().optimizer == "nag"


def test_dict_round_trip_and_unknown_keys() -> None:
    config = RunConfig(hidden=(4, 3), activations=("tanh", "relu", "sigmoid"), batch_size=8)
    assert RunConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown setting"):
        RunConfig.from_dict({"learning_rate": 0.1})
    with pytest.raises(ConfigError, match="bad setting"):
        RunConfig.from_dict({"hidden": 5})


def test_an_unknown_dataset_is_a_dataset_error() -> None:
    with pytest.raises(DatasetError, match="unknown dataset"):
        Trainer(RunConfig(dataset="moons"))


def test_one_activation_for_all_layers_follows_a_change_of_depth() -> None:
    deeper = RunConfig().replace(hidden=(4, 5, 6))
    assert deeper.activations == ("sigmoid",) * 4
    assert deeper.validated() is deeper
    mixed = RunConfig(activations=("relu", "relu", "sigmoid"))
    with pytest.raises(ConfigError, match="4 layers need 4 activations"):
        mixed.replace(hidden=(4, 5, 6)).validated()
