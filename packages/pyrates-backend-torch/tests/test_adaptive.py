"""The adaptive solver 'torchdiffeq': agreement with scipy, gradients, clear errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from pyrates_core.errors import SolverError
from pyrates_frontend import CircuitTemplate
from pyrates_frontend.fitting import loss_gradient
from pyrates_frontend.reference_circuits import JRC, OUT2, max_diff_common, qif_pair

pytest.importorskip("torchdiffeq", reason="the adaptive solver needs torchdiffeq "
                    "(pip install pyrates-backend-torch[adaptive])")

TIGHT = {"rtol": 1e-10, "atol": 1e-12}
P = ["p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight")]
START = {"p1/qif_op/tau": 1.15, "p1/qif_op/r->p2/qif_op/r_in:weight": 6.8}


@pytest.mark.parametrize("method", ["dopri5", "dopri8"])
def test_jansen_rit_equals_scipy(method):
    """JRC with torchdiffeq and with numpy's scipy RK45, both at tight tolerances: 1e-6."""
    kw = dict(simulation_time=0.2, step_size=1e-4, sampling_step_size=1e-3, verbose=False,
              outputs={"V_e": "pc/rpo_e_in/v", "V_i": "pc/rpo_i/v"}, **TIGHT)
    ref = CircuitTemplate.from_yaml(JRC).run(backend="numpy", solver="scipy", method="RK45",
                                             **kw)
    got = CircuitTemplate.from_yaml(JRC).run(backend="torch", solver="torchdiffeq",
                                             method=method, **kw)
    err, n = max_diff_common(ref, got)
    assert n == 200 and got.index[0] == 0.0  # the 1.x grid: row 0 is the initial state
    assert err < 1e-6
    assert float(np.abs(got["V_e"]).max()) > 1e-3  # the trajectory is not trivial


@pytest.mark.parametrize(("adjoint", "T"), [(False, 1.0), (True, 0.3)])
def test_gradient_matches_central_differences(adjoint, T):
    """d(loss)/d(tau), d(loss)/d(weight) through odeint (or its adjoint) vs central FD."""
    dt, h = 1e-2, 1e-5
    target = qif_pair().run(T, dt, outputs=OUT2, backend="numpy", solver="scipy",
                            verbose=False, **TIGHT)
    points = [START] + [{**START, k: START[k] * (1 + s * h)} for k in START for s in (1, -1)]
    res = loss_gradient(qif_pair(), P, target, OUT2, T, dt, backend="torch",
                        solver="torchdiffeq", adjoint=adjoint, values=points, **TIGHT)
    grad = res[0][1]
    assert res[0][0] > 0
    for j, k in enumerate(START):
        fd = (res[1 + 2 * j][0] - res[2 + 2 * j][0]) / (2 * h * START[k])
        assert grad[k] == pytest.approx(fd, rel=1e-5)


def test_delays_are_rejected_with_a_fixed_step_hint():
    with pytest.raises(SolverError, match="torchdiffeq.*delays.*rk4"):
        qif_pair(delay=0.2).run(1.0, 1e-2, outputs=OUT2, backend="torch", solver="torchdiffeq",
                                verbose=False)


def test_missing_torchdiffeq_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchdiffeq", None)
    with pytest.raises(SolverError, match=r"pip install pyrates-backend-torch\[adaptive\]"):
        qif_pair().run(0.1, 1e-2, outputs=OUT2, backend="torch", solver="torchdiffeq",
                       verbose=False)


def test_bad_method_names_the_choices():
    with pytest.raises(Exception, match="dopri5"):
        qif_pair().run(0.1, 1e-2, outputs=OUT2, backend="torch", solver="torchdiffeq",
                       method="rk45", verbose=False)


def test_checkpoint_is_refused_with_a_hint_to_adjoint():
    with pytest.raises(SolverError, match="adjoint=True"):
        qif_pair().run(0.1, 1e-2, outputs=OUT2, backend="torch", solver="torchdiffeq",
                       checkpoint=5, verbose=False)
