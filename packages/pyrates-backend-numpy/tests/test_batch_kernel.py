"""numba batches: every set of a batch runs the compiled loop of a single run, in threads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from numpy_backend_testlib import load, request, requires_numba, wilson_cowan

from pyrates_backend_numpy import NumpyBackend
from pyrates_core.backend import LoadedModel, SimulationRequest
from pyrates_core.errors import DivergenceError
from pyrates_core.runtime import batch_member
from pyrates_core.system import InputSpec, ParameterSpec, StateSpec, SystemIR

pytestmark = requires_numba


@pytest.fixture(scope="module")
def jit_network(module_tmp: Path) -> LoadedModel:
    """numba Wilson-Cowan network: delayed edges, a delayed assignment, Past terms."""
    return load(wilson_cowan(6, seed=1), module_tmp / "wc_jit", True, solver="rk4")


def _single(model: LoadedModel, req: SimulationRequest, b: int) -> dict[str, np.ndarray]:
    """Set ``b`` of ``req`` run on its own (no batch)."""
    one = batch_member(req, b)
    assert not one.batch_params and not one.batch_inputs
    res = NumpyBackend().integrate(model, one)
    assert "batch" not in res.stats
    return {**res.outputs, "final": res.final_state}


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
@pytest.mark.parametrize("history", ["zero", "initial"])
def test_vectorized_batch_equals_single_runs(jit_network: LoadedModel, solver: str,
                                             history: str) -> None:
    """Scalars and delayed-edge weights per set, recorded states and assignments: each set
    equals its own run bit for bit (the same compiled loop runs both)."""
    rng = np.random.default_rng(5)
    w = jit_network.code.system.params["w"].value
    sets = {"g": np.array([0.2, 0.6, 1.1, 0.9]), "w": rng.uniform(0, 0.5, (4, w.size))}
    req = request(3.0, solver=solver, history=history, batch_params=sets)
    got = NumpyBackend().integrate(jit_network, req)
    assert got.stats["batch_mode"] == "compiled loop" and got.stats["batch"] == 4
    assert got.final_state.shape == (4, jit_network.code.system.n_state)
    spread = np.ptp(got.outputs["E"][:, -1], axis=0).max()
    assert spread > 1e-3  # the sets differ
    for b in range(4):
        ref = _single(jit_network, req, b)
        for key, value in ref.items():
            out = got.final_state if key == "final" else got.outputs[key]
            np.testing.assert_array_equal(out[b], value, err_msg=f"set {b}, {key}")


def test_batch_loop_reuses_the_single_run_compilation(jit_network: LoadedModel) -> None:
    """Each set reaches the loop with the types of a single run: no second compilation."""
    module = jit_network.handle.module
    req = request(1.0, solver="rk4")
    NumpyBackend().integrate(jit_network, req)
    before = len(module.run_fixed_step.signatures)
    NumpyBackend().integrate(jit_network, request(1.0, solver="rk4",
                                                  batch_params={"g": np.array([0.3, 0.5])}))
    assert len(module.run_fixed_step.signatures) == before == 1


def _forced(tmp: Path, numba: bool) -> LoadedModel:
    """x' = -x / tau + u: one input, one parameter."""
    x, u, tau = sp.symbols("x u tau")
    system = SystemIR([StateSpec("x", 0, np.zeros(1), ["x"])], [-x / tau + u],
                      {"tau": ParameterSpec("tau", np.asarray(0.5))},
                      {"u": InputSpec("u", 1, ["u"], np.zeros(1))}, [])
    return load(system, tmp, numba)


@pytest.mark.parametrize("with_params", [False, True])
def test_batch_inputs_equal_single_runs(tmp_path: Path, with_params: bool) -> None:
    """One input series per set (``batch_inputs``), alone or with batch parameters; the
    pure NumPy loop (one set after the other) gives the same numbers."""
    rng = np.random.default_rng(2)
    series = rng.uniform(0.0, 2.0, (5, 400, 1))
    kw = {"batch_params": {"tau": np.linspace(0.2, 1.0, 5)}} if with_params else {}
    req = SimulationRequest(simulation_time=4.0, step_size=0.01, sampling_step_size=0.1,
                            outputs={"x": ("x", None), "u": ("u", None)},
                            batch_inputs={"u": series}, **kw)
    fast = _forced(tmp_path / "jit", True)
    got = NumpyBackend().integrate(fast, req)
    assert got.stats["batch_mode"] == "compiled loop" and got.outputs["x"].shape == (5, 40, 1)
    np.testing.assert_array_equal(got.outputs["u"][:, :, 0], series[:, :400:10, 0])
    for b in range(5):
        ref = _single(fast, req, b)
        np.testing.assert_array_equal(got.outputs["x"][b], ref["x"])
    pure = NumpyBackend().integrate(_forced(tmp_path / "np", False), req)
    assert pure.stats["batch_mode"] == "loop"
    np.testing.assert_allclose(pure.outputs["x"], got.outputs["x"], rtol=1e-13, atol=1e-14)
    x_end = got.final_state[:, 0]
    assert np.ptp(x_end) > 1e-2


def test_batch_sizes_must_agree(tmp_path: Path) -> None:
    req = SimulationRequest(simulation_time=1.0, step_size=0.01, outputs={"x": ("x", None)},
                            batch_params={"tau": np.ones(3)},
                            batch_inputs={"u": np.zeros((2, 100, 1))})
    with pytest.raises(Exception, match=r"batch_inputs\['u'\]: \(2, 100, 1\)"):
        NumpyBackend().integrate(_forced(tmp_path, True), req)


def test_divergence_names_the_set(tmp_path: Path) -> None:
    """A set that blows up stops the batch with an error naming the set."""
    req = SimulationRequest(simulation_time=50.0, step_size=0.1, outputs={"x": ("x", None)},
                            initial_state=np.ones(1),
                            batch_params={"tau": np.array([0.5, -0.01, 1.0])})
    with pytest.raises(DivergenceError, match=r"parameter set 1 of 3: .*'?x'?"):
        NumpyBackend().integrate(_forced(tmp_path, True), req)
