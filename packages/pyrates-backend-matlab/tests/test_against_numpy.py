"""Trajectories in GNU Octave against the numpy backend (compared on common time points)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matlab_testlib import needs_octave

from pyrates_backend_matlab import MatlabBackend
from pyrates_backend_numpy import NumpyBackend
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate

pytestmark = [needs_octave, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

JRC = "model_templates.neural_mass_models.jansenrit.JRC"
QIF = "model_templates.neural_mass_models.qif.qif"
JRC_OUT = {"V_e": "pc/rpo_e_in/v", "V_i": "pc/rpo_i/v", "m": "pc/pro/m"}
QIF_OUT = {"r": "p/qif_op/r", "v": "p/qif_op/v"}


def _max_diff(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, int]:
    """Largest difference on the common time points (times rounded to 1e-9) and their number."""
    a = a.set_axis(np.round(np.asarray(a.index, dtype=float), 9))
    b = b.set_axis(np.round(np.asarray(b.index, dtype=float), 9))
    common = a.index.intersection(b.index)
    return float(np.max(np.abs(a.loc[common].to_numpy() - b.loc[common].to_numpy()))), common.size


@pytest.mark.parametrize("path, outputs, t_end, dt", [(JRC, JRC_OUT, 0.05, 1e-4),
                                                     (QIF, QIF_OUT, 1.0, 1e-3)])
@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_fixed_step_equals_numpy(path: str, outputs: dict, t_end: float, dt: float,
                                 solver: str) -> None:
    """JRC and QIF: the generated fixed-step drivers reproduce numpy's trajectories to 1e-10."""
    res = {be: CircuitTemplate.from_yaml(path).run(t_end, dt, outputs=outputs, solver=solver,
                                                   backend=be) for be in ("numpy", "matlab")}
    assert res["matlab"].index[0] == 0.0  # 1.x rows: the first row is the initial state
    diff, n_common = _max_diff(res["numpy"], res["matlab"])
    assert n_common >= round(t_end / dt) - 1
    assert diff < 1e-10


def test_ode45_equals_scipy_within_tolerance() -> None:
    """QIF: Octave's ode45 and scipy's RK45 agree to their tolerances (rtol 1e-9).

    Without inputs both are within 1e-10 of a run at rtol 1e-12; with a step input (linearly
    interpolated, so the vector field has kinks at t = 0.99 and 1.0) both are within about
    1e-6 of it, the step-size controllers crossing the kinks differently.
    """
    n, dt = 400, 1e-2
    drive = 3.0 * (np.arange(n) * dt > 1.0)
    kwargs = {"rtol": 1e-9, "atol": 1e-11, "outputs": QIF_OUT, "sampling_step_size": 0.05}
    runs = []
    for inputs, tol in (({}, 1e-8), ({"p/qif_op/I_ext": drive}, 1e-5)):
        ref = CircuitTemplate.from_yaml(QIF).run(n * dt, dt, solver="scipy", method="RK45",
                                                 inputs=inputs, **kwargs)
        got = CircuitTemplate.from_yaml(QIF).run(n * dt, dt, solver="ode45", backend="matlab",
                                                 inputs=inputs, **kwargs)
        diff, n_common = _max_diff(ref, got)
        assert n_common >= 79
        assert diff < tol
        runs.append(got)
    # the input is really applied: with and without it the trajectories differ by far more
    assert _max_diff(runs[0], runs[1])[0] > 0.1


def _delayed_jrc_pair(delay: float) -> CircuitTemplate:
    """Two JRC columns, coupled both ways through delayed edges from the sigmoid output."""
    jrc = CircuitTemplate.from_yaml(JRC)
    return CircuitTemplate("pair", circuits={"a": jrc, "b": jrc}, edges=[
        ("a/pc/pro/m", "b/pc/rpo_e_in/m_in", None, {"weight": 40.0, "delay": delay}),
        ("b/pc/pro/m", "a/pc/rpo_e_in/m_in", None, {"weight": 20.0, "delay": 2 * delay}),
    ])


@pytest.mark.parametrize("solver, delay", [("rk4", 1e-3), ("heun", 1.55e-3)])
def test_delayed_network_equals_numpy(solver: str, delay: float, tmp_path: Path) -> None:
    """Delayed edges from assignments (exact and interpolated lags), history 'initial'."""
    system = compile_network(_delayed_jrc_pair(delay).network())
    outputs = {"pa": ("m_pro_pc", np.array([0, 1])),
               "v": (system.states[0].name, np.arange(system.states[0].size))}
    n_steps, dt = 600, 1e-4
    results = {}
    for name, backend in (("numpy", NumpyBackend()), ("matlab", MatlabBackend())):
        code = backend.generate(system, CodegenOptions(solver=solver, step_size=dt))
        folder = tmp_path / name
        folder.mkdir()
        model = backend.load(code, folder)
        request = SimulationRequest(n_steps * dt, dt, solver=solver, outputs=outputs,
                                    history="initial")
        res = backend.integrate(model, request)
        results[name] = {k: pd.DataFrame(v, index=np.round(res.time / dt).astype(int))
                         for k, v in res.outputs.items()}
    for key in outputs:
        diff, n_common = _max_diff(results["numpy"][key], results["matlab"][key])
        assert n_common >= n_steps - 1  # numpy rows: t = dt..T now, t = 0..T-dt in 1.x
        assert diff < 1e-10, key
    spread = results["matlab"]["pa"].to_numpy()
    assert np.ptp(spread[:, 0]) > 1e-3  # the model moves: the comparison means something


def test_inputs_and_distributed_delays_equal_numpy() -> None:
    """Two QIF populations, a gamma-distributed delay (ODE chain) and a driven input, RK4."""
    node = CircuitTemplate.from_yaml(QIF).nodes["p"]

    def net() -> CircuitTemplate:
        return CircuitTemplate("net", nodes={"a": node, "b": node}, edges=[
            ("a/qif_op/r", "b/qif_op/r_in", None, {"weight": 8.0, "delay": 0.5, "spread": 0.2}),
            ("b/qif_op/r", "a/qif_op/r_in", None, {"weight": -4.0}),
        ])
    n, dt = 2000, 1e-3
    drive = np.where(np.arange(n) * dt > 0.5, 4.0, 0.0)
    kwargs = {"inputs": {"a/qif_op/I_ext": drive}, "solver": "rk4",
              "outputs": {"ra": "a/qif_op/r", "rb": "b/qif_op/r"}}
    ref = net().run(n * dt, dt, **kwargs)
    got = net().run(n * dt, dt, backend="matlab", **kwargs)
    diff, n_common = _max_diff(ref, got)
    assert n_common >= n - 1
    assert diff < 1e-10
    assert np.ptp(got["rb"].to_numpy()) > 0.05  # the delayed coupling moves population b


def test_parameter_overrides_equal_numpy(tmp_path: Path) -> None:
    """SimulationRequest.param_values (a scalar and edge weights) as in the numpy backend."""
    system = compile_network(CircuitTemplate.from_yaml(JRC).network())
    weights = next(b.weights for b in system.edges if b.n_edges == 2)
    overrides = {"u": 150.0, weights: np.array([100.0, 40.0])}
    outputs = {"v": (system.states[0].name, np.zeros(1, np.int64))}
    results = {}
    for name, backend in (("numpy", NumpyBackend()), ("matlab", MatlabBackend())):
        folder = tmp_path / name
        folder.mkdir()
        model = backend.load(backend.generate(system, CodegenOptions(solver="heun")), folder)
        for label, values in (("default", {}), ("changed", overrides)):
            res = backend.integrate(model, SimulationRequest(0.05, 1e-4, solver="heun",
                                                             outputs=outputs,
                                                             param_values=values))
            results[name, label] = pd.DataFrame(res.outputs["v"], index=res.time)
    assert _max_diff(results["numpy", "changed"], results["matlab", "changed"])[0] < 1e-12
    assert _max_diff(results["matlab", "default"], results["matlab", "changed"])[0] > 1e-4


def _complex_pair() -> CircuitTemplate:
    """Two complex Stuart-Landau oscillators, z' = (mu + i omega) z - |z|^2 z + c * z_other."""
    op = OperatorTemplate("sl", equations="z' = (mu + I*omega)*z - abs(z)**2*z + c_in",
                          variables={"z": "output(0.5+0.1j)", "mu": 1.0, "omega": 6.0,
                                     "c_in": "input(0.0)"})
    node = NodeTemplate("sl_node", operators=[op])
    circuit = CircuitTemplate("sl_pair", nodes={"a": node, "b": node}, edges=[
        ("a/sl/z", "b/sl/c_in", None, {"weight": 0.5}),
        ("b/sl/z", "a/sl/c_in", None, {"weight": 0.2})])
    circuit.update_var(node_vars={"b/sl/z": -0.3 + 0.4j, "b/sl/omega": 4.0})
    return circuit


def test_complex_system_equals_numpy() -> None:
    """Complex-valued states: RK4 equal to numpy to 1e-10, ode45 to RK45 within tolerance."""
    out = {"za": "a/sl/z", "zb": "b/sl/z"}
    ref = _complex_pair().run(2.0, 1e-3, outputs=out, solver="rk4")
    got = _complex_pair().run(2.0, 1e-3, outputs=out, solver="rk4", backend="matlab")
    assert np.iscomplexobj(got["za"].to_numpy())
    diff, n_common = _max_diff(ref, got)
    assert n_common >= 1999 and diff < 1e-10
    tol = {"rtol": 1e-9, "atol": 1e-11, "sampling_step_size": 0.1}
    ref = _complex_pair().run(2.0, 1e-3, outputs=out, solver="scipy", method="RK45", **tol)
    got = _complex_pair().run(2.0, 1e-3, outputs=out, solver="ode45", backend="matlab", **tol)
    assert _max_diff(ref, got)[0] < 1e-7
    assert np.ptp(np.abs(got["zb"].to_numpy())) > 0.1
