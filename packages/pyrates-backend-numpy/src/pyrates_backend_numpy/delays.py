"""Delay tables: how delayed ``EdgeSum`` bundles and ``Past`` read the history of a symbol.

The backend-neutral part (which reads exist, their entries, stencils, activation steps) is
:mod:`pyrates_core.lowering`; this module packs it into the NumPy backend's tables, folding
the edge weights into the interpolation coefficients for speed.

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
    solver runs the loop in segments between activation steps with masked weights
    (:class:`pyrates_core.lowering.ActivationMask`).

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

from pyrates_core.lowering import (
    ActivationMask,
    DelayRead,
    check_fixed_step,
    delay_reads,
    distinct_delays,
    entry_weights,
    read_entries,
    stage_taps,
    window_length,
)
from pyrates_core.system import SystemIR
from pyrates_core.tableaus import TABLEAUS

__all__ = [
    "STAGE_OFFSETS",
    "AdaptiveDelays",
    "BundlePlan",
    "DelayPlan",
    "DelayTable",
    "FixedStepDelays",
    "adaptive_tables",
    "fixed_step_tables",
    "plan_delays",
    "undelayed_arrays",
]

STAGE_OFFSETS: tuple[float, ...] = tuple(float(c) for c in TABLEAUS["rk4"].offsets)
"""Stage time offsets (in steps) for which fixed-step tables are built: euler uses the first,
heun the first and last, rk4 all three."""

_DENSE_MIN_DENSITY = 0.1
_DENSE_MAX_ELEMENTS = 4_000_000
_PADDED_MIN_FILL = 0.5


@dataclass
class DelayTable:
    """How the generated code computes one :class:`~pyrates_core.lowering.DelayRead`."""

    prefix: str
    """Identifier prefix of its arguments in the generated code."""
    read: DelayRead
    flat: bool
    """Flat (bincount-like) table instead of a padded one."""

    @property
    def symbol(self) -> str:
        """IR name of the source symbol."""
        return self.read.symbol

    @property
    def n_out(self) -> int:
        """Number of output elements."""
        return self.read.n_out

    @property
    def bundle(self) -> int | None:
        """Edge bundle index (None for a Past term)."""
        return self.read.bundle

    @property
    def past(self) -> sp.Expr | None:
        """The Past term (None for an edge bundle)."""
        return self.read.past


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
    reads = {r.bundle: r for r in delay_reads(system) if r.bundle is not None}
    for k, b in enumerate(system.edges):
        prefix = ident(b.name or f"edges{k}")
        zero = b.delays == 0
        undelayed = "none"
        n_zero = int(zero.sum())
        if n_zero:
            cells = b.n_target * b.n_source
            dense = n_zero >= _DENSE_MIN_DENSITY * cells and cells <= _DENSE_MAX_ELEMENTS
            undelayed = "dense" if dense else "sparse"
        table = None
        if k in reads:
            tgt = b.target_idx[~zero]
            max_deg = int(np.bincount(tgt, minlength=b.n_target).max())
            fill = tgt.size / max(1, b.n_target * max_deg)
            table = DelayTable(prefix, reads[k], fill < _PADDED_MIN_FILL)
            plan.tables.append(table)
        plan.bundles.append(BundlePlan(k, prefix, undelayed, table))
    for read in delay_reads(system):
        if read.past is not None:
            table = DelayTable(ident(f"past_{read.symbol}"), read, False)
            plan.past[read.past] = table
            plan.tables.append(table)
    for table in plan.tables:
        if table.symbol not in plan.history:
            plan.history[table.symbol] = ident(f"hist_{table.symbol}")
    return plan


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

    def zero_history_mask(self) -> ActivationMask:
        """The weights masked until their activation steps (zero pre-history)."""
        return ActivationMask([t[1] for t in self.tables], self.activation)


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
        e = read_entries(system, table.read, params)
        check_fixed_step(system, table.read, e.delay, dt)
        entries.append((e, entry_weights(system, table.read, e, params)))
        lengths[table.symbol] = max(lengths.get(table.symbol, 2), window_length(e.delay, dt))
    dtype = system.value_dtype
    tables, activation = [], []
    for table, (e, w) in zip(plan.tables, entries):
        n_sym, length = sizes[table.symbol], lengths[table.symbol]
        built = {}
        for k in stages:
            taps = stage_taps(e, dt, STAGE_OFFSETS[k], n_sym, length)
            built[k] = (taps.out, taps.col, w[taps.entry] * taps.coef, taps.activation)
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
    delays = distinct_delays(system, [t.read for t in plan.tables], params)
    tables = []
    for table in plan.tables:
        e = read_entries(system, table.read, params)
        w = entry_weights(system, table.read, e, params)
        col = np.searchsorted(delays[table.symbol], e.delay) * sizes[table.symbol] + e.src
        tables.append(_pack(table, e.out, col, w, _width(table, e.out), system.value_dtype))
    return AdaptiveDelays(delays, tables)


def undelayed_arrays(
    system: SystemIR, bundle: BundlePlan, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, ...]:
    """Arrays for the zero-delay edges of a bundle: ``(W,)`` or ``(src, tgt, w)``."""
    b = system.edges[bundle.index]
    zero = b.delays == 0
    value = params[b.weights] if b.weights in params else system.params[b.weights].value
    weights = np.broadcast_to(np.asarray(value), (b.n_edges,))[zero]
    weights = weights.astype(system.value_dtype)
    src, tgt = b.source_idx[zero].astype(np.int64), b.target_idx[zero].astype(np.int64)
    if bundle.undelayed == "dense":
        mat = np.zeros((b.n_target, b.n_source), system.value_dtype)
        np.add.at(mat, (tgt, src), weights)
        return (mat,)
    return src, tgt, weights
