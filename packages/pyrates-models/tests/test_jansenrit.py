"""Proofs for the Jansen-Rit model (time in s, potentials in V, rates in Hz)."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_frontend import CircuitTemplate

JR = "model_templates.neural_mass_models.jansenrit"
DT = 5e-4
DTS = 1e-3


def dominant_frequency(signal: np.ndarray, dt: float) -> float:
    """Frequency (1/time unit) of the largest peak of the periodogram of ``signal``."""
    x = np.asarray(signal, dtype=float) - np.mean(signal)
    n = 8 * len(x)  # zero padding for a finer frequency grid
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=n))
    freqs = np.fft.rfftfreq(n, d=dt)
    return float(freqs[1:][np.argmax(spec[1:])])


def _pc_potential(u: float, T: float = 3.0):
    c = CircuitTemplate.from_yaml(f"{JR}.JRC")
    c.update_var(node_vars={"pc/rpo_e_in/u": u})
    res = c.run(simulation_time=T, step_size=DT, solver="rk4", backend="numpy", numba=False,
                sampling_step_size=DTS,
                outputs={"v_e": "pc/rpo_e_in/v", "v_i": "pc/rpo_i/v", "m": "pc/pro/m"})
    return res


def test_alpha_rhythm_at_220hz_input():
    res = _pc_potential(220.0)
    v = (res["v_e"] + res["v_i"]).to_numpy()[-2000:]  # last 2 s, after the transient
    assert np.ptp(v) > 1e-3  # a limit cycle of a few mV
    f = dominant_frequency(v, DTS)
    assert 8.0 <= f <= 12.0, f"dominant frequency {f:.2f} Hz is outside the alpha band"


def test_fixed_point_for_low_input():
    res = _pc_potential(50.0)
    v = (res["v_e"] + res["v_i"]).to_numpy()[-1000:]
    assert np.ptp(v) < 1e-6
    # the resting PC potential satisfies the steady state of the alpha kernels:
    # v_e = h_e*tau_e*(108*S(v_ein) + u), v_i = h_i*tau_i*33.75*S(v_iin) with h_i = -22 mV,
    # v_ein = h_e*tau_e*135*m
    m = float(res["m"].iloc[-1])
    S = lambda v: 5.0 / (1.0 + np.exp(560.0 * (0.006 - v)))  # noqa: E731
    v_e = 3.25e-3 * 0.01 * (108.0 * S(3.25e-3 * 0.01 * 135.0 * m) + 50.0)
    v_i = -22e-3 * 0.02 * 33.75 * S(3.25e-3 * 0.01 * 33.75 * m)
    assert float(res["v_e"].iloc[-1]) == pytest.approx(v_e, rel=1e-4)
    assert float(res["v_i"].iloc[-1]) == pytest.approx(v_i, rel=1e-4)
    assert m == pytest.approx(S(v_e + v_i), rel=1e-4)


def test_lumped_column_equals_three_population_circuit():
    # JRC2 packs the same equations into one operator: identical firing-rate trajectories
    T = 1.0
    a = CircuitTemplate.from_yaml(f"{JR}.JRC").run(
        simulation_time=T, step_size=DT, solver="rk4", backend="numpy", numba=False,
        sampling_step_size=DTS, outputs={"m": "pc/pro/m"})
    b = CircuitTemplate.from_yaml(f"{JR}.JRC2").run(
        simulation_time=T, step_size=DT, solver="rk4", backend="numpy", numba=False,
        sampling_step_size=DTS, outputs={"m": "jrc/jrc_op/m"})
    assert len(a) == len(b)
    np.testing.assert_allclose(a["m"].to_numpy(), b["m"].to_numpy(), rtol=1e-6, atol=1e-9)
    assert np.ptp(a["m"].to_numpy()) > 0.5
