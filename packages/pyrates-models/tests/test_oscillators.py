"""Proofs for the oscillator library: van der Pol, Stuart-Landau, Hopf, FitzHugh-Nagumo,
Kuramoto phase oscillators and the Ott-Antonsen Kuramoto mean field."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from pyrates_frontend import CircuitTemplate, NodeTemplate

OSC = "model_templates.oscillators"


def mean_period(signal: np.ndarray, dt: float) -> float:
    """Mean interval between upward zero crossings (linearly interpolated) of ``signal``."""
    x = np.asarray(signal, dtype=float) - np.mean(signal)
    idx = np.nonzero((x[:-1] < 0) & (x[1:] >= 0))[0]
    assert len(idx) >= 3, "fewer than three upward zero crossings"
    times = (idx + x[idx] / (x[idx] - x[idx + 1])) * dt
    return float(np.mean(np.diff(times)))


def _run(path, T, dt, outputs, values=None, dts=None, solver="rk4"):
    c = CircuitTemplate.from_yaml(path)
    if values:
        c.update_var(node_vars=values)
    return c.run(simulation_time=T, step_size=dt, solver=solver, backend="numpy", numba=False,
                 sampling_step_size=dts or dt, outputs=outputs)


def test_van_der_pol_small_mu_limit_cycle():
    # weakly nonlinear limit: amplitude 2 and period 2*pi*(1 + mu^2/16 + O(mu^4))
    mu = 0.1
    res = _run(f"{OSC}.vanderpol.vdp", 150.0, 1e-2, {"x": "p/vdp_op/x"}, {"p/vdp_op/mu": mu})
    x = res["x"].to_numpy()[-3000:]  # last 30 time units, about 5 cycles
    assert np.max(np.abs(x)) == pytest.approx(2.0, abs=0.01)
    assert mean_period(x, 1e-2) == pytest.approx(2 * np.pi * (1 + mu**2 / 16), rel=2e-3)


@pytest.mark.parametrize("omega,x0", [(3.0, 0.2), (1.0, 2.0)])
def test_stuart_landau_unit_circle_and_frequency(omega, x0):
    # r' = r (1 - r^2) in polar form, phase' = -omega: from inside and outside onto r = 1
    res = _run(f"{OSC}.stuartlandau.sl", 40.0, 1e-2, {"x": "p/sl_op/x", "z": "p/sl_op/z"},
               {"p/sl_op/omega": omega, "p/sl_op/x": x0})
    x, z = res["x"].to_numpy()[-2000:], res["z"].to_numpy()[-2000:]
    np.testing.assert_allclose(np.hypot(x, z), 1.0, rtol=1e-6)
    assert mean_period(x, 1e-2) == pytest.approx(2 * np.pi / omega, rel=1e-3)
    # the radius follows the logistic solution r(t)^2 = 1 / (1 + (1/r0^2 - 1) exp(-2t))
    t = res.index.to_numpy(dtype=float)
    early = t <= 3.0
    r_exact = 1.0 / np.sqrt(1.0 + (1.0 / x0**2 - 1.0) * np.exp(-2.0 * t[early]))
    radius = np.hypot(res["x"].to_numpy()[early], res["z"].to_numpy()[early])
    np.testing.assert_allclose(radius, r_exact, rtol=1e-6)


@pytest.mark.parametrize("a", [1.0, 0.25])
def test_hopf_radius_is_sqrt_a(a):
    omega = 2 * np.pi  # 1 Hz
    res = _run(f"{OSC}.hopf.hopf", 30.0, 1e-2, {"x": "p/hopf_op/x", "y": "p/hopf_op/y"},
               {"p/hopf_op/a": a, "p/hopf_op/omega": omega}, dts=1e-2)
    x, y = res["x"].to_numpy()[-500:], res["y"].to_numpy()[-500:]
    np.testing.assert_allclose(np.hypot(x, y), np.sqrt(a), rtol=1e-4)
    assert mean_period(x, 1e-2) == pytest.approx(1.0, rel=1e-3)


def test_hopf_focus_for_negative_a():
    res = _run(f"{OSC}.hopf.hopf", 30.0, 1e-2, {"x": "p/hopf_op/x", "y": "p/hopf_op/y"},
               {"p/hopf_op/a": -0.5, "p/hopf_op/omega": 2 * np.pi}, dts=1e-2)
    # radius decays as exp(a*t): 0.1*exp(-15) ~ 3e-8
    assert np.hypot(res["x"].iloc[-1], res["y"].iloc[-1]) < 1e-6


def test_hopf_diffusive_coupling_synchronises_identical_units():
    c = CircuitTemplate.from_yaml(f"{OSC}.hopf.hopf_2coupled")
    c.update_var(node_vars={"p1/hopf_op/a": 1.0, "p2/hopf_op/a": 1.0,
                            "p1/hopf_op/omega": 2 * np.pi, "p2/hopf_op/omega": 2 * np.pi,
                            "p1/hopf_op/x": 1.0, "p1/hopf_op/y": 0.0,
                            "p2/hopf_op/x": -0.5, "p2/hopf_op/y": 0.5})
    res = c.run(simulation_time=20.0, step_size=1e-2, solver="rk4", backend="numpy", numba=False,
                sampling_step_size=1e-2, outputs={"x": "all/hopf_op/x"})
    x1, x2 = res[("x", "p1")].to_numpy(), res[("x", "p2")].to_numpy()
    # diffusive coupling vanishes on the synchronous solution, which is then the uncoupled cycle
    np.testing.assert_allclose(x1[-200:], x2[-200:], atol=1e-6)
    assert np.max(np.abs(x1[-200:])) == pytest.approx(1.0, rel=1e-3)


def test_fitzhugh_nagumo_rest_state_and_oscillation():
    a, b = 0.7, 0.8
    v_star = brentq(lambda v: v - v**3 / 3 - (v + a) / b, -3.0, 3.0)
    res = _run(f"{OSC}.fitzhugh_nagumo.fhn", 200.0, 1e-2, {"v": "p/fhn_op/v", "w": "p/fhn_op/w"},
               {"p/fhn_op/v": 0.0, "p/fhn_op/w": 0.0})
    assert float(res["v"].iloc[-1]) == pytest.approx(v_star, abs=1e-5)
    assert float(res["w"].iloc[-1]) == pytest.approx((v_star + a) / b, abs=1e-5)
    # a constant current above the Hopf point (~0.33) gives relaxation oscillations
    n = int(round(300.0 / 1e-2))
    c = CircuitTemplate.from_yaml(f"{OSC}.fitzhugh_nagumo.fhn")
    res = c.run(simulation_time=300.0, step_size=1e-2, solver="rk4", backend="numpy", numba=False,
                sampling_step_size=1e-1, outputs={"v": "p/fhn_op/v"},
                inputs={"p/fhn_op/I_ext": np.full(n, 0.5)})
    v = res["v"].to_numpy()[-1000:]
    assert np.ptp(v) > 3.5
    assert 30.0 < mean_period(v, 1e-1) < 45.0


def _lorentzian_quantiles(n: int, centre: float, width: float) -> np.ndarray:
    return centre + width * np.tan(np.pi * (np.arange(n) + 0.5) / n - np.pi / 2)


def _kuramoto_order(K: float, N: int = 200, gamma: float = 0.5, T: float = 40.0):
    """Order parameter R(t) of N globally coupled phase oscillators (hub construction)."""
    osc = NodeTemplate.from_yaml(f"{OSC}.kuramoto.phase_global_pop")
    hub = NodeTemplate.from_yaml(f"{OSC}.kuramoto.order_pop")
    nodes = {f"p{i}": osc for i in range(N)}
    nodes["hub"] = hub
    edges = []
    for i in range(N):
        edges += [(f"p{i}/phase_global_op/c", "hub/order_op/c_in", None, {"weight": 1.0 / N}),
                  (f"p{i}/phase_global_op/s", "hub/order_op/s_in", None, {"weight": 1.0 / N}),
                  ("hub/order_op/C", f"p{i}/phase_global_op/c_in", None, {"weight": 1.0}),
                  ("hub/order_op/S", f"p{i}/phase_global_op/s_in", None, {"weight": 1.0})]
    c = CircuitTemplate("kuramoto_net", nodes=nodes, edges=edges)
    omegas = _lorentzian_quantiles(N, 0.0, gamma)
    values = {}
    for i in range(N):
        values[f"p{i}/phase_global_op/omega"] = float(omegas[i])
        values[f"p{i}/phase_global_op/K"] = K
        values[f"p{i}/phase_global_op/theta"] = 2 * np.pi * i / N  # splay state: R(0) = 0
    c.update_var(node_vars=values)
    res = c.run(simulation_time=T, step_size=1e-2, solver="rk4", backend="numpy", numba=False,
                sampling_step_size=0.1, outputs={"R": "hub/order_op/R"})
    return res["R"].to_numpy()


def test_kuramoto_synchronisation_threshold():
    gamma = 0.5  # K_c = 2*gamma = 1
    R_strong = _kuramoto_order(K=4.0, gamma=gamma)[-100:].mean()
    R_weak = _kuramoto_order(K=0.25, gamma=gamma)[-100:].mean()
    assert R_strong == pytest.approx(np.sqrt(1 - 2 * gamma / 4.0), abs=0.05)  # Ott-Antonsen
    assert R_weak < 0.1


@pytest.mark.parametrize("delta", [0.1, 0.3, 1.0])
def test_kuramoto_mean_field_order_parameter(delta):
    # Ott-Antonsen with K = 1 (edge weight): |z| -> sqrt(1 - 2*Delta/K) above K_c = 2*Delta,
    # |z| -> 0 (incoherence) below it
    res = _run(f"{OSC}.kuramoto.kmo_mf", 40.0, 1e-2, {"z": "p/kmo_op/z"},
               {"p/kmo_op/Delta": delta})
    z = res["z"].to_numpy()
    expected = np.sqrt(1 - 2 * delta) if 2 * delta < 1.0 else 0.0
    assert np.abs(z[-1]) == pytest.approx(expected, abs=1e-4)
    # the phase of z turns with the mean frequency omega = 10 (default)
    phase = np.unwrap(np.angle(z[-500:])) if expected else None
    if phase is not None:
        assert np.mean(np.diff(phase)) / 1e-2 == pytest.approx(10.0, rel=1e-4)
