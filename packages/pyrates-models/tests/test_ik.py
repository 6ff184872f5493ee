"""Izhikevich mean-field models: PyRates' solution equals a direct scipy solution of the
published mean-field equations (Chen & Campbell 2022; Gast, Solla & Kennedy 2023), with the
right-hand sides written out by hand below."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pyrates_frontend import CircuitTemplate

IK = "model_templates.neural_mass_models.ik"
PI = np.pi

# regular-spiking parameters (Izhikevich 2007, ch. 8) as used by Gast et al. (2023)
BIOPHYSICAL = dict(Delta=1.0, k=0.7, C=100.0, v_r=-60.0, v_t=-40.0, g=15.0, E_r=0.0, a=0.03,
                   b=-2.0, d=100.0, tau_s=6.0, eta=60.0)
DIMENSIONLESS = dict(Delta=0.02, tau=1.0, eta=0.12, alpha=0.6215, g=1.2308, E_r=1.0, b=-0.0062,
                     a=0.0077, d=0.0189, tau_s=2.6)


def rhs_thresholds(t, y, p, J):
    """Lorentzian spike thresholds v_t,i (half-width Delta) plus background current eta."""
    r, v, u, s = y
    C, k, vr, vt, D, g = p["C"], p["k"], p["v_r"], p["v_t"], p["Delta"], p["g"]
    dr = (D * k**2 * abs(v - vr) / (PI * C) + r * (k * (2 * v - vr - vt) - g * s)) / C
    dv = (k * v * (v - vr - vt) + k * vr * vt + p["eta"] - u + g * s * (p["E_r"] - v)
          - PI * C * r * (D * np.sign(v - vr) + PI * C * r / k)) / C
    du = p["a"] * (p["b"] * (v - vr) - u) + p["d"] * r
    ds = J * r - s / p["tau_s"]
    return [dr, dv, du, ds]


def rhs_thresholds_1x(t, y, p, J):
    """Lorentzian spike thresholds in the form of PyRates 1.x (valid while v > v_r)."""
    r, v, u, s = y
    C, k, vr, vt, D, g = p["C"], p["k"], p["v_r"], p["v_t"], p["Delta"], p["g"]
    dr = (D * k**2 * (v - vr) / (PI * C) + r * (k * (2 * v - vr - vt) - g * s)) / C
    dv = (k * v * (v - vr - vt) + k * vr * vt + p["eta"] - u + g * s * (p["E_r"] - v)
          - PI * C * r * (D + PI * C * r / k)) / C
    du = p["a"] * (p["b"] * (v - vr) - u) + p["d"] * r
    ds = J * r - s / p["tau_s"]
    return [dr, dv, du, ds]


def rhs_currents(t, y, p, J):
    """Lorentzian background currents (centre eta, half-width Delta)."""
    r, v, u, s = y
    C, k, vr, vt, D, g = p["C"], p["k"], p["v_r"], p["v_t"], p["Delta"], p["g"]
    dr = (D * k / (PI * C) + r * (k * (2 * v - vr - vt) - g * s)) / C
    dv = (k * v * (v - vr - vt) + k * vr * vt + p["eta"] - u + g * s * (p["E_r"] - v)
          - (PI * C * r)**2 / k) / C
    du = p["a"] * (p["b"] * (v - vr) - u) + p["d"] * r
    ds = J * r - s / p["tau_s"]
    return [dr, dv, du, ds]


def rhs_dimensionless(t, y, p, J):
    r, v, u, s = y
    tau, g = p["tau"], p["g"]
    dr = (p["Delta"] / (PI * tau) + r * (2 * v - p["alpha"] - g * s * tau)) / tau
    dv = (v**2 - p["alpha"] * v + p["eta"] - u + g * s * tau * (p["E_r"] - v)
          - (PI * tau * r)**2) / tau
    du = p["a"] * (p["b"] * v - u) + p["d"] * r
    ds = J * r - s / p["tau_s"]
    return [dr, dv, du, ds]


CASES = {
    "ik_bg": (rhs_thresholds, BIOPHYSICAL, [0.0, -60.0, 0.0, 0.0], 500.0),
    "ik_eta": (rhs_currents, BIOPHYSICAL, [0.0, -60.0, 0.0, 0.0], 500.0),
    "ik_theta": (rhs_thresholds_1x, BIOPHYSICAL, [0.0, -55.0, 0.0, 0.0], 500.0),
    "ik_nodim": (rhs_dimensionless, DIMENSIONLESS, [0.0, 0.0, 0.0, 0.0], 300.0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_direct_scipy_solution(name):
    rhs, params, y0, T = CASES[name]
    op = f"{name}_op"
    c = CircuitTemplate.from_yaml(f"{IK}.{name}")
    values = {f"p/{op}/{key}": val for key, val in params.items()}
    values.update({f"p/{op}/{var}": val for var, val in zip("rvus", y0)})
    c.update_var(node_vars=values)
    res = c.run(simulation_time=T, step_size=1e-2, solver="scipy", method="RK45", rtol=1e-10,
                atol=1e-12, backend="numpy", numba=False, sampling_step_size=1.0,
                outputs={"r": f"p/{op}/r", "v": f"p/{op}/v"})
    ref = solve_ivp(rhs, (0.0, T), y0, args=(params, 1.0), method="RK45", rtol=1e-10,
                    atol=1e-12, dense_output=True)
    t = res.index.to_numpy(dtype=float)
    r_ref, v_ref = ref.sol(t)[0], ref.sol(t)[1]
    assert np.ptp(r_ref) > 0  # the comparison is not against a constant
    np.testing.assert_allclose(res["r"].to_numpy(), r_ref, rtol=0, atol=1e-5 * np.ptp(r_ref))
    np.testing.assert_allclose(res["v"].to_numpy(), v_ref, rtol=0, atol=1e-5 * np.ptp(v_ref))


def test_threshold_model_has_bursting_regime():
    # with the regular-spiking parameters and eta = 60 pA the population bursts (limit cycle)
    rhs, params, y0, _ = CASES["ik_bg"]
    c = CircuitTemplate.from_yaml(f"{IK}.ik_bg")
    c.update_var(node_vars={f"p/ik_bg_op/{k}": v for k, v in params.items()})
    res = c.run(simulation_time=600.0, step_size=5e-2, solver="rk4", backend="numpy", numba=False,
                sampling_step_size=1.0, outputs={"r": "p/ik_bg_op/r"})
    r = res["r"].to_numpy()[-200:]
    assert np.ptp(r) > 0.005  # rates in 1/ms: oscillation of >5 Hz peak-to-peak


def test_dimensionless_model_without_recovery_is_the_conductance_qif_model():
    # alpha = a = b = d = 0 removes the Izhikevich terms: ik_nodim is then qif_conduct
    # (same Delta, eta, g, E_r/e_r, tau_s and recurrent weight 1)
    T, dt = 40.0, 1e-2
    n = int(round(T / dt))
    pulse = np.zeros(n)
    pulse[int(10.0 / dt):int(20.0 / dt)] = 3.0
    ik = CircuitTemplate.from_yaml(f"{IK}.ik_nodim")
    ik.update_var(node_vars={"p/ik_nodim_op/alpha": 0.0, "p/ik_nodim_op/a": 0.0,
                             "p/ik_nodim_op/b": 0.0, "p/ik_nodim_op/d": 0.0,
                             "p/ik_nodim_op/Delta": 1.0, "p/ik_nodim_op/eta": -5.0,
                             "p/ik_nodim_op/g": 5.0, "p/ik_nodim_op/tau_s": 2.0})
    kw = dict(simulation_time=T, step_size=dt, solver="rk4", backend="numpy", numba=False,
              sampling_step_size=0.1)
    a = ik.run(outputs={"r": "p/ik_nodim_op/r"}, inputs={"p/ik_nodim_op/I_ext": pulse}, **kw)
    qif = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif_conduct")
    b = qif.run(outputs={"r": "p/qif_conduct_op/r"}, inputs={"p/qif_conduct_op/I_ext": pulse},
                **kw)
    common = a.index.intersection(b.index)
    assert len(common) > 300
    r_a, r_b = a.loc[common, "r"].to_numpy(), b.loc[common, "r"].to_numpy()
    assert np.ptp(r_a) > 0.1  # the pulse moves the population
    np.testing.assert_allclose(r_a, r_b, rtol=1e-10, atol=1e-12)
