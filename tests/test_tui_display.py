"""The app as a learner sees it (Pilot): it never crashes, its numbers come from one batch,
its status agrees with itself, and 80x24 shows everything that matters (issue 9)."""

from __future__ import annotations

import re

from screen_text import on_screen, screen_lines

from mlp import RunConfig
from tui import format as fmt
from tui.app import BackpropApp
from tui.widgets.formulas import FormulasPanel
from tui.widgets.loss_plot import LossPlot

SMALL = (80, 24)


async def test_resizing_with_every_tab_open_never_crashes():
    """plotext's build changed the plotted values in place: a second render took log twice."""
    app = BackpropApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("e")
        assert app.main.query_one(LossPlot).log_scale
        for _tab in range(5):  # every tab of the narrow layout, each on view while resized
            await pilot.press("right")
            await pilot.resize_terminal(SMALL[0] + 1, SMALL[1] + 1)
            await pilot.pause()
        await pilot.press("right", "right")  # Formulas, Network, Loss
        assert app.main.visible_tab == "loss-pane"
        await pilot.resize_terminal(160, 50)  # wide: the Loss tab stays on view
        await pilot.pause()
        assert app.is_running and on_screen(app, "epoch 1")


def _header(app: BackpropApp) -> str:
    panel = app.main.query_one("#formulas-tab", FormulasPanel)
    return panel.plain.splitlines()[0]


async def test_the_formulas_header_and_numbers_come_from_one_batch():
    """Mini-batches: after a pass, the header showed the next batch's x while the numbers below
    were the last batch's (issue 9, item 2)."""
    app = BackpropApp(config=RunConfig(dataset="linear", batch_size=7))
    async with app.run_test(size=SMALL) as pilot:
        trainer = app.trainer
        steps = len(trainer.steps)
        batches = trainer.batches_per_epoch
        assert batches == 15
        started = 1  # passes started so far: the tape holds the latest one's batch
        for key in ("n", "f", "b", "n", "n", "f", "b", "n", "n", "e", "n"):
            was_done = trainer.cursor == steps
            await pilot.press(key)  # sub-steps, whole passes and an epoch, across boundaries
            if key == "e":
                started = trainer.epoch * batches  # the epoch ran to its last batch
            elif was_done:
                started += 1
            sample = app.snapshot.sample
            x = trainer.tape.values["X"][sample]
            label = int(trainer.tape.values["label"][sample, 0])
            header = _header(app)
            assert f"x = [{fmt.number(x[0])}, {fmt.number(x[1])}], label {label}" in header
            assert f"batch {(started - 1) % batches + 1}/{batches}" in header, (key, header)
            if trainer.cursor > trainer.tape.index("y"):
                y_line = next(
                    line
                    for line in app.main.query_one("#formulas-tab").plain.splitlines()
                    if line[2:].startswith("y = ")
                )
                assert y_line.endswith(f"= {fmt.number(trainer.tape.values['y'][sample, 0])}")
        assert started == batches + 1


async def test_the_divergence_banner_and_the_status_agree_on_the_epoch():
    app = BackpropApp(config=RunConfig(activations=("none",), lr=1.0))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e", "e", "e", "e")
        divergence = app.trainer.divergence
        assert divergence is not None
        banner = str(app.main.query_one("#banner").render())
        status = str(app.main.query_one("#status").render())
        done = app.trainer.epoch
        assert f"diverged in epoch {divergence.epoch}" in banner
        assert f"diverged in epoch {divergence.epoch}" in status
        assert f"({done} complete)" in banner and f"epoch {done} " in status


async def test_after_an_epoch_the_status_is_the_current_weights_and_layers_say_max_0():
    """After e, the status's loss is the updated weights' (0.5075), not the epoch's from
    before its update (0.5104). XOR easy's (0, 0) with no biases has Z1 = 0: max|Z1| 0."""
    app = BackpropApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        now = fmt.number(app.trainer.evaluate().loss)
        status = str(app.main.query_one("#status").render())
        assert f"loss now {now}" in status
        assert now != fmt.number(app.trainer.last_loss)  # the epoch's loss, before its update
        await pilot.press("right", "right", "f", "up", "up", "up")
        assert app.snapshot.sample == 0 and not app.trainer.tape.values["Z1"][0].any()
        lines = app.main.query_one("#layers").lines.plain.splitlines()
        title = next(line for line in lines if line.startswith("Layer 1 "))
        assert title.endswith("max|Z1| 0"), title


async def test_at_80x24_the_title_status_keys_and_sample_header_are_all_on_screen():
    app = BackpropApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(*["n"] * 12)
        lines = screen_lines(app)
        assert "backprop-lab — 2-32-32-1 sigmoid, gd lr 0.05, sse" in lines[0]
        assert lines[1].startswith("❚❚ paused · epoch 0 · loss now")  # one line, not wrapped
        assert "accuracy" in lines[1] and "accuracy" not in lines[2]
        footer = lines[-1]
        for key in ("n Next", "e Epoch", "space Run", "s Settings", "g Gradcheck", "l Lessons"):
            assert key in footer, footer
        assert "? Help" in footer and "q Quit" in footer
        # Twelve sub-steps down the list scrolled, the sample header is still in view.
        assert any(line.startswith("sample 4/21 (↑/↓)") for line in lines)
        assert not any(line.lstrip("▶› ").startswith("Z1 = ") for line in lines)  # scrolled


async def test_a_wide_terminal_footer_shows_more_keys():
    app = BackpropApp()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        footer = screen_lines(app)[-1]
        assert all(key in footer for key in ("f Fwd", "b Bwd", "r Reset", "+ Faster"))


async def test_the_data_tab_reads_without_colour():
    """The boundary's shading and its legend are glyphs, so colour adds but never carries it."""
    app = BackpropApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*["e"] * 3, "right")
        await pilot.pause()
        picture = app.main.query_one("#boundary").picture
        rows = [line for line in picture.plain.splitlines() if not re.search(r"[a-z]", line)]
        glyphs = set("".join(rows)) - set("01")
        assert len(rows) > 10 and glyphs and glyphs <= set(" ·░▒▓█"), glyphs
        assert re.search(r'" ·░" below 0\.5', picture.plain)
        assert re.search(r'"▒▓█" above 0\.5', picture.plain)
