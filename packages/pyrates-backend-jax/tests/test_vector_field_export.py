"""The exported JAX vector field (``get_run_func(..., backend='jax')``) honours the weight
arguments of delayed edges: a changed weight argument equals the model rebuilt with that
weight, and ``jax.grad`` with respect to it equals central differences."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pyrates_core.errors import SolverError

QIF_POP = "model_templates.neural_mass_models.qif.qif_pop"
N = 4


def _circuit(weights: np.ndarray):
    from pyrates_frontend import CircuitTemplate, NodeTemplate

    node = NodeTemplate.from_yaml(QIF_POP)
    names = [f"n{i}" for i in range(N)]
    delays = np.round(np.linspace(0.2, 1.3, N * N).reshape(N, N), 2)
    c = CircuitTemplate("dqif", nodes={nm: node for nm in names})
    c.add_edges_from_matrix("qif_op/r", "qif_op/r_in", names, weight=weights,
                            edge_attr={"delay": delays})
    c.update_var(node_vars={"all/qif_op/eta": np.linspace(-4.0, 1.0, N),
                            "all/qif_op/r": np.linspace(0.5, 2.0, N)})
    return c


def _weights() -> np.ndarray:
    w = np.arange(1.0, N * N + 1).reshape(N, N) / 4.0
    np.fill_diagonal(w, 0.0)
    return w


def _single_edge(weight: float):
    """Two nodes and one delayed edge (a bundle with one, scalar weight)."""
    from pyrates_frontend import CircuitTemplate, NodeTemplate

    node = NodeTemplate.from_yaml(QIF_POP)
    c = CircuitTemplate("dqif1", nodes={"a": node, "b": node})
    c.add_edges([("a/qif_op/r", "b/qif_op/r_in", None, {"weight": weight, "delay": 0.4})])
    c.update_var(node_vars={"a/qif_op/r": 1.5})
    return c


def _assignment_source(weight: float):
    """A delayed edge that reads an algebraic variable (``m = tanh(x)``)."""
    from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate

    op = OperatorTemplate("s", equations=["d/dt * x = -x + m_in", "m = tanh(x)"],
                          variables={"x": "output(0.4)", "m": "variable(0.0)",
                                     "m_in": "input(0.0)"})
    node = NodeTemplate("sn", operators=[op])
    c = CircuitTemplate("alg", nodes={"a": node, "b": node})
    c.add_edges([("a/s/m", "b/s/m_in", None, {"weight": weight, "delay": 0.3}),
                 ("b/s/m", "a/s/m_in", None, {"weight": 0.5, "delay": 0.6})])
    c.update_var(node_vars={"a/s/x": 1.2})
    return c


def _export(circuit):
    f, args, names, _ = circuit.get_run_func("vf", 1e-3, backend="jax", verbose=False,
                                             in_place=False)
    return f, list(args), list(names)


def _changed_weight() -> tuple[np.ndarray, np.ndarray, float]:
    w = _weights()
    w2 = w.copy()
    w2[2, 1] = -3.5
    return w, w2, -3.5


@pytest.mark.parametrize("which", ["matrix", "single", "assignment"])
def test_weight_argument_equals_rebuilt_model(which: str):
    if which == "matrix":
        w, w2, new = _changed_weight()
        f, args, names = _export(_circuit(w))
        g, args2, names2 = _export(_circuit(w2))
    else:
        new = -3.5
        build = _single_edge if which == "single" else _assignment_source
        f, args, names = _export(build(2.0))
        g, args2, names2 = _export(build(new))
    assert names == names2 and any(n.endswith("_dly") for n in names)  # delayed edges
    # the weight argument: the one parameter whose values differ between the two builds
    diff = [i for i in range(2, len(args)) if np.shape(args[i]) == np.shape(args2[i])
            and not np.array_equal(args[i], args2[i]) and not names[i].endswith("_dly")]
    assert len(diff) == 1
    i = diff[0]
    k = np.flatnonzero(np.ravel(args[i]) != np.ravel(args2[i]))
    assert k.size == 1 and np.ravel(args2[i])[k[0]] == new
    y = np.asarray(args[1]) + 0.1
    ref = np.asarray(g(0.0, y, *args2[2:]))
    before = np.asarray(f(0.0, y, *args[2:]))
    assert np.abs(before - ref).max() > 1e-3  # the weight matters
    args[i] = np.asarray(args2[i])  # the changed weight argument, same delayed values
    out = np.asarray(f(0.0, y, *args[2:]))
    assert np.abs(out - ref).max() < 1e-12 * max(1.0, np.abs(ref).max())


def test_grad_wrt_weight_argument_equals_central_differences():
    w, w2, _ = _changed_weight()
    f, args, names = _export(_circuit(w))
    _, args2, _ = _export(_circuit(w2))
    i = next(j for j in range(2, len(args)) if np.shape(args[j]) == np.shape(args2[j])
             and not np.array_equal(args[j], args2[j]) and not names[j].endswith("_dly"))
    k = int(np.flatnonzero(np.asarray(args[i]) != np.asarray(args2[i]))[0])
    y = jnp.asarray(args[1]) + 0.1

    def loss(weights: jax.Array) -> jax.Array:
        a = list(args)
        a[i] = weights
        return jnp.sum(f(0.0, y, *a[2:]) ** 2)

    w0 = jnp.asarray(args[i], dtype=float)
    grad = float(jax.grad(loss)(w0)[k])
    h = 1e-5
    fd = float((loss(w0.at[k].add(h)) - loss(w0.at[k].add(-h))) / (2 * h))
    assert abs(grad) > 1e-3
    assert abs(grad - fd) < 1e-6 * max(1.0, abs(fd))


def test_exported_model_is_not_simulated():
    """Its delayed inputs are per-edge values, which the time loop does not provide."""
    from pyrates_core.backend import CodegenOptions, SimulationRequest
    from pyrates_core.compile import compile_network
    from pyrates_core.registry import get_backend

    be = get_backend("jax")
    system = compile_network(_circuit(_weights()).network(compact=True))
    code = be.generate(system, CodegenOptions(func_name="vf", target="vector_field"))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        model = be.load(code, Path(tmp))
        with pytest.raises(SolverError, match="target='simulate'"):
            be.simulation(model, SimulationRequest(simulation_time=0.01, step_size=1e-3))
