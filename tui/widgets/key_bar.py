"""The keys of a screen in one line of text, as Textual's compact Footer shows them.

Textual's Footer builds a widget per key and composes them all again whenever the bindings
change (three times while a screen opens): about 80 ms of a screen's opening on a busy machine,
a third of opening a lesson. This is one Static redrawn as text, reading the same bindings
(those the screen shows, a key dimmed while its action is unavailable), each key clickable.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
        /* A key is a link (click it to press it), drawn as the Footer draws its keys. */
        link-color: $footer-key-foreground;
        link-background: $footer-background;
        link-style: bold;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.update(self.markup())

    def markup(self) -> str:
        """`key label` for every binding the screen shows, in the order it binds them."""
        parts: list[str] = []
        seen: set[str] = set()
        for bound in self.screen.active_bindings.values():
            binding = bound.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = _escape(self.app.get_key_display(binding))
            label = _escape(binding.description)
            action = binding.action if "." in binding.action else f"screen.{binding.action}"
            if bound.enabled:
                parts.append(f"[@click={action}]{key}[/] {label}")
            else:
                parts.append(f"[dim]{key} {label}[/]")
        return " ".join(parts)


def _escape(text: str) -> str:
    """Text as Textual markup shows it literally: every ``[`` escaped, a lone one too (the
    markup's own escape leaves ``[`` alone unless a tag follows, and ``[`` then ``[/]`` is
    read as text, not as the link's end)."""
    return text.replace("[", "\\[")
