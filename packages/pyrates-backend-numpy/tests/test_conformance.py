"""The pyrates_core conformance kit against the numpy backend, pure NumPy and numba paths."""

from __future__ import annotations

import pytest
from numpy_backend_testlib import requires_numba

from pyrates_backend_numpy import NumpyBackend
from pyrates_core.testing import BackendConformance


@pytest.fixture(scope="module")
def backend() -> NumpyBackend:
    """One backend instance for the module."""
    return NumpyBackend()


class TestNumpyConformance(BackendConformance):
    """Pure NumPy path."""

    codegen_extra = {"numba": False}


@requires_numba
class TestNumbaConformance(BackendConformance):
    """numba-compiled path."""

    codegen_extra = {"numba": True}
