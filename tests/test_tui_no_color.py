"""Under NO_COLOR every colour becomes a grey: the marks drawn in red or blue must stay readable
on the dark background, and with colour nothing changes."""

from __future__ import annotations

from textual.color import Color

from tui.app import BackpropApp
from tui.no_color import MIN_GREY, readable_as_grey


def _grey(triplet) -> int:
    return Color(*triplet).monochrome.r


async def test_without_colour_red_reads_as_a_light_grey(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = BackpropApp()
    async with app.run_test(size=(80, 24)):
        theme = app.ansi_theme
        assert all(_grey(theme.ansi_colors[i]) >= MIN_GREY for i in range(1, 7))
        assert _grey(theme.ansi_colors[1]) > 2 * 59  # red was grey 59 on a background of 12


async def test_with_colour_the_theme_is_textuals_own(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = BackpropApp()
    async with app.run_test(size=(80, 24)):
        assert tuple(app.ansi_theme.ansi_colors[1]) == (244, 0, 95)


def test_light_colours_are_left_alone_and_dark_ones_keep_their_hue() -> None:
    app = BackpropApp()
    before = app.ansi_theme_dark
    after = readable_as_grey(before)
    for i in range(16):
        if _grey(before.ansi_colors[i]) >= MIN_GREY or i in (0, 7, 8, 15):
            assert tuple(after.ansi_colors[i]) == tuple(before.ansi_colors[i])
    red = after.ansi_colors[1]
    assert red.red > red.blue > red.green  # still a red, only lighter
