"""Delay tables: how delayed ``EdgeSum`` bundles and ``Past`` read the history of a symbol.

The generated vector field never interpolates itself. Every delayed quantity reads a flat
*window* of the history of its source symbol through a *table* of gather indices and weights::

    padded table:  out[i] = sum_j w[j, i] * window[idx[j, i]]          (idx, w: (cols, n_out))
    flat table:    out[tgt[e]] += w[e] * window[idx[e]]                 (idx, w, tgt: (n_entries,))

The tables are built at integration time (they depend on the step size and on parameter
overrides), the generated code stays the same.

Fixed-step solvers (euler, heun, rk4)
    The history of a symbol ``x`` of size ``N`` is a doubled ring buffer of ``L`` rows: the value
    at step ``n`` is written to rows ``n % L`` and ``n % L + L``, so the ``L`` rows that end with
    step ``n`` are always one contiguous slice (the window). Window row ``L - 1 - j`` holds
    ``x(t_n - j*dt)``. A stage at ``t_n + c*dt`` (``c`` in 0, 1/2, 1) needs ``x`` at lag
    ``s = d/dt - c`` steps: delays that are integer multiples of ``dt`` are exact lookups, other
    lags are interpolated with a cubic Lagrange polynomial through the four neighbouring rows
    (quadratic through the three newest when the lag is below one step), the interpolation
    weights being folded into the table weights. One table per stage offset ``c`` is built
    (stacked along the first axis, see :data:`STAGE_OFFSETS`). Delays must be ``0`` (undelayed
    edges, computed from the current value) or at least one step; ``0 < d < dt`` and ``d < 0``
    are errors.

    Zero pre-history (``history='zero'``, the PyRates 1.x default): the window rows before
    ``t = 0`` hold the initial value (so that interpolation stencils near ``t = 0`` see a
    continuous history) and every table entry has an *activation step*, the first step at
    which its stage reads a time ``>= 0`` (``> 0`` for the stages after the start of a step,
    which read the left limit). Before it the entry's weight is zeroed, so the read is 0; the
    solver runs the loop in segments between activation steps with masked weights.

Adaptive solvers (scipy)
    The window has one row per distinct delay ``D_k`` of the symbol, filled at every call with
    ``x(t - D_k)`` from a dense history of accepted steps (see
    :mod:`pyrates_backend_numpy.solvers`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from pyrates_core.errors import SolverError
from pyrates_core.functions import Past
from pyrates_core.system import SystemIR

__all__ = [
    "STAGE_OFFSETS",
    "BundlePlan",
    "DelayPlan",
    "DelayTable",
    "adaptive_tables",
    "fixed_step_tables",
    "plan_delays",
    "undelayed_arrays",
]

STAGE_OFFSETS: tuple[float, ...] = (0.0, 0.5, 1.0)
"""Stage time offsets (in steps) for which fixed-step tables are built: euler uses the first,
heun the first and last, rk4 all three."""

_DENSE_MIN_DENSITY = 0.1
_DENSE_MAX_ELEMENTS = 4_000_000
_PADDED_MIN_FILL = 0.5
_TOL = 1e-9


@dataclass
class DelayTable:
    """A delayed quantity read from the history of ``symbol`` (a delayed bundle or a Past)."""

    prefix: str
    """Identifier prefix of its arguments in the generated code."""
    symbol: str
    """IR name of the source symbol."""
    n_out: int
    flat: bool
    """Flat (bincount-like) table instead of a padded one."""
    bundle: int | None = None
    past: sp.Expr | None = None


@dataclass
class BundlePlan:
    """How the code generator computes one edge bundle."""

    index: int
    prefix: str
    undelayed: str
    """'none', 'dense' (matrix product) or 'sparse' (gather + bincount) for zero-delay edges."""
    table: DelayTable | None
    """Table of the delayed edges, if any."""


@dataclass
class DelayPlan:
    """Everything the generated code needs to know about edges and delays."""

    bundles: list[BundlePlan] = field(default_factory=list)
    tables: list[DelayTable] = field(default_factory=list)
    history: dict[str, str] = field(default_factory=dict)
    """Source symbol -> name of its window argument."""
    past: dict[sp.Expr, DelayTable] = field(default_factory=dict)


def plan_delays(system: SystemIR, ident: Callable[[str], str]) -> DelayPlan:
    """Decide how every bundle and ``Past`` is computed; ``ident(base)`` gives fresh names."""
    plan = DelayPlan()
    for k, b in enumerate(system.edges):
        prefix = ident(b.name or f"edges{k}")
        zero = b.delays == 0
        if np.any(b.delays < 0):
            raise SolverError(f"edge bundle '{b.name}' has negative delays; delays must be >= 0")
        undelayed = "none"
        n_zero = int(zero.sum())
        if n_zero:
            cells = b.n_target * b.n_source
            dense = n_zero >= _DENSE_MIN_DENSITY * cells and cells <= _DENSE_MAX_ELEMENTS
            undelayed = "dense" if dense else "sparse"
        table = None
        if n_zero < b.n_edges:
            tgt = b.target_idx[~zero]
            max_deg = int(np.bincount(tgt, minlength=b.n_target).max())
            fill = tgt.size / max(1, b.n_target * max_deg)
            table = DelayTable(prefix, b.source, b.n_target, fill < _PADDED_MIN_FILL, bundle=k)
            plan.tables.append(table)
        plan.bundles.append(BundlePlan(k, prefix, undelayed, table))
    exprs = [a.expr for a in system.assignments] + list(system.derivatives)
    sizes = system.symbol_sizes()
    for expr in exprs:
        for p in sorted(expr.atoms(Past), key=sp.default_sort_key):
            if p in plan.past:
                continue
            x = p.args[0]
            if not isinstance(x, sp.Symbol) or x.name not in sizes or x.name in system.inputs:
                raise SolverError(f"Past() needs a state or assignment symbol, got '{x}' in {p}")
            table = DelayTable(ident(f"past_{x.name}"), x.name, sizes[x.name], False, past=p)
            plan.past[p] = table
            plan.tables.append(table)
    for table in plan.tables:
        if table.symbol not in plan.history:
            plan.history[table.symbol] = ident(f"hist_{table.symbol}")
    return plan


def _param_value(system: SystemIR, params: dict[str, np.ndarray], name: str) -> np.ndarray:
    return np.asarray(params[name] if name in params else system.params[name].value)


def table_entries(
    system: SystemIR, table: DelayTable, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-entry ``(out, source index, delay, weight)`` arrays of a table."""
    if table.bundle is not None:
        b = system.edges[table.bundle]
        keep = b.delays > 0
        weights = np.broadcast_to(_param_value(system, params, b.weights), (b.n_edges,))
        return (b.target_idx[keep].astype(np.int64), b.source_idx[keep].astype(np.int64),
                b.delays[keep].astype(float), weights[keep])
    assert table.past is not None
    tau = table.past.args[1]
    values = []
    for sym in sorted(tau.free_symbols, key=sp.default_sort_key):
        if sym.name not in system.params:
            raise SolverError(f"the delay of {table.past} must be built from numbers and constants")
        values.append((sym, np.real(_param_value(system, params, sym.name))))
    func = sp.lambdify([s for s, _ in values], tau, modules="numpy")
    delay = np.broadcast_to(np.asarray(func(*[v for _, v in values]), dtype=float),
                            (table.n_out,)).copy()
    idx = np.arange(table.n_out, dtype=np.int64)
    return idx, idx.copy(), delay, np.ones(table.n_out)


def _describe(table: DelayTable) -> str:
    return f"Past term {table.past}" if table.past is not None else f"edge bundle '{table.prefix}'"


def _pack(table: DelayTable, out: np.ndarray, col: np.ndarray, w: np.ndarray, width: int,
          dtype: np.dtype) -> tuple[np.ndarray, ...]:
    """Pack entries into a padded ``(width, n_out)`` table or a flat one of length ``width``.

    Padded tables are summed over their first axis, column by column, in the same order by
    NumPy (``.sum(axis=0)``) and by the numba loop, so both paths agree to the last bit.
    """
    if table.flat:
        idx = np.zeros(width, np.int64)
        wt = np.zeros(width, dtype)
        tgt = np.zeros(width, np.int64)
        idx[: out.size], wt[: out.size], tgt[: out.size] = col, w, out
        return idx, wt, tgt
    order = np.argsort(out, kind="stable")
    out, col, w = out[order], col[order], w[order]
    counts = np.bincount(out, minlength=table.n_out)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    pos = np.arange(out.size) - starts[out]
    idx = np.zeros((width, table.n_out), np.int64)
    wt = np.zeros((width, table.n_out), dtype)
    idx[pos, out] = col
    wt[pos, out] = w
    return idx, wt


def _width(table: DelayTable, out: np.ndarray) -> int:
    if table.flat:
        return max(1, out.size)
    return max(1, int(np.bincount(out, minlength=table.n_out).max()) if out.size else 1)


@dataclass
class FixedStepDelays:
    """Ring-buffer lengths and stacked per-stage tables for a fixed step size."""

    lengths: dict[str, int]
    """Source symbol -> number of rows ``L`` of its window."""
    tables: list[tuple[np.ndarray, ...]]
    """Per table: arrays stacked over :data:`STAGE_OFFSETS` (idx, w[, tgt])."""
    activation: list[np.ndarray] = field(default_factory=list)
    """Per table: activation step of every weight (same shape as ``w``), see the module
    docstring; 0 for padding."""

    def weights_at(self, step: int) -> list[np.ndarray]:
        """Per table: the weights with the entries not yet active at ``step`` zeroed."""
        return [np.where(act <= step, t[1], 0) for t, act in zip(self.tables, self.activation)]

    def activation_steps(self) -> np.ndarray:
        """Sorted distinct steps at which some entry becomes active."""
        if not self.activation:
            return np.zeros(0, np.int64)
        return np.unique(np.concatenate([a.ravel() for a in self.activation])).astype(np.int64)


_CUBIC = ((-1, lambda u: -u * (u - 1) * (u - 2) / 6),
          (0, lambda u: (u + 1) * (u - 1) * (u - 2) / 2),
          (1, lambda u: -(u + 1) * u * (u - 2) / 2),
          (2, lambda u: (u + 1) * u * (u - 1) / 6))
"""Cubic Lagrange weights on the lags ``j-1, j, j+1, j+2`` at ``j + u`` (``0 < u < 1``)."""
_QUADRATIC = ((0, lambda u: (u - 1) * (u - 2) / 2), (1, lambda u: -u * (u - 2)),
              (2, lambda u: u * (u - 1) / 2))
"""Quadratic Lagrange weights on the lags ``0, 1, 2`` (when lag ``-1`` would be the future)."""


def _stage_entries(out, src, delay, w, dt, c, n_sym, length):
    """Entries (out, window column, weight, activation step) for the stage offset ``c``.

    Lags that fall on a step are exact lookups; the others are interpolated with a cubic
    Lagrange polynomial through the four surrounding steps (quadratic through lags 0-2 when the
    lag is below one step), so that interpolation errors are O(dt^4) and do not lower the order
    of RK4 on delayed systems.
    """
    lag = delay / dt - c
    if c == 0:  # reads x(t_n - d): from t_n - d >= 0 on
        act = np.ceil(delay / dt - _TOL)
    else:  # inside the step: the left limit at t = 0 is still the pre-history
        act = np.floor(lag + _TOL) + 1
    j = np.floor(lag + _TOL)
    frac = lag - j
    frac[np.abs(frac) < _TOL] = 0.0
    j = j.astype(np.int64)
    exact = frac == 0.0

    def col(lags: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return (length - 1 - lags) * n_sym + src[mask]

    outs, cols, weights = [out[exact]], [col(j[exact], exact)], [w[exact]]
    acts = [act[exact]]
    for mask, stencil in ((~exact & (j >= 1), _CUBIC), (~exact & (j == 0), _QUADRATIC)):
        for offset, weight in stencil:
            outs.append(out[mask])
            cols.append(col(j[mask] + offset, mask))
            weights.append(w[mask] * weight(frac[mask]))
            acts.append(act[mask])
    return (np.concatenate(outs), np.concatenate(cols), np.concatenate(weights),
            np.concatenate(acts))


def fixed_step_tables(
    system: SystemIR, plan: DelayPlan, params: dict[str, np.ndarray], dt: float,
    stages: tuple[int, ...] = (0, 1, 2),
) -> FixedStepDelays:
    """Build ring-buffer lengths and per-stage tables for step size ``dt``.

    Only the ``stages`` (indices into :data:`STAGE_OFFSETS`) a solver uses are built; the
    others repeat the first one, so that unused stages do not widen the padded tables.
    """
    sizes = system.symbol_sizes()
    entries = []
    lengths: dict[str, int] = {}
    for table in plan.tables:
        out, src, delay, w = table_entries(system, table, params)
        if np.any(delay < 0):
            raise SolverError(f"{_describe(table)} has a negative delay ({delay.min():g})")
        bad = delay < dt * (1 - _TOL)
        if np.any(bad):
            raise SolverError(
                f"{_describe(table)} has a delay of {delay[bad].min():g}, shorter than the step "
                f"size {dt:g}; delays must be 0 or at least one step (reduce step_size)"
            )
        entries.append((out, src, delay, w))
        need = int(np.floor(delay.max() / dt + _TOL)) + 3 if delay.size else 2
        lengths[table.symbol] = max(lengths.get(table.symbol, 2), need)
    dtype = system.value_dtype
    tables, activation = [], []
    for table, (out, src, delay, w) in zip(plan.tables, entries):
        n_sym, length = sizes[table.symbol], lengths[table.symbol]
        built = {k: _stage_entries(out, src, delay, w, dt, STAGE_OFFSETS[k], n_sym, length)
                 for k in stages}
        width = max(_width(table, e[0]) for e in built.values())
        first = built[stages[0]]
        packed, acts = [], []
        for k in range(len(STAGE_OFFSETS)):
            out_k, col_k, w_k, act_k = built.get(k, first)
            packed.append(_pack(table, out_k, col_k, w_k, width, dtype))
            acts.append(_pack(table, out_k, col_k, act_k, width, np.dtype(np.float64))[1])
        tables.append(tuple(np.stack(parts) for parts in zip(*packed)))
        activation.append(np.stack(acts).astype(np.int64))
    return FixedStepDelays(lengths, tables, activation)


@dataclass
class AdaptiveDelays:
    """Distinct delays per source symbol and single-stage tables for adaptive solvers."""

    delays: dict[str, np.ndarray]
    """Source symbol -> distinct delays; window row ``k`` holds ``x(t - delays[k])``."""
    tables: list[tuple[np.ndarray, ...]]

    @property
    def min_delay(self) -> float:
        """Shortest positive delay (inf if there is none)."""
        ds = [d[d > 0].min() for d in self.delays.values() if np.any(d > 0)]
        return float(min(ds)) if ds else float("inf")


def adaptive_tables(
    system: SystemIR, plan: DelayPlan, params: dict[str, np.ndarray]
) -> AdaptiveDelays:
    """Build window layouts and tables for an adaptive solver."""
    sizes = system.symbol_sizes()
    entries = [table_entries(system, t, params) for t in plan.tables]
    delays: dict[str, np.ndarray] = {}
    for table, (_, _, delay, _) in zip(plan.tables, entries):
        if np.any(delay < 0):
            raise SolverError(f"{_describe(table)} has a negative delay ({delay.min():g})")
        old = delays.get(table.symbol, np.zeros(0))
        delays[table.symbol] = np.unique(np.concatenate((old, delay)))
    tables = []
    for table, (out, src, delay, w) in zip(plan.tables, entries):
        rows = np.searchsorted(delays[table.symbol], delay)
        col = rows * sizes[table.symbol] + src
        tables.append(_pack(table, out, col, w, _width(table, out), system.value_dtype))
    return AdaptiveDelays(delays, tables)


def undelayed_arrays(
    system: SystemIR, bundle: BundlePlan, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, ...]:
    """Arrays for the zero-delay edges of a bundle: ``(W,)`` or ``(src, tgt, w)``."""
    b = system.edges[bundle.index]
    zero = b.delays == 0
    weights = np.broadcast_to(_param_value(system, params, b.weights), (b.n_edges,))[zero]
    weights = weights.astype(system.value_dtype)
    src, tgt = b.source_idx[zero].astype(np.int64), b.target_idx[zero].astype(np.int64)
    if bundle.undelayed == "dense":
        mat = np.zeros((b.n_target, b.n_source), system.value_dtype)
        np.add.at(mat, (tgt, src), weights)
        return (mat,)
    return src, tgt, weights
