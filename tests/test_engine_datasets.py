"""Datasets are the lab's, point for point; a user's CSV is read or refused by row."""

from __future__ import annotations

import os
import tracemalloc
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from mlp import DatasetError, RunConfig, Trainer, budget, datasets

GENERATED = ["circle", "spiral", "gauss", "chessboard"]


def test_linear_is_uniform_in_the_unit_square_labelled_by_the_diagonal() -> None:
    data = datasets.linear(n=100, seed=0)
    assert data.x.shape == (100, 2) and data.label.shape == (100, 1)
    assert ((data.x >= 0) & (data.x <= 1)).all()
    for (x1, x2), (label,) in zip(data.x, data.label, strict=True):
        assert label == (0 if x1 > x2 else 1)
    assert 0 < data.label.sum() < 100
    # Spread over the whole square, not a corner of it.
    assert data.x.min() < 0.05 and data.x.max() > 0.95


def test_linear_labels_follow_the_rule_right_up_to_the_diagonal() -> None:
    data = datasets.linear(n=20_000, seed=1)
    assert np.abs(data.x[:, 0] - data.x[:, 1]).min() < 1e-4
    np.testing.assert_array_equal(data.label[:, 0], np.where(data.x[:, 0] > data.x[:, 1], 0, 1))


def test_linear_is_seeded() -> None:
    a, b, c = datasets.linear(50, 1), datasets.linear(50, 1), datasets.linear(50, 2)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.label, b.label)
    assert not np.array_equal(a.x, c.x)
    assert datasets.make("linear", n=37, seed=4).x.shape == (37, 2)


def test_xor_easy_is_the_labs_21_points_in_order() -> None:
    # From the lab's definition, with exact decimals: for i in 0..10, (0.1i, 0.1i) is 0;
    # then, unless 0.1i is 0.5, (0.1i, 1 − 0.1i) is 1.
    expected = []
    for i in range(11):
        t = Decimal(i) / 10
        expected.append((float(t), float(t), 0))
        if t != Decimal("0.5"):
            expected.append((float(t), float(1 - t), 1))
    data = datasets.xor_easy()
    got = [(x1, x2, int(lab)) for (x1, x2), (lab,) in zip(data.x, data.label, strict=True)]
    assert len(got) == 21
    for (gx1, gx2, glab), (ex1, ex2, elab) in zip(got, expected, strict=True):
        assert glab == elab
        assert gx1 == pytest.approx(ex1, abs=1e-12) and gx2 == pytest.approx(ex2, abs=1e-12)
    assert data.x.shape == (21, 2) and data.label.shape == (21, 1)
    assert datasets.make("xor").x.tolist() == data.x.tolist()
    assert datasets.make("XOR-easy").x.tolist() == data.x.tolist()


@pytest.mark.parametrize("name", GENERATED)
def test_generated_datasets_have_both_classes_and_follow_the_seed(name) -> None:
    data = datasets.make(name, n=120, seed=3, noise=0.05)
    assert data.x.shape == (120, 2) and data.label.shape == (120, 1)
    assert set(np.unique(data.label)) == {0.0, 1.0}
    assert np.isfinite(data.x).all()
    again = datasets.make(name, n=120, seed=3, noise=0.05)
    other = datasets.make(name, n=120, seed=4, noise=0.05)
    assert np.array_equal(data.x, again.x) and np.array_equal(data.label, again.label)
    assert not np.array_equal(data.x, other.x)
    assert name in datasets.NAMES


@pytest.mark.parametrize("name", ["linear", "xor", *GENERATED])
def test_fresh_points_are_new_and_drawn_like_the_training_set(name) -> None:
    data = datasets.make(name, n=60, seed=0)
    x, label = data.fresh(200, seed=9)
    assert x.shape == (200, 2) and label.shape == (200, 1)
    assert set(np.unique(label)) == {0.0, 1.0}
    assert not np.isin(x[:, 0], data.x[:, 0]).all()
    if name == "linear":
        assert np.array_equal(label[:, 0], (x[:, 0] <= x[:, 1]).astype(float))
    if name == "xor":  # on the diagonals, labelled by which one
        on_main = np.isclose(x[:, 0], x[:, 1])
        assert (label[on_main] == 0).all()
        assert np.allclose(x[~on_main].sum(axis=1), 1.0) and (label[~on_main] == 1).all()


def test_noise_moves_the_points() -> None:
    quiet = datasets.make("circle", n=200, seed=1, noise=0.0)
    noisy = datasets.make("circle", n=200, seed=1, noise=0.2)
    assert not np.allclose(quiet.x, noisy.x)
    # Without noise, the circle's label is exactly "inside radius 0.3".
    r = np.hypot(quiet.x[:, 0] - 0.5, quiet.x[:, 1] - 0.5)
    assert np.array_equal(quiet.label[:, 0], (r < 0.3).astype(float))


def test_unknown_dataset_names_the_choices() -> None:
    with pytest.raises(DatasetError, match="linear, xor"):
        datasets.make("moons")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "points.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_and_without_a_header(tmp_path) -> None:
    rows = "0.1,0.2,0\n0.9,0.8,1\n\n0.5,0.4,1\n"
    for text in (rows, "x1,x2,label\n" + rows):
        data = datasets.load_csv(_write(tmp_path, text))
        np.testing.assert_array_equal(data.x, [[0.1, 0.2], [0.9, 0.8], [0.5, 0.4]])
        np.testing.assert_array_equal(data.label, [[0], [1], [1]])
        assert data.name == "points"


@pytest.mark.parametrize(
    ("text", "row", "words"),
    [
        ("0.1,0.2,0\n0.3,0.4\n", 2, "3 columns"),
        ("0.1,0.2,0\n0.3,0.4,1,7\n", 2, "3 columns"),
        ("0.1,0.2,0\n0.3,abc,1\n", 2, "not three numbers"),
        ("x1,x2,label\n0.1,0.2,0\n0.3,0.4,2\n", 3, "label must be 0 or 1"),
        ("0.1,0.2,0\n0.1,0.2,0.5\n", 2, "label must be 0 or 1"),
        ("0.1,0.2,0\n0.2,0.3,1\nnan,0.4,1\n", 3, "finite"),
        ("0.1,0.2,0\n0.2,inf,1\n", 2, "finite"),
        ("x1,x2,label\nx1,x2,label\n", 2, "not three numbers"),
    ],
)
def test_csv_bad_rows_are_named(tmp_path, text, row, words) -> None:
    with pytest.raises(DatasetError, match=f"row {row}:.*{words}"):
        datasets.load_csv(_write(tmp_path, text))


def test_csv_without_rows_or_file(tmp_path) -> None:
    with pytest.raises(DatasetError, match="no data rows"):
        datasets.load_csv(_write(tmp_path, "x1,x2,label\n"))
    with pytest.raises(DatasetError, match="no such file"):
        datasets.load_csv(tmp_path / "missing.csv")


def test_a_csv_trains_through_the_config(tmp_path) -> None:
    path = _write(tmp_path, "x1,x2,label\n0,0,0\n1,1,0\n0,1,1\n1,0,1\n")
    trainer = Trainer(RunConfig(dataset=str(path), hidden=(4,)))
    assert len(trainer.dataset) == 4
    np.testing.assert_array_equal(trainer.tape.values["X"], trainer.dataset.x)
    with pytest.raises(DatasetError):
        trainer.dataset.fresh(10, seed=0)


# -- hostile data files: refused in one sentence, read in bounded memory -------------------


def _refused_within(seconds: float, path, *words: str) -> None:
    """load_csv refuses ``path`` in one sentence, without hanging on it."""
    import threading

    outcome: list[str] = []

    def read() -> None:
        try:
            datasets.load_csv(path)
        except DatasetError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive() and Path(path).is_fifo():  # release a reader stuck on the pipe
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert outcome, f"{path} was not refused within {seconds} s"
    assert "\n" not in outcome[0]
    for word in words:
        assert word in outcome[0]


def test_a_field_longer_than_the_csv_limit_names_its_row(tmp_path) -> None:
    path = _write(tmp_path, "0.1,0.2,0\n0.3," + "9" * 200_000 + ",1\n")
    with pytest.raises(DatasetError, match="row 2"):
        datasets.load_csv(path)


def test_devices_and_pipes_are_refused_without_reading(tmp_path) -> None:
    _refused_within(2, "/dev/zero", "/dev/zero", "not a regular file")
    fifo = tmp_path / "points.csv"
    os.mkfifo(fifo)
    _refused_within(2, fifo, "not a regular file")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path) -> None:
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:  # sparse: no disk is used
        fh.truncate(budget.MAX_CSV_BYTES + 1)
    _refused_within(2, path, "huge.csv", "64.0 MiB")


def test_a_file_over_the_row_limit_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(datasets, "MAX_CSV_ROWS", 10)
    path = _write(tmp_path, "0.1,0.2,0\n" * 11)
    with pytest.raises(DatasetError, match="more than 10 rows"):
        datasets.load_csv(path)
    assert len(datasets.load_csv(_write(tmp_path, "0.1,0.2,0\n" * 10))) == 10


def test_a_large_csv_is_read_in_a_few_times_its_final_size(tmp_path) -> None:
    """A million rows once peaked at 4 GB; the points themselves are 24 bytes a row."""
    rows = 50_000
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (rows, 2))
    text = "\n".join(f"{a:.6f},{b:.6f},{int(a > b)}" for a, b in x)
    path = _write(tmp_path, text)
    tracemalloc.start()
    try:
        data = datasets.load_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(data) == rows
    assert peak < 4 * rows * 3 * 8, peak  # ~10 MB, not the ~100 MB of lists of floats


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_dataset_name_is_named_as_such(name) -> None:
    with pytest.raises(DatasetError, match="no dataset named") as refused:
        datasets.make(name)
    assert "directory" not in str(refused.value)


def test_a_folder_is_not_a_csv_file(tmp_path) -> None:
    with pytest.raises(DatasetError, match="a folder, not a CSV file"):
        datasets.make(str(tmp_path))
