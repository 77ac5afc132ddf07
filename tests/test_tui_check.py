"""``backprop-lab --check FILE.py``: the learner's values beside the engine's in the Formulas
panel, marked ✓ / ✗ / ·, checked again when the file is saved (issue 11, "In the app").

Each check starts a Python process (~0.4 s), so each test runs as few checks as it can. The
learner files are those of tests/data/learners (each one correct.py with one mistake).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import tui.app
from mlp import RunConfig, Trainer
from tui.app import BackpropApp
from tui.check_view import CheckRequest
from tui.cli import main
from tui.runner import FIRST_SAMPLE

LEARNERS = Path(__file__).parent / "data" / "learners"
SIZE = (120, 40)
DEADLINE = 30.0  # seconds for a check on a busy machine (it takes about 0.4 s)
LABELS = [step.label for step in Trainer().steps]


def app_for(file: Path, **request) -> BackpropApp:
    return BackpropApp(check=CheckRequest(file, **request))


async def until(pilot, condition, what: str) -> None:
    """Wait for ``condition`` (the check runs in a thread, the watcher polls the file)."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        await pilot.pause(0.05)


async def checked(pilot, app: BackpropApp) -> None:
    await until(pilot, lambda: app.learner_check.state.running is None, "the check")


def formulas(app: BackpropApp) -> list[str]:
    return app.main.query_one("#formulas-side").plain.splitlines()


def marks(app: BackpropApp) -> dict[str, str]:
    """Each sub-step's mark (✓ ✗ · or blank) by its label, as the panel shows it."""
    found = {}
    for line in formulas(app):
        match = re.match(r"^[▶› ] ([✓✗· ]) (\S+?)[:]? ", line)
        if match and match.group(2) in LABELS and match.group(2) not in found:
            found[match.group(2)] = match.group(1)
    return found


def under(app: BackpropApp, label: str) -> list[str]:
    """The lines the panel puts under a sub-step's line (the learner's numbers, the
    diagnosis)."""
    lines = formulas(app)
    start = next(i for i, line in enumerate(lines) if re.match(rf"^. . {re.escape(label)} ", line))
    found = []
    for line in lines[start + 1 :]:
        if not line.startswith("      "):
            break
        found.append(line.strip())
    return found


def numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+\.\d+(?:e[+-]\d+)?", text)]


async def test_a_correct_file_gets_a_tick_on_every_line():
    app = app_for(LEARNERS / "correct.py")
    async with app.run_test(size=SIZE) as pilot:
        await checked(pilot, app)
        app.learner_check.stop_watching()
        await pilot.press("f", "b", "n")  # the whole pass, update included
        assert set(marks(app)) == set(LABELS)
        assert set(marks(app).values()) == {"✓"}
        assert "check correct.py: ✓ all 17 sub-steps match" in formulas(app)[1]
        assert not any(line.lstrip().startswith("yours") for line in formulas(app))


async def test_a_classic_mistake_is_marked_from_its_line_with_the_learners_numbers():
    app = app_for(LEARNERS / "derivative_at_activation.py")
    async with app.run_test(size=SIZE) as pilot:
        await checked(pilot, app)
        app.learner_check.stop_watching()
        await pilot.press("f", "b")
        shown = marks(app)
        first_wrong = LABELS.index("∂L/∂Z2")
        assert [shown[label] for label in LABELS[:first_wrong]] == ["✓"] * first_wrong
        assert [shown[label] for label in LABELS[first_wrong:]] == ["✗"] * (17 - first_wrong)
        header = formulas(app)[1]
        assert "✗ 11 of 17 sub-steps match, first difference ∂L/∂Z2" in header
        # Under the engine's line, the learner's row for the selected sample: their formula,
        # σ'(σ(Z2)), recomputed here from the engine's own values.
        engine = Trainer()
        engine.forward_pass()
        engine.backward_pass()
        values = engine.tape.values

        def theirs(sample: int) -> np.ndarray:
            act = 1 / (1 + np.exp(-values["Z2Act"][sample]))
            return values["dL/dZ2Act"][sample] * act * (1 - act)

        lines = under(app, "∂L/∂Z2")
        yours = next(line for line in lines if line.startswith("yours (local grad_Z2) = ‹32› ["))
        *head, norm = numbers(yours)
        row = theirs(FIRST_SAMPLE)
        np.testing.assert_allclose(head, row[:3], rtol=5e-4)
        np.testing.assert_allclose(norm, np.linalg.norm(row), rtol=5e-4)
        assert any(
            line.startswith("Diagnosis: the derivative is taken at the activation instead of at Z2")
            for line in lines
        )
        # The diagnosis is said once, under the first wrong line; later ones show their numbers.
        assert not any(line.startswith("Diagnosis") for line in under(app, "∂L/∂Z1"))
        assert under(app, "∂L/∂Z1")[0].startswith("yours (local grad_Z1) = ‹32› [")
        # Another sample: its own row.
        await pilot.press("down")
        yours = next(l for l in under(app, "∂L/∂Z2") if l.startswith("yours (local grad_Z2)"))
        np.testing.assert_allclose(numbers(yours)[:3], theirs(FIRST_SAMPLE + 1)[:3], rtol=5e-4)


async def test_saving_the_file_checks_it_again(tmp_path):
    lab = tmp_path / "my_lab.py"
    shutil.copy(LEARNERS / "derivative_at_activation.py", lab)
    app = app_for(lab)
    async with app.run_test(size=SIZE) as pilot:
        await checked(pilot, app)
        await pilot.press("f", "b")
        assert "✗" in marks(app).values()

        def header() -> str:
            return formulas(app)[1]

        lab.write_text((LEARNERS / "correct.py").read_text())  # the learner fixes it and saves
        await until(pilot, lambda: "✓ all 17 sub-steps match" in header(), "the new check")
        assert set(marks(app).values()) == {"✓"}
        # A save that no longer parses: said so, the last marks kept and called stale.
        lab.write_text((LEARNERS / "syntax_error.py").read_text())
        await until(pilot, lambda: "SyntaxError" in header(), "the broken file's check")
        assert "stale" in header() and set(marks(app).values()) == {"✓"}
        assert any("my_lab.py, line 31" in line for line in formulas(app))
        lab.unlink()
        await until(pilot, lambda: "is missing" in header(), "the missing file")
        assert "stale" in header() and set(marks(app).values()) == {"✓"}
        app.learner_check.stop_watching()


async def test_the_lab_reports_code_shows_its_error_as_one_block_and_the_app_goes_on():
    app = app_for(LEARNERS / "lab_report.py")
    async with app.run_test(size=SIZE) as pilot:
        await checked(pilot, app)
        app.learner_check.stop_watching()
        text = "\n".join(formulas(app))
        assert "Traceback" not in text
        flat = " ".join(text.split())
        assert "✗ Your code raised NameError in Backpropagation (training step 1)." in flat
        assert "lab_report.py, line 52 in Backpropagation: grad_W1 = x.T @ grad_Z1" in flat
        assert "NameError: name 'x' is not defined" in flat
        assert "Hint: Backpropagation has no x of its own" in flat
        assert "Also: __init__ stores the learning rate as self.Ir" in flat
        await pilot.press("e")
        assert app.trainer.epoch == 1


async def test_the_marks_cover_the_checked_passes_of_the_checked_run_only():
    app = app_for(LEARNERS / "correct.py", steps=2)
    async with app.run_test(size=SIZE) as pilot:
        await checked(pilot, app)
        app.learner_check.stop_watching()
        await pilot.press("e", "e")  # passes 1 and 2: checked
        assert set(marks(app).values()) == {"✓"}
        await pilot.press("n")  # pass 3: not
        assert set(marks(app).values()) == {" "}
        assert "the marks cover passes 1-2; r goes back to the seed" in formulas(app)[1]
        await pilot.press("r", "f")
        assert set(marks(app).values()) == {"✓"}
        # The learning rate changed live after pass 1: the check runs again for lr 0.5 from
        # the seed, but this run's pass 2 starts from weights that lr 0.05 updated.
        await pilot.press("e")
        app.load_config(app.trainer.config.replace(lr=0.5))
        await checked(pilot, app)
        assert app.learner_check.state.result.config.lr == 0.5
        await pilot.press("f")
        assert set(marks(app).values()) == {" "}
        assert "this run has left the checked one" in formulas(app)[1]
        await pilot.press("r", "e", "f")  # from the seed at lr 0.5: the check's own passes
        assert set(marks(app).values()) == {"✓"}


def test_check_snapshot_of_a_mistake_after_a_forward_and_backward_pass_at_80x24(snap_compare):
    app = app_for(LEARNERS / "derivative_at_activation.py")

    async def run_before(pilot) -> None:
        await checked(pilot, app)
        app.learner_check.stop_watching()
        await pilot.press("f", "b")

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


# -- the command line ---------------------------------------------------------------------


@pytest.fixture
def opened(monkeypatch) -> dict:
    calls: dict = {}

    def fake_run_app(config=None, trainer=None, lesson=None, check=None) -> int:
        calls.update(config=config, trainer=trainer, check=check)
        return 0

    monkeypatch.setattr(tui.app, "run_app", fake_run_app)
    return calls


def test_check_opens_the_app_on_the_labs_network_with_the_request(opened) -> None:
    file = LEARNERS / "correct.py"
    args = ["--check", str(file), "--hidden", "8", "--steps", "3", "--class", "Network"]
    assert main(args) == 0
    assert opened["config"] == RunConfig(hidden=(8, 8))  # the lab's hidden_size: both layers
    assert opened["check"] == CheckRequest(file, "Network", 3)


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--bias"], "the lab's Network has no biases"),
        (["--optimizer", "adam"], "--optimizer adam"),
        (["--hidden", "32,16"], "two hidden layers of one size"),
        (["--momentum", "0.5"], "--momentum belongs to"),
        (["--load", "run.npz"], "cannot open a saved run"),
        (["serve"], "serve does not offer --check: your lab code runs on your own machine"),
        (["train"], "--check goes with the app"),
    ],
)
def test_check_refuses_what_the_lab_cannot_be_before_the_app_opens(
    opened, capsys, args, sentence
) -> None:
    assert main(["--check", str(LEARNERS / "correct.py"), *args]) == 2
    err = capsys.readouterr().err
    assert opened == {} and sentence in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_serve_refuses_check_and_check_options_need_check(opened, capsys) -> None:
    assert main(["serve", "--check", str(LEARNERS / "correct.py")]) == 2
    assert "serve does not offer --check" in capsys.readouterr().err
    assert main(["--steps", "2"]) == 2
    assert "--steps goes with --check FILE.py" in capsys.readouterr().err
    assert main(["--check", "missing.py"]) == 2
    assert "missing.py: no such file" in capsys.readouterr().err
    assert opened == {}
