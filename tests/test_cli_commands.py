"""The app entry point, ``gradcheck`` and ``serve`` through ``main``."""

from __future__ import annotations

import shlex

import pytest

import mlp
import tui.app
from mlp import RunConfig
from mlp.gradcheck import GradCheck, TensorCheck
from tui.cli import main
from tui.commands import gradient_check


@pytest.fixture
def opened(monkeypatch) -> dict:
    calls: dict = {}

    def fake_run_app(config=None, trainer=None, lesson=None, **kept) -> int:
        calls.update(config=config, trainer=trainer, lesson=lesson, **kept)
        return 0

    monkeypatch.setattr(tui.app, "run_app", fake_run_app)
    return calls


def test_no_command_opens_the_app_on_the_lab_default(opened) -> None:
    assert main([]) == 0
    assert opened["config"] == RunConfig() and opened["trainer"] is None
    assert opened["offer_kept"]  # a plain start offers a kept session


def test_a_start_with_options_or_a_run_offers_no_kept_session(opened, tmp_path) -> None:
    assert main(["--lr", "0.5"]) == 0
    assert opened["offer_kept"] is False
    path = mlp.save(mlp.Trainer(RunConfig(hidden=(4,))), tmp_path / "run.npz")
    assert main(["--load", str(path)]) == 0
    assert opened["offer_kept"] is False


def test_resume_with_nothing_kept_is_one_sentence(opened, capsys) -> None:
    assert main(["--resume"]) == 2
    assert "offer_kept" not in opened and "kept" in capsys.readouterr().err
    assert main(["--resume", "--lr", "0.5"]) == 2
    assert "--resume opens the kept session as it was" in capsys.readouterr().err


def test_options_change_the_apps_start(opened) -> None:
    assert main(["--dataset", "linear", "--hidden", "8", "--act", "relu", "--lr", "0.01"]) == 0
    # One activation typed is the hidden layers' (the output stays a sigmoid, as in settings).
    assert opened["config"] == RunConfig(
        dataset="linear", hidden=(8,), activations=("relu", "sigmoid"), lr=0.01
    )


def test_load_opens_the_app_on_a_saved_run(opened, tmp_path) -> None:
    trainer = mlp.Trainer(RunConfig(hidden=(4,)))
    trainer.train(25)
    path = mlp.save(trainer, tmp_path / "run.npz")
    assert main(["--load", str(path)]) == 0
    assert opened["trainer"].epoch == 25 and opened["trainer"].config.hidden == (4,)


def test_bad_settings_never_reach_the_app(opened, capsys) -> None:
    assert main(["--act", "nope"]) == 2
    assert opened == {} and "unknown activation 'nope'" in capsys.readouterr().err


def test_gradcheck_passes_every_tensor_with_biases(capsys) -> None:
    assert main(["gradcheck", "--bias", "--act", "tanh,relu,sigmoid", "--after", "20"]) == 0
    out = capsys.readouterr().out
    for name in ("W1", "W2", "W3", "b1", "b2", "b3"):
        assert name in out
    assert "FAIL" not in out and "All gradients match" in out


def test_gradcheck_reports_a_failing_tensor_with_exit_1(capsys, monkeypatch) -> None:
    def broken(network, loss, x, label, **how) -> GradCheck:
        return GradCheck([TensorCheck("W1", 1e-6, 1.0), TensorCheck("W2", 3e-3, 2.0)])

    monkeypatch.setattr(gradient_check, "check", broken)
    assert main(["gradcheck", "--hidden", "3"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "3.00e-03" in out


def test_gradcheck_of_a_saturated_network_says_what_it_cannot_judge(capsys) -> None:
    # lr 2 saturates the lab network: gradients of ~1e-7 an entry, below the finite
    # differences' rounding. Not a failure of the engine, and not a pass either: said in words.
    assert main(["gradcheck", "--lr", "2", "--after", "1000"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "FAIL" not in out and "All gradients match" not in out
    assert out.count("too small") == 3
    assert "No gradient fails, but W1, W2, W3: the gradient is within the rounding" in out


def test_gradcheck_after_divergence_says_there_is_nothing_to_check(capsys) -> None:
    assert main(["gradcheck", "--act", "none,none,none", "--lr", "5", "--after", "1000"]) == 1
    assert "diverged" in capsys.readouterr().out


def test_serve_binds_localhost_and_runs_the_app_with_the_same_settings(
    monkeypatch, tmp_path
) -> None:
    started: dict = {}

    class FakeServer:
        def __init__(self, command: str, host: str, port: int, title: str) -> None:
            started.update(command=command, host=host, port=port)

        def serve(self) -> None:
            started["served"] = True

    from tui.commands import serving

    monkeypatch.setattr(serving, "LimitedServer", FakeServer)
    runs = tmp_path / "runs"
    argv = ["serve", "--hidden", "8,4", "--no-bias", "--lr", "0.1", "--runs-folder", str(runs)]
    assert main([*argv, "--port", str(_free_port())]) == 0
    assert started["host"] == "localhost" and started["served"] and runs.is_dir()
    words = shlex.split(started["command"])
    # Each session is confined to the runs folder and gets its share of the memory budget.
    assert words[0] == f"BACKPROP_LAB_RUNS_FOLDER={runs.resolve()}"
    assert words[2:4] == ["-m", "tui"] and words[-2] == "--memory-limit"
    opened_with = {}

    def fake_run_app(config=None, trainer=None, lesson=None, **kept) -> int:
        opened_with["config"] = config
        return 0

    monkeypatch.setattr(tui.app, "run_app", fake_run_app)
    assert main(words[4:]) == 0
    assert opened_with["config"] == RunConfig(hidden=(8, 4), bias=False, lr=0.1)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def test_serve_refuses_bad_settings_before_starting(capsys) -> None:
    assert main(["serve", "--lr", "-1"]) == 2
    assert "learning rate" in capsys.readouterr().err
