"""Trajectories equal the NumPy backend's; gradients match finite differences; fitting works."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_frontend import CircuitTemplate
from pyrates_frontend.fitting import fit, loss_gradient
from pyrates_frontend.reference_circuits import JRC, OUT2, max_diff_common, qif_network, qif_pair


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_jansen_rit_equals_numpy(solver):
    kw = dict(simulation_time=0.2, step_size=1e-4, solver=solver,
              outputs={"V_e": "pc/rpo_e_in/v", "V_i": "pc/rpo_i/v"})
    ref = CircuitTemplate.from_yaml(JRC).run(backend="numpy", **kw)
    got = CircuitTemplate.from_yaml(JRC).run(backend="torch", **kw)
    err, n = max_diff_common(ref, got)
    assert n >= 1999 and err < 1e-10
    assert float(np.abs(got["V_e"]).max()) > 1e-3  # the trajectory is not trivial


def test_qif_pair_equals_numpy():
    kw = dict(simulation_time=5.0, step_size=1e-3, solver="heun", outputs=OUT2)
    ref = qif_pair(delay=0.5, r0=0.0).run(backend="numpy", **kw)
    got = qif_pair(delay=0.5, r0=0.0).run(backend="torch", **kw)
    err, n = max_diff_common(ref, got)
    assert n >= 4999 and err < 1e-10


@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_delayed_network_equals_numpy(solver):
    """10 QIF nodes, delays 0.1234, 0.2 and 0.35 (interpolated with step 1e-3: 0.1234)."""
    kw = dict(simulation_time=3.0, step_size=1e-3, solver=solver, outputs={"r": "all/qif_op/r"})
    ref = qif_network().run(backend="numpy", **kw)
    got = qif_network().run(backend="torch", **kw)
    err, n = max_diff_common(ref, got)
    assert n >= 2999 and err < 1e-10
    assert float(got.to_numpy().std()) > 1e-3


PARAMS = ["p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight"),
          ("p1/qif_op/r", "p2/qif_op/r_in", "delay")]
T, DT = 4.0, 1e-2


@pytest.fixture(scope="module")
def delayed_target():
    """Target trace of the delayed pair with tau 1, weight 8, delay 0.5."""
    return qif_pair(8.0, 1.0, 0.5).run(T, DT, outputs=OUT2, backend="torch", solver="heun")


def test_gradients_match_finite_differences(delayed_target):
    """Rate constant, edge weight and a delay that is not a multiple of the step."""
    point = {"p1/qif_op/tau": 1.1, "p1/qif_op/r->p2/qif_op/r_in:weight": 7.0,
             "p1/qif_op/r->p2/qif_op/r_in:delay": 0.537}
    shifted = []
    for name, v in point.items():
        h = 1e-5 * v
        shifted += [{**point, name: v + h}, {**point, name: v - h}]
    circuit = qif_pair(7.0, 1.1, 0.537)
    (loss, grad), *rest = loss_gradient(circuit, PARAMS, delayed_target, OUT2, T, DT,
                                        values=[point, *shifted],
                                        solver="heun")
    assert loss > 0
    for i, (name, v) in enumerate(point.items()):
        fd = (rest[2 * i][0] - rest[2 * i + 1][0]) / (2e-5 * v)
        assert abs(grad[name] - fd) <= 1e-5 * abs(fd), (name, grad[name], fd)


def test_fit_recovers_coupling_and_time_constant():
    """The README example: weight 8 and tau 1 from a start 15 % off, to 1 %."""
    outputs, t_sim = OUT2, 6.0
    target = qif_pair(8.0, 1.0).run(t_sim, DT, outputs=outputs, backend="torch")
    start = qif_pair(6.8, 1.15)
    params = ["p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight")]
    res = fit(start, params, target, outputs, t_sim, DT, optimizer="lbfgs", learning_rate=1.0,
              epochs=3)
    assert abs(res.values["p1/qif_op/tau"] - 1.0) < 0.01
    assert abs(res.values["p1/qif_op/r->p2/qif_op/r_in:weight"] - 8.0) < 0.08
    assert res.loss_history[-1] < 1e-3 * res.loss_history[0]
    assert start.get_var("p1/qif_op/tau") == pytest.approx(res.values["p1/qif_op/tau"])
    assert start.edges[0][3]["weight"] == pytest.approx(
        res.values["p1/qif_op/r->p2/qif_op/r_in:weight"])
