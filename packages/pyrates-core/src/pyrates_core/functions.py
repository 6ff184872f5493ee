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
    "ArrayMean",
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
    "maxi": maxi,
    "mini": mini,
    "sum": ArraySum,
    "mean": ArrayMean,
    "past": Past,
    "interp": Interp,
    "concatenate": Concatenate,
    "real": sp.re,
    "imag": sp.im,
    "conj": sp.conjugate,
    "angle": sp.arg,
}
"""Every function name allowed in equations; any other name is an error."""

REDUCTIONS: tuple[type[sp.Function], ...] = (ArraySum, ArrayMean)
"""Functions that reduce a vector to one value (per node: the identity on a node's scalar)."""

IR_FUNCTIONS: tuple[type[sp.Function], ...] = (
    maxi,
    mini,
    Round,
    ArraySum,
    ArrayMean,
    Concatenate,
    Interp,
    Past,
    Index,
    EdgeSum,
)
"""Custom functions a backend's printer must know (``_print_maxi``, ``_print_EdgeSum``...)."""
