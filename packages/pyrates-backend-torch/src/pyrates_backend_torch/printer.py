"""Sympy's PyTorch printer, strict, extended by the IR functions of :mod:`pyrates_core.functions`.

Every array in the generated code carries a leading batch axis: states, assignments and inputs
are ``(B, size)`` (``B = 1`` without a batch), real parameters ``(1|B, *shape)``, integer
index parameters stay 1-D. The helpers the printed code calls (``_maxi``, ``_cat``,
``_interp``...) are defined at the top of every generated module
(:data:`pyrates_backend_torch.codegen.HELPERS`).
"""

from __future__ import annotations

from typing import ClassVar

import sympy as sp
from sympy.printing.pytorch import TorchPrinter

from pyrates_core.tensor_printing import IRPrinterMixin, numeric_constants

__all__ = ["SUPPORTED_FUNCTIONS", "TorchCodePrinter", "numeric_constants"]

SUPPORTED_FUNCTIONS = frozenset(
    {"maxi", "mini", "Round", "ArraySum", "ArrayMean", "ArrayMax", "ArrayMin", "Dot", "Roll",
     "Slice", "Randn", "Concatenate", "Interp", "Past", "Index", "EdgeSum"})
"""IR functions this printer knows."""


class TorchCodePrinter(IRPrinterMixin, TorchPrinter):
    """Print IR expressions as torch code.

    ``names`` maps IR symbols to identifiers, ``edge_sum(k, x_code)`` and ``past(expr)``
    return the code of ``EdgeSum(x, k)`` and ``Past(x, tau)``; the IR symbols, edge sums,
    helper calls and reductions come from ``pyrates_core.tensor_printing.IRPrinterMixin``.
    """

    label = "torch"
    reductions: ClassVar[dict[str, str]] = {
        "ArraySum": "torch.sum({x}, dim=-1, keepdim=True)",
        "ArrayMean": "torch.mean({x}, dim=-1, keepdim=True)",
        "ArrayMax": "torch.amax({x}, dim=-1, keepdim=True)",
        "ArrayMin": "torch.amin({x}, dim=-1, keepdim=True)",
    }

    def _print_conjugate(self, expr: sp.Expr) -> str:
        return f"torch.conj({self._print(expr.args[0])})"

    def _print_arg(self, expr: sp.Expr) -> str:
        return f"torch.angle({self._print(expr.args[0])})"

    def _print_Round(self, expr: sp.Expr) -> str:
        return f"torch.round({self._print(expr.args[0])})"

    def _print_Roll(self, expr: sp.Expr) -> str:
        x, k = (self._print(arg) for arg in expr.args)
        return f"torch.roll({x}, int({k}), dims=-1)"

    def _print_Slice(self, expr: sp.Expr) -> str:
        x, a, b = expr.args
        return f"{self.parenthesize(x, 1000)}[:, int({self._print(a)}):int({self._print(b)})]"

    def _print_Randn(self, expr: sp.Expr) -> str:
        return "torch.randn((y.shape[0], 1), dtype=y.real.dtype, device=y.device)"

    def _print_Index(self, expr: sp.Expr) -> str:
        x, idx = expr.args
        if isinstance(idx, sp.Integer):  # keep the element axis: (batch, 1)
            return f"{self.parenthesize(x, 1000)}[:, {int(idx)}:{int(idx) + 1}]"
        return f"{self.parenthesize(x, 1000)}[:, {self._print(idx)}]"
