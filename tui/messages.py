"""Messages that travel up: from the training thread and from widgets to the app.

The app and the screens set attributes on what they own (attributes down); widgets and the
training thread never call the app, they post one of these (messages up).
"""

from __future__ import annotations

from textual.message import Message

from mlp.labcheck import CheckResult

from .snapshot import Snapshot


class TrainerUpdated(Message):
    """A new snapshot from the training thread; a newer one replaces one not yet handled."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainerUpdated)


class SnapshotWanted(Message):
    """A view needs a fresh snapshot: it has just been laid out, or its decision grid changed.

    ``grid_resolution`` is the decision grid it needs (None: no grid on view).
    """

    def __init__(self, grid_resolution: int | None) -> None:
        super().__init__()
        self.grid_resolution = grid_resolution


class CheckProgress(Message):
    """Where the learner's code is while a check runs ("step 1 Backpropagation")."""

    def __init__(self, generation: int, where: str) -> None:
        super().__init__()
        self.generation = generation
        self.where = where


class CheckFinished(Message):
    """A check has ended: its result, or the sentence saying why it could not run."""

    def __init__(self, generation: int, outcome: CheckResult | str) -> None:
        super().__init__()
        self.generation = generation
        self.outcome = outcome


class LearnerFileChanged(Message):
    """The learner's file was saved (``present``), or has gone."""

    def __init__(self, present: bool) -> None:
        super().__init__()
        self.present = present
