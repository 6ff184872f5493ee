"""Delays are compiled into the Julia code: a delay-parameter override is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pyrates_backend_julia import JuliaBackend
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.errors import SolverError
from pyrates_core.testing import delay_param_system


def test_delay_override_is_refused_not_ignored(tmp_path: Path) -> None:
    be = JuliaBackend()
    assert "delay_params" not in be.capabilities
    model = be.load(be.generate(delay_param_system(), CodegenOptions(solver="euler",
                                                                     step_size=0.01)), tmp_path)
    req = SimulationRequest(simulation_time=1.0, step_size=0.01,
                            outputs={"x": ("x", np.arange(2))},
                            param_values={"d": np.array([0.7, 0.3, 0.0])})
    with pytest.raises(SolverError, match=r"param_values\['d'\].*delay_params"):
        be.integrate(model, req)
