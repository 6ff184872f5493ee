"""The functions that may appear in model equations, and the IR's own array operations.

User equations use the names of the original PyRates (``sigmoid``, ``maxi``, ``past``...).
:data:`EQUATION_FUNCTIONS` maps each name to the sympy object the parser builds. Where sympy
has a matching function (``exp``, ``Abs``, ``re``...) we use it, so that sympy's code printers
handle it; otherwise we define an undefined-function subclass here, and every backend's printer
implements ``_print_<ClassName>`` for it.

The functions a backend must print are listed in :data:`IR_FUNCTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

__all__ = [
    "ArrayMax",
    "ArrayMean",
    "ArrayMin",
    "Dot",
    "Randn",
    "Roll",
    "Slice",
    "ArraySum",
    "Concatenate",
    "EQUATION_FUNCTIONS",
    "EdgeSum",
    "IR_FUNCTIONS",
    "Index",
    "Interp",
    "Past",
    "REDUCTIONS",
    "Round",
    "maxi",
    "mini",
]


class maxi(sp.Function):  # noqa: N801 - name is part of the equation language
    """Element-wise maximum of two arguments."""

    nargs = 2


class mini(sp.Function):  # noqa: N801 - name is part of the equation language
    """Element-wise minimum of two arguments."""

    nargs = 2


class Round(sp.Function):
    """Element-wise rounding to the nearest integer."""

    nargs = 1


class ArraySum(sp.Function):
    """Sum over all elements of a vector (result has size 1)."""

    nargs = 1


class ArrayMean(sp.Function):
    """Mean over all elements of a vector (result has size 1)."""

    nargs = 1


class ArrayMax(sp.Function):
    """Largest element of a vector (result has size 1); ``maxi(x)`` with one argument."""

    nargs = 1


class ArrayMin(sp.Function):
    """Smallest element of a vector (result has size 1); ``mini(x)`` with one argument."""

    nargs = 1


class Dot(sp.Function):
    """``Dot(A, x)``: matrix-vector (or matrix-matrix) product, ``numpy.dot``."""

    nargs = 2


class Roll(sp.Function):
    """``Roll(x, k)``: the elements of ``x`` shifted by the integer ``k``, ``numpy.roll``."""

    nargs = 2


class Slice(sp.Function):
    """``Slice(x, a, b)``: the elements ``x[a:b]`` (integer bounds)."""

    nargs = 3


class Randn(sp.Function):
    """``Randn()``: a draw from the standard normal distribution at every evaluation."""

    nargs = 0


class Concatenate(sp.Function):
    """Concatenation of vectors (and scalars) into one vector."""


class Interp(sp.Function):
    """``Interp(x, xp, fp)``: piecewise-linear interpolation, as ``numpy.interp``."""

    nargs = 3


class Past(sp.Function):
    """``Past(x, tau)``: the value of symbol ``x`` at ``t - tau``."""

    nargs = 2


class Index(sp.Function):
    """``Index(x, idx)``: gather ``x[idx]``, with ``idx`` an integer parameter symbol."""

    nargs = 2


class EdgeSum(sp.Function):
    """``EdgeSum(x, k)``: summed, weighted (and delayed) edge input of bundle ``k``.

    See :class:`pyrates_core.system.SystemIR` for the exact semantics.
    """

    nargs = 2


def _sigmoid(x: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-x))


def _maxi(*args: sp.Expr) -> sp.Expr:
    """``maxi(a, b)``: element-wise maximum (1.x's ``numpy.maximum``); ``maxi(x)``: largest
    element (1.x's documented vector form).
    """
    return ArrayMax(*args) if len(args) == 1 else maxi(*args)


def _mini(*args: sp.Expr) -> sp.Expr:
    """``mini(a, b)``: element-wise minimum; ``mini(x)``: smallest element."""
    return ArrayMin(*args) if len(args) == 1 else mini(*args)


def _int_arg(value: sp.Expr, func: str) -> sp.Expr:
    if isinstance(value, sp.Number) and not isinstance(value, sp.Integer):
        raise TypeError(f"{func}(): indices must be integers, got {value}")
    return value


def _index(x: sp.Expr, idx: sp.Expr) -> sp.Expr:
    """``index(x, i)``: ``x[i]`` (``i`` an integer or an integer constant)."""
    return Index(x, _int_arg(idx, "index"))


def _index_range(x: sp.Expr, start: sp.Expr, stop: sp.Expr) -> sp.Expr:
    """``index_range(x, a, b)``: ``x[a:b]``."""
    return Slice(x, _int_arg(start, "index_range"), _int_arg(stop, "index_range"))


def _index_axis(x: sp.Expr, idx: sp.Expr | None = None, axis: sp.Expr | int = 0) -> sp.Expr:
    """``index_axis(x)``: ``x``; ``index_axis(x, i)`` or ``index_axis(x, i, 0)``: ``x[i]``."""
    if idx is None:
        return x
    if axis != 0:
        raise TypeError("index_axis(x, idx, axis) indexes the first axis only (axis=0): "
                        "variables are vectors; use index(x, idx)")
    return _index(x, idx)


def _identity(x: sp.Expr) -> sp.Expr:
    """``no_op(x)``: ``x``."""
    return x


EQUATION_FUNCTIONS: dict[str, Callable[..., sp.Expr] | type[sp.Function]] = {
    "sigmoid": _sigmoid,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "arcsin": sp.asin,
    "arccos": sp.acos,
    "arctan": sp.atan,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "absv": sp.Abs,
    "floor": sp.floor,
    "round": Round,
    "sign": sp.sign,
    "maxi": _maxi,
    "mini": _mini,
    "sum": ArraySum,
    "vsum": ArraySum,
    "mean": ArrayMean,
    "matmul": Dot,
    "matvec": Dot,
    "roll": Roll,
    "randn": Randn,
    "index": _index,
    "index_range": _index_range,
    "index_axis": _index_axis,
    "no_op": _identity,
    "past": Past,
    "interp": Interp,
    "concatenate": Concatenate,
    "real": sp.re,
    "imag": sp.im,
    "conj": sp.conjugate,
    "angle": sp.arg,
}
"""Every function name allowed in equations; any other name is an error."""

REDUCTIONS: tuple[type[sp.Function], ...] = (ArraySum, ArrayMean, ArrayMax, ArrayMin)
"""Functions that reduce a vector to one value (per node: the identity on a node's scalar)."""

IR_FUNCTIONS: tuple[type[sp.Function], ...] = (
    maxi,
    mini,
    Round,
    ArraySum,
    ArrayMean,
    ArrayMax,
    ArrayMin,
    Dot,
    Roll,
    Slice,
    Randn,
    Concatenate,
    Interp,
    Past,
    Index,
    EdgeSum,
)
"""Custom functions a backend's printer must know (``_print_maxi``, ``_print_EdgeSum``...)."""
