"""A Static that asks for a new layout only when its height changes.

``Static.update`` lays the whole screen out again on every call, which costs more than drawing
the panel itself; a panel whose text keeps its number of lines (most redraws: new numbers in
the same places) only needs repainting.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


class TextBlock(Static):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lines = -1

    def set_content(self, content: VisualType, lines: int) -> None:
        """Show ``content``, ``lines`` lines high (as the caller wrapped it)."""
        self.update(content, layout=lines != self._lines)
        self._lines = lines
