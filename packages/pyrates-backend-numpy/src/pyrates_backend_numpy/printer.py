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

from pyrates_core.printing import IR_FUNCTION_NAMES, call_templates, unsupported_function

__all__ = ["NumpyCodePrinter", "SUPPORTED_FUNCTIONS"]

SUPPORTED_FUNCTIONS = IR_FUNCTION_NAMES
"""IR functions of :mod:`pyrates_core.functions` this printer knows (all of them)."""

_CALLS = {
    "Abs": "np.abs({0})", "conjugate": "np.conjugate({0})", "maxi": "np.maximum({0}, {1})",
    "mini": "np.minimum({0}, {1})", "Round": "np.rint({0})", "ArraySum": "np.sum({0})",
    "ArrayMean": "np.mean({0})", "ArrayMax": "np.max({0})", "ArrayMin": "np.min({0})",
    "Dot": "np.dot({0}, {1})", "Roll": "np.roll({0}, int({1}))", "Randn": "np.random.randn()",
    "Interp": "np.interp({0}, {1}, {2})",
}


@call_templates(_CALLS)
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
        raise unsupported_function("numpy", expr, SUPPORTED_FUNCTIONS)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._names.get(expr.name, expr.name)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp == -1:
            return f"1/{self.parenthesize(expr.base, 1000)}"
        return super()._print_Pow(expr, rational=rational)

    # -- IR functions --------------------------------------------------------------------
    def _print_Slice(self, expr: sp.Expr) -> str:
        x, a, b = expr.args
        return f"{self.parenthesize(x, 1000)}[int({self._print(a)}):int({self._print(b)})]"

    def _print_Concatenate(self, expr: sp.Expr) -> str:
        parts = []
        for arg in expr.args:
            code = self._print(arg)
            parts.append(code if self._is_array(arg) else f"np.full(1, {code})")
        return f"np.concatenate(({', '.join(parts)},))"

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
