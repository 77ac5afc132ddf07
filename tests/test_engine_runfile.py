"""A saved run loads back exactly where it stopped; a bad file is refused in one sentence."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import mlp
from mlp import RunConfig, RunFileError, Trainer

CONFIGS = [
    RunConfig(dataset="xor", hidden=(5, 4), optimizer="adam", lr=0.01),
    RunConfig(dataset="linear", n=30, hidden=(6,), optimizer="momentum", bias=True, lr=0.2),
    RunConfig(dataset="spiral", n=24, hidden=(5,), batch_size=5, optimizer="nesterov", lr=0.1),
    RunConfig(dataset="gauss", n=9, hidden=(3,), batch_size=1, activations=("relu", "sigmoid")),
]


def _same_run(a: Trainer, b: Trainer) -> None:
    assert a.config == b.config
    assert a.epoch == b.epoch
    assert np.array_equal(a.network.params, b.network.params)
    assert a.optimizer.steps == b.optimizer.steps
    for key, value in a.optimizer.state().items():
        assert np.array_equal(b.optimizer.state()[key], value), key
    assert np.array_equal(a.dataset.x, b.dataset.x)
    assert np.array_equal(a.dataset.label, b.dataset.label)
    assert np.array_equal(a.history.epochs, b.history.epochs)
    assert np.array_equal(a.history.loss, b.history.loss)
    assert np.array_equal(a.history.accuracy, b.history.accuracy)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.dataset}-{c.optimizer}")
def test_save_load_round_trip_and_training_continues_identically(config, tmp_path) -> None:
    original = Trainer(config)
    original.train(37)
    path = mlp.save(original, tmp_path / "run.npz")
    loaded = mlp.load(path)
    _same_run(original, loaded)
    assert loaded.last_loss == original.last_loss
    assert loaded.config.to_dict() == original.config.to_dict()

    original.train(23)
    loaded.train(23)
    _same_run(original, loaded)


def test_a_run_saved_mid_epoch_resumes_with_the_same_batches(tmp_path) -> None:
    original = Trainer(CONFIGS[2])
    original.train(3)
    for _ in range(len(original.steps) * 2 + 4):  # two batches and a bit into the epoch
        original.next_substep()
    loaded = mlp.load(mlp.save(original, tmp_path / "mid.npz"))
    assert loaded.batch_index == original.batch_index == 2
    np.testing.assert_array_equal(loaded.batch_indices, original.batch_indices)
    original.train(4)
    loaded.train(4)
    _same_run(original, loaded)


def test_adam_step_count_survives(tmp_path) -> None:
    trainer = Trainer(CONFIGS[0])
    trainer.train(12)
    loaded = mlp.load(mlp.save(trainer, tmp_path / "adam.npz"))
    assert loaded.optimizer.steps == 12
    assert np.array_equal(loaded.optimizer.state()["m"], trainer.optimizer.state()["m"])


def test_a_long_runs_history_survives(tmp_path) -> None:
    trainer = Trainer(RunConfig(dataset="xor", hidden=(2,), lr=0.5))
    trainer.train(9000)  # past the history's capacity: the stride has doubled
    assert trainer.history.stride > 1
    loaded = mlp.load(mlp.save(trainer, tmp_path / "long.npz"))
    assert loaded.history.stride == trainer.history.stride
    trainer.train(3000)
    loaded.train(3000)
    assert np.array_equal(loaded.history.epochs, trainer.history.epochs)


def test_a_csv_run_keeps_its_points(tmp_path) -> None:
    csv = tmp_path / "mine.csv"
    csv.write_text("0,0,0\n1,1,0\n0,1,1\n1,0,1\n", encoding="utf-8")
    trainer = Trainer(RunConfig(dataset=str(csv), hidden=(3,)))
    trainer.train(5)
    run = mlp.save(trainer, tmp_path / "csvrun.npz")
    csv.unlink()  # the run file alone is enough
    loaded = mlp.load(run)
    _same_run(trainer, loaded)


def test_save_adds_the_suffix_and_leaves_no_temporary_file(tmp_path) -> None:
    path = mlp.save(Trainer(CONFIGS[0]), tmp_path / "myrun")
    assert path.name == "myrun.npz" and path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["myrun.npz"]


def _saved_arrays(tmp_path) -> dict[str, np.ndarray]:
    path = mlp.save(Trainer(CONFIGS[0]), tmp_path / "good.npz")
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _rewrite(tmp_path, arrays: dict[str, np.ndarray], **meta_changes) -> str:
    meta = json.loads(str(arrays["meta"]))
    meta.update(meta_changes)
    arrays = {**arrays, "meta": np.array(json.dumps(meta))}
    path = tmp_path / "edited.npz"
    np.savez(path, **arrays)
    return str(path)


def _refused(path, *words: str) -> str:
    with pytest.raises(RunFileError) as info:
        mlp.load(path)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    for word in words:
        assert word in message
    return message


def test_garbage_bytes(tmp_path) -> None:
    path = tmp_path / "garbage.npz"
    path.write_bytes(b"\x00\x13not a zip at all" * 50)
    _refused(path, "garbage.npz", "not a backprop-lab run file")


def test_a_text_file_is_not_taken_for_a_pickle(tmp_path) -> None:
    path = tmp_path / "notes.npz"
    path.write_text("junk\n")
    message = _refused(path, "notes.npz", "not an .npz archive")
    assert "pickle" not in message


def test_a_truncated_file(tmp_path) -> None:
    good = mlp.save(Trainer(CONFIGS[0]), tmp_path / "good.npz")
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[:200])
    _refused(cut, "cut.npz")


def test_a_foreign_npz(tmp_path) -> None:
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones(3))
    _refused(path, "not a backprop-lab run file")


def test_a_missing_file(tmp_path) -> None:
    _refused(tmp_path / "nope.npz", "no such file")


def test_a_future_version(tmp_path) -> None:
    path = _rewrite(tmp_path, _saved_arrays(tmp_path), version=2)
    _refused(path, "version 2", "version 1")


def test_a_foreign_format_name(tmp_path) -> None:
    _refused(_rewrite(tmp_path, _saved_arrays(tmp_path), format="something-else"), "not a")


def test_damaged_contents(tmp_path) -> None:
    arrays = _saved_arrays(tmp_path)
    arrays["params"] = np.ones(3)
    _refused(_rewrite(tmp_path, arrays), "edited.npz")
    arrays = _saved_arrays(tmp_path)
    del arrays["x"]
    _refused(_rewrite(tmp_path, arrays), "damaged")
    _refused(_rewrite(tmp_path, _saved_arrays(tmp_path), config={"lr": -1}), "learning rate")


class _Payload:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(_Payload.marker),))


def test_load_never_unpickles(tmp_path) -> None:
    """A run file is data: an object array inside must be refused, not executed."""
    _Payload.marker = str(tmp_path / "pwned")
    arrays = _saved_arrays(tmp_path)
    buffer = io.BytesIO()
    np.save(buffer, np.array([_Payload()], dtype=object), allow_pickle=True)
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in arrays.items():
            if name == "params":
                continue
            item = io.BytesIO()
            np.save(item, value)
            archive.writestr(f"{name}.npy", item.getvalue())
        archive.writestr("params.npy", buffer.getvalue())
    _refused(path, "evil.npz")
    assert not (tmp_path / "pwned").exists()


# Run files saved by the engine at commit 5226ada (format version 1; tests/data/README.md has
# the script): each is rebuilt here by training the same way, and must load into that state.
OLD_FILES = {
    "run_v1_minibatch.npz": (
        RunConfig(
            dataset="spiral", n=24, hidden=(5, 4), batch_size=5, optimizer="adam", lr=0.01, seed=3
        ),
        7,
        2,  # passes into the next epoch
        5,  # and sub-steps into the pass after them
    ),
    "run_v1_fullbatch.npz": (
        RunConfig(
            dataset="linear", n=30, hidden=(6,), optimizer="momentum", bias=True, lr=0.2, seed=2
        ),
        40,
        0,
        0,
    ),
}


@pytest.mark.parametrize("name", OLD_FILES)
def test_a_run_file_saved_by_an_earlier_version_loads_and_resumes(name) -> None:
    config, epochs, passes, substeps = OLD_FILES[name]
    expected = Trainer(config)
    expected.train(epochs)
    for _ in range(len(expected.steps) * passes + substeps):
        expected.next_substep()
    loaded = mlp.load(Path(__file__).parent / "data" / name)
    _same_run(expected, loaded)
    assert loaded.batch_index == expected.batch_index
    np.testing.assert_array_equal(loaded.batch_indices, expected.batch_indices)
    assert loaded.last_loss == expected.last_loss
    # A file keeps whole passes: the loaded run redoes the half-done pass from its start,
    # which computes what the rest of that pass would have.
    expected.train(5)
    loaded.train(5)
    _same_run(expected, loaded)
