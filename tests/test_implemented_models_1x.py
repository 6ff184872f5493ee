"""The behaviour described by PyRates 1.x's tests/test_implemented_models.py, NumPy backend.

Our own tests of the same facts about the template library: equivalent formulations agree,
the mean-field models respond to input pulses in the documented order, the Kuramoto
oscillator keeps its frequency.
"""

from __future__ import annotations

import numpy as np
import pytest

from pyrates import CircuitTemplate, clear, integrate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NMM = "model_templates.neural_mass_models"


def quiet(path: str, **kw):
    return integrate(path, clear=True, verbose=False, **kw)


@pytest.mark.parametrize("vectorize", [True, False])
def test_jansen_rit_single_operator_and_three_node_forms_agree(vectorize):
    kw = {"simulation_time": 0.5, "step_size": 1e-4, "solver": "scipy",
          "sampling_step_size": 1e-2, "vectorize": vectorize}
    r1 = quiet(f"{NMM}.jansenrit.JRC2", outputs={"EIN": "jrc/jrc_op/V_ein"}, **kw)
    r2 = quiet(f"{NMM}.jansenrit.JRC", outputs={"EIN": "ein/rpo_e/v"}, **kw)
    assert np.abs(r1.to_numpy()).max() > 1e-4  # something happened
    assert np.max(np.abs(r1.to_numpy() - r2.to_numpy())) < 1e-6


def _pulse(t_end: float, dt: float, start: float, dur: float, amp: float) -> np.ndarray:
    inp = np.zeros(int(round(t_end / dt)))
    inp[int(round(start / dt)):int(round((start + dur) / dt))] = amp
    return inp


def test_qif_variants_and_theta_neurons():
    t_end, dt, dts = 60.0, 1e-3, 1e-2
    inp = _pulse(t_end, dt, 30.0, 20.0, 5.0)
    kw = {"simulation_time": t_end, "sampling_step_size": dts, "method": "RK45",
          "solver": "scipy", "step_size": dt, "vectorize": False}
    r1 = quiet(f"{NMM}.qif.qif", inputs={"p/qif_op/I_ext": inp},
               outputs={"r": "p/qif_op/r"}, **kw)
    r2 = quiet(f"{NMM}.qif.qif_sfa", inputs={"p/qif_sfa_op/I_ext": inp},
               outputs={"r": "p/qif_sfa_op/r"}, **kw)
    r3 = quiet(f"{NMM}.qif.qif_sd", inputs={"p/qif_op/I_ext": inp},
               outputs={"r": "p/qif_op/r"}, **kw)
    idx = int(np.argmin(np.abs(49.0 - r1.index.to_numpy())))
    # adaptation lowers the rate during the pulse, synaptic depression even more
    assert r1.iloc[idx, 0] > r2.iloc[idx, 0] > r3.iloc[idx, 0]
    # theta neurons: r = Re(w)/pi with w = (1 - conj(z))/(1 + conj(z)) is the QIF rate
    r4 = quiet(f"{NMM}.theta.kmo_theta", simulation_time=t_end, sampling_step_size=dts,
               inputs={"p/theta_op/I_ext": inp}, outputs={"z": "p/theta_op/z"}, step_size=dt,
               vectorize=False, float_precision="complex64")
    zc = np.conjugate(r4["z"].to_numpy())
    rate = np.real((1 - zc) / (1 + zc)) / np.pi
    assert np.mean(rate - r1["r"].to_numpy()) == pytest.approx(0.0, abs=1e-2)


def test_izhikevich_limit_equals_conductance_based_qif():
    t_end, dt, dts = 60.0, 1e-3, 1e-2
    inp = _pulse(t_end, dt, 30.0, 20.0, 5.0)
    ik = CircuitTemplate.from_yaml(f"{NMM}.ik.ik_nodim")
    ik.update_var(node_vars={"p/ik_nodim_op/alpha": 0.0, "p/ik_nodim_op/d": 0.0,
                             "p/ik_nodim_op/b": 0.0, "p/ik_nodim_op/tau": 1.0,
                             "p/ik_nodim_op/eta": -5.0, "p/ik_nodim_op/Delta": 1.0,
                             "p/ik_nodim_op/tau_s": 2.0, "p/ik_nodim_op/g": 5.0,
                             "p/ik_nodim_op/E_r": 1.0})  # the 1.x test says e_r: ignored there
    kw = {"simulation_time": t_end, "step_size": dt, "sampling_step_size": dts,
          "solver": "scipy", "verbose": False}
    r5 = ik.run(outputs={"r": "p/ik_nodim_op/r"}, inputs={"p/ik_nodim_op/I_ext": inp}, **kw)
    clear(ik)
    qif = CircuitTemplate.from_yaml(f"{NMM}.qif.qif_conduct")
    r6 = qif.run(outputs={"r": "p/qif_conduct_op/r"}, inputs={"p/qif_conduct_op/I_ext": inp},
                 **kw)
    clear(qif)
    assert np.mean(r5["r"].to_numpy() - r6["r"].to_numpy()) == pytest.approx(0.0, abs=1e-2)
    assert r6["r"].max() > 0.05


@pytest.mark.parametrize("vectorize", [True, False])
def test_wilson_cowan_with_short_term_plasticity_fires_more(vectorize):
    t_end, dt, dts = 100.0, 5e-4, 1e-2
    inp = _pulse(t_end, dt, 50.0, 30.0, 1.0)
    # max_step: from the exact rest state the adaptive steps would grow past the whole pulse
    # (the original escapes this by float32 round-off; see test_adaptive_solver_sees_pulses)
    kw = {"simulation_time": t_end, "sampling_step_size": dts, "inputs": {"e/se_op/r_ext": inp},
          "outputs": {"R_e": "e/rate_op/r"}, "solver": "scipy", "step_size": dt,
          "vectorize": vectorize, "max_step": 1.0}
    r1 = quiet(f"{NMM}.wilsoncowan.WC", **kw)
    r2 = quiet(f"{NMM}.wilsoncowan.WC_stp", **kw)
    for t in (75.0, 99.0):
        idx = int(np.argmin(np.abs(t - r2.index.to_numpy())))
        assert r2.iloc[idx, 0] > r1.iloc[idx, 0]


def test_kuramoto_oscillators():
    t_end, dt, dts = 6.0, 1e-4, 1e-2
    osc = "model_templates.oscillators.kuramoto"
    r1 = quiet(f"{osc}.kmo", simulation_time=t_end, sampling_step_size=dts,
               outputs={"theta": "p/phase_op/theta"}, solver="scipy", step_size=dt,
               method="RK45", vectorize=False)
    t = r1.index.to_numpy()
    assert np.allclose(np.sin(2 * np.pi * r1["theta"].to_numpy()), np.sin(10.0 * 2 * np.pi * t),
                       atol=1e-2)
    inp = _pulse(t_end, dt, 0.0, 0.1, 1.0)
    r2 = quiet(f"{osc}.kmo_2coupled", simulation_time=t_end, sampling_step_size=dts,
               outputs={"theta1": "p1/phase_op/theta", "theta2": "p2/phase_op/theta"},
               solver="scipy", inputs={"p1/phase_op/s_ext": inp}, step_size=dt, method="RK45")
    init = int(0.1 / dts)
    assert (r2["theta1"].iloc[-1] - r2["theta2"].iloc[-1]) > (
        r2["theta1"].iloc[init] - r2["theta2"].iloc[init])
    tt = np.linspace(0, t_end, num=int(np.round(t_end / dt)))
    drive = 2.0 / (1.0 + np.exp(np.sin(2.0 * np.pi * tt)))
    kw = {"simulation_time": t_end, "sampling_step_size": dts, "step_size": dt,
          "outputs": {"z1": "p1/kmo_op/z", "z2": "p2/kmo_op/z"}, "solver": "scipy",
          "float_precision": "complex64"}
    r3 = quiet(f"{osc}.kmo_mf_2coupled", **kw)
    r4 = quiet(f"{osc}.kmo_mf_2coupled", inputs={"p1/kmo_op/s_ext": drive}, **kw)
    assert np.abs(r3.iloc[-1, 0]) < np.abs(r4.iloc[-1, 0])
    assert np.abs(r3.iloc[-1, 1]) < np.abs(r4.iloc[-1, 1])


def test_adaptive_solver_sees_pulses_from_an_exact_rest_state():
    """Wilson-Cowan at rest (all zero), a pulse from t = 50 to 80: the scipy solver must not
    step over it (PyRates 1.x responds to it; its float32 round-off keeps the steps short)."""
    t_end, dt = 100.0, 5e-4
    r = quiet(f"{NMM}.wilsoncowan.WC", simulation_time=t_end, step_size=dt,
              sampling_step_size=1e-2, inputs={"e/se_op/r_ext": _pulse(t_end, dt, 50.0, 30.0, 1.0)},
              outputs={"R_e": "e/rate_op/r"}, solver="scipy")
    assert r["R_e"].loc[59.0:61.0].max() > 0.1
