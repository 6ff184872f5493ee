"""Jacobian assembly plan (pyrates_core.jacobian_blocks): block offsets, delay split, pattern."""

import numpy as np
from test_jacobian_ir import _dense, li_node

from pyrates_core.compile import compile_network
from pyrates_core.connectivity import ConnectionDef
from pyrates_core.jacobian import Factor, jacobian_ir
from pyrates_core.jacobian_blocks import (
    _compose,
    blocks_by_delay,
    factor_pattern,
    jacobian_blocks,
    sparsity_pattern,
)
from pyrates_core.model import EdgeDef, NetworkDef


def _delayed_system():
    net = NetworkDef({f"n{i}": li_node() for i in range(3)}, [
        EdgeDef("n0/li/r", "n1/li/m_in", weight=2.0),
        EdgeDef("n1/li/r", "n2/li/m_in", weight=-1.0, delay=0.2),
        EdgeDef("n2/li/r", "n0/li/m_in", weight=0.5, delay=0.1)])
    return compile_network(net)


def test_blocks_follow_terms():
    """One block per term, in the matrix of its delay, at the offsets of its two states."""
    system = _delayed_system()
    jac = jacobian_ir(system)
    blocks = jacobian_blocks(jac)
    assert len(blocks) == len(jac.terms)
    for term, block in zip(jac.terms, blocks):
        assert block.delay == term.delay and block.factors == tuple(term.factors)
        assert (block.row, block.col) == (system.state(term.row).start,
                                          system.state(term.col).start)
    parts = blocks_by_delay(jac)
    assert len(parts) == len(jac.delays) + 1 and sum(map(len, parts)) == len(blocks)
    assert all(b.delay == d for d, part in enumerate(parts) for b in part)


def test_pattern_is_the_nonzeros_of_the_evaluated_jacobian():
    """At a generic point the structural pattern equals the non-zeros of each matrix."""
    system = _delayed_system()
    jac = jacobian_ir(system)
    dense = _dense(jac, system, np.array([0.3, -0.2, 0.7]))
    for (rows, cols), mat in zip(sparsity_pattern(jac), dense):
        assert set(zip(rows.tolist(), cols.tolist())) == set(zip(*np.nonzero(mat)))


def test_pattern_of_a_population_block():
    """A 4-unit population with a matrix connection: identity plus the weight pattern."""
    w = np.array([[0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 3], [4, 0, 0, 0]], dtype=float)
    net = NetworkDef({"e": li_node(4)}, [], "net",
                     [ConnectionDef.from_matrix("e/li/r", "e/li/m_in", w)])
    ((rows, cols),) = sparsity_pattern(jacobian_ir(compile_network(net)))
    expected = (np.eye(4) + w) != 0
    got = np.zeros((4, 4), bool)
    got[rows, cols] = True
    assert np.array_equal(got, expected)


def test_compose_is_the_boolean_matrix_product():
    """The pattern of A @ B from those of A and B, checked on random patterns."""
    rng = np.random.default_rng(0)
    a, b = rng.random((5, 7)) < 0.3, rng.random((7, 4)) < 0.3
    rows, cols = _compose(np.nonzero(a), np.nonzero(b))
    got = np.zeros((5, 4), bool)
    got[rows, cols] = True
    assert np.array_equal(got, (a.astype(int) @ b.astype(int)) > 0)
    rows, cols = factor_pattern(Factor("diag", (3, 3)))
    assert rows.tolist() == cols.tolist() == [0, 1, 2]
