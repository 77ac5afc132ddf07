"""``backprop-lab compare``: one run per combination, reported as the engine trained them."""

from __future__ import annotations

import json

import pytest

from mlp import RunConfig, Trainer
from tui.cli import main


def compare_json(capsys, *argv: str) -> dict:
    assert main(["compare", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_each_learning_rate_is_a_run_that_ends_as_a_separate_run_would(capsys) -> None:
    doc = compare_json(capsys, "--lr", "0.5,0.05", "--epochs", "300")
    assert doc["schema"] == "backprop-lab/compare-result/1" and doc["varied"] == ["lr"]
    assert [run["label"] for run in doc["runs"]] == ["lr 0.5", "lr 0.05"]
    for run, lr in zip(doc["runs"], (0.5, 0.05), strict=True):
        reference = Trainer(RunConfig(lr=lr, epochs=300))
        reference.train(300)
        assert RunConfig.from_dict(run["config"]) == reference.config
        assert run["final_loss"] == pytest.approx(reference.last_loss, rel=1e-9)
        assert run["accuracy"] == reference.evaluate().accuracy
        assert run["epochs_run"] == 300 and run["stacked"] is True
        assert 0 < len(run["history"]["epoch"]) <= 200


def test_listed_settings_combine_and_hidden_sizes_read_like_the_lab(capsys) -> None:
    doc = compare_json(
        capsys, "--hidden", "4,16x8", "--act", "sigmoid,relu/relu/sigmoid", "--epochs", "20"
    )
    configs = [RunConfig.from_dict(run["config"]) for run in doc["runs"]]
    assert [(c.hidden, c.activations) for c in configs] == [
        ((4, 4), ("sigmoid",) * 3),
        ((4, 4), ("relu", "relu", "sigmoid")),
        ((16, 8), ("sigmoid",) * 3),
        ((16, 8), ("relu", "relu", "sigmoid")),
    ]
    assert doc["varied"] == ["hidden", "activations"]


def test_the_table_and_chart_show_every_run_and_why_one_diverged(capsys) -> None:
    argv = ["compare", "--act", "none/none/none", "--lr", "50,0.00001", "--epochs", "200"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Comparison" in out and "loss per sample" in out
    assert "at epoch" in out and "Diverged: the loss overflowed" in out
    assert "50" in out and "1e-05" in out


def test_first_epoch_at_100_is_reported(capsys) -> None:
    doc = compare_json(capsys, "--optimizer", "gd,momentum", "--epochs", "2000")
    gd, momentum = (run["first_epoch_at_100"] for run in doc["runs"])
    assert momentum is not None and gd is not None and momentum < gd


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lr", "0.5,-1"], "learning rate must be a positive number"),
        (["--lr", "0.1"], "there is nothing to compare"),
        (["--lr", ",".join(["0.1"] * 65)], "compare at most 64"),
        (["--act", "sigmoid,swish"], "unknown activation 'swish'"),
        (["--hidden", "8,x"], "expected hidden sizes like 8"),
    ],
)
def test_bad_lists_are_refused_with_one_sentence(capsys, argv, message) -> None:
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(["compare", *argv]))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
