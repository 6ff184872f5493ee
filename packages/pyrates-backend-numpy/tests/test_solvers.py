"""Solver behaviour and error cases of the numpy backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from numpy_backend_testlib import load, request, requires_numba, wilson_cowan

import pyrates_backend_numpy.jit as jit
from pyrates_backend_numpy import NumbaNotInstalledError, NumpyBackend
from pyrates_backend_numpy.delays import fixed_step_tables, plan_delays
from pyrates_core.backend import CodegenOptions, LoadedModel, SimulationRequest
from pyrates_core.errors import DivergenceError, SolverError
from pyrates_core.functions import EdgeSum, Past
from pyrates_core.system import (
    Assignment,
    EdgeBundle,
    InputSpec,
    ParameterSpec,
    StateSpec,
    SystemIR,
)


@pytest.fixture(scope="module")
def network(module_tmp: Path) -> LoadedModel:
    """Pure NumPy Wilson-Cowan network with delays."""
    return load(wilson_cowan(6, seed=1), module_tmp / "wc", False)


def _delayed_system(delay: float) -> SystemIR:
    x = sp.Symbol("x")
    zero = np.zeros(1, np.int64)
    bundle = EdgeBundle("b", "x", 1, 1, zero, zero, "w", np.array([delay]))
    return SystemIR([StateSpec("x", 0, np.ones(1), ["x"])], [EdgeSum(x, 0)],
                    {"w": ParameterSpec("w", -np.ones(1))}, {}, [], [bundle])


def test_unknown_solver_lists_supported(network: LoadedModel) -> None:
    with pytest.raises(SolverError, match="euler, heun, rk4, scipy"):
        NumpyBackend().integrate(network, request(1.0, solver="leapfrog"))


def test_unknown_scipy_method(network: LoadedModel) -> None:
    req = request(1.0, solver="scipy", solver_options={"method": "Euler"})
    with pytest.raises(SolverError, match="RK45"):
        NumpyBackend().integrate(network, req)


def test_sampling_step_must_be_multiple(network: LoadedModel) -> None:
    with pytest.raises(SolverError, match="multiple"):
        NumpyBackend().integrate(network, request(1.0, sampling_step_size=0.25))


def test_sampling_every_second_step(network: LoadedModel) -> None:
    backend = NumpyBackend()
    every = backend.integrate(network, request(2.0))
    half = backend.integrate(network, request(2.0, sampling_step_size=0.2))
    np.testing.assert_allclose(every.time, np.arange(20) * 0.1)
    np.testing.assert_allclose(half.time, np.arange(10) * 0.2)
    np.testing.assert_array_equal(half.outputs["E"], every.outputs["E"][::2])
    np.testing.assert_array_equal(half.outputs["E_in"], every.outputs["E_in"][::2])
    np.testing.assert_array_equal(half.final_state, every.final_state)
    assert every.stats["run_time"] > 0


def test_param_values_override(network: LoadedModel) -> None:
    backend = NumpyBackend()
    base = backend.integrate(network, request(3.0))
    strong = backend.integrate(network, request(3.0, param_values={"g": 3.0}))
    again = backend.integrate(network, request(3.0))
    assert not np.allclose(base.outputs["E_in"], strong.outputs["E_in"])
    np.testing.assert_array_equal(base.outputs["E"], again.outputs["E"])


def test_progress_bar_gives_same_result(network: LoadedModel) -> None:
    backend = NumpyBackend()
    quiet = backend.integrate(network, request(3.0))
    loud = backend.integrate(network, request(3.0, progress=True))
    np.testing.assert_array_equal(quiet.outputs["E"], loud.outputs["E"])


def test_delay_shorter_than_step_is_an_error(tmp_path: Path) -> None:
    model = load(_delayed_system(0.05), tmp_path, False)
    req = SimulationRequest(simulation_time=1.0, step_size=0.1, outputs={"x": ("x", [0])})
    with pytest.raises(SolverError, match="shorter than the step"):
        NumpyBackend().integrate(model, req)


def test_negative_delay_is_an_error() -> None:
    with pytest.raises(SolverError, match="negative"):
        NumpyBackend().generate(_delayed_system(-1.0), CodegenOptions(extra={"numba": False}))


def test_divergence_names_state_and_time(tmp_path: Path) -> None:
    x, y = sp.symbols("x y")
    system = SystemIR([StateSpec("x", 0, np.ones(2), ["a", "b"]),
                       StateSpec("y", 2, np.ones(1), ["c"])], [x**2, -y], {}, {}, [])
    model = load(system, tmp_path, False)
    req = SimulationRequest(simulation_time=3.0, step_size=0.01, outputs={"y": ("y", [0])})
    with pytest.raises(DivergenceError, match=r"state variable\(s\) x became non-finite by t = "):
        NumpyBackend().integrate(model, req)


def test_missing_numba_when_requested(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jit, "numba_available", lambda: False)
    with pytest.raises(NumbaNotInstalledError, match=r"pip install pyrates-backend-numpy\[numba\]"):
        NumpyBackend().generate(_delayed_system(1.0), CodegenOptions(extra={"numba": True}))
    # without an explicit request the backend falls back to NumPy
    code = NumpyBackend().generate(_delayed_system(1.0), CodegenOptions())
    assert code.metadata["numba"] is False and "numba" not in code.source


def test_fixed_step_tables_exact_and_interpolated() -> None:
    x = sp.Symbol("x")
    system = SystemIR([StateSpec("x", 0, np.ones(2), ["a", "b"])],
                      [-Past(x, sp.Symbol("tau"))],
                      {"tau": ParameterSpec("tau", np.array([0.3, 0.25]))}, {}, [])
    plan = plan_delays(system, lambda s: s)
    tables = fixed_step_tables(system, plan, {}, 0.1)
    length = tables.lengths["x"]
    assert length == 3 + 3  # longest lag 3 steps, plus three rows for the cubic stencil
    idx, w = tables.tables[0]
    # stage c=0: element 0 exact at lag 3
    rows0 = idx[0][:, 0][w[0][:, 0] != 0] // 2
    assert sorted(rows0.tolist()) == [length - 1 - 3]
    # element 1 at lag 2.5: cubic Lagrange weights on lags 1, 2, 3, 4
    nz = w[0][:, 1] != 0
    lags = (length - 1 - idx[0][:, 1][nz] // 2).tolist()
    by_lag = dict(zip(lags, w[0][:, 1][nz].tolist(), strict=True))
    np.testing.assert_allclose([by_lag[k] for k in (1, 2, 3, 4)],
                               [-0.0625, 0.5625, 0.5625, -0.0625])
    # stage c=1 (rk4/heun last stage): element 0 exact at lag 2
    assert (idx[2][:, 0][w[2][:, 0] != 0] // 2).tolist() == [length - 1 - 2]


def test_input_series_too_short(tmp_path: Path) -> None:
    from pyrates_core.testing import input_pulse

    case = input_pulse()
    model = load(case.system, tmp_path, False)
    req = SimulationRequest(simulation_time=2.0, step_size=0.1, inputs={"u": np.zeros((5, 1))})
    with pytest.raises(SolverError, match="rows"):
        NumpyBackend().integrate(model, req)


def test_scipy_methods_agree(network: LoadedModel) -> None:
    backend = NumpyBackend()
    ref = backend.integrate(network, request(2.0, solver="rk4", dt=0.01,
                                             sampling_step_size=0.1))
    for method in ("RK45", "DOP853", "LSODA", "BDF", "Radau", "RK23"):
        opts = {"method": method, "rtol": 1e-7, "atol": 1e-9}
        res = backend.integrate(network, request(2.0, solver="scipy", solver_options=opts))
        np.testing.assert_allclose(res.outputs["E"], ref.outputs["E"], atol=1e-4,
                                   err_msg=method)


@pytest.mark.parametrize("numba", [False, pytest.param(True, marks=requires_numba)])
def test_divergence_between_periodic_checks_is_still_reported(tmp_path: Path,
                                                              numba: bool) -> None:
    """Finiteness is checked every 16 steps and at the end: a blow-up at step 2 of 5 is caught."""
    x = sp.Symbol("x")
    system = SystemIR([StateSpec("x", 0, np.ones(1), ["a"])], [sp.Float(1e308) * x], {}, {}, [])
    model = load(system, tmp_path, numba)
    req = SimulationRequest(simulation_time=5.0, step_size=1.0, outputs={"x": ("x", [0])})
    with pytest.raises(DivergenceError, match=r"state variable\(s\) x"):
        NumpyBackend().integrate(model, req)


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4", "scipy"])
def test_row_zero_is_initial_state_and_final_state_continues(tmp_path: Path,
                                                             solver: str) -> None:
    """Rows t = 0, dt, ..., T - dt (row 0: initial state and assignment at t = 0);
    final_state is the state at T: two runs of T/2 chained by final_state give one run of T."""
    x, a = sp.symbols("x a")
    system = SystemIR([StateSpec("x", 0, np.array([1.0, 2.0]), ["a", "b"])], [-x], {}, {},
                      [Assignment("a", 3 * x, 2, ["a", "b"])])
    model = load(system, tmp_path, False)
    outputs = {"x": ("x", None), "a": ("a", None)}
    opts = {"rtol": 1e-10, "atol": 1e-12} if solver == "scipy" else {}

    def run(t_end: float, y0: np.ndarray | None = None) -> Any:
        return NumpyBackend().integrate(model, SimulationRequest(
            simulation_time=t_end, step_size=0.01, solver=solver, outputs=outputs,
            initial_state=y0, solver_options=opts))

    full, first = run(2.0), run(1.0)
    second = run(1.0, first.final_state)
    np.testing.assert_allclose(full.time, np.arange(200) * 0.01)
    np.testing.assert_array_equal(full.outputs["x"][0], [1.0, 2.0])
    np.testing.assert_array_equal(full.outputs["a"][0], [3.0, 6.0])
    chained = np.concatenate((first.outputs["x"], second.outputs["x"]))
    np.testing.assert_allclose(chained, full.outputs["x"], rtol=1e-8)
    np.testing.assert_allclose(second.final_state, full.final_state, rtol=1e-8)
    np.testing.assert_allclose(full.final_state, [np.exp(-2.0), 2 * np.exp(-2.0)], rtol=2e-2)


@pytest.mark.parametrize("numba", [False, pytest.param(True, marks=requires_numba)])
@pytest.mark.parametrize("solver", ["euler", "heun", "rk4", "scipy"])
def test_history_modes(tmp_path: Path, solver: str, numba: bool) -> None:
    """A source held at 0.1 delivers 0 through a 0.5 delay until t = 0.5 ('zero', the 1.x
    default) or 0.1 from the start ('initial'); Past() follows the same mode."""
    x, y, z = sp.symbols("x y z")
    zero = np.zeros(1, np.int64)
    bundle = EdgeBundle("b", "x", 1, 1, zero, zero, "w", np.array([0.5]))
    system = SystemIR([StateSpec("x", 0, np.full(1, 0.1), ["x"]),
                       StateSpec("y", 1, np.zeros(1), ["y"]),
                       StateSpec("z", 2, np.zeros(1), ["z"])],
                      [0 * x, EdgeSum(x, 0), Past(x, sp.Float(0.5))],
                      {"w": ParameterSpec("w", np.ones(1))}, {}, [], [bundle])
    model = load(system, tmp_path, numba)
    opts = {"rtol": 1e-10, "atol": 1e-12} if solver == "scipy" else {}
    t = np.arange(100) * 0.01
    for history, expected in (("zero", 0.1 * np.maximum(t - 0.5, 0.0)), ("initial", 0.1 * t)):
        res = NumpyBackend().integrate(model, SimulationRequest(
            simulation_time=1.0, step_size=0.01, solver=solver, history=history,
            outputs={"y": ("y", None), "z": ("z", None)}, solver_options=opts))
        for key in ("y", "z"):
            np.testing.assert_allclose(res.outputs[key][:, 0], expected, atol=1e-9,
                                       err_msg=f"{history}/{key}")


def test_unknown_history_mode(network: LoadedModel) -> None:
    with pytest.raises(SolverError, match="'initial', 'zero'|initial, zero"):
        NumpyBackend().integrate(network, request(1.0, history="constant"))


@pytest.mark.parametrize("solver", ["rk4", "scipy"])
def test_batch_params_equal_single_runs(network: LoadedModel, solver: str) -> None:
    """request.batch_params (weights and a scalar, three sets) equals three single runs."""
    backend = NumpyBackend()
    rng = np.random.default_rng(3)
    w = network.code.system.params["w"].value
    sets = {"g": np.array([0.2, 0.6, 1.1]), "w": rng.uniform(0, 0.5, (3, w.size))}
    opts = {"rtol": 1e-8, "atol": 1e-10} if solver == "scipy" else {}
    batched = backend.integrate(network, request(2.0, solver=solver, batch_params=sets,
                                                 solver_options=opts))
    assert batched.outputs["E"].shape[0] == 3 and batched.final_state.shape[0] == 3
    for b in range(3):
        single = backend.integrate(network, request(2.0, solver=solver, solver_options=opts,
                                                    param_values={k: v[b] for k, v in
                                                                  sets.items()}))
        for key, ref in single.outputs.items():
            np.testing.assert_allclose(batched.outputs[key][b], ref, rtol=0, atol=1e-12)
        np.testing.assert_allclose(batched.final_state[b], single.final_state, atol=1e-12)


def test_scipy_does_not_step_over_an_input_pulse(tmp_path: Path) -> None:
    """From an exact rest state (zero derivative) RK45 would grow its steps past a pulse of
    u = 1 on [50, 80); the input-aware step limit makes it respond: x' = -x + u."""
    x, u = sp.symbols("x u")
    system = SystemIR([StateSpec("x", 0, np.zeros(1), ["x"])], [-x + u], {},
                      {"u": InputSpec("u", 1, ["u"], np.zeros(1))}, [])
    model = load(system, tmp_path, False)
    dt, t_end = 0.01, 100.0
    pulse = np.zeros((10000, 1))
    pulse[5000:8000] = 1.0
    res = NumpyBackend().integrate(model, SimulationRequest(
        simulation_time=t_end, step_size=dt, solver="scipy", inputs={"u": pulse},
        outputs={"x": ("x", None)}, sampling_step_size=1.0,
        solver_options={"rtol": 1e-8, "atol": 1e-10}))
    # adaptive solvers interpolate inputs linearly: a ramp over the step before each edge,
    # i.e. the edges move to 50 - dt/2 and 80 - dt/2 (up to O(dt^2))
    t = res.time
    on, off = 50 - dt / 2, 80 - dt / 2
    expected = np.where(t < on, 0.0, np.where(t < off, 1 - np.exp(-(t - on)),
                                              (1 - np.exp(-30)) * np.exp(-(t - off))))
    np.testing.assert_allclose(res.outputs["x"][:, 0], expected, atol=2e-3)
