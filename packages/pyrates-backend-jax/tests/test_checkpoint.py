"""Gradient checkpointing of the time loop (backend option ``checkpoint``, ``jax.checkpoint``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax_backend_testlib import delayed_network

from pyrates_backend_jax.simulate import segment_samples
from pyrates_core.backend import CodegenOptions, LoadedModel, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.errors import SolverError
from pyrates_core.registry import get_backend
from pyrates_core.system import SystemIR

DT = 1e-3


@pytest.fixture(scope="module")
def system() -> SystemIR:
    """The delayed 10-node QIF network (delays on and off the step grid, gamma kernels)."""
    return compile_network(delayed_network().network())


def _load(system: SystemIR, tmp: Path, solver: str, checkpoint: int | None) -> LoadedModel:
    backend = get_backend("jax")
    extra = {} if checkpoint is None else {"checkpoint": checkpoint}
    code = backend.generate(system, CodegenOptions(solver=solver, step_size=DT, extra=extra))
    return backend.load(code, tmp)


def _request(system: SystemIR, solver: str, t: float, **kw) -> SimulationRequest:
    r_name, _ = system.labels()["n0/qif_op/r"]
    return SimulationRequest(simulation_time=t, step_size=DT, solver=solver,
                             sampling_step_size=1e-2, outputs={"r": (r_name, np.arange(10))},
                             **kw)


def test_segments_round_down_to_sampling_intervals() -> None:
    assert segment_samples(None, 10) == 0
    assert segment_samples(35, 10) == 3 and segment_samples(40, 10) == 4
    assert segment_samples(5, 10) == 1 and segment_samples(7, 1) == 7


# T = 0.813: 813 steps, 81 samples (t = 0 .. 0.8), the last one followed by 13 steps; the 80
# samples before it in segments: 35 steps -> 26 segments of 3 samples and a segment of 2;
# 5 steps -> one sample per segment; 2000 steps -> a single shorter segment of 80 samples
@pytest.mark.parametrize(("solver", "segment"), [("heun", 35), ("rk4", 5), ("euler", 2000)])
def test_checkpointed_trajectory_equals_plain_one(system, tmp_path, solver, segment) -> None:
    backend = get_backend("jax")
    request = _request(system, solver, 0.813)
    plain = backend.integrate(_load(system, tmp_path / "a", solver, None), request)
    ckpt = backend.integrate(_load(system, tmp_path / "b", solver, segment), request)
    assert plain.outputs["r"].shape == ckpt.outputs["r"].shape == (81, 10)
    assert np.ptp(plain.outputs["r"]) > 0.1  # the network moves
    np.testing.assert_allclose(ckpt.outputs["r"], plain.outputs["r"], rtol=0, atol=1e-13)
    np.testing.assert_allclose(ckpt.final_state, plain.final_state, rtol=0, atol=1e-13)


def test_checkpointed_batch_equals_plain_batch(system, tmp_path) -> None:
    """batch_params (vmap) over a checkpointed loop: the same B trajectories."""
    w_name = system.edges[0].weights
    w0 = np.asarray(system.params[w_name].value)
    request = _request(system, "heun", 0.5,
                       batch_params={w_name: np.stack([w0, 0.5 * w0, 1.5 * w0]),
                                     "tau": np.array([1.0, 0.9, 1.2])})
    backend = get_backend("jax")
    plain = backend.integrate(_load(system, tmp_path / "a", "heun", None), request)
    ckpt = backend.integrate(_load(system, tmp_path / "b", "heun", 120), request)
    assert ckpt.outputs["r"].shape == (3, 50, 10)
    assert np.abs(plain.outputs["r"][0] - plain.outputs["r"][2]).max() > 1e-3
    np.testing.assert_allclose(ckpt.outputs["r"], plain.outputs["r"], rtol=0, atol=1e-13)


def _gradient(system: SystemIR, tmp: Path, checkpoint: int | None) -> tuple[Any, int]:
    """d(sum r^2)/d(weights) by jax.grad through 1000 rk4 steps; bytes of XLA temporaries."""
    backend = get_backend("jax")
    sim = backend.simulation(_load(system, tmp, "rk4", checkpoint),
                             _request(system, "rk4", 1.0))
    w_name = system.edges[0].weights
    w0 = jnp.asarray(sim.defaults[w_name])

    def loss(w: Any) -> Any:
        recs, _ = sim.run({w_name: w})
        return jnp.sum(recs["r"] ** 2)

    compiled = jax.jit(jax.grad(loss)).lower(w0).compile()
    memory = compiled.memory_analysis()
    return np.asarray(compiled(w0)), int(memory.temp_size_in_bytes) if memory else -1


def test_checkpointing_keeps_less_for_backward(system, tmp_path) -> None:
    """Segments of 100 steps: the same gradient, under half the temporary memory."""
    g_full, full = _gradient(system, tmp_path / "a", None)
    g_seg, seg = _gradient(system, tmp_path / "b", 100)
    assert np.abs(g_full).max() > 0
    np.testing.assert_allclose(g_seg, g_full, rtol=1e-12, atol=0)
    if full < 0:
        pytest.skip("this XLA client reports no memory analysis")
    assert seg < full / 2


@pytest.mark.parametrize("bad", [0, -3, 2.5, "ten", True])
def test_checkpoint_must_be_a_positive_int(system, bad) -> None:
    with pytest.raises((TypeError, ValueError, SolverError), match="checkpoint"):
        get_backend("jax").generate(system, CodegenOptions(extra={"checkpoint": bad}))


def test_checkpoint_reaches_the_loop(system, tmp_path) -> None:
    """The option given to generate becomes the loop's segment length."""
    model = _load(system, tmp_path, "euler", 40)
    sim = get_backend("jax").simulation(model, _request(system, "euler", 0.1))
    assert sim.config.checkpoint == 40
    assert dataclasses.replace(sim.config, checkpoint=None) != sim.config


DELAY = ("p1/qif_op/r", "p2/qif_op/r_in", "delay")
AT = {"p1/qif_op/tau": 1.1, "p1/qif_op/r->p2/qif_op/r_in:weight": 7.0,
      "p1/qif_op/r->p2/qif_op/r_in:delay": 0.237}


@pytest.mark.parametrize(("solver", "segment"), [("euler", 64), ("rk4", 7)])
def test_checkpointed_loss_gradient_equals_plain_one(solver, segment) -> None:
    """A delayed pair (delay off the grid, trained too): the same loss and gradient (1e-12)."""
    pytest.importorskip("optax", reason="fitting with jax needs optax")
    from test_fit import OUT, TAU, W, pair

    from pyrates_frontend import fitting

    kw = dict(simulation_time=1.5, step_size=1e-2, solver=solver, sampling_step_size=2e-2)
    target = pair(delay=0.2).run(outputs=OUT, backend="numpy", verbose=False, **kw)
    plain = fitting.loss_gradient(pair(delay=0.2), [TAU, W, DELAY], target, OUT,
                                  backend="jax", values=AT, **kw)
    ckpt = fitting.loss_gradient(pair(delay=0.2), [TAU, W, DELAY], target, OUT,
                                 backend="jax", values=AT, checkpoint=segment, **kw)
    assert plain[0] > 0 and ckpt[0] == pytest.approx(plain[0], rel=1e-12)
    for name, g in plain[1].items():
        assert g != 0 and ckpt[1][name] == pytest.approx(g, rel=1e-12, abs=1e-300)
