"""Gather tables: delayed reads as index/weight arrays with the edge weights folded in.

For array backends whose generated code reads every delayed quantity (the delayed edges of
a bundle, a ``Past`` term: a :class:`~pyrates_core.lowering.DelayRead`) from a flat *window*
of the history of its source symbol, in one of two layouts::

    padded table:  out[i] = sum_j w[j, i] * window[idx[j, i]]          (idx, w: (width, n_out))
    flat table:    out[tgt[e]] += w[e] * window[idx[e]]                 (idx, w, tgt: (width,))

Padded tables group the entries by output element (:func:`target_slots`, stable: entries
keep their order within an output, so a column sum is reproducible); flat ones suit sparse
reads with uneven in-degrees. The weights fold the edge weight and the interpolation
coefficient of each tap (:func:`~pyrates_core.lowering.stage_taps`).

* :func:`fixed_step_tables` - per source symbol the window length ``L`` and per read the
  tables of each stage offset of :data:`STAGE_OFFSETS` stacked along a first axis, plus the
  activation step of every weight (:class:`~pyrates_core.lowering.ActivationMask` masks them
  for a zero pre-history); window row ``L - 1 - j`` holds ``x(t_n - j*dt)``.
* :func:`adaptive_tables` - per source symbol its distinct delays ``D_k`` (window row ``k``
  holds ``x(t - D_k)``, served from a :class:`~pyrates_core.runtime.DenseHistory`) and one
  table per read.
* :func:`undelayed_edges` - the zero-delay edges of a bundle as a dense matrix or as
  ``(src, tgt, w)`` arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pyrates_core.lowering import (
    ActivationMask,
    DelayRead,
    check_fixed_step,
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
    "AdaptiveTables",
    "FixedStepTables",
    "adaptive_tables",
    "fixed_step_tables",
    "pack_entries",
    "target_slots",
    "undelayed_edges",
]

STAGE_OFFSETS: tuple[float, ...] = tuple(float(c) for c in TABLEAUS["rk4"].offsets)
"""Stage time offsets (in steps) with fixed-step tables: euler uses the first, heun the first
and last, rk4 all three."""


def target_slots(out: np.ndarray, n_out: int) -> tuple[np.ndarray, int]:
    """Slot of every entry in the row of its output element (entries in their order) and the
    padded width (largest number of entries of one output, at least 1).
    """
    counts = np.bincount(out, minlength=n_out)
    order = np.argsort(out, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    slots = np.empty(out.size, np.int64)
    slots[order] = np.arange(out.size) - starts[out[order]]
    return slots, max(1, int(counts.max()) if out.size else 1)


def pack_entries(out: np.ndarray, col: np.ndarray, w: np.ndarray, n_out: int, flat: bool,
                 width: int, dtype: np.dtype) -> tuple[np.ndarray, ...]:
    """Entries ``(out, col, w)`` as a padded ``(idx, w)`` table of ``(width, n_out)`` or a flat
    ``(idx, w, tgt)`` one of length ``width`` (zero weights pad both).
    """
    if flat:
        idx, wt, tgt = np.zeros(width, np.int64), np.zeros(width, dtype), np.zeros(width, np.int64)
        idx[: out.size], wt[: out.size], tgt[: out.size] = col, w, out
        return idx, wt, tgt
    slots, _ = target_slots(out, n_out)
    idx, wt = np.zeros((width, n_out), np.int64), np.zeros((width, n_out), dtype)
    idx[slots, out] = col
    wt[slots, out] = w
    return idx, wt


def _width(out: np.ndarray, n_out: int, flat: bool) -> int:
    return max(1, out.size) if flat else target_slots(out, n_out)[1]


@dataclass
class FixedStepTables:
    """Window lengths and stacked per-stage tables of a set of reads for one step size."""

    lengths: dict[str, int]
    """Source symbol -> number of rows ``L`` of its window."""
    tables: list[tuple[np.ndarray, ...]]
    """Per read: arrays stacked over :data:`STAGE_OFFSETS` (idx, w[, tgt])."""
    activation: list[np.ndarray] = field(default_factory=list)
    """Per read: activation step of every weight (the shape of ``w``); 0 for padding."""

    def zero_history_mask(self) -> ActivationMask:
        """The weights masked until their activation steps (zero pre-history)."""
        return ActivationMask([t[1] for t in self.tables], self.activation)


def fixed_step_tables(
    system: SystemIR, reads: Sequence[DelayRead], flat: Sequence[bool],
    params: dict[str, np.ndarray], dt: float, stages: tuple[int, ...] = (0, 1, 2),
) -> FixedStepTables:
    """Tables of ``reads`` (``flat[k]``: flat layout for read ``k``) for step size ``dt``.

    Only the ``stages`` (indices into :data:`STAGE_OFFSETS`) a solver uses are built; the
    others repeat the first one, so that unused stages do not widen the padded tables.
    Delays must be 0 or at least one step (:func:`~pyrates_core.lowering.check_fixed_step`).
    """
    sizes = system.symbol_sizes()
    entries = []
    lengths: dict[str, int] = {}
    for read in reads:
        e = read_entries(system, read, params)
        check_fixed_step(system, read, e.delay, dt)
        entries.append((e, entry_weights(system, read, e, params)))
        lengths[read.symbol] = max(lengths.get(read.symbol, 2), window_length(e.delay, dt))
    tables, activation = [], []
    for read, is_flat, (e, w) in zip(reads, flat, entries):
        built = {}
        for k in stages:
            taps = stage_taps(e, dt, STAGE_OFFSETS[k], sizes[read.symbol], lengths[read.symbol])
            built[k] = (taps.out, taps.col, w[taps.entry] * taps.coef, taps.activation)
        width = max(_width(b[0], read.n_out, is_flat) for b in built.values())
        packed, acts = [], []
        for k in range(len(STAGE_OFFSETS)):
            out_k, col_k, w_k, act_k = built.get(k, built[stages[0]])
            packed.append(pack_entries(out_k, col_k, w_k, read.n_out, is_flat, width,
                                       system.value_dtype))
            acts.append(pack_entries(out_k, col_k, act_k, read.n_out, is_flat, width,
                                     np.dtype(np.float64))[1])
        tables.append(tuple(np.stack(parts) for parts in zip(*packed)))
        activation.append(np.stack(acts).astype(np.int64))
    return FixedStepTables(lengths, tables, activation)


@dataclass
class AdaptiveTables:
    """Distinct delays per source symbol and single-stage tables for adaptive solvers."""

    delays: dict[str, np.ndarray]
    """Source symbol -> distinct delays; window row ``k`` holds ``x(t - delays[k])``."""
    tables: list[tuple[np.ndarray, ...]]

    @property
    def min_delay(self) -> float:
        """Shortest positive delay (inf if there is none)."""
        ds = [d[d > 0].min() for d in self.delays.values() if np.any(d > 0)]
        return float(min(ds)) if ds else float("inf")


def adaptive_tables(system: SystemIR, reads: Sequence[DelayRead], flat: Sequence[bool],
                    params: dict[str, np.ndarray]) -> AdaptiveTables:
    """Window layouts (distinct delays) and tables of ``reads`` for an adaptive solver."""
    sizes = system.symbol_sizes()
    delays = distinct_delays(system, list(reads), params)
    tables = []
    for read, is_flat in zip(reads, flat):
        e = read_entries(system, read, params)
        w = entry_weights(system, read, e, params)
        col = np.searchsorted(delays[read.symbol], e.delay) * sizes[read.symbol] + e.src
        tables.append(pack_entries(e.out, col, w, read.n_out, is_flat,
                                   _width(e.out, read.n_out, is_flat), system.value_dtype))
    return AdaptiveTables(delays, tables)


def undelayed_edges(system: SystemIR, bundle: int, params: dict[str, np.ndarray],
                    dense: bool) -> tuple[np.ndarray, ...]:
    """The zero-delay edges of ``system.edges[bundle]`` with the weights of ``params`` (or
    the system's): ``(W,)`` (``dense``: a ``(n_target, n_source)`` matrix) or ``(src, tgt, w)``.
    """
    b = system.edges[bundle]
    zero = b.delays == 0
    value = params[b.weights] if b.weights in params else system.params[b.weights].value
    weights = np.broadcast_to(np.asarray(value), (b.n_edges,))[zero].astype(system.value_dtype)
    src, tgt = b.source_idx[zero].astype(np.int64), b.target_idx[zero].astype(np.int64)
    if dense:
        mat = np.zeros((b.n_target, b.n_source), system.value_dtype)
        np.add.at(mat, (tgt, src), weights)
        return (mat,)
    return src, tgt, weights
