"""The command as a separate process: Ctrl+C, plain output for pipes, no Textual on the
headless path, ``python -m tui``."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mlp

PYTHON = sys.executable
LEARNERS = Path(__file__).parent / "data" / "learners"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra)
    return env


def test_ctrl_c_stops_cleanly_reports_and_keeps_the_saved_run(tmp_path) -> None:
    path = tmp_path / "run.npz"
    process = subprocess.Popen(
        [PYTHON, "-m", "tui", "train", "--epochs", "100000000", "--save", str(path), "--no-plots"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert process.stdout is not None
    process.stdout.readline()  # the header: training has started
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert "Stopped by Ctrl+C at epoch" in out
    saved = mlp.load(path)
    assert 0 < saved.epoch < 100000000
    assert f"at epoch {saved.epoch}." in out


def test_piped_output_has_no_colour_codes_and_json_is_pure(tmp_path) -> None:
    plain = subprocess.run(
        [PYTHON, "-m", "tui", "train", "--epochs", "300"],
        capture_output=True,
        text=True,
        env=_env(FORCE_COLOR="", TERM="xterm-256color"),
        check=True,
    )
    assert "\x1b[" not in plain.stdout and "Decision boundary" in plain.stdout
    as_json = subprocess.run(
        [PYTHON, "-m", "tui", "train", "--epochs", "300", "--json"],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    assert json.loads(as_json.stdout)["epochs_run"] == 300


def test_no_color_is_respected_even_on_a_forced_terminal() -> None:
    coloured = subprocess.run(
        [PYTHON, "-m", "tui", "train", "--epochs", "100", "--no-table"],
        capture_output=True,
        text=True,
        env=_env(FORCE_COLOR="1"),
        check=True,
    )
    assert "\x1b[" in coloured.stdout  # a terminal gets colour ...
    plain = subprocess.run(
        [PYTHON, "-m", "tui", "train", "--epochs", "100", "--no-table"],
        capture_output=True,
        text=True,
        env=_env(FORCE_COLOR="1", NO_COLOR="1"),
        check=True,
    )
    # ... NO_COLOR leaves styles like bold but no colour: no 38;/48; colour sequences.
    assert "[38;" not in plain.stdout and "[48;" not in plain.stdout
    assert "[3" not in plain.stdout.replace("[3m", "")  # no 30-37 foreground codes


def test_headless_commands_never_import_textual() -> None:
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "main(['train', '--epochs', '50', '--no-plots', '--no-table'])\n"
        "main(['gradcheck', '--hidden', '3'])\n"
        f"main(['check', {str(LEARNERS / 'correct.py')!r}])\n"
        "try:\n"
        "    main(['train', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
        "print('clean')\n"
    )
    done = subprocess.run(
        [PYTHON, "-c", code], capture_output=True, text=True, env=_env(), check=True
    )
    assert done.stdout.rstrip().endswith("clean")


def test_help_teaches_every_command() -> None:
    done = subprocess.run(
        [PYTHON, "-m", "tui", "--help"], capture_output=True, text=True, env=_env(), check=True
    )
    for command in ("train", "compare", "gradcheck", "check", "lessons", "lesson", "serve"):
        assert command in done.stdout
    train = subprocess.run(
        [PYTHON, "-m", "tui", "train", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    for option in (
        "--dataset",
        "--hidden",
        "--act",
        "--lr",
        "--epochs",
        "--optimizer",
        "--momentum",
        "--batch-size",
        "--loss",
        "--bias",
        "--init",
        "--seed",
        "--target-loss",
        "--test-points",
        "--save",
        "--load",
        "--json",
    ):
        assert option in train.stdout
    assert "examples:" in train.stdout


def _output_until(process: subprocess.Popen, text: str, seconds: float = 60.0) -> bytes:
    """The process's output as it comes, until ``text`` has been written."""
    assert process.stdout is not None
    fd, seen = process.stdout.fileno(), b""
    deadline = time.monotonic() + seconds
    while text.encode() not in seen:
        assert time.monotonic() < deadline, f"{text!r} never came: {seen[-300:]!r}"
        if select.select([fd], [], [], 0.05)[0]:
            chunk = os.read(fd, 65536)
            assert chunk, f"the process ended before writing {text!r}: {seen[-300:]!r}"
            seen += chunk
    return seen


def test_compare_on_a_terminal_shows_progress_and_ctrl_c_keeps_the_table() -> None:
    process = subprocess.Popen(
        [PYTHON, "-m", "tui", "compare", "--lr", "0.5,0.05", "--epochs", "100000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(FORCE_COLOR="1", COLUMNS="100"),
    )
    shown = _output_until(process, "epochs (all runs)")  # the live progress bar was drawn
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=60)
    out = (shown + rest).decode()
    assert "Traceback" not in err.decode(), err.decode()
    assert process.returncode == 130
    assert "Comparison" in out and "Stopped by Ctrl+C" in out


def _visible_lines(text: str) -> list[str]:
    """What a terminal shows: each redraw after a carriage return, colour codes dropped."""
    import re

    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    return [part for line in plain.split("\n") for part in line.split("\r") if part.strip()]


def test_progress_fits_the_terminal_by_dropping_fields_not_cutting_them() -> None:
    """At 60 columns every field used to be cut (`epoch 3000/3… loss 0.0008…`); with
    TERM=dumb the layout assumed 80 columns."""
    argv = [PYTHON, "-m", "tui", "train", "--epochs", "4000", "--no-table", "--no-plots"]
    for extra in ({"COLUMNS": "60"}, {"COLUMNS": "80"}, {"TERM": "dumb", "COLUMNS": "60"}):
        done = subprocess.run(
            argv, capture_output=True, text=True, env=_env(FORCE_COLOR="1", **extra), check=True
        )
        width = int(extra["COLUMNS"])
        progress = [line for line in _visible_lines(done.stdout) if "epoch " in line]
        assert progress, done.stdout
        for line in progress:
            assert len(line.rstrip()) < width, (extra, line)
            assert "…" not in line
        last = progress[-1]
        assert "epoch 4000/4000" in last and "loss " in last and "accuracy 100.0%" in last
        if "TERM" in extra:  # a dumb terminal cannot redraw: plain lines, no cursor codes
            assert "\r" not in done.stdout and "\x1b[2K" not in done.stdout


def _check_with_the_learners_code_running(
    tmp_path: Path, output: int
) -> tuple[subprocess.Popen[str], int]:
    """``check`` on a learner file whose Backpropagation never returns, once that code runs:
    the check's process and the learner's (their temporary folders go under ``tmp_path``)."""
    pid_file = tmp_path / "pid"
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "tui",
            "check",
            str(LEARNERS / "loops_and_writes_pid.py"),
            "--timeout",
            "60",
        ],
        stdout=output,
        stderr=output,
        text=True,
        env=_env(LEARNER_PID_FILE=str(pid_file), TMPDIR=str(tmp_path)),
    )
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the learner's code never started"
        time.sleep(0.05)
    return process, int(pid_file.read_text())


@pytest.mark.parametrize(
    ("signum", "words"),
    [
        (signal.SIGINT, "Ctrl+C"),
        (signal.SIGHUP, "a hang-up (SIGHUP)"),
        (signal.SIGTERM, "SIGTERM"),
    ],
)
def test_a_signal_during_check_ends_the_learners_code_too(tmp_path, signum, words) -> None:
    process, child = _check_with_the_learners_code_running(tmp_path, subprocess.PIPE)
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signum and "Traceback" not in err
    assert err.strip() == f"backprop-lab: stopped by {words}"
    try:
        os.kill(child, signal.SIGKILL)  # it should be gone; if not, do not leave it spinning
    except ProcessLookupError:
        pass  # the learner's process is gone with the check
    else:
        raise AssertionError(f"the learner's code still ran after {words}")
    assert not list(tmp_path.glob("backprop-lab-check-*"))  # its temporary folder is removed


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (nobody may reap an orphan in a container)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_the_learners_code_ends_when_check_is_killed(tmp_path) -> None:
    process, child = _check_with_the_learners_code_running(tmp_path, subprocess.DEVNULL)
    process.kill()  # SIGKILL: no finally block runs in the checker
    process.wait()
    deadline = time.monotonic() + 10
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not _gone(child):
        os.kill(child, signal.SIGKILL)
        raise AssertionError("the learner's code outlived the killed check")
    assert not list(tmp_path.glob("backprop-lab-check-*"))  # nor its temporary folder
