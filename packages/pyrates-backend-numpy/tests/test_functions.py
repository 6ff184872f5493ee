"""1.x equation functions and the x(t - d) notation, end to end through the numpy backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy_backend_testlib import requires_numba

from pyrates_backend_numpy import NumpyBackend
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.model import NetworkDef, NodeDef, OperatorDef, parse_variable


def _system(eqs: list[str], variables: dict[str, object]):
    parsed = {k: parse_variable(v, k) for k, v in variables.items()}
    return compile_network(NetworkDef({"n": NodeDef({"op": OperatorDef("op", eqs, parsed)})}))


@pytest.mark.parametrize("numba", [False, pytest.param(True, marks=requires_numba)])
def test_delayed_call_equals_past(tmp_path: Path, numba: bool) -> None:
    """x(t - tau) and past(x, tau) give the same trajectory (the analytic x' = -x(t-1))."""
    system = _system(["x' = -x(t - tau)", "y' = -past(y, tau)"],
                     {"x": "output(1.0)", "y": "output(1.0)", "tau": 1.0})
    backend = NumpyBackend()
    model = backend.load(backend.generate(system, CodegenOptions(extra={"numba": numba})),
                         tmp_path)
    labels = system.labels()
    res = backend.integrate(model, SimulationRequest(
        simulation_time=3.0, step_size=0.01, solver="rk4", history="initial",
        outputs={k: (labels[f"n/op/{k}"][0], None) for k in ("x", "y")}))
    from pyrates_core.testing import delay_solution

    np.testing.assert_array_equal(res.outputs["x"], res.outputs["y"])
    np.testing.assert_allclose(res.outputs["x"][:, 0], delay_solution(res.time), atol=2e-4)


@pytest.mark.parametrize("numba", [False, pytest.param(True, marks=requires_numba)])
def test_randn_draws_standard_normal_numbers(tmp_path: Path, numba: bool) -> None:
    """x' = randn() with Euler: increments dt * N(0, 1), a fresh draw every step."""
    system = _system(["x' = randn()"], {"x": "output(0.0)"})
    backend = NumpyBackend()
    model = backend.load(backend.generate(system, CodegenOptions(extra={"numba": numba})),
                         tmp_path)
    res = backend.integrate(model, SimulationRequest(
        simulation_time=20000.0, step_size=1.0, outputs={"x": (system.states[0].name, None)}))
    steps = np.diff(res.outputs["x"][:, 0])
    assert abs(steps.mean()) < 0.05 and abs(steps.std() - 1.0) < 0.03
    assert len(np.unique(steps)) == steps.size
