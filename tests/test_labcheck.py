"""mlp.labcheck: a learner's own lab code checked sub-step by sub-step against the engine.

The learner files under tests/data/learners/ are written as learners write the lab: correct.py
and correct_other_names.py are right, every other is correct.py with one mistake (its
docstring says which). Each check runs the file in a child process (~0.3 s), so each file is
checked once per configuration and the result shared.
"""

from __future__ import annotations

import json
import threading
import time
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from mlp import RunConfig, Trainer
from mlp.labcheck import (
    OK,
    SCHEMA,
    UNSEEN,
    CheckCancelled,
    CheckInputError,
    CheckResult,
    check_file,
    lab_arguments,
)
from mlp.labcheck.diagnose import Diagnoser
from mlp.labcheck.matching import Observation, named_key
from mlp.labcheck.mistakes import catalogue, lab_pass
from mlp.labcheck.reference import SubStepInfo, reference_run
from mlp.labcheck.tolerance import RTOL, compare

LEARNERS = Path(__file__).parent / "data" / "learners"
KEYS = [
    "Z1",
    "Z1Act",
    "Z2",
    "Z2Act",
    "Z3",
    "y",
    "loss",
    "dL/dy",
    "dL/dZ3",
    "dL/dW3",
    "dL/dZ2Act",
    "dL/dZ2",
    "dL/dW2",
    "dL/dZ1Act",
    "dL/dZ1",
    "dL/dW1",
    "update",
]


@cache
def checked(name: str, **settings) -> CheckResult:
    steps = settings.pop("steps", 1)
    timeout = settings.pop("timeout", 5.0)
    return check_file(LEARNERS / f"{name}.py", RunConfig(**settings), steps=steps, timeout=timeout)


# -- correct code passes ------------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["xor", "linear"])
@pytest.mark.parametrize(("activation", "lr"), [("sigmoid", 0.05), ("relu", 0.005), ("none", 5e-6)])
def test_a_correct_lab_implementation_passes_every_sub_step(dataset, activation, lr) -> None:
    result = checked("correct", dataset=dataset, activations=(activation,), lr=lr, steps=2)
    assert result.ok and result.error is None and result.first_difference is None
    assert len(result.passes) == 2
    for check in result.passes:
        assert [s.key for s in check.substeps] == KEYS
        assert all(s.status == OK for s in check.substeps), [s.key for s in check.substeps]
    # The engine and the learner run the same formulas: far inside the tolerance.
    worst = max(s.max_rel_error for p in result.passes for s in p.substeps)
    assert worst < 1e-12


@pytest.mark.parametrize(
    "settings",
    [{}, {"dataset": "linear", "activations": ("relu", "relu", "sigmoid"), "lr": 0.005}],
)
def test_other_names_and_formulas_are_found_by_shape_and_value(settings) -> None:
    """Lists of activations, dy, delta3, back2, σ via tanh, σ'(Z) recomputed from Z, the
    learning rate as self.learning_rate and W3's gradient only in W3's change."""
    result = checked("correct_other_names", **settings)
    assert result.ok, result.first_difference
    check = result.passes[0]
    assert check["Z2Act"].observed_as == "attribute A[1]"
    assert check["dL/dy"].observed_as == "attribute dy"
    assert check["dL/dZ3"].observed_as == "local delta3"
    assert check["dL/dZ2Act"].observed_as == "local back2"  # no lab name: matched by value
    assert check["dL/dW3"].observed_as == "implied by W3's change"
    assert 0 < check["y"].max_rel_error < 1e-12  # σ through tanh: other rounding, same values


def test_a_mini_batch_feeds_the_engines_batches_step_by_step() -> None:
    result = checked("correct", dataset="linear", n=20, batch_size=6, steps=4)
    assert result.ok and [len(p.substeps) for p in result.passes] == [17] * 4
    assert result.samples == 6


# -- each classic mistake is named where it is made ----------------------------------------

MISTAKES = [
    ("derivative_at_activation", "dL/dZ2", "derivative_at_activation"),
    ("derivative_expects_activation", "dL/dZ3", "derivative_expects_activation"),
    ("derivative_left_out", "dL/dZ2", "derivative_left_out"),
    ("weight_gradient_wrong_order", "dL/dW2", "weight_gradient_wrong_order"),
    ("backprop_not_transposed", "dL/dZ1Act", "backprop_not_transposed"),
    ("mean_not_sum", "dL/dy", "mean_not_sum"),
    ("preactivation_forward", "Z2", "preactivation_forward"),
    ("weight_updated_first", "dL/dZ2Act", "weight_updated_first"),
    ("update_sign", "update", "update_sign"),
    ("output_activation_left_out", "y", "output_activation_left_out"),
    ("wrong_order_output", "dL/dW3", "weight_gradient_wrong_order"),
]


@pytest.mark.parametrize(("name", "key", "mistake"), MISTAKES)
def test_each_classic_mistake_is_named_at_the_right_sub_step(name, key, mistake) -> None:
    result = checked(name)
    assert not result.ok
    check, first = result.first_difference
    assert (check.step, first.key) == (1, key)
    assert first.diagnosis is not None and first.diagnosis.mistake == mistake
    # Everything before it matched: the first difference really is the first.
    before = check.substeps[: check.substeps.index(first)]
    assert all(s.status in (OK, UNSEEN) for s in before)


def test_the_first_difference_carries_both_values_for_the_report() -> None:
    check, first = checked("derivative_left_out").first_difference
    assert first.label == "∂L/∂Z2" and first.formula == "∂L/∂Z2Act · σ(Z2)(1 − σ(Z2))"
    assert first.observed_as == "local grad_Z2"
    assert first.expected.shape == first.learner.shape == (21, 32)
    # The learner's value is ∂L/∂Z2Act itself, which the check saw them compute right.
    np.testing.assert_array_equal(first.learner, check["dL/dZ2Act"].learner)
    assert first.max_abs_error == pytest.approx(np.abs(first.learner - first.expected).max())
    assert "left out" in first.diagnosis.text()


def test_a_mistake_that_only_shows_on_a_later_step_is_found_with_more_steps() -> None:
    assert checked("gradient_kept_between_steps").ok  # step 1 alone is right
    result = checked("gradient_kept_between_steps", steps=3)
    check, first = result.first_difference
    assert (check.step, first.key) == (2, "dL/dy")
    assert first.diagnosis.mistake == "kept_between_steps"
    assert len(result.passes) == 2  # step 3 would start from other weights: not compared


def test_every_mistake_in_the_catalogue_is_recognised_from_its_own_values() -> None:
    """A simulated learner who makes mistake M shows M's values: the diagnosis is M."""
    config = RunConfig(hidden=(6, 6), activations=("sigmoid",), lr=0.5)
    ref = reference_run(config, 1)
    one = ref.passes[0]
    weights = {name: one.values[name] for name in ("W1", "W2", "W3")}
    acts = config.activations
    diagnoser = Diagnoser(one, acts, config.lr)
    correct = lab_pass(weights, one.x, one.label, acts, config.lr)
    for mistake in catalogue(acts):
        wrong = lab_pass(weights, one.x, one.label, acts, config.lr, mistake)
        matched = []  # the keys before the first difference, which the learner got right
        for key in KEYS:
            right_value, wrong_value = _value(correct, weights, key), _value(wrong, weights, key)
            source = "weights" if key == "update" else "local"
            if wrong_value is None or (
                wrong_value.shape == right_value.shape and compare(wrong_value, right_value).ok
            ):
                matched.append((key, Observation(key, source, None, right_value)))
                continue
            observation = Observation(key, source, "Backpropagation", wrong_value)
            info = SubStepInfo(key, key, "", "")
            diagnosis = diagnoser.diagnose(info, observation, right_value, matched)
            assert diagnosis is not None and diagnosis.mistake == mistake.kind, (mistake, key)
            break
        else:  # no value differs: its shapes cannot fit, so the learner's code would crash
            assert "W1'" not in wrong, mistake


def _value(values: dict, weights: dict, key: str) -> np.ndarray | None:
    if key == "update":
        if "W3'" not in values:
            return None
        return np.concatenate([(values[f"{n}'"] - weights[n]).ravel() for n in weights])
    return None if key not in values else np.asarray(values[key])


def test_the_lab_pass_without_a_mistake_is_the_engines_tape() -> None:
    for acts in (("sigmoid",), ("relu", "tanh", "none")):
        config = RunConfig(activations=acts, lr=0.1)
        trainer = Trainer(config)
        weights = {name: trainer.network.views[name].copy() for name in ("W1", "W2", "W3")}
        values = lab_pass(
            weights, trainer.dataset.x, trainer.dataset.label, config.activations, config.lr
        )
        trainer.train_step()
        for key in KEYS[:-1]:
            expected = trainer.tape.values[key] if key != "loss" else trainer.tape.loss_value
            np.testing.assert_allclose(values[key], expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(values["W2'"], trainer.network.views["W2"], rtol=1e-12)


def test_the_tolerance_passes_rounding_and_fails_any_real_change() -> None:
    rng = np.random.default_rng(0)
    expected = rng.standard_normal((21, 32))
    assert compare(expected * (1 + 4e-16), expected).ok
    assert compare(expected + RTOL * 0.5 * np.abs(expected).max(), expected).ok
    assert not compare(expected + RTOL * 2 * np.abs(expected).max(), expected).ok
    assert not compare(expected * 2, expected).ok
    assert compare(expected.T, expected) is None  # a shape that does not fit is no match
    nan = np.array([np.nan, 1.0])
    assert compare(nan, nan).ok and not compare(np.array([0.0, 1.0]), nan).ok


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Z2", "Z2"),
        ("Z1Act", "Z1Act"),
        ("A2", "Z2Act"),
        ("pred", "y"),
        ("GradLoss", "dL/dy"),
        ("grad_LossAct", "dL/dZ3"),
        ("grad_Z2Act", "dL/dZ2Act"),
        ("dZ1", "dL/dZ1"),
        ("dL_dW3", "dL/dW3"),
        ("delta2", "dL/dZ2"),
        ("W2_grad", "dL/dW2"),
        ("grads['W1']", "dL/dW1"),
        ("A[1]", None),  # list items match by value only
        ("W2", None),
        ("data", None),
    ],
)
def test_the_labs_names_and_their_usual_variants_are_recognised(name, key) -> None:
    assert named_key(name) == key


# -- the learner's own failures --------------------------------------------------------------


def test_the_lab_reports_code_as_printed_gets_its_line_named_and_the_ir_slip_noted() -> None:
    result = checked("lab_report")
    error = result.error
    assert not result.ok and error.type == "NameError"
    assert (error.line, error.function, error.source) == (
        52,
        "Backpropagation",
        "grad_W1 = x.T @ grad_Z1",
    )
    assert "self.x = x" in error.hint
    assert error.file.endswith("lab_report.py") and (error.step, error.call) == (
        1,
        "Backpropagation",
    )
    # Everything up to the failing line is right, and was checked.
    assert result.passes[0]["dL/dZ1"].status == OK and result.passes[0]["update"].status == UNSEEN
    (note,) = result.notes
    assert "self.Ir" in note and "capital I" in note and "lines 54, 55, 56" in note


def test_lr_stored_under_another_name_is_said_in_one_sentence() -> None:
    error = checked("lr_other_name").error
    assert error.type == "AttributeError" and error.line == 54
    assert error.hint.startswith("__init__ stores the learning rate as self.Ir (a capital I")


def test_a_product_in_the_wrong_order_is_recognised_in_the_crash_it_causes() -> None:
    result = checked("wrong_order_output")
    assert (
        result.error.type == "ValueError" and result.error.source == "self.W3 -= self.lr * grad_W3"
    )
    assert result.error.hint.startswith("grad_W3 has shape 1×32: the product is in the wrong order")


def test_a_wrong_shape_returned_is_one_sentence_at_y() -> None:
    check, first = checked("wrong_shape").first_difference
    assert first.key == "y" and first.max_abs_error is None
    assert first.note == (
        "forwardPass returned an array of shape 21, but the prediction y has shape 21×1 "
        "(one row per sample)"
    )


def test_a_syntax_error_names_its_line() -> None:
    result = checked("syntax_error")
    assert result.error.type == "SyntaxError" and result.error.line == 31
    assert result.error.call == "import" and result.passes == ()


def test_an_infinite_loop_ends_at_the_time_limit_saying_where_it_was() -> None:
    result = checked("infinite_loop", timeout=0.5)
    error = result.error
    assert error.type == "Timeout" and error.message.startswith(
        "your code did not finish within 0.5 s"
    )
    assert error.function == "Backpropagation"
    assert (error.line, error.source) in ((45, "while True:"), (46, "pass"))  # inside the loop
    assert result.class_name == "Network"
    assert result.seconds < 10


def test_a_cancelled_check_ends_the_learners_code_without_waiting_for_the_time_limit(
    tmp_path, monkeypatch
) -> None:
    """The app cancels a check when the learner saves again: an infinite loop of theirs must
    not hold the new check back until the time limit."""
    pid_file = tmp_path / "pid"
    monkeypatch.setenv("LEARNER_PID_FILE", str(pid_file))
    cancel = threading.Event()
    raised: list[BaseException] = []

    def run() -> None:
        try:
            check_file(LEARNERS / "loops_and_writes_pid.py", timeout=120, cancel=cancel)
        except CheckCancelled as exc:
            raised.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the learner's code never started"
        time.sleep(0.05)
    child = int(pid_file.read_text())
    cancel.set()
    thread.join(60)  # far below the 120 s time limit: the cancel ended it
    assert not thread.is_alive() and len(raised) == 1
    try:
        with open(f"/proc/{child}/stat") as stat:
            assert stat.read().rsplit(")", 1)[1].split()[0] == "Z", "their code still runs"
    except FileNotFoundError:
        pass  # gone


def test_exit_at_the_top_level_is_reported_with_the_main_guard_hint() -> None:
    result = checked("exits_on_import")
    assert result.error.type == "SystemExit" and result.error.function == "<module>"
    assert '__name__ == "__main__"' in result.error.hint
    assert result.output == "training done\n"  # what it printed is kept, apart


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("no_class", "no_class.py defines no class; the check needs one with the lab's methods"),
        ("missing_method", "class Network has no computeMSELoss;"),
        ("bad_constructor", "Network(input_size=2, hidden_size=32, output_size=1, lr=0.05, "),
    ],
)
def test_a_file_that_is_not_the_labs_shape_is_refused_with_one_sentence(name, sentence) -> None:
    with pytest.raises(CheckInputError) as refused:
        checked(name)
    assert str(refused.value).startswith(sentence) and "\n" not in str(refused.value)
    if name == "missing_method":
        assert "(is computeMSEloss meant to be computeMSELoss?)" in str(refused.value)


def test_no_such_file_or_class_is_refused(tmp_path) -> None:
    with pytest.raises(CheckInputError, match="no such file"):
        check_file(tmp_path / "missing.py")
    with pytest.raises(CheckInputError, match="is not a file"):
        check_file(tmp_path)
    with pytest.raises(CheckInputError, match="has no class named Net "):
        check_file(LEARNERS / "correct.py", class_name="Net")


def test_a_system_without_process_groups_is_told_so_before_anything_runs(monkeypatch) -> None:
    monkeypatch.setattr("mlp.labcheck.check.STOPPABLE_CHILDREN", False)
    with pytest.raises(CheckInputError, match="needs Linux or macOS"):
        check_file(LEARNERS / "correct.py")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"hidden": (32, 16)}, "two hidden layers of one size"),
        ({"hidden": (8,)}, "two hidden layers of one size"),
        ({"bias": True}, "no biases"),
        ({"optimizer": "adam"}, "--optimizer adam"),
        ({"loss": "mse"}, "--loss mse"),
    ],
)
def test_settings_the_labs_network_cannot_take_are_refused(change, words) -> None:
    with pytest.raises(CheckInputError, match=words):
        lab_arguments(RunConfig(**change))


def test_the_lab_constructor_takes_the_settings() -> None:
    assert lab_arguments(RunConfig(hidden=(8, 8), activations=("relu",), lr=0.01)) == {
        "input_size": 2,
        "hidden_size": 8,
        "output_size": 1,
        "lr": 0.01,
        "actFuncs": ["relu", "relu", "relu"],
    }


# -- the JSON document ------------------------------------------------------------------------


def test_the_json_document_has_exactly_the_issues_fields() -> None:
    document = json.loads(checked("mean_not_sum").to_json())
    assert set(document) == {"schema", "ok", "first_difference", "error", "steps"}
    assert document["schema"] == SCHEMA == "backprop-lab/check-result/1"
    assert document["ok"] is False and document["error"] is None
    first = document["first_difference"]
    assert set(first) == {"key", "label", "formula", "max_abs_error", "diagnosis"}
    assert (first["key"], first["label"], first["formula"]) == ("dL/dy", "∂L/∂y", "2(y − label)")
    assert first["diagnosis"].startswith("∂L/∂y carries the mean's 1/N")
    assert [step["key"] for step in document["steps"]] == KEYS
    for step in document["steps"]:
        assert set(step) == {"key", "ok", "max_abs_error", "observed_as"}
    assert document["steps"][7]["observed_as"] == "attribute GradLoss"


def test_the_json_error_names_file_and_line() -> None:
    document = json.loads(checked("lab_report").to_json())
    assert document["ok"] is False and document["first_difference"] is None
    error = document["error"]
    assert set(error) == {"type", "message", "file", "line"}
    assert (error["type"], error["line"]) == ("NameError", 52)
    assert error["file"].endswith("lab_report.py")
    assert error["message"].startswith("name 'x' is not defined; Backpropagation has no x")
    unseen = [s for s in document["steps"] if s["ok"] is None]
    assert [s["key"] for s in unseen] == ["dL/dW1", "update"]
    assert all(s["max_abs_error"] is None and s["observed_as"] is None for s in unseen)


def test_a_class_imported_from_another_file_of_theirs_is_checked_and_its_errors_located(
    tmp_path,
) -> None:
    (tmp_path / "mynet.py").write_text((LEARNERS / "lab_report.py").read_text())
    (tmp_path / "lab.py").write_text("from mynet import Network\n")
    error = check_file(tmp_path / "lab.py").error
    assert error.type == "NameError" and error.line == 52
    assert error.file == str(tmp_path / "mynet.py")
