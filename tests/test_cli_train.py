"""``backprop-lab train``, run in-process: what it prints and the JSON it writes agree with the
engine trained the same way."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import mlp
from mlp import RunConfig, Trainer
from tui.cli import main


def run_json(capsys, *argv: str) -> dict:
    assert main(["train", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_prints_the_lab_table_and_accuracy_of_the_trained_network(capsys) -> None:
    assert main(["train", "--epochs", "1500", "--no-plots"]) == 0
    out = capsys.readouterr().out
    engine = Trainer(RunConfig(epochs=1500))
    engine.train(1500)
    evaluation = engine.evaluate()
    for i, (g, p) in enumerate(
        zip(engine.dataset.label[:, 0], evaluation.prediction[:, 0], strict=True), 1
    ):
        # The lab's five decimals, or scientific notation where they would read 0.00000.
        shown = f"{p:.5f}" if p >= 1e-3 else f"{p:.3e}"
        assert f"Iter {i} | Ground truth: {int(g)} | prediction: {shown}" in out
    assert f"accuracy = {evaluation.accuracy:.1%}" in out
    assert len(re.findall(r"^Iter \d+ \| Ground truth: [01] \| prediction: ", out, re.M)) == 21


def test_json_document_holds_config_result_and_history(capsys) -> None:
    doc = run_json(capsys, "--epochs", "3000", "--dataset", "linear", "--n", "40")
    engine = Trainer(RunConfig(dataset="linear", n=40, epochs=3000))
    engine.train(3000)
    assert doc["schema"] == "backprop-lab/train-result/1"
    assert RunConfig.from_dict(doc["config"]) == engine.config
    assert doc["status"] == "completed" and doc["epochs_run"] == 3000 and doc["epoch"] == 3000
    assert doc["final_loss"] == engine.last_loss
    assert doc["accuracy"] == engine.evaluate().accuracy
    assert doc["diverged"] is False and doc["divergence"] is None
    assert len(doc["predictions"]) == 40
    assert [p["prediction"] for p in doc["predictions"]] == engine.evaluate().prediction[
        :, 0
    ].tolist()
    history = doc["history"]
    assert 0 < len(history["epoch"]) <= 200
    assert len(history["loss"]) == len(history["accuracy"]) == len(history["epoch"])
    assert history["epoch"] == sorted(history["epoch"]) and history["epoch"][-1] <= 3000


@pytest.mark.parametrize(
    ("argv", "field", "expected"),
    [
        (["--dataset", "circle"], "dataset", "circle"),
        (["--n", "30", "--dataset", "gauss"], "n", 30),
        (["--noise", "0.2", "--dataset", "spiral"], "noise", 0.2),
        (["--hidden", "4,5,6"], "hidden", [4, 5, 6]),
        (["--act", "relu"], "activations", ["relu", "relu", "sigmoid"]),
        (["--act", "tanh,none,sigmoid"], "activations", ["tanh", "none", "sigmoid"]),
        (["--lr", "0.01"], "lr", 0.01),
        (["--optimizer", "momentum", "--momentum", "0.5"], "momentum", 0.5),
        (["--optimizer", "nesterov"], "optimizer", "nesterov"),
        (["--batch-size", "5"], "batch_size", 5),
        (["--loss", "bce"], "loss", "bce"),
        (["--bias"], "bias", True),
        (["--init", "xavier"], "init", "xavier"),
        (["--seed", "3"], "seed", 3),
    ],
)
def test_each_option_sets_its_setting(capsys, argv, field, expected) -> None:
    doc = run_json(capsys, "--epochs", "20", *argv)
    assert doc["config"][field] == expected


def test_the_same_seed_gives_the_same_json_numbers(capsys) -> None:
    first = run_json(capsys, "--epochs", "300", "--batch-size", "4", "--seed", "7")
    second = run_json(capsys, "--epochs", "300", "--batch-size", "4", "--seed", "7")
    assert first["history"] == second["history"] and first["final_loss"] == second["final_loss"]


def test_divergence_is_a_result_with_its_epoch_and_cause(capsys) -> None:
    doc = run_json(capsys, "--act", "none,none,none", "--lr", "5", "--epochs", "2000")
    assert doc["status"] == "diverged" and doc["diverged"] is True
    assert 1 <= doc["divergence"]["epoch"] < 2000
    assert "learning rate" in doc["divergence"]["reason"]
    assert main(["train", "--act", "none,none,none", "--lr", "5", "--no-plots", "--no-table"]) == 0
    assert f"Diverged at epoch {doc['divergence']['epoch']}" in capsys.readouterr().out


def test_target_loss_stops_training_early(capsys) -> None:
    doc = run_json(capsys, "--target-loss", "0.01", "--epochs", "10000")
    assert doc["status"] == "target_reached"
    assert doc["final_loss"] <= 0.01 and doc["epochs_run"] < 10000


def test_test_points_reports_accuracy_on_fresh_points(capsys) -> None:
    doc = run_json(capsys, "--dataset", "linear", "--epochs", "2000", "--test-points", "50")
    engine = Trainer(RunConfig(dataset="linear", epochs=2000))
    engine.train(2000)
    assert doc["test"] == {
        "points": 50,
        "loss": engine.generalisation(50).loss,
        "accuracy": engine.generalisation(50).accuracy,
    }


def test_print_every_prints_the_labs_epoch_lines(capsys) -> None:
    assert main(["train", "--epochs", "2000", "--print-every", "500", "--no-plots"]) == 0
    lines = re.findall(r"^epoch (\d+) loss : (\S+)$", capsys.readouterr().out, re.M)
    assert [int(epoch) for epoch, _ in lines] == [500, 1000, 1500, 2000]
    losses = [float(loss) for _, loss in lines]
    assert losses == sorted(losses, reverse=True)  # the lab default only goes down


def test_save_then_load_resumes_to_the_same_numbers(capsys, tmp_path) -> None:
    path = tmp_path / "run.npz"
    run_json(capsys, "--epochs", "700", "--optimizer", "momentum", "--save", str(path))
    resumed = run_json(capsys, "--load", str(path), "--epochs", "500")
    straight = run_json(capsys, "--epochs", "1200", "--optimizer", "momentum")
    assert resumed["epoch"] == 1200 and resumed["epochs_run"] == 500
    assert resumed["final_loss"] == straight["final_loss"]
    assert mlp.load(path).epoch == 700


def test_loading_a_run_keeps_its_architecture(capsys, tmp_path) -> None:
    path = tmp_path / "run.npz"
    run_json(capsys, "--epochs", "10", "--hidden", "5", "--save", str(path))
    assert main(["train", "--load", str(path), "--hidden", "7"]) == 2
    assert "--hidden cannot change a loaded run" in capsys.readouterr().err


def _write(path, text: str):
    path.write_text(text)
    return str(path)


BAD_INPUT = [
    (["--act", "swish"], "unknown activation 'swish'"),
    (["--act", "relu,relu"], "3 layers need 3 activations"),
    (["--lr", "0"], "learning rate must be a positive number"),
    (["--lr", "-0.1"], "learning rate must be a positive number"),
    (["--lr", "fast"], "argument --lr: invalid float value: 'fast'"),
    (["--hidden", "0"], "hidden layer sizes must be at least 1"),
    (["--hidden", "32,,32"], "expected a comma-separated list"),
    (["--epochs", "-5"], "expected 0 or more"),
    (["--momentum", "1"], "momentum must be in [0, 1)"),
    (["--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
    (["--dataset", "moons"], "unknown dataset 'moons'"),
    (["--load", "{tmp}/missing.npz"], "no such file"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT)
def test_bad_input_is_one_sentence_and_exit_code_2(capsys, tmp_path, argv, message) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    with pytest.raises(SystemExit) as exited:  # argparse exits; the rest return
        raise SystemExit(main(["train", *argv]))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_csv_with_a_bad_row_names_the_row(capsys, tmp_path) -> None:
    csv = _write(tmp_path / "data.csv", "x1,x2,label\n0.1,0.2,0\n0.3,oops,1\n")
    assert main(["train", "--dataset", csv]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err or "line 3" in err


def test_a_corrupt_run_file_is_refused_clearly(capsys, tmp_path) -> None:
    path = tmp_path / "run.npz"
    path.write_bytes(b"not a zip file at all")
    assert main(["train", "--load", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err


def test_a_csv_dataset_trains(capsys, tmp_path) -> None:
    rows = "\n".join(
        f"{x:.2f},{y:.2f},{int(x > y)}" for x, y in np.random.default_rng(0).uniform(0, 1, (30, 2))
    )
    csv = _write(tmp_path / "mine.csv", "x1,x2,label\n" + rows + "\n")
    doc = run_json(capsys, "--dataset", csv, "--epochs", "200")
    assert len(doc["predictions"]) == 30


def test_plots_show_the_curve_the_truth_beside_prediction_and_the_boundary(capsys) -> None:
    assert main(["train", "--epochs", "500", "--no-table"]) == 0
    out = capsys.readouterr().out
    assert "Learning curve" in out
    assert "Ground truth" in out and "Prediction" in out
    assert "Decision boundary" in out
    assert "\x1b[" not in out  # captured output is not a terminal: no colour codes


def test_a_side_by_side_plot_leaves_no_split_figure_behind() -> None:
    from tui import terminal_plots

    x = np.array([[0.1, 0.2], [0.8, 0.9]])
    label = np.array([[0], [1]])
    pair = terminal_plots.truth_and_prediction(x, label, label, colour=False)
    assert pair.splitlines()[1].count("┌") == 2
    curve = terminal_plots.loss_curves([("", np.arange(1.0, 4.0), np.array([3.0, 2.0, 1.0]))])
    assert "".join(curve.splitlines()[:3]).count("┌") == 1
