"""The first epoch at 100%: one exact definition, the same wherever it is computed.

It is the smallest k >= 0 such that the weights after k epochs (k = 0: the initial weights)
classify every training point. The reference here is brute force: evaluate the weights after
every single epoch.
"""

from __future__ import annotations

import pytest

from mlp import RunConfig, Trainer
from mlp.batched import train_many

EPOCHS = 150

CONFIGS = {
    "full batch": RunConfig(dataset="xor", lr=0.5),
    "full batch, momentum, bias": RunConfig(
        dataset="linear", n=40, optimizer="momentum", bias=True, lr=0.05
    ),
    "mini-batch": RunConfig(dataset="linear", n=30, batch_size=7, lr=0.5),
    "per-sample": RunConfig(dataset="linear", n=20, hidden=(8,), batch_size=1, lr=0.5),
}


def brute_force(config: RunConfig, epochs: int) -> int | None:
    trainer = Trainer(config)
    if trainer.evaluate().accuracy == 1.0:
        return 0
    for _ in range(epochs):
        trainer.train(1)
        if trainer.evaluate().accuracy == 1.0:
            return trainer.epoch
    return None


@pytest.fixture(scope="module")
def expected() -> dict[str, int | None]:
    return {name: brute_force(config, EPOCHS) for name, config in CONFIGS.items()}


@pytest.mark.parametrize("name", CONFIGS)
def test_bulk_training_finds_the_first_epoch_at_100_exactly(name, expected) -> None:
    first = expected[name]
    assert first is not None and 0 < first < EPOCHS, "the case must reach 100% mid-run"
    trainer = Trainer(CONFIGS[name])
    trainer.train(EPOCHS)
    assert trainer.first_epoch_at_100 == first


@pytest.mark.parametrize("name", CONFIGS)
def test_it_is_the_same_trained_in_pieces_or_stepped(name, expected) -> None:
    first = expected[name]
    pieces, stepped = Trainer(CONFIGS[name]), Trainer(CONFIGS[name])
    while pieces.epoch < first + 3:
        pieces.train(2)
    assert pieces.first_epoch_at_100 == first
    while stepped.epoch < first:
        stepped.next_substep()
    assert stepped.first_epoch_at_100 == first


@pytest.mark.parametrize("name", CONFIGS)
def test_not_yet_is_none_until_the_epoch_that_gets_there(name, expected) -> None:
    first = expected[name]
    trainer = Trainer(CONFIGS[name])
    trainer.train(first - 1)
    assert trainer.first_epoch_at_100 is None
    trainer.train(1)
    assert trainer.first_epoch_at_100 == first


def test_initial_weights_that_are_already_right_count_as_epoch_0() -> None:
    for batch_size in (None, 5):
        config = RunConfig(
            dataset="linear", n=20, hidden=(1,), activations=("none", "sigmoid"),
            batch_size=batch_size,
        )  # fmt: skip
        trainer = Trainer(config)
        # y = σ(1000 (x2 − x1)): the linear data's own rule, label 1 where x2 ≥ x1.
        trainer.network.weight(1)[...] = [[-1.0], [1.0]]
        trainer.network.weight(2)[...] = 1000.0
        assert trainer.evaluate().accuracy == 1.0
        assert trainer.first_epoch_at_100 == 0
        trainer.train(3)
        assert trainer.first_epoch_at_100 == 0


def test_undo_takes_it_back_with_the_weights() -> None:
    config = CONFIGS["mini-batch"]
    first = brute_force(config, EPOCHS)
    trainer = Trainer(config)
    trainer.train(first - 1)
    while trainer.epoch < first + 1:
        trainer.next_substep()
    assert trainer.first_epoch_at_100 == first
    while trainer.epoch >= first:
        trainer.previous_substep()
    assert trainer.first_epoch_at_100 is None
    while trainer.epoch < first:
        trainer.next_substep()
    assert trainer.first_epoch_at_100 == first


def test_stacked_and_alone_runs_give_the_same_number_as_brute_force() -> None:
    full = [RunConfig(dataset="xor", lr=lr) for lr in (0.5, 1.0, 2.0)]
    alone = [CONFIGS["mini-batch"], CONFIGS["per-sample"]]
    outcomes = train_many(full + alone, EPOCHS)
    assert [o.stacked for o in outcomes] == [True, True, True, False, False]
    for config, outcome in zip(full + alone, outcomes, strict=True):
        assert outcome.first_epoch_at_100 == brute_force(config, EPOCHS), config.lr


def test_until_stops_at_the_first_epoch_where_the_check_holds(expected) -> None:
    for name in ("full batch", "mini-batch"):
        trainer, calls = Trainer(CONFIGS[name]), []

        def check(t: Trainer, calls: list[int] = calls) -> bool:
            calls.append(t.epoch)
            return t.evaluate().accuracy == 1.0

        result = trainer.train(10_000, until=check)
        assert result.status == "condition_met"
        assert trainer.epoch == result.epoch == expected[name]
        assert calls == list(range(1, expected[name] + 1)), "once after every epoch"
        # Training on carries on from there, and the check is not kept.
        assert trainer.train(2).status == "completed" and trainer.epoch == expected[name] + 2


def test_until_reading_the_first_epoch_at_100_stops_there(expected) -> None:
    trainer = Trainer(CONFIGS["full batch"])
    result = trainer.train(10_000, until=lambda t: t.first_epoch_at_100 is not None)
    assert result.status == "condition_met" and trainer.epoch == expected["full batch"]
