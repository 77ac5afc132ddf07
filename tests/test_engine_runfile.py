"""A saved run loads back exactly where it stopped; a bad file is refused in one sentence."""

from __future__ import annotations

import io
import json
import tracemalloc
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


# -- hostile run files: refused from their headers and checked for consistency ----------


def _stored_member(name: str, header: dict, data: bytes) -> tuple[str, bytes]:
    """A raw .npy member whose header says whatever the test wants."""
    from numpy.lib import format as npy

    buffer = io.BytesIO()
    npy.write_array_header_1_0(buffer, header)
    return f"{name}.npy", buffer.getvalue() + data


def _archive(path, members: list[tuple[str, bytes]], compress=zipfile.ZIP_STORED) -> str:
    with zipfile.ZipFile(path, "w", compression=compress) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return str(path)


def test_a_header_that_claims_a_trillion_values_is_refused_before_reading(tmp_path) -> None:
    """A 6.5 KB file whose header claims 1e12 values: np.load would ask for 8 TB."""
    arrays = _saved_arrays(tmp_path)
    members = []
    for name, value in arrays.items():
        if name == "params":
            header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
            members.append(_stored_member(name, header, value.tobytes()))
            continue
        item = io.BytesIO()
        np.save(item, value)
        members.append((f"{name}.npy", item.getvalue()))
    message = _refused(_archive(tmp_path / "liar.npz", members), "liar.npz", "claims shape")
    assert "1000000000000" in message


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path) -> None:
    """A small file that unpacks to more than the memory limit is never unpacked."""
    from mlp import budget

    zeros = np.zeros(4 * 2**20)  # 32 MiB of zeros, which deflate to a few KiB
    item = io.BytesIO()
    np.save(item, zeros)
    path = _archive(tmp_path / "bomb.npz", [("params.npy", item.getvalue())], zipfile.ZIP_DEFLATED)
    assert (tmp_path / "bomb.npz").stat().st_size < 2**20
    with budget.limited(16 * 2**20):
        tracemalloc.start()
        try:
            message = _refused(path, "bomb.npz", "unpacks to 32.0 MiB", "16.0 MiB")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 2**20, peak  # nothing was unpacked
    assert "limit" in message


@pytest.mark.parametrize(
    "dtype", [np.complex128, np.dtype([("a", "<f8"), ("b", "<f8")])], ids=["complex", "record"]
)
def test_members_of_other_kinds_than_plain_numbers_are_refused(tmp_path, dtype) -> None:
    arrays = _saved_arrays(tmp_path)
    arrays["x"] = np.zeros(arrays["x"].shape[0], dtype=dtype)
    _refused(_rewrite(tmp_path, arrays), "edited.npz", "not plain numbers")


def _inconsistent(arrays: dict, meta: dict, case: str) -> None:
    """Edit one thing that the format allows but no run can be."""
    n = len(arrays["x"])
    if case == "history stride 0":
        meta["history_stride"] = 0
    elif case == "batch order out of range":
        arrays["order"] = np.arange(n) + 5
    elif case == "points with 3 columns":  # with weights for 3 inputs: consistent but wrong
        arrays["x"] = np.zeros((n, 3))
        _resize_params(arrays, 3 * 3 + 3 * 1)
    elif case == "labels with 2 columns":  # with weights for 2 outputs
        arrays["label"] = np.zeros((n, 2))
        _resize_params(arrays, 2 * 3 + 3 * 2)
    elif case == "complex points":
        arrays["x"] = arrays["x"].astype(np.complex128)
    elif case == "NaN points":
        arrays["x"] = arrays["x"].copy()
        arrays["x"][3, 1] = np.nan
    elif case == "label 7":
        arrays["label"] = arrays["label"].copy()
        arrays["label"][2, 0] = 7
    elif case == "epoch -50":
        meta["epoch"] = -50
    elif case == "batch index past the epoch":
        meta["batch_index"] = 99
    elif case == "history past the epoch":
        meta["epoch"] = 3
    elif case == "optimizer state missing":
        del arrays["optimizer_m"]
    elif case == "epoch as text":
        meta["epoch"] = "12"
    elif case == "shuffle state null":
        meta["shuffle_state"] = None
    else:
        raise AssertionError(case)


def _resize_params(arrays: dict, n_params: int) -> None:
    for key in ("params", "optimizer_m", "optimizer_v"):
        arrays[key] = np.zeros(n_params)


INCONSISTENT = [
    "history stride 0",
    "batch order out of range",
    "points with 3 columns",
    "labels with 2 columns",
    "complex points",
    "NaN points",
    "label 7",
    "epoch -50",
    "batch index past the epoch",
    "history past the epoch",
    "optimizer state missing",
    "epoch as text",
    "shuffle state null",
]


@pytest.mark.parametrize("case", INCONSISTENT)
def test_an_inconsistent_run_is_refused_at_load_in_one_sentence(tmp_path, case) -> None:
    trainer = Trainer(RunConfig(dataset="linear", n=12, hidden=(3,), optimizer="adam"))
    trainer.train(10)
    path = mlp.save(trainer, tmp_path / "good.npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("meta")))
    _inconsistent(arrays, meta, case)
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "edited.npz", **arrays)
    _refused(tmp_path / "edited.npz", "edited.npz")


def test_a_pipe_or_a_folder_is_refused_without_waiting(tmp_path) -> None:
    import os
    import threading

    fifo = tmp_path / "run.npz"
    os.mkfifo(fifo)
    outcome: list = []

    def load() -> None:
        try:
            mlp.load(fifo)
        except RunFileError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():  # release the reader that is stuck opening the pipe
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert outcome and "not a regular file" in outcome[0]
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    _refused(folder, "folder.npz", "folder")


# -- saves: atomic, and no debris whatever stops them ---------------------------------------


def test_a_save_that_fails_leaves_the_old_file_and_no_debris(tmp_path, monkeypatch) -> None:
    trainer = Trainer(CONFIGS[0])
    path = mlp.save(trainer, tmp_path / "run.npz")
    before = path.read_bytes()
    trainer.train(5)

    def interrupted(fh, **arrays) -> None:
        fh.write(b"half a run")
        raise KeyboardInterrupt  # a second Ctrl+C, or anything else, mid-write

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        mlp.save(trainer, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def test_a_killed_savers_temporary_file_is_cleared_by_the_next_save(tmp_path) -> None:
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = tmp_path / f".run.npz.{int(dead.stdout)}.k3j9x2.tmp"  # kill -9 mid-save
    orphan.write_bytes(b"x" * 1000)
    mlp.save(Trainer(CONFIGS[0]), tmp_path / "run.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def test_an_overwritten_run_keeps_its_permissions(tmp_path) -> None:
    import os

    path = mlp.save(Trainer(CONFIGS[0]), tmp_path / "run.npz")
    os.chmod(path, 0o640)
    mlp.save(Trainer(CONFIGS[0]), path)
    assert path.stat().st_mode & 0o777 == 0o640


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
