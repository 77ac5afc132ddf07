"""Opening the app's other screens: settings, gradient check, save, lessons and help.

Each function takes the app, which has already paused training (the dialogs read or replace
the trainer); none of them draws anything itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import mlp
from mlp.gradcheck import check

from . import confine
from .screens.gradcheck import GradcheckScreen
from .screens.help import HelpScreen, screen_bindings
from .screens.save import DEFAULT_PATH, SaveScreen
from .screens.settings import SettingsScreen

SETTINGS = "settings"

if TYPE_CHECKING:
    from .app import BackpropApp


def open_settings(app: BackpropApp) -> None:
    # One settings screen, kept between openings: building its form is the slow part.
    if not app.is_screen_installed(SETTINGS):
        app.install_screen(SettingsScreen(app.trainer.config, apply=app.load_config), SETTINGS)
    screen = app.get_screen(SETTINGS)
    assert isinstance(screen, SettingsScreen)
    screen.load(app.trainer.config)
    app.push_screen(screen)


def open_gradcheck(app: BackpropApp) -> None:
    trainer = app.trainer
    if trainer.divergence is not None or not np.isfinite(trainer.network.params).all():
        # Finite differences of overflowing values mean nothing (NaN even compares "equal").
        app.notify(
            "Training has diverged, so finite differences mean nothing here: reset (r) or "
            "change the settings before a gradient check.",
            severity="warning",
        )
        return
    rows = trainer.batch_indices
    x, label = trainer.dataset.x[rows], trainer.dataset.label[rows]
    result = check(trainer.network, trainer.loss, x, label)
    app.push_screen(GradcheckScreen(result, len(rows)))


def open_save(app: BackpropApp) -> None:
    def saved(path: Path | None) -> None:
        if path is not None:
            app.session.saved()  # nothing unsaved to keep on quitting
            app.notify(f"Saved the run to {path}")

    # Under `serve`, confine.save_target keeps saves inside the runs folder.
    def save(path: str) -> Path:
        return mlp.save(app.trainer, confine.save_target(path))

    app.push_screen(SaveScreen(save, DEFAULT_PATH), saved)


def open_lessons(app: BackpropApp) -> None:
    # Imported here: the lessons load their files only when the learner asks for them.
    from .screens.lessons import LessonBrowser

    app.push_screen(LessonBrowser())


def open_lesson(app: BackpropApp, name: str) -> None:
    from .screens.lesson import LessonScreen

    try:
        screen = LessonScreen(name)
    except Exception as exc:  # noqa: BLE001 - a broken lesson must not take the app down
        app.notify(f"Could not open the lesson {name!r}: {exc}", severity="error")
        return
    app.push_screen(screen)


def open_help(app: BackpropApp) -> None:
    app.push_screen(HelpScreen(screen_bindings(app.screen)))
