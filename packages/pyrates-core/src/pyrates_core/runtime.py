"""Backend-neutral runtime helpers: what every backend's ``integrate`` needs besides its code.

A backend author uses these instead of re-implementing the conventions of the request
and result classes of :mod:`pyrates_core.backend`:

* :func:`sampling` - step count, recording stride and the 1.x row times ``t_k = k * s``,
  ``k = 0..n-1`` (row 0: the initial state), with the checks and their error messages;
* :func:`resolve_params`, :func:`initial_state`, :func:`input_series` - parameter overrides,
  the start vector and the ``(n_steps, size)`` input layout (``(1, size)`` for defaults);
  :func:`inputs_at` (linear interpolation) and :func:`input_max_step` for adaptive solvers;
* :class:`RecordingPlan` (:func:`plan_recording`) - which state/input/assignment elements go
  into which output columns, and :meth:`RecordingPlan.split` back into the outputs;
* :func:`divergence_error`, :func:`check_history`;
* :class:`DenseHistory` - the history of an adaptive solver (dense output of every accepted
  step, zero or initial pre-history) that delayed reads are served from;
* :func:`run_adaptive` - a scipy ``solve_ivp``-method driver for any right-hand side
  ``fun(t, y)``, recording at the row times and reporting each accepted step;
  :func:`scipy_options` checks a request's ``solver_options`` for it;
* :func:`progress_bar` - the ``request.progress`` bar (tqdm, shown after a second);
* :func:`run_fixed_segments` - drives a compiled fixed-step loop over segments (progress
  updates, stops at given steps, e.g. activation steps), with the divergence checks;
* :func:`edge_delays` - the per-edge delays of a bundle a run uses (its delay parameter with
  the overrides applied), checked against the compiled structure, and
  :func:`refuse_delay_overrides` for backends that compile the delays into their code;
* :func:`run_batch` - the loop fallback for ``request.batch_params`` on backends without the
  ``batch`` capability (one compiled model, one integration per parameter set).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pyrates_core.backend import HISTORY_MODES, SimulationRequest, SimulationResult
from pyrates_core.errors import DivergenceError, SolverError, VariableNotFoundError
from pyrates_core.system import EdgeBundle, SystemIR

__all__ = [
    "SCIPY_METHODS",
    "SCIPY_OPTIONS",
    "DenseHistory",
    "RecordingPlan",
    "Sampling",
    "batch_member",
    "batch_size",
    "check_history",
    "divergence_error",
    "edge_delays",
    "initial_state",
    "input_max_step",
    "input_series",
    "inputs_at",
    "plan_recording",
    "progress_bar",
    "refuse_delay_overrides",
    "resolve_params",
    "run_adaptive",
    "run_batch",
    "run_fixed_segments",
    "sampling",
    "scipy_options",
]

SCIPY_METHODS = ("RK45", "RK23", "DOP853", "LSODA", "BDF", "Radau")
"""``scipy.integrate`` solver classes :func:`run_adaptive` accepts."""
SCIPY_OPTIONS = frozenset({"method", "rtol", "atol", "max_step", "first_step", "min_step"})
"""``solver_options`` of a scipy solver (:func:`scipy_options`)."""


# -- sampling ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sampling:
    """Steps and recorded rows of a request (PyRates 1.x rows)."""

    n_steps: int
    stride: int
    """Integration steps per recorded row."""
    n_samples: int
    step_size: float

    @property
    def times(self) -> np.ndarray:
        """Row times ``k * stride * step_size``, ``k = 0..n_samples-1``."""
        return np.arange(self.n_samples) * self.stride * self.step_size

    @property
    def t_end(self) -> float:
        """End time ``n_steps * step_size`` (the time of ``final_state``)."""
        return self.n_steps * self.step_size

    def records_at(self, step: int) -> bool:
        """Whether the state *before* integration step ``step`` is a recorded row."""
        return step % self.stride == 0 and step // self.stride < self.n_samples


def sampling(request: SimulationRequest) -> Sampling:
    """Check the step sizes of ``request`` and return its :class:`Sampling`."""
    if request.step_size <= 0 or request.simulation_time <= 0:
        raise SolverError("step_size and simulation_time must be positive")
    n_steps = request.n_steps
    if abs(n_steps * request.step_size - request.simulation_time) > 1e-9 * request.simulation_time:
        raise SolverError(f"simulation_time {request.simulation_time:g} is not a multiple of "
                          f"step_size {request.step_size:g}")
    s = request.sampling_step_size or request.step_size
    ratio = s / request.step_size
    stride = int(round(ratio))
    if stride < 1 or abs(ratio - stride) > 1e-9 * max(1.0, ratio):
        raise SolverError(f"sampling_step_size {s:g} must be a positive integer multiple "
                          f"of step_size {request.step_size:g}")
    return Sampling(n_steps, stride, int(np.floor(n_steps / stride + 0.5)), request.step_size)


# -- values ------------------------------------------------------------------------------------
def resolve_params(system: SystemIR, overrides: dict[str, Any]) -> dict[str, np.ndarray]:
    """Parameter values with ``overrides`` applied (dtype and shape of the system's)."""
    values = {name: np.asarray(p.value) for name, p in system.params.items()}
    for name, value in overrides.items():
        if name not in values:
            raise VariableNotFoundError(f"parameter '{name}' is not part of the model; known "
                                        f"parameters: {', '.join(sorted(values))}")
        old = values[name]
        new = np.asarray(value, dtype=np.result_type(old.dtype, np.asarray(value).dtype)
                         if old.dtype.kind == "c" else old.dtype)
        if new.shape != old.shape:
            if new.size != old.size:
                raise SolverError(f"parameter '{name}' has shape {old.shape}, the override "
                                  f"has shape {new.shape}")
            new = new.reshape(old.shape)
        values[name] = new
    return values


def edge_delays(system: SystemIR, bundle: EdgeBundle | int,
                params: dict[str, Any] | None = None,
                step_size: float | None = None) -> np.ndarray:
    """Per-edge delays of ``bundle`` (an :class:`EdgeBundle` or its index) for one run.

    The values are those of the bundle's delay parameter (:attr:`EdgeBundle.delay_param`),
    taken from ``params`` (parameter name -> value, e.g. :func:`resolve_params`' result or
    ``request.param_values``) where it is given and from ``system.params`` otherwise;
    bundles without a delay parameter have the fixed :attr:`EdgeBundle.delays`. The
    structure is fixed at compile time: an edge compiled undelayed must stay at 0, and a
    delayed edge needs a positive delay, at least ``step_size`` if given (fixed-step
    solvers); anything else is a :class:`~pyrates_core.errors.SolverError` naming the
    parameter.
    """
    b = system.edges[bundle] if isinstance(bundle, (int, np.integer)) else bundle
    name = b.delay_param
    if name is None:
        return np.asarray(b.delays, dtype=float)
    given = params is not None and name in params
    raw = params[name] if given else system.params[name].value  # type: ignore[index]
    value = np.asarray(raw)
    if value.dtype.kind == "c":
        value = value.real
    if value.size not in (1, b.n_edges):
        raise SolverError(f"delay parameter '{name}' of edge bundle '{b.name}' needs "
                          f"{b.n_edges} values (one per edge), got shape {value.shape}")
    delays = np.broadcast_to(value.astype(float).reshape(-1), (b.n_edges,))
    structural = np.asarray(b.delays) > 0
    moved = np.flatnonzero(~structural & (delays != 0))
    if moved.size:
        raise SolverError(f"delay parameter '{name}': edge {int(moved[0])} of bundle "
                          f"'{b.name}' was compiled without a delay, so its delay must stay 0 "
                          f"(got {delays[moved[0]]:g}); give it a delay when building the "
                          "model to make it adjustable")
    bad = np.flatnonzero(structural & ~(delays > 0))
    if bad.size:
        raise SolverError(f"delay parameter '{name}': edge {int(bad[0])} of bundle '{b.name}' "
                          f"is a delayed edge and needs a positive delay, got "
                          f"{delays[bad[0]]:g} (removing a delay changes the model's "
                          "structure: rebuild the model with delay 0 instead)")
    if step_size is not None:
        short = np.flatnonzero(structural & (delays < step_size * (1 - 1e-9)))
        if short.size:
            raise SolverError(f"delay parameter '{name}': edge {int(short[0])} of bundle "
                              f"'{b.name}' has delay {delays[short[0]]:g}, shorter than the "
                              f"step size {step_size:g}; delays must be at least one step "
                              "(reduce step_size)")
    return np.array(delays)


def refuse_delay_overrides(system: SystemIR, request: SimulationRequest, backend: str) -> None:
    """Raise if ``request`` changes a delay parameter, for backends that compile the delays
    into their code (without the ``delay_params`` capability), so that a delay override is
    never silently replaced by the compiled delays. Values equal to the compiled ones pass.
    """
    for b in system.edges:
        name = b.delay_param
        if name is None:
            continue
        default = np.asarray(system.params[name].value)
        given = [("param_values", request.param_values[name])] \
            if name in request.param_values else []
        if name in request.batch_params:
            given += [("batch_params", v) for v in np.asarray(request.batch_params[name])]
        for where, value in given:
            arr = np.asarray(value)
            if arr.size not in (1, default.size) or not np.array_equal(
                    np.broadcast_to(arr.reshape(-1), default.shape), default):
                raise SolverError(
                    f"{where}['{name}']: backend '{backend}' compiles edge delays into its "
                    "code (it has no 'delay_params' capability), so the delay parameter "
                    f"of edge bundle '{b.name}' cannot change at run time; rebuild the "
                    "model with the new delays instead")


def initial_state(system: SystemIR, request: SimulationRequest) -> np.ndarray:
    """The flat start vector: ``request.initial_state`` if given (checked), else the system's."""
    y0 = system.initial_state()
    if request.initial_state is None:
        return y0
    given = np.asarray(request.initial_state, dtype=system.value_dtype).ravel()
    if given.shape != y0.shape:
        raise SolverError(f"initial_state has {given.size} elements, the model has "
                          f"{y0.size} state variables")
    return given.copy()


def input_series(system: SystemIR, inputs: dict[str, np.ndarray], n_steps: int,
                 order: Sequence[str] | None = None) -> list[np.ndarray]:
    """One ``(rows, size)`` array per input of ``order`` (default: ``system.inputs``).

    Given series must have ``n_steps`` rows (more are ignored); a 1-D series of a size-1
    input is a column; inputs without a series get their default as a single row.
    """
    unknown = set(inputs) - set(system.inputs)
    if unknown:
        raise VariableNotFoundError(f"input(s) {sorted(unknown)} are not part of the model; "
                                    f"model inputs: {sorted(system.inputs)}")
    out = []
    for name in order if order is not None else list(system.inputs):
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


def input_max_step(series: Sequence[np.ndarray], dt: float) -> float:
    """Longest step an adaptive solver may take without stepping over an input change.

    The shortest stretch of identical consecutive rows of any series, times ``dt`` (``inf``
    for constant inputs): a solver starting from rest sees zero derivatives and would
    otherwise grow its steps past a pulse without ever evaluating inside it.
    """
    shortest = np.inf
    for arr in series:
        if arr.shape[0] < 2:
            continue
        change = np.flatnonzero(np.any(arr[1:] != arr[:-1], axis=1)) + 1
        if change.size:
            bounds = np.concatenate(([0], change, [arr.shape[0]]))
            shortest = min(shortest, float(np.diff(bounds).min()))
    return shortest * dt


def inputs_at(series: Sequence[np.ndarray], t: float, dt: float) -> list[np.ndarray]:
    """Inputs at time ``t`` for adaptive solvers: linear between rows, the last row held."""
    out = []
    s = t / dt
    i = int(np.floor(s))
    f = s - i
    for arr in series:
        if i >= arr.shape[0] - 1:
            out.append(arr[-1])
        else:
            out.append(arr[i] if f == 0.0 else (1.0 - f) * arr[i] + f * arr[i + 1])
    return out


# -- recording ---------------------------------------------------------------------------------
@dataclass
class RecordingPlan:
    """Output columns: ``rec_y`` indexes the state vector, ``rec_inputs[j]`` input ``j`` (in the
    backend's input order), ``rec_assign[j]`` assignment ``j`` (``system.assignments`` order).
    """

    rec_y: np.ndarray
    rec_inputs: list[np.ndarray]
    rec_assign: list[np.ndarray]
    columns: dict[str, slice]
    n_cols: int

    @property
    def wants_assignments(self) -> bool:
        """Whether any assignment is recorded (backends can skip evaluating them)."""
        return any(r.size for r in self.rec_assign)

    def row(self, y: np.ndarray, inputs: Sequence[np.ndarray],
            assignments: Callable[[], Sequence[np.ndarray]] | None = None) -> np.ndarray:
        """One recorded row from the state, the inputs and (lazily) the assignments."""
        parts = [np.asarray(y)[self.rec_y]]
        parts += [np.asarray(v)[r] for v, r in zip(inputs, self.rec_inputs)]
        if assignments is not None and self.wants_assignments:
            parts += [np.asarray(v)[r] for v, r in zip(assignments(), self.rec_assign)]
        return np.concatenate(parts)

    def split(self, rec: np.ndarray) -> dict[str, np.ndarray]:
        """Recorded columns (``(..., n_rows, n_cols)``) -> outputs by key.

        The outputs are views of ``rec`` (no copy): pass a recording array that is not
        written to afterwards. Consumers can recover the one 2-D block (``out.base``) to
        frame all columns at once without copying.
        """
        return {key: rec[..., sl] for key, sl in self.columns.items()}


def plan_recording(system: SystemIR, outputs: dict[str, tuple[str, Any]],
                   input_order: Sequence[str] | None = None) -> RecordingPlan:
    """Column layout for ``request.outputs`` (``key -> (symbol, indices or None)``)."""
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
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    rec_y = np.concatenate([take("state", s.name) for s in system.states] or
                           [np.zeros(0, np.int64)])
    order = input_order if input_order is not None else list(system.inputs)
    rec_inputs = [take("input", i) for i in order]
    rec_assign = [take("assign", a.name) for a in system.assignments]
    return RecordingPlan(rec_y.astype(np.int64), rec_inputs, rec_assign, columns, col)


# -- checks ------------------------------------------------------------------------------------
def divergence_error(system: SystemIR, y: np.ndarray, t: float) -> DivergenceError:
    """The error for a non-finite state ``y`` found by time ``t``, naming the variables by their
    frontend paths (at most five).
    """
    bad = [lab for s in system.states
           for lab, v in zip(s.labels, y[s.start:s.start + s.size]) if not np.isfinite(v)]
    if len(bad) > 5:
        bad = bad[:5] + [f"and {len(bad) - 5} more"]
    return DivergenceError(f"the simulation diverged: state variable(s) {', '.join(bad)} became "
                           f"non-finite by t = {t:g}; try a smaller step size or check the "
                           "parameters")


def check_history(mode: str) -> str:
    """``mode`` if it is one of :data:`~pyrates_core.backend.HISTORY_MODES`, else an error."""
    if mode not in HISTORY_MODES:
        raise SolverError(f"history={mode!r} is not a history mode; choose one of "
                          f"{', '.join(sorted(HISTORY_MODES))}")
    return mode


# -- adaptive solvers --------------------------------------------------------------------------
class DenseHistory:
    """History of accepted steps of an adaptive solver.

    States come from the solver's dense output of each step; other symbols (assignments) are
    stored at the accepted times and interpolated linearly, unless an ``evaluate(sym, t)``
    callback recomputes them from the dense state. Reads before ``t = 0`` return zeros
    (``zero=True``, the 1.x default) or the value at ``t = 0``.
    """

    def __init__(self, system: SystemIR, y0: np.ndarray, others0: dict[str, np.ndarray],
                 zero: bool = True) -> None:
        self.slices = {s.name: slice(s.start, s.start + s.size) for s in system.states}
        self.y0 = y0
        self.zero = zero
        self.t_end: list[float] = []
        self.interps: list[Any] = []
        self.other_t: list[float] = [0.0]
        self.other_v = {s: [v] for s, v in others0.items()}
        self.evaluate: Callable[[str, float], np.ndarray] | None = None

    def add(self, t: float, interp: Any, others: dict[str, np.ndarray]) -> None:
        """Store an accepted step ending at ``t`` (``interp``: its dense output)."""
        self.t_end.append(t)
        self.interps.append(interp)
        self.other_t.append(t)
        for s, v in others.items():
            self.other_v[s].append(v)

    def state_at(self, tq: float) -> np.ndarray:
        """The full state vector at ``tq``."""
        if tq < 0.0 and self.zero:
            return np.zeros_like(self.y0)
        if tq <= 0.0 or not self.t_end:
            return self.y0
        k = min(bisect.bisect_left(self.t_end, tq), len(self.t_end) - 1)
        return np.asarray(self.interps[k](tq))

    def value(self, sym: str, tq: float, exact: bool = True) -> np.ndarray:
        """Value of ``sym`` at ``tq`` (``exact``: re-evaluate non-states from the dense state)."""
        if sym in self.slices:
            return self.state_at(tq)[self.slices[sym]]
        values = self.other_v[sym]
        if tq < 0.0 and self.zero:
            return np.zeros_like(values[0])
        if exact and tq > 0.0 and self.evaluate is not None:
            return self.evaluate(sym, tq)
        if tq <= 0.0 or len(values) == 1:
            return values[0]
        k = min(bisect.bisect_left(self.other_t, tq), len(self.other_t) - 1)
        t0, t1 = self.other_t[k - 1], self.other_t[k]
        f = (tq - t0) / (t1 - t0)
        return (1.0 - f) * values[k - 1] + f * values[k]


def scipy_options(options: dict[str, Any], solver: str = "scipy") -> tuple[str, dict[str, Any]]:
    """The scipy method (default ``'RK45'``) and the other options of ``options`` (a request's
    ``solver_options``); unknown keys or methods are a :class:`SolverError` listing the
    accepted ones.
    """
    opts = dict(options)
    unknown = set(opts) - SCIPY_OPTIONS
    if unknown:
        raise SolverError(f"unknown solver_options {sorted(unknown)} for solver '{solver}'; "
                          f"accepted: {', '.join(sorted(SCIPY_OPTIONS))}")
    method = opts.pop("method", "RK45")
    if method not in SCIPY_METHODS:
        raise SolverError(f"unknown scipy method '{method}'; choose one of "
                          f"{', '.join(SCIPY_METHODS)}")
    return method, opts


def progress_bar(enabled: bool, total: int) -> Any:
    """A tqdm bar over ``total`` steps if ``enabled`` (None otherwise, or without tqdm); it
    shows only once the run has taken a second, so that short runs stay quiet.
    """
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="simulating", unit="step", delay=1.0)


def run_fixed_segments(
    advance: Callable[[int, int, np.ndarray], tuple[int, np.ndarray]], y0: np.ndarray,
    n_steps: int, system: SystemIR, step_size: float, progress: bool = False,
    stops: Sequence[int] = (), at_stop: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Run a fixed-step loop from step 0 to ``n_steps`` in segments; return the final state.

    ``advance(n0, n1, y)`` integrates steps ``n0 .. n1 - 1`` from ``y`` and returns ``(status,
    y)``, ``status`` being -1 or the step by which the state was found non-finite. Segments
    end at every step of ``stops`` (``at_stop(n0)`` is called before each segment, e.g. to
    switch on delayed taps) and, with ``progress``, at every hundredth of the run (a
    :func:`progress_bar`). Non-finite states raise :func:`divergence_error`.
    """
    bar = progress_bar(progress, n_steps)
    chunk = n_steps if bar is None else max(1, n_steps // 100)
    ends = [*(int(s) for s in stops if 0 < s < n_steps), n_steps]
    y, n0 = y0, 0
    while n0 < n_steps:
        n1 = min(n_steps, n0 + chunk, next(e for e in ends if e > n0))
        if at_stop is not None:
            at_stop(n0)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            status, y = advance(n0, n1, y)
        if status >= 0:
            raise divergence_error(system, y, status * step_size)
        if bar is not None:
            bar.update(n1 - n0)
        n0 = n1
    if not np.all(np.isfinite(y)):
        raise divergence_error(system, y, n_steps * step_size)
    if bar is not None:
        bar.close()
    return y


def run_adaptive(
    fun: Callable[[float, np.ndarray], np.ndarray], y0: np.ndarray, plan: Sampling,
    method: str, options: dict[str, Any], record: Callable[[int, np.ndarray], None],
    on_step: Callable[[float, np.ndarray, Any], None] | None = None,
    system: SystemIR | None = None, progress: Any = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Integrate ``y' = fun(t, y)`` from 0 to ``plan.t_end`` with a scipy solver class.

    ``record(k, y_k)`` is called for every row ``k`` of ``plan`` in order (row 0 with ``y0``,
    the others from the dense output); ``on_step(t, y, interp)`` after every accepted step
    (e.g. to extend a :class:`DenseHistory`). ``options`` go to the solver (``rtol``, ``atol``,
    ``max_step``, ``first_step``...). Non-finite states raise :func:`divergence_error` (with
    ``system``) and solver failures :class:`~pyrates_core.errors.SolverError`. Returns the
    state at ``t_end`` and stats (``n_rhs_evals``, ``method``, ``n_accepted``).
    """
    from scipy import integrate as si

    if method not in SCIPY_METHODS:
        raise SolverError(f"unknown scipy method '{method}'; choose one of "
                          f"{', '.join(SCIPY_METHODS)}")
    times, t_end = plan.times, plan.t_end
    solver = getattr(si, method)(fun, 0.0, y0, t_end, **options)

    def diverged(y: np.ndarray, t: float) -> Exception:
        if system is not None:
            return divergence_error(system, y, t)
        return DivergenceError(f"the simulation diverged by t = {t:g}")

    k = 0
    if plan.n_samples:
        record(0, y0)
        k = 1
    n_accepted = 0
    while solver.status == "running":
        message = solver.step()
        if not np.all(np.isfinite(solver.y)):
            raise diverged(solver.y, solver.t)
        if solver.status == "failed":
            raise SolverError(f"scipy {method} failed at t = {solver.t:g}: {message}")
        n_accepted += 1
        interp = solver.dense_output()
        if on_step is not None:
            on_step(solver.t, solver.y, interp)
        while k < plan.n_samples and times[k] <= solver.t + 1e-12 * t_end:
            record(k, np.asarray(interp(times[k])) if times[k] < solver.t else solver.y)
            k += 1
        if progress is not None:
            progress(solver.t)
    return np.array(solver.y), {"n_rhs_evals": solver.nfev, "method": method,
                                "n_accepted": n_accepted}


# -- batch -------------------------------------------------------------------------------------
def batch_size(request: SimulationRequest) -> int:
    """Number ``B`` of sets in ``request.batch_params`` and ``request.batch_inputs`` (0
    without a batch).
    """
    given = {**{f"batch_params['{k}']": v for k, v in request.batch_params.items()},
             **{f"batch_inputs['{k}']": v for k, v in request.batch_inputs.items()}}
    sizes = {np.shape(v)[0] if np.ndim(v) else -1 for v in given.values()}
    if not sizes:
        return 0
    if len(sizes) != 1 or -1 in sizes:
        raise SolverError("batch_params and batch_inputs must all have the same leading "
                          "(batch) size; got "
                          + ", ".join(f"{k}: {np.shape(v)}" for k, v in given.items()))
    return sizes.pop()


def batch_member(request: SimulationRequest, b: int) -> SimulationRequest:
    """Set ``b`` of a batch request as a request without a batch: ``param_values`` with row
    ``b`` of every batch parameter on top, ``inputs`` with row ``b`` of every batch input.
    """
    values = dict(request.param_values)
    values.update({k: np.asarray(v)[b] for k, v in request.batch_params.items()})
    inputs = dict(request.inputs)
    inputs.update({k: np.asarray(v)[b] for k, v in request.batch_inputs.items()})
    return replace(request, batch_params={}, batch_inputs={}, param_values=values,
                   inputs=inputs)


def run_batch(integrate_one: Callable[[SimulationRequest], SimulationResult],
              request: SimulationRequest, workers: int = 1) -> SimulationResult:
    """Run the ``B`` sets of ``request.batch_params`` (and ``batch_inputs``) and stack them
    in order.

    ``integrate_one`` integrates a request without a batch (usually ``lambda r:
    backend.integrate(model, r)``). Outputs get a leading batch axis ``(B, n_samples, n)``,
    ``final_state`` is ``(B, n_state)``; set ``b`` is :func:`batch_member` ``(request, b)``.
    ``workers > 1`` runs the sets in that many
    threads (worth it where ``integrate_one`` spends its time in code that releases the GIL,
    e.g. numba's ``nogil`` functions); ``integrate_one`` must then be thread-safe. The results
    do not depend on ``workers``.
    """
    n = batch_size(request)
    if n == 0:
        return integrate_one(request)
    if workers < 1:
        raise ValueError(f"run_batch: workers must be at least 1, got {workers}")

    def one(b: int) -> SimulationResult:
        return integrate_one(batch_member(request, b))

    workers = min(workers, n)
    if workers == 1:
        results = [one(b) for b in range(n)]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pyrates-batch") as pool:
            results = list(pool.map(one, range(n)))
    outputs = {key: np.stack([r.outputs[key] for r in results]) for key in results[0].outputs}
    stats = dict(results[0].stats)
    stats.update({"batch": n, "batch_mode": "loop" if workers == 1 else "threads",
                  "batch_workers": workers,
                  "run_time": sum(float(r.stats.get("run_time", 0.0)) for r in results)})
    return SimulationResult(results[0].time, outputs,
                            np.stack([r.final_state for r in results]), stats)
