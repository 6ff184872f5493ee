"""A dense Jacobian module printed from :func:`pyrates_core.jacobian.jacobian_ir`, for the
Python array backends (JAX, torch, TensorFlow).

:class:`DenseJacobianWriter` writes the function ``<func_name>(t, y, *params, *inputs)``: it
reads the states from ``y``, evaluates the assignments and the helper symbols of the Jacobian
(delayed values replaced by current ones, the steady-state linearization), multiplies the
factors of every :class:`~pyrates_core.jacobian.JacobianTerm` as dense matrices and adds the
products into ``J0`` (and ``J_tau`` for delayed terms). Expressions are printed by the
backend's own printer; the array operations are helper functions whose definitions the backend
supplies (:data:`HELPER_NAMES`), so the same writer serves every array library.

Constant index and value arrays are module-level numpy arrays; the generated module therefore
imports numpy (as ``_np``) besides the backend's library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from pyrates_core.jacobian import Factor, JacobianIR
from pyrates_core.runtime import resolve_params
from pyrates_core.system import SystemIR

__all__ = ["HELPER_NAMES", "DenseJacobianWriter", "jacobian_args", "jacobian_output"]

HELPER_NAMES = ("_y", "_arg", "_state", "_bcast", "_diag", "_const", "_edges", "_edge_sum",
                "_zeros", "_place")
"""Helpers the generated code calls; each backend defines them in its module header:

``_y(y)`` the state vector as a backend array; ``_arg(v, integer)`` a parameter or input;
``_state(y, start, stop)`` a state's elements in the backend's layout; ``_bcast(v, n)`` a value
in the layout of an ``n``-element variable; ``_diag(c, n)`` the ``n x n`` diagonal matrix of an
element-wise coefficient; ``_const(a)`` a constant numpy matrix; ``_edges(w, n_edges, sel, rows,
cols, shape)`` the weight matrix of the edges ``sel``; ``_edge_sum(x, w, n_edges, rows, cols,
n_out)`` the sum over all edges of a bundle; ``_zeros(n)`` an ``n x n`` zero matrix;
``_place(J, block, r0, c0)`` ``J`` with ``block`` added at ``(r0, c0)``.
"""


def _literal(values: np.ndarray) -> str:
    """A numpy array literal that round-trips exactly (Python reprs of the elements)."""
    data = np.asarray(values)
    kind = data.dtype.kind
    dtype = "_np.int64" if kind in "iub" else ("_np.complex128" if kind == "c" else "_np.float64")
    items = ", ".join(repr(complex(v) if kind == "c" else (int(v) if kind in "iub" else
                                                             float(v))) for v in data.ravel())
    return f"_np.array([{items}], dtype={dtype}).reshape({data.shape})"


class DenseJacobianWriter:
    """Writes a dense Jacobian function from a :class:`JacobianIR` (see the module docstring).

    ``names`` maps IR symbol names (states, parameters, inputs, assignments, helper symbols of
    the Jacobian, the time) to identifiers; :meth:`edge_sum_code` and :meth:`past_code` are
    the callbacks the backend's printer needs for ``EdgeSum`` and ``Past``.
    """

    def __init__(self, jac: JacobianIR, names: dict[str, str]) -> None:
        self.jac = jac
        self.system: SystemIR = jac.system
        self.names = names
        self.consts: list[str] = []
        self._seen: dict[tuple[str, bytes, tuple[int, ...]], str] = {}

    @property
    def arg_names(self) -> list[str]:
        """Identifiers of the arguments after ``t, y``: parameters, then inputs."""
        return [self.names[p] for p in self.system.params] + \
            [self.names[i] for i in self.system.inputs]

    def const(self, values: np.ndarray) -> str:
        """Name of a module-level constant array (deduplicated)."""
        data = np.ascontiguousarray(values)
        key = (data.dtype.str, data.tobytes(), data.shape)
        if key not in self._seen:
            name = f"_K{len(self._seen)}"
            self.consts.append(f"{name} = {_literal(data)}")
            self._seen[key] = name
        return self._seen[key]

    def edge_sum_code(self, k: int, x: str) -> str:
        """Code of the steady-state ``EdgeSum(x, k)``: the sum over all edges of bundle ``k``."""
        b = self.system.edges[k]
        return (f"_edge_sum({x}, {self.names[b.weights]}, {b.n_edges}, "
                f"{self.const(np.asarray(b.target_idx, np.int64))}, "
                f"{self.const(np.asarray(b.source_idx, np.int64))}, {b.n_target})")

    def past_code(self, expr: sp.Expr) -> str:
        """Code of ``Past(x, tau)`` at a steady state: the current value of ``x``."""
        return self.names[str(expr.args[0])]

    def _factor(self, f: Factor, doprint: Callable[[sp.Expr], str]) -> str:
        if f.kind == "diag":
            assert f.expr is not None
            return f"_diag({doprint(f.expr)}, {f.shape[0]})"
        if f.kind == "matrix":
            assert f.rows is not None and f.cols is not None and f.values is not None
            dense = np.zeros(f.shape, dtype=np.result_type(f.values, np.float64))
            np.add.at(dense, (f.rows, f.cols), f.values)
            return f"_const({self.const(dense)})"
        assert f.bundle is not None and f.edges is not None
        assert f.rows is not None and f.cols is not None
        b = self.system.edges[f.bundle]
        return (f"_edges({self.names[b.weights]}, {b.n_edges}, "
                f"{self.const(np.asarray(f.edges, np.int64))}, "
                f"{self.const(np.asarray(f.rows, np.int64))}, "
                f"{self.const(np.asarray(f.cols, np.int64))}, {f.shape})")

    def function(self, func_name: str, doprint: Callable[[sp.Expr], str],
                 decorator: str | None = None) -> list[str]:
        """Lines of the Jacobian function; ``doprint`` is the backend printer."""
        sysm, jac = self.system, self.jac
        ints = {n for n, p in sysm.params.items() if np.asarray(p.value).dtype.kind in "iub"}
        lines = [decorator] if decorator else []
        lines += [f"def {func_name}({', '.join(['t', 'y', *self.arg_names])}):",
                  '    """Jacobian of the vector field at (t, y)."""', "    y = _y(y)"]
        for name in [*sysm.params, *sysm.inputs]:
            ident = self.names[name]
            lines.append(f"    {ident} = _arg({ident}, {name in ints})")
        for s in sysm.states:
            lines.append(f"    {self.names[s.name]} = _state(y, {s.start}, {s.start + s.size})")
        for a in sysm.assignments:
            lines.append(f"    {self.names[a.name]} = _bcast({doprint(a.expr)}, {a.size})")
        for name, expr, size in jac.aux:
            lines.append(f"    {self.names[name]} = _bcast({doprint(expr)}, {size})")
        n = sysm.n_state
        lines.append(f"    _J = [_zeros({n}) for _ in range({len(jac.delays) + 1})]")
        starts = {s.name: s.start for s in sysm.states}
        for term in jac.terms:
            chain = " @ ".join(self._factor(f, doprint) for f in term.factors)
            if not chain:  # d state / d state: the identity (a derivative that is a state)
                size = next(s.size for s in sysm.states if s.name == term.col)
                chain = f"_const({self.const(np.eye(size))})"
            lines.append(f"    _J[{term.delay}] = _place(_J[{term.delay}], {chain}, "
                         f"{starts[term.row]}, {starts[term.col]})")
        lines.append("    return (_J[0], _J[1:])" if jac.delayed else "    return _J[0]")
        return lines


def jacobian_args(system: SystemIR) -> tuple[Any, ...]:
    """Default arguments after ``t, y`` of a generated Jacobian: parameters, then inputs."""
    values = resolve_params(system, {})
    out: list[Any] = []
    for name in system.params:
        v = np.asarray(values[name])
        if v.ndim == 0:
            out.append(v.item())
        else:
            out.append(v.astype(system.value_dtype) if v.dtype.kind in "fc" else v)
    out += [np.asarray(i.default, system.value_dtype) for i in system.inputs.values()]
    return tuple(out)


def jacobian_output(func: Callable[..., Any], to_numpy: Callable[[Any], np.ndarray],
                    sparse: bool) -> Callable[..., Any]:
    """``func`` unchanged, or (``sparse=True``) returning ``scipy.sparse.csr_matrix`` matrices
    (``to_numpy`` converts one backend matrix; delayed results keep the ``(J0, [J...])`` form).
    """
    if not sparse:
        return func
    try:
        from scipy import sparse as sps
    except ImportError as exc:  # pragma: no cover - scipy is installed with the test extras
        raise ImportError("sparse=True needs scipy; install it or use sparse=False") from exc

    def sparse_func(*args: Any) -> Any:
        """The Jacobian as scipy CSR matrices."""
        out = func(*args)
        if isinstance(out, tuple):
            return sps.csr_matrix(to_numpy(out[0])), [sps.csr_matrix(to_numpy(m))
                                                      for m in out[1]]
        return sps.csr_matrix(to_numpy(out))

    return sparse_func
