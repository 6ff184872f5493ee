"""Trajectories of the jax backend equal those of the numpy backend (1e-10), by time value."""

from __future__ import annotations

import numpy as np
import pytest
from jax_backend_testlib import delayed_network, max_diff_by_time

from pyrates_frontend import CircuitTemplate

JRC = "model_templates.neural_mass_models.jansenrit.JRC"
QIF = "model_templates.neural_mass_models.qif.qif"
TOL = 1e-10


def _both(make, solver: str, **kwargs):
    frames = {}
    for backend in ("numpy", "jax"):
        frames[backend] = make().run(solver=solver, backend=backend, **kwargs)
    return frames["numpy"], frames["jax"]


@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_jansen_rit(solver: str) -> None:
    """JRC with a noisy input: 4000 steps, sampled every 10 steps."""
    dt = 1e-4
    u = np.random.default_rng(0).uniform(120.0, 320.0, (4000, 1))
    a, b = _both(lambda: CircuitTemplate.from_yaml(JRC), solver, simulation_time=0.4,
                 step_size=dt, sampling_step_size=1e-3, inputs={"pc/rpo_e_in/u": u},
                 outputs={"V_e": "pc/rpo_e_in/v", "V_i": "pc/rpo_i/v"})
    err, n = max_diff_by_time(a, b, dt)
    assert n >= 399
    assert float(np.ptp(a["V_e"])) > 1e-3  # the trajectory is not trivial
    assert err < TOL, f"max |numpy - jax| = {err:.3g}"


@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_qif(solver: str) -> None:
    """The recurrent QIF population with a step input current."""
    dt = 1e-3
    current = np.zeros((20000, 1))
    current[5000:12000] = 3.0
    a, b = _both(lambda: CircuitTemplate.from_yaml(QIF), solver, simulation_time=20.0,
                 step_size=dt, sampling_step_size=1e-2, inputs={"p/qif_op/I_ext": current},
                 outputs={"r": "p/qif_op/r", "v": "p/qif_op/v"})
    err, n = max_diff_by_time(a, b, dt)
    assert n >= 1999
    assert float(a["r"].max()) > 0.5  # the input drives the population to high activity
    assert err < TOL, f"max |numpy - jax| = {err:.3g}"


@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_delayed_network(solver: str) -> None:
    """10 QIF nodes, discrete delays on and off the step grid, two gamma-kernel edges."""
    dt = 1e-3
    a, b = _both(delayed_network, solver, simulation_time=8.0, step_size=dt,
                 sampling_step_size=1e-2, outputs={"r": "all/qif_op/r"})
    err, n = max_diff_by_time(a, b, dt)
    assert n >= 799 and a.shape[1] == 10
    assert float(np.ptp(a.to_numpy())) > 0.1
    assert err < TOL, f"max |numpy - jax| = {err:.3g}"


@pytest.mark.parametrize("history", ["zero", "initial"])
def test_delays_from_an_algebraic_variable(tmp_path, history: str) -> None:
    """Delayed edges and past() reading an assignment, delays off the step grid, RK4."""
    import sympy as sp

    from pyrates_core.backend import CodegenOptions, SimulationRequest
    from pyrates_core.functions import EdgeSum, Past
    from pyrates_core.registry import get_backend
    from pyrates_core.system import Assignment, EdgeBundle, ParameterSpec, StateSpec, SystemIR

    x, a = sp.symbols("x a")
    labels = [f"n{i}/op/x" for i in range(3)]
    bundle = EdgeBundle("e", "a", 3, 3, np.array([0, 1, 2, 0]), np.array([1, 2, 0, 2]), "w",
                        np.array([0.037, 0.015, 0.05, 0.0123]))
    system = SystemIR([StateSpec("x", 0, np.array([0.5, -0.2, 0.1]), labels)],
                      [-x + EdgeSum(a, 0) + 0.3 * Past(a, 0.021)],
                      {"w": ParameterSpec("w", np.array([1.5, -2.0, 1.0, 0.7]))}, {},
                      [Assignment("a", sp.tanh(2 * x) + 0.1, 3, [f"n{i}/op/a" for i in range(3)])],
                      [bundle])
    request = SimulationRequest(simulation_time=2.0, step_size=0.01, solver="rk4",
                                outputs={"x": ("x", np.arange(3)), "a": ("a", np.arange(3))},
                                history=history)
    results = []
    for name in ("numpy", "jax"):
        backend = get_backend(name)
        extra = {"numba": False} if name == "numpy" else {}
        code = backend.generate(system, CodegenOptions(solver="rk4", step_size=0.01, extra=extra))
        results.append(backend.integrate(backend.load(code, tmp_path / name), request))
    ref, got = results
    np.testing.assert_allclose(got.time, ref.time, atol=1e-12)
    for key in ("x", "a"):
        assert np.abs(got.outputs[key] - ref.outputs[key]).max() < TOL
    assert np.ptp(ref.outputs["x"]) > 0.1
