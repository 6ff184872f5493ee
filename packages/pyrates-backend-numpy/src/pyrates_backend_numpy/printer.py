"""Sympy printer that turns IR expressions into NumPy (and numba-compatible) source text.

The printer is strict: an expression that contains a function it does not know raises
:class:`~pyrates_core.errors.EquationError` naming the function, instead of emitting a comment
into the generated code. Every custom function of :mod:`pyrates_core.functions` has a
``_print_<Name>`` method here; the two that need solver data (``EdgeSum`` and ``Past``) are
printed from snippets the code generator hands over (see :mod:`pyrates_backend_numpy.codegen`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from pyrates_core.errors import EquationError

__all__ = ["NumpyCodePrinter", "SUPPORTED_FUNCTIONS"]

SUPPORTED_FUNCTIONS = frozenset(
    {"maxi", "mini", "Round", "ArraySum", "ArrayMean", "ArrayMax", "ArrayMin", "Dot", "Roll",
     "Slice", "Randn", "Concatenate", "Interp", "Past", "Index", "EdgeSum"}
)
"""IR functions of :mod:`pyrates_core.functions` this printer knows."""


class NumpyCodePrinter(NumPyPrinter):
    """Print sympy expressions as NumPy code that numba can compile too.

    ``names`` maps IR symbol names to identifiers in the generated code, ``is_array`` tells
    whether an IR symbol holds an array (as opposed to a Python scalar), ``edge_sum`` and
    ``past`` return the code for ``EdgeSum(x, k)`` and ``Past(x, tau)`` respectively.
    """

    printmethod = "_numpycode"

    def __init__(
        self,
        names: Mapping[str, str],
        is_array: Callable[[sp.Expr], bool],
        edge_sum: Callable[[int], str] | None = None,
        past: Callable[[sp.Expr], str] | None = None,
    ) -> None:
        super().__init__({"fully_qualified_modules": True, "strict": True})
        self._names = dict(names)
        self._is_array = is_array
        self._edge_sum = edge_sum
        self._past = past

    # -- general -----------------------------------------------------------------------
    def _module_format(self, fqn: str, register: bool = True) -> str:
        """Write ``numpy.exp`` as ``np.exp``."""
        out = super()._module_format(fqn, register)
        if out.startswith("numpy."):
            return "np." + out[len("numpy."):]
        return out

    def _print_not_supported(self, expr: sp.Basic) -> str:
        name = getattr(getattr(expr, "func", None), "__name__", type(expr).__name__)
        raise EquationError(
            f"the numpy backend cannot print the function '{name}' (in '{expr}'); supported "
            f"IR functions: {', '.join(sorted(SUPPORTED_FUNCTIONS))} plus sympy's elementary "
            "functions"
        )

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._names.get(expr.name, expr.name)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp == -1:
            return f"1/{self.parenthesize(expr.base, 1000)}"
        return super()._print_Pow(expr, rational=rational)

    def _print_Abs(self, expr: sp.Expr) -> str:
        return f"np.abs({self._print(expr.args[0])})"

    def _print_conjugate(self, expr: sp.Expr) -> str:
        return f"np.conjugate({self._print(expr.args[0])})"

    # -- IR functions --------------------------------------------------------------------
    def _print_maxi(self, expr: sp.Expr) -> str:
        a, b = (self._print(arg) for arg in expr.args)
        return f"np.maximum({a}, {b})"

    def _print_mini(self, expr: sp.Expr) -> str:
        a, b = (self._print(arg) for arg in expr.args)
        return f"np.minimum({a}, {b})"

    def _print_Round(self, expr: sp.Expr) -> str:
        return f"np.rint({self._print(expr.args[0])})"

    def _print_ArraySum(self, expr: sp.Expr) -> str:
        return f"np.sum({self._print(expr.args[0])})"

    def _print_ArrayMean(self, expr: sp.Expr) -> str:
        return f"np.mean({self._print(expr.args[0])})"

    def _print_ArrayMax(self, expr: sp.Expr) -> str:
        return f"np.max({self._print(expr.args[0])})"

    def _print_ArrayMin(self, expr: sp.Expr) -> str:
        return f"np.min({self._print(expr.args[0])})"

    def _print_Dot(self, expr: sp.Expr) -> str:
        a, b = (self._print(arg) for arg in expr.args)
        return f"np.dot({a}, {b})"

    def _print_Roll(self, expr: sp.Expr) -> str:
        x, k = (self._print(arg) for arg in expr.args)
        return f"np.roll({x}, int({k}))"

    def _print_Slice(self, expr: sp.Expr) -> str:
        x, a, b = expr.args
        return f"{self.parenthesize(x, 1000)}[int({self._print(a)}):int({self._print(b)})]"

    def _print_Randn(self, expr: sp.Expr) -> str:
        return "np.random.randn()"

    def _print_Concatenate(self, expr: sp.Expr) -> str:
        parts = []
        for arg in expr.args:
            code = self._print(arg)
            parts.append(code if self._is_array(arg) else f"np.full(1, {code})")
        return f"np.concatenate(({', '.join(parts)},))"

    def _print_Interp(self, expr: sp.Expr) -> str:
        x, xp, fp = (self._print(arg) for arg in expr.args)
        return f"np.interp({x}, {xp}, {fp})"

    def _print_Index(self, expr: sp.Expr) -> str:
        x, idx = expr.args
        return f"{self.parenthesize(x, 1000)}[{self._print(idx)}]"

    def _print_EdgeSum(self, expr: sp.Expr) -> str:
        if self._edge_sum is None:
            return self._print_not_supported(expr)
        return self._edge_sum(int(expr.args[1]))

    def _print_Past(self, expr: sp.Expr) -> str:
        if self._past is None:
            return self._print_not_supported(expr)
        return self._past(expr)
