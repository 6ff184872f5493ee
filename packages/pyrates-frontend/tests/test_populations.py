"""PopulationTemplate and Connectivity: populations equal explicit nodes, sparse equals dense."""

import numpy as np
import pytest
import scipy.sparse

from pyrates_core.errors import TemplateError
from pyrates_frontend import (
    CircuitTemplate,
    Connectivity,
    EdgeTemplate,
    NodeTemplate,
    OperatorTemplate,
    PopulationTemplate,
)

WC = "model_templates.neural_mass_models.wilsoncowan.exc_pop"
T, DT = 0.2, 1e-3


def _weights(n, seed=42, density=0.5):
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 1.0 / np.sqrt(n), (n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(w, 15.0)
    return w


def _r0(n):
    """Initial rates (the network rests at r = 0 otherwise)."""
    return np.linspace(0.05, 0.6, n)


def _pop(n, **params):
    return PopulationTemplate("e", NodeTemplate.from_yaml(WC), n,
                              params={"rate_op/r": _r0(n), **params})


def _explicit(n, w, delays=None, spread=None, tau=None):
    """The same network as n explicit nodes and add_edges_from_matrix."""
    node = NodeTemplate.from_yaml(WC)
    names = [f"e{k}" for k in range(n)]
    c = CircuitTemplate("explicit", nodes=dict.fromkeys(names, node))
    attrs = {}
    if delays is not None:
        attrs["delay"] = delays
    if spread is not None:
        attrs["spread"] = spread
    c.add_edges_from_matrix("rate_op/r", "se_op/r_in", names, weight=w, edge_attr=attrs or None,
                            min_weight=1e-300)
    c.update_var(node_vars={f"{nm}/rate_op/r": r for nm, r in zip(names, _r0(n))})
    if tau is not None:
        c.update_var(node_vars={f"{nm}/rate_op/tau": t for nm, t in zip(names, tau)})
    return c


def _run(c, path):
    res = c.run(T, DT, outputs={"r": path}, verbose=False, solver="heun")
    return res.to_numpy()


def test_population_equals_explicit_nodes_with_delays_and_heterogeneity():
    """N = 12 units, per-entry delays and per-unit tau: identical to 12 explicit nodes with
    the same edges to 1e-12 (heun, 200 steps)."""
    n = 12
    w = _weights(n)
    rng = np.random.default_rng(5)
    delays = np.where(w != 0, rng.choice([0.0, 0.003, 0.0045], size=(n, n)), 0.0)
    tau = rng.uniform(8.0, 12.0, n)
    pop = _pop(n, **{"rate_op/tau": tau})
    c = CircuitTemplate("pop", populations=[pop], connections=[
        Connectivity("e/rate_op/r", "e/se_op/r_in", w, delays=delays)])
    got = _run(c, "e/rate_op/r")
    ref = _run(_explicit(n, w, delays, tau=tau), "all/rate_op/r")
    assert got.shape == ref.shape == (int(T / DT), n)
    assert np.abs(ref).max() > 1e-2  # the network is active
    assert np.abs(got - ref).max() < 1e-12


def test_population_gamma_spread_equals_explicit():
    """Per-entry spreads (gamma-distributed delays) as for explicit edges."""
    n = 5
    w = _weights(n, seed=3)
    delays = np.where(w != 0, 0.004, 0.0)
    spread = np.where(w != 0, 0.001, 0.0)
    pop = _pop(n)
    c = CircuitTemplate("pop", populations={"e": pop}, connections=[
        Connectivity("e/rate_op/r", "e/se_op/r_in", w, delays=delays, spread=spread)])
    got = _run(c, "e/rate_op/r")
    ref = _run(_explicit(n, w, 0.004, 0.001), "all/rate_op/r")
    assert np.abs(ref).max() > 1e-2
    assert np.abs(got - ref).max() < 1e-12


def test_sparse_weights_equal_dense():
    """scipy.sparse weights and delays give the same trajectories as the dense matrices."""
    n = 30
    w = _weights(n, seed=8, density=0.1)
    d = np.where(w != 0, 0.002, 0.0)
    dense = CircuitTemplate("d", populations=[_pop(n)], connections=[
        Connectivity("e/rate_op/r", "e/se_op/r_in", w, delays=d)])
    sparse = CircuitTemplate("s", populations=[_pop(n)], connections=[
        Connectivity("e/rate_op/r", "e/se_op/r_in", scipy.sparse.csr_matrix(w),
                     delays=scipy.sparse.csr_matrix(d))])
    a, b = _run(dense, "e/rate_op/r"), _run(sparse, "e/rate_op/r")
    assert np.abs(a).max() > 1e-2 and np.ptp(a[-1]) > 1e-3
    assert np.array_equal(a, b)


def test_gallery_uniform_delay_update_var_and_mixed_circuit():
    """Gallery use: a scalar delay for all connections (equal to the explicit network);
    update_var on a population parameter (one value per unit); a population beside an
    ordinary node that drives unit 2 through an ordinary edge."""
    n = 6
    w = _weights(n, seed=1)
    node = NodeTemplate.from_yaml(WC)
    c = CircuitTemplate("wc_delay", populations=[_pop(n)],
                        connections=[Connectivity("e/rate_op/r", "e/se_op/r_in", w,
                                                  delays=0.005)])
    ref = _run(_explicit(n, w, np.where(w != 0, 0.005, 0.0)), "all/rate_op/r")
    assert np.abs(ref).max() > 1e-2
    assert np.abs(_run(c, "e/rate_op/r") - ref).max() < 1e-12
    tau = np.linspace(5.0, 15.0, n)
    c.clear()  # start again from the initial state (runs continue from the last state)
    c.update_var(node_vars={"e/rate_op/tau": tau})
    ref_tau = _run(_explicit(n, w, np.where(w != 0, 0.005, 0.0), tau=tau), "all/rate_op/r")
    assert np.abs(_run(c, "e/rate_op/r") - ref_tau).max() < 1e-12
    mixed = CircuitTemplate("mixed", nodes={"drive": node},
                            populations=[PopulationTemplate("e", node, n)],
                            edges=[("drive/rate_op/r", "e/se_op/r_in[2]", None, {"weight": 50.0})])
    mixed.update_var(node_vars={"drive/rate_op/r": 0.5})
    out = _run(mixed, "e/rate_op/r")
    assert out[-1, 2] > 10 * np.abs(np.delete(out[-1], 2)).max()


def test_population_jacobian_matches_explicit():
    """The Jacobian of a population network equals the explicit network's (same order)."""
    n = 8
    w = _weights(n, seed=2)
    pop = PopulationTemplate("e", NodeTemplate.from_yaml(WC), n)
    c = CircuitTemplate("pj", populations=[pop], connections=[
        Connectivity("e/rate_op/r", "e/se_op/r_in", scipy.sparse.csr_matrix(w))])
    j, ja, _, idx = c.get_jacobian_func("pj", DT, verbose=False, sparse=True)
    e = _explicit(n, w)
    je, jea, _, eidx = e.get_jacobian_func("ej", DT, verbose=False)
    y = np.random.default_rng(0).uniform(0, 0.5, n)
    ye = np.zeros(n)
    for k in range(n):
        ye[eidx[f"e{k}/rate_op/r"]] = y[idx[f"e/rate_op/r[{k}]"]]
    jp = j(0.0, y, *ja[2:]).toarray()
    jx = je(0.0, ye, *jea[2:])
    order_p = [idx[f"e/rate_op/r[{k}]"] for k in range(n)]
    order_e = [eidx[f"e{k}/rate_op/r"] for k in range(n)]
    assert np.abs(jp[np.ix_(order_p, order_p)] - jx[np.ix_(order_e, order_e)]).max() < 1e-12


def test_population_errors():
    """Bad input is named: wrong parameter length, unknown parameter, weights not 2-D,
    weights addressing units that do not exist, an edge that is no edge template."""
    node = NodeTemplate.from_yaml(WC)
    with pytest.raises(TemplateError, match="needs a scalar or 4 values"):
        PopulationTemplate("e", node, 4, params={"rate_op/tau": [1.0, 2.0]})
    with pytest.raises(TemplateError, match="rate_op/nope"):
        PopulationTemplate("e", node, 4, params={"rate_op/nope": 1.0})
    with pytest.raises(TemplateError, match="matrix"):
        Connectivity("e/rate_op/r", "e/se_op/r_in", np.ones(4))
    with pytest.raises(TemplateError, match="needs a weight matrix"):
        Connectivity("e/rate_op/r", "e/se_op/r_in", 0.5, edge=EdgeTemplate(
            name="x", operators=[OperatorTemplate(name="o", equations=["s = x"],
                                                  variables={"x": "input", "s": "output"})]))
    with pytest.raises(TemplateError, match="EdgeTemplate"):
        Connectivity("e/rate_op/r", "e/se_op/r_in", np.ones((4, 4)), edge=object())
    c = CircuitTemplate("bad", populations=[PopulationTemplate("e", node, 4)],
                        connections=[Connectivity("e/rate_op/r", "e/se_op/r_in",
                                                  np.ones((4, 5)))])
    with pytest.raises(TemplateError, match="source element 4"):
        c.run(0.01, DT, verbose=False)


def test_inputs_to_population_units_equal_explicit():
    """inputs={'e/se_op/r_ext': array (n_steps, n)} drives the units one column each, as
    'all/se_op/r_ext' drives n explicit nodes; 'e/se_op/r_ext[1]' drives unit 1 alone."""
    n = 4
    w = _weights(n, seed=4)
    u = np.zeros((int(T / DT), n))
    u[:, 1] = 5.0
    u[50:, 3] = 2.0
    c = CircuitTemplate("pin", populations=[_pop(n)], connections=[
        Connectivity("e/rate_op/r", "e/se_op/r_in", w)])
    got = c.run(T, DT, inputs={"e/se_op/r_ext": u}, outputs={"r": "e/rate_op/r"},
                verbose=False).to_numpy()
    ref = _explicit(n, w).run(T, DT, inputs={"all/se_op/r_ext": u},
                              outputs={"r": "all/rate_op/r"}, verbose=False).to_numpy()
    assert np.abs(got - ref).max() < 1e-12
    one = CircuitTemplate("pin1", populations=[_pop(n)], connections=[
        Connectivity("e/rate_op/r", "e/se_op/r_in", w)])
    single = one.run(T, DT, inputs={"e/se_op/r_ext[1]": u[:, 1]}, outputs={"r": "e/rate_op/r"},
                     verbose=False).to_numpy()
    u1 = u.copy()
    u1[:, 3] = 0.0
    ref1 = _explicit(n, w).run(T, DT, inputs={"all/se_op/r_ext": u1},
                               outputs={"r": "all/rate_op/r"}, verbose=False).to_numpy()
    assert np.abs(single - ref1).max() < 1e-12 and np.abs(single - ref).max() > 1e-6


@pytest.mark.parametrize("delays, spread", [(None, None), (0.004, None), (0.004, 0.001)])
def test_scalar_weights_global_coupling_equal_the_full_matrix(delays, spread):
    """The original's global coupling: scalar weights give target[i] += w * sum_j source[j]
    (built in O(n), no matrix), equal to the all-equal matrix to 1e-12, delayed or not; the
    Jacobian equals the matrix one."""
    n, g = 7, 3.0

    def circuit(weights):
        return CircuitTemplate("g", populations=[_pop(n)], connections=[
            Connectivity("e/rate_op/r", "e/se_op/r_in", weights, delays=delays,
                         spread=spread)])

    full = circuit(np.full((n, n), g))
    ref = _run(full, "e/rate_op/r")
    got = _run(circuit(g), "e/rate_op/r")
    alone = _run(circuit(np.zeros((n, n))), "e/rate_op/r")
    assert np.abs(ref - alone).max() > 1e-3  # the coupling acts
    assert np.abs(got - ref).max() < 1e-12
    if delays is None:
        y = np.random.default_rng(3).uniform(0.0, 0.5, n)
        j, ja, _, _ = circuit(g).get_jacobian_func("gj", DT, verbose=False)
        jf, jfa, _, _ = circuit(np.full((n, n), g)).get_jacobian_func("fj", DT, verbose=False)
        assert np.abs(np.asarray(j(0.0, y, *ja[2:])) - np.asarray(jf(0.0, y, *jfa[2:]))
                      ).max() < 1e-12
