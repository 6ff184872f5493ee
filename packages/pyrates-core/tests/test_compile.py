"""Compilation of networks into vectorized systems."""

import numpy as np
import pytest
import sympy as sp

from pyrates_core.compile import compile_network
from pyrates_core.delays import gamma_chain
from pyrates_core.errors import EquationError, TemplateError, VariableNotFoundError
from pyrates_core.functions import EdgeSum
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef, OperatorDef, parse_variable


def op(name, eqs, variables):
    return OperatorDef(name, eqs, {k: parse_variable(v, k) for k, v in variables.items()})


def li_node(tau=1.0, r0=0.0):
    return NodeDef({"li": op("li", ["r' = (r0 - r)/tau + m_in"],
                             {"r": "output(0.0)", "r0": r0, "tau": tau, "m_in": "input(0.0)"})},
                   "li_node")


def test_identical_nodes_are_one_vectorized_group():
    net = NetworkDef({f"n{i}": li_node() for i in range(5)})
    sys_ = compile_network(net)
    assert len(sys_.states) == 1 and sys_.states[0].size == 5
    assert sys_.states[0].labels == [f"n{i}/li/r" for i in range(5)]
    # identical constants are reduced to one scalar
    assert sys_.params["tau"].value.shape == ()


def test_differing_constants_become_vectors_and_no_vectorize_splits():
    net = NetworkDef({"a": li_node(tau=1.0), "b": li_node(tau=2.0)})
    sys_ = compile_network(net)
    assert np.allclose(sys_.params["tau"].value, [1.0, 2.0])
    split = compile_network(net, vectorize=False)
    assert [s.size for s in split.states] == [1, 1]
    assert len({s.name for s in split.states}) == 2


def test_node_internal_inputs_sum_outputs():
    rpo = op("rpo", ["V' = -V + 1"], {"V": "output(0.0)"})
    rpo2 = op("rpo2", ["V' = -V + 2"], {"V": "output(0.0)"})
    pro = op("pro", ["m = 2*V"], {"m": "output(0.0)", "V": "input(0.0)"})
    sys_ = compile_network(NetworkDef({"p": NodeDef({"rpo": rpo, "rpo2": rpo2, "pro": pro})}))
    v_in = next(a for a in sys_.assignments if a.labels == ["p/pro/V"])
    assert {s.name for s in v_in.expr.free_symbols} == {s.name for s in sys_.states}
    names = [a.name for a in sys_.assignments]
    m = next(a for a in sys_.assignments if a.labels == ["p/pro/m"])
    assert names.index(v_in.name) < names.index(m.name)  # topological order


def test_edges_become_bundles_with_weights_and_delays():
    net = NetworkDef({f"n{i}": li_node() for i in range(3)}, [
        EdgeDef("n0/li/r", "n1/li/m_in", 2.0), EdgeDef("n1/li/r", "n2/li/m_in", -1.0, 0.5),
        EdgeDef("n2/li/r", "n2/li/m_in", 3.0)])
    sys_ = compile_network(net)
    (b,) = sys_.edges
    assert list(b.source_idx) == [0, 1, 2] and list(b.target_idx) == [1, 2, 2]
    assert np.allclose(sys_.params[b.weights].value, [2.0, -1.0, 3.0])
    assert np.allclose(b.delays, [0.0, 0.5, 0.0]) and b.delayed
    m_in = next(a for a in sys_.assignments if a.labels[0] == "n0/li/m_in")
    assert m_in.expr == EdgeSum(sp.Symbol(b.source), sp.Integer(0))


def test_edge_errors_name_the_problem():
    base = {f"n{i}": li_node() for i in range(2)}
    with pytest.raises(VariableNotFoundError, match="'li/rr'.*variables of 'n0/li'"):
        compile_network(NetworkDef(base, [EdgeDef("n0/li/rr", "n1/li/m_in")]))
    with pytest.raises(VariableNotFoundError, match="node 'n9'"):
        compile_network(NetworkDef(base, [EdgeDef("n9/li/r", "n1/li/m_in")]))
    with pytest.raises(TemplateError, match="must be declared as an input"):
        compile_network(NetworkDef(base, [EdgeDef("n0/li/r", "n1/li/r")]))
    with pytest.raises(TemplateError, match="negative delay"):
        compile_network(NetworkDef(base, [EdgeDef("n0/li/r", "n1/li/m_in", 1.0, -1.0)]))


def test_gamma_chain_order_rate_and_structure():
    order, rate = gamma_chain(4.0, 1.0)
    assert order == 16 and rate == pytest.approx(4.0)
    assert gamma_chain(1.0, 5.0) == (1, 1.0)
    net = NetworkDef({f"n{i}": li_node() for i in range(2)}, [
        EdgeDef("n0/li/r", "n1/li/m_in", 1.0, 4.0, 1.0),
        EdgeDef("n1/li/r", "n0/li/m_in", 1.0, 2.0, 2.0)])
    sys_ = compile_network(net)
    chain = sys_.states[-1]
    assert chain.size == 16 + 1  # one slot per chain level, both edges in one state
    (b,) = sys_.edges
    assert b.source == chain.name and not b.delayed
    assert sorted(b.source_idx.tolist()) == [1, 16]  # last slots of each chain


def test_gamma_chain_impulse_response_is_gamma_kernel():
    """The linear chain driven by a unit impulse reproduces the gamma density."""
    from math import factorial

    mean, spread = 2.0, 1.0
    m, a = gamma_chain(mean, spread)
    dt, n = 1e-3, 8000
    x = np.zeros(m)
    x[0] = a  # impulse at t=0 into the first level
    out = []
    mat = a * (np.eye(m, k=-1) - np.eye(m))
    for _ in range(n):  # RK4
        k1 = mat @ x
        k2 = mat @ (x + dt / 2 * k1)
        k3 = mat @ (x + dt / 2 * k2)
        k4 = mat @ (x + dt * k3)
        x = x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out.append(x[-1])
    t = dt * np.arange(1, n + 1)
    pdf = a**m * t ** (m - 1) * np.exp(-a * t) / factorial(m - 1)
    assert np.max(np.abs(np.asarray(out) - pdf)) < 1e-6
    assert np.sum(pdf * t) * dt == pytest.approx(mean, rel=1e-3)


def test_algebraic_loop_is_reported():
    a = op("a", ["x = y + 1", "y = 2*x"], {"x": "output(0.0)", "y": "variable(0.0)"})
    with pytest.raises(EquationError, match="algebraic loop"):
        compile_network(NetworkDef({"p": NodeDef({"a": a})}))


def test_input_defined_by_equation_is_an_error():
    a = op("a", ["u = 1"], {"u": "input(0.0)"})
    with pytest.raises(EquationError, match="declared as input"):
        compile_network(NetworkDef({"p": NodeDef({"a": a})}))


def test_user_inputs_become_input_specs_with_defaults():
    net = NetworkDef({f"n{i}": li_node() for i in range(3)})
    sys_ = compile_network(net, inputs={"n1/li/m_in"})
    (spec,) = sys_.inputs.values()
    assert spec.size == 3 and spec.labels[1] == "n1/li/m_in"


def test_complex_values_make_a_complex_system():
    z = op("z", ["z' = I*w*z"], {"z": "output(1.0+0.5j)", "w": 1.0})
    sys_ = compile_network(NetworkDef({"p": NodeDef({"z": z})}))
    assert sys_.is_complex and sys_.initial_state()[0] == 1.0 + 0.5j


def test_unused_constants_are_pruned():
    o = op("o", ["x' = -x"], {"x": "output(1.0)", "unused": 3.0})
    assert "unused" not in compile_network(NetworkDef({"p": NodeDef({"o": o})})).params


def test_unfed_input_used_as_edge_source_is_an_array_assignment():
    src = op("src", ["y = 2*u"], {"y": "output(0.0)", "u": "input(1.5)"})
    net = NetworkDef({"a": NodeDef({"src": src}), "b": li_node()},
                     [EdgeDef("a/src/u", "b/li/m_in", 3.0)])
    sys_ = compile_network(net)
    (b,) = sys_.edges
    source = next(a for a in sys_.assignments if a.name == b.source)
    (param,) = [sys_.params[s.name] for s in source.expr.free_symbols]
    assert np.allclose(param.value, [1.5]) and param.value.shape == (1,)


def test_merged_nodes_reduce_per_node():
    """mean/sum of a node's scalar is that scalar, also when nodes are merged (issue 14)."""
    from pyrates_core.compile import rewrite_per_node
    from pyrates_core.functions import ArrayMean, ArraySum

    node = lambda a: NodeDef({"op": op("op", ["x' = -x + a + mean(x) - sum(2*x)"],  # noqa: E731
                                       {"x": "output(1.0)", "a": a})}, "n")
    sys_ = compile_network(NetworkDef({"n0": node(0.0), "n1": node(5.0)}))
    assert sys_.states[0].size == 2
    (deriv,) = sys_.derivatives
    assert not deriv.atoms(ArrayMean, ArraySum)
    x, a = sys_.states[0].symbol, sp.Symbol("a")
    assert sp.simplify(deriv - (-2 * x + a)) == 0
    c = sp.Symbol("c")
    assert rewrite_per_node(ArraySum(c) + 1) == c + 1


def test_nodes_with_vector_constants_or_concatenate_are_not_merged():
    vec = NodeDef({"op": op("op", ["x' = -x + sum(c)"], {"x": "output(0.0)", "c": [1.0, 2.0]})})
    cat = NodeDef({"op": op("op", ["y = sum(concatenate(x, x))", "x' = -x"],
                            {"x": "output(1.0)", "y": "output(0.0)"})})
    for node in (vec, cat):
        sys_ = compile_network(NetworkDef({"n0": node, "n1": node}))
        assert [s.size for s in sys_.states] == [1, 1]


def test_ir_roles_internal_states_and_parameter_roles():
    """Internal states are flagged, not recognised by name; parameters know their role."""
    from pyrates_core.system import ParameterSpec

    node = NodeDef({"op": op("op", ["x_chain' = -x_chain + m_in + past(x_chain, tau)"],
                             {"x_chain": "output(0.5)", "m_in": "input(0.0)", "tau": 2.0})})
    net = NetworkDef({"a": node, "b": node}, [
        EdgeDef("a/op/x_chain", "b/op/m_in", 2.0, 1.0, 0.5),
        EdgeDef("b/op/x_chain", "a/op/m_in", 3.0, 1.5)])
    sys_ = compile_network(net)
    user = [s for s in sys_.states if not s.internal]
    chains = [s for s in sys_.states if s.internal]
    assert [s.labels for s in user] == [["a/op/x_chain", "b/op/x_chain"]]
    assert len(chains) == 1 and chains[0].size == 4  # gamma order round((1/0.5)^2)
    roles = {p.name: p.role for p in sys_.params.values()}
    weights = {b.weights for b in sys_.edges}
    assert {roles[w] for w in weights} == {"weight"}
    assert roles["tau"] == "delay"
    assert "index" in roles.values()
    with pytest.raises(ValueError, match="role"):
        ParameterSpec("p", np.zeros(1), role="gain")
