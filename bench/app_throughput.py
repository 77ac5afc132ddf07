"""Epochs per second of continuous training inside the app against ``Trainer.train`` headless.

The app trains in a worker thread and redraws at most ~15 times a second; the UI thread's
work takes the GIL from training, so this measures what that costs. It runs the app
headless (Textual's Pilot, 120x40, full speed) for ``--seconds`` on each tab and compares
with the bare engine over the same time. Target: the app at 70% of headless or better.
It also times a key press while training runs, to the redraw that shows it (target < 100 ms).

    python bench/app_throughput.py [--seconds 5] [--hidden 32 32] [--dataset xor]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from textual import events

from mlp import RunConfig, Trainer
from tui.app import BackpropApp
from tui.training_worker import SPEEDS

TABS = ("loss-pane", "data-pane", "layers-pane")


def headless(config: RunConfig, seconds: float) -> float:
    trainer = Trainer(config)
    trainer.train(200)  # warm up caches and numpy
    start, first = time.perf_counter(), trainer.epoch
    deadline = start + seconds
    trainer.train(10**12, should_stop=lambda: time.perf_counter() >= deadline)
    return (trainer.epoch - first) / (time.perf_counter() - start)


async def in_app(config: RunConfig, seconds: float, tab: str) -> float:
    app = BackpropApp(config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.query_one("#tabs").active = tab
        app.runner.change_speed(len(SPEEDS))  # as fast as it goes
        await pilot.pause()
        app.trainer.train(200)
        app.start()
        await asyncio.sleep(0.3)  # let the thread get going before the clock starts
        first, start = app.snapshot.epoch, time.perf_counter()
        await asyncio.sleep(seconds)
        # Read the count the thread last published: the UI thread never reads the live trainer.
        epochs = app.snapshot.epoch - first
        elapsed = time.perf_counter() - start
        await app.pause()
    return epochs / elapsed


async def key_latency(config: RunConfig, presses: int = 20) -> list[float]:
    """Milliseconds from a key press (down: next sample) to a redraw showing it, at full speed."""
    app = BackpropApp(config=config)
    latencies = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.query_one("#tabs").active = "data-pane"
        app.runner.change_speed(len(SPEEDS))
        await pilot.pause()
        app.start()
        await asyncio.sleep(0.3)
        for _ in range(presses):
            before = app.snapshot.sample
            start = time.perf_counter()
            app.screen.post_message(events.Key("down", None))
            while app.snapshot.sample == before:
                await asyncio.sleep(0.001)
            latencies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.05)
        await app.pause()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--dataset", default="xor")
    parser.add_argument("--hidden", type=int, nargs="+", default=[32, 32])
    args = parser.parse_args()
    config = RunConfig(dataset=args.dataset, hidden=tuple(args.hidden))
    print(f"{config.describe()} on {config.dataset}, {args.seconds:g} s each")
    base = headless(config, args.seconds)
    print(f"  headless Trainer.train : {base:10,.0f} epochs/s")
    for tab in TABS:
        rate = asyncio.run(in_app(config, args.seconds, tab))
        name = tab.removesuffix("-pane")
        share = rate / base
        print(f"  app, {name:<6} tab showing: {rate:10,.0f} epochs/s  ({share:.0%} of headless)")
    latencies = sorted(asyncio.run(key_latency(config)))
    median, worst = latencies[len(latencies) // 2], latencies[-1]
    print(f"  key press to redraw while training: median {median:.0f} ms, worst {worst:.0f} ms")


if __name__ == "__main__":
    main()
