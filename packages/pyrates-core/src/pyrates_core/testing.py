"""Conformance kit: reference systems with known solutions that every backend must reproduce.

A backend package tests itself with either

* :func:`run_conformance` ``(backend, tmp_path) -> list[str]`` (empty list: all passed), or
* :class:`BackendConformance`: subclass it in a pytest module and provide a ``backend`` fixture;
  every ``test_*`` method runs one group of checks for each solver the backend supports
  (``backend.solvers``). Set ``codegen_extra`` on the subclass to pass backend options.

The kit is capability-driven: it runs what the backend claims in ``capabilities``
(``execute``; delayed cases with ``delays``; adaptive solvers, those whose ``SolverSpec`` says
``adaptive``, with ``adaptive`` and tight tolerances; the batch check with ``batch``; delay
overrides equal to rebuilt systems with ``delay_params``), and
every solver generates its own code (``CodegenOptions.solver``). Rows follow the PyRates 1.x
convention: ``t_k = k * sampling_step_size`` for ``k = 0..n-1``, row 0 holding the initial
state, and ``final_state`` the state at ``T`` (checked where a case knows it). Delayed cases
run with the history mode of the case (``'zero'``: delayed reads before ``t = 0`` are 0, the
default; ``'initial'``: they are the initial value). This module depends on numpy and
pyrates_core only.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from pyrates_core.backend import (
    CAPABILITIES,
    Backend,
    CodegenOptions,
    SimulationRequest,
    SimulationResult,
)
from pyrates_core.errors import SolverError
from pyrates_core.functions import (
    IR_FUNCTIONS,
    ArrayMax,
    ArrayMean,
    ArrayMin,
    ArraySum,
    Concatenate,
    Dot,
    EdgeSum,
    Index,
    Interp,
    Past,
    Randn,
    Roll,
    Round,
    Slice,
    maxi,
    mini,
)
from pyrates_core.system import (
    Assignment,
    EdgeBundle,
    InputSpec,
    ParameterSpec,
    StateSpec,
    SystemIR,
)

__all__ = [
    "FIXED_STEP_SOLVERS",
    "BackendConformance",
    "ReferenceCase",
    "check_jacobian",
    "check_delay_params",
    "delay_param_system",
    "delay_solution",
    "reference_cases",
    "run_conformance",
]

FIXED_STEP_SOLVERS = ("euler", "heun", "rk4")
ORDERS = {"euler": 1.0, "heun": 2.0, "rk4": 4.0}
"""Expected global convergence order of the fixed-step solvers."""
ADAPTIVE_OPTIONS: dict[str, Any] = {"rtol": 1e-9, "atol": 1e-11}
"""``solver_options`` the kit passes to adaptive solvers."""


@dataclass
class ReferenceCase:
    """A system, what to record, and the exact values of the recorded outputs."""

    name: str
    system: SystemIR
    simulation_time: float
    step_size: float
    outputs: dict[str, tuple[str, np.ndarray]]
    exact: Callable[[np.ndarray], dict[str, np.ndarray]]
    """Sample times -> exact output arrays of shape ``(n_samples, n_indices)``."""
    tolerance: dict[str, float]
    """Solver (or ``'adaptive'``) -> allowed maximum absolute error."""
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    fixed_step_only: bool = False
    rhs: Callable[[float, np.ndarray], np.ndarray] | None = None
    """Plain numpy right-hand side (for cases without delays), used by the kit's self-test."""
    history: str = "zero"
    """``SimulationRequest.history`` of the case."""
    final_state: Callable[[float], np.ndarray] | None = None
    """Exact flat state vector at time ``T`` (compared with ``SimulationResult.final_state``)."""

    def tol(self, solver: str) -> float:
        """Allowed error for ``solver``."""
        return self.tolerance.get(solver, self.tolerance.get("adaptive", 1e-6))


# -- helpers to build systems ----------------------------------------------------------------
def _state(name: str, start: int, init: Any) -> StateSpec:
    init = np.atleast_1d(np.asarray(init, dtype=float))
    return StateSpec(name, start, init, [f"node/op/{name}[{i}]" for i in range(init.size)])


def _param(name: str, value: Any) -> ParameterSpec:
    return ParameterSpec(name, np.asarray(value))


def _all(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64)


# -- the reference cases ---------------------------------------------------------------------
def exponential_decay() -> ReferenceCase:
    """``x' = -k x`` for three elements: ``x = x0 exp(-k t)``."""
    x, k = sp.symbols("x k")
    x0 = np.array([1.0, 2.0, -3.0])
    system = SystemIR([_state("x", 0, x0)], [-k * x], {"k": _param("k", 0.5)}, {}, [])
    return ReferenceCase(
        "exponential_decay", system, 2.0, 1e-3, {"x": ("x", _all(3))},
        lambda t: {"x": x0[None, :] * np.exp(-0.5 * t[:, None])},
        {"euler": 2e-3, "heun": 1e-6, "rk4": 1e-10, "adaptive": 1e-7},
        rhs=lambda t, y: -0.5 * y, final_state=lambda t: x0 * np.exp(-0.5 * t),
    )


def forced_linear(step_size: float = 0.1, t_end: float = 2.0) -> ReferenceCase:
    """``x' = -2 x + cos(t)``, ``x(0) = 1`` (uses the time symbol); for convergence orders."""
    x, a = sp.symbols("x a")
    t = sp.Symbol("t")
    system = SystemIR([_state("x", 0, [1.0])], [-a * x + sp.cos(t)], {"a": _param("a", 2.0)},
                      {}, [])

    def exact(tt: np.ndarray) -> dict[str, np.ndarray]:
        val = (2 * np.cos(tt) + np.sin(tt)) / 5 + (1 - 2 / 5) * np.exp(-2 * tt)
        return {"x": val[:, None]}

    return ReferenceCase("forced_linear", system, t_end, step_size, {"x": ("x", _all(1))}, exact,
                         {"euler": 0.05, "heun": 2e-3, "rk4": 1e-5, "adaptive": 1e-7},
                         rhs=lambda tt, y: -2 * y + np.cos(tt))


def harmonic_oscillators() -> ReferenceCase:
    """Three uncoupled oscillators ``x'' = -w^2 x`` with a vector parameter ``w``."""
    x, v, w = sp.symbols("x v w")
    omega = np.array([1.0, 2.0, 3.0])
    x0, v0 = np.array([1.0, 0.0, 0.5]), np.array([0.0, 1.0, -1.0])
    system = SystemIR([_state("x", 0, x0), _state("v", 3, v0)], [v, -(w**2) * x],
                      {"w": _param("w", omega)}, {}, [])

    def exact(t: np.ndarray) -> dict[str, np.ndarray]:
        tt = t[:, None]
        pos = x0 * np.cos(omega * tt) + v0 / omega * np.sin(omega * tt)
        vel = -x0 * omega * np.sin(omega * tt) + v0 * np.cos(omega * tt)
        return {"x": pos, "v_last": vel[:, 2:]}

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        return np.concatenate((y[3:], -(omega**2) * y[:3]))

    def final(t: float) -> np.ndarray:
        pos = x0 * np.cos(omega * t) + v0 / omega * np.sin(omega * t)
        return np.concatenate((pos, -x0 * omega * np.sin(omega * t) + v0 * np.cos(omega * t)))

    return ReferenceCase("harmonic_oscillators", system, 3.0, 1e-3,
                         {"x": ("x", _all(3)), "v_last": ("v", np.array([2]))}, exact,
                         {"euler": 0.05, "heun": 1e-4, "rk4": 1e-9, "adaptive": 1e-6}, rhs=rhs,
                         final_state=final)


def assignment_output() -> ReferenceCase:
    """``x' = -x``, recorded assignment ``a = x^2 + c`` (algebraic output)."""
    x, a, c = sp.symbols("x a c")
    x0 = np.array([1.0, 0.5])
    system = SystemIR([_state("x", 0, x0)], [-x], {"c": _param("c", 0.25)}, {},
                      [Assignment("a", x**2 + c, 2, ["n/a[0]", "n/a[1]"])])

    def exact(t: np.ndarray) -> dict[str, np.ndarray]:
        xs = x0[None, :] * np.exp(-t[:, None])
        return {"a": xs**2 + 0.25, "a1": xs[:, 1:] ** 2 + 0.25}

    return ReferenceCase("assignment_output", system, 1.0, 1e-3,
                         {"a": ("a", _all(2)), "a1": ("a", np.array([1]))}, exact,
                         {"euler": 2e-3, "heun": 1e-6, "rk4": 1e-10, "adaptive": 1e-7},
                         rhs=lambda t, y: -y)


def input_pulse(n_steps: int = 20, pulse_step: int = 10) -> ReferenceCase:
    """``x' = u`` with ``u = 1`` during step ``pulse_step`` only (zero-order hold).

    Row ``k`` (``t = k dt``) is the state after ``k`` steps and the input row ``k``.
    """
    x, u = sp.symbols("x u")
    dt = 0.1
    system = SystemIR([_state("x", 0, [0.0])], [u], {},
                      {"u": InputSpec("u", 1, ["n/u"], np.zeros(1))}, [])
    series = np.zeros((n_steps, 1))
    series[pulse_step] = 1.0

    def exact(t: np.ndarray) -> dict[str, np.ndarray]:
        k = np.rint(t / dt).astype(int)
        rec_u = series[np.minimum(k, n_steps - 1), 0]
        return {"x": np.where(k > pulse_step, dt, 0.0)[:, None], "u": rec_u[:, None]}

    return ReferenceCase("input_pulse", system, n_steps * dt, dt,
                         {"x": ("x", _all(1)), "u": ("u", _all(1))}, exact,
                         {"euler": 1e-12, "heun": 1e-12, "rk4": 1e-12}, {"u": series},
                         fixed_step_only=True, final_state=lambda t: np.array([dt]))


def _random_edges(rng: np.random.Generator, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(0, n, m).astype(np.int64), rng.integers(0, n, m).astype(np.int64)


def undelayed_edges() -> ReferenceCase:
    """``x' = -x + 0.1 (EdgeSum(x, 0) + EdgeSum(x, 1))``: a sparse and a dense bundle.

    Duplicate edges are included (they must add up). Exact solution by eigen-decomposition
    of ``A = -I + 0.1 (W0 + W1)``.
    """
    rng = np.random.default_rng(42)
    n = 30
    x = sp.Symbol("x")
    src0, tgt0 = _random_edges(rng, n, 12)
    src0[1], tgt0[1] = src0[0], tgt0[0]  # a duplicate edge
    src1, tgt1 = _random_edges(rng, n, 600)
    w0, w1 = rng.uniform(-1, 1, 12), rng.uniform(-0.2, 0.2, 600)
    mat = np.zeros((n, n))
    np.add.at(mat, (tgt0, src0), w0)
    np.add.at(mat, (tgt1, src1), w1)
    a_mat = -np.eye(n) + 0.1 * mat
    x0 = rng.uniform(-1, 1, n)
    bundles = [EdgeBundle("sparse_b", "x", n, n, src0, tgt0, "w0", np.zeros(12)),
               EdgeBundle("dense_b", "x", n, n, src1, tgt1, "w1", np.zeros(600))]
    system = SystemIR([_state("x", 0, x0)], [-x + 0.1 * (EdgeSum(x, 0) + EdgeSum(x, 1))],
                      {"w0": _param("w0", w0), "w1": _param("w1", w1)}, {}, [], bundles)
    lam, vec = np.linalg.eig(a_mat)
    coef = np.linalg.solve(vec, x0)

    def exact(t: np.ndarray) -> dict[str, np.ndarray]:
        sol = (vec[None, :, :] * (coef * np.exp(lam[None, :] * t[:, None]))[:, None, :]).sum(-1)
        return {"x": np.real(sol)}

    return ReferenceCase("undelayed_edges", system, 1.0, 1e-3, {"x": ("x", _all(n))}, exact,
                         {"euler": 5e-3, "heun": 1e-6, "rk4": 1e-10, "adaptive": 1e-7},
                         rhs=lambda t, y: a_mat @ y)


def delay_solution(t: np.ndarray, history: str = "initial") -> np.ndarray:
    """Method-of-steps solution of ``x' = -x(t - 1)``, ``x(0) = 1``, on [0, 3].

    ``history='initial'``: ``x = 1`` for ``t < 0``; ``'zero'``: ``x = 0`` for ``t < 0``, so
    ``x`` stays 1 on [0, 1] and then follows the ``'initial'`` solution shifted by 1.
    """
    t = np.asarray(t, dtype=float)
    if history == "zero":
        return np.where(t <= 1, 1.0, delay_solution(np.maximum(t - 1, 0.0)))
    out = 1 - t
    out = out + np.where(t > 1, (t - 1) ** 2 / 2, 0.0)
    out = out - np.where(t > 2, (t - 2) ** 3 / 6, 0.0)
    return out


def delayed_feedback(step_size: float = 0.01, history: str = "zero") -> ReferenceCase:
    """``x' = -x(t-1)`` three ways: ``Past(x, tau)``, a delayed bundle from the state, and a
    delayed bundle from an assignment ``a = x``; all equal :func:`delay_solution` for the
    ``history`` mode.
    """
    x, y, z, a, tau = sp.symbols("x y z a tau")
    one = np.ones(1)
    bundles = [EdgeBundle("from_state", "x", 1, 1, np.zeros(1, np.int64), np.zeros(1, np.int64),
                          "w_neg", one.copy()),
               EdgeBundle("from_assignment", "a", 1, 1, np.zeros(1, np.int64),
                          np.zeros(1, np.int64), "w_neg", one.copy())]
    system = SystemIR(
        [_state("x", 0, one), _state("y", 1, one), _state("z", 2, one)],
        [-Past(x, tau), EdgeSum(x, 0), EdgeSum(a, 1)],
        {"tau": _param("tau", 1.0), "w_neg": _param("w_neg", -one)}, {},
        [Assignment("a", x, 1, ["n/a"])], bundles,
    )

    def exact(t: np.ndarray) -> dict[str, np.ndarray]:
        sol = delay_solution(t, history)[:, None]
        return {"x": sol, "y": sol, "z": sol}

    name = "delayed_feedback" if step_size == 0.01 else f"delayed_feedback_dt{step_size:g}"
    return ReferenceCase(f"{name}_{history}", system, 3.0, step_size,
                         {"x": ("x", _all(1)), "y": ("y", _all(1)), "z": ("z", _all(1))}, exact,
                         {"euler": 2e-2, "heun": 2e-4, "rk4": 2e-4, "adaptive": 1e-4},
                         history=history,
                         final_state=lambda t: np.repeat(delay_solution(np.array([t]), history),
                                                         3))


def delayed_feedback_interpolated() -> ReferenceCase:
    """As :func:`delayed_feedback` with a step size that does not divide the delay (the
    delayed value is interpolated); fixed-step solvers only. It uses the ``'initial'``
    history, whose solution is smooth enough for the interpolation error to show.
    """
    case = delayed_feedback(step_size=0.03, history="initial")
    case.fixed_step_only = True
    case.tolerance = {"euler": 3e-2, "heun": 2e-3, "rk4": 2e-3}
    return case


def custom_functions() -> ReferenceCase:
    """Every custom IR function in an assignment of constant states (``x' = 0``)."""
    x, s, c, xp, fp, idx, mat = sp.symbols("x s c xp fp idx mat")
    matv = np.arange(12.0).reshape(3, 4) / 10
    xv = np.array([-1.26, 0.5, 2.71, 1.49])
    sv = np.array([0.7])
    xpv, fpv = np.array([-2.0, 0.0, 3.0]), np.array([1.0, 3.0, -3.0])
    idxv = np.array([3, 0, 0], dtype=np.int64)
    specs = [
        ("f_maxi", maxi(x, c), np.maximum(xv, 0.4)),
        ("f_mini", mini(x, c), np.minimum(xv, 0.4)),
        ("f_round", Round(3.3 * x), np.round(3.3 * xv)),
        ("f_sum", ArraySum(x), np.array([xv.sum()])),
        ("f_mean", ArrayMean(x) + s, np.array([xv.mean() + sv[0]])),
        ("f_concat", Concatenate(x, s), np.concatenate((xv, sv))),
        ("f_interp", Interp(x, xp, fp), np.interp(xv, xpv, fpv)),
        ("f_index", Index(x, idx) * 2, xv[idxv] * 2),
        ("f_elementary", sp.exp(-x) * sp.sin(x) + sp.Abs(x) + sp.sign(x) + sp.floor(x)
         + sp.tanh(x) + sp.sqrt(sp.Abs(x)),
         np.exp(-xv) * np.sin(xv) + np.abs(xv) + np.sign(xv) + np.floor(xv) + np.tanh(xv)
         + np.sqrt(np.abs(xv))),
        ("f_nested", maxi(ArraySum(x * x), c) * x + ArrayMean(Index(x, idx)),
         max((xv * xv).sum(), 0.4) * xv + xv[idxv].mean()),
        ("f_max_min", ArrayMax(x) - 2 * ArrayMin(x) + s, np.array([xv.max() - 2 * xv.min()
                                                                + sv[0]])),
        ("f_dot", Dot(mat, x) + 1, matv @ xv + 1),
        ("f_roll", Roll(x, 1) * 2, np.roll(xv, 1) * 2),
        ("f_slice", Slice(x, 1, 3) + s, xv[1:3] + sv[0]),
        ("f_index_int", Index(x, 2) + s, np.array([xv[2] + sv[0]])),
        ("f_randn_bounded", maxi(Randn(), 10) - 10 + s, sv.copy()),
    ]
    assignments = [
        Assignment(name, expr, int(val.size), [f"n/{name}[{i}]" for i in range(val.size)])
        for name, expr, val in specs
    ]
    params = {"c": _param("c", 0.4), "xp": _param("xp", xpv), "fp": _param("fp", fpv),
              "idx": _param("idx", idxv), "mat": _param("mat", matv)}
    system = SystemIR([_state("x", 0, xv), _state("s", 4, sv)], [0 * x, 0 * s], params, {},
                      assignments)
    expected = {name: val for name, _, val in specs}

    def exact(t: np.ndarray) -> dict[str, np.ndarray]:
        return {k: np.repeat(v[None, :], t.size, axis=0) for k, v in expected.items()}

    outputs = {name: (name, _all(val.size)) for name, _, val in specs}
    return ReferenceCase("custom_functions", system, 0.3, 0.1, outputs, exact,
                         {"euler": 1e-12, "heun": 1e-12, "rk4": 1e-12, "adaptive": 1e-12})


def reference_cases() -> list[ReferenceCase]:
    """All reference cases of the kit."""
    return [exponential_decay(), forced_linear(), harmonic_oscillators(), assignment_output(),
            input_pulse(), undelayed_edges(), delayed_feedback(),
            delayed_feedback(history="initial"), delayed_feedback_interpolated(),
            custom_functions()]


# -- running a backend against the cases ---------------------------------------------------
_counter = itertools.count()


def _load(backend: Backend, case: ReferenceCase, tmp_path: Path, solver: str,
          extra: dict[str, Any]) -> Any:
    options = CodegenOptions(solver=solver, adaptive=solver not in FIXED_STEP_SOLVERS,
                             step_size=case.step_size, extra=dict(extra))
    code = backend.generate(case.system, options)
    workdir = Path(tmp_path) / f"{case.name}_{next(_counter)}"
    workdir.mkdir(parents=True, exist_ok=True)
    return backend.load(code, workdir)


def _request(case: ReferenceCase, solver: str, step_size: float | None = None,
             t_end: float | None = None) -> SimulationRequest:
    adaptive = solver not in FIXED_STEP_SOLVERS
    return SimulationRequest(
        simulation_time=t_end or case.simulation_time, step_size=step_size or case.step_size,
        solver=solver, inputs=case.inputs, outputs=case.outputs,
        solver_options=dict(ADAPTIVE_OPTIONS) if adaptive else {}, history=case.history,
    )


def _compare(case: ReferenceCase, solver: str, result: SimulationResult) -> list[str]:
    n = int(round(case.simulation_time / case.step_size))
    t_expected = np.arange(n) * case.step_size
    if result.time.shape != t_expected.shape or not np.allclose(result.time, t_expected):
        return [f"{case.name}/{solver}: sample times {result.time[:3]}... != "
                f"{t_expected[:3]}... (expected t_k = k*dt, k=0..{n - 1})"]
    failures = []
    if case.final_state is not None:
        ref_final = case.final_state(case.simulation_time)
        got_final = np.asarray(result.final_state)
        err = (float(np.max(np.abs(got_final - ref_final)))
               if got_final.shape == ref_final.shape else np.inf)
        if not err <= case.tol(solver):
            failures.append(f"{case.name}/{solver}: final_state (the state at T = "
                            f"{case.simulation_time:g}) error {err:.3g} > {case.tol(solver):.3g}")
    exact = case.exact(t_expected)
    for key, ref in exact.items():
        got = np.asarray(result.outputs.get(key))
        if got.shape != ref.shape:
            failures.append(f"{case.name}/{solver}: output '{key}' has shape {got.shape}, "
                            f"expected {ref.shape}")
            continue
        err = float(np.max(np.abs(got - ref))) if ref.size else 0.0
        if not err <= case.tol(solver):
            failures.append(f"{case.name}/{solver}: output '{key}' max error {err:.3g} > "
                            f"{case.tol(solver):.3g}")
    return failures


def _applies(backend: Backend, case: ReferenceCase) -> bool:
    """Whether the backend claims what the case needs (capability-driven kit)."""
    caps: frozenset[str] = getattr(backend, "capabilities", frozenset())
    if "execute" not in caps:
        return False
    delayed = bool(case.system.delayed_symbols())
    return (not delayed or "delays" in caps) and (not case.system.is_complex or "complex" in caps)


def _solvers(backend: Backend, case: ReferenceCase | None = None) -> list[str]:
    """Solvers to run: fixed-step ones, plus adaptive ones if the backend claims 'adaptive'."""
    specs = {s.name: s for s in getattr(backend, "solver_specs", ())}
    caps: frozenset[str] = getattr(backend, "capabilities", frozenset())
    out = []
    for name in sorted(backend.solvers):
        adaptive = specs[name].adaptive if name in specs else name not in FIXED_STEP_SOLVERS
        if adaptive and ("adaptive" not in caps or (case is not None and case.fixed_step_only)):
            continue
        out.append(name)
    return out


def check_case(backend: Backend, case: ReferenceCase, tmp_path: Path,
               extra: dict[str, Any] | None = None) -> list[str]:
    """Run one reference case with every applicable solver; return the failures.

    Skipped (no failures) when the backend does not claim what the case needs (``execute``,
    ``delays``, ``complex``); adaptive solvers run only with the ``adaptive`` capability.
    Every solver generates its own code (``CodegenOptions.solver``).
    """
    if not _applies(backend, case):
        return []
    solvers = _solvers(backend, case)
    if not solvers:
        return []
    failures = []
    for solver in solvers:
        try:
            model = _load(backend, case, tmp_path, solver, extra or {})
            result = backend.integrate(model, _request(case, solver))
        except Exception as exc:  # noqa: BLE001 - report every failure, keep going
            failures.append(f"{case.name}/{solver}: {type(exc).__name__}: {exc}")
            continue
        failures += _compare(case, solver, result)
    return failures


def check_convergence_orders(backend: Backend, tmp_path: Path,
                             extra: dict[str, Any] | None = None) -> list[str]:
    """Observed global order of euler/heun/rk4 on :func:`forced_linear` (within +-0.3)."""
    solvers = [s for s in FIXED_STEP_SOLVERS if s in backend.solvers]
    case = forced_linear()
    if not solvers or not _applies(backend, case):
        return []
    failures = []
    for solver in solvers:
        model = _load(backend, case, tmp_path, solver, extra or {})
        errors = []
        for dt in (0.1, 0.05):
            res = backend.integrate(model, _request(case, solver, step_size=dt))
            exact = case.exact(res.time)["x"]
            errors.append(float(np.max(np.abs(res.outputs["x"] - exact))))
        order = float(np.log2(errors[0] / errors[1])) if errors[1] > 0 else float("inf")
        if abs(order - ORDERS[solver]) > 0.3:
            failures.append(f"convergence/{solver}: observed order {order:.2f}, expected "
                            f"{ORDERS[solver]:g} (errors {errors[0]:.3g}, {errors[1]:.3g})")
    return failures


def check_batch(backend: Backend, tmp_path: Path,
                extra: dict[str, Any] | None = None) -> list[str]:
    """With the ``batch`` capability: B parameter sets in one request equal B single runs
    (1e-12), with a leading batch axis on outputs and ``final_state``; with ``batch_inputs``
    also B input series in one request.
    """
    if "batch" not in getattr(backend, "capabilities", frozenset()):
        return []
    case = harmonic_oscillators()
    omegas = np.array([[1.0, 2.0, 3.0], [0.5, 1.5, 2.5], [2.0, 2.0, 2.0]])
    failures = []
    for solver in _solvers(backend, case):
        model = _load(backend, case, tmp_path, solver, extra or {})
        request = _request(case, solver, t_end=1.0)
        batched = backend.integrate(model, _replace(request, batch_params={"w": omegas}))
        for b, w in enumerate(omegas):
            single = backend.integrate(model, _replace(request, param_values={"w": w}))
            for key, ref in single.outputs.items():
                got = np.asarray(batched.outputs.get(key))
                if got.shape != (len(omegas), *ref.shape):
                    failures.append(f"batch/{solver}: output '{key}' has shape {got.shape}, "
                                    f"expected {(len(omegas), *ref.shape)}")
                elif not np.allclose(got[b], ref, rtol=0, atol=1e-12):
                    failures.append(f"batch/{solver}: set {b} of '{key}' differs from a single "
                                    f"run by {np.max(np.abs(got[b] - ref)):.3g}")
            if not np.allclose(np.asarray(batched.final_state)[b], single.final_state,
                               rtol=0, atol=1e-12):
                failures.append(f"batch/{solver}: final_state of set {b} differs")
    if "batch_inputs" in backend.capabilities:
        failures += _check_batch_inputs(backend, tmp_path, extra or {})
    return failures


def _check_batch_inputs(backend: Backend, tmp_path: Path, extra: dict[str, Any]) -> list[str]:
    """``batch_inputs``: one input series per set (pulses of other steps and heights on
    :func:`input_pulse`) equals the exact running sum and a single run of each series.
    """
    case = input_pulse()
    n_steps = case.inputs["u"].shape[0]
    series = np.zeros((3, n_steps, 1))
    for b, (step, height) in enumerate([(3, 1.0), (10, -2.0), (15, 0.5)]):
        series[b, step] = height
    failures = []
    for solver in [s for s in _solvers(backend, case) if s in FIXED_STEP_SOLVERS]:
        model = _load(backend, case, tmp_path, solver, extra)
        request = _request(case, solver)
        batched = backend.integrate(model, _replace(request, batch_inputs={"u": series}))
        got = np.asarray(batched.outputs.get("x"))
        exact = case.step_size * np.concatenate(
            [np.zeros((3, 1, 1)), np.cumsum(series, axis=1)[:, :-1]], axis=1)
        if got.shape != exact.shape:
            failures.append(f"batch_inputs/{solver}: output 'x' has shape {got.shape}, "
                            f"expected {exact.shape}")
            continue
        if not np.allclose(got, exact, rtol=0, atol=1e-12):
            failures.append(f"batch_inputs/{solver}: 'x' differs from the exact running sum "
                            f"by {np.max(np.abs(got - exact)):.3g}")
        for b in range(3):
            single = backend.integrate(model, _replace(request, inputs={"u": series[b]}))
            if not np.allclose(got[b], single.outputs["x"], rtol=0, atol=1e-12):
                failures.append(f"batch_inputs/{solver}: set {b} differs from a single run")
    return failures


def delay_param_system(delays: Any = (0.5, 0.3)) -> SystemIR:
    """Two units ``x' = -x + 1 + EdgeSum(x)`` with delayed edges ``0 -> 1`` and ``1 -> 0``
    (delays ``delays``) and an undelayed self-edge of unit 0; the delays are the bundle's
    delay parameter ``d`` (:attr:`~pyrates_core.system.EdgeBundle.delay_param`).
    """
    x = sp.Symbol("x")
    d = np.array([float(delays[0]), float(delays[1]), 0.0])
    bundle = EdgeBundle("ring", "x", 2, 2, np.array([0, 1, 0]), np.array([1, 0, 0]), "w", d,
                        delay_param="d")
    params = {"w": ParameterSpec("w", np.array([0.8, -0.6, -0.5]), role="weight"),
              "d": ParameterSpec("d", d.copy(), role="delay")}
    return SystemIR([_state("x", 0, np.array([1.0, 0.2]))], [-x + 1 + EdgeSum(x, 0)], params,
                    {}, [], [bundle])


def check_delay_params(backend: Backend, tmp_path: Path,
                       extra: dict[str, Any] | None = None) -> list[str]:
    """With the ``delay_params`` capability: overriding a bundle's delay parameter (on and off
    the step grid) equals the system rebuilt with those delays (1e-12); with ``batch`` too,
    a batch over the delay parameter equals the single runs. Without it (see
    :func:`_check_delay_override`): an override is refused naming the parameter, or it
    equals the rebuilt system.
    """
    caps: frozenset[str] = getattr(backend, "capabilities", frozenset())
    if "execute" not in caps:
        return []
    if "delay_params" not in caps:
        return _check_delay_override(backend, tmp_path, extra or {})
    new = [np.array([0.73, 0.21, 0.0]), np.array([0.4, 0.55, 0.0])]
    failures = []
    base = delay_param_system()
    for solver in _solvers(backend):
        case = ReferenceCase("delay_params", base, 3.0, 0.01, {"x": ("x", _all(2))},
                             lambda t: {}, {})
        model = _load(backend, case, tmp_path, solver, extra or {})
        request = _request(case, solver)
        singles = []
        for d in new:
            got = backend.integrate(model, _replace(request, param_values={"d": d}))
            rebuilt = _replace(case, system=delay_param_system(d[:2]))
            ref = backend.integrate(_load(backend, rebuilt, tmp_path, solver, extra or {}),
                                    request)
            err = float(np.max(np.abs(np.asarray(got.outputs["x"]) - ref.outputs["x"])))
            if not err <= 1e-12:
                failures.append(f"delay_params/{solver}: delays {d[:2].tolist()} by override "
                                f"differ from the rebuilt system by {err:.3g}")
            singles.append(np.asarray(got.outputs["x"]))
        if "batch" in caps:
            batched = backend.integrate(model, _replace(request, batch_params={"d": np.stack(new)}))
            out = np.asarray(batched.outputs["x"])
            for b, single in enumerate(singles):
                err = float(np.max(np.abs(out[b] - single))) if out.shape[1:] == single.shape \
                    else np.inf
                if not err <= 1e-12:
                    failures.append(f"delay_params/{solver}: batch set {b} differs from its "
                                    f"single run by {err:.3g}")
    return failures


def _refused(backend: Backend, model: Any, request: SimulationRequest,
             what: str) -> tuple[str | None, Any]:
    """``(None, None)`` if integrating ``request`` raises a SolverError naming the delay
    parameter 'd'; ``('ran', result)`` if it runs; else ``(why not, None)``.
    """
    try:
        return "ran", backend.integrate(model, request)
    except SolverError as err:
        why = None if "'d'" in str(err) else f"{what}: the error does not name 'd': {err}"
    except Exception as err:  # noqa: BLE001 - report, do not crash the kit
        why = f"{what}: {type(err).__name__} instead of a SolverError naming 'd': {err}"
    return why, None


def _check_delay_override(backend: Backend, tmp_path: Path, extra: dict[str, Any]) -> list[str]:
    """Backends without ``delay_params``: a delay-parameter override either is refused with a
    SolverError naming the parameter, or equals the rebuilt system (1e-12, e.g. a backend
    that takes one value per run); likewise a batch over delays (with ``batch``). Fixed-step
    solvers only (an adaptive solver may not take delays at all).
    """
    caps: frozenset[str] = getattr(backend, "capabilities", frozenset())
    new = np.array([0.73, 0.21, 0.0])
    failures = []
    base = delay_param_system()
    for solver in [s for s in _solvers(backend) if s in FIXED_STEP_SOLVERS]:
        case = ReferenceCase("delay_override", base, 2.0, 0.01, {"x": ("x", _all(2))},
                             lambda t: {}, {})
        model = _load(backend, case, tmp_path, solver, extra)
        request = _request(case, solver)
        why, got = _refused(backend, model, _replace(request, param_values={"d": new}),
                            f"delay override/{solver}")
        if why == "ran":
            rebuilt = _replace(case, system=delay_param_system(new[:2]))
            ref = backend.integrate(_load(backend, rebuilt, tmp_path, solver, extra), request)
            plain = backend.integrate(model, request)
            err = float(np.max(np.abs(np.asarray(got.outputs["x"]) - ref.outputs["x"])))
            moved = float(np.max(np.abs(np.asarray(plain.outputs["x"]) - ref.outputs["x"])))
            if not err <= 1e-12 or not moved > 1e-3:
                failures.append(f"delay override/{solver}: the override differs from the "
                                f"rebuilt system by {err:.3g} (the delays move it by "
                                f"{moved:.3g})")
        elif why is not None:
            failures.append(why)
        if "batch" in caps:
            batch = {"d": np.stack([new, np.array([0.4, 0.55, 0.0])])}
            why, _ = _refused(backend, model, _replace(request, batch_params=batch),
                              f"delay batch/{solver}")
            if why == "ran":
                failures.append(f"delay batch/{solver}: a batch over delays ran on a backend "
                                "without 'delay_params' (refuse it, naming the parameter)")
            elif why is not None:
                failures.append(why)
    return failures


def check_protocol(backend: Any) -> list[str]:
    """The attributes and methods of :class:`~pyrates_core.backend.Backend`."""
    failures = []
    if not isinstance(backend, Backend):
        failures.append("protocol: the object does not implement pyrates_core.backend.Backend")
    if not isinstance(getattr(backend, "name", None), str) or not backend.name:
        failures.append("protocol: 'name' must be a non-empty string")
    if not isinstance(getattr(backend, "solvers", None), frozenset) or not backend.solvers:
        failures.append("protocol: 'solvers' must be a non-empty frozenset")
    functions: frozenset[str] = getattr(backend, "functions", frozenset())
    missing = {f.__name__ for f in IR_FUNCTIONS} - set(functions)
    if missing:
        failures.append(f"protocol: 'functions' lacks IR functions {sorted(missing)}")
    suffix = getattr(backend, "file_suffix", "")
    if not isinstance(suffix, str) or not suffix.startswith("."):
        failures.append("protocol: 'file_suffix' must start with a dot")
    caps = getattr(backend, "capabilities", None)
    if not isinstance(caps, frozenset) or not caps <= CAPABILITIES:
        failures.append(f"protocol: 'capabilities' must be a frozenset of {sorted(CAPABILITIES)}")
    specs = [s for s in getattr(backend, "solver_specs", ()) if not s.export_only]
    if {s.name for s in specs} != set(getattr(backend, "solvers", ())):
        failures.append("protocol: 'solver_specs' must describe exactly the names in 'solvers' "
                        "(plus export-only solvers)")
    if any(s.adaptive for s in specs) != ("adaptive" in (caps or ())):
        failures.append("protocol: the 'adaptive' capability must match the adaptive solvers")
    return failures


def jacobian_system() -> SystemIR:
    """Scalar, nonlinear two-state system for :func:`check_jacobian`:
    ``x' = -a x + sin(y) x``, ``y' = x^2 - b y + exp(-y)`` (scalars, so every backend's
    Jacobian target applies).
    """
    x, y, a, b = sp.symbols("x y a b")
    return SystemIR([_state("x", 0, 0.4), _state("y", 1, -0.3)],
                    [-a * x + sp.sin(y) * x, x ** 2 - b * y + sp.exp(-y)],
                    {"a": _param("a", 0.7), "b": _param("b", 1.3)}, {}, [])


def check_jacobian(backend: Backend, tmp_path: Path, eps: float = 1e-6) -> list[str]:
    """The ``'jacobian'`` target against central finite differences of the backend's own
    vector field, read off single Euler steps (``y1 = y0 + h f(y0)``); backends with the
    ``jacobian`` and ``execute`` capabilities only. The Jacobian is generated without backend
    options.
    """
    caps: frozenset[str] = getattr(backend, "capabilities", frozenset())
    if "jacobian" not in caps or "execute" not in caps:
        return []
    system = jacobian_system()
    y0 = system.initial_state()
    try:
        code = backend.generate(system, CodegenOptions(func_name="kit_jac", target="jacobian"))
        workdir = Path(tmp_path) / f"jacobian_{next(_counter)}"
        workdir.mkdir(parents=True, exist_ok=True)
        jac = backend.load(code, workdir)
        got = np.asarray(jac.func(0.0, y0.copy(), *jac.args), dtype=float)
        vf_dir = Path(tmp_path) / f"jacobian_vf_{next(_counter)}"
        vf_dir.mkdir(parents=True, exist_ok=True)
        model = backend.load(backend.generate(system, CodegenOptions(solver="euler",
                                                                     step_size=0.5)), vf_dir)
        h = 0.5

        def step(y: np.ndarray) -> np.ndarray:
            request = SimulationRequest(simulation_time=h, step_size=h, solver="euler",
                                        outputs={"x": ("x", _all(1))}, initial_state=y)
            return (np.asarray(backend.integrate(model, request).final_state) - y) / h

        ref = np.zeros((2, 2))
        for j in range(2):
            e = np.zeros(2)
            e[j] = eps
            ref[:, j] = (step(y0 + e) - step(y0 - e)) / (2 * eps)
    except Exception as exc:  # noqa: BLE001 - report, do not crash the kit
        return [f"jacobian: {type(exc).__name__}: {exc}"]
    if got.shape != (2, 2):
        return [f"jacobian: shape {got.shape}, expected (2, 2)"]
    err = float(np.max(np.abs(got - ref)))
    if not err <= 1e-6:
        return [f"jacobian: differs from central differences of the vector field by {err:.3g}"]
    return []


def run_conformance(backend: Backend, tmp_path: Path,
                    extra: dict[str, Any] | None = None) -> list[str]:
    """Run the whole kit against ``backend``; return the list of failures (empty: conformant)."""
    failures = check_protocol(backend)
    for case in reference_cases():
        failures += check_case(backend, case, tmp_path, extra)
    failures += check_convergence_orders(backend, tmp_path, extra)
    failures += check_batch(backend, tmp_path, extra)
    failures += check_jacobian(backend, tmp_path)
    failures += check_delay_params(backend, tmp_path, extra)
    return failures


class BackendConformance:
    """Mix-in of pytest tests: subclass it and provide a ``backend`` fixture.

    Example::

        class TestMyBackend(BackendConformance):
            codegen_extra = {"numba": False}

            @pytest.fixture(scope="class")
            def backend(self):
                return MyBackend()
    """

    codegen_extra: dict[str, Any] = {}

    @staticmethod
    def _assert(failures: list[str]) -> None:
        assert not failures, "conformance failures:\n  " + "\n  ".join(failures)

    def test_protocol(self, backend: Backend) -> None:
        """Attributes of the backend protocol."""
        self._assert(check_protocol(backend))

    def test_exponential_decay(self, backend: Backend, tmp_path: Path) -> None:
        """Analytic exponential decay of a vector."""
        self._assert(check_case(backend, exponential_decay(), tmp_path, self.codegen_extra))

    def test_convergence_orders(self, backend: Backend, tmp_path: Path) -> None:
        """Observed orders 1, 2, 4 of euler, heun, rk4."""
        self._assert(check_convergence_orders(backend, tmp_path, self.codegen_extra))

    def test_forced_linear(self, backend: Backend, tmp_path: Path) -> None:
        """A forced linear ODE using the time symbol."""
        self._assert(check_case(backend, forced_linear(), tmp_path, self.codegen_extra))

    def test_harmonic_oscillators(self, backend: Backend, tmp_path: Path) -> None:
        """Vectorized oscillators with a vector parameter, partial output indices."""
        self._assert(check_case(backend, harmonic_oscillators(), tmp_path, self.codegen_extra))

    def test_assignment_output(self, backend: Backend, tmp_path: Path) -> None:
        """Recording an algebraic variable."""
        self._assert(check_case(backend, assignment_output(), tmp_path, self.codegen_extra))

    def test_input_pulse(self, backend: Backend, tmp_path: Path) -> None:
        """An input pulse applied during exactly one step."""
        self._assert(check_case(backend, input_pulse(), tmp_path, self.codegen_extra))

    def test_undelayed_edges(self, backend: Backend, tmp_path: Path) -> None:
        """Sparse and dense undelayed EdgeSum bundles with duplicate edges."""
        self._assert(check_case(backend, undelayed_edges(), tmp_path, self.codegen_extra))

    def test_delayed_feedback(self, backend: Backend, tmp_path: Path) -> None:
        """Past and delayed EdgeSum on x' = -x(t-1) against the method of steps (zero
        pre-history, the default).
        """
        self._assert(check_case(backend, delayed_feedback(), tmp_path, self.codegen_extra))

    def test_delayed_feedback_initial_history(self, backend: Backend, tmp_path: Path) -> None:
        """As test_delayed_feedback with history='initial' (pre-history = initial value)."""
        self._assert(check_case(backend, delayed_feedback(history="initial"), tmp_path,
                                self.codegen_extra))

    def test_delayed_feedback_interpolated(self, backend: Backend, tmp_path: Path) -> None:
        """Delays that are not multiples of the step size."""
        self._assert(check_case(backend, delayed_feedback_interpolated(), tmp_path,
                                self.codegen_extra))

    def test_batch(self, backend: Backend, tmp_path: Path) -> None:
        """Batched parameter sets equal single runs (backends with 'batch')."""
        self._assert(check_batch(backend, tmp_path, self.codegen_extra))

    def test_delay_params(self, backend: Backend, tmp_path: Path) -> None:
        """Delay-parameter overrides equal rebuilt systems (backends with 'delay_params')."""
        self._assert(check_delay_params(backend, tmp_path, self.codegen_extra))

    def test_custom_functions(self, backend: Backend, tmp_path: Path) -> None:
        """Every custom IR function printed and evaluated correctly."""
        self._assert(check_case(backend, custom_functions(), tmp_path, self.codegen_extra))

    def test_jacobian(self, backend: Backend, tmp_path: Path) -> None:
        """The 'jacobian' target equals central differences of the vector field."""
        self._assert(check_jacobian(backend, tmp_path))
