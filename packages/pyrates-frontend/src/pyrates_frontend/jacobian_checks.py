"""Shared Jacobian checks for every backend with the ``jacobian`` capability.

A backend's tests subclass :class:`JacobianChecks` and set :attr:`JacobianChecks.backend`::

    class TestJacobian(JacobianChecks):
        backend = "torch"

The checks compare ``CircuitTemplate.get_jacobian_func(..., backend=...)`` with central finite
differences of the numpy backend's vector field (JRC, QIF), the analytic eigenvalues of the QIF
mean field at its fixed points, the delayed split ``(J0, [J_tau...])`` of a 10-node network
against its undelayed twin, the Wirtinger Jacobian of a complex Kuramoto mean field, and the
sparse form against the dense one. They need the numpy backend, the model templates and scipy
(for the sparse checks) installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyrates_frontend.circuit import CircuitTemplate
from pyrates_frontend.templates import NodeTemplate, OperatorTemplate

__all__ = ["JacobianChecks", "assert_qif_fixed_point_eigenvalues", "fd_jacobian",
           "rate_network", "rate_weights"]

NMM = "model_templates.neural_mass_models"
OSC = "model_templates.oscillators"


def _np(m: Any) -> np.ndarray:
    """A backend's array or tensor as a numpy array."""
    return np.asarray(m.numpy() if hasattr(m, "numpy") and not isinstance(m, np.ndarray) else m)


def fd_jacobian(func: Any, t: float, y: np.ndarray, args: Any, eps: float = 1e-6,
                step: float = 1.0) -> np.ndarray:
    """Central differences of ``func(t, y, *args)`` along ``step``-scaled perturbations."""
    n = len(y)
    out = np.zeros((n, n), dtype=complex if np.iscomplexobj(y) else float)
    for j in range(n):
        yp, ym = y.copy(), y.copy()
        yp[j] += step * eps
        ym[j] -= step * eps
        out[:, j] = (np.asarray(func(t, yp, *args)) - np.asarray(func(t, ym, *args))) / (2 * eps)
    return out


def rate_weights(seed: int = 7, n: int = 10) -> np.ndarray:
    """The coupling matrix of :func:`rate_network`: normal weights, about 40 % of them kept."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.4)


def rate_network(delays: np.ndarray | None = None, seed: int = 7) -> CircuitTemplate:
    """10 rate nodes ``r' = -r + tanh(r_in + I)`` coupled by :func:`rate_weights` ``(seed)``
    (and ``delays``, a ``(10, 10)`` array, if given).
    """
    op = OperatorTemplate(name="rate_op", equations=["r' = -r + tanh(r_in + I)"],
                          variables={"r": "output(0.1)", "I": 0.2, "r_in": "input(0.0)"})
    node = NodeTemplate("rate", operators=[op])
    n = 10
    w = rate_weights(seed, n)
    c = CircuitTemplate("dnet", nodes={f"n{i}": node for i in range(n)})
    c.add_edges_from_matrix("rate_op/r", "rate_op/r_in", [f"n{i}" for i in range(n)], weight=w,
                            edge_attr={"delay": delays} if delays is not None else None)
    return c


def assert_qif_fixed_point_eigenvalues(j: Any, ja: Any, idx: dict[str, int]) -> None:
    """The Jacobian ``j`` (with arguments ``ja`` and state indices ``idx``, as returned by
    ``get_jacobian_func``) of the QIF mean field (eta=-5, J=15, Delta=1) has the eigenvalues
    ``2v +- sqrt(2 r (J - 2 pi^2 r))`` at each of its three fixed points.
    """
    roots = np.roots([1.0, 0.0, -5.0, -15.0 / (2 * np.pi), -0.25])
    vs = [v.real for v in roots if abs(v.imag) < 1e-9 and v.real < 0]
    assert len(vs) == 3
    for v in vs:
        r = -1.0 / (2 * np.pi * v)
        y = np.zeros(2)
        y[idx["p/qif_op/r"]], y[idx["p/qif_op/v"]] = r, v
        ev = np.sort_complex(np.linalg.eigvals(_np(j(0.0, y, *ja[2:]))))
        disc = np.sqrt(complex(2 * r * (15.0 - 2 * np.pi ** 2 * r)))
        assert np.allclose(ev, np.sort_complex(np.array([2 * v + disc, 2 * v - disc])),
                           atol=1e-9)


class JacobianChecks:
    """Jacobian tests of one backend (subclass it in a ``Test*`` class, set ``backend``)."""

    backend: str = ""
    """Name of the backend under test."""

    def jac(self, circuit: CircuitTemplate, name: str, **kw: Any) -> Any:
        """The backend's Jacobian function, its arguments, their names and the state indices."""
        return circuit.get_jacobian_func(name, 1e-3, backend=self.backend, verbose=False,
                                         in_place=False, **kw)

    def test_matches_finite_differences(self) -> None:
        """JRC and QIF: J equals central differences of the numpy vector field at a random state."""
        for path in (f"{NMM}.jansenrit.JRC", f"{NMM}.qif.qif"):
            c = CircuitTemplate.from_yaml(path)
            f, a, _, _ = c.get_run_func("vf", 1e-3, verbose=False, in_place=False)
            j, ja, names, idx = self.jac(c, "jac")
            assert names[:2] == ("t", "y") and set(idx) == set(c.get_run_func(
                "vf2", 1e-3, verbose=False, in_place=False)[3])
            y = a[1] + 0.1 * np.random.default_rng(1).standard_normal(a[1].shape)
            out = _np(j(0.0, y, *ja[2:]))
            ref = fd_jacobian(f, 0.0, y, a[2:])
            assert out.shape == (len(y), len(y))
            assert np.abs(out - ref).max() < 1e-6 * max(1.0, np.abs(ref).max())
            assert np.count_nonzero(out) > len(y) // 2

    def test_qif_fixed_point_eigenvalues(self) -> None:
        """QIF mean field (eta=-5, J=15, Delta=1): at each fixed point the eigenvalues of J are
        2v +- sqrt(2 r (J - 2 pi^2 r)); a changed parameter argument changes J.
        """
        c = CircuitTemplate.from_yaml(f"{NMM}.qif.qif")
        j, ja, names, idx = self.jac(c, "qif_jac")
        assert_qif_fixed_point_eigenvalues(j, ja, idx)
        k = names.index("p/qif_op/tau") - 2
        args = list(ja[2:])
        args[k] = 2.0
        base = _np(j(0.0, ja[1], *ja[2:]))
        assert not np.allclose(_np(j(0.0, ja[1], *args)), base)

    def test_delayed_network_split_and_sparse(self) -> None:
        """10 delayed nodes (three delay values): J0 + sum J_tau equals the Jacobian of the
        undelayed twin (finite differences of numpy's vector field); sparse equals dense.
        """
        from scipy.sparse import csr_matrix

        n = 10
        rng = np.random.default_rng(11)
        delays = rng.choice([0.0, 0.002, 0.005], size=(n, n))
        c = rate_network(delays)
        j, ja, _, idx = self.jac(c, "d_jac")
        js, jsa, _, _ = self.jac(c, "d_jac_s", sparse=True)
        y = ja[1] + 0.2 * rng.standard_normal(n)
        j0, jtau = j(0.0, y, *ja[2:])
        assert len(jtau) == 2
        f, a, _, tidx = rate_network(None).get_run_func("d_vf", 1e-3, verbose=False)
        assert tidx == idx
        total = _np(j0) + sum(_np(m) for m in jtau)
        assert np.abs(total - fd_jacobian(f, 0.0, y, a[2:])).max() < 1e-8
        assert all(np.count_nonzero(_np(m)) > 0 for m in jtau)
        s0, stau = js(0.0, y, *jsa[2:])
        assert all(isinstance(m, csr_matrix) for m in (s0, *stau))
        assert np.array_equal(s0.toarray(), _np(j0))
        assert all(np.array_equal(s.toarray(), _np(d)) for s, d in zip(stau, jtau))

    def test_kuramoto_complex_wirtinger(self) -> None:
        """Complex Ott-Antonsen mean field: J is df/dz (Wirtinger), equal to the analytic
        (i omega - Delta) - conj(s) z + K/2 with s = K z.
        """
        c = CircuitTemplate.from_yaml(f"{OSC}.kuramoto.kmo_mf_2coupled")
        j, ja, _, _ = self.jac(c, "kmo_jac")
        y = ja[1] + np.array([0.1 - 0.2j, -0.3 + 0.05j])
        out = _np(j(0.0, y, *ja[2:]))
        assert np.iscomplexobj(out)
        k = np.array([[2.0, -2.0], [-2.0, 2.0]])
        s = k @ y
        assert np.allclose(out, np.diag((10j - 1.0) - np.conj(s) * y) + k / 2, atol=1e-12)

    def test_sparse_equals_dense_undelayed(self) -> None:
        """JRC: sparse=True gives one csr_matrix with the dense entries."""
        from scipy.sparse import csr_matrix

        c = CircuitTemplate.from_yaml(f"{NMM}.jansenrit.JRC")
        j, ja, _, _ = self.jac(c, "jrc_jac")
        js, jsa, _, _ = self.jac(c, "jrc_jac_s", sparse=True)
        y = ja[1] + 0.3
        dense, sparse = _np(j(0.0, y, *ja[2:])), js(0.0, y, *jsa[2:])
        assert isinstance(sparse, csr_matrix)
        assert np.array_equal(sparse.toarray(), dense)
