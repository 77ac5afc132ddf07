"""Messages that travel up: from the training thread and from widgets to the app.

The app and the screens set attributes on what they own (attributes down); widgets and the
training thread never call the app, they post one of these (messages up).
"""

from __future__ import annotations

from textual.message import Message

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
