"""Gradient checkpointing of the time loop (backend option ``checkpoint``, tf.recompute_grad)."""

from __future__ import annotations

import pytest

from pyrates_core.errors import SolverError
from pyrates_frontend.fitting import loss_gradient
from pyrates_frontend.reference_circuits import OUT2, qif_pair

P = ["p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight"),
     ("p1/qif_op/r", "p2/qif_op/r_in", "delay")]
AT = {"p1/qif_op/tau": 1.1, "p1/qif_op/r->p2/qif_op/r_in:weight": 7.0,
      "p1/qif_op/r->p2/qif_op/r_in:delay": 0.237}
KW = dict(simulation_time=0.61, step_size=1e-2, solver="rk4", sampling_step_size=2e-2)


@pytest.mark.parametrize(("jit", "checkpoint"), [(True, 8), (True, 20), (False, 8)])
def test_checkpointed_gradients_equal_plain_ones(jit, checkpoint):
    """30 samples (stride 2) in blocks of 4 plus a tail (checkpoint=8) or in 3 blocks of 10
    and no tail (checkpoint=20), with and without XLA: the same loss and gradient.
    """
    target = qif_pair(delay=0.2).run(outputs=OUT2, backend="tensorflow", jit_compile=False,
                                     **KW)
    plain = loss_gradient(qif_pair(delay=0.2), P, target, OUT2, backend="tensorflow",
                          values=AT, jit_compile=jit, **KW)
    ckpt = loss_gradient(qif_pair(delay=0.2), P, target, OUT2, backend="tensorflow",
                         values=AT, jit_compile=jit, checkpoint=checkpoint, **KW)
    assert plain[0] > 0 and ckpt[0] == pytest.approx(plain[0], rel=1e-12)
    for name, g in plain[1].items():
        assert g != 0 and ckpt[1][name] == pytest.approx(g, rel=1e-12)


def test_checkpointed_run_equals_plain_run():
    a = qif_pair().run(outputs=OUT2, backend="tensorflow", **KW)
    b = qif_pair().run(outputs=OUT2, backend="tensorflow", checkpoint=6, **KW)
    assert a.shape == b.shape and float((a - b).abs().to_numpy().max()) == 0.0


def test_checkpoint_must_be_positive():
    with pytest.raises(SolverError, match="checkpoint must be a positive"):
        qif_pair().run(outputs=OUT2, backend="tensorflow", checkpoint=0, **KW)
