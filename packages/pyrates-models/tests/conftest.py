"""Fixtures of the pyrates-models test-suite."""

from __future__ import annotations

import pytest

from pyrates_frontend import clear_frontend_caches


@pytest.fixture(autouse=True)
def _fresh_frontend():
    """Each test starts from freshly loaded templates (no state shared between tests)."""
    clear_frontend_caches()
    yield
    clear_frontend_caches()
