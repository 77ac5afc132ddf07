"""Shared pytest fixtures (keep this small and generic)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest
from textual import constants as textual_constants


@pytest.fixture(autouse=True)
def state_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own state folder: the app keeps its session there when it quits
    with unsaved work, and no test may touch (or read) the user's own."""
    home = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps start with Textual's animations off, as TEXTUAL_ANIMATIONS=none does for a user:
    Pilot waits out each animation after a key, and a tab's sliding underline costs 0.3 s per
    switch. The screens that result are the same (the snapshots are). Textual read the variable
    when pytest-textual-snapshot imported it, so the value it read is set here; a run with
    TEXTUAL_ANIMATIONS set explicitly keeps that setting."""
    if "TEXTUAL_ANIMATIONS" not in os.environ:
        monkeypatch.setattr(textual_constants, "TEXTUAL_ANIMATIONS", "none")


@pytest.fixture
def no_warnings() -> Iterator[None]:
    """Turn every warning (numpy's overflow and invalid-value ones included) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
