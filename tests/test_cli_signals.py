"""``train`` as a process that is stopped from outside: Ctrl+C, a hang-up, SIGTERM, a reader
that goes away, kill -9. Each stops within half a second of the signal, keeps the run (saved
before the report), exits with 128 + the signal, and the run file resumes.

Each test is one short process (about a second here); they are few and share a helper.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import mlp

PYTHON = sys.executable
FOREVER = "100000000"  # epochs: only a signal ends these runs


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra)
    return env


def _start(*argv: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "tui", "train", *argv],
        stdout=popen.pop("stdout", subprocess.PIPE),
        stderr=subprocess.PIPE,
        text=True,
        env=_env(**popen.pop("env", {})),
        **popen,
    )


def _wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def _stop(process: subprocess.Popen, signum: int) -> tuple[str, str, float]:
    """Send ``signum``; the output, and how long the process took to end."""
    sent = time.monotonic()
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    return out, err, time.monotonic() - sent


def _resumes(path: Path) -> mlp.Trainer:
    """The saved run loads and trains on."""
    trainer = mlp.load(path)
    epoch = trainer.epoch
    trainer.train(5)
    assert trainer.epoch == epoch + 5
    return trainer


def test_ctrl_c_with_print_every_stops_at_once_and_saves(tmp_path) -> None:
    """--print-every trained in chunks that never looked at Ctrl+C: the run went on for good."""
    path = tmp_path / "run.npz"
    process = _start("--epochs", FOREVER, "--print-every", "1000", "--save", str(path))
    assert process.stdout is not None
    process.stdout.readline()  # the header
    _wait_for(lambda: process.stdout.readline().startswith("epoch"))  # a chunk ended
    out, err, took = _stop(process, signal.SIGINT)
    assert process.returncode == 130 and "Traceback" not in err
    assert took < 0.5 + 1.0  # the stop itself within 0.5 s; saving, the report and exit
    trainer = _resumes(path)
    assert f"Stopped by Ctrl+C at epoch {trainer.epoch - 5}." in out


def test_a_hang_up_saves_the_run_and_exits_129(tmp_path) -> None:
    """An SSH connection that drops sends SIGHUP: the hour of training is saved."""
    path = tmp_path / "run.npz"
    process = _start(
        "--epochs", FOREVER, "--save", str(path), "--checkpoint-every", "200", "--no-plots"
    )
    _wait_for(path.exists)  # the first checkpoint
    out, err, took = _stop(process, signal.SIGHUP)
    assert process.returncode == 129 and "Traceback" not in err, err
    assert "Stopped by a hang-up (SIGHUP)" in out
    assert mlp.load(path).epoch > 200 or mlp.load(path).epoch % 200 == 0
    _resumes(path)
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]  # no temporary files left


def test_sigterm_stops_a_json_run_which_still_prints_its_document(tmp_path) -> None:
    """What `timeout`, a job scheduler or a shutdown sends."""
    path = tmp_path / "run.npz"
    process = _start(
        "--epochs", FOREVER, "--save", str(path), "--json", "--checkpoint-every", "100"
    )
    _wait_for(path.exists)  # training has started (nothing is printed before the end)
    out, err, took = _stop(process, signal.SIGTERM)
    assert process.returncode == 143 and "Traceback" not in err
    doc = json.loads(out)
    assert doc["status"] == "stopped" and doc["saved"] == str(path)
    assert _resumes(path).epoch == doc["epoch"] + 5


def test_a_reader_that_goes_away_mid_run_does_not_lose_the_run(tmp_path) -> None:
    """The far end of a dropped connection: the next write fails, training stops, the run
    is saved, and the process says why on stderr (no traceback)."""
    path = tmp_path / "run.npz"
    process = _start("--epochs", FOREVER, "--print-every", "500", "--save", str(path))
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()  # nobody reads any more
    process.wait(timeout=30)
    err = process.stderr.read() if process.stderr else ""
    assert process.returncode == 1 and "Traceback" not in err
    assert "standard output went away" in err and str(path) in err
    _resumes(path)


def test_kill_9_loses_at_most_one_checkpoint_interval_and_resumes(tmp_path) -> None:
    path = tmp_path / "run.npz"
    process = _start(
        "--epochs", FOREVER, "--save", str(path), "--checkpoint-every", "300", "--json"
    )
    _wait_for(path.exists)
    process.kill()  # SIGKILL: nothing runs after it
    process.communicate(timeout=30)
    trainer = _resumes(path)
    assert (trainer.epoch - 5) % 300 == 0 and trainer.epoch > 5


def test_output_errors_are_one_sentence_and_a_failure(tmp_path) -> None:
    """`--json > /dev/full` gave a traceback; `--json >&-` exited 0 having written nothing."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [PYTHON, "-m", "tui", "train", "--epochs", "20", "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "no space left on device" in done.stderr
    closed = subprocess.run(
        ["sh", "-c", f"exec {PYTHON} -m tui train --epochs 20 --json >&-"],
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert closed.returncode == 2 and "standard output is closed" in closed.stderr
    assert closed.stderr.count("\n") == 1


def test_checkpoints_resume_bit_for_bit(tmp_path, capsys, monkeypatch) -> None:
    """A run resumed from a checkpoint ends with the very weights of one never stopped."""
    from tui.cli import main

    kept: list[Path] = []
    save = mlp.save

    def save_and_keep(trainer, path):
        written = save(trainer, path)
        kept.append(save(trainer, tmp_path / f"at-{trainer.epoch}.npz"))
        return written

    monkeypatch.setattr(mlp, "save", save_and_keep)
    settings = ["--dataset", "spiral", "--n", "30", "--hidden", "6", "--batch-size", "7"]
    settings += ["--optimizer", "adam", "--lr", "0.01"]
    assert (
        main(
            [
                "train",
                *settings,
                "--epochs",
                "90",
                "--json",
                "--save",
                str(tmp_path / "run.npz"),
                "--checkpoint-every",
                "40",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert [p.name for p in kept] == ["at-40.npz", "at-80.npz", "at-90.npz"]
    monkeypatch.setattr(mlp, "save", save)
    assert (
        main(
            [
                "train",
                "--load",
                str(tmp_path / "at-40.npz"),
                "--epochs",
                "50",
                "--json",
                "--save",
                str(tmp_path / "resumed.npz"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    straight = mlp.load(tmp_path / "at-90.npz")
    resumed = mlp.load(tmp_path / "resumed.npz")
    assert resumed.epoch == straight.epoch == 90
    assert np.array_equal(resumed.network.params, straight.network.params)
    for key, value in straight.optimizer.state().items():
        assert np.array_equal(resumed.optimizer.state()[key], value)
