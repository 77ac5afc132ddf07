"""``backprop-lab check``: the report a learner reads, exit codes, --json, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main

LEARNERS = Path(__file__).parent / "data" / "learners"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def flat(text: str) -> str:
    """The report without its line wrapping (long paths wrap at 80 columns)."""
    return " ".join(text.split())


def test_correct_code_gets_every_sub_step_ticked_and_exit_0(capsys) -> None:
    code, out, err = run(capsys, str(LEARNERS / "correct.py"), "--act", "relu", "--lr", "0.005")
    assert code == 0 and err == ""
    assert "Checking Network in" in out
    assert "2-32-32-1 relu/relu/sigmoid · lr 0.005 · xor, 21 samples · seed 0" in out
    assert out.count("✓ ok") == 17 and "✗" not in out
    assert "✓ Your code matches the engine at every sub-step it shows" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_mistake_is_reported_with_formula_numbers_and_diagnosis(capsys) -> None:
    code, out, _ = run(capsys, str(LEARNERS / "derivative_at_activation.py"))
    assert code == 1
    lines = out.splitlines()
    first = lines.index("✗ First difference: training step 1, ∂L/∂Z2 (local grad_Z2)")
    assert lines[first + 1].strip() == "∂L/∂Z2 = ∂L/∂Z2Act · σ(Z2)(1 − σ(Z2))"
    assert lines[first + 2].strip().startswith("sample ") and "difference is largest" in out
    assert lines[first + 3].strip().startswith("engine ‹32› [")
    assert lines[first + 4].strip().startswith("yours  ‹32› [")
    assert "Diagnosis: the derivative is taken at the activation instead of at Z2" in out
    assert "σ(Z2Act)(1 − σ(Z2Act))" in out
    assert max(len(line) for line in lines) <= 80


def test_the_lab_reports_code_gets_its_line_and_hint_not_a_traceback(capsys) -> None:
    code, out, err = run(capsys, str(LEARNERS / "lab_report.py"))
    assert code == 1 and "Traceback" not in out + err
    out = flat(out)
    assert "✗ Your code raised NameError in Backpropagation (training step 1)." in out
    assert "lab_report.py, line 52 in Backpropagation: grad_W1 = x.T @ grad_Z1" in out
    assert "NameError: name 'x' is not defined" in out
    assert "Hint: Backpropagation has no x of its own" in out
    assert "Also: __init__ stores the learning rate as self.Ir" in out


def test_a_time_limit_says_where_the_code_was(capsys) -> None:
    code, out, _ = run(capsys, str(LEARNERS / "infinite_loop.py"), "--timeout", "0.5")
    assert code == 1
    out = flat(out)
    assert "✗ Your code did not finish within 0.5 s (--timeout): it was still running in" in out
    assert "infinite_loop.py, line 4" in out and "in Backpropagation" in out


def test_json_is_one_document_even_when_the_learners_code_prints(capfd) -> None:
    # capfd, not capsys: the learner's process writes to file descriptors, not sys.stdout.
    code, out, err = run(capfd, str(LEARNERS / "noisy.py"), "--json", "--steps", "2")
    assert code == 0 and err == ""
    document = json.loads(out)  # nothing but the document on stdout
    assert document["schema"] == "backprop-lab/check-result/1" and document["ok"] is True
    assert len(document["steps"]) == 17


def test_json_of_a_mistake_names_it(capsys) -> None:
    code, out, _ = run(capsys, str(LEARNERS / "update_sign.py"), "--json")
    document = json.loads(out)
    assert code == 1 and document["ok"] is False
    assert document["first_difference"]["key"] == "update"
    assert document["first_difference"]["diagnosis"].startswith("the update has the wrong sign")


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["missing.py"], "missing.py: no such file"),
        ([str(LEARNERS / "no_class.py")], "no_class.py defines no class"),
        ([str(LEARNERS / "bad_constructor.py")], "cannot be called (missing a required argument"),
        ([str(LEARNERS / "correct.py"), "--hidden", "32,16"], "two hidden layers of one size"),
        ([str(LEARNERS / "correct.py"), "--bias"], "no biases"),
        ([str(LEARNERS / "correct.py"), "--optimizer", "adam"], "--optimizer adam"),
        ([str(LEARNERS / "correct.py"), "--loss", "bce"], "--loss bce"),
        ([str(LEARNERS / "correct.py"), "--momentum", "0.5"], "--momentum belongs to"),
        ([str(LEARNERS / "correct.py"), "--steps", "101"], "between 1 and 100"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(capsys, args, sentence) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("backprop-lab: ") and sentence in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_syntax_error_is_the_learners_error_exit_1(capsys) -> None:
    code, out, _ = run(capsys, str(LEARNERS / "syntax_error.py"))
    assert code == 1
    out = flat(out)
    assert "✗ Your code raised SyntaxError while importing your file." in out
    assert "syntax_error.py, line 31 in <module>: def forwardPass(self, x)" in out


def test_the_hidden_size_is_the_labs_hidden_size(capsys) -> None:
    code, out, _ = run(capsys, str(LEARNERS / "correct.py"), "--hidden", "8", "--dataset", "linear")
    assert code == 0 and "2-8-8-1 sigmoid" in out and "100 samples" in out


def test_help_teaches_what_it_does_an_example_and_the_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = capsys.readouterr().out
    assert "backprop-lab check my_lab.py" in out and "exit codes:" in out
    assert "forwardPass" in out and "--steps" in out and "--timeout" in out
    assert "--bias" not in out.split("examples:")[0]  # offered only to be refused
