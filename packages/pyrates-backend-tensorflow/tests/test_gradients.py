"""Gradients match finite differences and the graph-mode path; fitting recovers parameters."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_frontend.fitting import fit, loss_gradient
from pyrates_frontend.reference_circuits import OUT2, qif_pair

PARAMS = ["p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight"),
          ("p1/qif_op/r", "p2/qif_op/r_in", "delay")]
T, DT = 4.0, 1e-2


@pytest.fixture(scope="module")
def delayed_target():
    """Target trace of the delayed pair with tau 1, weight 8, delay 0.5."""
    return qif_pair(8.0, 1.0, 0.5).run(T, DT, outputs=OUT2, backend="tensorflow", solver="heun",
                                       jit_compile=False)


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
                                        solver="heun", backend="tensorflow")
    assert loss > 0
    for i, (name, v) in enumerate(point.items()):
        fd = (rest[2 * i][0] - rest[2 * i + 1][0]) / (2e-5 * v)
        assert abs(grad[name] - fd) <= 1e-5 * abs(fd), (name, grad[name], fd)


def test_fit_recovers_coupling_and_time_constant():
    """The README example: weight 8 and tau 1 from a start 15 % off, to 1 %, with a keras
    Adam optimizer on a decaying learning rate; p1 is driven by a sine input."""
    import tensorflow as tf

    outputs, t_sim, dt = OUT2, 6.0, 2e-2
    n = int(round(t_sim / dt))
    drive = {"p1/qif_op/I_ext": 3.0 * np.sin(np.pi * np.arange(n) * dt)}
    target = qif_pair(8.0, 1.0).run(t_sim, dt, outputs=outputs, inputs=drive,
                                    backend="tensorflow", jit_compile=False)
    start = qif_pair(6.8, 1.15)
    params = ["p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight")]
    schedule = tf.keras.optimizers.schedules.ExponentialDecay(0.05, 10, 0.6)
    res = fit(start, params, target, outputs, t_sim, dt, inputs=drive, backend="tensorflow",
              optimizer=tf.keras.optimizers.Adam(schedule), epochs=60)
    assert abs(res.values["p1/qif_op/tau"] - 1.0) < 0.01
    assert abs(res.values["p1/qif_op/r->p2/qif_op/r_in:weight"] - 8.0) < 0.08
    assert res.loss_history[-1] < 1e-2 * res.loss_history[0]
    assert start.get_var("p1/qif_op/tau") == pytest.approx(res.values["p1/qif_op/tau"])
    assert start.edges[0][3]["weight"] == pytest.approx(
        res.values["p1/qif_op/r->p2/qif_op/r_in:weight"])


def test_graph_mode_gradient_equals_xla(delayed_target):
    """Gradients through the plain graph (one outer tape) equal those taken inside XLA."""
    circuit = qif_pair(7.0, 1.1, 0.537)
    xla = loss_gradient(circuit, PARAMS, delayed_target, OUT2, T, DT, solver="heun",
                        backend="tensorflow")
    graph = loss_gradient(circuit, PARAMS, delayed_target, OUT2, T, DT, solver="heun",
                          backend="tensorflow", jit_compile=False)
    assert graph[0] == pytest.approx(xla[0], rel=1e-12)
    for name, g in xla[1].items():
        assert graph[1][name] == pytest.approx(g, rel=1e-9)
