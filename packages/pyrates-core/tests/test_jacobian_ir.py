"""The symbolic Jacobian (jacobian_ir) and matrix connections (ConnectionDef), without a backend."""

import numpy as np
import pytest
import scipy.sparse
import sympy as sp

from pyrates_core.compile import compile_network
from pyrates_core.connectivity import ConnectionDef
from pyrates_core.errors import TemplateError
from pyrates_core.jacobian import jacobian_ir
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef, OperatorDef, parse_variable


def li_node(n=None):
    """r' = -r/tau + tanh(m_in); with ``n``, a population node of n units."""
    r = "output(0.0)" if n is None else np.zeros(n)
    variables = {"r": r, "tau": 2.0, "m_in": "input(0.0)" if n is None else np.zeros(n)}
    decl = {k: parse_variable(v, k) for k, v in variables.items()}
    if n is not None:
        decl["r"].kind, decl["m_in"].kind = "output", "input"
    return NodeDef({"li": OperatorDef("li", ["r' = -r/tau + tanh(m_in)"], decl)}, "li_node")


def _dense(jac, system, y):
    """Evaluate the terms numerically (a tiny reference evaluator for this model)."""
    n = system.n_state
    out = [np.zeros((n, n)) for _ in range(len(jac.delays) + 1)]
    env = {s.name: y[s.start:s.start + s.size] for s in system.states}
    env.update({p: v.value for p, v in system.params.items()})
    for a in system.assignments:  # m_in = EdgeSum(r, k): the full weighted sum
        k = int(a.expr.args[1]) if a.expr.func.__name__ == "EdgeSum" else None
        b = system.edges[k]
        val = np.zeros(b.n_target)
        np.add.at(val, b.target_idx, system.params[b.weights].value * env[b.source][b.source_idx])
        env[a.name] = val
    for name, expr, _ in jac.aux:
        env[name] = env[str(expr.args[0])] if expr.func.__name__ == "Past" else \
            env[next(a.name for a in system.assignments if a.expr == expr)]
    for t in jac.terms:
        mat = None
        for f in t.factors:
            if f.kind == "diag":
                fn = sp.lambdify(sorted(f.expr.free_symbols, key=str), f.expr, "numpy")
                args = [env[s.name] for s in sorted(f.expr.free_symbols, key=str)]
                m = np.diag(np.broadcast_to(fn(*args), (f.shape[0],)))
            elif f.kind == "edges":
                b = system.edges[f.bundle]
                m = np.zeros(f.shape)
                np.add.at(m, (f.rows, f.cols), np.asarray(system.params[b.weights].value)[f.edges])
            else:
                m = np.zeros(f.shape)
                np.add.at(m, (f.rows, f.cols), f.values)
            mat = m if mat is None else mat @ m
        r0, c0 = system.state(t.row).start, system.state(t.col).start
        out[t.delay][r0:r0 + mat.shape[0], c0:c0 + mat.shape[1]] += mat
    return out


def test_edge_blocks_are_weight_matrices_split_by_delay():
    """Three nodes, edges with delays 0, 0.2 and 0.1: J0 = diag(-1/tau) + diag(tanh') W_0,
    J_0.1 and J_0.2 the tanh'-scaled weights of those edges; delays ascending."""
    net = NetworkDef({f"n{i}": li_node() for i in range(3)}, [
        EdgeDef("n0/li/r", "n1/li/m_in", weight=2.0),
        EdgeDef("n1/li/r", "n2/li/m_in", weight=-1.0, delay=0.2),
        EdgeDef("n2/li/r", "n0/li/m_in", weight=0.5, delay=0.1)])
    system = compile_network(net)
    jac = jacobian_ir(system)
    assert jac.delays == [0.1, 0.2]
    y = np.array([0.3, -0.2, 0.7])
    j0, j1, j2 = _dense(jac, system, y)
    s = system.states[0]
    order = [s.labels.index(f"n{i}/li/r") for i in range(3)]
    m = np.zeros(3)
    m[order[1]], m[order[2]], m[order[0]] = 2.0 * y[order[0]], -y[order[1]], 0.5 * y[order[2]]
    d = 1 - np.tanh(m) ** 2
    assert np.allclose(np.diag(j0), -0.5)
    assert j0[order[1], order[0]] == pytest.approx(d[order[1]] * 2.0)
    assert j1[order[0], order[2]] == pytest.approx(d[order[0]] * 0.5)
    assert j2[order[2], order[1]] == pytest.approx(d[order[2]] * -1.0)
    assert np.count_nonzero(j1) == 1 and np.count_nonzero(j2) == 1


def test_connection_def_dense_equals_sparse_and_checks():
    """from_matrix reads the same entries from a dense and a scipy.sparse matrix; delays as a
    scalar or per entry; bad shapes and out-of-range elements are named."""
    w = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    d = np.array([[0.0, 0.1, 0.0], [0.2, 0.0, 0.3]])
    a = ConnectionDef.from_matrix("p/li/r", "q/li/m_in", w, d)
    b = ConnectionDef.from_matrix("p/li/r", "q/li/m_in", scipy.sparse.csr_matrix(w),
                                  scipy.sparse.csr_matrix(d))
    key = lambda c: sorted(zip(c.target_idx, c.source_idx, c.weights, c.delays))  # noqa: E731
    assert key(a) == key(b) == [(0, 1, 1.5, 0.1), (1, 0, 2.0, 0.2), (1, 2, -1.0, 0.3)]
    assert np.all(ConnectionDef.from_matrix("p/li/r", "q/li/m_in", w, 0.5).delays == 0.5)
    with pytest.raises(TemplateError, match="delays has shape"):
        ConnectionDef.from_matrix("p/li/r", "q/li/m_in", w, np.ones((3, 3)))
    net = NetworkDef({"p": li_node(3), "q": li_node(2)}, [], "net",
                     [ConnectionDef.from_matrix("p/li/r", "q/li/m_in", np.ones((3, 3)))])
    with pytest.raises(TemplateError, match="target element 2"):
        compile_network(net)


def test_population_connection_is_one_bundle():
    """A population node of 4 units with a matrix connection: one state of size 4, one bundle
    with the non-zero entries, and its Jacobian block the weight matrix."""
    w = np.array([[0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 3], [4, 0, 0, 0]], dtype=float)
    net = NetworkDef({"e": li_node(4)}, [], "net",
                     [ConnectionDef.from_matrix("e/li/r", "e/li/m_in", w)])
    system = compile_network(net)
    assert [s.size for s in system.states] == [4] and len(system.edges) == 1
    assert system.edges[0].n_edges == 4
    (j0,) = _dense(jacobian_ir(system), system, np.zeros(4))
    assert np.allclose(j0, -0.5 * np.eye(4) + w)  # tanh'(0) = 1
