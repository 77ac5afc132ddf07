"""The app keeps its session on the way out when there is unsaved work, and offers it back."""

from __future__ import annotations

import time

import numpy as np

import mlp
from mlp import RunConfig, Trainer
from tests.pilot_waits import press_while_running
from tests.screen_text import screen_lines
from tui import session
from tui.app import BackpropApp
from tui.confine import ENV as RUNS_FOLDER_ENV
from tui.session import RunPlace, SessionSettings

SMALL = (80, 24)


async def _until(pilot, condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await pilot.pause(0.02)


def _kept_bytes() -> bytes | None:
    path = session.folder() / session.SETTINGS_FILE
    return path.read_bytes() if path.exists() else None


def _keep_a_session(**changes) -> Trainer:
    """A session as the app would keep it: momentum, mid-pass, on the Data tab."""
    trainer = Trainer(RunConfig(optimizer="momentum", lr=0.02, seed=4))
    trainer.train(25)
    for _ in range(4):
        trainer.next_substep()
    settings = dict(
        kept_at=time.time(),
        run=RunPlace.of(trainer),
        sample=7,
        tab="data-pane",
        speed=100,
        log_scale=False,
        truth=True,
    )
    session.keep(SessionSettings(**{**settings, **changes}), trainer)
    return trainer


async def test_q_with_unsaved_work_keeps_the_session_where_it_stood():
    app = BackpropApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("e", "e", "n", "n", "n", "down", "right", "minus")
        trainer = app.trainer
        assert _kept_bytes() is None
        started = time.perf_counter()
        await pilot.press("q")
        quit_seconds = time.perf_counter() - started
    assert app.return_code == 0
    kept = session.load()
    assert (kept.run.epoch, kept.run.cursor) == (2, 3) == (trainer.epoch, trainer.cursor)
    np.testing.assert_array_equal(kept.run.network.params, trainer.network.params)
    np.testing.assert_array_equal(kept.run.tape.values["Z2"], trainer.tape.values["Z2"])
    settings = kept.settings
    assert (settings.sample, settings.tab, settings.speed) == (4, "network-pane", 100)
    assert settings.lesson is None and not settings.resumed
    assert "backprop-lab --resume opens it again" in app.session.report()
    assert quit_seconds < 0.5  # keeping must not make quitting feel slow (loose: a busy CI)


async def test_q_with_nothing_unsaved_leaves_the_kept_session_alone():
    _keep_a_session()
    before = _kept_bytes()
    app = BackpropApp()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("n", "n", "p", "p", "r")  # there and back: the run is as it opened
        await pilot.press("q")
    assert _kept_bytes() == before and app.session.report() is None


async def test_a_run_saved_with_ctrl_s_is_not_unsaved_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = BackpropApp(offer_kept=True)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("e")
        assert app.session.prompt is None  # nothing kept, nothing offered
        for keys in (("escape",), ("enter",)):  # a cancelled save, then a real one
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: type(app.screen).__name__ == "SaveScreen")
            assert app.session.unsaved
            await pilot.press(*keys)
            await _until(pilot, lambda: app.screen is app.main)
        assert (tmp_path / "backprop-lab-run.npz").exists() and not app.session.unsaved
        await pilot.press("q")
    assert _kept_bytes() is None


async def test_the_start_screen_offers_a_kept_session_and_r_upper_resumes_it_bit_for_bit():
    reference = _keep_a_session()
    app = BackpropApp(offer_kept=True)
    async with app.run_test(size=SMALL) as pilot:
        await _until(pilot, lambda: app.session.prompt is not None)
        await pilot.pause()
        lines = screen_lines(app)
        offer = [line for line in lines if "kept" in line]
        # One line at 80x24, with the header, the status and the footer still on screen.
        assert len(offer) == 1 and "(epoch 25): R resumes it" in offer[0]
        assert any("epoch 0" in line for line in lines) and "Quit" in lines[-1]
        await pilot.press("R")
        await _until(pilot, lambda: app.trainer.epoch == 25)
        assert app.session.prompt is None
        np.testing.assert_array_equal(app.trainer.network.params, reference.network.params)
        assert app.trainer.cursor == reference.cursor == 4
        assert app.snapshot.sample == 7 and app.main.visible_tab == "data-pane"
        assert app.runner.speed == "100/s"
        assert app.main.query_one("LossPlot").log_scale is False
        assert app.main.query_one("BoundaryView").truth is True
        # And it carries on as the run itself would have.
        await pilot.press("e", "e")
        reference.train_epoch()
        reference.train_epoch()
        np.testing.assert_array_equal(app.trainer.network.params, reference.network.params)
    assert session.peek().resumed
    again = BackpropApp(offer_kept=True)
    async with again.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert again.session.prompt is None  # resumed once: no longer offered


async def test_any_other_key_dismisses_the_offer_and_r_upper_is_then_an_ordinary_key():
    _keep_a_session()
    app = BackpropApp(offer_kept=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: app.session.prompt is not None)
        await pilot.pause()
        assert any("press R to resume it, or go on to start afresh" in s for s in screen_lines(app))
        await pilot.press("right")
        assert app.session.prompt is None
        assert not any("kept" in line for line in screen_lines(app))
        await pilot.press("R")
        assert app.trainer.epoch == 0 and app.trainer.cursor == 0
    assert not session.peek().resumed


async def test_resume_restores_the_lesson_and_its_step():
    app = BackpropApp(lesson="forward-pass")
    async with app.run_test(size=SMALL) as pilot:
        await _until(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
        lesson = app.screen
        await pilot.press("n", "right_square_bracket", "n")
        assert lesson.index == 1 and lesson.trainer.cursor == 2
        await pilot.press("ctrl+q")
    kept = session.load()
    assert kept.settings.lesson.name == "forward-pass" and kept.settings.lesson.step == 1
    assert session.offer_text(kept.settings, 200).count("lesson forward-pass step 2") == 1

    resumed = BackpropApp(kept=kept)
    async with resumed.run_test(size=SMALL) as pilot:
        await _until(pilot, lambda: type(resumed.screen).__name__ == "LessonScreen")
        screen = resumed.screen
        await pilot.pause()
        assert screen.lesson.name == "forward-pass" and screen.index == 1
        assert screen.trainer.cursor == 2 and screen.reached == {0, 1}
        np.testing.assert_array_equal(screen.trainer.network.params, lesson.trainer.network.params)
        assert any("Step 2 of" in line for line in screen_lines(resumed))
        assert screen.check_state is True
        await pilot.press("escape")  # back to the lesson browser, as from any lesson
        assert type(resumed.screen).__name__ == "LessonBrowser"
        await pilot.press("escape")
        assert resumed.screen is resumed.main


async def test_under_serve_a_page_keeps_its_session_in_the_runs_folder(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    runs.mkdir()
    monkeypatch.setenv(RUNS_FOLDER_ENV, str(runs))
    _keep_a_session()
    before = _kept_bytes()
    app = BackpropApp(offer_kept=True)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert app.session.prompt is None  # the page never offers the user's own session
        await pilot.press("e", "e", "e", "q")
    (kept,) = runs.glob("session-*.npz")
    np.testing.assert_array_equal(mlp.load(kept).network.params, app.trainer.network.params)
    assert _kept_bytes() == before


async def test_a_lesson_training_in_its_thread_is_stopped_before_its_run_is_kept():
    app = BackpropApp(lesson="momentum")
    async with app.run_test(size=SMALL) as pilot:
        await _until(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
        lesson = app.screen
        await _until(pilot, lambda: lesson.check_state is not None)  # its first step is open
        # A network whose epochs take a while, so that t is still training when the app ends.
        lesson.trainer = Trainer(lesson.trainer.config.replace(hidden=(512, 512)))
        press_while_running(app, "space", " ")
        await _until(pilot, lambda: lesson.running and lesson.trainer.epoch > 0)
        await pilot.press("ctrl+q")
    assert not lesson.running
    kept = session.load()  # one state: the settings and the file agree
    assert kept.lesson_run.epoch == lesson.trainer.epoch < 500
    np.testing.assert_array_equal(kept.lesson_run.network.params, lesson.trainer.network.params)
