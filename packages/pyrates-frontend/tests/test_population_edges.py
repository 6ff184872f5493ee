"""Connectivity with an edge template: a coupling function (and edge dynamics) on every entry,
equal to the same network of explicit nodes and templated edges, and to hand-written loops."""

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

PHASE = "model_templates.oscillators.kuramoto.phase_pop"
SIN_EDGE = "model_templates.oscillators.kuramoto.sin_edge"
DT = 1e-3


def _rate_node():
    op = OperatorTemplate(name="rate_op", equations=["r' = (-r + eta + s_in) / tau_r"],
                          variables={"r": "output", "eta": 10.0, "tau_r": 1.0, "s_in": "input"})
    return NodeTemplate(name="rate_node", operators=[op])


def _lowpass_edge():
    op = OperatorTemplate(name="lp_op", equations=["u' = (-u + r_pre) / tau_u", "s = u"],
                          variables={"u": "variable(0.0)", "r_pre": "input", "tau_u": 0.1,
                                     "s": "output"})
    return EdgeTemplate(name="lp_edge", operators=[op])


def _kuramoto_weights(n, seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2.0, (n, n)) * (rng.random((n, n)) < 0.6)
    np.fill_diagonal(w, 0.0)
    return w


def _explicit_kuramoto(w, theta0, delays=None):
    """n explicit phase nodes and one sin_edge per non-zero weight."""
    n = len(theta0)
    node = NodeTemplate.from_yaml(PHASE)
    names = [f"e{k}" for k in range(n)]
    edges = []
    for i, j in zip(*np.nonzero(w), strict=True):
        attrs = {"weight": w[i, j], "theta_s": "source", "theta_t": f"e{i}/phase_op/theta"}
        if delays is not None:
            attrs["delay"] = delays[i, j]
        edges.append((f"e{j}/phase_op/theta", f"e{i}/phase_op/s_in", SIN_EDGE, attrs))
    c = CircuitTemplate("explicit", nodes=dict.fromkeys(names, node), edges=edges)
    c.update_var(node_vars={f"e{k}/phase_op/theta": t for k, t in enumerate(theta0)})
    return c


def _run(c, path, steps=200, solver="heun"):
    return c.run(steps * DT, DT, outputs={"x": path}, verbose=False, solver=solver).to_numpy()


def test_kuramoto_sine_edge_hand_computed_step():
    """The original's N = 2 case: one Euler step of theta' = omega + K * sum_j W_ij
    sin(theta_j - theta_i) from (0, pi/2), omega = 10, K = 1."""
    theta0 = [0.0, np.pi / 2]
    pop = PopulationTemplate("e", NodeTemplate.from_yaml(PHASE), 2,
                             params={"phase_op/theta": theta0})
    conn = Connectivity("e/phase_op/theta", "e/phase_op/s_in", np.array([[0.0, 1.0], [1.0, 0.0]]),
                        edge=SIN_EDGE,
                        edge_var_map={"theta_s": "source", "theta_t": "e/phase_op/theta"})
    c = CircuitTemplate("k2", populations={"e": pop}, connections=[conn])
    out = c.run(2 * DT, DT, solver="euler", outputs={"theta": "e/phase_op/theta"},
                verbose=False).to_numpy()
    assert np.abs(out[1] - [DT * 11.0, np.pi / 2 + DT * 9.0]).max() < 1e-12
    zero = CircuitTemplate("k0", populations={"e": pop}, connections=[Connectivity(
        "e/phase_op/theta", "e/phase_op/s_in", np.zeros((2, 2)), edge=SIN_EDGE)])
    out0 = zero.run(2 * DT, DT, solver="euler", outputs={"theta": "e/phase_op/theta"},
                    verbose=False).to_numpy()
    assert np.abs(out0[1] - [DT * 10.0, np.pi / 2 + DT * 10.0]).max() < 1e-12  # no entries


@pytest.mark.parametrize("delayed", [False, True])
def test_kuramoto_edge_equals_explicit_edges(delayed):
    """N = 7 oscillators, sparse random weights, with and without per-entry delays: equal to
    7 explicit nodes with one sin_edge each (heun, 200 steps) to 1e-12."""
    n = 7
    w = _kuramoto_weights(n, seed=3)
    theta0 = np.linspace(0.0, 2.5, n)
    rng = np.random.default_rng(4)
    delays = np.where(w != 0, rng.choice([0.002, 0.004, 0.0065], size=w.shape), 0.0) \
        if delayed else None
    pop = PopulationTemplate("e", NodeTemplate.from_yaml(PHASE), n,
                             params={"phase_op/theta": theta0})
    conn = Connectivity("e/phase_op/theta", "e/phase_op/s_in", scipy.sparse.csr_matrix(w),
                        edge=EdgeTemplate.from_yaml(SIN_EDGE), delays=delays,
                        edge_var_map={"coupling_op/theta_s": "source",
                                      "theta_t": "e/phase_op/theta"})
    got = _run(CircuitTemplate("pop", populations=[pop], connections=[conn]), "e/phase_op/theta")
    ref = _run(_explicit_kuramoto(w, theta0, delays), "all/phase_op/theta")
    free = theta0 + 10.0 * DT * np.arange(1, 201)[:, None]  # uncoupled phases
    assert np.abs(ref - free).max() > 1e-2  # the coupling acts
    assert np.abs(got - ref).max() < 1e-12


def test_dynamic_edge_with_per_entry_constants_equals_loop_and_explicit():
    """A low-pass filter on every entry (u_ij' = (r_j - u_ij) / tau_ij, per-entry tau from a
    matrix): equal to a NumPy Euler loop over the (target, source) pairs, and to explicit
    templated edges with one tau each; with per-entry delays and spreads too."""
    n, steps = 4, 60
    rng = np.random.default_rng(7)
    w = rng.uniform(0.5, 1.5, (n, n)) * (rng.random((n, n)) < 0.7)
    tau_u = np.where(w != 0, rng.uniform(0.05, 0.2, (n, n)), 0.0)
    eta = np.array([5.0, 15.0, 2.0, 8.0])
    pop = PopulationTemplate("p", _rate_node(), n, params={"rate_op/eta": eta})
    conn = Connectivity("p/rate_op/r", "p/rate_op/s_in", w, edge=_lowpass_edge(),
                        edge_var_map={"r_pre": "source", "tau_u": tau_u})
    got = _run(CircuitTemplate("dyn", populations=[pop], connections=[conn]), "p/rate_op/r",
               steps, "euler")
    r, u = np.zeros(n), np.zeros((n, n))
    ref = np.zeros((steps, n))
    safe_tau = np.where(w != 0, tau_u, 1.0)
    for k in range(steps):  # row k: the state at t = k * dt
        ref[k] = r
        dr = -r + eta + (w * u).sum(axis=1)
        du = (r[None, :] - u) / safe_tau
        r, u = r + DT * dr, u + DT * du
    assert np.abs(ref).max() > 0.1
    assert np.abs(got - ref).max() < 1e-12
    assert np.abs(_explicit_lowpass(w, tau_u, eta, steps) - got).max() < 1e-12
    d = np.where(w != 0, rng.choice([0.0, 0.002, 0.005], size=w.shape), 0.0)
    spread = np.where(d > 0.004, 0.001, 0.0)  # some gamma-distributed, some discrete
    delayed = CircuitTemplate("dyn_d", populations=[pop], connections=[Connectivity(
        "p/rate_op/r", "p/rate_op/s_in", w, edge=_lowpass_edge(), delays=d, spread=spread,
        edge_var_map={"r_pre": "source", "tau_u": tau_u})])
    got_d = _run(delayed, "p/rate_op/r", steps, "euler")
    assert np.abs(got_d - got).max() > 1e-6  # the delays act
    assert np.abs(_explicit_lowpass(w, tau_u, eta, steps, d, spread) - got_d).max() < 1e-12


def _explicit_lowpass(w, tau_u, eta, steps, delays=None, spread=None):
    """The low-pass network as explicit nodes and one templated edge per entry."""
    n = len(eta)
    names = [f"p{k}" for k in range(n)]
    edges = []
    for i, j in zip(*np.nonzero(w), strict=True):
        attrs = {"weight": w[i, j], "tau_u": tau_u[i, j]}
        if delays is not None and delays[i, j] > 0:
            attrs["delay"] = delays[i, j]
        if spread is not None and spread[i, j] > 0:
            attrs["spread"] = spread[i, j]
        edges.append((f"p{j}/rate_op/r", f"p{i}/rate_op/s_in", _lowpass_edge(), attrs))
    ex = CircuitTemplate("ex", nodes=dict.fromkeys(names, _rate_node()), edges=edges)
    ex.update_var(node_vars={f"p{k}/rate_op/eta": e for k, e in enumerate(eta)})
    return _run(ex, "all/rate_op/r", steps, "euler")


def test_identity_edge_equals_plain_connectivity_with_delays():
    """An edge whose output is its input (s = x) changes nothing: equal to the plain weighted
    sum with the same per-entry delays."""
    n = 6
    rng = np.random.default_rng(11)
    w = rng.normal(0.0, 1.0, (n, n)) * (rng.random((n, n)) < 0.5)
    d = np.where(w != 0, rng.choice([0.0, 0.003, 0.005], size=w.shape), 0.0)
    ident = EdgeTemplate(name="id_edge", operators=[OperatorTemplate(
        name="id_op", equations=["s = x"], variables={"x": "input", "s": "output"})])
    eta = np.linspace(1.0, 6.0, n)

    def circuit(**kw):
        pop = PopulationTemplate("p", _rate_node(), n, params={"rate_op/eta": eta})
        return CircuitTemplate("c", populations=[pop], connections=[
            Connectivity("p/rate_op/r", "p/rate_op/s_in", w, delays=d, **kw)])

    plain = _run(circuit(), "p/rate_op/r")
    edged = _run(circuit(edge=ident), "p/rate_op/r")  # the only input receives the source
    assert np.abs(plain).max() > 0.1
    assert np.abs(plain - edged).max() < 1e-12


def test_edge_var_map_errors():
    """Unknown edge variables are named with the template and a suggestion; values that do
    not fit the entries, paths outside the two populations and a missing source are errors."""
    node = NodeTemplate.from_yaml(PHASE)
    w = np.ones((3, 3))
    with pytest.raises(TemplateError, match=r"theta_src.*sin_edge.*Did you mean 'theta_s'"):
        Connectivity("e/phase_op/theta", "e/phase_op/s_in", w, edge=SIN_EDGE,
                     edge_var_map={"theta_src": "source"})
    with pytest.raises(TemplateError, match="needs an edge template"):
        Connectivity("e/phase_op/theta", "e/phase_op/s_in", w, edge_var_map={"x": "source"})

    def run(var_map, weights=w):
        c = CircuitTemplate("bad", populations=[PopulationTemplate("e", node, 3)], connections=[
            Connectivity("e/phase_op/theta", "e/phase_op/s_in", weights, edge=SIN_EDGE,
                         edge_var_map=var_map)])
        c.run(0.01, DT, verbose=False)

    with pytest.raises(TemplateError, match="exactly one input that receives the source"):
        run({})
    with pytest.raises(TemplateError, match="neither in the target population"):
        run({"theta_s": "source", "theta_t": "x/phase_op/theta"})
    with pytest.raises(TemplateError, match="edge variable 'theta_t'.*shape"):
        run({"theta_s": "source", "theta_t": np.ones((2, 2))})


def test_edge_population_jacobian_equals_explicit_edges():
    """The Jacobian of Kuramoto coupling through a Connectivity edge equals the one of the
    explicit templated edges (the per-entry edge variables are algebraic, not states)."""
    n = 5
    w = _kuramoto_weights(n, seed=3)
    theta0 = np.linspace(0.0, 2.5, n)
    pop = PopulationTemplate("e", NodeTemplate.from_yaml(PHASE), n,
                             params={"phase_op/theta": theta0})
    c = CircuitTemplate("pj", populations=[pop], connections=[Connectivity(
        "e/phase_op/theta", "e/phase_op/s_in", w, edge=SIN_EDGE,
        edge_var_map={"theta_s": "source", "theta_t": "e/phase_op/theta"})])
    j, ja, _, idx = c.get_jacobian_func("pj", DT, verbose=False)
    je, jea, _, eidx = _explicit_kuramoto(w, theta0).get_jacobian_func("ej", DT, verbose=False)
    assert len(idx) == len(eidx) == n  # only the phases are states
    y = np.random.default_rng(0).uniform(0.0, 3.0, n)
    order_p = [idx[f"e/phase_op/theta[{k}]"] for k in range(n)]
    order_e = [eidx[f"e{k}/phase_op/theta"] for k in range(n)]
    ye = np.zeros(n)
    ye[order_e] = y[order_p]
    jp = np.asarray(j(0.0, y, *ja[2:]))[np.ix_(order_p, order_p)]
    jx = np.asarray(je(0.0, ye, *jea[2:]))[np.ix_(order_e, order_e)]
    assert np.abs(jx).max() > 0.1
    assert np.abs(jp - jx).max() < 1e-12
