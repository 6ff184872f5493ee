"""Equation parsing: accepted forms, functions, and errors that name the culprit."""

import pytest
import sympy as sp

from pyrates_core.equations import parse_equation, split_equation
from pyrates_core.errors import EquationError
from pyrates_core.functions import (
    ArrayMax,
    ArrayMin,
    ArraySum,
    Dot,
    Index,
    Past,
    Randn,
    Roll,
    Slice,
    maxi,
)


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


def test_delayed_call_notation_is_past(syms):
    """1.x's x(t - d) is past(x, d), nested and with parenthesised delays; functions of
    t - d stay functions."""
    x, y, tau, a = syms["x"], syms["y"], syms["tau"], syms["a"]
    eq = parse_equation("x' = -x(t - tau) + y(t-(tau + a)*2) + sin(t - 1)", syms)
    assert eq.rhs == -Past(x, tau) + Past(y, (tau + a) * 2) + sp.sin(sp.Symbol("t") - 1)
    assert parse_equation("x' = past(x, tau)", syms).rhs == Past(x, tau)
    with pytest.raises(EquationError, match="unknown function.*z"):
        parse_equation("x' = z(t - 1)", syms)


@pytest.mark.parametrize("text, expected", [
    ("maxi(x, y)", lambda s: maxi(s["x"], s["y"])),
    ("maxi(x)", lambda s: ArrayMax(s["x"])),
    ("mini(x)", lambda s: ArrayMin(s["x"])),
    ("vsum(x) + sum(y)", lambda s: ArraySum(s["x"]) + ArraySum(s["y"])),
    ("index(x, 2)", lambda s: Index(s["x"], 2)),
    ("index_axis(x, 1)", lambda s: Index(s["x"], 1)),
    ("index_axis(x)", lambda s: s["x"]),
    ("index_range(x, 1, 3)", lambda s: Slice(s["x"], 1, 3)),
    ("matvec(a, x)", lambda s: Dot(s["a"], s["x"])),
    ("matmul(a, x)", lambda s: Dot(s["a"], s["x"])),
    ("roll(x, 1)", lambda s: Roll(s["x"], 1)),
    ("no_op(x)", lambda s: s["x"]),
    ("absv(x) + sign(x)", lambda s: sp.Abs(s["x"]) + sp.sign(s["x"])),
])
def test_original_function_table(syms, text, expected):
    """The function names of PyRates 1.x's backend tables, with their 1.x meaning."""
    assert parse_equation(f"y = {text}", syms).rhs == expected(syms)
    assert isinstance(parse_equation("y = randn()", syms).rhs, Randn)


def test_bad_index_is_an_error_naming_the_function(syms):
    with pytest.raises(EquationError, match="index.*integers"):
        parse_equation("y = index(x, 1.5)", syms, "op 'o'")
    with pytest.raises(EquationError, match="axis"):
        parse_equation("y = index_axis(x, 1, 1)", syms)
