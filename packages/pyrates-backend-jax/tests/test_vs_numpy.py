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
