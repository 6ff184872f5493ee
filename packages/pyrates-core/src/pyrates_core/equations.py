"""Parsing of equation strings in the PyRates syntax into sympy.

Accepted forms::

    d/dt * x = rhs        # differential equation
    x' = rhs              # differential equation
    y = rhs               # algebraic equation (y is computed from rhs)

``^`` is a power, as is ``**``. ``x(t - d)`` (a declared variable called with ``t`` minus a
delay) is the delayed value ``past(x, d)``, as in PyRates 1.x. Function names are those of
:data:`pyrates_core.functions.EQUATION_FUNCTIONS`; ``pi``, ``I`` (imaginary unit) and ``t``
(time) are predefined. Any other name must be a declared variable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.parsing.sympy_parser import (
    auto_number,
    auto_symbol,
    convert_xor,
    factorial_notation,
    parse_expr,
    repeated_decimals,
)

from pyrates_core.errors import EquationError
from pyrates_core.functions import EQUATION_FUNCTIONS, IR_FUNCTIONS

__all__ = [
    "ParsedEquation",
    "equation_names",
    "parse_equation",
    "rewrite_delayed_calls",
    "split_equation",
]

_DIFF_PATTERNS = (
    re.compile(r"^\s*d\s*/\s*dt\s*\*\s*([A-Za-z_]\w*)\s*$"),
    re.compile(r"^\s*([A-Za-z_]\w*)\s*'\s*$"),
)
_ALG_PATTERN = re.compile(r"^\s*([A-Za-z_]\w*)\s*$")
_NAME = re.compile(r"[A-Za-z_]\w*")
_TRANSFORMS = (auto_symbol, repeated_decimals, auto_number, factorial_notation, convert_xor)
RESERVED = {"t", "pi", "I"}
"""Names with a predefined meaning in equations."""


@dataclass(frozen=True)
class ParsedEquation:
    """One equation: ``lhs`` is the defined variable, ``differential`` says whether it is an ODE."""

    lhs: str
    rhs: sp.Expr
    differential: bool
    text: str


def split_equation(text: str) -> tuple[str, str, bool]:
    """Split ``text`` into (defined variable, right-hand side string, is differential)."""
    if text.count("=") != 1 or "==" in text:
        raise EquationError(
            f"equation '{text}' must contain exactly one '=' (forms: 'd/dt * x = ...', "
            "\"x' = ...\", 'y = ...')"
        )
    left, right = (part.strip() for part in text.split("="))
    if not right:
        raise EquationError(f"equation '{text}' has an empty right-hand side")
    for pattern in _DIFF_PATTERNS:
        m = pattern.match(left)
        if m:
            return m.group(1), right, True
    m = _ALG_PATTERN.match(left)
    if m:
        return m.group(1), right, False
    raise EquationError(
        f"cannot read the left-hand side '{left}' of equation '{text}': use 'd/dt * x', \"x'\" "
        "or a single variable name"
    )


def equation_names(text: str) -> set[str]:
    """All identifiers that occur in an equation string (variables and functions)."""
    return set(_NAME.findall(text.replace("d/dt", "")))


_DELAYED_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(\s*t\s*-")


def _closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one opened just before ``start`` (-1 if none)."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def rewrite_delayed_calls(text: str, variables: Iterable[str]) -> str:
    """Turn ``x(t - d)`` into ``past(x, d)`` for every name in ``variables`` (nested too)."""
    names = set(variables)
    out, pos = [], 0
    while True:
        m = _DELAYED_CALL.search(text, pos)
        if m is None:
            out.append(text[pos:])
            return "".join(out)
        end = _closing(text, m.end())
        if m.group(1) not in names or end < 0:
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        delay = rewrite_delayed_calls(text[m.end():end], names).strip()
        out.append(f"{text[pos:m.start()]}past({m.group(1)}, {delay})")
        pos = end + 1


def parse_expression(
    text: str, symbols: dict[str, sp.Symbol], where: str = ""
) -> sp.Expr:
    """Parse an expression string; every name must be a function, reserved or in ``symbols``."""
    local: dict[str, object] = dict(EQUATION_FUNCTIONS)
    local.update({"pi": sp.pi, "I": sp.I, "t": sp.Symbol("t")})
    local.update(symbols)
    global_dict: dict[str, object] = {}
    exec("from sympy import Integer, Float, Rational, Symbol, Function", global_dict)  # noqa: S102
    loc = f" in {where}" if where else ""
    text = rewrite_delayed_calls(text, [n for n, v in symbols.items()
                                        if isinstance(v, sp.Symbol) and n not in RESERVED])
    try:
        expr = parse_expr(text, local_dict=local, global_dict=global_dict,
                          transformations=_TRANSFORMS, evaluate=True)
    except (SyntaxError, TypeError, ValueError, sp.SympifyError) as err:
        raise EquationError(f"cannot parse '{text}'{loc}: {err}") from err
    if not isinstance(expr, sp.Expr):
        raise EquationError(f"'{text}'{loc} is not an expression")
    unknown_funcs = sorted({type(f).__name__ for f in expr.atoms(AppliedUndef)}
                           - {f.__name__ for f in _custom_functions()})
    if unknown_funcs:
        allowed = ", ".join(sorted(EQUATION_FUNCTIONS))
        raise EquationError(
            f"unknown function(s) {', '.join(unknown_funcs)} in '{text}'{loc}. "
            f"Allowed functions: {allowed}"
        )
    known = {s.name for s in symbols.values() if isinstance(s, sp.Symbol)} | RESERVED
    undefined = sorted(s.name for s in expr.free_symbols if s.name not in known)
    if undefined:
        raise EquationError(
            f"undefined symbol(s) {', '.join(repr(u) for u in undefined)} in '{text}'{loc}: "
            "declare them under 'variables' (a constant, 'input(0.0)', 'output(0.0)' or "
            "'variable(0.0)')"
        )
    return expr


def _custom_functions() -> Iterable[type]:
    return [*IR_FUNCTIONS, *(f for f in EQUATION_FUNCTIONS.values() if isinstance(f, type))]


def parse_equation(text: str, symbols: dict[str, sp.Symbol], where: str = "") -> ParsedEquation:
    """Parse one equation string into a :class:`ParsedEquation`.

    ``symbols`` maps every declared variable name to its sympy symbol; ``where`` names the
    template/operator for error messages.
    """
    lhs, rhs_text, differential = split_equation(text)
    if lhs not in symbols:
        loc = f" in {where}" if where else ""
        raise EquationError(
            f"variable '{lhs}' defined by equation '{text}'{loc} is not declared: add it under "
            f"'variables' (e.g. '{lhs}: output(0.0)' or '{lhs}: variable(0.0)')"
        )
    rhs = parse_expression(rhs_text, symbols, where)
    return ParsedEquation(lhs=lhs, rhs=rhs, differential=differential, text=text)
