"""The pyrates_core conformance kit against the jax backend."""

from __future__ import annotations

import pytest

from pyrates_backend_jax import JaxBackend
from pyrates_core.testing import BackendConformance


@pytest.fixture(scope="module")
def backend() -> JaxBackend:
    """One backend instance for the module."""
    return JaxBackend()


class TestJaxConformance(BackendConformance):
    """Every reference case with euler, heun and rk4."""
