"""How fast the command line answers: ``train --help``, and a stop after a signal.

Run: ``python bench/cli_latency.py``. Not part of pytest. Prints, median of 7 runs, the wall
time of ``backprop-lab train --help`` and of ``python -c pass`` (the floor: the interpreter
itself); then, for the lab default and a 2-3000-3000-1 network, the time from SIGINT to the
process's exit, which includes stopping at the end of the epoch, the final save (72 MB for
the large one) and the report. Goals: help under 0.2 s; training stopped within 0.5 s of the
signal. Timings on a machine shared with other work are noisy.
"""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 7


def wall(argv: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def stop_latency(hidden: str) -> tuple[float, int]:
    """Seconds from SIGINT to the process's exit (stop, final save, report), and the epoch."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.npz"
        argv = [sys.executable, "-m", "tui", "train", "--hidden", hidden, "--json"]
        argv += ["--epochs", "100000000", "--save", str(path), "--checkpoint-every", "2"]
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        while not path.exists():  # the first checkpoint: training runs
            time.sleep(0.01)
        time.sleep(1.0)
        sent = time.perf_counter()
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=600)
        exited = time.perf_counter() - sent
    document = json.loads(out)
    assert document["status"] == "stopped"
    return exited, document["epoch"]


def main() -> None:
    floor = wall([sys.executable, "-c", "pass"])
    help_time = wall([sys.executable, "-m", "tui", "train", "--help"])
    print(f"python -c pass        {floor * 1000:6.0f} ms")
    print(f"train --help          {help_time * 1000:6.0f} ms   (goal: under 200 ms)")
    for hidden in ("32,32", "3000,3000"):
        exited, epoch = stop_latency(hidden)
        name = f"2-{hidden.replace(',', '-')}-1"
        print(f"SIGINT to exit, {name:12} {exited:5.2f} s (stopped at epoch {epoch:,})")


if __name__ == "__main__":
    main()
