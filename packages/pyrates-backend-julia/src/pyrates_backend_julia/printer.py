"""Strict sympy printer for Julia broadcast expressions.

Lines are emitted as ``@. target = expr``: every operator and function call in ``expr`` is
broadcast. IR functions that change sizes (``EdgeSum``, ``Past``, ``Index``, the reductions,
``Dot``, ``Roll``, ``Slice``, ``Randn``, ``Concatenate``, ``Interp``) must not be broadcast;
the code generator hoists them into temporaries first, and this printer prints them only as
whole calls (:meth:`JuliaPrinter.special`). A function it does not know raises
:class:`~pyrates_core.errors.EquationError` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp
from sympy.printing.julia import JuliaCodePrinter

from pyrates_core.errors import EquationError

__all__ = ["JuliaPrinter", "SUPPORTED_FUNCTIONS"]

SUPPORTED_FUNCTIONS = frozenset(
    {"maxi", "mini", "Round", "ArraySum", "ArrayMean", "ArrayMax", "ArrayMin", "Dot", "Roll",
     "Slice", "Randn", "Concatenate", "Interp", "Past", "Index", "EdgeSum"}
)
"""IR functions of :mod:`pyrates_core.functions` this backend knows."""


class JuliaPrinter(JuliaCodePrinter):
    """Print element-wise IR expressions for use after Julia's ``@.`` macro.

    ``names`` maps IR symbol names (and temporaries) to Julia code (``'x'``, ``'p.k'``).
    """

    def __init__(self, names: Mapping[str, str]) -> None:
        super().__init__({"strict": True, "precision": 17,
                          "user_functions": {"arg": "angle"}})
        self.names = dict(names)

    def _print_not_supported(self, expr: sp.Basic) -> str:
        name = getattr(getattr(expr, "func", None), "__name__", type(expr).__name__)
        raise EquationError(
            f"the julia backend cannot print the function '{name}' (in '{expr}'); supported "
            f"IR functions: {', '.join(sorted(SUPPORTED_FUNCTIONS))} plus sympy's elementary "
            "functions")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.name not in self.names:
            raise EquationError(f"unknown symbol '{expr.name}' in an equation of the model")
        return self.names[expr.name]

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "exp(1.0)"

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"({expr.p} / {expr.q})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        pieces = list(expr.args)
        if pieces[-1].cond != sp.true:
            raise EquationError(f"piecewise expression {expr} needs an 'otherwise' branch")
        code = self._print(pieces[-1].expr)
        for piece in reversed(pieces[:-1]):
            code = f"ifelse({self._print(piece.cond)}, {self._print(piece.expr)}, {code})"
        return code

    def _print_And(self, expr: sp.Expr) -> str:
        return " & ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Or(self, expr: sp.Expr) -> str:
        return " | ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Not(self, expr: sp.Expr) -> str:
        return f"!({self._print(expr.args[0])})"

    def _print_maxi(self, expr: sp.Expr) -> str:
        return f"max({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_mini(self, expr: sp.Expr) -> str:
        return f"min({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Round(self, expr: sp.Expr) -> str:
        return f"round({self._print(expr.args[0])})"  # ties to even, as numpy.rint

    def _print_size_changing(self, expr: sp.Expr) -> str:
        raise EquationError(f"internal error: '{expr.func.__name__}' must be hoisted out of "
                            "broadcast expressions")

    _print_ArraySum = _print_ArrayMean = _print_Concatenate = _print_size_changing
    _print_Interp = _print_Index = _print_EdgeSum = _print_Past = _print_size_changing
    _print_ArrayMax = _print_ArrayMin = _print_Dot = _print_Roll = _print_size_changing
    _print_Slice = _print_Randn = _print_size_changing
