"""Integration of a loaded model: fixed-step loops (euler, heun, rk4) and scipy's solvers.

Conventions
-----------
* Time starts at ``t = 0``. Outputs are sampled at ``t_k = k * sampling_step_size`` for
  ``k = 0..n_samples - 1`` (``n_samples = round(T / sampling_step_size)``), row 0 being the
  initial state with the assignments and inputs at ``t = 0`` (the row convention of PyRates
  1.x); ``final_state`` is the state at ``T``.
* ``sampling_step_size`` must be an integer multiple of ``step_size``.
* Inputs are arrays of shape ``(n_steps, size)``, row ``i`` being the value at ``t_i = i*dt``.
  Fixed-step solvers hold row ``i`` for every stage of step ``i`` (zero-order hold); adaptive
  solvers interpolate linearly in time (and hold the last row). A recorded input at ``t_k``
  at ``t_k`` is row ``k * stride``.
* Non-finite states raise :class:`~pyrates_core.errors.DivergenceError`, checked at least every
  16 steps and at the end (fixed step) or at every accepted step (adaptive), naming the state
  variables and the time by which they were found.
* Delays: see :mod:`pyrates_backend_numpy.delays`. ``request.history`` says what a delayed
  read before ``t = 0`` returns: ``'zero'`` (default, PyRates 1.x) or ``'initial'`` (the
  initial value of the delayed symbol). Adaptive solvers keep a dense history
  (scipy's dense output of each accepted step for states, linear interpolation between
  accepted steps for assignments) and limit ``max_step`` to the shortest delay.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from pyrates_backend_numpy.codegen import LOOP, OBSERVE, Layout
from pyrates_backend_numpy.delays import (
    FixedStepDelays,
    adaptive_tables,
    fixed_step_tables,
    undelayed_arrays,
)
from pyrates_core.backend import HISTORY_MODES, SimulationRequest, SimulationResult
from pyrates_core.errors import DivergenceError, SolverError, VariableNotFoundError
from pyrates_core.system import SystemIR

__all__ = [
    "FIXED_METHODS",
    "SCIPY_METHODS",
    "SOLVERS",
    "ModelHandle",
    "default_args",
    "integrate",
    "warm_up",
]

FIXED_METHODS: dict[str, int] = {"euler": 0, "heun": 1, "rk4": 2}
"""Fixed-step solvers and their code in the generated loop."""
SCIPY_METHODS = ("RK45", "RK23", "DOP853", "LSODA", "BDF", "Radau")
"""``solver_options['method']`` values accepted with ``solver='scipy'``."""
SCIPY_OPTIONS = frozenset({"method", "rtol", "atol", "max_step", "first_step", "min_step"})
SOLVERS = frozenset(FIXED_METHODS) | {"scipy"}
"""Every solver name :func:`integrate` accepts."""


@dataclass
class ModelHandle:
    """Backend-private part of a loaded model."""

    module: ModuleType
    layout: Layout
    numba: bool
    system: SystemIR
    func_name: str


# -- argument assembly ---------------------------------------------------------------------
def resolve_params(system: SystemIR, overrides: dict[str, Any]) -> dict[str, np.ndarray]:
    """Parameter values with the overrides applied (same dtype and shape as the system's)."""
    values = {name: np.asarray(p.value) for name, p in system.params.items()}
    for name, value in overrides.items():
        if name not in values:
            raise VariableNotFoundError(f"parameter '{name}' is not part of the model; known "
                                        f"parameters: {', '.join(sorted(values))}")
        old = values[name]
        new = np.asarray(value, dtype=np.result_type(old.dtype, np.asarray(value).dtype)
                         if old.dtype.kind == "c" else old.dtype)
        if new.shape != old.shape:
            if new.size == old.size:
                new = new.reshape(old.shape)
            else:
                raise SolverError(f"parameter '{name}' has shape {old.shape}, the override "
                                  f"has shape {new.shape}")
        values[name] = new
    return values


def _param_args(system: SystemIR, layout: Layout, params: dict[str, np.ndarray]) -> list[Any]:
    out: list[Any] = []
    for name in layout.params:
        v = params[name]
        if v.ndim == 0:
            out.append(v.item())
        else:
            dtype = system.value_dtype if v.dtype.kind in "fc" else v.dtype
            out.append(np.ascontiguousarray(v, dtype=dtype))
    return out


def _edge_args(system: SystemIR, layout: Layout, params: dict[str, np.ndarray]) -> list[Any]:
    out: list[Any] = []
    for bp, _ in layout.edge_args:
        out.extend(undelayed_arrays(system, bp, params))
    return out


def _input_series(system: SystemIR, layout: Layout, inputs: dict[str, np.ndarray],
                  n_steps: int) -> list[np.ndarray]:
    unknown = set(inputs) - set(system.inputs)
    if unknown:
        raise VariableNotFoundError(f"input(s) {sorted(unknown)} are not part of the model; "
                                    f"model inputs: {sorted(system.inputs)}")
    out = []
    for name in layout.inputs:
        spec = system.inputs[name]
        if name not in inputs:
            out.append(np.asarray(spec.default, system.value_dtype).reshape(1, spec.size))
            continue
        arr = np.asarray(inputs[name], dtype=system.value_dtype)
        if arr.ndim == 1 and spec.size == 1:
            arr = arr[:, None]
        if arr.ndim == 1 and arr.size == spec.size and n_steps != spec.size:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != spec.size:
            raise SolverError(f"input '{name}' must have shape (n_steps, {spec.size}), "
                              f"got {arr.shape}")
        if arr.shape[0] != 1 and arr.shape[0] < n_steps:
            raise SolverError(f"input '{name}' has {arr.shape[0]} rows, the simulation has "
                              f"{n_steps} steps")
        out.append(np.ascontiguousarray(arr))
    return out


def _flat(tables: list[tuple[np.ndarray, ...]]) -> list[np.ndarray]:
    return [a for t in tables for a in t]


def _check_history(mode: str) -> str:
    if mode not in HISTORY_MODES:
        raise SolverError(f"history={mode!r} is not a history mode; choose one of "
                          f"{', '.join(sorted(HISTORY_MODES))}")
    return mode


def _fill_initial_history(
    module: ModuleType, layout: Layout, system: SystemIR, y0: np.ndarray,
    head: list[Any], windows: dict[str, np.ndarray], tables: list[np.ndarray],
    write: Callable[[str, np.ndarray], None],
) -> None:
    """Write the value at ``t = 0`` of every history symbol (assignments need two passes).

    ``write(s, value)`` stores the value at ``t = 0``; what the history holds before ``t = 0``
    (zeros or the same value) is up to ``write``.
    """
    for s in layout.history:
        if s not in layout.history_sources:
            st = system.state(s)
            write(s, y0[st.start:st.start + st.size])
    if layout.history_sources:
        for _ in range(2):
            args = [*head, *(windows[s] for s in layout.history), *tables]
            values = getattr(module, OBSERVE)(0.0, y0, *args)
            for s, pos in layout.history_sources.items():
                write(s, np.asarray(values[pos]))


def default_args(handle: ModelHandle) -> tuple[Any, ...]:
    """Default vector-field arguments: system parameters, default inputs, constant history."""
    system, layout = handle.system, handle.layout
    params = resolve_params(system, {})
    head = _param_args(system, layout, params)
    head += [np.asarray(system.inputs[i].default, system.value_dtype) for i in layout.inputs]
    head += _edge_args(system, layout, params)
    delays = adaptive_tables(system, layout.plan, params)
    sizes = system.symbol_sizes()
    windows = {s: np.zeros(len(delays.delays[s]) * sizes[s], system.value_dtype)
               for s in layout.history}

    def write(s: str, value: np.ndarray) -> None:
        windows[s][:] = np.tile(value, len(delays.delays[s]))

    tables = _flat(delays.tables)
    _fill_initial_history(handle.module, layout, system, system.initial_state(), head,
                          windows, tables, write)
    return (*head, *(windows[s] for s in layout.history), *tables)


# -- output recording ----------------------------------------------------------------------
@dataclass
class _Recording:
    rec_y: np.ndarray
    rec_inputs: list[np.ndarray]
    rec_assign: list[np.ndarray]
    columns: dict[str, slice]
    n_cols: int


def _plan_recording(system: SystemIR, layout: Layout,
                    outputs: dict[str, tuple[str, Any]]) -> _Recording:
    states = {s.name: s for s in system.states}
    sizes = system.symbol_sizes()
    groups: dict[tuple[str, str], list[tuple[str, np.ndarray]]] = {}
    for key, (sym, idx) in outputs.items():
        if sym not in sizes:
            raise VariableNotFoundError(f"output '{key}': '{sym}' is neither a state, an "
                                        "assignment nor an input of the model")
        index = np.arange(sizes[sym]) if idx is None else np.atleast_1d(np.asarray(idx))
        index = index.astype(np.int64)
        if index.size and (index.min() < -sizes[sym] or index.max() >= sizes[sym]):
            raise VariableNotFoundError(f"output '{key}': indices {index.tolist()} out of range "
                                        f"for '{sym}' of size {sizes[sym]}")
        index = index % max(1, sizes[sym])
        group = "state" if sym in states else "input" if sym in system.inputs else "assign"
        groups.setdefault((group, sym), []).append((key, index))
    columns: dict[str, slice] = {}
    col = 0

    def take(group: str, sym: str) -> np.ndarray:
        nonlocal col
        parts = []
        for key, index in groups.get((group, sym), []):
            columns[key] = slice(col, col + index.size)
            col += index.size
            parts.append(index + (states[sym].start if group == "state" else 0))
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    state_parts = [take("state", s.name) for s in system.states]
    rec_y = np.concatenate(state_parts) if state_parts else np.zeros(0, np.int64)
    rec_inputs = [take("input", i) for i in layout.inputs]
    rec_assign = [take("assign", a.name) for a in system.assignments]
    return _Recording(rec_y.astype(np.int64), rec_inputs, rec_assign, columns, col)


def _sampling(request: SimulationRequest) -> tuple[int, int, int]:
    """Number of steps, recording stride (steps per sample) and number of samples."""
    if request.step_size <= 0 or request.simulation_time <= 0:
        raise SolverError("step_size and simulation_time must be positive")
    n_steps = request.n_steps
    if abs(n_steps * request.step_size - request.simulation_time) > 1e-9 * request.simulation_time:
        raise SolverError(f"simulation_time {request.simulation_time:g} is not a multiple of "
                          f"step_size {request.step_size:g}")
    sampling = request.sampling_step_size or request.step_size
    ratio = sampling / request.step_size
    stride = int(round(ratio))
    if stride < 1 or abs(ratio - stride) > 1e-9 * max(1.0, ratio):
        raise SolverError(f"sampling_step_size {sampling:g} must be a positive integer multiple "
                          f"of step_size {request.step_size:g}")
    n_samples = int(np.floor(n_steps / stride + 0.5))
    return n_steps, stride, n_samples


def _divergence(system: SystemIR, y: np.ndarray, t: float) -> DivergenceError:
    bad = [s.name for s in system.states
           if not np.all(np.isfinite(y[s.start:s.start + s.size]))]
    return DivergenceError(f"the simulation diverged: state variable(s) {', '.join(bad)} became "
                           f"non-finite by t = {t:g}; try a smaller step size or check the "
                           "parameters")


def _split(rec: np.ndarray, plan: _Recording) -> dict[str, np.ndarray]:
    return {key: rec[:, sl].copy() for key, sl in plan.columns.items()}


# -- fixed step ------------------------------------------------------------------------------
@dataclass
class _FixedRun:
    args: list[Any]
    """Arguments of ``run_fixed_step`` after ``(_method, _y, _n0, _n1)``."""
    rec: np.ndarray
    plan: _Recording
    zero_history: FixedStepDelays | None = None
    """Tables whose weights are masked until their activation steps (zero pre-history)."""
    weight_args: list[int] | None = None
    """Positions of the table weights in ``args``."""

    def segment_ends(self, n_steps: int) -> list[int]:
        """Steps at which the masked weights change (ending with ``n_steps``)."""
        if self.zero_history is None:
            return [n_steps]
        steps = self.zero_history.activation_steps()
        return [*(int(s) for s in steps if 0 < s < n_steps), n_steps]

    def set_weights(self, step: int) -> None:
        """Put the weights active at ``step`` into ``args``."""
        if self.zero_history is not None and self.weight_args is not None:
            for p, w in zip(self.weight_args, self.zero_history.weights_at(step)):
                self.args[p] = w


def _prepare_fixed(handle: ModelHandle, request: SimulationRequest, n_steps: int,
                   stride: int, n_samples: int, y0: np.ndarray) -> _FixedRun:
    system, layout = handle.system, handle.layout
    dt = request.step_size
    params = resolve_params(system, request.param_values)
    pargs = _param_args(system, layout, params)
    series = _input_series(system, layout, request.inputs, n_steps)
    edges = _edge_args(system, layout, params)
    stages = ((0,), (0, 2), (0, 1, 2))[FIXED_METHODS.get(request.solver, 2)]
    delays = fixed_step_tables(system, layout.plan, params, dt, stages)
    sizes = system.symbol_sizes()
    bufs = {s: np.zeros(2 * delays.lengths[s] * sizes[s], system.value_dtype)
            for s in layout.history}
    tables = _flat(delays.tables)

    zero = _check_history(request.history) == "zero"
    weight_pos, pos = [], 0
    for t in delays.tables:
        weight_pos.append(pos + 1)
        pos += len(t)
    if zero:  # entries not active at step 0 read 0 (see the docstring of ``delays``)
        for p, w in zip(weight_pos, delays.weights_at(0)):
            tables[p] = w

    def write(s: str, value: np.ndarray) -> None:
        bufs[s][:] = np.tile(value, 2 * delays.lengths[s])

    windows = {s: bufs[s][sizes[s]:(delays.lengths[s] + 1) * sizes[s]] for s in layout.history}
    head = [*pargs, *(x[0] for x in series), *edges]
    _fill_initial_history(handle.module, layout, system, y0, head, windows,
                          [t[0] for t in tables], write)
    plan = _plan_recording(system, layout, request.outputs)
    rec = np.zeros((n_samples, plan.n_cols), system.value_dtype)
    args = [0.0, dt, stride, rec, plan.rec_y, *plan.rec_inputs, *plan.rec_assign,
            any(r.size for r in plan.rec_assign), *pargs, *series, *edges,
            *(bufs[s] for s in layout.history), *(delays.lengths[s] for s in layout.history),
            *tables]
    first = len(args) - len(tables)
    return _FixedRun(args, rec, plan, delays if zero else None,
                     [first + p for p in weight_pos])


def warm_up(handle: ModelHandle) -> None:
    """Compile the numba loop by running zero steps with arguments of the right types."""
    system = handle.system
    delays = adaptive_tables(system, handle.layout.plan, resolve_params(system, {}))
    dt = min(1.0, delays.min_delay)
    request = SimulationRequest(simulation_time=dt, step_size=dt)
    run = _prepare_fixed(handle, request, 1, 1, 0, system.initial_state())
    getattr(handle.module, LOOP)(0, system.initial_state(), 0, 0, *run.args)


def _integrate_fixed(handle: ModelHandle, request: SimulationRequest) -> SimulationResult:
    system = handle.system
    n_steps, stride, n_samples = _sampling(request)
    y = _initial_state(system, request)
    run = _prepare_fixed(handle, request, n_steps, stride, n_samples, y)
    loop = getattr(handle.module, LOOP)
    method = FIXED_METHODS[request.solver]
    bar = _progress(request.progress, n_steps)
    chunk = n_steps if bar is None else max(1, n_steps // 100)
    start = time.perf_counter()
    ends = run.segment_ends(n_steps)
    n0 = 0
    while n0 < n_steps:
        n1 = min(n_steps, n0 + chunk, next(e for e in ends if e > n0))
        run.set_weights(n0)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            status, y = loop(method, y, n0, n1, *run.args)
        if status >= 0:
            raise _divergence(system, y, status * request.step_size)
        if bar is not None:
            bar.update(n1 - n0)
        n0 = n1
    if not np.all(np.isfinite(y)):
        raise _divergence(system, y, n_steps * request.step_size)
    run_time = time.perf_counter() - start
    if bar is not None:
        bar.close()
    times = np.arange(n_samples) * stride * request.step_size
    stats = {"run_time": run_time, "n_steps": n_steps,
             "n_rhs_evals": n_steps * (1, 2, 4)[method], "numba": handle.numba}
    return SimulationResult(times, _split(run.rec, run.plan), np.array(y), stats)


def _initial_state(system: SystemIR, request: SimulationRequest) -> np.ndarray:
    y0 = system.initial_state()
    if request.initial_state is not None:
        given = np.asarray(request.initial_state, dtype=system.value_dtype).ravel()
        if given.shape != y0.shape:
            raise SolverError(f"initial_state has {given.size} elements, the model has "
                              f"{y0.size} state variables")
        y0 = given.copy()
    return y0


def _progress(enabled: bool, total: int) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc="simulating", unit="step")


# -- adaptive (scipy) ------------------------------------------------------------------------
class _DenseHistory:
    """Dense history of accepted steps: states via dense output, assignments linearly."""

    def __init__(self, system: SystemIR, y0: np.ndarray, assign0: dict[str, np.ndarray],
                 zero: bool = True):
        self.slices = {s.name: slice(s.start, s.start + s.size) for s in system.states}
        self.y0 = y0
        self.zero = zero
        """Pre-history (``t < 0``) is zero (else the value at ``t = 0``)."""
        self.t_end: list[float] = []
        self.interps: list[Any] = []
        self.assign_t: list[float] = [0.0]
        self.assign_v = {s: [v] for s, v in assign0.items()}
        self.evaluate: Callable[[str, float], np.ndarray] | None = None

    def add(self, t: float, interp: Any, assign: dict[str, np.ndarray]) -> None:
        self.t_end.append(t)
        self.interps.append(interp)
        self.assign_t.append(t)
        for s, v in assign.items():
            self.assign_v[s].append(v)

    def state_at(self, tq: float) -> np.ndarray:
        """The full state vector at ``tq`` (zero or the initial value before the start)."""
        if tq < 0.0 and self.zero:
            return np.zeros_like(self.y0)
        if tq <= 0.0 or not self.t_end:
            return self.y0
        k = min(bisect.bisect_left(self.t_end, tq), len(self.t_end) - 1)
        return np.asarray(self.interps[k](tq))

    def value(self, sym: str, tq: float, exact: bool = True) -> np.ndarray:
        """Value of a history symbol at ``tq``; assignments are re-evaluated from the dense
        state when ``exact`` (their own delayed inputs then come from linear interpolation).
        """
        if sym in self.slices:
            return self.state_at(tq)[self.slices[sym]]
        if tq < 0.0 and self.zero:
            return np.zeros_like(self.assign_v[sym][0])
        if exact and tq > 0.0 and self.evaluate is not None:
            return self.evaluate(sym, tq)
        values = self.assign_v[sym]
        if tq <= 0.0 or len(values) == 1:
            return values[0]
        k = min(bisect.bisect_left(self.assign_t, tq), len(self.assign_t) - 1)
        t0, t1 = self.assign_t[k - 1], self.assign_t[k]
        f = (tq - t0) / (t1 - t0)
        return (1.0 - f) * values[k - 1] + f * values[k]


def _integrate_scipy(handle: ModelHandle, request: SimulationRequest) -> SimulationResult:
    from scipy import integrate as si

    system, layout, module = handle.system, handle.layout, handle.module
    opts = dict(request.solver_options)
    unknown = set(opts) - SCIPY_OPTIONS
    if unknown:
        raise SolverError(f"unknown solver_options {sorted(unknown)} for solver 'scipy'; "
                          f"accepted: {', '.join(sorted(SCIPY_OPTIONS))}")
    method = opts.pop("method", "RK45")
    if method not in SCIPY_METHODS:
        raise SolverError(f"unknown scipy method '{method}'; choose one of "
                          f"{', '.join(SCIPY_METHODS)}")
    n_steps, stride, n_samples = _sampling(request)
    zero = _check_history(request.history) == "zero"
    dt, t_end = request.step_size, n_steps * request.step_size
    y0 = _initial_state(system, request)
    params = resolve_params(system, request.param_values)
    pargs = _param_args(system, layout, params)
    series = _input_series(system, layout, request.inputs, n_steps)
    edges = _edge_args(system, layout, params)
    delays = adaptive_tables(system, layout.plan, params)
    tables = _flat(delays.tables)
    func = getattr(module, handle.func_name)
    observe = getattr(module, OBSERVE)

    def inputs_at(t: float) -> list[np.ndarray]:
        out = []
        for arr in series:
            s = t / dt
            i = int(np.floor(s))
            if i >= arr.shape[0] - 1:
                out.append(arr[-1])
            else:
                f = s - i
                out.append(arr[i] if f == 0.0 else (1.0 - f) * arr[i] + f * arr[i + 1])
        return out

    def args_at(t: float, history: _DenseHistory, exact: bool = True) -> list[Any]:
        windows = [np.concatenate([history.value(s, t - d, exact) for d in delays.delays[s]])
                   for s in layout.history]
        return [*pargs, *inputs_at(t), *edges, *windows, *tables]

    def evaluate(sym: str, tq: float) -> np.ndarray:
        values = observe(tq, history.state_at(tq), *args_at(tq, history, exact=False))
        return np.asarray(values[layout.history_sources[sym]])

    # initial history of assignment sources (two passes, as for fixed-step solvers)
    assign0: dict[str, np.ndarray] = {}
    history = _DenseHistory(system, y0, {s: np.zeros(system.symbol_sizes()[s])
                                         for s in layout.history_sources}, zero)
    for _ in range(2 if layout.history_sources else 0):
        values = observe(0.0, y0, *args_at(0.0, history))
        assign0 = {s: np.asarray(values[p]) for s, p in layout.history_sources.items()}
        history = _DenseHistory(system, y0, assign0, zero)
    history.evaluate = evaluate

    def fun(t: float, y: np.ndarray) -> np.ndarray:
        return func(t, y, *args_at(t, history))

    max_step = min(float(opts.pop("max_step", np.inf)), delays.min_delay)
    solver_cls = getattr(si, method)
    start = time.perf_counter()
    solver = solver_cls(fun, 0.0, y0, t_end, max_step=max_step, **opts)
    plan = _plan_recording(system, layout, request.outputs)
    times = np.arange(n_samples) * stride * dt
    rec = np.zeros((n_samples, plan.n_cols), system.value_dtype)
    want_assign = any(r.size for r in plan.rec_assign)

    def record(k: int, y_k: np.ndarray) -> None:
        row = [y_k[plan.rec_y]]
        if plan.rec_inputs:
            step = k * stride
            row_inputs = [arr[min(step, arr.shape[0] - 1)] for arr in series]
            row += [v[r] for v, r in zip(row_inputs, plan.rec_inputs)]
        if want_assign:
            values = observe(times[k], y_k, *args_at(times[k], history))
            row += [np.asarray(v)[r] for v, r in zip(values, plan.rec_assign)]
        rec[k] = np.concatenate(row)

    bar = _progress(request.progress, n_steps)
    k = 0
    if n_samples:
        record(0, y0)
        k = 1
    while solver.status == "running":
        message = solver.step()
        if solver.status == "failed":
            if not np.all(np.isfinite(solver.y)):
                raise _divergence(system, solver.y, solver.t)
            raise SolverError(f"scipy {method} failed at t = {solver.t:g}: {message}")
        if not np.all(np.isfinite(solver.y)):
            raise _divergence(system, solver.y, solver.t)
        interp = solver.dense_output()
        assign = {}
        if layout.history_sources:
            values = observe(solver.t, solver.y, *args_at(solver.t, history))
            assign = {s: np.asarray(values[p]) for s, p in layout.history_sources.items()}
        history.add(solver.t, interp, assign)
        while k < n_samples and times[k] <= solver.t + 1e-12 * t_end:
            record(k, np.asarray(interp(times[k])) if times[k] < solver.t else solver.y)
            k += 1
        if bar is not None:
            bar.n = min(n_steps, int(solver.t / dt))
            bar.refresh()
    run_time = time.perf_counter() - start
    if bar is not None:
        bar.close()
    stats = {"run_time": run_time, "n_rhs_evals": solver.nfev, "method": method,
             "numba": handle.numba}
    return SimulationResult(times, _split(rec, plan), np.array(solver.y), stats)


def integrate(handle: ModelHandle, request: SimulationRequest) -> SimulationResult:
    """Simulate ``handle``'s model as ``request`` says (dispatch on ``request.solver``)."""
    if request.solver in FIXED_METHODS:
        return _integrate_fixed(handle, request)
    if request.solver == "scipy":
        return _integrate_scipy(handle, request)
    raise SolverError(f"unknown solver '{request.solver}'; the numpy backend supports: "
                      f"{', '.join(sorted(SOLVERS))}")
