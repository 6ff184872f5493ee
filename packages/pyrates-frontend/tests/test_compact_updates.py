"""``update_var``, ``get_var`` and ``variable_paths`` on matrix-built circuits keep the
matrix edges compact and give the same results as edge-by-edge circuits."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_core.compile import compile_network
from pyrates_core.edge_blocks import EdgeBlock
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate
from pyrates_frontend.edge_matrix import EdgeMatrix


def _node() -> NodeTemplate:
    op = OperatorTemplate("li", equations=["d/dt * r = (-r + tanh(r_in + 0.3)) / tau"],
                          variables={"r": "output(0.1)", "r_in": "input(0.0)", "tau": 2.0})
    return NodeTemplate("li_node", operators=[op])


def _pair(n: int = 8) -> tuple[CircuitTemplate, CircuitTemplate, list[str], np.ndarray]:
    rng = np.random.default_rng(5)
    w = (rng.random((n, n)) < 0.4) * rng.normal(0.0, 0.5, (n, n))
    d = np.round(rng.uniform(0.2, 2.0, (n, n)), 1)
    names = [f"p{i}" for i in range(n)]
    compact = CircuitTemplate("c", nodes={nm: _node() for nm in names})
    compact.add_edges_from_matrix("li/r", "li/r_in", names, weight=w, edge_attr={"delay": d})
    listed = CircuitTemplate("c", nodes={nm: _node() for nm in names})
    rows, cols = np.nonzero(np.abs(w) >= 1e-6)
    listed.add_edges([(f"{names[j]}/li/r", f"{names[i]}/li/r_in", None,
                       {"weight": float(w[i, j]), "delay": float(d[i, j])})
                      for i, j in zip(rows, cols, strict=True)])
    return compact, listed, names, np.stack([rows, cols], axis=1)


@pytest.fixture
def no_expansion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make expanding compact edges into single edges an error."""
    def boom(*_: object) -> None:
        raise AssertionError("compact edges were expanded")
    monkeypatch.setattr(EdgeMatrix, "expand", boom)
    monkeypatch.setattr(EdgeBlock, "edge_defs", boom)


def _updates(names: list[str], ij: np.ndarray) -> tuple[dict, list]:
    (i0, j0), (i1, j1) = ij[0], ij[3]
    node_vars = {"p0/li/tau": 1.5, "all/li/r": np.linspace(0.0, 0.7, len(names))}
    edge_vars = [(f"{names[j0]}/li/r", f"{names[i0]}/li/r_in", {"weight": 3.25}),
                 (f"{names[j1]}/li/r", f"{names[i1]}/li/r_in", {"delay": 0.9, "weight": -2.0})]
    return node_vars, edge_vars


def test_updates_keep_matrices_compact(no_expansion: None) -> None:
    compact, _, names, ij = _pair()
    node_vars, edge_vars = _updates(names, ij)
    compact.update_var(node_vars=node_vars, edge_vars=edge_vars)
    compact.add_edges([("p0/li/r", "p1/li/r_in", None, {"weight": 0.1})])
    assert compact.get_var("p0/li/tau") == 1.5 and compact["p3/li/tau"] == 2.0
    assert len(compact.variable_paths()) == 3 * len(names)
    assert compact._matrices  # still one compact matrix
    net = compact.network(compact=True)
    assert len(net.edge_blocks) == 1 and len(net.edges) == 1


def test_updates_equal_the_edge_by_edge_circuit() -> None:
    compact, listed, names, ij = _pair()
    node_vars, edge_vars = _updates(names, ij)
    for c in (compact, listed):
        c.update_var(node_vars=node_vars, edge_vars=edge_vars)
    assert compact.variable_paths() == listed.variable_paths()
    a, b = compile_network(compact.network(compact=True)), compile_network(listed.network())
    (ba,), (bb,) = a.edges, b.edges
    for f in ("source_idx", "target_idx", "delays"):
        np.testing.assert_array_equal(getattr(ba, f), getattr(bb, f))
    wa, wb = a.params[ba.weights].value, b.params[bb.weights].value
    np.testing.assert_array_equal(wa, wb)
    assert 3.25 in wa and -2.0 in wa  # the updates reached the compiled weights
    assert sorted(compact.edges, key=str) == sorted(listed.edges, key=str)


def test_copies_do_not_share_updated_matrices() -> None:
    compact, _, names, ij = _pair()
    i, j = ij[0]
    copy = compact.update_template("c2")
    assert copy is not None
    copy.update_var(edge_vars=[(f"{names[j]}/li/r", f"{names[i]}/li/r_in", {"weight": 7.0})])
    assert 7.0 in copy._matrices[0].weight and 7.0 not in compact._matrices[0].weight


def test_duplicate_entries_index_and_other_attributes() -> None:
    names = ["a", "b"]
    c = CircuitTemplate("c", nodes={nm: _node() for nm in names})
    for w in (1.0, 2.0):  # two matrices, both with an edge a -> b
        c.add_edges_from_matrix("li/r", "li/r_in", names, weight=np.array([[0, 0], [w, 0]]))
    c.update_var(edge_vars=[("a/li/r", "b/li/r_in", 1, {"weight": 5.0})])
    assert [float(m.weight[0]) for m in c._matrices] == [1.0, 5.0]
    with pytest.raises(IndexError, match="index 2"):
        c.update_var(edge_vars=[("a/li/r", "b/li/r_in", 2, {"weight": 5.0})])
    with pytest.raises(ValueError, match="'weight' must be a number"):
        c.update_var(edge_vars=[("a/li/r", "b/li/r_in", {"weight": "x"})])
    # an attribute the compact form does not hold: the edges become single edges
    c.update_var(edge_vars=[("a/li/r", "b/li/r_in", 0, {"spread": 0.5, "delay": 1.0})])
    assert not c._matrices
    assert [e[3] for e in c.get_edges("a/li/r", "b/li/r_in")] == [
        {"weight": 1.0, "spread": 0.5, "delay": 1.0}, {"weight": 5.0}]
