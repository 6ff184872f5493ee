"""The fortran backend's 'jacobian' target: an f2py-compiled J(t, y, *params) against finite
differences of the numpy vector field, analytic eigenvalues, sparse output and clear errors."""

import numpy as np
import pytest
import scipy.sparse

from pyrates_core.errors import SolverError
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate
from pyrates_frontend.jacobian_checks import assert_qif_fixed_point_eigenvalues, fd_jacobian

NMM = "model_templates.neural_mass_models"
OSC = "model_templates.oscillators"


def jac(circuit, name, **kw):
    """The fortran Jacobian (scalar variables: vectorize=False)."""
    return circuit.get_jacobian_func(name, 1e-3, backend="fortran", verbose=False,
                                     in_place=False, vectorize=False, **kw)


def test_jrc_matches_finite_differences_and_sparse():
    """JRC: J equals central differences of numpy's vector field; sparse=True equals dense."""
    c = CircuitTemplate.from_yaml(f"{NMM}.jansenrit.JRC")
    f, a, _, fidx = c.get_run_func("vf", 1e-3, verbose=False, in_place=False, vectorize=False)
    j, ja, names, idx = jac(c, "jrc_jac")
    assert idx == fidx and names[:2] == ("t", "y")
    y = a[1] + 0.1 * np.random.default_rng(1).standard_normal(a[1].shape)
    out = j(0.0, y, *ja[2:])
    ref = fd_jacobian(f, 0.0, y, a[2:])
    assert out.shape == (8, 8) and np.count_nonzero(out) > 8
    assert np.abs(out - ref).max() < 1e-6 * max(1.0, np.abs(ref).max())
    js, jsa, _, _ = jac(c, "jrc_jac_s", sparse=True)
    sparse = js(0.0, y, *jsa[2:])
    assert isinstance(sparse, scipy.sparse.csr_matrix)
    assert np.array_equal(sparse.toarray(), out)


def test_qif_fixed_point_eigenvalues():
    """QIF (eta=-5, J=15, Delta=1): eigenvalues 2v +- sqrt(2 r (J - 2 pi^2 r)) at all three
    fixed points."""
    c = CircuitTemplate.from_yaml(f"{NMM}.qif.qif")
    j, ja, _, idx = jac(c, "qif_jac")
    assert_qif_fixed_point_eigenvalues(j, ja, idx)


def _net3():
    op = OperatorTemplate(name="rate_op", equations=["r' = -r/tau + tanh(r_in + I)"],
                          variables={"r": "output(0.1)", "I": 0.2, "tau": 1.5,
                                     "r_in": "input(0.0)"})
    node = NodeTemplate("rate", operators=[op])
    w = np.array([[0.0, 0.5, -1.0], [2.0, 0.0, 0.0], [0.0, -0.7, 0.3]])
    c = CircuitTemplate("net3", nodes={f"n{i}": node for i in range(3)})
    c.add_edges_from_matrix("rate_op/r", "rate_op/r_in", [f"n{i}" for i in range(3)], weight=w)
    return c


def test_coupled_network_equals_numpy_jacobian():
    """Three coupled rate nodes (scalar edges): the fortran J equals numpy's to 1e-12."""
    c = _net3()
    j, ja, _, idx = jac(c, "net_jac")
    jn, jna, _, nidx = c.get_jacobian_func("net_np", 1e-3, verbose=False, in_place=False,
                                           vectorize=False)
    assert idx == nidx
    y = np.array([0.3, -0.2, 0.5])
    ref = jn(0.0, y, *jna[2:])
    assert np.abs(j(0.0, y, *ja[2:]) - ref).max() < 1e-12
    assert np.count_nonzero(ref) >= 7


def test_delayed_network_split_equals_numpy():
    """10 rate nodes with three edge delays (vectorize=False): (J0, [J_tau1, J_tau2]) equals
    numpy's split to 1e-12, and J0 + sum J_tau equals central differences of the undelayed
    twin's vector field."""
    op = OperatorTemplate(name="rate_op", equations=["r' = -r + tanh(r_in + I)"],
                          variables={"r": "output(0.1)", "I": 0.2, "r_in": "input(0.0)"})
    node = NodeTemplate("rate", operators=[op])
    rng = np.random.default_rng(7)
    n = 10
    w = rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.4)
    delays = rng.choice([0.0, 0.002, 0.005], size=(n, n))

    def net(d):
        c = CircuitTemplate("dnet", nodes={f"n{i}": node for i in range(n)})
        c.add_edges_from_matrix("rate_op/r", "rate_op/r_in", [f"n{i}" for i in range(n)],
                                weight=w, edge_attr={"delay": d} if d is not None else None)
        return c

    c = net(delays)
    j, ja, _, idx = jac(c, "dnet_jac")
    jn, jna, _, nidx = c.get_jacobian_func("dnet_np", 1e-3, verbose=False, in_place=False,
                                           vectorize=False)
    assert idx == nidx
    y = ja[1] + 0.2 * rng.standard_normal(n)
    (j0, jt), (r0, rt) = j(0.0, y, *ja[2:]), jn(0.0, y, *jna[2:])
    assert len(jt) == len(rt) == 2
    for a, b in [(j0, r0), *zip(jt, rt)]:
        assert np.abs(a - b).max() < 1e-12
    f, a, _, _ = net(None).get_run_func("dnet_vf", 1e-3, verbose=False, vectorize=False)
    assert np.abs(j0 + sum(jt) - fd_jacobian(f, 0.0, y, a[2:])).max() < 1e-8


def test_unsupported_systems_raise_clear_errors():
    """Complex and vectorized networks name what the fortran Jacobian needs."""
    with pytest.raises(SolverError, match="real-valued"):
        jac(CircuitTemplate.from_yaml(f"{OSC}.kuramoto.kmo_mf_2coupled"), "kmo")
    with pytest.raises(SolverError, match="vectorize=False"):
        _net3().get_jacobian_func(
            "v_jac", 1e-3, backend="fortran", verbose=False)
