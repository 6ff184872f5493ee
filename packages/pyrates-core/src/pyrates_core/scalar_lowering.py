"""Lowering of a :class:`~pyrates_core.system.SystemIR` to scalar element loops.

Backends whose target language is fastest (or simplest) with explicit loops over elements
(numba, Fortran, Julia, Matlab) print the vector field as a list of statements:

:class:`Temporary` ``name = expr``
    ``expr`` is one size-changing IR function (``EdgeSum``, ``Past``, ``Index``,
    ``Concatenate``, ``Interp``, ``Dot``, ``Roll``, ``Slice``, a reduction) or ``Randn``,
    applied to symbols, numbers and earlier temporaries only; the backend prints it with its
    own vector code or helpers. ``size`` is ``None`` for a scalar result.
:class:`ElementLoop` ``target[offset + i] = expr`` for ``i = base .. base + size - 1``
    ``expr`` contains no size-changing function: an array symbol ``x`` is read as
    ``Element(x, i)`` (``Element(x, base)`` for a size-1 array, which broadcasts); scalar
    parameters, the time and scalar temporaries stay plain symbols. ``base`` (0 or 1) is
    already applied: a backend prints ``Element(x, k)`` as ``x[k]`` or ``x(k)`` and the loop
    over ``range(base, base + size)`` without further arithmetic.

Targets are an assignment (``role='assignment'``, ``target`` its IR name), a temporary
(``'temporary'``), or the slice of the derivative vector of a state (``'derivative'``,
``target`` the state's name, ``offset`` its start in the state vector). Statements come in
evaluation order: assignments (list order) before derivatives.

Errors (mixed sizes, a matrix used element-wise, unknown symbols) raise
:class:`~pyrates_core.errors.EquationError` naming the variable whose equation is at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import sympy as sp

from pyrates_core.errors import EquationError
from pyrates_core.functions import (
    REDUCTIONS,
    Concatenate,
    Dot,
    EdgeSum,
    Index,
    Interp,
    Past,
    Randn,
    Roll,
    Slice,
)
from pyrates_core.system import SystemIR

__all__ = [
    "SIZE_CHANGING",
    "Element",
    "ElementLoop",
    "ScalarLowering",
    "Statement",
    "Temporary",
    "lower_vector_field",
]

SIZE_CHANGING: tuple[type[sp.Function], ...] = (
    EdgeSum, Past, Index, Concatenate, Interp, Dot, Roll, Slice, Randn, *REDUCTIONS)
"""IR functions that a :class:`Temporary` computes (everything else is element-wise)."""

Role = Literal["assignment", "temporary", "derivative"]


class Element(sp.Function):
    """``Element(x, k)``: element ``k`` of the array symbol ``x`` (index base applied)."""

    nargs = 2


@dataclass(frozen=True)
class Temporary:
    """``name = expr``: one size-changing function, printed with the backend's vector code."""

    name: str
    expr: sp.Expr
    size: int | None
    """Number of elements, ``None`` for a scalar."""
    variable: str
    """IR name of the variable whose equation needs it (for messages and comments)."""


@dataclass(frozen=True)
class ElementLoop:
    """``target[offset + i] = expr`` for ``i`` in ``range(base, base + size)``."""

    target: str
    role: Role
    size: int
    expr: sp.Expr
    """Element expression, in terms of :attr:`index` and :class:`Element` reads."""
    index: sp.Symbol
    base: int
    offset: int = 0
    """0-based position of the first element in the target (a state's ``start``)."""

    @property
    def first(self) -> int:
        """First value of the loop index."""
        return self.base

    @property
    def last(self) -> int:
        """Last value of the loop index (inclusive)."""
        return self.base + self.size - 1

    def at(self, k: int) -> sp.Expr:
        """The element expression with the loop index set to ``k``."""
        return self.expr.xreplace({self.index: sp.Integer(k)})


Statement = Temporary | ElementLoop


def _describe(name: str, labels: list[str]) -> str:
    if not labels:
        return f"'{name}'"
    more = f", ... ({len(labels)} elements)" if len(labels) > 1 else ""
    return f"'{name}' ({labels[0]}{more})"


@dataclass
class ScalarLowering:
    """Lowers the equations of ``system`` one variable at a time (see the module docstring).

    ``base`` is the index of the first element (0 or 1); ``sizes`` adds or overrides symbol
    sizes (``None``: scalar), e.g. for symbols a backend substitutes for ``EdgeSum`` terms;
    temporaries are named ``<temp_prefix><k>``, ``k`` counting from 0 over the lifetime of
    the object (so lowering the same variables twice gives different names).
    """

    system: SystemIR
    base: int = 0
    temp_prefix: str = "_tmp"
    index: sp.Symbol = field(default_factory=lambda: sp.Symbol("_i", integer=True))
    sizes: Mapping[str, int | None] | None = None
    temporaries: dict[str, int | None] = field(default_factory=dict, init=False)
    """Every temporary created so far (including loop temporaries) -> its size."""
    _sizes: dict[str, int | None] = field(default_factory=dict, init=False, repr=False)
    _matrices: set[str] = field(default_factory=set, init=False, repr=False)
    _count: int = field(default=0, init=False, repr=False)
    _where: str = field(default="", init=False, repr=False)

    def __post_init__(self) -> None:
        if self.base not in (0, 1):
            raise ValueError(f"base must be 0 or 1, got {self.base!r}")
        system = self.system
        self._sizes = dict(system.symbol_sizes())
        for name, p in system.params.items():
            nd = np.ndim(p.value)
            if nd >= 2:
                self._matrices.add(name)
            self._sizes[name] = None if nd == 0 else int(np.shape(p.value)[0])
        self._sizes[system.time.name] = None
        self._sizes.update(self.sizes or {})

    # -- public entry points ---------------------------------------------------------------
    def assignment(self, index: int) -> list[Statement]:
        """Statements that compute ``system.assignments[index]``."""
        a = self.system.assignments[index]
        self._where = f"the equation of {_describe(a.name, a.labels)}"
        out: list[Statement] = []
        self._loop(a.name, "assignment", a.size, a.expr, out, variable=a.name)
        return out

    def derivative(self, index: int) -> list[Statement]:
        """Statements that compute the derivative of ``system.states[index]``."""
        s = self.system.states[index]
        self._where = f"the differential equation of {_describe(s.name, s.labels)}"
        out: list[Statement] = []
        self._loop(s.name, "derivative", s.size, self.system.derivatives[index], out,
                   offset=s.start, variable=s.name)
        return out

    def assignments(self) -> list[Statement]:
        """Statements of every assignment, in evaluation order."""
        return [st for k in range(len(self.system.assignments)) for st in self.assignment(k)]

    def derivatives(self) -> list[Statement]:
        """Statements of every derivative, in state order."""
        return [st for k in range(len(self.system.states)) for st in self.derivative(k)]

    def size_of(self, name: str) -> int | None:
        """Number of elements of a symbol or temporary (``None``: scalar)."""
        if name in self.temporaries:
            return self.temporaries[name]
        if name not in self._sizes:
            raise EquationError(f"{self._where or 'an equation'}: unknown symbol '{name}'")
        return self._sizes[name]

    # -- helpers ---------------------------------------------------------------------------
    def _fail(self, message: str) -> EquationError:
        return EquationError(f"{self._where}: {message}")

    def _temp(self, size: int | None) -> sp.Symbol:
        name = f"{self.temp_prefix}{self._count}"
        self._count += 1
        if name in self._sizes:
            raise EquationError(f"the temporary name '{name}' clashes with a model symbol; "
                                "choose another temp_prefix")
        self.temporaries[name] = size
        return sp.Symbol(name)

    def _elementwise_size(self, expr: sp.Basic) -> int | None:
        """Size of an expression free of size-changing functions (``None``: scalar)."""
        found: set[int] = set()
        for sym in expr.free_symbols:
            assert isinstance(sym, sp.Symbol)
            if sym.name in self._matrices:
                raise self._fail(f"the matrix parameter '{sym.name}' is used element-wise; "
                                 "use it through matvec/matmul (Dot)")
            size = self.size_of(sym.name)
            if size is not None:
                found.add(size)
        if len(found) > 1:
            found.discard(1)
        if len(found) > 1:
            raise self._fail(f"mixed sizes {sorted(found)} in '{expr}'; operands of "
                             "element-wise operations must have equal sizes (or size 1)")
        return found.pop() if found else None

    def _hoist(self, expr: sp.Basic, out: list[Statement], variable: str) -> sp.Basic:
        """Replace size-changing calls in ``expr`` by temporaries computed in ``out``."""
        if isinstance(expr, SIZE_CHANGING):
            return self._special(expr, out, variable)
        if not expr.args or isinstance(expr, sp.Symbol):
            return expr
        args = [self._hoist(a, out, variable) for a in expr.args]
        if all(a is b for a, b in zip(args, expr.args)):
            return expr
        return expr.func(*args)

    def _materialize(self, expr: sp.Basic, out: list[Statement], variable: str) -> sp.Basic:
        """A symbol (or scalar expression) holding the value of ``expr``."""
        if isinstance(expr, (sp.Symbol, sp.Number)):
            return expr
        expr = self._hoist(expr, out, variable)
        size = self._elementwise_size(expr)
        if size is None or isinstance(expr, sp.Symbol):
            return expr
        tmp = self._temp(size)
        self._loop(tmp.name, "temporary", size, expr, out, variable=variable)
        return tmp

    def _integer(self, value: sp.Basic, expr: sp.Basic) -> int:
        if isinstance(value, sp.Integer):
            return int(value)
        if isinstance(value, sp.Symbol) and value.name in self.system.params:
            raw = np.asarray(self.system.params[value.name].value)
            if raw.ndim == 0 and float(raw) == int(raw):
                return int(raw)
        raise self._fail(f"the bounds of index_range must be integer constants in '{expr}'")

    def _special(self, expr: sp.Basic, out: list[Statement], variable: str) -> sp.Basic:
        if isinstance(expr, EdgeSum):
            k = int(expr.args[1])
            if not 0 <= k < len(self.system.edges):
                raise self._fail(f"EdgeSum refers to bundle {k}, the system has "
                                 f"{len(self.system.edges)}")
            return self._store(expr, self.system.edges[k].n_target, out, variable)
        if isinstance(expr, Past):
            x = expr.args[0]
            if not isinstance(x, sp.Symbol):
                raise self._fail(f"Past() needs a symbol, got '{x}'")
            return self._store(expr, self.size_of(x.name), out, variable)
        if isinstance(expr, Index) and isinstance(expr.args[1], sp.Integer):
            x = self._materialize(expr.args[0], out, variable)
            if isinstance(x, sp.Symbol) and self.size_of(x.name) is not None:
                return self._store(expr.func(x, expr.args[1]), None, out, variable)
            return x  # indexing a scalar: the scalar itself (numpy broadcasting)
        args = [self._materialize(a, out, variable) for a in expr.args]
        new = expr.func(*args)
        return self._store(new, self._result_size(new), out, variable)

    def _result_size(self, expr: sp.Basic) -> int | None:
        args = expr.args

        def size(a: sp.Basic) -> int | None:
            return self.size_of(a.name) if isinstance(a, sp.Symbol) else None

        if isinstance(expr, (*REDUCTIONS, Randn)):
            return None
        if isinstance(expr, (Roll, Interp)):
            return size(args[0])
        if isinstance(expr, Index):
            return size(args[1])
        if isinstance(expr, Slice):
            n = size(args[0]) or 1
            a, b = (self._integer(v, expr) for v in args[1:])
            return len(range(n)[a:b])
        if isinstance(expr, Dot):
            a, b = args
            if isinstance(a, sp.Symbol) and a.name in self._matrices:
                if isinstance(b, sp.Symbol) and b.name in self._matrices:
                    raise self._fail(f"the matrix product '{expr}' is a matrix; the equations "
                                     "of a variable must give a vector")
                return int(np.shape(self.system.params[a.name].value)[0])
            sa, sb = size(a), size(b)
            if sa is None or sb is None:
                return sb if sa is None else sa
            return None
        return sum(size(a) or 1 for a in args)  # Concatenate

    def _store(self, expr: sp.Basic, size: int | None, out: list[Statement],
               variable: str) -> sp.Symbol:
        tmp = self._temp(size)
        out.append(Temporary(tmp.name, sp.sympify(expr), size, variable))
        return tmp

    def _read(self, sym: sp.Symbol, n: int) -> sp.Expr:
        size = self.size_of(sym.name)
        if size is None:
            return sym
        if size == n:
            return Element(sym, self.index)
        if size == 1:
            return Element(sym, sp.Integer(self.base))
        raise self._fail(f"'{sym.name}' has {size} elements where {n} are expected")

    def _loop(self, target: str, role: Role, n: int, expr: sp.Basic, out: list[Statement],
              offset: int = 0, variable: str = "") -> None:
        expr = self._hoist(sp.sympify(expr), out, variable or target)
        size = self._elementwise_size(expr)
        if size not in (None, 1, n):
            raise self._fail(f"the right-hand side has {size} elements, the variable has {n}")
        reads = {s: self._read(s, n) for s in expr.free_symbols if isinstance(s, sp.Symbol)}
        body = sp.sympify(expr).xreplace(reads)
        out.append(ElementLoop(target, role, n, body, self.index, self.base, offset))


def lower_vector_field(system: SystemIR, base: int = 0, *, temp_prefix: str = "_tmp",
                       sizes: Mapping[str, int | None] | None = None) -> list[Statement]:
    """The statements of the whole vector field: assignments, then derivatives."""
    lowering = ScalarLowering(system, base, temp_prefix, sizes=sizes)
    return lowering.assignments() + lowering.derivatives()
