"""Equation parsing: accepted forms, functions, and errors that name the culprit."""

import pytest
import sympy as sp

from pyrates_core.equations import parse_equation, split_equation
from pyrates_core.errors import EquationError
from pyrates_core.functions import Past, maxi


@pytest.fixture
def syms():
    return {n: sp.Symbol(f"{n}_g") for n in ("x", "y", "tau", "u", "a")}


@pytest.mark.parametrize("text, lhs, diff", [
    ("d/dt * x = -x/tau", "x", True),
    ("d/dt*x=-x/tau", "x", True),
    ("x' = -x/tau", "x", True),
    ("y = 2*x", "y", False),
])
def test_forms(text, lhs, diff):
    assert split_equation(text)[0] == lhs
    assert split_equation(text)[2] is diff


def test_symbols_are_mapped_and_caret_is_power(syms):
    eq = parse_equation("x' = -x^2/tau + u", syms, "op")
    x, tau, u = syms["x"], syms["tau"], syms["u"]
    assert sp.simplify(eq.rhs - (-x**2 / tau + u)) == 0
    assert eq.differential


def test_sigmoid_expands_and_custom_functions_survive(syms):
    eq = parse_equation("y = sigmoid(a*x) + maxi(x, u) + past(x, tau)", syms)
    x, a = syms["x"], syms["a"]
    assert eq.rhs.has(maxi) and eq.rhs.has(Past)
    sig = eq.rhs - maxi(x, syms["u"]) - Past(x, syms["tau"])
    assert float(sig.subs({x: 0.3, a: 2.0})) == pytest.approx(1 / (1 + 2.718281828459045**-0.6))


def test_predefined_names(syms):
    eq = parse_equation("y = sin(2*pi*t) + I*x", syms)
    assert sp.Symbol("t") in eq.rhs.free_symbols
    assert eq.rhs.has(sp.I)


def test_undefined_symbol_is_named(syms):
    with pytest.raises(EquationError, match=r"'k'.*operator 'foo'"):
        parse_equation("x' = -k*x", syms, "operator 'foo'")


def test_unknown_function_lists_allowed(syms):
    with pytest.raises(EquationError, match=r"unknown function.*bogus.*Allowed"):
        parse_equation("x' = bogus(x)", syms)


def test_python_builtins_are_not_functions(syms):
    with pytest.raises(EquationError, match="max"):
        parse_equation("y = max(x, u)", syms)


def test_undeclared_lhs(syms):
    with pytest.raises(EquationError, match="'z'.*not declared"):
        parse_equation("z' = -x", syms)


@pytest.mark.parametrize("bad", ["x' -x", "x' = ", "2*x = y", "x == y"])
def test_malformed(bad, syms):
    with pytest.raises(EquationError):
        parse_equation(bad, syms)
