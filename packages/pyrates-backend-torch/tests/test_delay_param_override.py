"""A delay-parameter override equals the system rebuilt with those delays (no batches)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.errors import SolverError
from pyrates_core.registry import get_backend
from pyrates_core.testing import delay_param_system


def _run(system, tmp: Path, **kw):  # noqa: ANN001, ANN003, ANN202
    be = get_backend("torch")
    tmp.mkdir(parents=True, exist_ok=True)
    model = be.load(be.generate(system, CodegenOptions(solver="rk4", step_size=0.01)), tmp)
    req = SimulationRequest(simulation_time=2.0, step_size=0.01, solver="rk4",
                            outputs={"x": ("x", np.arange(2))})
    return np.asarray(be.integrate(model, replace(req, **kw)).outputs["x"])


def test_delay_override_equals_rebuilt_system(tmp_path: Path) -> None:
    new = np.array([0.73, 0.21, 0.0])
    got = _run(delay_param_system(), tmp_path / "a", param_values={"d": new})
    ref = _run(delay_param_system(new[:2]), tmp_path / "b")
    assert np.abs(got - ref).max() <= 1e-12
    assert np.abs(got - _run(delay_param_system(), tmp_path / "c")).max() > 1e-3


def test_batched_delays_are_refused(tmp_path: Path) -> None:
    d = np.array([[0.5, 0.3, 0.0], [0.4, 0.3, 0.0]])
    with pytest.raises(SolverError, match="delay parameter 'd'"):
        _run(delay_param_system(), tmp_path, batch_params={"d": d})
