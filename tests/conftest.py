"""Cross-package tests run in the full development environment (.venv)."""

import pytest

from pyrates_frontend import clear_frontend_caches


@pytest.fixture(autouse=True)
def _fresh_caches(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    clear_frontend_caches()
    yield
    clear_frontend_caches()
