"""Simulations in Julia, against the numpy backend: only where Julia is installed.

These machines have no Julia, so every test here is skipped with that reason; the generated
code is checked by parsing and structure only (test_codegen.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from julia_testlib import JRC, needs_julia

from pyrates_core import testing
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_frontend import CircuitTemplate

pytestmark = [needs_julia, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _on_common_times(a: pd.DataFrame, b: pd.DataFrame) -> float:
    a = a.set_axis(np.round(np.asarray(a.index, dtype=float), 9))
    b = b.set_axis(np.round(np.asarray(b.index, dtype=float), 9))
    common = a.index.intersection(b.index)
    assert common.size > 10
    return float(np.max(np.abs(a.loc[common].to_numpy() - b.loc[common].to_numpy())))


def test_jrc_rk4_equals_numpy() -> None:
    """Fixed-step RK4 in DifferentialEquations.jl and in numpy: the same trajectory."""
    out = {"V_e": "pc/rpo_e_in/v", "V_i": "pc/rpo_i/v"}
    ref = CircuitTemplate.from_yaml(JRC).run(0.1, 1e-4, outputs=out, solver="rk4")
    got = CircuitTemplate.from_yaml(JRC).run(0.1, 1e-4, outputs=out, solver="rk4",
                                             backend="julia")
    assert _on_common_times(ref, got) < 1e-10


def test_delayed_feedback_dde(tmp_path) -> None:
    """MethodOfSteps(Tsit5()) on x' = -x(t-1) (history 'zero', the 1.x default) against the
    exact solution."""
    from pyrates_backend_julia import JuliaBackend

    case = testing.delayed_feedback()
    backend = JuliaBackend()
    model = backend.load(backend.generate(case.system, CodegenOptions(solver="julia_dde")),
                         tmp_path)
    res = backend.integrate(model, SimulationRequest(
        3.0, 0.01, solver="julia_dde", outputs=case.outputs, history=case.history,
        solver_options={"rtol": 1e-9, "atol": 1e-11}))
    exact = testing.delay_solution(res.time, case.history)
    for key in ("x", "y", "z"):
        assert np.max(np.abs(res.outputs[key][:, 0] - exact)) < 1e-6
