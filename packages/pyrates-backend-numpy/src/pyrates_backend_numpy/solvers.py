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
  accepted steps for assignments) and limit ``max_step`` to the shortest delay and to the
  shortest constant stretch of an input series (so that no pulse is stepped over).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from pyrates_backend_numpy.codegen import LOOP, OBSERVE, Layout
from pyrates_backend_numpy.delays import (
    AdaptiveDelays,
    FixedStepDelays,
    adaptive_tables,
    fixed_step_tables,
    undelayed_arrays,
)
from pyrates_core.arg_layout import param_arguments
from pyrates_core.backend import CodegenOptions, SimulationRequest, SimulationResult
from pyrates_core.errors import SolverError
from pyrates_core.lowering import ActivationMask, min_delay, params_digest, read_param_names
from pyrates_core.runtime import (
    DenseHistory,
    RecordingPlan,
    check_history,
    initial_state,
    input_max_step,
    input_series,
    inputs_at,
    plan_recording,
    progress_bar,
    resolve_params,
    run_adaptive,
    run_batch,
    run_fixed_segments,
    sampling,
    scipy_options,
)
from pyrates_core.system import SystemIR

__all__ = [
    "FIXED_METHODS",
    "SOLVERS",
    "ModelHandle",
    "default_args",
    "follow_edge_params",
    "integrate",
    "warm_up",
]

FIXED_METHODS: dict[str, int] = {"euler": 0, "heun": 1, "rk4": 2}
"""Fixed-step solvers and their code in the generated loop."""
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
    tables: dict[tuple, FixedStepDelays | AdaptiveDelays] = field(default_factory=dict)
    """Delay tables built for this model, by what they depend on (see :func:`delay_tables`)."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """Guards :attr:`tables` (the sets of a batch may run in threads)."""

    def delay_tables(self, params: dict[str, np.ndarray], dt: float | None = None,
                     stages: tuple[int, ...] = ()) -> Any:
        """The delay tables for ``params``: fixed-step ones for step ``dt`` and ``stages``
        (indices into :data:`~pyrates_backend_numpy.delays.STAGE_OFFSETS`), adaptive ones
        for ``dt=None``.

        Tables depend only on the step, the stages and the values of the weight, delay and
        ``Past`` delay parameters of the delayed reads; they are built once for each such
        combination (the last :data:`_MAX_TABLES` are kept), so that warming up, loading
        and running a model build a run's tables once.
        """
        key = (dt, stages, params_digest(self.system, _table_inputs(self), params))
        with self.lock:
            if key in self.tables:
                found = self.tables.pop(key)
                self.tables[key] = found
                return found
            built: FixedStepDelays | AdaptiveDelays = (
                adaptive_tables(self.system, self.layout.plan, params) if dt is None else
                fixed_step_tables(self.system, self.layout.plan, params, dt, stages))
            self.tables[key] = built
            while len(self.tables) > _MAX_TABLES:
                self.tables.pop(next(iter(self.tables)))
            return built


_MAX_TABLES = 4
"""Delay tables kept per loaded model (different steps, delays or weights)."""


def _table_inputs(handle: ModelHandle) -> list[str]:
    """Names of the parameters the delay tables of ``handle`` are built from."""
    return read_param_names(handle.system, [t.read for t in handle.layout.plan.tables])


# -- argument assembly ---------------------------------------------------------------------
def _edge_args(system: SystemIR, layout: Layout, params: dict[str, np.ndarray]) -> list[Any]:
    out: list[Any] = []
    for bp, _ in layout.edge_args:
        out.extend(undelayed_arrays(system, bp, params))
    return out


def _flat(tables: list[tuple[np.ndarray, ...]]) -> list[np.ndarray]:
    return [a for t in tables for a in t]


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
    head = param_arguments(system, params, layout.params)
    head += [np.asarray(system.inputs[i].default, system.value_dtype) for i in layout.inputs]
    head += _edge_args(system, layout, params)
    delays = handle.delay_tables(params)
    sizes = system.symbol_sizes()
    windows = {s: np.zeros(len(delays.delays[s]) * sizes[s], system.value_dtype)
               for s in layout.history}

    def write(s: str, value: np.ndarray) -> None:
        windows[s][:] = np.tile(value, len(delays.delays[s]))

    tables = _flat(delays.tables)
    _fill_initial_history(handle.module, layout, system, system.initial_state(), head,
                          windows, tables, write)
    return (*head, *(windows[s] for s in layout.history), *tables)


def follow_edge_params(handle: ModelHandle, func: Callable[..., Any]) -> Callable[..., Any]:
    """The vector field ``func(t, y, *args)`` with its edge arrays and delay tables following
    its weight and delay arguments.

    The generated function takes every parameter, but reads the edge weights (and delays)
    through derived arguments (undelayed edge arrays, delay tables with the weights folded
    in). The returned function rebuilds those from the weight and delay arguments whenever
    they differ from the values they were built for, so that changing a weight or delay
    argument gives what the model rebuilt with that value gives (for the same history
    windows; a delay change that alters the number of distinct delays of a symbol, and with
    it the window layout, is an error naming the parameter). ``py_func`` is the plain
    generated function.
    """
    system, layout = handle.system, handle.layout
    names = list(dict.fromkeys([b.weights for b in system.edges] +
                               _table_inputs(handle)))
    pos = {n: layout.params.index(n) for n in names if n in layout.params}
    if not pos:
        return func
    defaults = resolve_params(system, {})
    n_head = len(layout.params) + len(layout.inputs)
    n_edge = len(_edge_args(system, layout, defaults))
    n_win = len(layout.history)
    windows = {s: len(d) for s, d in handle.delay_tables(defaults).delays.items()}
    built: dict[str, Any] = {"values": {n: np.array(defaults[n]) for n in pos}, "args": None}

    def derived(values: dict[str, np.ndarray]) -> tuple[list[Any], list[Any]]:
        params = resolve_params(system, values)
        delays = handle.delay_tables(params)
        for sym, count in windows.items():
            if len(delays.delays[sym]) != count:
                which = [n for n in pos if system.params[n].role == "delay"]
                raise SolverError(
                    f"delay parameter(s) {', '.join(which)}: the new delays give '{sym}' "
                    f"{len(delays.delays[sym])} distinct delays instead of {count}, so its "
                    "history window argument changes shape; call get_run_func again")
        return _edge_args(system, layout, params), _flat(delays.tables)

    def wrapped(t: Any, y: Any, *args: Any) -> Any:
        values = {n: np.asarray(args[i]) for n, i in pos.items()}
        if all(np.array_equal(v, built["values"][n]) for n, v in values.items()):
            if built["args"] is None:
                return func(t, y, *args)
        else:
            built["values"] = {n: np.array(v) for n, v in values.items()}
            built["args"] = derived(values)
        edges, tables = built["args"]
        return func(t, y, *args[:n_head], *edges, *args[n_head + n_edge:n_head + n_edge + n_win],
                    *tables)

    wrapped.py_func = getattr(func, "py_func", func)  # type: ignore[attr-defined]
    wrapped.__name__ = getattr(func, "__name__", "vector_field")
    wrapped.__doc__ = func.__doc__
    return wrapped


# -- fixed step ------------------------------------------------------------------------------
@dataclass
class _FixedRun:
    args: list[Any]
    """Arguments of ``run_fixed_step`` after ``(_method, _y, _n0, _n1)``."""
    rec: np.ndarray
    plan: RecordingPlan
    zero_history: ActivationMask | None = None
    """Table weights masked until their activation steps (zero pre-history), in ``args``."""


def prepare_fixed(handle: ModelHandle, request: SimulationRequest, n_steps: int,
                  stride: int, n_samples: int, y0: np.ndarray,
                  recording: RecordingPlan | None = None) -> _FixedRun:
    """Arguments of the fixed-step loop for ``request`` (``recording``: reuse this plan of
    the same outputs).
    """
    system, layout = handle.system, handle.layout
    dt = request.step_size
    params = resolve_params(system, request.param_values)
    pargs = param_arguments(system, params, layout.params)
    series = input_series(system, request.inputs, n_steps, layout.inputs)
    edges = _edge_args(system, layout, params)
    stages = ((0,), (0, 2), (0, 1, 2))[FIXED_METHODS.get(request.solver, 2)]
    delays = handle.delay_tables(params, dt, stages)
    sizes = system.symbol_sizes()
    bufs = {s: np.zeros(2 * delays.lengths[s] * sizes[s], system.value_dtype)
            for s in layout.history}
    mask = delays.zero_history_mask() if check_history(request.history) == "zero" else None
    # with a zero pre-history the loop reads the masked weights (inactive taps read 0)
    tables = _flat(delays.tables if mask is None else
                   [(t[0], w, *t[2:]) for t, w in zip(delays.tables, mask.work)])

    def write(s: str, value: np.ndarray) -> None:
        bufs[s][:] = np.tile(value, 2 * delays.lengths[s])

    windows = {s: bufs[s][sizes[s]:(delays.lengths[s] + 1) * sizes[s]] for s in layout.history}
    head = [*pargs, *(x[0] for x in series), *edges]
    _fill_initial_history(handle.module, layout, system, y0, head, windows,
                          [t[0] for t in tables], write)
    plan = recording or plan_recording(system, request.outputs, layout.inputs)
    rec = np.zeros((n_samples, plan.n_cols), system.value_dtype)
    args = [0.0, dt, stride, rec, plan.rec_y, *plan.rec_inputs, *plan.rec_assign,
            plan.wants_assignments, *pargs, *series, *edges,
            *(bufs[s] for s in layout.history), *(delays.lengths[s] for s in layout.history),
            *tables]
    return _FixedRun(args, rec, plan, mask)


def warm_up(handle: ModelHandle, options: CodegenOptions | None = None) -> None:
    """Compile the numba loop by running zero steps with arguments of the right types.

    With the code-generation ``options`` the warm-up uses their solver and step size, so
    that a first run with them and the default parameters reuses its delay tables.
    """
    system = handle.system
    shortest = min_delay(system, [t.read for t in handle.layout.plan.tables])
    dt = min(1.0, shortest)
    solver = "euler"
    if options is not None and options.solver in FIXED_METHODS:
        solver = options.solver
        if options.step_size and options.step_size <= shortest * (1 + 1e-9):
            dt = float(options.step_size)
    request = SimulationRequest(simulation_time=dt, step_size=dt, solver=solver)
    run = prepare_fixed(handle, request, 1, 1, 0, system.initial_state())
    getattr(handle.module, LOOP)(0, system.initial_state(), 0, 0, *run.args)


def _integrate_fixed(handle: ModelHandle, request: SimulationRequest) -> SimulationResult:
    system = handle.system
    plan = sampling(request)
    n_steps = plan.n_steps
    y = initial_state(system, request)
    run = prepare_fixed(handle, request, n_steps, plan.stride, plan.n_samples, y)
    loop = getattr(handle.module, LOOP)
    method = FIXED_METHODS[request.solver]
    mask = run.zero_history
    start = time.perf_counter()
    y = run_fixed_segments(lambda n0, n1, y_: loop(method, y_, n0, n1, *run.args), y, n_steps,
                           system, request.step_size, request.progress,
                           () if mask is None else mask.steps,
                           None if mask is None else mask.advance)
    run_time = time.perf_counter() - start
    stats = {"run_time": run_time, "n_steps": n_steps,
             "n_rhs_evals": n_steps * (1, 2, 4)[method], "numba": handle.numba}
    return SimulationResult(plan.times, run.plan.split(run.rec), np.array(y), stats)


def _integrate_scipy(handle: ModelHandle, request: SimulationRequest) -> SimulationResult:
    system, layout, module = handle.system, handle.layout, handle.module
    method, opts = scipy_options(request.solver_options)
    plan = sampling(request)
    zero = check_history(request.history) == "zero"
    dt = request.step_size
    y0 = initial_state(system, request)
    params = resolve_params(system, request.param_values)
    head = param_arguments(system, params, layout.params)
    series = input_series(system, request.inputs, plan.n_steps, layout.inputs)
    edges = _edge_args(system, layout, params)
    delays = handle.delay_tables(params)
    tables = _flat(delays.tables)
    func = getattr(module, handle.func_name)
    observe = getattr(module, OBSERVE)
    sources = layout.history_sources

    def args_at(t: float, history: DenseHistory, exact: bool = True) -> list[Any]:
        windows = [np.concatenate([history.value(s, t - d, exact) for d in delays.delays[s]])
                   for s in layout.history]
        return [*head, *inputs_at(series, t, dt), *edges, *windows, *tables]

    def assigned(t: float, y: np.ndarray, history: DenseHistory) -> dict[str, np.ndarray]:
        values = observe(t, y, *args_at(t, history))
        return {s: np.asarray(values[p]) for s, p in sources.items()}

    # the value at t = 0 of assignment sources (two passes, as for fixed-step solvers)
    sizes = system.symbol_sizes()
    history = DenseHistory(system, y0, {s: np.zeros(sizes[s]) for s in sources}, zero)
    for _ in range(2 if sources else 0):
        history = DenseHistory(system, y0, assigned(0.0, y0, history), zero)
    history.evaluate = lambda sym, tq: np.asarray(
        observe(tq, history.state_at(tq), *args_at(tq, history, exact=False))[sources[sym]])

    rec_plan = plan_recording(system, request.outputs, layout.inputs)
    rec = np.zeros((plan.n_samples, rec_plan.n_cols), system.value_dtype)

    def record(k: int, y_k: np.ndarray) -> None:
        row_inputs = [arr[min(k * plan.stride, arr.shape[0] - 1)] for arr in series]
        rec[k] = rec_plan.row(y_k, row_inputs,
                              lambda: observe(plan.times[k], y_k,
                                              *args_at(plan.times[k], history)))

    def on_step(t: float, y: np.ndarray, interp: Any) -> None:
        history.add(t, interp, assigned(t, y, history) if sources else {})

    opts["max_step"] = min(float(opts.get("max_step") or np.inf), delays.min_delay,
                           input_max_step(series, dt))
    bar = progress_bar(request.progress, plan.n_steps)
    report = None if bar is None else (
        lambda t: bar.update(min(plan.n_steps, int(t / dt)) - bar.n))
    start = time.perf_counter()
    y_end, stats = run_adaptive(lambda t, y: func(t, y, *args_at(t, history)), y0, plan,
                                method, opts, record, on_step, system, report)
    stats["run_time"] = time.perf_counter() - start
    stats["numba"] = handle.numba
    if bar is not None:
        bar.close()
    return SimulationResult(plan.times, rec_plan.split(rec), y_end, stats)


BATCH_THREADS_ENV = "PYRATES_BATCH_THREADS"
"""Environment variable capping the threads of a numba batch (default: all CPUs)."""


def batch_workers(handle: ModelHandle, request: SimulationRequest) -> int:
    """Threads for the sets of a batch: 1 for pure NumPy and scipy, else the CPUs available
    to this process (at most ``$PYRATES_BATCH_THREADS`` when set).
    """
    if not handle.numba or request.solver not in FIXED_METHODS:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    cap = os.environ.get(BATCH_THREADS_ENV, "").strip()
    if cap:
        try:
            cpus = min(cpus, max(1, int(cap)))
        except ValueError as err:
            raise SolverError(f"${BATCH_THREADS_ENV}={cap!r} is not a whole number of "
                              "threads") from err
    return max(1, cpus)


def integrate(handle: ModelHandle, request: SimulationRequest) -> SimulationResult:
    """Simulate ``handle``'s model as ``request`` says (dispatch on ``request.solver``).

    ``request.batch_params``: the ``B`` parameter sets run on the same loaded (and compiled)
    model, see :func:`pyrates_core.runtime.run_batch`; with numba in :func:`batch_workers`
    threads (the compiled loop releases the GIL), else one after the other.
    """
    if request.batch_params or request.batch_inputs:
        return run_batch(lambda r: integrate(handle, r), request,
                         workers=batch_workers(handle, request))
    if request.solver in FIXED_METHODS:
        return _integrate_fixed(handle, request)
    if request.solver == "scipy":
        return _integrate_scipy(handle, request)
    raise SolverError(f"unknown solver '{request.solver}'; the numpy backend supports: "
                      f"{', '.join(sorted(SOLVERS))}")
