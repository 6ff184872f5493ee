"""Fortran simulations equal the NumPy backend's to 1e-10 (compared by time value)."""

from __future__ import annotations

import numpy as np
import pytest
from fortran_testlib import common_times, needs_gfortran

from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate

pytestmark = needs_gfortran


def _both(circuit_path_or_obj, **kwargs):
    out = {}
    for backend in ("numpy", "fortran"):
        c = CircuitTemplate.from_yaml(circuit_path_or_obj) if isinstance(
            circuit_path_or_obj, str) else circuit_path_or_obj()
        out[backend] = c.run(backend=backend, **kwargs)
        if backend == "numpy":
            kwargs_np = kwargs
            del kwargs_np
    return out["numpy"], out["fortran"]


@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_jansen_rit(solver: str) -> None:
    """JRC: pyramidal PSPs over 1 s equal numpy's (alpha rhythm, nonlinear sigmoid)."""
    outputs = {"V_e": "pc/rpo_e_in/v", "V_i": "pc/rpo_i/v"}
    a, b = _both("model_templates.neural_mass_models.jansenrit.JRC", simulation_time=1.0,
                 step_size=1e-4, sampling_step_size=1e-3, outputs=outputs, solver=solver)
    x, y = common_times(a, b, 1e-4)
    assert np.ptp(x[:, 0]) > 1e-3  # the model does something
    assert np.max(np.abs(x - y)) < 1e-10


def test_qif_heun() -> None:
    """QIF mean field (J=15 recurrent edge) with Heun: r and v equal numpy's."""
    outputs = {"r": "p/qif_op/r", "v": "p/qif_op/v"}
    a, b = _both("model_templates.neural_mass_models.qif.qif", simulation_time=20.0,
                 step_size=1e-3, outputs=outputs, solver="heun")
    x, y = common_times(a, b, 1e-3)
    assert np.max(np.abs(x - y)) < 1e-10 * max(1.0, np.max(np.abs(x)))


def _delayed_network() -> CircuitTemplate:
    """10 rate units on a ring with random weights and delays (not multiples of dt)."""
    op = OperatorTemplate(
        "rate_op", equations=["r' = (-r + tanh(r_in + I0))/tau"],
        variables={"r": "output(0.0)", "r_in": "input(0.0)", "I0": 0.7, "tau": 0.05})
    node = NodeTemplate("rate_node", operators=[op])
    rng = np.random.default_rng(3)
    edges = []
    for i in range(10):
        for j in (1, 3):
            edges.append((f"n{i}/rate_op/r", f"n{(i + j) % 10}/rate_op/r_in", None,
                          {"weight": float(rng.normal(0.0, 1.0)),
                           "delay": float(rng.uniform(0.004, 0.02))}))
    return CircuitTemplate("ring", nodes={f"n{i}": node for i in range(10)}, edges=edges)


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_delayed_network(solver: str) -> None:
    """Delayed 10-node network (interpolated delays, zero initial state) equals numpy's."""
    a, b = _both(_delayed_network, simulation_time=0.5, step_size=1e-3,
                 outputs={"r": "all/rate_op/r"}, solver=solver)
    x, y = common_times(a, b, 1e-3)
    assert x.shape[1] == 10 and np.ptp(x) > 0.1
    assert np.max(np.abs(x - y)) < 1e-10


def test_row_convention_and_state_memory() -> None:
    """Row 0 is the initial state at t = 0; the next run starts from the final state."""
    c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif")
    res = c.run(simulation_time=1.0, step_size=1e-3, outputs={"r": "p/qif_op/r"},
                backend="fortran", solver="euler")
    assert res.index[0] == 0.0 and res.shape[0] == 1000
    assert res["r"].iloc[0] == pytest.approx(0.01)
    assert c.run_stats["compile_time"] >= 0.0
    res2 = c.run(simulation_time=1.0, step_size=1e-3, outputs={"r": "p/qif_op/r"},
                 backend="fortran", solver="euler")
    assert res2["r"].iloc[0] != pytest.approx(0.01)
    assert c.run_stats["cache_hit"] is True


def test_get_run_func_vector_field_equals_numpy() -> None:
    """get_run_func(backend='fortran') gives a callable vector field equal to numpy's."""
    y = np.array([0.3, -1.2])
    out = []
    for backend in ("numpy", "fortran"):
        c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif")
        func, args, _, idx = c.get_run_func("vf", step_size=1e-3, backend=backend,
                                            solver="euler")
        order = [idx["p/qif_op/r"], idx["p/qif_op/v"]]
        state = np.zeros(2)
        state[order] = y
        assert args[0] == 0.0 and len(args[1]) == 2  # 1.x: args start with t and y
        out.append(np.asarray(func(0.0, state, *args[2:]))[order])
    assert np.allclose(out[0], out[1], rtol=1e-14, atol=1e-14)
    r, v = y
    assert out[1][0] == pytest.approx(1 / np.pi + 2 * r * v)
