"""The core conformance kit (every reference system with euler, heun and rk4)."""

from __future__ import annotations

import pytest

from pyrates_backend_tensorflow import TensorflowBackend
from pyrates_core import testing


@pytest.fixture(scope="module")
def backend():
    """The backend under test."""
    return TensorflowBackend()


class TestTensorflowConformance(testing.BackendConformance):
    """Every reference system of the kit with euler, heun and rk4 (graph mode: XLA compiles
    take long on 2 cores; test_graph_mode_equals_xla checks the XLA path)."""

    codegen_extra = {"jit_compile": False}
