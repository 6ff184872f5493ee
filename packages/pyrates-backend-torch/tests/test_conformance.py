"""The core conformance kit, history modes, batches, float32 and the 1.x row convention."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import torch

from pyrates_backend_torch import TorchBackend
from pyrates_core import testing
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.errors import SolverError
from pyrates_core.system import ParameterSpec, StateSpec, SystemIR


@pytest.fixture(scope="module")
def backend():
    """The backend under test (the kit follows the 1.x rows: row 0 = initial state)."""
    return TorchBackend()


class TestTorchConformance(testing.BackendConformance):
    """Every reference system of the kit with euler, heun, rk4 and torchdiffeq (tight tolerances).

    torchdiffeq integrates systems without delays only (see ``test_adaptive.py``), so the
    delayed cases run with the fixed-step solvers.
    """

    def test_delayed_feedback(self, backend, tmp_path):
        """Past and delayed EdgeSum on x' = -x(t-1), zero pre-history (fixed-step solvers)."""
        case = testing.delayed_feedback()
        case.fixed_step_only = True
        self._assert(testing.check_case(backend, case, tmp_path, self.codegen_extra))

    def test_delayed_feedback_initial_history(self, backend, tmp_path):
        """As test_delayed_feedback with history='initial' (fixed-step solvers)."""
        case = testing.delayed_feedback(history="initial")
        case.fixed_step_only = True
        self._assert(testing.check_case(backend, case, tmp_path, self.codegen_extra))


def _load(system, tmp_path: Path, **extra):
    tmp_path.mkdir(parents=True, exist_ok=True)
    be = TorchBackend()
    return be, be.load(be.generate(system, CodegenOptions(extra=extra)), tmp_path)


def test_protocol_attributes():
    be = TorchBackend()
    assert {s.name for s in be.solver_specs} == be.solvers
    assert "grad" in be.capabilities and "adaptive" in be.capabilities
    assert [o.name for o in be.option_specs] == ["device", "checkpoint"]


def test_rows_follow_1x_convention(tmp_path):
    """Row 0 is the initial state, rows at k*s, final_state is the state at T."""
    case = testing.exponential_decay()
    be, model = _load(case.system, tmp_path)
    req = SimulationRequest(simulation_time=1.0, step_size=1e-3, sampling_step_size=0.1,
                            solver="rk4", outputs=case.outputs)
    res = be.integrate(model, req)
    np.testing.assert_allclose(res.time, np.arange(10) * 0.1, atol=1e-12)
    np.testing.assert_allclose(res.outputs["x"], case.exact(res.time)["x"], atol=1e-12)
    np.testing.assert_allclose(res.final_state, case.exact(np.array([1.0]))["x"][0], atol=1e-12)


@pytest.mark.parametrize("history", ["zero", "initial"])
def test_history_modes(tmp_path, history):
    """x' = -x(t-1), x(0) = 1: 'initial' is the method-of-steps solution, 'zero' reads 0 before
    t = 0, so x stays 1 up to t = 1 and then x(t) = 1 - (t - 1) up to t = 2."""
    case = testing.delayed_feedback()
    be, model = _load(case.system, tmp_path)
    req = SimulationRequest(simulation_time=2.0, step_size=1e-3, solver="rk4",
                            outputs=case.outputs, history=history)
    res = be.integrate(model, req)
    t = res.time
    exact = testing.delay_solution(t) if history == "initial" else \
        np.where(t <= 1, 1.0, 2.0 - t)
    for key in ("x", "y", "z"):
        err = np.abs(res.outputs[key][:, 0] - exact)
        assert err.max() < 2e-3, (key, err.max())
        assert err[t < 0.99].max() < 1e-9 or history == "initial"


def test_batch_axis_matches_single_runs(tmp_path):
    case = testing.harmonic_oscillators()
    be, model = _load(case.system, tmp_path)
    omegas = np.array([[1.0, 2.0, 3.0], [0.5, 1.5, 2.5]])
    req = SimulationRequest(simulation_time=1.0, step_size=1e-2, solver="heun",
                            outputs=case.outputs, batch_params={"w": omegas})
    res = be.integrate(model, req)
    assert res.outputs["x"].shape == (2, 100, 3)
    for b in range(2):
        single = be.integrate(model, replace(req, batch_params={},
                                             param_values={"w": omegas[b]}))
        np.testing.assert_allclose(res.outputs["x"][b], single.outputs["x"], atol=1e-14)


def test_float32(tmp_path):
    case = testing.exponential_decay()
    system = case.system
    system.dtype = "float32"
    be, model = _load(system, tmp_path)
    res = be.integrate(model, SimulationRequest(simulation_time=1.0, step_size=1e-3,
                                                solver="rk4", outputs=case.outputs))
    assert res.outputs["x"].dtype == np.float32
    np.testing.assert_allclose(res.outputs["x"], case.exact(res.time)["x"], atol=1e-5)


def test_short_delay_is_an_error(tmp_path):
    case = testing.delayed_feedback()
    be, model = _load(case.system, tmp_path)
    with pytest.raises(SolverError, match="shorter than the step size"):
        be.integrate(model, SimulationRequest(simulation_time=2.5, step_size=1.25,
                                              outputs=case.outputs))


def test_unknown_option_and_cuda(tmp_path):
    be = TorchBackend()
    with pytest.raises(SolverError, match="unknown option"):
        be.generate(testing.exponential_decay().system, CodegenOptions(extra={"devise": "cpu"}))
    if not torch.cuda.is_available():
        with pytest.raises(SolverError, match="no CUDA device"):
            _load(testing.exponential_decay().system, tmp_path, device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_cuda_matches_cpu(tmp_path):
    case = testing.undelayed_edges()
    req = SimulationRequest(simulation_time=1.0, step_size=1e-3, solver="rk4",
                            outputs=case.outputs)
    _, cpu = _load(case.system, tmp_path / "cpu", device="cpu")
    be, gpu = _load(case.system, tmp_path / "gpu", device="cuda")
    np.testing.assert_allclose(be.integrate(gpu, req).outputs["x"],
                               be.integrate(cpu, req).outputs["x"], atol=1e-12)


def test_complex_rotation(tmp_path):
    """z' = i w z, z(0) = 1 (complex128): z = exp(i w t)."""
    z, w = sp.symbols("z w")
    system = SystemIR([StateSpec("z", 0, np.array([1.0 + 0j]), ["n/op/z"])], [sp.I * w * z],
                      {"w": ParameterSpec("w", np.asarray(2.0))}, {}, [], is_complex=True)
    be, model = _load(system, tmp_path)
    res = be.integrate(model, SimulationRequest(simulation_time=2.0, step_size=1e-3,
                                                solver="rk4",
                                                outputs={"z": ("z", np.array([0]))}))
    assert res.outputs["z"].dtype == np.complex128
    np.testing.assert_allclose(res.outputs["z"][:, 0], np.exp(2j * res.time), atol=1e-10)


def test_unknown_input_is_an_error(tmp_path):
    case = testing.exponential_decay()
    be, model = _load(case.system, tmp_path)
    with pytest.raises(SolverError, match="not inputs of the model"):
        be.integrate(model, SimulationRequest(simulation_time=1.0, step_size=0.1,
                                              outputs=case.outputs,
                                              inputs={"u": np.zeros((10, 1))}))
