"""How fast the engine trains, against the lab's own template code.

Run: ``python bench/train_speed.py``. Not part of pytest. Times, median of 5:

* 10000 full-batch epochs of the lab default (2-32-32-1 sigmoid, lr 0.05, sse)
  on linear(100) and on XOR easy;
* per-sample SGD (batch size 1, shuffled) for 200 epochs of linear(100);

once with ``mlp.Trainer.train`` and once with the lab template as a student
writes it (``tests/lab_template.py``: np.random.normal weights, fresh arrays
on every line, the sigmoid recomputed inside its derivative). Prints µs/epoch
for both and the speed-up. Targets: 2.0x full batch, 1.5x per-sample.

Then the time to build a trainer (network, tape and all) by depth, 8 units a
layer: building must stay linear in depth (µs per layer about constant).

Both sides run single-threaded BLAS (set below, before numpy is imported):
the matrices are 100x32 at most, where extra threads only add overhead, and
that keeps the comparison fair on any machine.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the lab template the tests check mlp.lab against

from lab_template import LabTemplate  # noqa: E402

import mlp  # noqa: E402
from mlp import datasets  # noqa: E402
from mlp.budget import MAX_HIDDEN_LAYERS  # noqa: E402

REPEATS = 5
FULL_BATCH_EPOCHS = 10_000
PER_SAMPLE_EPOCHS = 200
TARGET_FULL, TARGET_SAMPLE = 2.0, 1.5


def lab_full_batch(x: np.ndarray, label: np.ndarray, epochs: int) -> float:
    np.random.seed(0)
    net = LabTemplate.drawn(lr=0.05)
    start = time.perf_counter()
    for _ in range(epochs):
        pred = net.forwardPass(x)
        net.computeMSELoss(pred, label)
        net.Backpropagation()
    return time.perf_counter() - start


def lab_per_sample(x: np.ndarray, label: np.ndarray, epochs: int) -> float:
    np.random.seed(0)
    net = LabTemplate.drawn(lr=0.05)
    start = time.perf_counter()
    for _ in range(epochs):
        for i in np.random.permutation(len(x)):
            pred = net.forwardPass(x[i : i + 1])
            net.computeMSELoss(pred, label[i : i + 1])
            net.Backpropagation()
    return time.perf_counter() - start


def engine(config: mlp.RunConfig, epochs: int) -> float:
    trainer = mlp.Trainer(config)
    start = time.perf_counter()
    result = trainer.train(epochs)
    elapsed = time.perf_counter() - start
    assert result.status == "completed", result
    return elapsed


def median_us_per_epoch(run: Callable[[], float], epochs: int) -> float:
    return statistics.median(run() for _ in range(REPEATS)) / epochs * 1e6


def compare(
    name: str, epochs: int, lab: Callable[[], float], ours: Callable[[], float], target: float
) -> bool:
    lab_us = median_us_per_epoch(lab, epochs)
    our_us = median_us_per_epoch(ours, epochs)
    ratio = lab_us / our_us
    verdict = "ok" if ratio >= target else f"MISSED (target {target:.1f}x)"
    print(
        f"{name:<34} lab template {lab_us:9.1f} µs/epoch   mlp {our_us:9.1f} µs/epoch   "
        f"{ratio:5.2f}x  {verdict}"
    )
    return ratio >= target


# Up to the deepest network a configuration may ask for (mlp.budget.MAX_HIDDEN_LAYERS).
BUILD_DEPTHS = (10, 25, 50, MAX_HIDDEN_LAYERS)


def build_times() -> None:
    """Seconds to build Trainer(hidden=(8,) * depth): linear in depth, so µs/layer is flat."""
    for depth in BUILD_DEPTHS:
        config = mlp.RunConfig(hidden=(8,) * depth, epochs=0)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            mlp.Trainer(config)
            times.append(time.perf_counter() - start)
        best = min(times)
        name = f"build, {depth} layers of 8"
        print(f"{name:<34} {best:9.3f} s   {best / depth * 1e6:8.0f} µs/layer")


def main() -> int:
    print(f"numpy {np.__version__}, median of {REPEATS} runs, single-threaded BLAS")
    linear = datasets.linear(100, 0)
    xor = datasets.xor_easy()
    lab_default = mlp.RunConfig()
    ok = compare(
        f"linear(100), full batch x{FULL_BATCH_EPOCHS}",
        FULL_BATCH_EPOCHS,
        lambda: lab_full_batch(linear.x, linear.label, FULL_BATCH_EPOCHS),
        lambda: engine(lab_default.replace(dataset="linear"), FULL_BATCH_EPOCHS),
        TARGET_FULL,
    )
    ok &= compare(
        f"XOR easy, full batch x{FULL_BATCH_EPOCHS}",
        FULL_BATCH_EPOCHS,
        lambda: lab_full_batch(xor.x, xor.label, FULL_BATCH_EPOCHS),
        lambda: engine(lab_default.replace(dataset="xor"), FULL_BATCH_EPOCHS),
        TARGET_FULL,
    )
    ok &= compare(
        f"linear(100), per-sample x{PER_SAMPLE_EPOCHS}",
        PER_SAMPLE_EPOCHS,
        lambda: lab_per_sample(linear.x, linear.label, PER_SAMPLE_EPOCHS),
        lambda: engine(lab_default.replace(dataset="linear", batch_size=1), PER_SAMPLE_EPOCHS),
        TARGET_SAMPLE,
    )
    build_times()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
