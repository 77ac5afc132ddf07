"""ANSI colours that stay readable when ``NO_COLOR`` turns every colour into a grey.

Under ``NO_COLOR`` Textual draws each colour as the grey of its luminance. The dark ANSI theme's
red (244, 0, 95) becomes grey 59 on a background of 12: "✗ not yet" and "✗ diverged" all but
vanish, and a mark that is there only for a reader without colour is the one they cannot read.
Lifting the dark colours towards white before they turn grey keeps every mark readable; with
colour nothing changes.
"""

from __future__ import annotations

from rich.color_triplet import ColorTriplet
from rich.terminal_theme import TerminalTheme
from textual.color import Color

MIN_GREY = 150  # of 255: text at least this light reads on the dark theme's background
WHITE = Color(255, 255, 255)
# ANSI black and white (normal and bright) are left as they are: they are the ends of the scale.
KEPT = {0, 7, 8, 15}


def readable_as_grey(theme: TerminalTheme, floor: int = MIN_GREY) -> TerminalTheme:
    """``theme`` with every ANSI colour whose grey would be darker than ``floor`` blended
    towards white until it is not."""
    colours = [
        _lift(theme.ansi_colors[i], floor) if i not in KEPT else theme.ansi_colors[i]
        for i in range(16)
    ]
    return TerminalTheme(
        _rgb(theme.background_color),
        _rgb(theme.foreground_color),
        [_rgb(c) for c in colours[:8]],
        [_rgb(c) for c in colours[8:]],
    )


def _rgb(triplet: ColorTriplet) -> tuple[int, int, int]:
    return (triplet.red, triplet.green, triplet.blue)


def _lift(triplet: ColorTriplet, floor: int) -> ColorTriplet:
    colour = Color(*triplet)
    for step in range(21):
        mixed = colour.blend(WHITE, step / 20)
        if mixed.monochrome.r >= floor:
            return ColorTriplet(mixed.r, mixed.g, mixed.b)
    return ColorTriplet(255, 255, 255)
