"""The framework-neutral run plan of the tensor backends: interpolation weights and stencils."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_core import testing
from pyrates_core.backend import SimulationRequest
from pyrates_core.errors import SolverError
from pyrates_core.tensor_plan import (
    history_lengths,
    initial_state,
    input_rows,
    lagrange_weights,
    stencil_columns,
    stencil_nodes,
)


@pytest.mark.parametrize("q", [0.0, 1.0])
def test_weights_reproduce_polynomials_of_their_degree(q):
    """Cubic stencil (lags -1..2 around the fraction u) is exact for cubics, the quadratic
    one (lags 0..2) for quadratics; both sum to one."""
    u = np.linspace(0.0, 1.0, 11)
    w = lagrange_weights(u, np.full_like(u, q))
    nodes = [0.0, 1.0, 2.0] if q else [-1.0, 0.0, 1.0, 2.0]
    degree = 2 if q else 3
    np.testing.assert_allclose(sum(w), 1.0, atol=1e-14)
    for k in range(degree + 1):
        exact = u ** k
        approx = sum(wi * x ** k for wi, x in zip(w, nodes))
        np.testing.assert_allclose(approx, exact, atol=1e-13)
    if q:
        np.testing.assert_array_equal(w[3], 0.0)


def test_stencil_rejects_delays_below_one_step():
    j, base = stencil_nodes(np.array([0.0, 0.5, 3.25]), 0.1, "edge a -> b")
    assert j.tolist() == [0, 0, 3] and base.tolist() == [0, 0, 2]
    with pytest.raises(SolverError, match="edge a -> b.*shorter than the step size"):
        stencil_nodes(np.array([-0.5]), 0.1, "edge a -> b")


def test_history_lengths():
    """Rows = floor(max lag) + 3, at least 4; a delay inside (0, dt) is an error."""
    got = history_lengths([("x", np.array([0.25, 0.1])), ("y", np.array([0.1])),
                           ("x", np.array([0.72]))], 0.1)
    assert got == {"x": 10, "y": 4}
    with pytest.raises(SolverError, match="0.05 on 'z' is shorter than the step size"):
        history_lengths([("z", np.array([0.05]))], 0.1)


@pytest.mark.parametrize("c", [0.0, 0.5, 1.0])
def test_stencil_columns_read_a_cubic_history_exactly(c):
    """Columns + Lagrange weights reproduce f(t_n + c dt - d) for a cubic f (2 elements)."""
    dt, size, t_n = 0.1, 2, 1.0
    delays = np.array([0.23, 0.35, 0.61])
    n_rows = history_lengths([("x", delays)], dt)["x"]
    src = np.array([0, 1, 1])

    def f(t, e):
        return 1.0 + 2.0 * t - 3.0 * t ** 2 + 0.5 * t ** 3 + e

    times = t_n - (n_rows - 1 - np.arange(n_rows)) * dt  # oldest row first
    buf = np.stack([f(times, e) for e in range(size)], axis=1).reshape(-1)
    j, cols, act = stencil_columns(delays, src, n_rows, size, dt, c, "test")
    u = delays / dt - c - j
    w = np.stack(lagrange_weights(u, (j == 0).astype(float)))
    got = (buf[cols] * w).sum(axis=0)
    np.testing.assert_allclose(got, f(t_n + c * dt - delays, src), rtol=0, atol=1e-12)
    first = np.ceil(delays / dt - 1e-9) if c == 0 else np.floor(delays / dt - c + 1e-9) + 1
    np.testing.assert_array_equal(act, first)


def test_input_rows_defaults_and_errors():
    case = testing.input_pulse(n_steps=5, pulse_step=2)
    req = SimulationRequest(simulation_time=0.5, step_size=0.1)
    (rows,) = input_rows(case.system, ["u"], req, 5)
    assert rows.shape == (5, 1) and not rows.any()  # the default, one row per step
    series = np.arange(5.0)
    req.inputs = {"u": series}
    np.testing.assert_array_equal(input_rows(case.system, ["u"], req, 5)[0][:, 0], series)
    with pytest.raises(SolverError, match=r"shape \(4, 1\), expected \(5, 1\)"):
        input_rows(case.system, ["u"], SimulationRequest(0.5, 0.1, inputs={"u": series[:4]}), 5)
    with pytest.raises(SolverError, match="'w'.*not inputs of the model"):
        input_rows(case.system, ["u"], SimulationRequest(0.5, 0.1, inputs={"w": series}), 5)


def test_initial_state_given_or_default():
    case = testing.exponential_decay()
    req = SimulationRequest(simulation_time=1.0, step_size=0.1)
    np.testing.assert_array_equal(initial_state(case.system, req), case.system.initial_state())
    req.initial_state = np.arange(case.system.n_state, dtype=float)
    np.testing.assert_array_equal(initial_state(case.system, req), req.initial_state)
    req.initial_state = np.zeros(case.system.n_state + 1)
    with pytest.raises(SolverError, match="initial_state has"):
        initial_state(case.system, req)
