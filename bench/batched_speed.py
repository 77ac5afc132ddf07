"""How much stacking saves ``backprop-lab compare``: K runs as one computation against K runs
one after another.

Run: ``python bench/batched_speed.py``. Not part of pytest. Times, median of 3, the lab
default on XOR easy for 2000 epochs: ten learning rates (0.5 ... 0.005), five seeds, and
ten learning rates of a 2-8-8-1 network, with ``mlp.batched.train_many`` (stacked) and with
ten ``Trainer.train`` calls. Prints seconds and the ratio. Single-threaded BLAS on both sides.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlp import RunConfig, Trainer  # noqa: E402
from mlp.batched import train_many  # noqa: E402

EPOCHS = 2000
REPEATS = 3


def stacked(configs: list[RunConfig]) -> float:
    start = time.perf_counter()
    outcomes = train_many(configs, EPOCHS)
    assert all(o.stacked for o in outcomes)
    return time.perf_counter() - start


def one_by_one(configs: list[RunConfig]) -> float:
    start = time.perf_counter()
    for config in configs:
        Trainer(config).train(EPOCHS)
    return time.perf_counter() - start


def report(name: str, configs: list[RunConfig]) -> None:
    together = statistics.median(stacked(configs) for _ in range(REPEATS))
    apart = statistics.median(one_by_one(configs) for _ in range(REPEATS))
    print(
        f"{name:<34} stacked {together:6.3f} s   one by one {apart:6.3f} s   "
        f"{apart / together:5.2f}x"
    )


def main() -> int:
    print(f"{EPOCHS} epochs each, median of {REPEATS}, single-threaded BLAS")
    rates = [float(lr) for lr in np.geomspace(0.5, 0.005, 10)]
    report("10 learning rates, 2-32-32-1", [RunConfig(lr=lr) for lr in rates])
    report("5 seeds, 2-32-32-1", [RunConfig(seed=seed) for seed in range(5)])
    report("10 learning rates, 2-8-8-1", [RunConfig(hidden=(8, 8), lr=lr) for lr in rates])
    report(
        "10 learning rates, 2-32-32-1 linear",
        [RunConfig(dataset="linear", lr=lr) for lr in rates],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
