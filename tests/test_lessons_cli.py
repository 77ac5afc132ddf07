"""`backprop-lab lessons` (listing, --dir, --check), `backprop-lab lesson NAME --headless`,
and saved progress."""

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import platformdirs
import pytest
from rich.console import Console

import lessons.loader
from lessons import progress
from lessons.loader import ENV_VAR, find, load_all
from tui.cli import main
from tui.commands import lessons as command
from tui.lesson_report import loss_plot, step_panel

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv(ENV_VAR, raising=False)
    return tmp_path / "state"


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="backprop-lab")
    command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.run(args)


TEACHER = textwrap.dedent(
    """\
    +++
    title = "A teacher's lesson"
    summary = "Checked by the teacher's CI."
    order = 50

    [config]
    dataset = "xor"
    hidden = [4]

    [[claims]]
    text = "Untrained, it is below 60%, on all 3 seeds we test."
    epochs = 0
    seeds = [0, 1, 2]
    expect = "accuracy < 0.6"
    +++
    ## Look
    ```toml
    check = 'substep == "y"'
    ```
    Prose.
    """
)


@pytest.fixture
def teacher(tmp_path) -> Path:
    folder = tmp_path / "teacher"
    folder.mkdir()
    (folder / "teach.md").write_text(TEACHER, encoding="utf-8")
    return folder


@pytest.fixture
def no_built_ins(tmp_path, monkeypatch):
    """Only the teacher's lessons: --check of the built-in ones is the claims tests' job."""
    empty = tmp_path / "built-in"
    empty.mkdir()
    monkeypatch.setattr(lessons.loader, "LESSON_DIR", empty)


def test_lessons_lists_every_lesson_and_marks_done_ones(capsys):
    progress.mark_done("momentum")
    assert cli("lessons") == 0
    out = capsys.readouterr().out
    listed, _ = load_all()
    for lesson in listed:
        assert lesson.name in out
    momentum_line = next(line for line in out.splitlines() if " momentum " in line)
    sigmoid_line = next(line for line in out.splitlines() if " sigmoid " in line)
    assert "✓" in momentum_line and "✓" not in sigmoid_line


def test_a_teachers_folder_is_listed_beside_the_built_in_lessons(capsys, teacher, monkeypatch):
    assert cli("lessons", "--dir", str(teacher)) == 0
    out = capsys.readouterr().out
    assert "teach" in out and "momentum" in out
    monkeypatch.setenv(ENV_VAR, str(teacher))
    assert cli("lessons") == 0
    assert "teach" in capsys.readouterr().out
    assert cli("lesson", "50", "--headless", "--no-plots") == 0
    assert "A teacher's lesson" in capsys.readouterr().out


def test_a_missing_folder_is_one_sentence_and_exit_2(capsys, tmp_path):
    assert main(["lessons", "--dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "no lesson folder" in err and len(err.strip().splitlines()) == 1


def test_unknown_lesson_is_one_clear_sentence(capsys):
    assert cli("lesson", "no-such-lesson", "--headless") == 2
    err = capsys.readouterr().err
    assert "no lesson 'no-such-lesson'" in err and "momentum" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["../../secret", "/tmp/secret", "../teacher/teach"])
def test_a_lesson_outside_the_lesson_folders_is_refused(capsys, tmp_path, name):
    (tmp_path / "secret.md").write_text(TEACHER, encoding="utf-8")
    name = name.replace("/tmp/secret", str(tmp_path / "secret"))
    assert cli("lesson", name, "--headless") == 2
    assert "is not a lesson name" in capsys.readouterr().err


def test_headless_prints_the_lesson_its_results_and_its_exercise(capsys):
    assert cli("lesson", "12", "--headless") == 0  # by order number: sum-vs-mean
    out = capsys.readouterr().out
    assert "Sum versus mean squared error" in out
    assert "Step 4: Scale the learning rate back up" in out
    assert "abs(mean.loss - sum.loss) < 1e-9" in out
    assert out.count("✓ holds on 10 of 10 seeds") == 2 and "✗" not in out
    assert "Settings: loss mse; lr 1.05" in out
    assert "Exercise: With the mean over the 21 XOR points" in out
    answer = next(line for line in out.splitlines() if line.startswith("Answer: "))
    lesson = find("sum-vs-mean")
    from lessons.exercises import headless_answer
    from tui import format as fmt

    assert answer.startswith(f"Answer: {fmt.number(headless_answer(lesson, 1), digits=6)} ")
    assert "loss per sample (log scale)" in out


def test_step_settings_read_as_a_learner_writes_them():
    lesson = find("no-activation")
    console = Console(record=True, width=100, color_system=None)
    console.print(step_panel(3, lesson.steps[2]))
    text = console.export_text()
    assert "Settings: activations none/none/sigmoid; lr 5e-06" in text
    assert "[" not in text.replace("[exercise]", "") and "(" not in text.split("Settings")[1]


def test_without_colour_each_run_has_its_own_marker_in_the_legend():
    lesson = find("sum-vs-mean")
    plot = loss_plot(lesson, lesson.claims[0], width=70, colour=False)
    legend = [line for line in plot.splitlines() if " sum " in line or " mean " in line]
    markers = {line.split("┤")[-1].split()[0] for line in legend}
    assert len(legend) == 2 and len(markers) == 2


def test_check_passes_a_teachers_true_lessons_and_says_so_in_json(capsys, teacher, no_built_ins):
    assert cli("lessons", "--check", "--dir", str(teacher), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schema"] == "backprop-lab/lessons-check/1" and report["ok"] is True
    (lesson,) = report["lessons"]
    assert lesson["name"] == "teach" and lesson["claims"][0]["passed"] == 3


def test_check_fails_on_a_false_claim_or_a_broken_file_and_names_them(
    capsys, teacher, no_built_ins
):
    (teacher / "wrong.md").write_text(
        TEACHER.replace("accuracy < 0.6", "accuracy > 0.9").replace("order = 50", "order = 51"),
        encoding="utf-8",
    )
    (teacher / "broken.md").write_text(TEACHER.replace("order = 50", "order = 'x'"))
    assert cli("lessons", "--check", "--dir", str(teacher)) == 1
    out = capsys.readouterr().out
    assert "✗ wrong" in out and "wrong.md:10:" in out and "fails on seeds [0, 1, 2]" in out
    assert "broken.md:4:" in out and "✓ teach" in out
    assert cli("lessons", "--check", "--dir", str(teacher), "--json", "--seeds", "0-4") == 1
    report = json.loads(capsys.readouterr().out)
    wrong = next(lesson for lesson in report["lessons"] if lesson["name"] == "wrong")
    assert wrong["claims"][0]["seeds"] == [0, 1, 2, 3, 4] and not wrong["ok"]
    assert report["errors"][0]["line"] == 4


def test_check_finds_a_step_check_that_cannot_be_computed(capsys, teacher, no_built_ins):
    (teacher / "teach.md").write_text(TEACHER.replace('substep == "y"', "substep > 3"))
    assert cli("lessons", "--check", "--dir", str(teacher)) == 1
    assert "teach.md:16: step 1's check" in capsys.readouterr().out


@pytest.mark.parametrize("seeds", ["5-2", "x", "0-500", "-1"])
def test_bad_seeds_are_one_sentence_and_exit_2(capsys, seeds):
    with pytest.raises(SystemExit) as stopped:
        main(["lessons", "--check", "--seeds", seeds])
    assert stopped.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_headless_never_imports_textual():
    code = (
        "import sys\n"
        "from tui.commands.lessons import open_lesson\n"
        "open_lesson('forward-pass', headless=True, plots=False)\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- progress -----------------------------------------------------------------------------------


def test_progress_lives_in_the_users_state_folder(state_home, monkeypatch, tmp_path):
    assert progress.done_lessons() == set()
    assert progress.mark_done("relu")
    path = state_home / "backprop-lab" / "progress.json"
    assert json.loads(path.read_text())["done"] == ["relu"]
    assert progress.is_done("relu") and not progress.is_done("xor")
    progress.mark_done("relu", done=False)
    assert not progress.is_done("relu")
    # The folder is platformdirs' (Application Support on macOS, LOCALAPPDATA on Windows).
    monkeypatch.setattr(progress, "user_state_dir", lambda app, appauthor: f"{tmp_path}/{app}")
    assert progress.state_dir() == tmp_path / "backprop-lab"
    assert "platformdirs" in (ROOT / "pyproject.toml").read_text()


def test_progress_falls_back_to_home(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = Path(platformdirs.user_state_dir("backprop-lab", appauthor=False))
    assert progress.state_dir() == expected
    if sys.platform.startswith("linux"):
        assert expected == tmp_path / "home" / ".local" / "state" / "backprop-lab"


def test_a_corrupt_progress_file_means_nothing_done(state_home):
    path = state_home / "backprop-lab" / "progress.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert progress.done_lessons() == set()
    assert progress.mark_done("xor") and progress.done_lessons() == {"xor"}


def test_a_deeply_nested_progress_file_means_nothing_done(state_home, capsys):
    path = state_home / "backprop-lab" / "progress.json"
    path.parent.mkdir(parents=True)
    path.write_text("[" * 200_000 + "]" * 200_000)
    assert progress.done_lessons() == set()
    assert cli("lessons") == 0
    assert progress.mark_done("xor") and progress.done_lessons() == {"xor"}


def test_eight_processes_marking_fifty_lessons_each_keep_all_400_marks(state_home):
    code = (
        "import sys\n"
        "from lessons import progress\n"
        "for i in range(50):\n"
        "    assert progress.mark_done(f'p{sys.argv[1]}-{i}')\n"
    )
    env = {**os.environ, "XDG_STATE_HOME": str(state_home)}
    workers = [
        subprocess.Popen([sys.executable, "-c", code, str(k)], env=env, cwd=ROOT) for k in range(8)
    ]
    assert all(worker.wait(timeout=60) == 0 for worker in workers)
    assert len(progress.done_lessons()) == 400
    leftovers = [p.name for p in (state_home / "backprop-lab").iterdir()]
    assert sorted(leftovers) == ["progress.json", "progress.lock"]


def test_the_readmes_example_lesson_passes_the_check(capsys, tmp_path, no_built_ins):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("````markdown\n", 1)[1].split("\n````", 1)[0]
    (tmp_path / "learning-rates-on-xor.md").write_text(example, encoding="utf-8")
    assert cli("lessons", "--check", "--dir", str(tmp_path), "--json") == 0
    (lesson,) = json.loads(capsys.readouterr().out)["lessons"]
    assert lesson["claims"][0]["passed"] == 10 and lesson["exercises"][0]["answer"] == 0.05
