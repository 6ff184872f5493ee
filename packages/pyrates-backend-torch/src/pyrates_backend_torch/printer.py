"""Sympy's PyTorch printer, strict, extended by the IR functions of :mod:`pyrates_core.functions`.

Every array in the generated code carries a leading batch axis: states, assignments and inputs
are ``(B, size)`` (``B = 1`` without a batch), real parameters ``(1|B, *shape)``, integer
index parameters stay 1-D. The helpers the printed code calls (``_maxi``, ``_cat``,
``_interp``...) are defined at the top of every generated module
(:data:`pyrates_backend_torch.codegen.HELPERS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp
from sympy.printing.pytorch import TorchPrinter

from pyrates_core.errors import EquationError
from pyrates_core.functions import Randn

__all__ = ["SUPPORTED_FUNCTIONS", "TorchCodePrinter", "numeric_constants"]

SUPPORTED_FUNCTIONS = frozenset(
    {"maxi", "mini", "Round", "ArraySum", "ArrayMean", "ArrayMax", "ArrayMin", "Dot", "Roll",
     "Slice", "Randn", "Concatenate", "Interp", "Past", "Index", "EdgeSum"})
"""IR functions this printer knows."""


def numeric_constants(expr: sp.Expr) -> sp.Expr:
    """Replace number-only subexpressions such as ``sqrt(2)`` or ``exp(1)`` by floats.

    The framework functions (``torch.sqrt``...) accept tensors only, so constants are folded
    before printing; integers and rationals are kept (they print as Python numbers), and
    ``Randn()`` (a draw at every evaluation) is left alone.
    """
    if expr.is_number and not (expr.is_Rational or expr.is_Float) and not expr.has(Randn):
        value = complex(sp.N(expr, 20))
        return sp.Float(value.real, 17) if value.imag == 0 else \
            sp.Float(value.real, 17) + sp.I * sp.Float(value.imag, 17)
    if not expr.args or expr.is_Atom:
        return expr
    args = [numeric_constants(a) for a in expr.args]
    return expr.func(*args, evaluate=False) if args != list(expr.args) else expr


class TorchCodePrinter(TorchPrinter):
    """Print IR expressions as torch code.

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
        raise EquationError(f"the torch backend cannot print the function '{name}' in {expr}")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.name not in self._names:
            raise EquationError(f"unknown symbol '{expr.name}' in a generated torch expression")
        return self._names[expr.name]

    def _print_ImaginaryUnit(self, expr: sp.Basic) -> str:
        return "1j"

    def _print_conjugate(self, expr: sp.Expr) -> str:
        return f"torch.conj({self._print(expr.args[0])})"

    def _print_arg(self, expr: sp.Expr) -> str:
        return f"torch.angle({self._print(expr.args[0])})"

    def _print_maxi(self, expr: sp.Expr) -> str:
        return f"_maxi({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_mini(self, expr: sp.Expr) -> str:
        return f"_mini({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Round(self, expr: sp.Expr) -> str:
        return f"torch.round({self._print(expr.args[0])})"

    def _print_ArraySum(self, expr: sp.Expr) -> str:
        return f"torch.sum({self._print(expr.args[0])}, dim=-1, keepdim=True)"

    def _print_ArrayMean(self, expr: sp.Expr) -> str:
        return f"torch.mean({self._print(expr.args[0])}, dim=-1, keepdim=True)"

    def _print_ArrayMax(self, expr: sp.Expr) -> str:
        return f"torch.amax({self._print(expr.args[0])}, dim=-1, keepdim=True)"

    def _print_ArrayMin(self, expr: sp.Expr) -> str:
        return f"torch.amin({self._print(expr.args[0])}, dim=-1, keepdim=True)"

    def _print_Dot(self, expr: sp.Expr) -> str:
        return f"_dot({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Roll(self, expr: sp.Expr) -> str:
        x, k = (self._print(arg) for arg in expr.args)
        return f"torch.roll({x}, int({k}), dims=-1)"

    def _print_Slice(self, expr: sp.Expr) -> str:
        x, a, b = expr.args
        return f"{self.parenthesize(x, 1000)}[:, int({self._print(a)}):int({self._print(b)})]"

    def _print_Randn(self, expr: sp.Expr) -> str:
        return "torch.randn((y.shape[0], 1), dtype=y.real.dtype, device=y.device)"

    def _print_Concatenate(self, expr: sp.Expr) -> str:
        return f"_cat({', '.join(self._print(a) for a in expr.args)})"

    def _print_Interp(self, expr: sp.Expr) -> str:
        return f"_interp({', '.join(self._print(a) for a in expr.args)})"

    def _print_Index(self, expr: sp.Expr) -> str:
        x, idx = expr.args
        if isinstance(idx, sp.Integer):  # keep the element axis: (batch, 1)
            return f"{self.parenthesize(x, 1000)}[:, {int(idx)}:{int(idx) + 1}]"
        return f"{self.parenthesize(x, 1000)}[:, {self._print(idx)}]"

    def _print_EdgeSum(self, expr: sp.Expr) -> str:
        return self._edge_sum(int(expr.args[1]), self._print(expr.args[0]))

    def _print_Past(self, expr: sp.Expr) -> str:
        return self._past(expr)
