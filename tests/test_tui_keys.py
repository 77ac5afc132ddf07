"""One key map, keys that run in the order pressed, and a help that lists the keys of the screen
it was opened from (issue 9, item 16)."""

from __future__ import annotations

from screen_text import record_notifications, screen_lines
from textual import events

from tui import keymap
from tui.app import BackpropApp
from tui.screens.help import HelpScreen

SIZE = (120, 40)


async def test_n_then_space_in_one_instant_steps_then_runs():
    """Both keys in one read from the terminal: space used to run first, then n paused it."""
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(events.Key("n", "n"))
        app.post_message(events.Key("space", " "))
        await pilot.pause()
        assert app.running, "space after n must leave training running"
        await app.pause()
        assert app.trainer.epoch >= 1  # it trained on from the sub-step n took


async def test_b_when_the_backward_pass_is_done_says_so():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await pilot.press("f", "b")
        cursor = app.trainer.cursor
        await pilot.press("b")
        assert app.trainer.cursor == cursor
        assert any(note.startswith("The backward pass is done") for note in notes)


async def test_help_lists_every_key_of_the_trainer_screen():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = {binding.action for binding in help_screen.bindings}
        assert listed == {key.action for key in keymap.TRAINER_KEYS}
        shown = "\n".join(screen_lines(app))
        for key in keymap.TRAINER_KEYS:
            assert key.description[:30] in shown, key
        await pilot.press("escape")
        assert app.screen is app.main


async def test_help_on_a_lesson_lists_the_lessons_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = BackpropApp(lesson="forward-pass")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lesson = app.screen
        assert type(lesson).__name__ == "LessonScreen"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = {binding.key for binding in app.screen.bindings}
        assert "right_square_bracket" in keys and "app.epoch" not in keys
        await pilot.press("escape")
        assert app.screen is lesson


def test_the_footer_at_80_columns_keeps_the_keys_that_matter():
    footer = [k for k in keymap.TRAINER_KEYS if k.footer_width is not None and k.footer_width <= 80]
    width = sum(len(k.display or k.keys) + 1 + len(k.label) + 1 for k in footer)
    assert width <= 80
    assert {k.keys for k in footer} >= {"n", "space", "s", "l", "g", "question_mark", "q"}
