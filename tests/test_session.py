"""The kept session on disk (tui.session) and the refusals of `backprop-lab --resume`."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

import mlp
from mlp import RunConfig, Trainer
from tui import session
from tui.cli import main
from tui.session import LessonPlace, RunPlace, SessionSettings


def _settings(trainer: Trainer, **changes) -> SessionSettings:
    values = dict(
        kept_at=time.time(),
        run=RunPlace.of(trainer),
        sample=5,
        tab="data-pane",
        speed=100,
        log_scale=False,
        truth=True,
    )
    return SessionSettings(**{**values, **changes})


def _stepped(epochs: int, substeps: int, config: RunConfig | None = None) -> Trainer:
    trainer = Trainer(config)
    trainer.train(epochs)
    for _ in range(substeps):
        trainer.next_substep()
    return trainer


def test_a_kept_session_comes_back_at_its_sub_step_and_trains_on_bit_for_bit():
    config = RunConfig(dataset="circle", n=60, optimizer="adam", lr=0.01, batch_size=16)
    trainer = _stepped(7, 5, config)
    assert 0 < trainer.cursor < len(trainer.steps)
    session.keep(_settings(trainer), trainer)

    kept = session.load()
    assert kept.run.cursor == trainer.cursor and kept.run.epoch == trainer.epoch
    for key in ("Z1", "Z1Act", "Z2"):  # the pass's values, recomputed where the learner stood
        np.testing.assert_array_equal(kept.run.tape.values[key], trainer.tape.values[key])
    for run in (trainer, kept.run):
        run.train(3)
    np.testing.assert_array_equal(kept.run.network.params, trainer.network.params)
    assert kept.settings == _settings(
        trainer, kept_at=kept.settings.kept_at, run=RunPlace(7, 7 * 4, 5)
    )


def test_a_session_is_refused_when_its_settings_and_run_were_written_at_different_times():
    early, late = _stepped(2, 0), _stepped(5, 0)
    session.keep(_settings(early), early)
    mlp.save(late, session.folder() / session.RUN_FILE)  # a newer run beside older settings
    with pytest.raises(session.SessionError, match="incomplete .* --load"):
        session.load()


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", '{"format": "backprop-lab-session", "version": 99}', '{"format": "x"}'],
)
def test_a_damaged_session_json_is_one_sentence_and_never_offered(text):
    trainer = Trainer()
    session.keep(_settings(trainer), trainer)
    (session.folder() / session.SETTINGS_FILE).write_text(text)
    assert session.peek() is None
    with pytest.raises(session.SessionError, match="damaged and cannot be resumed"):
        session.load()


@pytest.mark.parametrize(
    ("field", "value"), [("sample", -1), ("speed", "fast"), ("truth", 1), ("tab", None)]
)
def test_session_json_values_of_the_wrong_kind_are_refused(field, value):
    trainer = Trainer()
    session.keep(_settings(trainer), trainer)
    path = session.folder() / session.SETTINGS_FILE
    data = json.loads(path.read_text())
    data[field] = value
    path.write_text(json.dumps(data))
    with pytest.raises(session.SessionError):
        session.load()


def test_the_offer_says_as_much_as_fits_on_one_line():
    now = time.mktime((2025, 5, 3, 14, 2, 0, 0, 0, -1))
    lesson = LessonPlace("momentum", 1, (0,), RunPlace(0, 0, 0))
    settings = _settings(Trainer(), kept_at=now, run=RunPlace(3120, 3120, 0), lesson=lesson)
    wide = session.offer_text(settings, 200, now=now)
    assert wide == (
        "A session from 14:02 (epoch 3,120, lesson momentum step 2) was kept: press R to "
        "resume it, or go on to start afresh"
    )
    for width in range(32, 200):  # the app is at least 80 columns wide; below, a note
        text = session.offer_text(settings, width, now=now)
        assert len(text) <= width and ("R resumes it" in text or "R to resume it" in text)
    assert "epoch 3,120, lesson momentum step 2" in session.offer_text(settings, 78, now=now)
    assert session.when(now, now=now + 3 * 86400) == "3 May 14:02"


def test_resume_with_nothing_kept_says_so_in_one_sentence(capsys):
    assert main(["--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("backprop-lab: no session was kept to resume") and err.count("\n") == 1


@pytest.mark.parametrize("extra", [["--lr", "0.1"], ["--load", "run.npz"], ["--seed", "3"]])
def test_resume_with_other_run_options_is_refused(extra, capsys):
    trainer = Trainer()
    session.keep(_settings(trainer), trainer)
    assert main(["--resume", *extra]) == 2
    err = capsys.readouterr().err
    assert "--resume opens the kept session as it was" in err and err.count("\n") == 1
