"""Compact ``add_edges_from_matrix`` edges: the same system and trajectory as edge by edge."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_core.compile import compile_network
from pyrates_core.errors import TemplateError
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate


def _node() -> NodeTemplate:
    op = OperatorTemplate("li", equations=["d/dt * r = (-r + tanh(r_in + 0.3)) / tau"],
                          variables={"r": "output(0.1)", "r_in": "input(0.0)", "tau": 2.0})
    return NodeTemplate("li_node", operators=[op])


def _network(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = (rng.random((n, n)) < 0.3) * rng.normal(0.0, 0.5, (n, n))
    d = np.round(rng.uniform(0.2, 2.0, (n, n)), 1)
    return w, d


def _circuits(n: int = 12) -> tuple[CircuitTemplate, CircuitTemplate]:
    w, d = _network(n)
    names = [f"p{i}" for i in range(n)]
    compact = CircuitTemplate("c", nodes={nm: _node() for nm in names})
    compact.add_edges_from_matrix("li/r", "li/r_in", names, weight=w, edge_attr={"delay": d})
    listed = CircuitTemplate("c", nodes={nm: _node() for nm in names})
    rows, cols = np.nonzero(np.abs(w) >= 1e-6)
    listed.add_edges([(f"{names[j]}/li/r", f"{names[i]}/li/r_in", None,
                       {"weight": float(w[i, j]), "delay": float(d[i, j])})
                      for i, j in zip(rows, cols, strict=True)])
    return compact, listed


def test_compact_edges_compile_to_the_same_bundles():
    compact, listed = _circuits()
    net = compact.network(compact=True)
    assert not net.edges and len(net.edge_blocks) == 1  # no EdgeDef per matrix entry
    a, b = compile_network(net), compile_network(listed.network())
    (ba,), (bb,) = a.edges, b.edges
    assert len(bb.source_idx) > 20
    for f in ("source_idx", "target_idx", "delays"):
        np.testing.assert_array_equal(getattr(ba, f), getattr(bb, f))
    np.testing.assert_array_equal(a.params[ba.weights].value, b.params[bb.weights].value)


def test_compact_edges_same_trajectory_and_1x_edge_list():
    compact, listed = _circuits()
    kw = dict(simulation_time=20.0, step_size=0.1, outputs={"r": "all/li/r"}, verbose=False,
              numba=False)
    ra, rb = compact.run(**kw), listed.run(**kw)
    assert float(np.abs(ra.to_numpy() - rb.to_numpy()).max()) < 1e-13
    assert np.abs(ra.to_numpy()).max() > 0.1  # the coupling matters
    # the 1.x view: one (source, target, template, attributes) tuple per entry
    assert sorted(compact.edges, key=str) == sorted(listed.edges, key=str)


def test_sparse_weights_match_dense():
    sps = pytest.importorskip("scipy.sparse")
    n = 10
    w, d = _network(n, seed=5)
    names = [f"p{i}" for i in range(n)]
    dense = CircuitTemplate("c", nodes={nm: _node() for nm in names})
    dense.add_edges_from_matrix("li/r", "li/r_in", names, weight=w, edge_attr={"delay": d})
    sparse = CircuitTemplate("c", nodes={nm: _node() for nm in names})
    sparse.add_edges_from_matrix("li/r", "li/r_in", names, weight=sps.csr_matrix(w),
                                 edge_attr={"delay": sps.csr_matrix(np.where(w != 0, d, 0))})
    assert sparse.edges == dense.edges


def test_compact_edge_errors_name_the_edge():
    c = CircuitTemplate("c", nodes={"a": _node(), "b": _node()})
    c.add_edges_from_matrix("li/r", "li/r_in", ["a", "b"], weight=np.ones((2, 2)),
                            edge_attr={"delay": -np.ones((2, 2))})
    with pytest.raises(TemplateError, match="a/li/r -> a/li/r_in: delay"):
        c.run(simulation_time=1.0, step_size=0.1, verbose=False)
    c = CircuitTemplate("c", nodes={"a": _node(), "b": _node()})
    c.add_edges_from_matrix("li/tau", "li/r_in", ["a", "b"], weight=np.ones((2, 2)))
    with pytest.raises(TemplateError, match="source must be a state"):
        c.run(simulation_time=1.0, step_size=0.1, verbose=False)
