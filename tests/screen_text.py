"""What a learner sees: the lines of a running Textual app's screen, read from its screenshot.

Textual's SVG export positions runs of text instead of padding them with spaces, so runs on a
line are joined as they come; enough to ask "is this on screen, and where".
"""

from __future__ import annotations

import html
import re

from textual.app import App

TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>')


def screen_lines(app: App) -> list[str]:
    rows: dict[float, list[tuple[float, str]]] = {}
    for match in TEXT.finditer(app.export_screenshot()):
        x, y = float(match.group(1)), float(match.group(2))
        text = html.unescape(match.group(3)).replace("\xa0", " ")
        rows.setdefault(y, []).append((x, text))
    return ["".join(text for _x, text in sorted(runs)) for _y, runs in sorted(rows.items())]


def on_screen(app: App, text: str) -> bool:
    return any(text in line for line in screen_lines(app))


def record_notifications(app: App) -> list[str]:
    """Every message the app notifies from now on (toasts are not in the headless screenshot)."""
    messages: list[str] = []
    notify = app.notify

    def recording(message: str, *args, **kwargs) -> None:
        messages.append(message)
        notify(message, *args, **kwargs)

    app.notify = recording  # type: ignore[method-assign]
    return messages
