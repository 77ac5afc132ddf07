"""How long a learner waits for ``backprop-lab lesson NAME --headless``, lesson by lesson.

Run: ``python bench/lessons_speed.py [NAME ...]``. Not part of pytest. For each lesson:

- ``headless``: the whole command in a fresh process, as a learner runs it (Python start,
  the lesson's text, every claim over its seeds 0..9 with tables and plots, the exercises'
  answers), output thrown away: wall-clock seconds, and the CPU seconds the process used
  (which a busy machine inflates much less). The goal: under 10 s on 2 cores.
- ``runs``: the training alone, in this process with nothing trained yet
  (lessons.claims.train over every run the report needs), and how many runs that is.

Then the claims of every lesson over seeds 0..9 in one process, as the test suite checks
them (runs shared between lessons train once). BLAS threads are left as the user has them;
on a shared machine the times are noisy: run it twice.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lessons.claims import check_claims, claim_runs, forget, train  # noqa: E402
from lessons.loader import load_all  # noqa: E402
from tui.lesson_report import lesson_runs  # noqa: E402

GOAL = 10.0  # seconds for one lesson, headless, on 2 cores


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def headless(name: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``backprop-lab lesson NAME --headless``."""
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(
        [sys.executable, "-m", "tui", "lesson", name, "--headless"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start, _children_cpu() - cpu


def runs_alone(lesson) -> tuple[float, int]:
    forget()
    runs = lesson_runs(lesson)
    start = time.perf_counter()
    train(runs)
    return time.perf_counter() - start, len(set(runs))


def main(names: list[str]) -> int:
    lessons, errors = load_all()
    assert not errors, errors
    chosen = [lesson for lesson in lessons if not names or lesson.name in names]
    print(f"{'lesson':<26}{'headless':>10}{'cpu':>8}{'runs':>9}{'of':>6}")
    worst = 0.0
    for lesson in chosen:
        whole, cpu = headless(lesson.name)
        alone, count = runs_alone(lesson)
        worst = max(worst, whole)
        mark = "" if whole < GOAL else f"   over the {GOAL:.0f} s goal"
        print(f"{lesson.name:<26}{whole:>9.1f}s{cpu:>7.1f}s{alone:>8.1f}s{count:>6}{mark}")
    forget()
    start = time.perf_counter()
    train(
        run
        for lesson in chosen
        for claim in lesson.claims
        for run in claim_runs(lesson, claim, claim.seeds).values()
    )
    results = [result for lesson in chosen for result in check_claims(lesson)]
    together = time.perf_counter() - start
    held = sum(result.holds for result in results)
    print(f"every claim, seeds 0..9, one process: {together:.1f} s ({held}/{len(results)} hold)")
    print(f"slowest lesson headless: {worst:.1f} s (goal: under {GOAL:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
