"""Balloon-Windkessel BOLD observer: resting state, steady state under constant activity
(closed form), haemodynamic response to a brief burst, and coupling to a neural node."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_frontend import CircuitTemplate

BOLD = "model_templates.observers.bold"
P = dict(kappa=0.65, gamma=0.41, tau=0.98, alpha=0.32, E0=0.4, V0=0.04, nu0=40.3, r0=25.0,
         TE=0.04, eps=0.5)
DT = 1e-2


def bold_signal(q, v, p=P):
    k1 = 4.3 * p["nu0"] * p["E0"] * p["TE"]
    k2 = p["eps"] * p["r0"] * p["E0"] * p["TE"]
    k3 = 1.0 - p["eps"]
    return p["V0"] * (k1 * (1 - q) + k2 * (1 - q / v) + k3 * (1 - v))


def steady_state(r, gain=1.0, p=P):
    """Fixed point for constant activity r: s = 0, f = 1 + gain r/gamma, v = f^alpha, and
    f (1 - (1 - E0)^(1/f)) / E0 = f q / v."""
    f = 1.0 + gain * r / p["gamma"]
    v = f ** p["alpha"]
    q = v * (1.0 - (1.0 - p["E0"]) ** (1.0 / f)) / p["E0"]
    return f, v, q, bold_signal(q, v, p)


def _drive(activity: np.ndarray, T: float):
    c = CircuitTemplate.from_yaml(f"{BOLD}.bold")
    return c.run(simulation_time=T, step_size=DT, solver="rk4", backend="numpy", numba=False,
                 sampling_step_size=DT, inputs={"p/bold_op/r": activity},
                 outputs={"y": "p/bold_op/y", "f": "p/bold_op/f", "v": "p/bold_op/v",
                          "q": "p/bold_op/q"})


def test_rest_is_a_fixed_point_with_zero_signal():
    T = 10.0
    res = _drive(np.zeros(int(round(T / DT))), T)
    np.testing.assert_allclose(res["y"].to_numpy(), 0.0, atol=1e-12)
    np.testing.assert_allclose(res["f"].to_numpy(), 1.0, atol=1e-12)


def test_brief_burst_gives_delayed_positive_peak_and_undershoot():
    T = 30.0
    n = int(round(T / DT))
    t = np.arange(n) * DT
    activity = np.where((t >= 1.0) & (t < 2.0), 1.0, 0.0)
    res = _drive(activity, T)
    y = res["y"].to_numpy()
    times = res.index.to_numpy(dtype=float)
    t_peak = times[np.argmax(y)] - 1.0  # relative to the burst onset
    assert 3.0 <= t_peak <= 6.0, f"BOLD peak {t_peak:.2f} s after onset"
    assert y.max() > 0.01  # about 2.6 % signal change for one second of unit activity
    assert y[times > 1.0 + t_peak].min() < 0  # post-stimulus undershoot
    assert abs(y[-1]) < 0.05 * y.max()


def test_constant_activity_reaches_closed_form_steady_state():
    T, r = 60.0, 0.5
    res = _drive(np.full(int(round(T / DT)), r), T)
    f, v, q, y = steady_state(r)
    assert res["f"].iloc[-1] == pytest.approx(f, rel=1e-4)
    assert res["v"].iloc[-1] == pytest.approx(v, rel=1e-4)
    assert res["q"].iloc[-1] == pytest.approx(q, rel=1e-4)
    assert res["y"].iloc[-1] == pytest.approx(y, rel=1e-3)
    assert y > 0


def test_bold_attached_to_qif_node_reads_its_rate():
    # in qif_bold_pop, bold_op's input r is the r of qif_op of the same node
    c = CircuitTemplate.from_yaml(f"{BOLD}.qif_bold")
    res = c.run(simulation_time=60.0, step_size=1e-2, solver="rk4", backend="numpy", numba=False,
                sampling_step_size=0.1, outputs={"r": "p/qif_op/r", "y": "p/bold_op/y"})
    r_end = float(res["r"].iloc[-1])
    assert r_end == pytest.approx(0.0811344, rel=1e-3)  # MPR low-activity fixed point, eta=-5
    assert res["y"].iloc[-1] == pytest.approx(steady_state(r_end)[3], rel=1e-3)
