"""Fixtures of the matlab backend tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary directory shared by the tests of a module."""
    return tmp_path_factory.mktemp("matlab_models")
