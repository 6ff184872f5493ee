"""Gradient checkpointing of the time loop (backend option ``checkpoint``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from pyrates_backend_torch import TorchBackend
from pyrates_backend_torch.run import simulate
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.errors import SolverError
from pyrates_frontend.fitting import loss_gradient
from pyrates_frontend.reference_circuits import OUT2, qif_pair

P = ["p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight"),
     ("p1/qif_op/r", "p2/qif_op/r_in", "delay")]
AT = {"p1/qif_op/tau": 1.1, "p1/qif_op/r->p2/qif_op/r_in:weight": 7.0,
      "p1/qif_op/r->p2/qif_op/r_in:delay": 0.237}


@pytest.mark.parametrize(("solver", "segment"), [("euler", 64), ("rk4", 7)])
def test_checkpointed_gradients_equal_plain_ones(solver, segment):
    """A delayed pair (delay off the grid, trained too): the same loss and gradient."""
    kw = dict(simulation_time=1.5, step_size=1e-2, solver=solver, sampling_step_size=2e-2)
    target = qif_pair(delay=0.2).run(outputs=OUT2, backend="torch", verbose=False, **kw)
    plain = loss_gradient(qif_pair(delay=0.2), P, target, OUT2, backend="torch", values=AT,
                          **kw)
    ckpt = loss_gradient(qif_pair(delay=0.2), P, target, OUT2, backend="torch", values=AT,
                         checkpoint=segment, **kw)
    assert plain[0] > 0 and ckpt[0] == pytest.approx(plain[0], rel=1e-12)
    for name, g in plain[1].items():
        assert g != 0 and ckpt[1][name] == pytest.approx(g, rel=1e-12, abs=1e-300)


def _saved_bytes(tmp_path: Path, checkpoint: int | None) -> tuple[int, float]:
    """Bytes autograd keeps for the backward pass of one run, and d(sum r)/d(weight)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    system = compile_network(qif_pair().network())
    be = TorchBackend()
    extra = {} if checkpoint is None else {"checkpoint": checkpoint}
    code = be.generate(system, CodegenOptions(extra=extra))
    h = be.load(code, tmp_path).handle
    name, idx = system.labels()["p1/qif_op/r"]
    req = SimulationRequest(simulation_time=1.0, step_size=1e-3, solver="rk4",
                            outputs={"r": (name, idx)})
    w_name = system.edges[0].weights
    w = torch.tensor(np.ravel(system.params[w_name].value), dtype=torch.float64,
                     requires_grad=True)
    total = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        traj = simulate(h, req, {w_name: w})
    traj.outputs["r"].sum().backward()
    assert w.grad is not None
    return total, float(w.grad.sum())


def test_checkpointing_keeps_less_for_backward(tmp_path):
    """1000 rk4 steps: in segments of 50 steps, under a tenth of the saved tensors."""
    full, g_full = _saved_bytes(tmp_path / "a", None)
    seg, g_seg = _saved_bytes(tmp_path / "b", 50)
    assert g_seg == pytest.approx(g_full, rel=1e-12) and g_full != 0
    assert seg < full / 10


@pytest.mark.parametrize("bad", ["ten", 0])
def test_checkpoint_must_be_a_positive_int(bad):
    with pytest.raises((TypeError, ValueError, SolverError), match="checkpoint"):
        qif_pair().run(0.1, 1e-2, outputs=OUT2, backend="torch", checkpoint=bad,
                       verbose=False)
