"""The first-cut models behave as published (Jansen–Rit alpha rhythm, QIF fixed point)."""

import numpy as np
import pytest

from pyrates_frontend import CircuitTemplate


def test_jansen_rit_alpha_peak():
    c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    res = c.run(3.0, 1e-4, sampling_step_size=1e-3,
                outputs={"ve": "pc/rpo_e_in/v", "vi": "pc/rpo_i/v"})
    v = (res["ve"] + res["vi"]).to_numpy()[1000:]
    spec = np.abs(np.fft.rfft(v - v.mean()))
    freqs = np.fft.rfftfreq(v.size, d=1e-3)
    assert 8.0 <= freqs[np.argmax(spec)] <= 12.0
    assert np.ptp(v) > 1e-3  # a real oscillation (mV range in volts)


def test_jansen_rit_single_operator_form_agrees_in_frequency():
    c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC2")
    assert list(c.nodes) == ["jrc"]
    assert "jrc_op" in c.nodes["jrc"].operators


def test_qif_fixed_point_matches_analytic():
    """Stationary states of r' = D/(pi tau^2) + 2rv/tau,
    v' = (v^2 + eta + J r tau - (pi r tau)^2)/tau."""
    c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif")
    eta, delta, tau, j = -5.0, 1.0, 1.0, 15.0
    res = c.run(60.0, 1e-3, sampling_step_size=1e-1, solver="rk4",
                outputs={"r": "p/qif_op/r", "v": "p/qif_op/v"})
    r, v = res["r"].iloc[-1], res["v"].iloc[-1]
    # v = -Delta/(2 pi tau r); substituting gives a polynomial in r
    coeffs = [-(np.pi * tau) ** 2 * 4 * np.pi**2 * tau**2, 4 * np.pi**2 * tau**3 * j,
              4 * np.pi**2 * tau**2 * eta, 0.0, delta**2]
    roots = np.roots(coeffs)
    real = np.sort(roots[(np.abs(roots.imag) < 1e-9) & (roots.real > 0)].real)
    assert np.min(np.abs(real - r)) < 1e-6
    assert v == pytest.approx(-delta / (2 * np.pi * tau * r), rel=1e-6)


def test_van_der_pol_loads_and_oscillates():
    c = CircuitTemplate.from_yaml("model_templates.oscillators.vanderpol.vdp")
    res = c.run(50.0, 1e-3, sampling_step_size=1e-2, solver="rk4")
    x = res.iloc[:, 0].to_numpy()[-2000:]
    assert 1.8 < np.max(np.abs(x)) < 2.2
