"""Taps of the delayed reads for one step size: which history slots, with which weights.

A read of ``x(t_n + c*dt - d)`` (stage offset ``c`` in 0, 1/2, 1 steps) is ``x`` at ``lag =
d/dt - c`` steps before step ``n``. Lags on the step grid are single taps; others are cubic
Lagrange interpolation through the lags ``j-1 .. j+2`` around ``j = floor(lag)`` (quadratic
through lags 0, 1, 2 when ``lag < 1``), so RK4 keeps its order on delayed systems away from
the start. Delays must be 0 (undelayed) or at least one step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from pyrates_backend_fortran.layout import Layout
from pyrates_core import runtime
from pyrates_core.errors import SolverError
from pyrates_core.system import SystemIR

__all__ = ["STAGES", "Taps", "delay_taps", "lagrange_weights", "read_entries"]

STAGES = (0.0, 0.5, 1.0)
_TOL = 1e-9


def lagrange_weights(nodes: tuple[int, ...], u: np.ndarray) -> list[np.ndarray]:
    """Weights of the Lagrange polynomial through ``nodes`` evaluated at ``u`` (one per node)."""
    out = []
    for a in nodes:
        w = np.ones_like(u)
        for b in nodes:
            if b != a:
                w = w * (u - b) / (a - b)
        out.append(w)
    return out


@dataclass
class Taps:
    """Tap arrays for the generated code, grouped by (read, stage) and output element."""

    lengths: list[int]
    """Ring-buffer length (steps) per history symbol."""
    base: np.ndarray
    """Per (read, stage): 0-based offset of its row pointers in :attr:`rows`."""
    rows: np.ndarray
    """Row pointers: taps of output ``i`` are ``rows[base + i - 1] .. rows[base + i] - 1``."""
    offset: np.ndarray
    """Per tap: ``source (1-based) - lag * size``: the slot relative to the newest step."""
    weight: np.ndarray
    activation: np.ndarray
    """Per tap: the first step at which its stage reads a time ``>= 0`` (``> 0`` for stages
    after the start of a step); with the zero pre-history the tap reads 0 before it."""


def read_entries(system: SystemIR, lay: Layout, j: int, params: dict[str, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(out, src, delay, weight)`` per entry of delayed read ``j`` (0-based indices)."""
    read = lay.reads[j]
    if read.bundle is not None:
        b = system.edges[read.bundle]
        keep = b.delays > 0
        w = np.broadcast_to(np.asarray(params[b.weights]).ravel()
                            if np.asarray(params[b.weights]).ndim else params[b.weights],
                            (b.n_edges,))
        delays = runtime.edge_delays(system, b, params)  # the delay parameter's values
        return (b.target_idx[keep].astype(np.int64), b.source_idx[keep].astype(np.int64),
                delays[keep], np.asarray(w)[keep])
    assert read.past is not None
    tau = read.past.args[1]
    syms = sorted(tau.free_symbols, key=sp.default_sort_key)
    for s in syms:
        if s.name not in system.params:
            raise SolverError(f"the delay of {read.past} must be built from numbers and "
                              f"constants; '{s.name}' is not a parameter")
    func = sp.lambdify(syms, tau, modules="numpy")
    delay = np.broadcast_to(np.asarray(func(*[np.real(params[s.name]) for s in syms]),
                                       dtype=float), (read.n_out,)).copy()
    idx = np.arange(read.n_out, dtype=np.int64)
    return idx, idx.copy(), delay, np.ones(read.n_out)


def _describe(lay: Layout, j: int) -> str:
    read = lay.reads[j]
    return f"Past term {read.past}" if read.past is not None else \
        f"edge bundle {read.bundle} (source '{read.symbol}')"


def delay_taps(system: SystemIR, lay: Layout, params: dict[str, np.ndarray], dt: float
               ) -> Taps:
    """All taps of all delayed reads for step size ``dt``."""
    entries = []
    lengths = [2] * len(lay.history)
    for j, read in enumerate(lay.reads):
        out, src, delay, w = read_entries(system, lay, j, params)
        if np.any(delay < 0):
            raise SolverError(f"{_describe(lay, j)} has a negative delay ({delay.min():g})")
        short = delay < dt * (1 - _TOL)
        if np.any(short):
            raise SolverError(f"{_describe(lay, j)} has a delay of {delay[short].min():g}, "
                              f"shorter than the step size {dt:g}; delays must be 0 or at "
                              "least one step (reduce step_size)")
        entries.append((out, src, delay, w))
        if delay.size:
            need = int(np.floor(delay.max() / dt + _TOL)) + 3
            lengths[read.history] = max(lengths[read.history], need)
    sizes = system.symbol_sizes()
    base: list[int] = []
    rows: list[np.ndarray] = []
    offsets: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    active: list[np.ndarray] = []
    n_taps = n_rows = 0
    for read, (out, src, delay, w) in zip(lay.reads, entries):
        n_sym = sizes[read.symbol]
        for c in STAGES:
            t_out, t_src, t_lag, t_w, t_act = _stage_taps(out, src, delay, w, dt, c)
            order = np.argsort(t_out, kind="stable")
            counts = np.bincount(t_out, minlength=read.n_out)
            base.append(n_rows)
            rows.append(n_taps + np.concatenate([[0], np.cumsum(counts)]))
            offsets.append(t_src[order] + 1 - t_lag[order] * n_sym)
            weights.append(t_w[order])
            active.append(t_act[order])
            n_taps += int(t_out.size)
            n_rows += read.n_out + 1
    base.append(n_rows)
    dtype = system.value_dtype

    def cat(parts: list[np.ndarray], kind: Any) -> np.ndarray:
        return np.concatenate(parts).astype(kind) if parts else np.zeros(0, kind)

    return Taps(lengths, np.asarray(base, np.int32), cat(rows, np.int32),
                cat(offsets, np.int32), cat(weights, dtype), cat(active, np.int32))


def _stage_taps(out: np.ndarray, src: np.ndarray, delay: np.ndarray, w: np.ndarray,
                dt: float, c: float) -> tuple[np.ndarray, ...]:
    """Taps ``(out, src, lag, weight, activation)`` (0-based) of the entries at stage offset
    ``c``.
    """
    lag = delay / dt - c
    act = np.ceil(delay / dt - _TOL) if c == 0 else np.floor(lag + _TOL) + 1
    j = np.floor(lag + _TOL)
    frac = lag - j
    frac[np.abs(frac) < _TOL] = 0.0
    j = j.astype(np.int64)
    exact = frac == 0.0
    parts: list[list[np.ndarray]] = [[], [], [], [], []]
    for mask, nodes in ((exact, (0,)), (~exact & (j >= 1), (-1, 0, 1, 2)),
                        (~exact & (j == 0), (0, 1, 2))):
        if not np.any(mask):
            continue
        ws = [np.ones(int(mask.sum()))] if len(nodes) == 1 else \
            lagrange_weights(nodes, frac[mask])
        for node, wk in zip(nodes, ws):
            parts[0].append(out[mask])
            parts[1].append(src[mask])
            parts[2].append(j[mask] + node)
            parts[3].append(w[mask] * wk)
            parts[4].append(act[mask].astype(np.int64))
    if not parts[0]:
        return (np.zeros(0, np.int64),) * 3 + (np.zeros(0), np.zeros(0, np.int64))
    return tuple(np.concatenate(p) for p in parts)
