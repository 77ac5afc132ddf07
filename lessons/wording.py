"""Text about a lesson built once, as plain data, for the app and the headless report alike.

Settings read as a learner writes them (``activations none/none/sigmoid; hidden 16, 16;
lr 5e-06``), never as a Python list or tuple, and a step's instructions are a few labelled
lines ("Settings", "Do", "Done when") that each view styles its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .model import LessonStep

# The words a learner knows a setting by, where the field name is not that word.
_LABELS = {"n": "points", "batch_size": "batch size", "target_loss": "target loss"}


def setting_value(value: Any) -> str:
    """One setting's value as typed: ``5e-06``, ``0.05``, ``16, 16``, ``none/none/sigmoid``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    if isinstance(value, (list, tuple)):
        parts = [setting_value(v) for v in value]
        return "/".join(parts) if all(isinstance(v, str) for v in value) else ", ".join(parts)
    return str(value)


def setting(key: str, value: Any) -> str:
    """``lr 5e-06``, ``hidden 16, 16``, ``activations none/none/sigmoid``."""
    return f"{_LABELS.get(key, key)} {setting_value(value)}"


def settings_text(changes: Mapping[str, Any]) -> str:
    """Several settings, ``; ``-separated (a comma already separates layer sizes)."""
    return "; ".join(setting(key, value) for key, value in changes.items())


@dataclass(frozen=True)
class StepLine:
    """One labelled line of a step's instructions: ``kind`` is "settings", "do" or "check"."""

    kind: str
    label: str
    text: str

    def __str__(self) -> str:
        return f"{self.label}: {self.text}"


def step_lines(step: LessonStep) -> list[StepLine]:
    """What the learner is told to do in ``step``, line by line: its settings, its action and
    the check that says it is done."""
    lines = []
    if step.config:
        lines.append(StepLine("settings", "Settings", settings_text(step.config)))
    if step.action:
        lines.append(StepLine("do", "Do", step.action))
    if step.check is not None:
        lines.append(StepLine("check", "Done when", step.check.text))
    return lines


def runs_text(runs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """A claim's runs as lines: ``lab: as the lesson`` / ``slow: lr 0.005``."""
    lines = []
    for name, changes in runs.items():
        what = settings_text(changes) or "the lesson's settings"
        lines.append(f"{name}: {what}" if name else what)
    return lines
