"""Trajectories equal the NumPy backend's (compared on common time points)."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_frontend import CircuitTemplate
from pyrates_frontend.reference_circuits import JRC, OUT2, max_diff_common, qif_network, qif_pair


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_jansen_rit_equals_numpy(solver):
    kw = dict(simulation_time=0.2, step_size=1e-4, solver=solver,
              outputs={"V_e": "pc/rpo_e_in/v", "V_i": "pc/rpo_i/v"})
    ref = CircuitTemplate.from_yaml(JRC).run(backend="numpy", **kw)
    got = CircuitTemplate.from_yaml(JRC).run(backend="tensorflow", **kw)
    err, n = max_diff_common(ref, got)
    assert n >= 1999 and err < 1e-10
    assert float(np.abs(got["V_e"]).max()) > 1e-3  # the trajectory is not trivial


def test_qif_pair_equals_numpy():
    kw = dict(simulation_time=5.0, step_size=1e-3, solver="heun", outputs=OUT2)
    ref = qif_pair(delay=0.5, r0=0.0).run(backend="numpy", **kw)
    got = qif_pair(delay=0.5, r0=0.0).run(backend="tensorflow", **kw)
    err, n = max_diff_common(ref, got)
    assert n >= 4999 and err < 1e-10


@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_delayed_network_equals_numpy(solver):
    """10 QIF nodes, delays 0.1234, 0.2 and 0.35 (interpolated with step 1e-3: 0.1234)."""
    kw = dict(simulation_time=3.0, step_size=1e-3, solver=solver, outputs={"r": "all/qif_op/r"})
    ref = qif_network().run(backend="numpy", **kw)
    got = qif_network().run(backend="tensorflow", **kw)
    err, n = max_diff_common(ref, got)
    assert n >= 2999 and err < 1e-10
    assert float(got.to_numpy().std()) > 1e-3
