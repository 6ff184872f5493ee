"""Taps of the delayed reads for one step size: which history slots, with which weights.

The entries, checks, window lengths and interpolation stencils are core's
(:mod:`pyrates_core.lowering`: exact look-ups on the step grid, cubic Lagrange through the
four nearest rows otherwise, quadratic through the three newest below one step); this
module lays the taps out as the row-pointer arrays the generated Fortran reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pyrates_backend_fortran.layout import Layout
from pyrates_core.lowering import (
    DelayRead,
    check_fixed_step,
    entry_weights,
    read_entries,
    stage_taps,
    window_length,
)
from pyrates_core.system import SystemIR
from pyrates_core.tableaus import TABLEAUS

__all__ = ["STAGES", "Taps", "delay_taps"]

STAGES: tuple[float, ...] = tuple(float(c) for c in TABLEAUS["rk4"].offsets)
"""Stage offsets (in steps) with taps: 0, 1/2 and 1."""


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


def delay_taps(system: SystemIR, lay: Layout, params: dict[str, np.ndarray], dt: float
               ) -> Taps:
    """All taps of all delayed reads for step size ``dt``."""
    reads = [DelayRead(r.symbol, r.n_out, r.bundle, r.past) for r in lay.reads]
    entries = []
    lengths = [2] * len(lay.history)
    for read, core in zip(lay.reads, reads):
        e = read_entries(system, core, params)
        check_fixed_step(system, core, e.delay, dt)
        entries.append((e, entry_weights(system, core, e, params)))
        lengths[read.history] = max(lengths[read.history], window_length(e.delay, dt))
    sizes = system.symbol_sizes()
    base: list[int] = []
    rows: list[np.ndarray] = []
    offsets: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    active: list[np.ndarray] = []
    n_taps = n_rows = 0
    for read, (e, w) in zip(lay.reads, entries):
        n_sym, length = sizes[read.symbol], lengths[read.history]
        for c in STAGES:
            taps = stage_taps(e, dt, c, n_sym, length)
            order = np.argsort(taps.out, kind="stable")
            counts = np.bincount(taps.out, minlength=read.n_out)
            base.append(n_rows)
            rows.append(n_taps + np.concatenate([[0], np.cumsum(counts)]))
            # core's window column is (length - 1 - lag) * n_sym + src
            offsets.append(taps.col[order] + 1 - (length - 1) * n_sym)
            weights.append((w[taps.entry] * taps.coef)[order])
            active.append(taps.activation[order])
            n_taps += int(taps.out.size)
            n_rows += read.n_out + 1
    base.append(n_rows)
    dtype = system.value_dtype

    def cat(parts: list[np.ndarray], kind: Any) -> np.ndarray:
        return np.concatenate(parts).astype(kind) if parts else np.zeros(0, kind)

    return Taps(lengths, np.asarray(base, np.int32), cat(rows, np.int32),
                cat(offsets, np.int32), cat(weights, dtype), cat(active, np.int32))
