"""Identifier mangling (pyrates_core.identifiers) and argument layout (pyrates_core.arg_layout)."""

import keyword
import random

import numpy as np
import pytest
import sympy as sp

from pyrates_core.arg_layout import (
    array_symbols,
    check_func_name,
    default_arguments,
    is_array,
    param_arguments,
    symbol_names,
)
from pyrates_core.compile import compile_network
from pyrates_core.functions import ArraySum, Dot, EdgeSum, Index, Past
from pyrates_core.identifiers import PYTHON_KEYWORDS, Identifiers, python_identifier
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef, OperatorDef, parse_variable


def _node():
    decl = {k: parse_variable(v, k) for k, v in
            {"r": "output(0.5)", "tau": 2.0, "m_in": "input(0.0)", "k": [1.0, 2.0]}.items()}
    return NodeDef({"li": OperatorDef("li", ["r' = -r/tau + tanh(m_in) + sum(k)"], decl)}, "li")


def _system():
    net = NetworkDef({"a": _node(), "b": _node()}, [EdgeDef("a/li/r", "b/li/m_in", weight=2.0)])
    return compile_network(net, inputs={"a/li/m_in"})


def test_identifiers_mangle_and_never_repeat():
    """Non-word characters become '_', clashes get counters, reserved names are skipped."""
    ident = Identifiers({"x", "lambda"} | PYTHON_KEYWORDS)
    assert ident("p/op/v") == "p_op_v"
    assert [ident("x"), ident("x"), ident("x")] == ["x_2", "x_3", "x_4"]
    assert ident("lambda") == "lambda_2" and ident("for") == "for_2"
    assert ident("1st") == "_1st" and ident("") == "v"
    assert python_identifier("9") == "_9"
    rng = random.Random(1)
    labels = ["".join(rng.choice("ab1/_ .") for _ in range(rng.randint(0, 4))) for _ in range(300)]
    out = [ident(s) for s in labels]
    assert len(set(out)) == len(out)
    assert all(o.isidentifier() and not keyword.iskeyword(o) for o in out)


def test_identifiers_max_length_keeps_names_unique():
    """With max_length the counter replaces the tail: every name fits and none repeats."""
    ident = Identifiers(max_length=8)
    out = [ident("a_very_long_name") for _ in range(12)]
    assert out[0] == "a_very_l" and out[1] == "a_very_2" and out[11] == "a_ver_12"
    assert len(set(out)) == 12 and all(len(o) <= 8 for o in out)
    with pytest.raises(ValueError, match="max_length"):
        Identifiers(max_length=2)


def test_symbol_names_cover_every_symbol():
    """The time is 't'; states, params, inputs, assignments and extras get unique identifiers."""
    system = _system()
    names = symbol_names(system, Identifiers({"t"}), extra=["aux/1"])
    expected = {system.time.name, *(s.name for s in system.states), *system.params,
                *system.inputs, *(a.name for a in system.assignments), "aux/1"}
    assert set(names) == expected
    assert names[system.time.name] == "t" and names["aux/1"] == "aux_1"
    assert len(set(names.values())) == len(names)


def test_check_func_name():
    """Keywords, non-identifiers, reserved and taken names are refused, others pass."""
    check_func_name("rhs", {"y"}, ["r"])
    for bad in ("for", "1f", "a-b"):
        with pytest.raises(ValueError, match="not a usable identifier"):
            check_func_name(bad)
    with pytest.raises(ValueError, match="not a usable identifier"):
        check_func_name("y", {"y"})
    with pytest.raises(ValueError, match="clashes with a model symbol"):
        check_func_name("r", taken=["r"])


def test_array_convention():
    """States, inputs, assignments and vector parameters are arrays; reductions are scalars."""
    system = _system()
    arrays = array_symbols(system)
    scalar = next(n for n, p in system.params.items() if np.ndim(p.value) == 0)
    vector = next(n for n, p in system.params.items() if np.ndim(p.value) == 1)
    r, tau, k = sp.Symbol(system.states[0].name), sp.Symbol(scalar), sp.Symbol(vector)
    assert r.name in arrays and tau.name not in arrays and k.name in arrays
    assert set(system.inputs) <= arrays and {a.name for a in system.assignments} <= arrays
    assert is_array(r / tau, arrays) and not is_array(2 * tau, arrays)
    assert not is_array(ArraySum(r), arrays)
    assert is_array(EdgeSum(r, 0), arrays) and is_array(Past(r, tau), arrays)
    assert not is_array(Index(r, sp.Integer(0)), arrays) and is_array(Index(r, k), arrays)
    assert is_array(Dot(k, r), arrays) and not is_array(Dot(r, tau), arrays)


def test_default_arguments_follow_the_system():
    """Parameters in order (scalars as Python numbers, arrays in the value dtype), then the
    inputs' defaults."""
    system = _system()
    args = default_arguments(system)
    n_par = len(system.params)
    assert len(args) == n_par + len(system.inputs)
    for value, p in zip(args, system.params.values()):
        if np.ndim(p.value) == 0:
            assert isinstance(value, float) and value == float(p.value)
        else:
            assert value.dtype == system.value_dtype and np.array_equal(value, p.value)
    for value, spec in zip(args[n_par:], system.inputs.values()):
        assert np.array_equal(value, spec.default) and value.dtype == system.value_dtype
    ints = param_arguments(system, {"tau": np.array([1, 2])}, ["tau"])
    assert ints[0].dtype.kind == "i"
