"""Sympy's Fortran printer, made strict and taught the IR functions of PyRates.

Symbols are printed through a name table (Fortran names are case-insensitive and may not
start with an underscore, so IR names are mapped to unique lower-case identifiers by
:func:`fortran_names`). ``EdgeSum`` and ``Past`` are printed as the names of temporaries
that the code generator computes before the statement that uses them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import sympy as sp
from sympy.printing.fortran import FCodePrinter

from pyrates_core.errors import EquationError

__all__ = ["FortranPrinter", "SUPPORTED_FUNCTIONS", "fortran_names", "RESERVED"]

SUPPORTED_FUNCTIONS = frozenset(
    {"maxi", "mini", "Round", "ArraySum", "ArrayMean", "ArrayMax", "ArrayMin", "Dot", "Roll",
     "Slice", "Randn", "Concatenate", "Interp", "Past", "Index", "EdgeSum"}
)
"""IR functions of :mod:`pyrates_core.functions` this printer knows."""

RESERVED = frozenset({
    "t", "y", "dy", "n", "e", "m", "p", "ip", "u", "pi", "i", "j", "k", "status", "method",
    "stride", "row", "dt", "real", "int", "abs", "exp", "log", "sin", "cos", "tan", "sqrt",
    "sum", "size", "max", "min", "merge", "sign", "huge", "spread", "end", "do", "if", "then",
    "else", "call", "function", "subroutine", "module", "contains", "program", "type", "data",
    "go", "to", "in", "out", "result", "integer", "complex", "logical", "character", "par",
    "func", "stpnt", "bcnd", "icnd", "fopt", "pvls", "ndim", "icp", "ijac", "f", "dfdu", "dfdp",
})
"""Identifiers the generated code uses itself (IR names that collide get a suffix)."""

_MAX_LEN = 60


def fortran_names(names: list[str]) -> dict[str, str]:
    """Unique, case-insensitive Fortran identifiers for the IR names, in the given order."""
    out: dict[str, str] = {}
    used: set[str] = set(RESERVED)
    for name in names:
        base = re.sub(r"[^a-z0-9_]", "_", name.lower()).lstrip("_") or "v"
        if not base[0].isalpha():
            base = "v" + base
        base = base[:_MAX_LEN]
        cand, k = base, 1
        while cand in used or cand.startswith("pr_"):
            cand = f"{base[:_MAX_LEN - 4]}_{k}" if not base.startswith("pr_") else f"v{base}_{k}"
            k += 1
        used.add(cand)
        out[name] = cand
    return out


class FortranPrinter(FCodePrinter):
    """Strict free-form Fortran 95 printer for IR expressions.

    ``names`` maps IR symbol names to Fortran identifiers, ``sizes`` gives the number of
    elements of every array symbol (size-1 symbols are Fortran scalars), ``temps`` returns
    the Fortran name of the temporary that holds an ``EdgeSum`` or ``Past`` term,
    ``complex_`` selects ``complex(8)`` literals and ``matrices`` maps matrix parameters to
    their shapes.
    """

    def __init__(self, names: Mapping[str, str], sizes: Mapping[str, int],
                 temps: Callable[[sp.Expr], str] | None = None, complex_: bool = False,
                 matrices: Mapping[str, tuple[int, int]] | None = None) -> None:
        super().__init__({"source_format": "free", "standard": 95, "strict": True})
        self._names = dict(names)
        self._sizes = dict(sizes)
        self._temps = temps
        self._complex = complex_
        self._matrices = dict(matrices or {})

    # -- general -----------------------------------------------------------------------
    def _print_not_supported(self, expr: sp.Basic) -> str:
        name = getattr(getattr(expr, "func", None), "__name__", type(expr).__name__)
        raise EquationError(
            f"the fortran backend cannot print the function '{name}' (in '{expr}'); supported "
            f"IR functions: {', '.join(sorted(SUPPORTED_FUNCTIONS))} plus sympy's elementary "
            "functions")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr.name not in self._names:
            raise EquationError(f"the symbol '{expr.name}' is not a state, input, assignment or "
                                "parameter of the system")
        return self._names[expr.name]

    def _print_Integer(self, expr: sp.Integer) -> str:
        value = int(expr)
        return f"{value}.0d0" if abs(value) >= 2**31 - 1 else str(value)

    def _print_NumberSymbol(self, expr: sp.Expr) -> str:
        return self._print(sp.Float(expr.evalf(17), 17))

    def _print_Pi(self, expr: sp.Expr) -> str:
        return self._print_NumberSymbol(expr)

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return self._print_NumberSymbol(expr)

    def _print_ImaginaryUnit(self, expr: sp.Expr) -> str:
        return "(0.0d0, 1.0d0)"

    def _print_floor(self, expr: sp.Expr) -> str:
        return f"real(floor({self._print(expr.args[0])}), 8)"

    def _print_ceiling(self, expr: sp.Expr) -> str:
        return f"real(ceiling({self._print(expr.args[0])}), 8)"

    def _print_re(self, expr: sp.Expr) -> str:
        return f"real({self._print(expr.args[0])}, 8)"

    def _print_im(self, expr: sp.Expr) -> str:
        return f"aimag({self._print(expr.args[0])})"

    def _print_arg(self, expr: sp.Expr) -> str:
        x = self._print(expr.args[0])
        return f"atan2(aimag({x}), real({x}, 8))"

    def _print_sign(self, expr: sp.Expr) -> str:
        x = self._print(expr.args[0])
        return f"merge(0.0d0, sign(1.0d0, real({x}, 8)), real({x}, 8) == 0.0d0)"

    # -- IR functions --------------------------------------------------------------------
    def _real_arg(self, arg: sp.Expr) -> str:
        """An argument of ``max``/``min``: numbers as double literals (same kind required)."""
        if isinstance(arg, sp.Number):
            return self._print(sp.Float(arg, 17))
        return self._print(arg)

    def _print_maxi(self, expr: sp.Expr) -> str:
        a, b = (self._real_arg(arg) for arg in expr.args)
        return f"max({a}, {b})"

    def _print_mini(self, expr: sp.Expr) -> str:
        a, b = (self._real_arg(arg) for arg in expr.args)
        return f"min({a}, {b})"

    def _print_Round(self, expr: sp.Expr) -> str:
        return f"pr_rint({self._print(expr.args[0])})"

    def _size(self, expr: sp.Expr) -> int:
        if isinstance(expr, sp.Symbol):
            return self._sizes.get(expr.name, 1)
        return 0  # unknown / computed: let Fortran decide

    def _print_ArraySum(self, expr: sp.Expr) -> str:
        x = expr.args[0]
        if self._size(x) == 1:
            return self._print(x)
        return f"sum({self._print(x)})"

    def _print_ArrayMean(self, expr: sp.Expr) -> str:
        x = expr.args[0]
        if self._size(x) == 1:
            return self._print(x)
        code = self._print(x)
        return f"(sum({code}) / size({code}))"

    def _print_ArrayMax(self, expr: sp.Expr) -> str:
        x = expr.args[0]
        return self._print(x) if self._size(x) == 1 else f"maxval({self._print(x)})"

    def _print_ArrayMin(self, expr: sp.Expr) -> str:
        x = expr.args[0]
        return self._print(x) if self._size(x) == 1 else f"minval({self._print(x)})"

    def _print_Dot(self, expr: sp.Expr) -> str:
        a, b = expr.args
        if isinstance(a, sp.Symbol) and a.name in self._matrices:
            return f"matmul({self._print(a)}, {self._print(b)})"
        if self._size(a) == 1 or self._size(b) == 1:
            return f"({self._print(a)}) * ({self._print(b)})"
        return f"dot_product({self._print(a)}, {self._print(b)})"

    def _print_Roll(self, expr: sp.Expr) -> str:
        x, k = expr.args
        if self._size(x) == 1:
            return self._print(x)
        return f"cshift({self._print(x)}, -int({self._print(k)}))"

    def _print_Slice(self, expr: sp.Expr) -> str:
        x, a, b = expr.args
        if not isinstance(x, sp.Symbol):
            raise EquationError(f"Slice() of the expression '{x}' is not supported by the "
                                "fortran backend; slice a symbol")
        if isinstance(a, sp.Integer) and isinstance(b, sp.Integer) and int(b) - int(a) == 1:
            return self._print(x) if self._size(x) == 1 else f"{self._print(x)}({int(b)})"
        lo = str(int(a) + 1) if isinstance(a, sp.Integer) else f"int({self._print(a)}) + 1"
        hi = str(int(b)) if isinstance(b, sp.Integer) else f"int({self._print(b)})"
        return f"{self._print(x)}({lo}:{hi})"

    def _print_Randn(self, expr: sp.Expr) -> str:
        return "pr_randn()"

    def _print_Concatenate(self, expr: sp.Expr) -> str:
        return "(/ " + ", ".join(self._print(a) for a in expr.args) + " /)"

    def _print_Interp(self, expr: sp.Expr) -> str:
        x, xp, fp = (self._print(arg) for arg in expr.args)
        return f"pr_interp({x}, {xp}, {fp})"

    def _print_Index(self, expr: sp.Expr) -> str:
        x, idx = expr.args
        if isinstance(idx, sp.Integer):
            return self._print(x) if self._size(x) == 1 else f"{self._print(x)}({int(idx) + 1})"
        if not isinstance(idx, sp.Symbol):
            raise EquationError(f"Index() needs an integer or an integer parameter as index, "
                                f"got '{idx}'")
        if self._size(x) == 1 and isinstance(x, sp.Symbol):
            n = self._sizes.get(idx.name, 1)
            return self._print(x) if n == 1 else f"spread({self._print(x)}, 1, {n})"
        if not isinstance(x, sp.Symbol):
            raise EquationError(f"Index() of the expression '{x}' is not supported by the "
                                "fortran backend; index a symbol")
        return f"{self._print(x)}({self._print(idx)})"

    def _print_EdgeSum(self, expr: sp.Expr) -> str:
        if self._temps is None:
            return self._print_not_supported(expr)
        return self._temps(expr)

    def _print_Past(self, expr: sp.Expr) -> str:
        if self._temps is None:
            return self._print_not_supported(expr)
        return self._temps(expr)

    def _print_Element(self, expr: sp.Expr) -> str:
        """``Element(x, k)`` of the core's element loops: ``x(k)`` (size-1 symbols are
        Fortran scalars: ``x``).
        """
        x, k = expr.args
        if self._size(x) == 1:
            return self._print(x)
        return f"{self._print(x)}({self._print(k)})"

    def register(self, sizes: Mapping[str, int | None]) -> None:
        """Make the code generator's own symbols (temporaries, loop index) printable as
        themselves; ``sizes``: their number of elements (``None`` or 1: a Fortran scalar).
        """
        for name, size in sizes.items():
            self._names[name] = name
            self._sizes[name] = size or 1

    def code(self, expr: sp.Expr) -> str:
        """The expression as one line of Fortran (no line wrapping)."""
        return self._print(expr)
