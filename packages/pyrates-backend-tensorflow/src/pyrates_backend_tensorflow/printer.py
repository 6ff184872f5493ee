"""Sympy's TensorFlow printer, strict, extended by the IR functions of the core.

Arrays in the generated code carry a leading batch axis: states, assignments and inputs are
``(B, size)``, real parameters ``(1|B, *shape)``, integer index parameters stay 1-D. The
helpers the printed code calls (``_maxi``, ``_cat``, ``_interp``, ``_where``...) are defined at
the top of every generated module (:data:`pyrates_backend_tensorflow.codegen.HELPERS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp
from sympy.printing.tensorflow import TensorflowPrinter

from pyrates_core.errors import EquationError
from pyrates_core.functions import Randn

__all__ = ["SUPPORTED_FUNCTIONS", "TensorflowCodePrinter", "numeric_constants"]

SUPPORTED_FUNCTIONS = frozenset(
    {"maxi", "mini", "Round", "ArraySum", "ArrayMean", "ArrayMax", "ArrayMin", "Dot", "Roll",
     "Slice", "Randn", "Concatenate", "Interp", "Past", "Index", "EdgeSum"})
"""IR functions this printer knows."""


def numeric_constants(expr: sp.Expr) -> sp.Expr:
    """Replace number-only subexpressions such as ``sqrt(2)`` by floats (kept: ints, rationals).

    TensorFlow's functions take tensors; a folded constant becomes a Python number that the
    surrounding operator converts to the right dtype.
    """
    if expr.is_number and not (expr.is_Rational or expr.is_Float) and not expr.has(Randn):
        value = complex(sp.N(expr, 20))
        return sp.Float(value.real, 17) if value.imag == 0 else \
            sp.Float(value.real, 17) + sp.I * sp.Float(value.imag, 17)
    if not expr.args or expr.is_Atom:
        return expr
    args = [numeric_constants(a) for a in expr.args]
    return expr.func(*args, evaluate=False) if args != list(expr.args) else expr


class TensorflowCodePrinter(TensorflowPrinter):
    """Print IR expressions as TensorFlow code.

    ``names`` maps IR symbols to identifiers, ``edge_sum(k, x_code)`` and ``past(expr)``
    return the code of ``EdgeSum(x, k)`` and ``Past(x, tau)``.
    """

    def __init__(self, names: Mapping[str, str], edge_sum: Callable[[int, str], str],
                 past: Callable[[sp.Expr], str]) -> None:
        super().__init__({"strict": True})
        self._names = dict(names)
        self._edge_sum = edge_sum
        self._past = past

    def _print_not_supported(self, expr: sp.Basic) -> str:
        name = getattr(getattr(expr, "func", None), "__name__", type(expr).__name__)
        raise EquationError(f"the tensorflow backend cannot print the function '{name}' in "
                            f"{expr}")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.name not in self._names:
            raise EquationError(f"unknown symbol '{expr.name}' in a generated TensorFlow "
                                "expression")
        return self._names[expr.name]

    def _print_ImaginaryUnit(self, expr: sp.Basic) -> str:
        return "1j"

    def _print_conjugate(self, expr: sp.Expr) -> str:
        return f"tensorflow.math.conj({self._print(expr.args[0])})"

    def _print_arg(self, expr: sp.Expr) -> str:
        return f"tensorflow.math.angle({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr: sp.Expr) -> str:
        (value, cond), rest = expr.args[0].args, expr.args[1:]
        other = self._print(sp.Piecewise(*rest)) if rest else "0.0"
        return f"_where({self._print(cond)}, {self._print(value)}, {other})"

    def _print_maxi(self, expr: sp.Expr) -> str:
        return f"_maxi({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_mini(self, expr: sp.Expr) -> str:
        return f"_mini({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Round(self, expr: sp.Expr) -> str:
        return f"tensorflow.math.round({self._print(expr.args[0])})"

    def _print_ArraySum(self, expr: sp.Expr) -> str:
        return f"tensorflow.reduce_sum({self._print(expr.args[0])}, axis=-1, keepdims=True)"

    def _print_ArrayMean(self, expr: sp.Expr) -> str:
        return f"tensorflow.reduce_mean({self._print(expr.args[0])}, axis=-1, keepdims=True)"

    def _print_ArrayMax(self, expr: sp.Expr) -> str:
        return f"tensorflow.reduce_max({self._print(expr.args[0])}, axis=-1, keepdims=True)"

    def _print_ArrayMin(self, expr: sp.Expr) -> str:
        return f"tensorflow.reduce_min({self._print(expr.args[0])}, axis=-1, keepdims=True)"

    def _print_Dot(self, expr: sp.Expr) -> str:
        return f"_dot({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Roll(self, expr: sp.Expr) -> str:
        return f"tensorflow.roll({self._print(expr.args[0])}, int({self._print(expr.args[1])}), " \
               "axis=-1)"

    def _print_Slice(self, expr: sp.Expr) -> str:
        x, a, b = expr.args
        return f"{self.parenthesize(x, 1000)}[..., int({self._print(a)}):int({self._print(b)})]"

    def _print_Randn(self, expr: sp.Expr) -> str:
        return "_randn(y)"

    def _print_Concatenate(self, expr: sp.Expr) -> str:
        return f"_cat({', '.join(self._print(a) for a in expr.args)})"

    def _print_Interp(self, expr: sp.Expr) -> str:
        return f"_interp({', '.join(self._print(a) for a in expr.args)})"

    def _print_Index(self, expr: sp.Expr) -> str:
        idx = expr.args[1]
        # an integer literal keeps the element axis: (B, 1), not (B,)
        code = f"[{int(idx)}]" if idx.is_Integer else self._print(idx)
        return f"tensorflow.gather({self._print(expr.args[0])}, {code}, axis=1)"

    def _print_EdgeSum(self, expr: sp.Expr) -> str:
        return self._edge_sum(int(expr.args[1]), self._print(expr.args[0]))

    def _print_Past(self, expr: sp.Expr) -> str:
        return self._past(expr)
