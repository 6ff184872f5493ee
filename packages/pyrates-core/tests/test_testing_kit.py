"""The conformance kit's reference solutions are right (checked without any backend)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from pyrates_core import testing
from pyrates_core.functions import IR_FUNCTIONS

ODE_CASES = [c for c in testing.reference_cases() if c.rhs is not None]

_NUMPY_FUNCS = {
    "maxi": np.maximum, "mini": np.minimum, "Round": np.round,
    "ArraySum": lambda x: np.array([np.sum(x)]), "ArrayMean": lambda x: np.array([np.mean(x)]),
    "Concatenate": lambda *a: np.concatenate([np.atleast_1d(v) for v in a]),
    "Interp": np.interp, "Index": lambda x, i: x[i],
    "ArrayMax": lambda x: np.array([np.max(x)]), "ArrayMin": lambda x: np.array([np.min(x)]),
    "Dot": np.dot, "Roll": np.roll, "Slice": lambda x, a, b: x[a:b],
    "Randn": np.random.randn,
}


def _values(case: testing.ReferenceCase) -> dict[str, np.ndarray]:
    values = {name: np.asarray(p.value) for name, p in case.system.params.items()}
    for s in case.system.states:
        values[s.name] = s.init
    return values


@pytest.mark.parametrize("case", ODE_CASES, ids=lambda c: c.name)
def test_exact_solution_matches_scipy(case: testing.ReferenceCase) -> None:
    t = np.arange(int(round(case.simulation_time / case.step_size))) * case.step_size
    sol = solve_ivp(case.rhs, (0, t[-1]), case.system.initial_state(), t_eval=t,
                    rtol=1e-11, atol=1e-13, method="DOP853")
    states = {s.name: sol.y[s.start:s.start + s.size].T for s in case.system.states}
    exact = case.exact(t)
    for key, (sym, idx) in case.outputs.items():
        if sym in states:
            np.testing.assert_allclose(states[sym][:, idx], exact[key], atol=1e-8, err_msg=key)


@pytest.mark.parametrize("case", [c for c in ODE_CASES if not c.system.edges],
                         ids=lambda c: c.name)
def test_ir_equations_match_reference_rhs(case: testing.ReferenceCase) -> None:
    """The sympy derivatives of the IR are the rhs the exact solution was derived from."""
    rng = np.random.default_rng(1)
    system = case.system
    for _ in range(3):
        y = rng.normal(size=system.n_state)
        t = float(rng.uniform(0, 2))
        env = {name: np.asarray(p.value) for name, p in system.params.items()}
        env.update({s.name: y[s.start:s.start + s.size] for s in system.states})
        env["t"] = t
        dy = np.concatenate([
            np.broadcast_to(sp.lambdify(list(map(sp.Symbol, env)), d, "numpy")(*env.values()),
                            (s.size,)) for s, d in zip(system.states, system.derivatives)])
        np.testing.assert_allclose(dy, case.rhs(t, y), rtol=1e-12)


def test_undelayed_edges_exact_matches_dense_product() -> None:
    case = testing.undelayed_edges()
    system = case.system
    n = system.n_state
    mat = np.zeros((n, n))
    for b in system.edges:
        np.add.at(mat, (b.target_idx, b.source_idx), system.params[b.weights].value)
    y = np.linspace(-1, 1, n)
    np.testing.assert_allclose(case.rhs(0.0, y), -y + 0.1 * mat @ y)
    assert len(set(zip(system.edges[0].source_idx, system.edges[0].target_idx))) < 12


@pytest.mark.parametrize("mode", ["initial", "zero"])
def test_delay_solution_by_method_of_steps(mode: str) -> None:
    """Integrate x' = -x(t-1) piece by piece with scipy and compare, for both pre-histories."""
    t_all, x_all = [], []
    history = lambda t: 1.0 if mode == "initial" or t >= 0 else 0.0  # noqa: E731
    x0 = 1.0
    for k in range(3):
        prev = history
        sol = solve_ivp(lambda t, x, p=prev: [-p(t - 1)], (k, k + 1), [x0], dense_output=True,
                        rtol=1e-12, atol=1e-14)
        history = lambda t, s=sol, p=prev, k=k: p(t) if t < k else float(s.sol(t)[0])  # noqa: E731
        x0 = float(sol.y[0, -1])
        tt = np.linspace(k, k + 1, 11)
        t_all.append(tt)
        x_all.append(sol.sol(tt)[0])
    t_cat = np.concatenate(t_all)
    np.testing.assert_allclose(np.concatenate(x_all), testing.delay_solution(t_cat, mode),
                               atol=1e-9)
    case = testing.delayed_feedback(history=mode)
    assert case.history == mode
    t = np.array([0.5, 1.5, 2.5])
    for key in ("x", "y", "z"):
        np.testing.assert_allclose(case.exact(t)[key][:, 0], testing.delay_solution(t, mode))
    np.testing.assert_allclose(case.final_state(3.0), testing.delay_solution(np.full(3, 3.0),
                                                                             mode))


def test_input_pulse_expectation() -> None:
    case = testing.input_pulse()
    t = np.arange(20) * 0.1
    exact = case.exact(t)
    # the pulse acts during step 10 ([1.0, 1.1)) and is visible from row 11 (t = 1.1) on
    assert exact["x"][10, 0] == 0.0 and exact["x"][11, 0] == pytest.approx(0.1)
    assert exact["u"][10, 0] == 1.0 and exact["u"].sum() == 1.0


def test_custom_function_expectations() -> None:
    case = testing.custom_functions()
    env = _values(case)
    exact = case.exact(np.array([0.1]))
    names = set()
    for a in case.system.assignments:
        syms = sorted(a.expr.free_symbols, key=lambda s: s.name)
        f = sp.lambdify(syms, a.expr, modules=[_NUMPY_FUNCS, "numpy"])
        got = np.atleast_1d(f(*[env[s.name] for s in syms]))
        np.testing.assert_allclose(np.broadcast_to(got, (a.size,)), exact[a.name][0],
                                   err_msg=a.name)
        names |= {type(e).__name__ for e in sp.preorder_traversal(a.expr)}
    custom = {f.__name__ for f in IR_FUNCTIONS} - {"Past", "EdgeSum"}
    assert custom <= names


def test_check_protocol_reports_missing_parts() -> None:
    class Incomplete:
        name = "x"
        solvers = frozenset({"euler"})
        functions = frozenset({"maxi"})
        file_suffix = "py"

    failures = testing.check_protocol(Incomplete())
    assert any("Backend" in f for f in failures)
    assert any("EdgeSum" in f for f in failures)
    assert any("file_suffix" in f for f in failures)


def test_tolerances_are_ordered() -> None:
    for case in testing.reference_cases():
        tol = case.tolerance
        if {"euler", "rk4"} <= set(tol):
            assert tol["rk4"] <= tol["heun"] <= tol["euler"], case.name
