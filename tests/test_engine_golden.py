"""The engine's numbers, bit for bit, against weights saved before the tape was rewritten.

``tests/data/golden_weights.npz`` holds the flat parameters of six runs after 50 and 1000
epochs, made by the engine at commit 5226ada (``tests/data/README.md`` has the script). The
six runs use every kind of sub-step between them. Bulk training must reach exactly those
weights, and stepping through one sub-step at a time must reach the same weights at epoch 50:
a rewrite of the tape may change how the code reads, never what it computes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlp import RunConfig, Trainer

GOLDEN_FILE = Path(__file__).parent / "data" / "golden_weights.npz"

CONFIGS = {
    "lab_default": RunConfig(),
    "linear_relu_bias_momentum": RunConfig(
        dataset="linear",
        activations=("relu", "relu", "sigmoid"),
        bias=True,
        optimizer="momentum",
        lr=0.01,
    ),
    "xor_tanh_nesterov_mse": RunConfig(
        dataset="xor",
        activations=("tanh", "tanh", "sigmoid"),
        optimizer="nesterov",
        loss="mse",
        lr=0.5,
    ),
    "linear_leaky_adam_bce_batch7": RunConfig(
        dataset="linear",
        activations=("leaky_relu", "leaky_relu", "sigmoid"),
        optimizer="adam",
        loss="bce",
        lr=0.001,
        batch_size=7,
    ),
    "xor_none_none_sigmoid": RunConfig(
        dataset="xor", hidden=(16, 16), activations=("none", "none", "sigmoid"), lr=5e-4
    ),
    "xor_per_sample": RunConfig(dataset="xor", batch_size=1, lr=0.1),
}


@pytest.fixture(scope="module")
def golden() -> dict[str, np.ndarray]:
    with np.load(GOLDEN_FILE, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


@pytest.mark.parametrize("name", CONFIGS)
def test_bulk_training_reaches_the_saved_weights_bit_for_bit(name, golden) -> None:
    trainer = Trainer(CONFIGS[name])
    assert trainer.train(50).status == "completed"
    assert np.array_equal(trainer.network.params, golden[f"{name}@50"])
    assert trainer.train(950).status == "completed"
    assert np.array_equal(trainer.network.params, golden[f"{name}@1000"])


@pytest.mark.parametrize("name", CONFIGS)
def test_stepping_reaches_the_saved_weights_bit_for_bit(name, golden) -> None:
    trainer = Trainer(CONFIGS[name])
    while trainer.epoch < 50:
        trainer.next_substep()
    assert np.array_equal(trainer.network.params, golden[f"{name}@50"])


def test_the_golden_runs_learned_something(golden) -> None:
    """The saved weights are of runs that train: a dead or frozen run would hide arithmetic."""
    for name in CONFIGS:
        assert not np.array_equal(golden[f"{name}@50"], golden[f"{name}@1000"]), name
