"""Delay plan: how delayed ``EdgeSum`` bundles and ``Past`` read the history of a symbol.

The generated vector field never interpolates itself: every delayed quantity reads a flat
*window* of the history of its source symbol through a padded or flat *gather table*
(:mod:`pyrates_core.gather_tables`, built at integration time with the edge weights and the
interpolation coefficients folded in; the generated code stays the same). This module
decides the names, the table layouts and how the undelayed edges of a bundle are computed
(dense matrix product or sparse gather).

Fixed-step solvers (euler, heun, rk4)
    The history of a symbol ``x`` of size ``N`` is a doubled ring buffer of ``L`` rows: the value
    at step ``n`` is written to rows ``n % L`` and ``n % L + L``, so the ``L`` rows that end with
    step ``n`` are always one contiguous slice (the window; row ``L - 1 - j`` holds
    ``x(t_n - j*dt)``). Delays that are multiples of ``dt`` are exact lookups, others cubic
    Lagrange interpolation (:func:`pyrates_core.lowering.stage_taps`); one table per stage
    offset (:data:`STAGE_OFFSETS`). Delays must be ``0`` or at least one step.

    Zero pre-history (``history='zero'``, the PyRates 1.x default): the window rows before
    ``t = 0`` hold the initial value (so that stencils near ``t = 0`` see a continuous
    history) and each table weight is zeroed before its *activation step*; the solver runs
    the loop in segments between activation steps
    (:class:`pyrates_core.lowering.ActivationMask`).

Adaptive solvers (scipy)
    The window has one row per distinct delay ``D_k`` of the symbol, filled at every call with
    ``x(t - D_k)`` from a :class:`pyrates_core.runtime.DenseHistory`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from pyrates_core import gather_tables
from pyrates_core.gather_tables import STAGE_OFFSETS
from pyrates_core.gather_tables import AdaptiveTables as AdaptiveDelays
from pyrates_core.gather_tables import FixedStepTables as FixedStepDelays
from pyrates_core.lowering import DelayRead, delay_reads
from pyrates_core.system import SystemIR

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

    @property
    def reads(self) -> list[DelayRead]:
        """The read of every table, in table order."""
        return [t.read for t in self.tables]

    @property
    def flat(self) -> list[bool]:
        """Whether each table is flat, in table order."""
        return [t.flat for t in self.tables]


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


def fixed_step_tables(system: SystemIR, plan: DelayPlan, params: dict[str, np.ndarray],
                      dt: float, stages: tuple[int, ...] = (0, 1, 2)) -> FixedStepDelays:
    """The fixed-step tables of ``plan`` (:func:`.gather_tables.fixed_step_tables`)."""
    return gather_tables.fixed_step_tables(system, plan.reads, plan.flat, params, dt, stages)


def adaptive_tables(system: SystemIR, plan: DelayPlan,
                    params: dict[str, np.ndarray]) -> AdaptiveDelays:
    """The adaptive-solver tables of ``plan`` (:func:`.gather_tables.adaptive_tables`)."""
    return gather_tables.adaptive_tables(system, plan.reads, plan.flat, params)


def undelayed_arrays(
    system: SystemIR, bundle: BundlePlan, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, ...]:
    """Arrays for the zero-delay edges of a bundle: ``(W,)`` or ``(src, tgt, w)``."""
    return gather_tables.undelayed_edges(system, bundle.index, params, bundle.undelayed == "dense")
