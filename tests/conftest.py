"""Shared pytest fixtures (keep this small and generic)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def state_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own state folder: the app keeps its session there when it quits
    with unsaved work, and no test may touch (or read) the user's own."""
    home = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


@pytest.fixture
def no_warnings() -> Iterator[None]:
    """Turn every warning (numpy's overflow and invalid-value ones included) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
