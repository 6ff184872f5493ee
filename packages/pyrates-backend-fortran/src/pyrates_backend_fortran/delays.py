"""Taps of the delayed reads for one step size: which history slots, with which weights.

A read of ``x(t_n + c*dt - d)`` (stage offset ``c`` in 0, 1/2, 1 steps) is ``x`` at ``lag =
d/dt - c`` steps before step ``n``. Lags on the step grid are single taps; others are cubic
Lagrange interpolation through the lags ``j-1 .. j+2`` around ``j = floor(lag)`` (quadratic
through lags 0, 1, 2 when ``lag < 1``), so RK4 keeps its order on delayed systems away from
the start. Delays must be 0 (undelayed) or at least one step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from pyrates_backend_fortran.layout import Layout
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
    """Flat tap arrays for the generated code (1-based indices)."""

    lengths: list[int]
    """Ring-buffer length (steps) per history symbol."""
    ptr: np.ndarray
    out: np.ndarray
    src: np.ndarray
    lag: np.ndarray
    weight: np.ndarray


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
        return (b.target_idx[keep].astype(np.int64), b.source_idx[keep].astype(np.int64),
                b.delays[keep].astype(float), np.asarray(w)[keep])
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
    ptr = [0]
    parts: list[list[np.ndarray]] = [[], [], [], []]
    for out, src, delay, w in entries:
        for c in STAGES:
            lag = delay / dt - c
            j = np.floor(lag + _TOL)
            frac = lag - j
            frac[np.abs(frac) < _TOL] = 0.0
            j = j.astype(np.int64)
            exact = frac == 0.0
            groups = [(exact, (0,), j)]
            groups.append((~exact & (j >= 1), (-1, 0, 1, 2), j))
            groups.append((~exact & (j == 0), (0, 1, 2), j))
            count = 0
            for mask, nodes, base in groups:
                if not np.any(mask):
                    continue
                ws = [np.ones(int(mask.sum()))] if len(nodes) == 1 else \
                    lagrange_weights(nodes, frac[mask])
                for node, wk in zip(nodes, ws):
                    parts[0].append(out[mask] + 1)
                    parts[1].append(src[mask] + 1)
                    parts[2].append(base[mask] + node)
                    parts[3].append(w[mask] * wk)
                    count += int(mask.sum())
            ptr.append(ptr[-1] + count)
    cat = [np.concatenate(p) if p else np.zeros(0) for p in parts]
    dtype = system.value_dtype
    return Taps(lengths, np.asarray(ptr, np.int32), cat[0].astype(np.int32),
                cat[1].astype(np.int32), cat[2].astype(np.int32), cat[3].astype(dtype))
