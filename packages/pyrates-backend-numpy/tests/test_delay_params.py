"""Delays as run-time parameters in the numpy backend: overrides, batches, table builds."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from numpy_backend_testlib import requires_numba

import pyrates_backend_numpy.solvers as solvers
from pyrates_backend_numpy import NumpyBackend
from pyrates_core.backend import CodegenOptions, LoadedModel, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.errors import SolverError
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef, OperatorDef, parse_variable
from pyrates_core.system import SystemIR

DELAYS = [0.3, 0.0, 0.2, 0.45, 0.15]


def li_node(r0: float) -> NodeDef:
    """r' = -r/tau + tanh(m_in) + 0.2."""
    variables = {"r": f"output({r0})", "tau": 1.5, "m_in": "input(0.0)"}
    decl = {k: parse_variable(v, k) for k, v in variables.items()}
    return NodeDef({"li": OperatorDef("li", ["r' = -r/tau + tanh(m_in) + 0.2"], decl)}, "li")


def ring(delays: list[float], weights: list[float] | None = None) -> SystemIR:
    """A ring of len(delays) nodes with one edge each (delay 0: undelayed)."""
    n = len(delays)
    weights = weights or [1.2 - 0.3 * i for i in range(n)]
    net = NetworkDef({f"n{i}": li_node(0.1 * i) for i in range(n)}, [
        EdgeDef(f"n{i}/li/r", f"n{(i + 1) % n}/li/m_in", weight=weights[i], delay=d or None)
        for i, d in enumerate(delays)])
    return compile_network(net)


def load(system: SystemIR, tmp: Path, numba: bool = False, **kw: object) -> LoadedModel:
    """Generate and load ``system``."""
    be = NumpyBackend()
    return be.load(be.generate(system, CodegenOptions(extra={"numba": numba}, **kw)), tmp)


def run(model: LoadedModel, solver: str = "rk4", **kw: object) -> np.ndarray:
    """The recorded state of 3 time units at dt 0.01 (batched runs: (B, n, n_state))."""
    req = SimulationRequest(simulation_time=3.0, step_size=0.01, solver=solver,
                            outputs={"r": (model.code.system.states[0].name, None)}, **kw)
    return NumpyBackend().integrate(model, req).outputs["r"]


def delay_vector(system: SystemIR, delays: list[float]) -> tuple[str, np.ndarray]:
    """The delay parameter and its per-edge value for ring delays ``delays``."""
    (b,) = system.edges
    per_edge = np.zeros(b.n_edges)
    labels = system.states[0].labels
    for i, d in enumerate(delays):  # edge n_i -> n_{i+1}: find it by its source element
        src = labels.index(f"n{i}/li/r")
        per_edge[b.source_idx == src] = d
    return b.delay_param, per_edge


@pytest.mark.parametrize("solver", ["euler", "rk4", "scipy"])
def test_delay_override_equals_a_rebuilt_system(tmp_path: Path, solver: str) -> None:
    base = ring(DELAYS)
    model = load(base, tmp_path / "a")
    new = [0.52, 0.0, 0.107, 0.3, 0.25]  # off the step grid: interpolated reads
    name, value = delay_vector(base, new)
    got = run(model, solver, param_values={name: value})
    ref = run(load(ring(new), tmp_path / "b"), solver)
    assert np.abs(got - ref).max() <= 1e-12
    assert np.abs(got - run(model, solver)).max() > 1e-3  # the delays matter


def test_batch_of_delays_and_weights_equals_separate_systems(tmp_path: Path) -> None:
    base = ring(DELAYS)
    model = load(base, tmp_path / "a")
    b = base.edges[0]
    sets = [([0.3, 0.0, 0.2, 0.45, 0.15], [1.2, 0.9, 0.6, 0.3, 0.0]),
            ([0.61, 0.0, 0.05, 0.2, 0.33], [0.4, 0.9, -0.6, 0.3, 1.0]),
            ([0.1, 0.0, 0.4, 0.02, 0.5], [1.0, 1.0, 1.0, 1.0, 1.0])]
    delays = np.stack([delay_vector(base, d)[1] for d, _ in sets])
    weights = []
    for _, w in sets:  # weights in the bundle's edge order, by the same mapping
        name, per_edge = delay_vector(base, list(np.asarray(w) + 10.0))
        weights.append(per_edge - 10.0)
    got = run(model, batch_params={b.delay_param: delays, b.weights: np.stack(weights)})
    assert got.shape[0] == 3
    for k, (d, w) in enumerate(sets):
        ref = run(load(ring(d, w), tmp_path / f"r{k}"))
        assert np.abs(got[k] - ref).max() <= 1e-12


def test_delay_override_errors_name_the_parameter(tmp_path: Path) -> None:
    base = ring(DELAYS)
    model = load(base, tmp_path / "a")
    name, value = delay_vector(base, DELAYS)
    with pytest.raises(SolverError, match=f"'{name}'.*positive delay"):
        run(model, param_values={name: np.where(value > 0.25, 0.0, value)})
    with pytest.raises(SolverError, match=f"'{name}'.*shorter than the step size"):
        run(model, param_values={name: np.where(value > 0, 0.004, 0.0)})


@requires_numba
def test_first_run_builds_its_delay_tables_once(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"fixed": 0, "adaptive": 0}

    def count(kind: str, func):  # noqa: ANN001, ANN202
        def wrapped(*args, **kw):  # noqa: ANN002, ANN003, ANN202
            calls[kind] += 1
            return func(*args, **kw)
        return wrapped

    monkeypatch.setattr(solvers, "fixed_step_tables", count("fixed", solvers.fixed_step_tables))
    monkeypatch.setattr(solvers, "adaptive_tables", count("adaptive", solvers.adaptive_tables))
    base = ring([0.3, 0.0, 0.2, 0.45, 0.151])  # a system no other test compiled
    model = load(base, tmp_path, numba=True, solver="rk4", step_size=0.01)
    run(model)
    assert calls == {"fixed": 1, "adaptive": 1}  # adaptive: the default vector-field args
    run(model)
    assert calls["fixed"] == 1
    name, value = delay_vector(base, [0.31, 0.0, 0.2, 0.45, 0.151])
    run(model, param_values={name: value})
    assert calls["fixed"] == 2


def _vector_field(system: SystemIR, tmp: Path) -> LoadedModel:
    """``system`` generated as a plain vector field (get_run_func's target)."""
    be = NumpyBackend()
    options = CodegenOptions(func_name="vf", solver="scipy", adaptive=True,
                             extra={"numba": False}, target="vector_field")
    return be.load(be.generate(system, options), tmp)


def test_exported_vector_field_reads_its_weight_and_delay_arguments(tmp_path: Path) -> None:
    base = ring(DELAYS)
    model = _vector_field(base, tmp_path / "a")
    names = model.code.arg_names
    (b,) = base.edges
    y = np.linspace(0.1, 0.9, base.n_state)
    weights = [0.4, -0.9, 1.3, 0.2, 0.7]
    rebuilt = _vector_field(ring(DELAYS, weights), tmp_path / "b")
    args = list(model.args)
    args[names.index(b.weights)] = delay_vector(base, list(np.asarray(weights) + 10.0))[1] - 10.0
    got = model.func(0.0, y, *args)
    assert np.abs(got - model.func(0.0, y, *model.args)).max() > 1e-3  # the weights matter
    assert np.abs(got - rebuilt.func(0.0, y, *rebuilt.args)).max() <= 1e-12
    # back to the compiled weights: the compiled result again
    assert np.array_equal(model.func(0.0, y, *model.args), model.func(0.0, y, *model.args))

    new = [0.52, 0.0, 0.107, 0.3, 0.25]  # as many distinct delays: same window layout
    rebuilt = _vector_field(ring(new), tmp_path / "c")
    args = list(model.args)
    name, value = delay_vector(base, new)
    args[names.index(name)] = value
    hist = [i for i, n in enumerate(names) if n.startswith("hist_")]
    rng = np.random.default_rng(1)
    for i in hist:  # a non-constant history: which window row a delay reads matters
        args[i] = rng.uniform(-1, 1, np.shape(args[i]))
    ref_args = list(rebuilt.args)
    for i in hist:
        ref_args[rebuilt.code.arg_names.index(names[i])] = args[i]
    got = model.func(0.0, y, *args)
    assert np.abs(got - rebuilt.func(0.0, y, *ref_args)).max() <= 1e-12
    old_delays = list(args)
    old_delays[names.index(name)] = delay_vector(base, DELAYS)[1]
    assert np.abs(got - model.func(0.0, y, *old_delays)).max() > 1e-3  # the delays matter


@requires_numba
def test_numba_batch_in_threads_equals_one_after_the_other(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A numba batch runs its sets in threads (nogil loop); the results do not depend on the
    number of threads, bit for bit, and come back in the order of the sets; the delays and
    weights of each set differ."""
    base = ring(DELAYS)
    model = load(base, tmp_path / "a", numba=True)
    b = base.edges[0]
    rng = np.random.default_rng(3)
    weights = rng.uniform(-1.0, 1.5, size=(6, b.n_edges))
    delays = np.stack([delay_vector(base, list(d))[1] for d in
                       rng.uniform(0.05, 0.6, size=(6, len(DELAYS)))])
    delays[:, b.source_idx == base.states[0].labels.index("n1/li/r")] = 0.0  # undelayed edge
    batch = {b.delay_param: delays, b.weights: weights}
    monkeypatch.setenv(solvers.BATCH_THREADS_ENV, "3")
    req = SimulationRequest(simulation_time=3.0, step_size=0.01, solver="rk4",
                            outputs={"r": (base.states[0].name, None)}, batch_params=batch)
    threaded = NumpyBackend().integrate(model, req)
    assert threaded.stats["batch_workers"] == min(3, len(os.sched_getaffinity(0)))
    assert threaded.stats["batch_mode"] == "compiled loop"
    monkeypatch.setenv(solvers.BATCH_THREADS_ENV, "1")
    serial = NumpyBackend().integrate(model, req)
    assert serial.stats["batch_workers"] == 1 and serial.stats["batch_mode"] == "compiled loop"
    np.testing.assert_array_equal(threaded.outputs["r"], serial.outputs["r"])
    for k in (0, 5):  # and each set is its own run
        single = run(model, param_values={b.delay_param: delays[k], b.weights: weights[k]})
        np.testing.assert_array_equal(threaded.outputs["r"][k], single)
    monkeypatch.setenv(solvers.BATCH_THREADS_ENV, "many")
    with pytest.raises(SolverError, match="PYRATES_BATCH_THREADS"):
        NumpyBackend().integrate(model, req)
