"""The one mechanism every headless command stops by: a signal asks, the work stops where it
can, the exit code is 128 + the signal; and what a long run says and saves meanwhile."""

from __future__ import annotations

import os
import signal

import pytest

import mlp
from tui.cli import main
from tui.commands import training
from tui.commands.stopping import Interrupted, stop_on_signals


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP, signal.SIGTERM])
def test_a_signal_asks_to_stop_and_sets_the_exit_code(signum) -> None:
    with stop_on_signals() as stop:
        assert not stop()
        os.kill(os.getpid(), signum)
        assert stop() and stop.exit_code(0) == 128 + signum
        os.kill(os.getpid(), signal.SIGINT)  # a second signal changes nothing
        assert stop.signum == signum
    assert signal.getsignal(signum) is not None  # the previous handler is back


def test_work_that_cannot_look_is_interrupted_where_it_stands() -> None:
    with pytest.raises(Interrupted) as stopped, stop_on_signals(raise_first=True):
        os.kill(os.getpid(), signal.SIGTERM)
    assert stopped.value.exit_code == 143


def test_a_signal_ignored_at_start_stays_ignored() -> None:
    """Under nohup a hang-up must not stop the run."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with stop_on_signals() as stop:
            os.kill(os.getpid(), signal.SIGHUP)
            assert not stop()
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_headless_lesson_stopped_by_sigterm_exits_143(capsys, monkeypatch) -> None:
    import tui.lesson_report

    def interrupted(lesson, console, plots=True) -> bool:
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("the signal did not stop the lesson")

    monkeypatch.setattr(tui.lesson_report, "run_lesson", interrupted)
    assert main(["lesson", "xor", "--headless"]) == 143
    assert capsys.readouterr().err == "backprop-lab: stopped by SIGTERM\n"


def test_a_long_run_without_save_says_once_that_it_will_not_be_kept(capsys, monkeypatch):
    monkeypatch.setattr(training, "LONG_RUN", 0.0)
    monkeypatch.setattr(training, "ESTIMATE_AFTER", 0.0)
    assert main(["train", "--epochs", "3000", "--json"]) == 0
    err = capsys.readouterr().err
    assert err.count("will not be kept: add --save run.npz") == 1


def test_checkpoints_by_the_clock_while_training(capsys, monkeypatch, tmp_path) -> None:
    saved: list[int] = []
    save = mlp.save

    def counting(trainer, path):
        saved.append(trainer.epoch)
        return save(trainer, path)

    monkeypatch.setattr(mlp, "save", counting)
    path = tmp_path / "run.npz"
    argv = ["train", "--epochs", "3000", "--json", "--save", str(path)]
    assert main([*argv, "--checkpoint-every", "0.05s"]) == 0
    assert len(saved) >= 3 and saved == sorted(saved) and saved[-1] == 3000
    assert mlp.load(path).epoch == 3000


def test_compare_stops_a_run_trained_alone_within_its_chunk(capsys) -> None:
    """Mini-batch runs train one by one in chunks of 1024 epochs (20 s here at batch size 1
    on 1000 points); Ctrl+C used to wait for the whole chunk."""
    import json
    import threading

    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    argv = ["compare", "--dataset", "linear", "--n", "1000", "--batch-size", "1,2"]
    assert main([*argv, "--epochs", "100000", "--json"]) == 130
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert runs[0]["epochs_run"] < 1024 and runs[1]["epochs_run"] == 0
