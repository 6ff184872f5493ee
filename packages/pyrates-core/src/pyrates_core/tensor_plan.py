"""Framework-neutral planning of a run for tensor backends: sampling, edges, delayed reads,
recorded outputs.

Everything here is plain numpy and sympy; a differentiable backend (the PyTorch and TensorFlow
backends use it) turns it into tensors. Delayed reads follow the PyRates convention: a stage at
``t_n + c*dt`` reads the history of a symbol at lag ``s = d/dt - c`` steps behind step ``n``; an
integer lag is a row of the history, any other lag is interpolated with the cubic Lagrange
polynomial through the lags ``j-1 .. j+2`` (``j = floor(s)``), or with the quadratic through lags
``0 .. 2`` when ``j = 0``. The weights are polynomials in the fractional lag, so they are
differentiable in the delay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from pyrates_core.backend import SimulationRequest
from pyrates_core.errors import SolverError, VariableNotFoundError
from pyrates_core.functions import Past
from pyrates_core.system import SystemIR

__all__ = [
    "DENSE_MAX_CELLS",
    "history_lengths",
    "initial_state",
    "input_rows",
    "stencil_columns",
    "STAGE_OFFSETS",
    "BundlePlan",
    "ModelPlan",
    "OutputPlan",
    "PastPlan",
    "lagrange_weights",
    "plan_model",
    "plan_outputs",
    "sampling",
    "stencil_nodes",
]

STAGE_OFFSETS = {"euler": (0.0,), "heun": (0.0, 1.0), "rk4": (0.0, 0.5, 1.0)}
"""Stage time offsets (in steps) that each fixed-step solver evaluates."""
DENSE_MAX_CELLS = 4_000_000
"""Undelayed bundles with at most this many target x source cells use a dense matrix."""
TOL = 1e-9


@dataclass
class BundlePlan:
    """How one edge bundle is computed."""

    index: int
    source: str
    n_source: int
    n_target: int
    dense: bool
    """Undelayed edges as a dense ``(n_target, n_source)`` matrix (else gather + scatter)."""
    zero: np.ndarray
    """Mask of the undelayed edges."""
    delayed: np.ndarray
    """Mask of the delayed edges."""


@dataclass
class PastPlan:
    """One ``Past(x, tau)`` term."""

    expr: sp.Expr
    symbol: str
    size: int
    tau: sp.Expr


@dataclass
class ModelPlan:
    """Static structure of a generated model."""

    bundles: list[BundlePlan]
    pasts: list[PastPlan]
    history: dict[str, int]
    """Symbols with a history -> their size."""
    uses_time: bool


def plan_model(system: SystemIR) -> ModelPlan:
    """Edge and delay structure of ``system`` (independent of step size and values)."""
    bundles = []
    for k, b in enumerate(system.edges):
        if np.any(b.delays < 0):
            raise SolverError(f"edge bundle '{b.name}' has negative delays; delays must be >= 0")
        zero = b.delays == 0
        bundles.append(BundlePlan(k, b.source, b.n_source, b.n_target,
                                  b.n_source * b.n_target <= DENSE_MAX_CELLS, zero, ~zero))
    sizes = system.symbol_sizes()
    pasts: list[PastPlan] = []
    seen: set[sp.Expr] = set()
    exprs = [a.expr for a in system.assignments] + list(system.derivatives)
    for expr in exprs:
        for p in sorted(expr.atoms(Past), key=sp.default_sort_key):
            if p in seen:
                continue
            seen.add(p)
            x, tau = p.args
            if not isinstance(x, sp.Symbol) or x.name not in sizes or x.name in system.inputs:
                raise SolverError(f"Past() needs a state or assignment symbol, got '{x}' in {p}")
            bad = [s.name for s in tau.free_symbols if s.name not in system.params]
            if bad:
                raise SolverError(f"the delay of {p} must be built from numbers and constants, "
                                  f"not {', '.join(bad)}")
            pasts.append(PastPlan(p, x.name, sizes[x.name], tau))
    history: dict[str, int] = {}
    for bp in bundles:
        if bp.delayed.any():
            history[bp.source] = sizes[bp.source]
    for pp in pasts:
        history[pp.symbol] = pp.size
    uses_time = any(system.time in e.free_symbols for e in exprs)
    return ModelPlan(bundles, pasts, history, uses_time)


def sampling(request: SimulationRequest) -> tuple[int, int, int]:
    """``(n_steps, stride, n_samples)`` of a fixed-step run, checked."""
    if request.step_size <= 0 or request.simulation_time <= 0:
        raise SolverError("step_size and simulation_time must be positive")
    n_steps = request.n_steps
    if n_steps < 1 or abs(n_steps * request.step_size - request.simulation_time) > \
            1e-9 * request.simulation_time:
        raise SolverError(f"simulation_time {request.simulation_time:g} is not a positive "
                          f"multiple of step_size {request.step_size:g}")
    s = request.sampling_step_size or request.step_size
    ratio = s / request.step_size
    stride = int(round(ratio))
    if stride < 1 or abs(ratio - stride) > 1e-9 * max(1.0, ratio):
        raise SolverError(f"sampling_step_size {s:g} must be a positive integer multiple of "
                          f"step_size {request.step_size:g}")
    n_samples = int(round(request.simulation_time / s))
    return n_steps, stride, max(1, min(n_samples, n_steps // stride))


def stencil_nodes(lag: np.ndarray, dt: float, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer part ``j`` and first stencil lag ``base`` for (detached) lags in steps."""
    j = np.floor(lag + TOL).astype(np.int64)
    if np.any(j < 0):
        raise SolverError(f"{what} has a delay shorter than the step size {dt:g}; delays must be "
                          "0 or at least one step (reduce step_size)")
    base = np.where(j == 0, 0, j - 1)
    return j, base


def lagrange_weights(u: Any, q: Any) -> list[Any]:
    """Interpolation weights of the four stencil lags at fractional position ``u``.

    ``u`` is a framework tensor (or array) of fractional lags; ``q`` (same type, 0 or 1) marks
    entries that use the quadratic through lags ``0, 1, 2`` (their fourth weight is zero).
    Only arithmetic is used, so the weights stay differentiable in ``u``.
    """
    c = 1.0 - q
    cubic = [-u * (u - 1) * (u - 2) / 6, (u + 1) * (u - 1) * (u - 2) / 2,
             -(u + 1) * u * (u - 2) / 2, (u + 1) * u * (u - 1) / 6]
    quad = [(u - 1) * (u - 2) / 2, -u * (u - 2), u * (u - 1) / 2]
    return [c * cubic[0] + q * quad[0], c * cubic[1] + q * quad[1],
            c * cubic[2] + q * quad[2], c * cubic[3]]


def history_length(max_lag_steps: float) -> int:
    """Rows of history needed for lags up to ``max_lag_steps`` (stencils reach two beyond)."""
    return int(np.floor(max_lag_steps + TOL)) + 3


def history_lengths(reads: list[tuple[str, np.ndarray]], dt: float) -> dict[str, int]:
    """History rows per delayed symbol for ``(symbol, delays)`` reads (delays detached, real).

    At least 4 rows (one interpolation stencil); a delay in ``(0, dt)`` is an error.
    """
    lengths: dict[str, int] = {}
    for sym, d in reads:
        d = np.real(np.asarray(d, dtype=complex if np.iscomplexobj(d) else float))
        if d.size and np.any(d < dt * (1 - 1e-9)):
            raise SolverError(f"a delay of {d.min():g} on '{sym}' is shorter than the step size "
                              f"{dt:g}; delays must be 0 or at least one step (reduce step_size)")
        need = history_length(float(d.max()) / dt) if d.size else 4
        lengths[sym] = max(lengths.get(sym, 4), need, 4)
    return lengths


def stencil_columns(delays: np.ndarray, src: np.ndarray, length: int, size: int, dt: float,
                    c: float, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(j, cols, act)`` of reads at stage offset ``c`` from a flat history buffer.

    The buffer of a symbol of ``size`` elements holds ``length`` rows, oldest first, flattened
    to ``(B, length*size)``; ``src`` are the element indices read, ``delays`` (detached, real)
    their delays. ``j`` is the integer part of every lag (the fractional part ``lag - j`` is
    what the framework turns into :func:`lagrange_weights`, with ``q = (j == 0)``), ``cols``
    the ``(4, m)`` buffer columns of the four stencil lags, ``act`` the activation step of
    every read for a zero pre-history: the first step at which its stage reads a time ``>= 0``
    (``> 0`` for the stages after the start of a step, which read the left limit).
    """
    d_steps = np.real(np.asarray(delays)) / dt
    j, base = stencil_nodes(d_steps - c, dt, what)
    lags = base[None, :] + np.arange(4)[:, None]
    cols = (length - 1 - lags) * size + np.asarray(src)[None, :]
    act = np.ceil(d_steps - TOL) if c == 0 else np.floor(d_steps - c + TOL) + 1
    return j, cols, np.broadcast_to(act, (np.size(src),))


def initial_state(system: SystemIR, request: SimulationRequest) -> np.ndarray:
    """The flat initial state: ``request.initial_state`` (checked) or the system's."""
    if request.initial_state is None:
        return system.initial_state()
    y0 = np.asarray(request.initial_state).ravel()
    if y0.shape != (system.n_state,):
        raise SolverError(f"initial_state has {y0.size} elements, the model has "
                          f"{system.n_state} state variables")
    return y0


def input_rows(system: SystemIR, names: list[str], request: SimulationRequest, n_steps: int
               ) -> list[np.ndarray]:
    """The input series ``(n_steps, size)`` in ``names`` order (defaults where not given)."""
    unknown = set(request.inputs) - set(system.inputs)
    if unknown:
        raise SolverError(f"inputs {sorted(unknown)} are not inputs of the model (its inputs: "
                          f"{sorted(system.inputs) or 'none'})")
    out = []
    for name in names:
        spec = system.inputs[name]
        if name in request.inputs:
            arr = np.asarray(request.inputs[name])
            arr = arr.reshape(arr.shape[0], -1)
            if arr.shape != (n_steps, spec.size):
                raise SolverError(f"input '{name}' has shape {arr.shape}, expected "
                                  f"({n_steps}, {spec.size}): one row per step")
        else:
            arr = np.tile(spec.default, (n_steps, 1))
        out.append(arr)
    return out


@dataclass
class OutputPlan:
    """Where every recorded output comes from."""

    states: dict[str, np.ndarray] = field(default_factory=dict)
    """Key -> flat state-vector indices."""
    inputs: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)
    assigns: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)


def plan_outputs(system: SystemIR, outputs: dict[str, tuple[str, Any]]) -> OutputPlan:
    """Check the requested outputs and sort them by kind."""
    sizes = system.symbol_sizes()
    states = {s.name: s for s in system.states}
    plan = OutputPlan()
    for key, (sym, idx) in outputs.items():
        if sym not in sizes:
            raise VariableNotFoundError(f"output '{key}': '{sym}' is neither a state, an "
                                        "assignment nor an input of the model")
        index = np.arange(sizes[sym]) if idx is None else np.atleast_1d(np.asarray(idx))
        index = index.astype(np.int64)
        if index.size and (index.min() < -sizes[sym] or index.max() >= sizes[sym]):
            raise VariableNotFoundError(f"output '{key}': indices {index.tolist()} are out of "
                                        f"range for '{sym}' of size {sizes[sym]}")
        index = index % max(1, sizes[sym])
        if sym in states:
            plan.states[key] = index + states[sym].start
        elif sym in system.inputs:
            plan.inputs[key] = (sym, index)
        else:
            plan.assigns[key] = (sym, index)
    return plan


def resolve_values(system: SystemIR, request: SimulationRequest) -> tuple[dict[str, np.ndarray],
                                                                           int]:
    """Parameter values (batched ones with a leading axis) and the batch size."""
    values = {k: np.asarray(p.value) for k, p in system.params.items()}
    for name, val in request.param_values.items():
        if name not in values:
            raise VariableNotFoundError(f"param_values: '{name}' is not a parameter of the model")
        arr = np.asarray(val)
        if arr.size != values[name].size:
            raise ValueError(f"param_values['{name}'] has {arr.size} values, the parameter has "
                             f"{values[name].size}")
        values[name] = arr.reshape(values[name].shape)
    batch = 1
    for name, val in request.batch_params.items():
        if name not in values:
            raise VariableNotFoundError(f"batch_params: '{name}' is not a parameter of the model")
        arr = np.asarray(val)
        if arr.ndim == 0 or arr[0].size != values[name].size:
            raise ValueError(f"batch_params['{name}'] must have shape (B, "
                             f"{', '.join(map(str, values[name].shape))}), got {arr.shape}")
        if batch not in (1, arr.shape[0]):
            raise ValueError(f"batch_params: '{name}' has {arr.shape[0]} rows, another "
                             f"parameter {batch}; every batch parameter needs the same B")
        batch = arr.shape[0]
        values[name] = arr.reshape((arr.shape[0], *values[name].shape))
    return values, batch
