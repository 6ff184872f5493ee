"""What the torch and TensorFlow expression printers share (sympy code printers, strict).

:class:`IRPrinterMixin` goes before a sympy framework printer in the bases
(``class TorchCodePrinter(IRPrinterMixin, TorchPrinter)``) and prints the IR symbols, the
edge sums and ``Past`` terms (through the callbacks of
:class:`pyrates_core.tensor_codegen.TensorDialect`), the helper calls of the generated module
(``_maxi``, ``_mini``, ``_dot``, ``_cat``, ``_interp``) and the row reductions spelled by
:attr:`IRPrinterMixin.reductions`. :func:`numeric_constants` folds number-only
subexpressions before printing, since framework functions take tensors only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import sympy as sp

from pyrates_core.errors import EquationError
from pyrates_core.functions import Randn

__all__ = ["IRPrinterMixin", "numeric_constants"]


def numeric_constants(expr: sp.Expr) -> sp.Expr:
    """Replace number-only subexpressions such as ``sqrt(2)`` or ``exp(1)`` by floats.

    Integers and rationals are kept (they print as Python numbers) and ``Randn()`` (a draw at
    every evaluation) is left alone.
    """
    if expr.is_number and not (expr.is_Rational or expr.is_Float) and not expr.has(Randn):
        value = complex(sp.N(expr, 20))
        return sp.Float(value.real, 17) if value.imag == 0 else \
            sp.Float(value.real, 17) + sp.I * sp.Float(value.imag, 17)
    if not expr.args or expr.is_Atom:
        return expr
    args = [numeric_constants(a) for a in expr.args]
    return expr.func(*args, evaluate=False) if args != list(expr.args) else expr


class IRPrinterMixin:
    """IR symbols, edge sums, ``Past`` and the helper calls, for a strict sympy printer.

    ``names`` maps IR symbols to identifiers, ``edge_sum(k, x_code)`` and ``past(expr)``
    return the code of ``EdgeSum(x, k)`` and ``Past(x, tau)``.
    """

    label: ClassVar[str] = "tensor"
    """The backend's name in error messages."""
    reductions: ClassVar[dict[str, str]] = {}
    """``'ArraySum'``, ``'ArrayMean'``, ``'ArrayMax'``, ``'ArrayMin'`` -> code with ``{x}``,
    reducing the element axis and keeping it (``(B, 1)``)."""

    _print: Callable[[Any], str]

    def __init__(self, names: Mapping[str, str], edge_sum: Callable[[int, str], str],
                 past: Callable[[sp.Expr], str]) -> None:
        super().__init__({"strict": True})  # type: ignore[call-arg]
        self._names = dict(names)
        self._edge_sum = edge_sum
        self._past = past

    def _print_not_supported(self, expr: sp.Basic) -> str:
        name = getattr(getattr(expr, "func", None), "__name__", type(expr).__name__)
        raise EquationError(f"the {self.label} backend cannot print the function '{name}' in "
                            f"{expr}")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.name not in self._names:
            raise EquationError(f"unknown symbol '{expr.name}' in a generated {self.label} "
                                "expression")
        return self._names[expr.name]

    def _print_ImaginaryUnit(self, expr: sp.Basic) -> str:
        return "1j"

    def _helper(self, name: str, expr: sp.Expr) -> str:
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_maxi(self, expr: sp.Expr) -> str:
        return self._helper("_maxi", expr)

    def _print_mini(self, expr: sp.Expr) -> str:
        return self._helper("_mini", expr)

    def _print_Dot(self, expr: sp.Expr) -> str:
        return self._helper("_dot", expr)

    def _print_Concatenate(self, expr: sp.Expr) -> str:
        return self._helper("_cat", expr)

    def _print_Interp(self, expr: sp.Expr) -> str:
        return self._helper("_interp", expr)

    def _reduce(self, kind: str, expr: sp.Expr) -> str:
        return self.reductions[kind].format(x=self._print(expr.args[0]))

    def _print_ArraySum(self, expr: sp.Expr) -> str:
        return self._reduce("ArraySum", expr)

    def _print_ArrayMean(self, expr: sp.Expr) -> str:
        return self._reduce("ArrayMean", expr)

    def _print_ArrayMax(self, expr: sp.Expr) -> str:
        return self._reduce("ArrayMax", expr)

    def _print_ArrayMin(self, expr: sp.Expr) -> str:
        return self._reduce("ArrayMin", expr)

    def _print_EdgeSum(self, expr: sp.Expr) -> str:
        return self._edge_sum(int(expr.args[1]), self._print(expr.args[0]))

    def _print_Past(self, expr: sp.Expr) -> str:
        return self._past(expr)
