"""Sympy's JAX printer, made strict and taught the IR functions of :mod:`pyrates_core.functions`.

Elementary functions come from :class:`sympy.printing.numpy.JaxPrinter` (written as ``jnp.*``).
A function that neither sympy's printer nor this module knows raises
:class:`~pyrates_core.errors.EquationError` naming it. ``EdgeSum`` and ``Past`` need data of
the time loop; the code generator hands over callbacks that print them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.numpy import JaxPrinter

from pyrates_core.errors import EquationError

__all__ = ["SUPPORTED_FUNCTIONS", "JaxCodePrinter"]

SUPPORTED_FUNCTIONS = frozenset(
    {"maxi", "mini", "Round", "ArraySum", "ArrayMean", "ArrayMax", "ArrayMin", "Dot", "Roll",
     "Slice", "Randn", "Concatenate", "Interp", "Past", "Index", "EdgeSum"}
)
"""IR functions of :mod:`pyrates_core.functions` this printer knows."""


class JaxCodePrinter(JaxPrinter):
    """Print IR expressions as ``jax.numpy`` code.

    ``names`` maps IR symbol names to identifiers of the generated code; ``edge_sum(k, x)``
    and ``past(expr)`` return the code of ``EdgeSum(x, k)`` and ``Past(x, tau)``;
    ``constants`` holds scalar parameter values for arguments that must be static integers
    (``Roll`` shifts, ``Slice`` bounds).
    """

    def __init__(self, names: Mapping[str, str],
                 edge_sum: Callable[[int, str], str] | None = None,
                 past: Callable[[sp.Expr], str] | None = None,
                 constants: Mapping[str, object] | None = None) -> None:
        super().__init__({"fully_qualified_modules": True, "strict": True})
        self._names = dict(names)
        self._constants = dict(constants or {})
        self._edge_sum = edge_sum
        self._past = past

    def doprint(self, expr: sp.Basic, assign_to: str | None = None) -> str:
        """Print ``expr``; unknown functions raise :class:`EquationError`."""
        try:
            return super().doprint(expr, assign_to)
        except PrintMethodNotImplementedError as exc:
            raise EquationError(
                f"the jax backend cannot print '{expr}': {exc}. Supported: sympy's elementary "
                f"functions and the IR functions {', '.join(sorted(SUPPORTED_FUNCTIONS))}"
            ) from None

    def _module_format(self, fqn: str, register: bool = True) -> str:
        """Write ``jax.numpy.exp`` as ``jnp.exp``."""
        out = super()._module_format(fqn, register)
        return "jnp." + out[len("jax.numpy."):] if out.startswith("jax.numpy.") else out

    def _print_not_supported(self, expr: sp.Basic) -> str:
        name = getattr(getattr(expr, "func", None), "__name__", type(expr).__name__)
        raise EquationError(
            f"the jax backend cannot print the function '{name}' (in '{expr}'); supported: "
            f"sympy's elementary functions and the IR functions "
            f"{', '.join(sorted(SUPPORTED_FUNCTIONS))}")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._names.get(expr.name, expr.name)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base = self.parenthesize(expr.base, 1000)
        if expr.exp == -1:
            return f"(1/{base})"
        if expr.exp == sp.Rational(1, 2):
            return f"jnp.sqrt({self._print(expr.base)})"
        if expr.exp.is_Integer:
            return f"{base}**{int(expr.exp)}"
        return f"{base}**{self.parenthesize(expr.exp, 1000)}"

    def _print_Abs(self, expr: sp.Expr) -> str:
        return f"jnp.abs({self._print(expr.args[0])})"

    def _print_conjugate(self, expr: sp.Expr) -> str:
        return f"jnp.conjugate({self._print(expr.args[0])})"

    # -- IR functions --------------------------------------------------------------------
    def _print_maxi(self, expr: sp.Expr) -> str:
        return f"jnp.maximum({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_mini(self, expr: sp.Expr) -> str:
        return f"jnp.minimum({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Round(self, expr: sp.Expr) -> str:
        return f"jnp.round({self._print(expr.args[0])})"

    def _print_ArraySum(self, expr: sp.Expr) -> str:
        return f"jnp.sum({self._print(expr.args[0])})"

    def _print_ArrayMean(self, expr: sp.Expr) -> str:
        return f"jnp.mean({self._print(expr.args[0])})"

    def _print_ArrayMax(self, expr: sp.Expr) -> str:
        return f"jnp.max({self._print(expr.args[0])})"

    def _print_ArrayMin(self, expr: sp.Expr) -> str:
        return f"jnp.min({self._print(expr.args[0])})"

    def _print_Dot(self, expr: sp.Expr) -> str:
        return f"jnp.dot({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Roll(self, expr: sp.Expr) -> str:
        return f"jnp.roll({self._print(expr.args[0])}, {self._static_int(expr.args[1], expr)})"

    def _print_Slice(self, expr: sp.Expr) -> str:
        x, a, b = expr.args
        lo, hi = self._static_int(a, expr), self._static_int(b, expr)
        return f"{self.parenthesize(x, 1000)}[{lo}:{hi}]"

    def _print_Randn(self, expr: sp.Expr) -> str:
        """A standard-normal draw keyed by the evaluation time and the occurrence number."""
        self._randn_count = getattr(self, "_randn_count", 0) + 1
        return f"_randn(t, {self._randn_count})"

    def _static_int(self, arg: sp.Basic, expr: sp.Expr) -> str:
        """An integer known at generation time (shapes must be static under ``jax.jit``)."""
        value = self._constants.get(str(arg)) if isinstance(arg, sp.Symbol) else arg
        try:
            return str(int(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise EquationError(f"the jax backend needs a constant integer in '{expr}' (shapes "
                                f"are fixed when the loop is compiled); got '{arg}'") from None

    def _print_Concatenate(self, expr: sp.Expr) -> str:
        parts = ", ".join(f"jnp.atleast_1d({self._print(a)})" for a in expr.args)
        return f"jnp.concatenate(({parts},))"

    def _print_Interp(self, expr: sp.Expr) -> str:
        x, xp, fp = (self._print(a) for a in expr.args)
        return f"jnp.interp({x}, {xp}, {fp})"

    def _print_Index(self, expr: sp.Expr) -> str:
        x, idx = expr.args
        return f"{self.parenthesize(x, 1000)}[{self._print(idx)}]"

    def _print_EdgeSum(self, expr: sp.Expr) -> str:
        if self._edge_sum is None:
            return self._print_not_supported(expr)
        return self._edge_sum(int(expr.args[1]), self._print(expr.args[0]))

    def _print_Past(self, expr: sp.Expr) -> str:
        if self._past is None:
            return self._print_not_supported(expr)
        return self._past(expr)
