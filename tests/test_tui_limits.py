"""The app's settings refuse a network too big for memory with a message, before building
it (it crashed and lost the run), and keep the current run."""

from __future__ import annotations

from tui.app import BackpropApp
from tui.screens.settings import SettingsScreen

SIZE = (120, 40)


async def test_settings_refuse_a_network_too_big_for_memory_and_keep_the_run() -> None:
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        trainer = app.trainer
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#hidden").value = "100000, 10000"
        await pilot.pause()
        await pilot.press("ctrl+s")
        error = " ".join(str(screen.query_one("#settings-error").render()).split())
        assert "2-100000-10000-1 network needs about" in error and "more than the limit" in error
        assert app.screen is screen and app.trainer is trainer and trainer.epoch == 1
