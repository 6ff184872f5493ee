"""Symbolic Jacobian of a :class:`~pyrates_core.system.SystemIR`, in one place for all backends.

:func:`jacobian_ir` differentiates the vectorized equations with sympy and returns a
:class:`JacobianIR`: a list of :class:`JacobianTerm` s, each one block contribution

    ``J_d[row, col] += F_1 @ F_2 @ ... @ F_k``

where every factor :class:`Factor` is a diagonal matrix of an element-wise sympy expression
(``'diag'``), a constant sparse matrix given as triplets (``'matrix'``: gathers, reductions,
``matvec`` constants, broadcasting), or the weights of (a delay group of) an edge bundle
(``'edges'``, built from the bundle's weight parameter when the Jacobian is evaluated). Edge
sums are linear in their source, so their blocks are exactly the sparse weight matrices;
gamma-kernel edges are ODE chains in the IR and get ordinary blocks.

``d = 0`` is the instantaneous Jacobian; ``d = k + 1`` the derivative with respect to
``y(t - delays[k])`` (delayed edges and ``Past``). Coefficients are evaluated with delayed
values replaced by the current ones (the linearization at a steady state, where
``y(t - tau) = y(t)``); :attr:`JacobianIR.aux` lists the helper symbols that coefficients use,
with their steady-state definitions (``EdgeSum(x, k)`` there means the sum over *all* edges of
bundle ``k``, without delays).

Complex systems get the Wirtinger derivative ``df/dz`` (``conj(z)`` held fixed), which is the
complex derivative where ``f`` is holomorphic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from pyrates_core.errors import EquationError
from pyrates_core.functions import (
    REDUCTIONS,
    ArrayMean,
    ArraySum,
    Concatenate,
    Dot,
    EdgeSum,
    Index,
    Past,
    Randn,
    Roll,
    Slice,
    maxi,
    mini,
)
from pyrates_core.system import SystemIR

__all__ = ["Factor", "JacobianIR", "JacobianTerm", "jacobian_ir"]


@dataclass
class Factor:
    """One factor of a Jacobian term, a matrix of shape ``shape``."""

    kind: str
    """``'diag'``, ``'matrix'`` or ``'edges'``."""
    shape: tuple[int, int]
    expr: sp.Expr | None = None
    """``'diag'``: the element-wise coefficient (a scalar expression broadcasts)."""
    rows: np.ndarray | None = None
    """``'matrix'``: row indices of the non-zeros; ``'edges'``: target index per edge."""
    cols: np.ndarray | None = None
    """``'matrix'``: column indices; ``'edges'``: source index per edge."""
    values: np.ndarray | None = None
    """``'matrix'``: the non-zero values."""
    bundle: int | None = None
    """``'edges'``: the bundle index in :attr:`SystemIR.edges`."""
    edges: np.ndarray | None = None
    """``'edges'``: positions of the selected edges in the bundle (one delay group)."""


@dataclass
class JacobianTerm:
    """A contribution ``F_1 @ ... @ F_k`` to block ``(row, col)`` of ``J_delay``."""

    row: str
    """State whose derivative is differentiated."""
    col: str
    """State differentiated by."""
    delay: int
    """0: instantaneous; ``k + 1``: with respect to ``y(t - JacobianIR.delays[k])``."""
    factors: tuple[Factor, ...]


@dataclass
class JacobianIR:
    """The symbolic Jacobian of a system (see the module docstring)."""

    system: SystemIR
    terms: list[JacobianTerm]
    delays: list[float] = field(default_factory=list)
    """Distinct positive delays, ascending (empty for an ODE system)."""
    aux: list[tuple[str, sp.Expr, int]] = field(default_factory=list)
    """Helper symbols used by coefficients: ``(name, steady-state expression, size)``, in
    evaluation order."""

    @property
    def delayed(self) -> bool:
        """Whether the system has delayed reads (the Jacobian is ``(J0, [J_tau...])``)."""
        return bool(self.delays)


_LINEAR = (EdgeSum, Past, Index, Dot, Roll, Slice, Concatenate, ArraySum, ArrayMean)


class _Builder:
    """Forward chain rule over the IR (memoized per assignment)."""

    def __init__(self, system: SystemIR) -> None:
        self.system = system
        self.sizes: dict[str, int] = dict(system.symbol_sizes())
        self.states = {s.name for s in system.states}
        self.assign = {a.name: a for a in system.assignments}
        self.delays: list[float] = []
        self.aux: list[tuple[str, sp.Expr, int]] = []
        self.linear: dict[str, Any] = {}
        self.cache: dict[str, list[tuple[str, int, tuple[Factor, ...]]]] = {}
        self.count = 0
        self.complex = system.is_complex
        self.conj: dict[sp.Symbol, sp.Symbol] = {}
        taken = set(self.sizes) | set(system.params)
        self.prefix = "_jx"
        while any(n.startswith(self.prefix) for n in taken):
            self.prefix += "_"

    # -- sizes -------------------------------------------------------------------------
    def size(self, expr: sp.Basic) -> int:
        """Element count of an element-wise expression (1 for scalars)."""
        out = 1
        for s in expr.free_symbols:
            n = self.sizes.get(s.name)
            if n is None:
                p = self.system.params.get(s.name)
                n = int(np.size(p.value)) if p is not None and np.ndim(p.value) == 1 else 1
            if n != 1:
                if out not in (1, n):
                    raise EquationError(f"mixed sizes {out} and {n} in '{expr}'")
                out = n
        return out

    def delay_index(self, tau: float) -> int:
        """1-based index of a delay value (merging values equal to 1e-12 relative)."""
        for k, d in enumerate(self.delays):
            if abs(d - tau) <= 1e-12 * max(1.0, abs(tau)):
                return k + 1
        self.delays.append(tau)
        return len(self.delays)

    # -- replacing size-changing functions by fresh symbols ------------------------------
    def fresh(self, func: sp.Basic, steady: sp.Expr, size: int, info: Any) -> sp.Symbol:
        name = f"{self.prefix}{self.count}"
        self.count += 1
        self.sizes[name] = size
        self.aux.append((name, steady, size))
        self.linear[name] = (func, info)
        return sp.Symbol(name)

    def flatten(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with every size-changing call replaced by a fresh symbol."""
        if isinstance(expr, sp.Symbol) or not expr.args:
            return expr
        if isinstance(expr, _LINEAR):
            return self._flat_linear(expr)
        if isinstance(expr, Randn):
            return self.fresh(expr, expr, 1, None)
        if isinstance(expr, REDUCTIONS):
            raise EquationError(f"the Jacobian of '{expr}' is not defined (the position of the "
                                "extremum changes with the state); use sum/mean or maxi(a, b)")
        args = [self.flatten(a) for a in expr.args]
        if isinstance(expr, maxi):
            return sp.Max(*args, evaluate=False)
        if isinstance(expr, mini):
            return sp.Min(*args, evaluate=False)
        return expr.func(*args)

    def _flat_linear(self, expr: sp.Basic) -> sp.Symbol:
        if isinstance(expr, EdgeSum):
            x, k = expr.args
            bundle = self.system.edges[int(k)]
            return self.fresh(expr, expr, bundle.n_target, None)
        if isinstance(expr, Past):
            x, tau = expr.args
            return self.fresh(expr, x, self.sizes[str(x)], _value(tau, self.system, expr))
        if isinstance(expr, Concatenate):
            parts = [self.flatten(a) for a in expr.args]
            size = sum(self.size(p) for p in parts)
            return self.fresh(expr, Concatenate(*parts), size, parts)
        if isinstance(expr, Dot):
            mat, x = expr.args
            inner = self.flatten(x)
            a = np.asarray(_param(mat, self.system, expr).value)
            return self.fresh(expr, Dot(mat, inner), int(a.shape[0]), inner)
        inner = self.flatten(expr.args[0])
        steady = expr.func(inner, *expr.args[1:])
        n = self.size(inner)
        if isinstance(expr, (ArraySum, ArrayMean)):
            size = 1
        elif isinstance(expr, Roll):
            size = n
        elif isinstance(expr, Slice):
            size = len(range(n)[_int(expr.args[1], self.system):_int(expr.args[2], self.system)])
        else:  # Index
            idx = expr.args[1]
            size = int(np.size(_param(idx, self.system, expr).value)) \
                if isinstance(idx, sp.Symbol) else 1
        return self.fresh(expr, steady, size, inner)

    # -- differentiation -------------------------------------------------------------------
    def terms_of(self, expr: sp.Expr, n_out: int) -> list[tuple[str, int, tuple[Factor, ...]]]:
        """``d expr / d y`` as ``(state, delay, factors)`` terms; ``expr`` is flattened."""
        wrt = [s for s in expr.free_symbols
               if s.name in self.states or s.name in self.assign or s.name in self.linear]
        if not wrt:
            return []
        work = expr
        if self.complex:
            work = self._wirtinger(expr)
        else:
            real = {s: sp.Symbol(s.name, real=True) for s in expr.free_symbols}
            work = expr.xreplace(real)
        out: list[tuple[str, int, tuple[Factor, ...]]] = []
        for z in sorted(wrt, key=lambda s: s.name):
            zs = next(s for s in work.free_symbols if s.name == z.name)
            coef = self._clean(sp.diff(work, zs), expr)
            if coef == 0:
                continue
            nz = self.sizes[z.name]
            head: list[Factor] = [Factor("diag", (n_out, n_out), expr=coef)]
            if nz != n_out:
                if nz != 1:
                    raise EquationError(f"'{z}' has {nz} elements where {n_out} are expected "
                                        f"in '{expr}'")
                head.append(_matrix(np.arange(n_out), np.zeros(n_out, int), np.ones(n_out),
                                    (n_out, 1)))
            for col, d, tail in self.terms_of_symbol(z.name):
                out.append((col, d, (*head, *tail)))
        return out

    def _wirtinger(self, expr: sp.Expr) -> sp.Expr:
        """Rewrite ``conj``, ``re``, ``im`` and ``abs`` with independent conjugate symbols."""
        def cs(x: sp.Symbol) -> sp.Symbol:
            if x not in self.conj:
                self.conj[x] = sp.Dummy(f"{x.name}_conj")
            return self.conj[x]

        def rewrite(e: sp.Basic) -> sp.Basic:
            if isinstance(e, sp.Symbol) or not e.args:
                return e
            args = [rewrite(a) for a in e.args]
            if isinstance(e, (sp.conjugate, sp.re, sp.im, sp.Abs)):
                a = args[0]
                if not isinstance(a, sp.Symbol):
                    raise EquationError(f"the complex Jacobian needs conj/real/imag/abs of a "
                                        f"variable, got '{e}': introduce a variable for "
                                        f"'{e.args[0]}'")
                if not self._holomorphic(a.name):
                    raise EquationError(f"'{e}': '{a}' is not a holomorphic function of the "
                                        "state; the Wirtinger Jacobian of it is not supported")
                c = cs(a)
                if isinstance(e, sp.conjugate):
                    return c
                if isinstance(e, sp.re):
                    return (a + c) / 2
                if isinstance(e, sp.im):
                    return (a - c) / (2 * sp.I)
                return sp.sqrt(a * c)
            return e.func(*args)

        return rewrite(expr)

    def _holomorphic(self, name: str) -> bool:
        """Whether symbol ``name`` is a holomorphic function of the state (no conj/re/im/abs
        on the way from the states to it).
        """
        if name in self.assign:
            expr: sp.Basic = self.assign[name].expr
        elif name in self.linear:
            expr = self.linear[name][0]
        else:
            return True
        if expr.atoms(sp.conjugate, sp.re, sp.im, sp.Abs):
            return False
        names = {s.name for s in expr.free_symbols}
        names |= {str(f.args[0]) for f in expr.atoms(EdgeSum, Past)}
        return all(self._holomorphic(n) for n in names if n != name)

    def _clean(self, coef: sp.Expr, where: sp.Expr) -> sp.Expr:
        if coef.has(sp.Derivative, sp.Subs):
            raise EquationError(f"cannot differentiate '{where}' symbolically (left: {coef})")
        if coef.has(sp.DiracDelta):
            coef = coef.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
        back = {c: sp.conjugate(sp.Symbol(x.name)) for x, c in self.conj.items()}
        real = {s: sp.Symbol(s.name) for s in coef.free_symbols if isinstance(s, sp.Symbol)
                and not isinstance(s, sp.Dummy)}
        coef = coef.xreplace(back).xreplace(real)
        coef = coef.replace(lambda e: isinstance(e, sp.Max) and len(e.args) == 2,
                            lambda e: maxi(*e.args))
        coef = coef.replace(lambda e: isinstance(e, sp.Min) and len(e.args) == 2,
                            lambda e: mini(*e.args))
        return coef

    def terms_of_symbol(self, name: str) -> list[tuple[str, int, tuple[Factor, ...]]]:
        """``d name / d y`` (identity for a state)."""
        if name in self.states:
            return [(name, 0, ())]
        if name in self.cache:
            return self.cache[name]
        self.cache[name] = []  # guards against cycles
        if name in self.assign:
            a = self.assign[name]
            out = self.terms_of(self.flatten(a.expr), a.size)
        else:
            out = self._linear_terms(name)
        self.cache[name] = out
        return out

    def _linear_terms(self, name: str) -> list[tuple[str, int, tuple[Factor, ...]]]:
        func, info = self.linear[name]
        n_out = self.sizes[name]
        if isinstance(func, Randn):
            return []
        if isinstance(func, EdgeSum):
            k = int(func.args[1])
            bundle = self.system.edges[k]
            groups: dict[int, list[int]] = {}
            for e, tau in enumerate(np.asarray(bundle.delays, dtype=float)):
                d = self.delay_index(float(tau)) if tau > 0 else 0
                groups.setdefault(d, []).append(e)
            inner = self.terms_of_symbol(bundle.source)
            out = []
            for d, sel in sorted(groups.items()):
                edges = Factor("edges", (n_out, bundle.n_source), bundle=k,
                               rows=np.asarray(bundle.target_idx)[sel],
                               cols=np.asarray(bundle.source_idx)[sel],
                               edges=np.asarray(sel, dtype=np.int64))
                out += [(col, _shift(d, d0, self), (edges, *tail)) for col, d0, tail in inner]
            return out
        if isinstance(func, Past):
            d = self.delay_index(float(info)) if info > 0 else 0
            return [(col, _shift(d, d0, self), tail)
                    for col, d0, tail in self.terms_of_symbol(str(func.args[0]))]
        if isinstance(func, Concatenate):
            out, offset = [], 0
            for part in info:
                n = self.size(part)
                place = _matrix(offset + np.arange(n), np.arange(n), np.ones(n), (n_out, n))
                out += [(c, d, (place, *t)) for c, d, t in self.terms_of(part, n)]
                offset += n
            return out
        n_in = self.size(info)
        mat = self._linear_matrix(func, n_in, n_out)
        return [(c, d, (mat, *t)) for c, d, t in self.terms_of(info, n_in)]

    def _linear_matrix(self, func: sp.Basic, n_in: int, n_out: int) -> Factor:
        sysm = self.system
        if isinstance(func, ArraySum):
            return _matrix(np.zeros(n_in, int), np.arange(n_in), np.ones(n_in), (1, n_in))
        if isinstance(func, ArrayMean):
            return _matrix(np.zeros(n_in, int), np.arange(n_in), np.full(n_in, 1.0 / n_in),
                           (1, n_in))
        if isinstance(func, Dot):
            a = np.atleast_2d(np.asarray(_param(func.args[0], sysm, func).value))
            r, c = np.nonzero(a)
            return _matrix(r, c, a[r, c], a.shape)
        if isinstance(func, Roll):
            shift = _int(func.args[1], sysm)
            return _matrix(np.arange(n_in), (np.arange(n_in) - shift) % n_in, np.ones(n_in),
                           (n_in, n_in))
        if isinstance(func, Slice):
            cols = np.arange(n_in)[_int(func.args[1], sysm):_int(func.args[2], sysm)]
            return _matrix(np.arange(cols.size), cols, np.ones(cols.size), (n_out, n_in))
        idx = func.args[1]  # Index
        cols = np.atleast_1d(np.asarray(_param(idx, sysm, func).value if isinstance(
            idx, sp.Symbol) else int(idx), dtype=np.int64)) % max(n_in, 1)
        return _matrix(np.arange(cols.size), cols, np.ones(cols.size), (n_out, n_in))


def _shift(d: int, d0: int, b: _Builder) -> int:
    """Delay index of a delayed read of something that is itself delayed by ``d0``."""
    if d0 == 0:
        return d
    if d == 0:
        return d0
    return b.delay_index(b.delays[d - 1] + b.delays[d0 - 1])


def _matrix(rows: np.ndarray, cols: np.ndarray, values: np.ndarray,
            shape: tuple[int, ...]) -> Factor:
    return Factor("matrix", (int(shape[0]), int(shape[1])), rows=np.asarray(rows, np.int64),
                  cols=np.asarray(cols, np.int64), values=np.asarray(values))


def _param(sym: sp.Basic, system: SystemIR, where: sp.Basic) -> Any:
    if not isinstance(sym, sp.Symbol) or sym.name not in system.params:
        raise EquationError(f"the Jacobian of '{where}' needs '{sym}' to be a constant")
    return system.params[sym.name]


def _int(value: sp.Basic, system: SystemIR) -> int:
    if isinstance(value, sp.Integer):
        return int(value)
    return int(np.asarray(_param(value, system, value).value))


def _value(expr: sp.Expr, system: SystemIR, where: sp.Basic) -> float:
    subs = {}
    for s in expr.free_symbols:
        values = np.real(np.asarray(_param(s, system, where).value)).ravel()
        if values.size and np.ptp(values) > 0:
            raise EquationError(f"the Jacobian of '{where}' needs one delay value, '{s}' has "
                                f"several ({values.min():g}..{values.max():g})")
        subs[s] = float(values[0]) if values.size else 0.0
    return float(sp.N(expr.subs(subs)))


def jacobian_ir(system: SystemIR) -> JacobianIR:
    """The symbolic Jacobian of ``system`` (see the module docstring)."""
    b = _Builder(system)
    terms: list[JacobianTerm] = []
    for state, deriv in zip(system.states, system.derivatives):
        flat = b.flatten(sp.sympify(deriv))
        for col, d, factors in b.terms_of(flat, state.size):
            terms.append(JacobianTerm(state.name, col, d, factors))
    # renumber delays in ascending order
    order = sorted(range(len(b.delays)), key=lambda k: b.delays[k])
    new = {old + 1: pos + 1 for pos, old in enumerate(order)}
    for t in terms:
        t.delay = new.get(t.delay, 0)
    return JacobianIR(system, terms, [b.delays[k] for k in order], b.aux)
