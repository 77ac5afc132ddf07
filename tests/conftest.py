"""Shared pytest fixtures (keep this small and generic)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture
def no_warnings() -> Iterator[None]:
    """Turn every warning (numpy's overflow and invalid-value ones included) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
