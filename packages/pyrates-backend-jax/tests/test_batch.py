"""batch_params run B parameter sets in one vmapped loop; each equals its single run."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import numpy as np
import pytest
import sympy as sp
from jax_backend_testlib import delayed_network, load

import pyrates_backend_jax.backend as jax_backend
from pyrates_core.backend import SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.errors import SolverError, VariableNotFoundError
from pyrates_core.functions import Past
from pyrates_core.registry import get_backend
from pyrates_core.system import InputSpec, ParameterSpec, StateSpec, SystemIR

DT = 1e-3


def _single_runs(model, request, batch: dict[str, np.ndarray]) -> list:
    backend = get_backend("jax")
    size = len(next(iter(batch.values())))
    return [backend.integrate(model, dataclasses.replace(
        request, param_values={k: v[b] for k, v in batch.items()})) for b in range(size)]


def test_batch_weights_and_time_constant(tmp_path) -> None:
    """Per-edge weights and a scalar time constant of the delayed network, B = 3."""
    system = compile_network(delayed_network().network())
    model = load(system, tmp_path, "heun", DT)
    r_name, _ = system.labels()["n0/qif_op/r"]
    request = SimulationRequest(simulation_time=1.0, step_size=DT, solver="heun",
                                sampling_step_size=1e-2, outputs={"r": (r_name, np.arange(10))})
    w_name = system.edges[0].weights
    w0 = np.asarray(system.params[w_name].value)
    batch = {w_name: np.stack([w0, 0.5 * w0, 1.5 * w0]), "tau": np.array([1.0, 0.9, 1.2])}
    result = get_backend("jax").integrate(model, dataclasses.replace(request,
                                                                     batch_params=batch))
    assert result.outputs["r"].shape == (3, 100, 10)
    assert result.final_state.shape == (3, system.n_state)
    singles = _single_runs(model, request, batch)
    for b, single in enumerate(singles):
        np.testing.assert_allclose(result.outputs["r"][b], single.outputs["r"], rtol=0,
                                   atol=1e-12)
        np.testing.assert_allclose(result.final_state[b], single.final_state, rtol=0, atol=1e-12)
    assert np.abs(result.outputs["r"][0] - result.outputs["r"][2]).max() > 1e-3


def _past_system() -> SystemIR:
    x, tau = sp.symbols("x tau")
    state = StateSpec("x", 0, np.ones(1), ["n/op/x"])
    return SystemIR([state], [-Past(x, tau)], {"tau": ParameterSpec("tau", np.asarray(1.0))},
                    {}, [])


def test_batch_past_delays(tmp_path) -> None:
    """Delays of past() are parameters: batched (and interpolated) like any other."""
    model = load(_past_system(), tmp_path, "rk4", 0.01)
    request = SimulationRequest(simulation_time=3.0, step_size=0.01, solver="rk4",
                                outputs={"x": ("x", np.arange(1))}, history="initial")
    batch = {"tau": np.array([1.0, 0.733, 0.9])}  # one buffer length: one compiled loop
    result = get_backend("jax").integrate(model, dataclasses.replace(request,
                                                                     batch_params=batch))
    for b, single in enumerate(_single_runs(model, request, batch)):
        np.testing.assert_allclose(result.outputs["x"][b], single.outputs["x"], atol=1e-12)
    # tau = 1 is the kit's method-of-steps solution
    from pyrates_core.testing import delay_solution
    np.testing.assert_allclose(result.outputs["x"][0, :, 0], delay_solution(result.time),
                               atol=2e-4)


def test_batch_errors(tmp_path) -> None:
    """Unknown batch parameters and mismatched batch sizes are errors naming them."""
    model = load(_past_system(), tmp_path, "euler", 0.01)
    request = SimulationRequest(simulation_time=0.1, step_size=0.01,
                                outputs={"x": ("x", np.arange(1))})
    backend = get_backend("jax")
    with pytest.raises(VariableNotFoundError, match="'k'"):
        backend.integrate(model, dataclasses.replace(request, batch_params={"k": np.ones(2)}))
    with pytest.raises(SolverError, match="tau"):
        backend.integrate(model, dataclasses.replace(request,
                                                     batch_params={"tau": np.ones((2, 3))}))


def _driven_system() -> SystemIR:
    """x' = -x / tau + u (one input, one parameter)."""
    x, u, tau = sp.symbols("x u tau")
    return SystemIR([StateSpec("x", 0, np.zeros(1), ["n/op/x"])], [-x / tau + u],
                    {"tau": ParameterSpec("tau", np.asarray(0.5))},
                    {"u": InputSpec("u", 1, ["n/op/u"], np.zeros(1))}, [])


@pytest.mark.parametrize("with_params", [False, True])
def test_batch_inputs_are_vectorized(tmp_path, monkeypatch, with_params: bool) -> None:
    """One input series per set runs in the vmapped loop (one compiled loop for the batch)
    and equals each set's single run; sizes must agree with batch_params."""
    model = load(_driven_system(), tmp_path, "rk4", 0.01)
    rng = np.random.default_rng(4)
    series = rng.uniform(0.0, 2.0, (4, 300, 1))
    batch = {"tau": np.array([0.2, 0.5, 0.8, 1.1])} if with_params else {}
    request = SimulationRequest(simulation_time=3.0, step_size=0.01, solver="rk4",
                                sampling_step_size=0.1, outputs={"x": ("x", np.arange(1))})
    backend = get_backend("jax")
    monkeypatch.setattr(jax_backend, "_LOOPS", OrderedDict())
    result = backend.integrate(model, dataclasses.replace(request, batch_params=batch,
                                                          batch_inputs={"u": series}))
    assert len(jax_backend._LOOPS) == 1  # one vmapped loop, not one run per set
    assert result.outputs["x"].shape == (4, 30, 1)
    for b in range(4):
        single = backend.integrate(model, dataclasses.replace(
            request, inputs={"u": series[b]}, param_values={k: v[b] for k, v in batch.items()}))
        np.testing.assert_allclose(result.outputs["x"][b], single.outputs["x"], rtol=0,
                                   atol=1e-12)
    assert np.ptp(result.final_state[:, 0]) > 1e-2
    with pytest.raises(SolverError, match=r"batch_inputs\['u'\]: \(3, 300, 1\)"):
        backend.integrate(model, dataclasses.replace(
            request, batch_params={"tau": np.ones(4)}, batch_inputs={"u": series[:3]}))
