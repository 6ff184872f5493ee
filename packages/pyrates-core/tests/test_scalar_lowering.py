"""Lowering to scalar element loops: executed statements equal a direct vector evaluation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp

from pyrates_core import testing
from pyrates_core.compile import compile_network
from pyrates_core.errors import EquationError
from pyrates_core.functions import ArrayMean, ArraySum, Dot, Index, Roll, Slice
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef, OperatorDef, parse_variable
from pyrates_core.scalar_lowering import (
    SIZE_CHANGING,
    Element,
    ElementLoop,
    ScalarLowering,
    Temporary,
    lower_vector_field,
)
from pyrates_core.system import Assignment, ParameterSpec, StateSpec, SystemIR


# -- systems ---------------------------------------------------------------------------------
def _op(name: str, eqs: list[str], variables: dict[str, Any]) -> OperatorDef:
    return OperatorDef(name, eqs, {k: parse_variable(v, k) for k, v in variables.items()})


def _rpo(name: str, h: float, tau: float) -> OperatorDef:
    return _op(name, ["d/dt * V = V_t", "d/dt * V_t = h/tau * m_in - 2/tau * V_t - V/tau^2"],
               {"V": "output(0.0)", "V_t": "variable(0.0)", "h": h, "tau": tau,
                "m_in": "input(0.0)"})


def _pro() -> OperatorDef:
    return _op("pro", ["m_out = 2*e0 / (1 + exp(r*(v_th - V)))"],
               {"m_out": "output(0.0)", "V": "input(0.0)", "e0": 2.5, "r": 0.56, "v_th": 6.0})


def jrc_system() -> SystemIR:
    """Jansen-Rit: pyramidal cells with an excitatory and an inhibitory synapse, two IN."""
    pc = NodeDef({"rpo_e_in": _rpo("rpo_e_in", 3.25, 10e-3), "rpo_i": _rpo("rpo_i", -22.0, 20e-3),
                  "pro": _pro()}, "pc")
    ein = NodeDef({"rpo_e": _rpo("rpo_e", 3.25, 10e-3), "pro": _pro()}, "in")
    iin = NodeDef({"rpo_e": _rpo("rpo_e", 3.25, 10e-3), "pro": _pro()}, "in")
    c = 135.0
    edges = [EdgeDef("pc/pro/m_out", "ein/rpo_e/m_in", c),
             EdgeDef("pc/pro/m_out", "iin/rpo_e/m_in", 0.25 * c),
             EdgeDef("ein/pro/m_out", "pc/rpo_e_in/m_in", 0.8 * c),
             EdgeDef("iin/pro/m_out", "pc/rpo_i/m_in", 0.25 * c)]
    return compile_network(NetworkDef({"pc": pc, "ein": ein, "iin": iin}, edges))


def delayed_network(n: int = 10) -> SystemIR:
    """``n`` leaky integrators with random delayed edges and a ``past`` term."""
    rng = np.random.default_rng(3)
    nodes = {}
    for i in range(n):
        nodes[f"n{i}"] = NodeDef({"li": _op(
            "li", ["r' = (r0 - r)/tau + m_in + 0.1*past(r, 0.2) - 0.5*sum(r)"],
            {"r": f"output({rng.uniform(-1, 1)})", "r0": float(rng.uniform(0, 1)),
             "tau": 1.0 + i % 3, "m_in": "input(0.0)"})}, "li")
    edges = [EdgeDef(f"n{i}/li/r", f"n{j}/li/m_in", float(rng.uniform(-1, 1)),
                     float(rng.choice([0.0, 0.5, 1.5])))
             for i in range(n) for j in range(n) if rng.uniform() < 0.4]
    return compile_network(NetworkDef(nodes, edges))


def mixed_system() -> SystemIR:
    """Size-1 state and scalar parameter broadcast into vectors, matrix-vector products."""
    x, s, c, mat, t, a = sp.symbols("x s c mat t a")
    params = {"c": ParameterSpec("c", np.array(0.7)),
              "mat": ParameterSpec("mat", np.arange(9.0).reshape(3, 3) / 7)}
    states = [StateSpec("x", 0, np.array([0.3, -1.2, 2.0]), ["x0", "x1", "x2"]),
              StateSpec("s", 3, np.array([0.4]), ["s"])]
    assignments = [Assignment("a", c * x * s + sp.sin(t) + ArraySum(2 * x), 3,
                              ["a0", "a1", "a2"])]
    derivs = [-a + Dot(mat, sp.tanh(x)) * s,
              -s * c + ArrayMean(Slice(x, 1, 3)) + Index(Roll(x * s, 1), 0)]
    return SystemIR(states, derivs, params, {}, assignments)


# -- direct vector evaluation of the IR ------------------------------------------------------
def _modules(system: SystemIR) -> dict[str, Callable[..., Any]]:
    def edge_sum(x: np.ndarray, k: Any) -> np.ndarray:
        b = system.edges[int(k)]
        w = np.broadcast_to(system.params[b.weights].value, (b.n_edges,))
        x = np.broadcast_to(np.asarray(x, dtype=float), (b.n_source,))
        out = np.zeros(b.n_target)
        np.add.at(out, b.target_idx, w * x[b.source_idx] * np.exp(-b.delays))  # fake history
        return out

    def concatenate(*args: Any) -> np.ndarray:
        return np.concatenate([np.atleast_1d(np.asarray(a, dtype=float)) for a in args])

    return {
        "maxi": np.maximum, "mini": np.minimum, "Round": np.rint, "ArraySum": np.sum,
        "ArrayMean": np.mean, "ArrayMax": np.max, "ArrayMin": np.min, "Dot": np.dot,
        "Roll": lambda x, k: np.roll(x, int(k)), "Slice": lambda x, a, b: x[int(a):int(b)],
        "Randn": lambda: 0.25, "Concatenate": concatenate, "Interp": np.interp,
        "Index": lambda x, i: np.asarray(x)[i], "EdgeSum": edge_sum,
        "Past": lambda x, tau: np.cos(x) * tau,  # a fake history, same in both evaluations
    }


def _env(system: SystemIR, y: np.ndarray, t: float) -> dict[str, Any]:
    env: dict[str, Any] = {system.time.name: t}
    env.update({name: p.value for name, p in system.params.items()})
    for s in system.states:
        env[s.name] = y[s.start:s.start + s.size].copy()
    return env


def _value(expr: sp.Expr, env: dict[str, Any], modules: dict[str, Any]) -> Any:
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    func = sp.lambdify(syms, expr, modules=[modules, "numpy"])
    return func(*[env[s.name] for s in syms])


def vector_field(system: SystemIR, y: np.ndarray, t: float) -> np.ndarray:
    """The IR's semantics, whole arrays at a time."""
    mods = _modules(system)
    env = _env(system, y, t)
    for a in system.assignments:
        env[a.name] = np.broadcast_to(_value(a.expr, env, mods), (a.size,)).astype(float)
    return np.concatenate([np.broadcast_to(_value(e, env, mods), (s.size,))
                           for s, e in zip(system.states, system.derivatives)])


def run_statements(system: SystemIR, statements: list[Any], y: np.ndarray, t: float,
                   base: int) -> np.ndarray:
    """Execute lowered statements: temporaries as vector code, loops one element at a time.

    With ``base == 1`` every element index is printed minus one, as a 1-based language
    running on 0-based Python lists would.
    """
    mods = _modules(system)

    def element(x: Any, k: Any) -> Any:
        pos = int(k) - base
        assert 0 <= pos < np.size(x), f"index {k} out of range for base {base}"
        return np.asarray(x)[pos]

    mods["Element"] = element
    env = _env(system, y, t)
    dy = np.full(system.n_state, np.nan)
    for st in statements:
        if isinstance(st, Temporary):
            env[st.name] = _value(st.expr, env, mods)
            continue
        assert not st.expr.atoms(*SIZE_CHANGING)
        syms = sorted(st.expr.free_symbols - {st.index}, key=lambda s: s.name)
        func = sp.lambdify([st.index, *syms], st.expr, modules=[mods, "math"])
        args = [env[s.name] for s in syms]
        if st.role == "derivative":
            target = dy
        else:
            target = env.setdefault(st.target, np.full(st.size, np.nan))
        for i in range(st.first, st.last + 1):
            assert 0 <= st.offset + i - base < target.size
            target[st.offset + i - base] = func(i, *args)
    return dy


CASES = {"jrc": jrc_system, "delayed_network": delayed_network, "mixed": mixed_system,
         "custom_functions": lambda: testing.custom_functions().system,
         "undelayed_edges": lambda: testing.undelayed_edges().system}


@pytest.mark.parametrize("base", [0, 1])
@pytest.mark.parametrize("case", sorted(CASES))
def test_executed_statements_equal_the_vector_evaluation(case: str, base: int) -> None:
    system = CASES[case]()
    rng = np.random.default_rng(0)
    y = system.initial_state() + rng.uniform(-0.5, 0.5, system.n_state)
    expected = vector_field(system, y, 0.3)
    got = run_statements(system, lower_vector_field(system, base), y, 0.3, base)
    assert np.all(np.isfinite(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-14)


def test_base_one_shifts_every_index() -> None:
    system = mixed_system()
    zero, one = (lower_vector_field(system, b) for b in (0, 1))
    assert [type(s) for s in zero] == [type(s) for s in one]
    for a, b in zip(zero, one):
        if not isinstance(a, ElementLoop):
            assert a == b  # temporaries are vector code: no index in them
            continue
        assert isinstance(b, ElementLoop)
        assert (a.first, a.last, b.first, b.last) == (0, a.size - 1, 1, a.size)
        assert a.offset == b.offset
        assert b.expr == a.expr.replace(
            lambda e: isinstance(e, Element) and e.args[1] == 0,
            lambda e: Element(e.args[0], sp.Integer(1)))
    ds = next(s for s in one if isinstance(s, ElementLoop) and s.target == "x")
    elements = ds.expr.atoms(Element)
    assert Element(sp.Symbol("s"), sp.Integer(1)) in elements  # size 1: read at the base
    assert ds.offset == 0 and ds.role == "derivative"
    dss = next(s for s in one if isinstance(s, ElementLoop) and s.target == "s")
    assert dss.offset == 3 and sp.Symbol("c") in dss.expr.free_symbols  # scalars unindexed


def test_temporaries_hold_only_symbols_and_numbers() -> None:
    system = testing.custom_functions().system
    for st in lower_vector_field(system, 0):
        if isinstance(st, Temporary):
            assert isinstance(st.expr, SIZE_CHANGING)
            for arg in st.expr.args:
                assert isinstance(arg, (sp.Symbol, sp.Number)), st


def _one(expr: sp.Expr, size: int, params: dict[str, Any]) -> SystemIR:
    x = StateSpec("x", 0, np.zeros(3), ["n/op/x"])
    specs = {k: ParameterSpec(k, np.asarray(v)) for k, v in params.items()}
    return SystemIR([x], [sp.Integer(0)], specs, {}, [Assignment("a", expr, size, ["n/op/a"])])


def test_errors_name_the_variable() -> None:
    x, m, v = sp.symbols("x m v")
    system = _one(x + v, 3, {"v": np.ones(4)})
    with pytest.raises(EquationError, match=r"'a' \(n/op/a\).*mixed sizes \[3, 4\]"):
        lower_vector_field(system)
    system = _one(m * x, 3, {"m": np.ones((3, 3))})
    with pytest.raises(EquationError, match=r"'a' \(n/op/a\).*matrix parameter 'm'"):
        lower_vector_field(system)
    system = _one(x, 2, {})
    with pytest.raises(EquationError, match=r"'a'.*3 elements, the variable has 2"):
        lower_vector_field(system)
    with pytest.raises(ValueError, match="base must be 0 or 1"):
        ScalarLowering(system, base=2)
    with pytest.raises(EquationError, match="clashes"):
        ScalarLowering(_one(ArraySum(x) * x, 3, {"q0": 1.0}), temp_prefix="q").assignments()


def test_extra_sizes_let_a_backend_substitute_symbols() -> None:
    x, e = sp.symbols("x pr_es0")
    system = _one(x * e, 3, {})
    (loop,) = ScalarLowering(system, 1, sizes={"pr_es0": 3}).assignments()
    assert isinstance(loop, ElementLoop)
    assert loop.expr == Element(x, loop.index) * Element(e, loop.index)
    assert loop.at(2) == Element(x, 2) * Element(e, 2)
