"""Strict sympy printer for MATLAB/Octave: element-wise code on column vectors.

Every IR function of :mod:`pyrates_core.functions` is printed here; a function the printer
does not know raises :class:`~pyrates_core.errors.EquationError` naming it. ``EdgeSum`` and
``Past`` are printed from callbacks of the code generator (they depend on the edge layout).
Helper functions (``pyrates_rint``, ``pyrates_interp``, ``pyrates_take``, ``pyrates_dot``) are
subfunctions of the generated vector-field file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp
from sympy.printing.octave import OctaveCodePrinter

from pyrates_core.errors import EquationError

__all__ = ["MatlabPrinter", "SUPPORTED_FUNCTIONS"]

SUPPORTED_FUNCTIONS = frozenset(
    {"maxi", "mini", "Round", "ArraySum", "ArrayMean", "ArrayMax", "ArrayMin", "Dot", "Roll",
     "Slice", "Randn", "Concatenate", "Interp", "Past", "Index", "EdgeSum"}
)
"""IR functions of :mod:`pyrates_core.functions` this printer knows."""


class MatlabPrinter(OctaveCodePrinter):
    """Print IR expressions as MATLAB/Octave code.

    ``names`` maps IR symbol names to code (``'x'`` for a local, ``'p.k'`` for a parameter),
    ``edge_sum(k)`` and ``past(expr)`` return the code of ``EdgeSum(x, k)`` and ``Past``.
    """

    def __init__(self, names: Mapping[str, str], edge_sum: Callable[[int], str],
                 past: Callable[[sp.Expr], str]) -> None:
        super().__init__({"strict": True, "precision": 17})
        self._names = dict(names)
        self._edge_sum = edge_sum
        self._past = past

    def _print_not_supported(self, expr: sp.Basic) -> str:
        name = getattr(getattr(expr, "func", None), "__name__", type(expr).__name__)
        raise EquationError(
            f"the matlab backend cannot print the function '{name}' (in '{expr}'); supported "
            f"IR functions: {', '.join(sorted(SUPPORTED_FUNCTIONS))} plus sympy's elementary "
            "functions")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.name not in self._names:
            raise EquationError(f"unknown symbol '{expr.name}' in an equation of the model")
        return self._names[expr.name]

    def _print_maxi(self, expr: sp.Expr) -> str:
        return f"max({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_mini(self, expr: sp.Expr) -> str:
        return f"min({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Round(self, expr: sp.Expr) -> str:
        return f"pyrates_rint({self._print(expr.args[0])})"

    def _print_ArraySum(self, expr: sp.Expr) -> str:
        return f"sum({self._print(expr.args[0])})"

    def _print_ArrayMean(self, expr: sp.Expr) -> str:
        return f"mean({self._print(expr.args[0])})"

    def _print_ArrayMax(self, expr: sp.Expr) -> str:
        return f"max({self._print(expr.args[0])})"

    def _print_ArrayMin(self, expr: sp.Expr) -> str:
        return f"min({self._print(expr.args[0])})"

    def _print_Dot(self, expr: sp.Expr) -> str:
        a, b = (self._print(arg) for arg in expr.args)
        return f"pyrates_dot({a}, {b})"

    def _print_Roll(self, expr: sp.Expr) -> str:
        x, k = (self._print(arg) for arg in expr.args)
        return f"circshift({x}, round({k}))"

    def _print_Slice(self, expr: sp.Expr) -> str:
        x, a, b = expr.args
        lo = str(int(a) + 1) if isinstance(a, sp.Integer) else f"round({self._print(a)}) + 1"
        hi = str(int(b)) if isinstance(b, sp.Integer) else f"round({self._print(b)})"
        if isinstance(x, sp.Symbol):
            return f"{self._print(x)}({lo}:{hi})"
        return f"pyrates_take({self._print(x)}, ({lo}):({hi}))"

    def _print_Randn(self, expr: sp.Expr) -> str:
        return "randn()"

    def _print_Concatenate(self, expr: sp.Expr) -> str:
        return "[" + "; ".join(self._print(a) for a in expr.args) + "]"

    def _print_Interp(self, expr: sp.Expr) -> str:
        return "pyrates_interp(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Index(self, expr: sp.Expr) -> str:
        x, idx = expr.args
        index = f"{self._print(idx)} + 1"
        if isinstance(x, sp.Symbol):
            return f"{self._print(x)}({index})"
        return f"pyrates_take({self._print(x)}, {index})"

    def _print_EdgeSum(self, expr: sp.Expr) -> str:
        return self._edge_sum(int(expr.args[1]))

    def _print_Past(self, expr: sp.Expr) -> str:
        return self._past(expr)
