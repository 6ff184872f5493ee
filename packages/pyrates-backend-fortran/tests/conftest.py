"""Fixtures of the fortran backend tests: a private module cache, a clean working directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Compile into a cache of this test session (hermetic: nothing from earlier runs)."""
    folder = tmp_path_factory.mktemp("fortran_cache")
    old = os.environ.get("PYRATES_CACHE_DIR")
    os.environ["PYRATES_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("PYRATES_CACHE_DIR", None)
    else:
        os.environ["PYRATES_CACHE_DIR"] = old


@pytest.fixture(autouse=True)
def clean_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run every test in an empty folder and check that nothing was left in it."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    yield work
    left = sorted(p.name for p in work.iterdir())
    allowed = getattr(clean_cwd, "allowed", set())
    assert set(left) <= allowed, f"files left in the working directory: {left}"
