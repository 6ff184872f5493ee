"""Sympy's TensorFlow printer, strict, extended by the IR functions of the core.

Arrays in the generated code carry a leading batch axis: states, assignments and inputs are
``(B, size)``, real parameters ``(1|B, *shape)``, integer index parameters stay 1-D. The
helpers the printed code calls (``_maxi``, ``_cat``, ``_interp``, ``_where``...) are defined at
the top of every generated module (:data:`pyrates_backend_tensorflow.codegen.HELPERS`).
"""

from __future__ import annotations

from typing import ClassVar

import sympy as sp
from sympy.printing.tensorflow import TensorflowPrinter

from pyrates_core.tensor_printing import IRPrinterMixin, numeric_constants

__all__ = ["SUPPORTED_FUNCTIONS", "TensorflowCodePrinter", "numeric_constants"]

SUPPORTED_FUNCTIONS = frozenset(
    {"maxi", "mini", "Round", "ArraySum", "ArrayMean", "ArrayMax", "ArrayMin", "Dot", "Roll",
     "Slice", "Randn", "Concatenate", "Interp", "Past", "Index", "EdgeSum"})
"""IR functions this printer knows."""


class TensorflowCodePrinter(IRPrinterMixin, TensorflowPrinter):
    """Print IR expressions as TensorFlow code.

    ``names`` maps IR symbols to identifiers, ``edge_sum(k, x_code)`` and ``past(expr)``
    return the code of ``EdgeSum(x, k)`` and ``Past(x, tau)``; the IR symbols, edge sums,
    helper calls and reductions come from ``pyrates_core.tensor_printing.IRPrinterMixin``.
    """

    label = "tensorflow"
    reductions: ClassVar[dict[str, str]] = {
        "ArraySum": "tensorflow.reduce_sum({x}, axis=-1, keepdims=True)",
        "ArrayMean": "tensorflow.reduce_mean({x}, axis=-1, keepdims=True)",
        "ArrayMax": "tensorflow.reduce_max({x}, axis=-1, keepdims=True)",
        "ArrayMin": "tensorflow.reduce_min({x}, axis=-1, keepdims=True)",
    }

    def _print_conjugate(self, expr: sp.Expr) -> str:
        return f"tensorflow.math.conj({self._print(expr.args[0])})"

    def _print_arg(self, expr: sp.Expr) -> str:
        return f"tensorflow.math.angle({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr: sp.Expr) -> str:
        (value, cond), rest = expr.args[0].args, expr.args[1:]
        other = self._print(sp.Piecewise(*rest)) if rest else "0.0"
        return f"_where({self._print(cond)}, {self._print(value)}, {other})"

    def _print_Round(self, expr: sp.Expr) -> str:
        return f"tensorflow.math.round({self._print(expr.args[0])})"

    def _print_Roll(self, expr: sp.Expr) -> str:
        return f"tensorflow.roll({self._print(expr.args[0])}, int({self._print(expr.args[1])}), " \
               "axis=-1)"

    def _print_Slice(self, expr: sp.Expr) -> str:
        x, a, b = expr.args
        return f"{self.parenthesize(x, 1000)}[..., int({self._print(a)}):int({self._print(b)})]"

    def _print_Randn(self, expr: sp.Expr) -> str:
        return "_randn(y)"

    def _print_Index(self, expr: sp.Expr) -> str:
        idx = expr.args[1]
        # an integer literal keeps the element axis: (B, 1), not (B,)
        code = f"[{int(idx)}]" if idx.is_Integer else self._print(idx)
        return f"tensorflow.gather({self._print(expr.args[0])}, {code}, axis=1)"
