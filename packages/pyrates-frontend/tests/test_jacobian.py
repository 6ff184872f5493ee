"""CircuitTemplate.get_jacobian_func: symbolic Jacobians against finite differences and theory."""

import numpy as np
import pytest
import scipy.sparse

from pyrates_frontend import CircuitTemplate, EdgeTemplate, NodeTemplate, OperatorTemplate
from pyrates_frontend.jacobian_checks import rate_network, rate_weights

NMM = "model_templates.neural_mass_models"
OSC = "model_templates.oscillators"


def fd_jacobian(func, t, y, args, eps=1e-6):
    """Central differences of ``func(t, y, *args)`` along real perturbations of ``y``."""
    n = len(y)
    out = np.zeros((n, n), dtype=np.result_type(y.dtype, float))
    for j in range(n):
        yp, ym = y.copy(), y.copy()
        yp[j] += eps
        ym[j] -= eps
        out[:, j] = (np.asarray(func(t, yp, *args)) - np.asarray(func(t, ym, *args))) / (2 * eps)
    return out


def fd_wirtinger(func, t, y, args, eps=1e-6):
    """Central differences of the Wirtinger derivative ``df/dz = (df/dx - i df/dy) / 2``."""
    dx = fd_jacobian(func, t, y, args, eps)
    n = len(y)
    dy = np.zeros((n, n), dtype=complex)
    for j in range(n):
        yp, ym = y.copy(), y.copy()
        yp[j] += 1j * eps
        ym[j] -= 1j * eps
        dy[:, j] = (np.asarray(func(t, yp, *args)) - np.asarray(func(t, ym, *args))) / (2 * eps)
    return (dx - 1j * dy) / 2


def both(circuit, **kw):
    """The vector field and the Jacobian of the same circuit."""
    f, a, _, _ = circuit.get_run_func("vf", 1e-3, verbose=False, in_place=False, **kw)
    j, ja, names, idx = circuit.get_jacobian_func("jac", 1e-3, verbose=False, in_place=False,
                                                  **kw)
    return f, a, j, ja, names, idx


@pytest.mark.parametrize("path", [f"{NMM}.jansenrit.JRC", f"{NMM}.qif.qif",
                                  f"{OSC}.kuramoto.kmo_2coupled", f"{OSC}.vanderpol.vdp",
                                  f"{NMM}.jansenrit.JRC_2delaycoupled"])
def test_jacobian_matches_finite_differences(path):
    """JRC, QIF, Kuramoto (sine edges), van der Pol and a gamma-delay edge (JRC_2delaycoupled,
    lowered to ODE chains): symbolic J equals central differences at a random state."""
    f, a, j, ja, _, _ = both(CircuitTemplate.from_yaml(path))
    y = a[1] + 0.1 * np.random.default_rng(1).standard_normal(a[1].shape)
    jac = j(0.0, y, *ja[2:])
    ref = fd_jacobian(f, 0.0, y, a[2:])
    assert jac.shape == (len(y), len(y))
    scale = max(1.0, np.abs(ref).max())
    assert np.abs(jac - ref).max() < 1e-6 * scale
    assert np.count_nonzero(jac) > len(y) // 2  # not trivially zero


def test_gamma_edge_blocks_couple_the_chain():
    """The gamma-kernel chain states of JRC_2delaycoupled appear with their -1/tau blocks."""
    c = CircuitTemplate.from_yaml(f"{NMM}.jansenrit.JRC_2delaycoupled")
    _, _, j, ja, _, _ = both(c)
    jac = j(0.0, ja[1], *ja[2:])
    assert len(ja[1]) > 16  # 2 x 8 JRC states plus the chain states
    assert not isinstance(jac, tuple)  # distributed delays are ODEs, not delayed reads


def test_kuramoto_mean_field_complex_wirtinger():
    """Complex Ott-Antonsen mean field: J is df/dz with conj(z) held fixed (Wirtinger), and
    equals its analytic form (i omega - Delta) + K/2 - conj(s) z for s = K z."""
    c = CircuitTemplate.from_yaml(f"{OSC}.kuramoto.kmo_mf_2coupled")
    f, a, j, ja, _, _ = both(c)
    y = a[1] + np.array([0.1 - 0.2j, -0.3 + 0.05j])
    jac = j(0.0, y, *ja[2:])
    assert np.iscomplexobj(jac)
    ref = fd_wirtinger(f, 0.0, y, a[2:])
    assert np.abs(jac - ref).max() < 1e-7
    k = np.array([[2.0, -2.0], [-2.0, 2.0]])
    s = k @ y
    analytic = np.diag((10j - 1.0) - np.conj(s) * y) + k / 2
    assert np.allclose(jac, analytic, atol=1e-12)
    op = OperatorTemplate(name="nh_op", equations=["w = conj(z)", "z' = -z + conj(w)"],
                          variables={"z": "output(0.5+0.1j)", "w": "variable(0.0+0.0j)"})
    bad = CircuitTemplate("nh", nodes={"p": NodeTemplate("nh", operators=[op])})
    with pytest.raises(Exception, match="not a holomorphic function"):
        bad.get_jacobian_func("nh_jac", 1e-3, verbose=False)


def test_vdp_analytic_entries_and_sparse():
    """Van der Pol at x=0, z=1, mu=1: J = [[0, 1], [-1, 1]]; sparse=True gives a csr_matrix
    with the same entries."""
    c = CircuitTemplate.from_yaml(f"{OSC}.vanderpol.vdp")
    j, ja, names, idx = c.get_jacobian_func("vdp_jac", 1e-3, verbose=False)
    js, jsa, _, _ = c.get_jacobian_func("vdp_jac_s", 1e-3, verbose=False, sparse=True)
    y = np.zeros(2)
    x, z = idx["p/vdp_op/x"], idx["p/vdp_op/z"]
    y[z] = 1.0
    jac = j(0.0, y, *ja[2:])
    assert jac[x, z] == 1.0 and jac[z, x] == -1.0 and jac[x, x] == 0.0 and jac[z, z] == 1.0
    sparse = js(0.0, y, *jsa[2:])
    assert isinstance(sparse, scipy.sparse.csr_matrix)
    assert np.array_equal(sparse.toarray(), jac)
    assert names[:2] == ("t", "y") and "p/vdp_op/mu" in names
    mu = names.index("p/vdp_op/mu") - 2
    args = list(ja[2:])
    args[mu] = 3.0
    assert j(0.0, y, *args)[z, z] == 3.0  # parameters are arguments, not baked in


def test_transcendentals_and_stateful_edge():
    """exp/sin/cos and an edge with its own state (plastic weight): J equals finite
    differences (the behaviour of PyRates 1.2's tests)."""
    op = OperatorTemplate(name="trans_op", equations=["u' = -u + exp(-a*u) + cos(w)",
                                                      "w' = -w + sin(u)"],
                          variables={"u": "output(0.1)", "w": "variable(0.2)", "a": 1.5})
    node = NodeTemplate("n", operators=[op])
    f, a, j, ja, _, _ = both(CircuitTemplate("trans", nodes={"p": node}))
    assert np.abs(j(0.0, a[1], *ja[2:]) - fd_jacobian(f, 0.0, a[1], a[2:])).max() < 1e-8
    qif = OperatorTemplate(name="qif_j", equations=["r' = D + 2.0*r*v",
                                                    "v' = v*v + J*s_in + eta - (pi*r)*(pi*r)"],
                           variables={"r": "output(0.1)", "v": "variable(-2.0)", "eta": -5.0,
                                      "J": 1.0, "D": 0.1, "s_in": "input(0.0)"})
    sd = OperatorTemplate(name="sd_j", equations=["s' = r - s/tau_s"],
                          variables={"s": "output(0.0)", "tau_s": 0.5, "r": "input(0.0)"})
    wop = OperatorTemplate(name="w_j", equations=["w' = -w/tau_w + a*pre_s", "s_out = pre_s*w"],
                           variables={"s_out": "output(0.0)", "w": "variable(0.5)",
                                      "tau_w": 10.0, "a": 0.1, "pre_s": "input(0.0)"})
    node = NodeTemplate("qn", operators=[qif, sd])
    edge = EdgeTemplate("plastic", operators=[wop])
    c = CircuitTemplate("stateful", nodes={"p0": node, "p1": node}, edges=[
        ("p0/sd_j/s", "p1/qif_j/s_in", edge, {"weight": 1.0}),
        ("p1/sd_j/s", "p0/qif_j/s_in", edge, {"weight": 1.0})])
    f, a, j, ja, _, _ = both(c)
    y = a[1] + 0.05 * np.arange(len(a[1]))
    ref = fd_jacobian(f, 0.0, y, a[2:])
    assert np.abs(j(0.0, y, *ja[2:]) - ref).max() < 1e-7 * max(1.0, np.abs(ref).max())


def _qif_fixed_points(eta, coupling, delta):
    """Fixed points (r, v) of the QIF mean field (tau = 1): v^4 + eta v^2 - J D v/(2 pi)
    - D^2/4 = 0 with r = -D / (2 pi v)."""
    roots = np.roots([1.0, 0.0, eta, -coupling * delta / (2 * np.pi), -delta ** 2 / 4])
    v = np.sort(roots[np.abs(roots.imag) < 1e-9].real)
    v = v[v < 0]
    return [(-delta / (2 * np.pi * vi), vi) for vi in v]


def test_qif_fixed_point_eigenvalues():
    """At the three fixed points of the bistable QIF mean field (eta=-5, J=15, Delta=1) the
    eigenvalues of J are the analytic 2v +- sqrt(2 r (J - 2 pi^2 r))."""
    c = CircuitTemplate.from_yaml(f"{NMM}.qif.qif")
    j, ja, _, idx = c.get_jacobian_func("qif_jac", 1e-3, verbose=False)
    f, a, _, _ = c.get_run_func("qif_vf", 1e-3, verbose=False)
    points = _qif_fixed_points(-5.0, 15.0, 1.0)
    assert len(points) == 3
    stable = 0
    for r, v in points:
        y = np.zeros(2)
        y[idx["p/qif_op/r"]], y[idx["p/qif_op/v"]] = r, v
        assert np.abs(f(0.0, y, *a[2:])).max() < 1e-9  # really a fixed point
        ev = np.sort_complex(np.linalg.eigvals(j(0.0, y, *ja[2:])))
        disc = np.sqrt(complex(2 * r * (15.0 - 2 * np.pi ** 2 * r)))
        analytic = np.sort_complex(np.array([2 * v + disc, 2 * v - disc]))
        assert np.allclose(ev, analytic, atol=1e-9)
        stable += bool(np.all(ev.real < 0))
    assert stable == 2  # bistability: two stable nodes and a saddle


def test_linear_network_eigenvalues():
    """x' = -x/tau + W x: J = -I/tau + W exactly, eigenvalues those of that matrix."""
    op = OperatorTemplate(name="lin_op", equations=["x' = -x/tau + x_in"],
                          variables={"x": "output(0.5)", "tau": 2.0, "x_in": "input(0.0)"})
    node = NodeTemplate("lin", operators=[op])
    rng = np.random.default_rng(3)
    w = rng.normal(size=(4, 4)) * (rng.random((4, 4)) < 0.6)
    c = CircuitTemplate("lin_net", nodes={f"n{i}": node for i in range(4)})
    c.add_edges_from_matrix("lin_op/x", "lin_op/x_in", [f"n{i}" for i in range(4)], weight=w)
    j, ja, _, idx = c.get_jacobian_func("lin_jac", 1e-3, verbose=False)
    order = [idx[f"n{i}/lin_op/x"] for i in range(4)]
    jac = j(0.0, ja[1], *ja[2:])[np.ix_(order, order)]
    w_kept = np.where(np.abs(w) >= 1e-6, w, 0.0)
    assert np.allclose(jac, -np.eye(4) / 2.0 + w_kept, atol=1e-14)
    assert np.allclose(np.sort_complex(np.linalg.eigvals(jac)),
                       np.sort_complex(np.linalg.eigvals(-np.eye(4) / 2.0 + w_kept)))


def _delayed_net(delays):
    return rate_network(delays), rate_weights()


def test_delayed_network_blocks():
    """10-node network with per-edge delays (three values): J0 + sum_k J_tau_k equals the
    finite-difference Jacobian of the undelayed twin; J_tau_k has exactly the pattern of the
    edges with delay tau_k; sparse equals dense."""
    n = 10
    rng = np.random.default_rng(11)
    delays = rng.choice([0.0, 0.002, 0.005], size=(n, n))
    c, w = _delayed_net(delays)
    j, ja, _, idx = c.get_jacobian_func("d_jac", 1e-3, verbose=False)
    js, jsa, _, _ = c.get_jacobian_func("d_jac_s", 1e-3, verbose=False, sparse=True)
    y = ja[1] + 0.2 * rng.standard_normal(n)
    j0, jtau = j(0.0, y, *ja[2:])
    assert len(jtau) == 2
    twin, _ = _delayed_net(None)
    f, a, _, tidx = twin.get_run_func("d_vf", 1e-3, verbose=False)
    assert tidx == idx
    ref = fd_jacobian(f, 0.0, y, a[2:])
    assert np.abs(j0 + sum(jtau) - ref).max() < 1e-8
    order = [idx[f"n{i}/rate_op/r"] for i in range(n)]
    kept = np.abs(w) >= 1e-6
    for k, tau in enumerate([0.002, 0.005]):
        block = jtau[k][np.ix_(order, order)]
        assert np.array_equal(block != 0, kept & np.isclose(delays, tau))
    s0, stau = js(0.0, y, *jsa[2:])
    assert all(isinstance(m, scipy.sparse.csr_matrix) for m in (s0, *stau))
    assert np.array_equal(s0.toarray(), j0)
    assert all(np.array_equal(s.toarray(), d) for s, d in zip(stau, jtau))


def test_vdp_delayed_self_coupling():
    """PyRates 1.2 test: x -> inp with weight k and delay tau gives (J0, [J_tau]) with
    J_tau[z, x] = k and J0 equal to the undelayed part."""
    c = CircuitTemplate.from_yaml(f"{OSC}.vanderpol.vdp")
    c.update_template(edges=[("p/vdp_op/x", "p/vdp_op/inp", None,
                              {"weight": 0.5, "delay": 0.1})], in_place=True)
    j, ja, _, idx = c.get_jacobian_func("vdp_dde", 1e-3, verbose=False, solver="scipy")
    j0, jtau = j(0.0, ja[1], *ja[2:])
    x, z = idx["p/vdp_op/x"], idx["p/vdp_op/z"]
    assert len(jtau) == 1 and jtau[0].shape == (2, 2)
    assert jtau[0][z, x] == 0.5 and np.count_nonzero(jtau[0]) == 1
    plain = CircuitTemplate.from_yaml(f"{OSC}.vanderpol.vdp")
    jp, jpa, _, _ = plain.get_jacobian_func("vdp_plain", 1e-3, verbose=False)
    assert np.array_equal(j0, jp(0.0, ja[1], *jpa[2:]))


def test_jacobian_errors_and_clean_cwd(tmp_path, monkeypatch):
    """No files are left in the working directory; a function without a derivative
    (round) is rejected with a message naming the equation."""
    work = tmp_path / "clean"
    work.mkdir()
    monkeypatch.chdir(work)
    c = CircuitTemplate.from_yaml(f"{NMM}.qif.qif")
    c.get_jacobian_func("qif_jac", 1e-3, verbose=False)
    assert list(work.iterdir()) == []
    op = OperatorTemplate(name="mx_op", equations=["x' = -x + round(x)"],
                          variables={"x": "output(0.1)"})
    bad = CircuitTemplate("mx", nodes={"a": NodeTemplate("mx", operators=[op]),
                                       "b": NodeTemplate("mx", operators=[op])})
    with pytest.raises(Exception, match="cannot differentiate.*Round"):
        bad.get_jacobian_func("mx_jac", 1e-3, verbose=False)


def test_gallery_jacobian_in_an_implicit_solver():
    """Gallery use (jacobian_parameter_fitting): the Jacobian drives scipy's Radau solver with a
    parameter (eta) changed through the argument list found by its frontend name; the solution
    equals the one with finite-difference Jacobians, and J was really used."""
    from scipy.integrate import solve_ivp

    c = CircuitTemplate.from_yaml(f"{NMM}.qif.qif")
    f, a, fnames, _ = c.get_run_func("qif_vf", 1e-3, verbose=False, solver="scipy")
    j, ja, jnames, _ = c.get_jacobian_func("qif_jac", 1e-3, verbose=False, solver="scipy")
    fargs, jargs = list(a[2:]), list(ja[2:])
    fargs[fnames.index("p/qif_op/eta") - 2] = -2.0
    jargs[jnames.index("p/qif_op/eta") - 2] = -2.0
    calls = []

    def jac(t, y):
        calls.append(t)
        return j(t, y, *jargs)

    y0 = np.array([0.8, -0.5])
    opts = {"method": "Radau", "rtol": 1e-10, "atol": 1e-12, "t_eval": np.linspace(0, 5, 11)}
    with_j = solve_ivp(lambda t, y: f(t, y, *fargs), (0.0, 5.0), y0, jac=jac, **opts)
    without = solve_ivp(lambda t, y: f(t, y, *fargs), (0.0, 5.0), y0, **opts)
    assert with_j.success and without.success and calls
    assert np.abs(with_j.y - without.y).max() < 1e-7


def test_past_gives_a_delayed_block():
    """x' = -x + a tanh(past(x, 0.5)): J0 = -1, J_0.5 = a (1 - tanh(x)^2) at y(t-0.5) = y."""
    op = OperatorTemplate(name="dop", equations=["x' = -x + a*tanh(past(x, 0.5))"],
                          variables={"x": "output(0.3)", "a": 2.0})
    c = CircuitTemplate("d", nodes={"p": NodeTemplate("n", operators=[op])})
    j, ja, _, _ = c.get_jacobian_func("dj", 1e-3, verbose=False)
    j0, (j_half,) = j(*ja)
    assert j0[0, 0] == -1.0
    assert j_half[0, 0] == pytest.approx(2.0 * (1 - np.tanh(0.3) ** 2), rel=1e-14)
