"""Fixtures of the pyrates-models test-suite."""

from __future__ import annotations

import pytest

from pyrates_frontend.building import clear_template_cache


@pytest.fixture(autouse=True)
def _fresh_frontend():
    """Each test starts from freshly loaded templates (no state shared between tests)."""
    clear_template_cache()
    yield
    clear_template_cache()
