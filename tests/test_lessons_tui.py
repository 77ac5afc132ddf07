"""Walk a lesson end to end in the app's lesson screen, driving it with keys (Pilot)."""

import pytest
from textual.app import App

from lessons import progress
from lessons.loader import find
from tui.screens.lesson import LessonScreen
from tui.screens.lessons import LessonBrowser


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


class Host(App):
    def __init__(self, screen_factory):
        super().__init__()
        self.screen_factory = screen_factory

    def on_mount(self) -> None:
        self.push_screen(self.screen_factory())


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_forward_pass_lesson_walks_through_its_checks_to_done():
    app = Host(lambda: LessonScreen("forward-pass"))
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        steps = find("forward-pass").steps
        assert screen.index == 0 and screen.check_state is False
        # The check blocks moving on until it holds.
        await pilot.press("right_square_bracket")
        assert screen.index == 0
        # Z1, Z1Act, then three sub-steps to Z3, then y: one press each.
        presses_per_step = [1, 1, 3, 1]
        for index, presses in enumerate(presses_per_step):
            assert screen.index == index
            await pilot.press(*["n"] * presses)
            assert screen.check_state is True, steps[index].check.text
            await pilot.press("right_square_bracket")
        # A check that held once stays reached when the learner steps past its target.
        await pilot.press("left_square_bracket", "n")
        assert screen.index == 3 and screen.check_state is False
        assert "reached earlier" in str(screen.query_one("#lesson-status").render())
        await pilot.press("right_square_bracket")
        assert screen.index == 4 and screen.last_step
        assert screen.check_state is False and not progress.is_done("forward-pass")
        await pilot.press("r")  # train until every point is classified
        await settle(pilot)
        assert screen.trainer.evaluate().accuracy == 1.0
        assert screen.check_state is True
        assert progress.is_done("forward-pass")


async def test_a_step_config_change_is_applied_when_it_opens():
    lesson = find("learning-rates")
    app = Host(lambda: LessonScreen(lesson))
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        assert screen.trainer.config.lr == 0.005  # step 1 sets lr 0.005
        for _ in range(6):
            await pilot.press("t")
            await settle(pilot)
        assert screen.trainer.epoch >= 3000 and screen.check_state is True
        await pilot.press("right_square_bracket")
        assert screen.trainer.config.lr == 2.0
        await pilot.press("left_square_bracket")
        assert screen.index == 0 and screen.trainer.config.lr == 0.005


async def test_browser_lists_lessons_shows_done_and_opens_one():
    progress.mark_done("xor")
    app = Host(LessonBrowser)
    async with app.run_test(size=(120, 50)) as pilot:
        browser = app.screen
        options = browser.query_one("#lesson-list")
        assert options.option_count == len(browser.lessons) >= 12
        xor_prompt = options.get_option("xor").prompt.plain
        assert xor_prompt.startswith("✓") and "XOR" in xor_prompt
        assert not options.get_option("relu").prompt.plain.startswith("✓")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.name == browser.lessons[0].name
        await pilot.press("escape")
        assert app.screen is browser


NEVER = """\
+++
title = "Never"
summary = "A check that cannot hold."
order = 99
[config]
dataset = "linear"
hidden = [128, 128]
+++
## Run forever
```toml
check = "accuracy > 2"
```
"""


async def test_closing_a_lesson_stops_its_training(tmp_path):
    from lessons.loader import parse_lesson

    lesson = parse_lesson(NEVER, tmp_path / "never.md")
    app = Host(lambda: LessonScreen(lesson))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("r")
        await pilot.pause(0.3)
        assert screen.training
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.training
        assert 0 < screen.trainer.epoch < 20000
