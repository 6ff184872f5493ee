"""The fitting API's inputs: trainables, targets and backends are checked with clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_core.errors import SolverError, VariableNotFoundError
from pyrates_core.fitting import supports_fitting
from pyrates_core.registry import get_backend
from pyrates_frontend.fitting import fit, loss_gradient
from pyrates_frontend.reference_circuits import OUT2, qif_pair

T, DT = 0.5, 1e-2


@pytest.fixture(scope="module")
def target():
    """A short target trace of the pair."""
    return qif_pair().run(T, DT, outputs=OUT2, backend="torch")


def test_numpy_backend_cannot_fit(target):
    assert not supports_fitting(get_backend("numpy"))
    assert supports_fitting(get_backend("torch"))
    with pytest.raises(SolverError, match="cannot compute gradients"):
        fit(qif_pair(), ["p1/qif_op/tau"], target, OUT2, T, DT, backend="numpy")


def test_unknown_path_and_state_variable(target):
    with pytest.raises(VariableNotFoundError):
        fit(qif_pair(), ["p1/qif_op/nope"], target, OUT2, T, DT)
    with pytest.raises(VariableNotFoundError, match="not a trainable quantity"):
        fit(qif_pair(), ["p1/qif_op/v"], target, OUT2, T, DT)


def test_edge_without_delay(target):
    with pytest.raises(ValueError, match="no positive delay"):
        fit(qif_pair(), [("p1/qif_op/r", "p2/qif_op/r_in", "delay")], target, OUT2, T, DT)
    with pytest.raises(Exception, match="'weight' or 'delay'"):
        fit(qif_pair(), [("p1/qif_op/r", "p2/qif_op/r_in", "spread")], target, OUT2, T, DT)


def test_target_checks(target):
    with pytest.raises(KeyError, match="no column 'r1'"):
        fit(qif_pair(), ["p1/qif_op/tau"], target[["r2"]], OUT2, T, DT)
    with pytest.raises(ValueError, match="time index"):
        fit(qif_pair(), ["p1/qif_op/tau"], target.iloc[1:], OUT2, T, DT)
    with pytest.raises(ValueError, match="shape"):
        fit(qif_pair(), ["p1/qif_op/tau"], {"r1": np.zeros(3), "r2": np.zeros(3)}, OUT2, T, DT)


def test_loss_at_truth_is_zero_and_shared_values(target):
    """At the true values the loss vanishes; 'all/...' trains one value for both nodes."""
    loss, grad = loss_gradient(qif_pair(), ["p1/qif_op/tau"], target, OUT2, T, DT)
    assert loss == 0.0 and grad["p1/qif_op/tau"] == 0.0
    c = qif_pair()
    c.update_var(node_vars={"all/qif_op/Delta": 1.0})
    (_, g1), (_, g2) = loss_gradient(c, ["all/qif_op/Delta"], target, OUT2, T, DT,
                                     values=[{"all/qif_op/Delta": 1.0},
                                             {"all/qif_op/Delta": 1.2}])
    assert g1["all/qif_op/Delta"] == 0.0 and g2["all/qif_op/Delta"] != 0.0
    with pytest.raises(KeyError, match="not trainables"):
        loss_gradient(c, ["all/qif_op/Delta"], target, OUT2, T, DT, values={"x": 1.0})


def test_custom_loss_and_callback(target):
    seen = []

    def l1(out, tgt):
        return sum((out[k] - tgt[k]).abs().mean() for k in out)

    res = fit(qif_pair(weight=7.5), [("p1/qif_op/r", "p2/qif_op/r_in", "weight")], target,
              OUT2, T, DT, loss=l1, optimizer="adam", learning_rate=0.01, epochs=2,
              callback=lambda e, loss, v: seen.append((e, loss)), update_template=False)
    assert [e for e, _ in seen] == [0, 1] and len(res.loss_history) == 2
    assert res.loss_history[0] > 0
    with pytest.raises(ValueError, match="optimizer 'newton'"):
        fit(qif_pair(), ["p1/qif_op/tau"], target, OUT2, T, DT, optimizer="newton", epochs=1)
