"""`backprop-lab lessons` and `backprop-lab lesson NAME --headless`, and saved progress."""

import argparse
import json
import subprocess
import sys

import pytest

from lessons import progress
from lessons.loader import load_all
from tui.commands import lessons as command


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="backprop-lab")
    command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.run(args)


def test_lessons_lists_every_lesson_and_marks_done_ones(capsys):
    progress.mark_done("momentum")
    assert cli("lessons") == 0
    out = capsys.readouterr().out
    lessons, _ = load_all()
    for lesson in lessons:
        assert lesson.name in out
    momentum_line = next(line for line in out.splitlines() if " momentum " in line)
    sigmoid_line = next(line for line in out.splitlines() if " sigmoid " in line)
    assert "✓" in momentum_line and "✓" not in sigmoid_line


def test_unknown_lesson_is_one_clear_sentence(capsys):
    assert cli("lesson", "no-such-lesson", "--headless") == 2
    err = capsys.readouterr().err
    assert "no lesson 'no-such-lesson'" in err and "momentum" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_headless_prints_the_lesson_and_its_results(capsys):
    assert cli("lesson", "12", "--headless") == 0  # by order number: sum-vs-mean
    out = capsys.readouterr().out
    assert "Sum versus mean squared error" in out
    assert "Step 4: Scale the learning rate back up" in out
    assert "abs(mean.loss - sum.loss) < 1e-9" in out
    assert out.count("✓ holds") == 2 and "✗" not in out
    assert "log10(loss per sample)" in out


def test_headless_never_imports_textual():
    code = (
        "import sys\n"
        "from tui.commands.lessons import open_lesson\n"
        "open_lesson('forward-pass', headless=True, plots=False)\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_progress_lives_in_the_xdg_state_dir(state_home):
    assert progress.done_lessons() == set()
    assert progress.mark_done("relu")
    path = state_home / "backprop-lab" / "progress.json"
    assert json.loads(path.read_text())["done"] == ["relu"]
    assert progress.is_done("relu") and not progress.is_done("xor")
    progress.mark_done("relu", done=False)
    assert not progress.is_done("relu")


def test_progress_falls_back_to_home(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert progress.state_dir() == tmp_path / "home" / ".local" / "state" / "backprop-lab"


def test_a_corrupt_progress_file_means_nothing_done(state_home):
    path = state_home / "backprop-lab" / "progress.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert progress.done_lessons() == set()
    assert progress.mark_done("xor") and progress.done_lessons() == {"xor"}
