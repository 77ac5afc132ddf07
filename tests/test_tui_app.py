"""The app driven by keys (Pilot): what a learner presses, compared with the engine itself."""

from __future__ import annotations

import re
import threading
import time

import numpy as np
import pytest
from pilot_waits import press_while_running, wait_until

import mlp
from mlp import RunConfig, Trainer
from tui.app import BackpropApp
from tui.screens.gradcheck import GradcheckScreen
from tui.screens.settings import SettingsScreen
from tui.widgets.boundary import BoundaryView
from tui.widgets.loss_plot import LossPlot

SIZE = (120, 40)


def stepped(k: int, config: RunConfig | None = None) -> Trainer:
    trainer = Trainer(config)
    for _ in range(k):
        trainer.next_substep()
    return trainer


def same_weights(a: Trainer, b: Trainer) -> bool:
    return np.array_equal(a.network.params, b.network.params)


def formulas(app: BackpropApp) -> str:
    return app.main.query_one("#formulas-side").plain


async def test_n_k_times_is_the_engines_substep_k():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        steps = len(app.trainer.steps)
        done = 0
        for k in (1, 5, steps - 1, steps, steps + 3):
            await pilot.press(*["n"] * (k - done))
            done = k
            reference = stepped(k)
            assert app.trainer.cursor == reference.cursor
            assert app.trainer.epoch == reference.epoch
            assert same_weights(app.trainer, reference)
            # The panel marks the sub-step just run.
            current = next(line for line in formulas(app).splitlines() if line.startswith("▶"))
            label = re.escape(reference.current_step.label)
            assert re.match(rf"▶ {label}[ :]", current)


def _result(line: str) -> str:
    return line.rsplit(" = ", 1)[1]


async def test_formula_numbers_are_the_tapes_for_the_selected_sample():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "f", "b")  # a whole pass but the update
        tape = app.trainer.tape.values
        sample = app.snapshot.sample
        assert f"sample {sample + 1}/21" in formulas(app)
        lines = {line[2:].split(" ", 1)[0]: line for line in formulas(app).splitlines()[1:]}
        # Scalars (the output layer): the whole number, 4 significant digits.
        for key, label in (("Z3", "Z3"), ("y", "y"), ("dL/dy", "∂L/∂y"), ("dL/dZ3", "∂L/∂Z3")):
            shown = float(_result(lines[label]))
            assert shown == pytest.approx(tape[key][sample, 0], rel=5e-4), key
        # ∂L/∂Z3 = ∂L/∂y · σ'(Z3): both operands of the product, as the engine has them.
        operands = lines["∂L/∂Z3"].split(" = ")[2].split(" · ")
        assert float(operands[0]) == pytest.approx(tape["dL/dy"][sample, 0], rel=5e-4)
        assert float(operands[1]) == pytest.approx(tape["dy/dZ3"][sample, 0], rel=5e-4)
        # A hidden layer: the first entries of the sample's row and its norm.
        z1 = re.match(r"‹32› \[(.*) …\] ‖(.*)‖", _result(lines["Z1"]))
        entries = [float(v) for v in z1.group(1).split()]
        np.testing.assert_allclose(entries, tape["Z1"][sample, :3], rtol=5e-4)
        assert float(z1.group(2)) == pytest.approx(np.linalg.norm(tape["Z1"][sample]), rel=5e-4)
        # A weight gradient: summed over the batch, shown as shape, entries and norm.
        dw2 = re.match(r"‹32×32› \[(.*) …\] ‖(.*)‖", _result(lines["∂L/∂W2"]))
        np.testing.assert_allclose(
            [float(v) for v in dw2.group(1).split()], tape["dL/dW2"].ravel()[:3], rtol=5e-4
        )
        assert float(dw2.group(2)) == pytest.approx(np.linalg.norm(tape["dL/dW2"]), rel=5e-4)
        # The update has not run: it is the next one, its tensors shown without numbers.
        assert lines["update:"].startswith("›")
        assert "W1' = W1 − lr * ∂L/∂W1" in formulas(app) and "‖W1'‖" not in formulas(app)


async def test_not_yet_computed_substeps_show_no_numbers():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        rows = formulas(app).splitlines()[1:]
        assert " = ‹32› [" in rows[1]  # Z1Act: computed
        assert rows[2].startswith("› ") and rows[2].count(" = ") == 1  # Z2: next, formula only
        assert all(row.count(" = ") == 1 for row in rows[3:-1])


async def test_p_steps_back_and_undoes_an_update():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        steps = len(app.trainer.steps)
        # A whole pass, the update run by n (f and b are n up to the loss and to the update).
        await pilot.press("f", "b", "n")
        assert app.trainer.cursor == stepped(steps).cursor and app.trainer.epoch == 1
        assert not same_weights(app.trainer, Trainer())
        await pilot.press("p")
        assert app.trainer.cursor == steps - 1 and app.trainer.epoch == 0
        assert same_weights(app.trainer, Trainer())
        await pilot.press("p", "p")
        assert app.trainer.cursor == steps - 3


async def test_f_b_and_e_run_a_forward_pass_a_backward_pass_and_an_epoch():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        keys = [s.key for s in app.trainer.steps]
        await pilot.press("f")
        assert app.trainer.current_step.key == "loss"
        await pilot.press("b")
        assert app.trainer.next_step.key == "update" and app.trainer.cursor == len(keys) - 1
        await pilot.press("e", "e")
        reference = Trainer()
        reference.train_epoch()
        reference.train_epoch()
        assert app.trainer.epoch == 2 and same_weights(app.trainer, reference)
        assert "epoch 2 " in str(app.main.query_one("#status").render())


async def test_space_runs_training_in_a_worker_and_space_pauses_it():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        press_while_running(app, "space", " ")

        def started() -> bool:  # the app says so and the worker's thread has begun
            return app.running and any(w.is_running for w in app.workers)

        await wait_until(pilot, started, running=True)
        assert [w.name for w in app.workers if w.is_running] == ["training"]
        await pilot.pause(0.4)
        await pilot.press("space")
        assert not app.running and not any(w.is_running for w in app.workers)
        epochs = app.trainer.epoch
        assert epochs > 0
        assert "paused" in str(app.main.query_one("#status").render())
        # Trained in the thread exactly as headless training would have.
        reference = Trainer()
        reference.train(epochs)
        assert same_weights(app.trainer, reference)
        assert app.snapshot.epoch == epochs


async def test_a_big_networks_epoch_runs_in_a_thread_and_keys_keep_their_order(monkeypatch):
    # An epoch of 2-1600-1600-1 takes about 70 ms here: on the UI thread the screen would freeze.
    on_ui_thread: list[bool] = []
    train_epoch = Trainer.train_epoch

    def recorded(trainer: Trainer) -> None:
        on_ui_thread.append(threading.current_thread() is threading.main_thread())
        train_epoch(trainer)

    monkeypatch.setattr(Trainer, "train_epoch", recorded)
    big = RunConfig(hidden=(1600, 1600))
    app = BackpropApp(big)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "e", "n")
        deadline = time.monotonic() + 60
        while app.running or app.trainer.cursor != 1:
            assert time.monotonic() < deadline, "the steps never finished"
            await pilot.pause()
        assert on_ui_thread == [False, False]
        reference = Trainer(big)
        reference.train(2)
        reference.next_substep()
        assert same_weights(app.trainer, reference) and app.trainer.epoch == 2
        assert app.snapshot.epoch == 2 and app.snapshot.cursor == 1
        # space pressed while a step runs (both keys in one instant): the step, then the run.
        press_while_running(app, "e")
        press_while_running(app, "space", " ")
        await wait_until(
            pilot, lambda: app.running and not app.runner.stepping, timeout=20, running=True
        )
        press_while_running(app, "space", " ")
        await wait_until(pilot, lambda: not app.running)
        assert app.trainer.epoch >= 3


async def test_stepping_while_running_pauses_first():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus", "plus")  # as fast as it goes
        press_while_running(app, "space", " ")
        await wait_until(pilot, lambda: app.running, running=True)
        await pilot.pause(0.2)
        await pilot.press("n")
        assert not app.running
        epochs = app.trainer.epoch
        reference = Trainer()
        reference.train(epochs)
        reference.next_substep()
        assert app.trainer.cursor == 1 and same_weights(app.trainer, reference)


async def test_speed_keys_change_the_speed_cap():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        status = app.main.query_one("#status")
        assert "speed 1,000/s" in str(status.render())
        await pilot.press("plus")
        assert app.runner.control.speed == 10000 and "speed 10,000/s" in str(status.render())
        await pilot.press("plus", "plus")
        assert app.runner.control.speed is None and "speed max" in str(status.render())
        await pilot.press("minus")
        assert app.runner.control.speed == 10000


async def test_r_resets_to_the_seed():
    app = BackpropApp(config=RunConfig(seed=3))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "e", "n")
        await pilot.press("r")
        fresh = Trainer(RunConfig(seed=3))
        assert app.trainer.epoch == 0 and app.trainer.cursor == 0
        assert same_weights(app.trainer, fresh)


async def test_up_down_select_the_sample_shown():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        first = app.snapshot.sample
        await pilot.press("down")
        assert app.snapshot.sample == first + 1
        await pilot.press("up", "up")
        assert app.snapshot.sample == first - 1
        x = app.trainer.dataset.x[first - 1]
        assert f"sample {first}/21 (↑/↓): x = [{x[0]:.4f}, {x[1]:.4f}]" in formulas(app)


async def _open_settings(pilot) -> SettingsScreen:
    await pilot.press("s")
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def _set(pilot, screen: SettingsScreen, field: str, value: str) -> None:
    screen.query_one(f"#{field}").value = value
    await pilot.pause()


async def test_settings_refuse_bad_values_in_place_and_apply_good_ones():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        trainer = app.trainer
        screen = await _open_settings(pilot)
        await _set(pilot, screen, "lr", "-1")
        await pilot.press("ctrl+s")
        error = str(screen.query_one("#settings-error").render())
        assert "learning rate must be a positive number" in error.lower()
        assert app.screen is screen
        await _set(pilot, screen, "lr", "fast")
        await pilot.press("ctrl+s")
        assert "must be a number" in str(screen.query_one("#settings-error").render())
        await _set(pilot, screen, "lr", "0.5")
        await pilot.press("ctrl+s")
        # Only the learning rate changed: applied live, same weights and epoch.
        assert app.screen is app.main
        assert app.trainer is trainer and app.trainer.optimizer.lr == 0.5
        screen = await _open_settings(pilot)
        await _set(pilot, screen, "hidden", "8")
        await _set(pilot, screen, "activations", "relu, sigmoid")
        await pilot.press("ctrl+s")
        assert app.trainer is not trainer
        assert app.trainer.network.sizes == (2, 8, 1)
        assert [a.name for a in app.trainer.network.activations] == ["relu", "sigmoid"]
        assert app.trainer.config.lr == 0.5
        assert "2 ─■W1─▶ 8 ReLU ─■W2─▶ 1 σ" in app.main.query_one("#network-side").plain


async def test_settings_escape_changes_nothing():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        trainer = app.trainer
        screen = await _open_settings(pilot)
        await _set(pilot, screen, "hidden", "4")
        await pilot.press("escape")
        assert app.screen is app.main and app.trainer is trainer


async def test_divergence_shows_a_banner_that_says_why_and_what_to_try():
    app = BackpropApp(config=RunConfig(activations=("none",), lr=1.0))
    async with app.run_test(size=SIZE) as pilot:
        banner = app.main.query_one("#banner")
        assert not banner.display
        await pilot.press("e", "e", "e")
        assert app.trainer.divergence is not None
        assert banner.display
        text = str(banner.render())
        assert app.trainer.divergence.reason in text
        assert "Press s" in text and "r to start again" in text
        await pilot.press("space")  # refused: training would only produce NaN
        assert not app.running
        await pilot.press("g")  # refused: finite differences of inf mean nothing
        assert app.screen is app.main


async def test_a_terminal_below_80x24_shows_a_note_instead():
    app = BackpropApp()
    async with app.run_test(size=(60, 20)) as pilot:
        note = app.main.query_one("#too-small")
        assert note.display and app.main.has_class("too-small")
        assert "needs 80x24, this one is 60x20" in str(note.render())
        assert not app.main.query_one("#body").display
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert not app.main.has_class("too-small")
        assert app.main.query_one("#body").display
        # 100 columns: Formulas is a tab of its own and shown first.
        assert app.main.has_class("narrow") and app.main.visible_tab == "formulas-pane"
        assert "Z1 = X ■ W1" in app.main.query_one("#formulas-tab").plain


async def test_g_shows_the_gradient_check_per_tensor():
    app = BackpropApp(config=RunConfig(hidden=(4,)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        screen = app.screen
        assert isinstance(screen, GradcheckScreen)
        table = screen.query_one("#gradcheck-table")
        assert table.row_count == 2  # W1, W2
        assert "PASS" in str(screen.query_one("#gradcheck-summary").render())
        await pilot.press("escape")
        assert app.screen is app.main


async def test_g_on_a_saturated_network_says_what_it_cannot_judge_not_fail():
    trainer = Trainer(RunConfig(lr=2.0))
    trainer.train(1000)  # saturated: gradients below the finite differences' rounding
    app = BackpropApp(trainer=trainer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        screen = app.screen
        assert isinstance(screen, GradcheckScreen)
        summary = str(screen.query_one("#gradcheck-summary").render())
        assert "FAIL" not in summary and "some too small to check" in summary
        assert "cannot tell right from wrong" in summary and "r resets it" in summary


async def test_ctrl_s_saves_the_run_where_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "ctrl+s")
        await pilot.press("enter")
        await pilot.pause()
        saved = tmp_path / "backprop-lab-run.npz"
        assert saved.exists() and app.screen is app.main
        loaded = mlp.load(saved)
        assert loaded.epoch == 1 and same_weights(loaded, app.trainer)
        # An unwritable path is refused in the dialog, the run kept.
        await pilot.press("ctrl+s")
        app.screen.query_one("#save-path").value = str(tmp_path / "missing" / "dir" / "x.npz")
        await pilot.press("enter")
        assert "Could not save" in str(app.screen.query_one("#save-error").render())


async def test_o_and_t_toggle_the_log_scale_and_truth():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        plot = app.main.query_one(LossPlot)
        boundary = app.main.query_one(BoundaryView)
        log, truth = plot.log_scale, boundary.truth
        await pilot.press("o", "t")
        assert plot.log_scale is not log and boundary.truth is not truth


async def test_left_right_switch_tabs_and_the_data_tab_draws_the_boundary():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        assert app.main.visible_tab == "loss-pane" and app.snapshot.grid is None
        await pilot.press("right")
        await pilot.pause()
        assert app.main.visible_tab == "data-pane"
        assert app.snapshot.grid is not None
        boundary = app.main.query_one(BoundaryView)
        assert "digits: the prediction" in boundary.picture.plain
        picture = boundary.picture.rows
        # Untrained, the network says 1 everywhere: every point shows its prediction, 1.
        assert picture[0][0] == "1" and picture[-1][0] == "1"
        await pilot.press("t")
        assert "digits: ground truth" in boundary.picture.plain
        picture = boundary.picture.rows
        # XOR easy's corners where they lie: (0, 1) top left is a 1, (0, 0) bottom left a 0.
        assert picture[0][0] == "1" and picture[-1][0] == "0"
        await pilot.press("right", "right")
        assert app.main.visible_tab == "loss-pane"


async def test_l_opens_the_lessons_and_q_quits():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        assert type(app.screen).__name__ == "LessonBrowser"
        await pilot.press("escape")
        assert app.screen is app.main
        await pilot.press("q")
    assert app.return_code == 0


async def test_layers_panel_marks_the_units_the_engine_counts_as_saturated():
    from mlp.introspect import layer_health

    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "f", "b")
        assert app.main.visible_tab == "layers-pane"
        lines = app.main.query_one("#layers").lines.plain.splitlines()
        health = layer_health(app.trainer.tape)
        assert any(h.saturated for h in health)
        for h in health:
            title = next(i for i, line in enumerate(lines) if line.startswith(f"Layer {h.layer} "))
            block = lines[title + 1 : title + 5]
            marks = next((line for line in block if set(line) <= {"s", " "} and "s" in line), "")
            assert marks.count("s") == h.saturated
            assert (f"{h.saturated} saturated (s)" in lines[title + 1]) == bool(h.saturated)


async def test_lesson_opens_over_the_trainer_and_others_can_follow_updates(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = BackpropApp(lesson="forward-pass")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "LessonScreen"
        await pilot.press("escape")  # a lesson's escape goes back to the lesson browser
        assert type(app.screen).__name__ == "LessonBrowser"
        await pilot.press("escape")
        assert app.screen is app.main
        seen = []
        app.trainer_updated.subscribe(app.main, seen.append)
        await pilot.press("n")
        assert seen and seen[-1] is app.snapshot and seen[-1].cursor == 1
