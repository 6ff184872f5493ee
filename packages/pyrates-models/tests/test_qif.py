"""Proofs for the QIF (Montbrio-Pazo-Roxin) mean-field model and its variants.

The fixed points are computed here from the model equations, independently of PyRates:
  dr/dt = 0  ->  v = -Delta / (2 pi tau r)
  dv/dt = 0  ->  v^2 + eta + J tau r - (pi tau r)^2 = 0
Substituting v gives the quartic
  -pi^2 tau^2 r^4 + J tau r^3 + eta r^2 + Delta^2/(4 pi^2 tau^2) = 0,
and solving for eta, eta(r) = pi^2 tau^2 r^2 - J tau r - Delta^2/(4 pi^2 tau^2 r^2), whose
local extrema (d eta/dr = 0) are the saddle-node bifurcations bounding the bistable range.
"""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_frontend import CircuitTemplate

QIF = "model_templates.neural_mass_models.qif"


def fixed_points(eta: float, J: float = 15.0, Delta: float = 1.0, tau: float = 1.0):
    """All (r, v) fixed points with r > 0, sorted by r."""
    roots = np.roots([-np.pi**2 * tau**2, J * tau, eta, 0.0, Delta**2 / (4 * np.pi**2 * tau**2)])
    rs = sorted(z.real for z in roots if abs(z.imag) < 1e-9 and z.real > 0)
    return [(r, -Delta / (2 * np.pi * tau * r)) for r in rs]


def saddle_nodes(J: float = 15.0, Delta: float = 1.0) -> tuple[float, float]:
    """eta values of the two fold points (tau = 1): extrema of eta(r)."""
    # d eta/dr = 2 pi^2 r - J + Delta^2 / (2 pi^2 r^3) = 0, times r^3:
    roots = np.roots([2 * np.pi**2, -J, 0.0, 0.0, Delta**2 / (2 * np.pi**2)])
    rs = [z.real for z in roots if abs(z.imag) < 1e-9 and z.real > 0]
    etas = sorted(np.pi**2 * r**2 - J * r - Delta**2 / (4 * np.pi**2 * r**2) for r in rs)
    assert len(etas) == 2
    return etas[0], etas[1]


def test_analytic_helpers_are_consistent():
    lo, hi = saddle_nodes()
    # MPR (2015), Fig. 1: for J = 15, Delta = 1 the bistable range lies between about -5.7 and -3.1
    assert -6.0 < lo < -5.5 and -3.3 < hi < -3.0
    assert len(fixed_points(0.5 * (lo + hi))) == 3
    assert len(fixed_points(lo - 0.5)) == 1 and len(fixed_points(hi + 0.5)) == 1


def _run_qif(eta: float, r0: float, v0: float, T: float = 60.0, template: str = "qif",
             op: str = "qif_op", extra: dict | None = None):
    c = CircuitTemplate.from_yaml(f"{QIF}.{template}")
    values = {f"p/{op}/eta": eta, f"p/{op}/r": r0, f"p/{op}/v": v0}
    values.update(extra or {})
    c.update_var(node_vars=values)
    res = c.run(simulation_time=T, step_size=1e-2, solver="rk4", backend="numpy", numba=False,
                sampling_step_size=0.1, outputs={"r": f"p/{op}/r", "v": f"p/{op}/v"})
    return float(res["r"].iloc[-1]), float(res["v"].iloc[-1])


@pytest.mark.parametrize("eta", [-3.0, -8.0, -12.0])
def test_qif_converges_to_analytic_fixed_point(eta):
    (r_star, v_star), = fixed_points(eta)  # a unique fixed point outside the bistable range
    r, v = _run_qif(eta, 0.01, -2.0)
    assert r == pytest.approx(r_star, rel=1e-3)
    assert v == pytest.approx(v_star, rel=1e-3)


def test_qif_bistable_range_matches_saddle_nodes():
    lo, hi = saddle_nodes()
    low_start = fixed_points(-8.0)[0]   # deep in the low-activity regime
    high_start = fixed_points(-2.0)[0]  # deep in the high-activity regime
    for eta in (lo + 0.4, 0.5 * (lo + hi), hi - 0.4):
        fps = fixed_points(eta)
        assert len(fps) == 3
        r_low, _ = _run_qif(eta, *low_start)
        r_high, _ = _run_qif(eta, *high_start)
        assert r_low == pytest.approx(fps[0][0], rel=2e-3), f"low branch at eta={eta}"
        assert r_high == pytest.approx(fps[2][0], rel=2e-3), f"high branch at eta={eta}"
    for eta in (lo - 0.8, hi + 0.5):
        (r_star, _), = fixed_points(eta)
        r_low, _ = _run_qif(eta, *low_start)
        r_high, _ = _run_qif(eta, *high_start)
        assert r_low == pytest.approx(r_star, rel=2e-3)
        assert r_high == pytest.approx(r_star, rel=2e-3)


@pytest.mark.parametrize("template,op", [("qif_sfa", "qif_sfa_op"),
                                         ("qif_sfa_exp", "qif_sfa_exp_op")])
def test_spike_frequency_adaptation_fixed_point(template, op):
    # at rest the adaptation settles at a = alpha*tau_a*r, i.e. eta_eff = eta - alpha*tau_a*r
    alpha, tau_a, eta, J = 0.1, 10.0, -2.0, 15.0
    roots = np.roots([-np.pi**2, J - alpha * tau_a, eta, 0.0, 1.0 / (4 * np.pi**2)])
    (r_star,) = [z.real for z in roots if abs(z.imag) < 1e-9 and z.real > 0]
    r, v = _run_qif(eta, 0.5, -0.5, T=150.0, template=template, op=op,
                    extra={f"p/{op}/alpha": alpha, f"p/{op}/tau_a": tau_a})
    assert r == pytest.approx(r_star, rel=2e-3)
    assert v == pytest.approx(-1.0 / (2 * np.pi * r_star), rel=2e-3)


@pytest.mark.parametrize("template,op", [("qif_sd_biexp", "qif_sd_biexp_op"),
                                         ("qif_sd_exp", "qif_sd_exp_op")])
def test_synaptic_depression_fixed_point(template, op):
    # depression a = alpha*tau_a*r scales the recurrent input: J r (1 - alpha*tau_a*r)
    alpha, tau_a, eta, J = 0.1, 10.0, 0.0, 15.0
    c = alpha * tau_a
    roots = np.roots([-np.pi**2 - J * c, J, eta, 0.0, 1.0 / (4 * np.pi**2)])
    rs = sorted(z.real for z in roots if abs(z.imag) < 1e-9 and z.real > 0)
    assert len(rs) == 1
    r, v = _run_qif(eta, 0.5, -0.5, T=150.0, template=template, op=op,
                    extra={f"p/{op}/alpha": alpha, f"p/{op}/tau_a": tau_a})
    assert r == pytest.approx(rs[0], rel=2e-3)
    assert v == pytest.approx(-1.0 / (2 * np.pi * rs[0]), rel=2e-3)


def test_gap_junctions_shift_fixed_point():
    # r' = 0 now gives v = (g - Delta/(pi r))/2, so with J = 15 and g the quartic changes to
    # (g - 1/(pi r))^2/4 + eta + J r - pi^2 r^2 = 0
    g, eta, J = 1.0, -8.0, 15.0
    r_grid = np.linspace(1e-3, 3.0, 300001)
    f = (g - 1 / (np.pi * r_grid))**2 / 4 + eta + J * r_grid - np.pi**2 * r_grid**2
    crossings = np.nonzero(np.sign(f[:-1]) != np.sign(f[1:]))[0]
    r_star = r_grid[crossings[0]]
    r, v = _run_qif(eta, 0.05, -2.0, template="qif_gap", op="qif_gap_op",
                    extra={"p/qif_gap_op/g": g})
    assert r == pytest.approx(r_star, rel=2e-3)
    assert v == pytest.approx((g - 1 / (np.pi * r_star)) / 2, rel=2e-3)


def test_theta_model_equals_qif_model():
    # the Ott-Antonsen theta-neuron equations map exactly onto the MPR equations
    eta = -3.0
    (r_star, v_star), = fixed_points(eta)
    c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.theta.kmo_theta")
    c.update_var(node_vars={"p/theta_op/eta": eta})
    res = c.run(simulation_time=60.0, step_size=1e-2, solver="rk4", backend="numpy", numba=False,
                sampling_step_size=0.1, outputs={"r": "p/theta_op/r", "z": "p/theta_op/z"})
    z = complex(res["z"].iloc[-1])
    # pi*tau*r + i*v = (1 - conj(z))/(1 + conj(z)), so v = 2 Im(z)/|1 + z|^2
    assert float(np.real(res["r"].iloc[-1])) == pytest.approx(r_star, rel=1e-3)
    assert (1 - abs(z)**2) / (np.pi * abs(1 + z)**2) == pytest.approx(r_star, rel=1e-3)
    assert 2 * z.imag / abs(1 + z)**2 == pytest.approx(v_star, rel=1e-3)
