"""The app's kept session: the run, the view and the lesson position, to carry on next time.

When the app's terminal goes away (SIGHUP), when it is told to stop (SIGTERM), or on ``q`` with
unsaved work, the app keeps its session in the state folder's ``session/``:

- ``run.npz``: the run on the trainer screen, a normal run file (``backprop-lab --load`` reads it);
- ``lesson.npz``: the open lesson's own run, when a lesson is open;
- ``session.json``: what the run files do not hold: the selected sample, the tab, the speed, the
  loss curve's scale, the Data tab's digits, the sub-step within the pass, the lesson's name,
  step and the steps whose check has held, and when it was kept.

Each file is written atomically (:mod:`mlp.atomic`), ``session.json`` last. It repeats each
run's epoch and update count, so a session whose run files were written at another time than its
settings (a disk that filled up between two files) is refused, never resumed half right. The
session stays until a newer one replaces it; ``--resume`` may open it again and again, and the
start screen offers it until it has been resumed once.

Under ``serve`` nothing goes to the state folder: a page's session is kept as a run file in the
serve runs folder (:func:`serve_path`). Nothing here imports Textual.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from mlp.errors import InputError

from . import format as fmt
from . import state_folder

if TYPE_CHECKING:
    from mlp import Trainer

FORMAT = "backprop-lab-session"
VERSION = 1
RUN_FILE = "run.npz"
LESSON_FILE = "lesson.npz"
SETTINGS_FILE = "session.json"
MAX_BYTES = 64 * 1024  # a session.json larger than this is not ours


class SessionError(InputError):
    """No session to resume, or one that cannot be; the message is one sentence."""


@dataclass(frozen=True)
class RunPlace:
    """Where a kept run stood: what its file cannot say (the sub-step within the pass), and
    what it must agree with (its epoch and updates) to belong to this session."""

    epoch: int
    updates: int  # the optimizer's steps
    cursor: int  # sub-steps run in the current pass

    @classmethod
    def of(cls, trainer: Trainer) -> RunPlace:
        return cls(trainer.epoch, trainer.optimizer.steps, trainer.cursor)


@dataclass(frozen=True)
class LessonPlace:
    name: str
    step: int  # 0-based; the learner reads step + 1
    reached: tuple[int, ...]  # the steps whose check has held
    run: RunPlace


@dataclass(frozen=True)
class SessionSettings:
    """What the app keeps beside the run files."""

    kept_at: float  # seconds since the epoch
    run: RunPlace
    sample: int
    tab: str
    speed: int | None  # epochs per second, None: as fast as it goes
    log_scale: bool
    truth: bool
    lesson: LessonPlace | None = None
    resumed: bool = False  # opened once: the start screen no longer offers it

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": VERSION, **asdict(self)}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> SessionSettings:
        """ValueError (or KeyError, TypeError) for anything but what ``to_json`` writes."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a backprop-lab session")
        if data.get("version") != VERSION:
            raise ValueError(f"saved by session format version {data.get('version')}")
        lesson = data["lesson"]
        speed = data["speed"]
        return cls(
            kept_at=_number(data["kept_at"]),
            run=_run_place(data["run"]),
            sample=_whole(data["sample"]),
            tab=_text(data["tab"]),
            speed=None if speed is None else _whole(speed),
            log_scale=_flag(data["log_scale"]),
            truth=_flag(data["truth"]),
            lesson=None
            if lesson is None
            else LessonPlace(
                name=_text(lesson["name"]),
                step=_whole(lesson["step"]),
                reached=tuple(_whole(i) for i in lesson["reached"]),
                run=_run_place(lesson["run"]),
            ),
            resumed=_flag(data.get("resumed", False)),
        )


@dataclass
class KeptSession:
    """A session read back: its runs rebuilt where they stood, and its settings."""

    settings: SessionSettings
    run: Trainer
    lesson_run: Trainer | None = None


# -- where ------------------------------------------------------------------------------------


def folder() -> Path:
    """The state folder's ``session/`` (created; OSError if it cannot be)."""
    return state_folder.folder(state_folder.SESSION)


def _where() -> Path:
    """The session folder's path, without creating it (for reading)."""
    return state_folder.state_dir() / state_folder.SESSION


def serve_path(runs: Path, now: float | None = None) -> Path:
    """A page's session under ``serve``: a run file of its own in the runs folder."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return runs / f"session-{stamp}-{os.getpid()}.npz"


# -- writing ----------------------------------------------------------------------------------


def keep(settings: SessionSettings, run: Trainer, lesson_run: Trainer | None = None) -> Path:
    """Write the session (run files first, ``session.json`` last); OSError if it cannot be.

    A failure leaves every file as it was or whole: the session kept before stays readable
    unless its settings were replaced too, and a mixed one is refused on reading.
    """
    import mlp

    place = folder()
    mlp.save(run, place / RUN_FILE)
    if lesson_run is not None:
        mlp.save(lesson_run, place / LESSON_FILE)
    _write_settings(place / SETTINGS_FILE, settings)
    if lesson_run is None:
        with contextlib.suppress(OSError):
            (place / LESSON_FILE).unlink(missing_ok=True)
    return place


def mark_resumed(settings: SessionSettings) -> None:
    """Note in ``session.json`` that the session has been opened (best effort)."""
    with contextlib.suppress(OSError):
        _write_settings(_where() / SETTINGS_FILE, replace(settings, resumed=True))


def _write_settings(path: Path, settings: SessionSettings) -> None:
    from mlp.atomic import write_atomically

    text = settings.to_json().encode()

    def write(fh: BinaryIO) -> None:
        fh.write(text)

    write_atomically(path, write)


# -- reading ----------------------------------------------------------------------------------


def peek() -> SessionSettings | None:
    """The kept session's settings, or None if there is none that can be read (cheap: no
    run file is opened)."""
    with contextlib.suppress(SessionError):
        return _read_settings()
    return None


def _read_settings() -> SessionSettings:
    path = _where() / SETTINGS_FILE
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SessionError(f"{path} is not a backprop-lab session (too large)")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionError(
            "no session was kept to resume (one is kept when the app quits with unsaved work "
            "or loses its terminal)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionError(f"cannot read the kept session {path}: {_reason(exc)}") from None
    try:
        return SessionSettings.from_json(text)
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise SessionError(f"{path} is damaged and cannot be resumed ({_reason(exc)})") from None


def load() -> KeptSession:
    """The kept session, its runs at the sub-step where they stood; SessionError if there is
    none or it cannot be resumed."""
    import mlp

    settings = _read_settings()
    where = _where()
    run = _load_run(mlp, where / RUN_FILE, settings.run)
    lesson_run = None
    if settings.lesson is not None:
        lesson_run = _load_run(mlp, where / LESSON_FILE, settings.lesson.run)
    return KeptSession(settings, run, lesson_run)


def _load_run(mlp: Any, path: Path, place: RunPlace) -> Trainer:
    try:
        trainer = mlp.load(path)
    except mlp.RunFileError as exc:
        raise SessionError(f"the kept session cannot be resumed: {exc}") from None
    if (trainer.epoch, trainer.optimizer.steps) != (place.epoch, place.updates):
        raise SessionError(
            f"the kept session is incomplete ({path.name} was written at another time than "
            f"its settings); open its run alone with --load {path}"
        )
    # The file holds the start of the pass: run its sub-steps again up to where the learner
    # stood (the same weights and data, so the same numbers). Never past the update.
    if 0 < place.cursor < len(trainer.steps):
        for _ in range(place.cursor):
            trainer.next_substep()
    return trainer


# -- the start screen's line ------------------------------------------------------------------


def when(kept_at: float, now: float | None = None) -> str:
    """'14:02' today, '3 May 14:02' another day."""
    then, today = time.localtime(kept_at), time.localtime(now)
    clock = time.strftime("%H:%M", then)
    if then[:3] == today[:3]:
        return clock
    return f"{then.tm_mday} {time.strftime('%b', then)} {clock}"


def offer_text(settings: SessionSettings, width: int, now: float | None = None) -> str:
    """The start screen's one line about a kept session, as much of it as fits ``width``."""
    epoch = f"epoch {fmt.count(settings.run.epoch)}"
    lesson = settings.lesson
    levels = [epoch]
    if lesson is not None:
        step = f"lesson {lesson.name} step {lesson.step + 1}"
        levels = [f"{epoch}, {step}", step]
    stamp = when(settings.kept_at, now)
    candidates = []
    for details in levels:  # the most said that fits: every detail first, then fewer words
        candidates += [
            f"A session from {stamp} ({details}) was kept: press R to resume it, or go on to "
            "start afresh",
            f"A session from {stamp} ({details}) was kept: R resumes it, other keys start afresh",
            f"Session from {stamp} kept ({details}): R resumes it",
        ]
    candidates += [f"Session from {stamp} kept: R resumes it", "A session was kept: R resumes it"]
    return next((text for text in candidates if len(text) <= width), candidates[-1])


# -- reading the JSON strictly ----------------------------------------------------------------


def _run_place(data: Any) -> RunPlace:
    return RunPlace(_whole(data["epoch"]), _whole(data["updates"]), _whole(data["cursor"]))


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError(f"expected a short text, got {value!r:.40}")
    return value


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    text = str(exc) or type(exc).__name__
    return text if len(text) < 80 else text[:77] + "..."
