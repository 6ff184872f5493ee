"""Backend-neutral lowering of a :class:`~pyrates_core.system.SystemIR`: delays and shapes.

Delays
    Every delayed quantity of a system is a :class:`DelayRead`: the delayed part of an edge
    bundle (``EdgeSum`` over edges with ``delay > 0``) or a ``Past(x, tau)`` term. Both read
    the history of one *source symbol* (a state or an assignment). :func:`read_entries` lists
    a read's entries ``(out, src, delay, edge)``: output element, source element, delay (in
    the model's time unit, computed from the *current* parameter values, so delays may be
    parameters; an edge bundle's come from its delay parameter through
    :func:`pyrates_core.runtime.edge_delays`) and the index of the edge whose weight applies
    (``-1``: weight 1, for ``Past``). Weights are *not* folded in: a backend multiplies by
    ``weights[edge]`` at run time (autograd reaches them) or folds them into its own tables
    (the NumPy backend).

    For fixed-step solvers the history of a symbol of size ``N`` is a window of ``L`` rows
    (row ``L - 1`` the newest step, :func:`window_length`); :func:`stage_taps` turns the
    entries into gather *taps* for one stage offset ``c`` (in steps, see
    :mod:`pyrates_core.tableaus`): window column, interpolation coefficient (exact lags: 1;
    others: cubic Lagrange through the four nearest rows, quadratic through the three newest
    below one step), the entry it belongs to, and the *activation step* (first step whose
    stage reads a time ``>= 0``, ``> 0`` inside a step: before it a zero pre-history reads 0).
    Then ``read[out] = sum_taps weight[edge] * coef * window[col]`` for active taps.

    Adaptive solvers read ``x(t - D_k)`` for the distinct delays :func:`distinct_delays`
    from a :class:`~pyrates_core.runtime.DenseHistory`.

    Run-time helpers: :func:`read_param_names` (the parameters the delays and weights of the
    reads depend on) and :func:`params_digest` (a key for caching tables built from them),
    :func:`min_delay` (e.g. for an adaptive ``max_step``), and :class:`ActivationMask` for
    backends that run a fixed-step loop in segments between activation steps, with the
    weights of the taps not yet active zeroed (a zero pre-history).

Shapes
    :func:`infer_size` gives the number of elements of any IR expression (``None``: a
    scalar that broadcasts), for backends that print element loops.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import sympy as sp

from pyrates_core.errors import EquationError, SolverError
from pyrates_core.functions import (
    REDUCTIONS,
    Concatenate,
    Dot,
    EdgeSum,
    Index,
    Interp,
    Past,
    Randn,
    Roll,
    Slice,
)
from pyrates_core.runtime import edge_delays
from pyrates_core.system import SystemIR

__all__ = [
    "ActivationMask",
    "DelayRead",
    "ReadEntries",
    "StageTaps",
    "check_fixed_step",
    "delay_reads",
    "distinct_delays",
    "entry_weights",
    "infer_size",
    "min_delay",
    "params_digest",
    "read_entries",
    "read_param_names",
    "stage_taps",
    "window_length",
]

TOL = 1e-9
"""Relative tolerance for 'a delay is a multiple of the step'."""


@dataclass
class DelayRead:
    """One delayed quantity: the delayed edges of a bundle, or a ``Past`` term."""

    symbol: str
    """IR name of the source symbol whose history is read."""
    n_out: int
    bundle: int | None = None
    """Index into ``system.edges`` for an edge bundle."""
    past: sp.Expr | None = None
    """The ``Past(x, tau)`` expression for a past term."""

    def describe(self, system: SystemIR) -> str:
        """Human-readable name for error messages."""
        if self.past is not None:
            return f"Past term {self.past}"
        b = system.edges[self.bundle or 0]
        if b.delay_param is not None:
            return f"edge bundle '{b.name}' (delay parameter '{b.delay_param}')"
        return f"edge bundle '{b.name}'"


def delay_reads(system: SystemIR) -> list[DelayRead]:
    """Every delayed read of ``system``: delayed bundles in order, then distinct Past terms."""
    reads = []
    for k, b in enumerate(system.edges):
        if np.any(b.delays < 0):
            raise SolverError(f"edge bundle '{b.name}' has negative delays; delays must be >= 0")
        if b.delayed:
            reads.append(DelayRead(b.source, b.n_target, bundle=k))
    sizes = system.symbol_sizes()
    seen: set[sp.Expr] = set()
    for expr in [a.expr for a in system.assignments] + list(system.derivatives):
        for p in sorted(expr.atoms(Past), key=sp.default_sort_key):
            if p in seen:
                continue
            seen.add(p)
            x = p.args[0]
            if not isinstance(x, sp.Symbol) or x.name not in sizes or x.name in system.inputs:
                raise SolverError(f"Past() needs a state or assignment symbol, got '{x}' in {p}")
            reads.append(DelayRead(x.name, sizes[x.name], past=p))
    return reads


@dataclass
class ReadEntries:
    """Per-entry arrays of a :class:`DelayRead` (one entry per delayed edge or element)."""

    out: np.ndarray
    src: np.ndarray
    delay: np.ndarray
    edge: np.ndarray
    """Index into the bundle's per-edge weights, ``-1`` for weight 1 (Past)."""


def _value(system: SystemIR, params: dict[str, np.ndarray], name: str) -> np.ndarray:
    return np.asarray(params[name] if name in params else system.params[name].value)


def read_entries(system: SystemIR, read: DelayRead,
                 params: dict[str, np.ndarray] | None = None) -> ReadEntries:
    """Entries of ``read`` with delays from ``params`` (default: the system's values)."""
    params = params or {}
    if read.bundle is not None:
        b = system.edges[read.bundle]
        keep = np.flatnonzero(b.delays > 0)  # the structure; the values may be overridden
        delays = edge_delays(system, b, params)
        return ReadEntries(b.target_idx[keep].astype(np.int64),
                           b.source_idx[keep].astype(np.int64),
                           delays[keep], keep.astype(np.int64))
    assert read.past is not None
    tau = read.past.args[1]
    syms = sorted(tau.free_symbols, key=sp.default_sort_key)
    for sym in syms:
        if sym.name not in system.params:
            raise SolverError(f"the delay of {read.past} must be built from numbers and constants")
    func = sp.lambdify(syms, tau, modules="numpy")
    delay = func(*[np.real(_value(system, params, s.name)) for s in syms])
    delay = np.broadcast_to(np.asarray(delay, dtype=float), (read.n_out,)).copy()
    idx = np.arange(read.n_out, dtype=np.int64)
    return ReadEntries(idx, idx.copy(), delay, np.full(read.n_out, -1, np.int64))


def entry_weights(system: SystemIR, read: DelayRead, entries: ReadEntries,
                  params: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The weight of every entry (from the bundle's weight parameter; 1 for Past)."""
    if read.bundle is None:
        return np.ones(entries.out.size)
    b = system.edges[read.bundle]
    w = np.broadcast_to(_value(system, params or {}, b.weights), (b.n_edges,))
    return np.asarray(w)[entries.edge]


def check_fixed_step(system: SystemIR, read: DelayRead, delay: np.ndarray, dt: float) -> None:
    """Delays must be >= 0 and, for fixed steps, 0 or at least one step."""
    if np.any(delay < 0):
        raise SolverError(f"{read.describe(system)} has a negative delay ({delay.min():g})")
    bad = delay < dt * (1 - TOL)
    if np.any(bad):
        raise SolverError(
            f"{read.describe(system)} has a delay of {delay[bad].min():g}, shorter than the "
            f"step size {dt:g}; delays must be 0 or at least one step (reduce step_size)")


def window_length(delay: np.ndarray, dt: float) -> int:
    """Rows of history a fixed-step window needs for ``delay`` (3 extra for the stencils)."""
    return int(np.floor(delay.max() / dt + TOL)) + 3 if delay.size else 2


_CUBIC = ((-1, lambda u: -u * (u - 1) * (u - 2) / 6),
          (0, lambda u: (u + 1) * (u - 1) * (u - 2) / 2),
          (1, lambda u: -(u + 1) * u * (u - 2) / 2),
          (2, lambda u: (u + 1) * u * (u - 1) / 6))
"""Cubic Lagrange weights on the lags ``j-1, j, j+1, j+2`` at ``j + u`` (``0 < u < 1``)."""
_QUADRATIC = ((0, lambda u: (u - 1) * (u - 2) / 2), (1, lambda u: -u * (u - 2)),
              (2, lambda u: u * (u - 1) / 2))
"""Quadratic Lagrange weights on the lags ``0, 1, 2`` (when lag ``-1`` would be the future)."""


@dataclass
class StageTaps:
    """Gather taps of one read at one stage offset (see the module docstring)."""

    out: np.ndarray
    col: np.ndarray
    """Flat window index: ``(L - 1 - lag) * N + src``."""
    coef: np.ndarray
    entry: np.ndarray
    """Index into the read's entries (its weight is ``weights[entry]``)."""
    activation: np.ndarray
    """First step at which the tap reads ``t >= 0`` (zero pre-history: inactive before)."""


def stage_taps(entries: ReadEntries, dt: float, c: float, n_sym: int,
               length: int) -> StageTaps:
    """Taps for the stage at ``t_n + c * dt`` of a window of ``length`` rows of ``n_sym``."""
    delay = entries.delay
    lag = delay / dt - c
    act = np.ceil(delay / dt - TOL) if c == 0 else np.floor(lag + TOL) + 1
    j = np.floor(lag + TOL)
    frac = lag - j
    frac[np.abs(frac) < TOL] = 0.0
    j = j.astype(np.int64)
    exact = frac == 0.0
    ids = np.arange(delay.size)

    def col(lags: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return (length - 1 - lags) * n_sym + entries.src[mask]

    outs, cols, coefs, ents = [entries.out[exact]], [col(j[exact], exact)], [
        np.ones(int(exact.sum()))], [ids[exact]]
    for mask, stencil in ((~exact & (j >= 1), _CUBIC), (~exact & (j == 0), _QUADRATIC)):
        for offset, weight in stencil:
            outs.append(entries.out[mask])
            cols.append(col(j[mask] + offset, mask))
            coefs.append(weight(frac[mask]))
            ents.append(ids[mask])
    entry = np.concatenate(ents)
    return StageTaps(np.concatenate(outs), np.concatenate(cols), np.concatenate(coefs), entry,
                     act[entry].astype(np.int64))


def distinct_delays(system: SystemIR, reads: list[DelayRead],
                    params: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Per source symbol, its distinct delays (adaptive solvers read ``x(t - D_k)``)."""
    out: dict[str, np.ndarray] = {}
    for read in reads:
        delay = read_entries(system, read, params).delay
        if np.any(delay < 0):
            raise SolverError(f"{read.describe(system)} has a negative delay ({delay.min():g})")
        out[read.symbol] = np.unique(np.concatenate((out.get(read.symbol, np.zeros(0)), delay)))
    return out


def read_param_names(system: SystemIR, reads: list[DelayRead]) -> list[str]:
    """Names of the parameters the entries and weights of ``reads`` are computed from: the
    weight and delay parameters of the bundles, the parameters in the delays of ``Past``.
    """
    names: list[str] = []
    for read in reads:
        if read.bundle is not None:
            b = system.edges[read.bundle]
            names += [b.weights] + ([b.delay_param] if b.delay_param else [])
        elif read.past is not None:
            names += sorted(s.name for s in read.past.args[1].free_symbols)
    return list(dict.fromkeys(names))


def params_digest(system: SystemIR, names: list[str],
                  params: dict[str, np.ndarray] | None = None) -> str:
    """A hex digest of the values (dtype, shape, bytes) of the parameters ``names``, taken
    from ``params`` where given, else from the system: equal digests, equal values.
    """
    digest = hashlib.sha256()
    for name in names:
        value = np.ascontiguousarray(_value(system, params or {}, name))
        digest.update(name.encode() + value.dtype.str.encode() + str(value.shape).encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def min_delay(system: SystemIR, reads: list[DelayRead],
              params: dict[str, np.ndarray] | None = None) -> float:
    """Shortest positive delay of any of ``reads`` (``inf`` without one)."""
    ds = [d[d > 0] for d in (read_entries(system, r, params).delay for r in reads)]
    ds = [d for d in ds if d.size]
    return float(min(d.min() for d in ds)) if ds else float("inf")


class ActivationMask:
    """Working copies of weight arrays with the taps not yet active zeroed.

    ``weights[k]`` and ``activation[k]`` have the same shape (the activation step of every
    weight, e.g. :attr:`StageTaps.activation` packed like the weights; 0: always active).
    :attr:`work` starts with the taps active at step 0; :meth:`advance` switches taps on in
    place (the arrays stay the same objects, so a compiled loop's arguments stay valid), at
    the :attr:`steps` (e.g. the ``stops`` of :func:`pyrates_core.runtime.run_fixed_segments`).
    """

    def __init__(self, weights: list[np.ndarray], activation: list[np.ndarray]) -> None:
        self.full = weights
        self.work = [np.where(a <= 0, w, 0).astype(w.dtype) for w, a in zip(weights, activation)]
        self.order = [np.argsort(a, axis=None, kind="stable") for a in activation]
        self.sorted = [a.ravel()[o] for a, o in zip(activation, self.order)]
        self.pos = [int(np.searchsorted(s, 0, side="right")) for s in self.sorted]
        self.steps = (np.unique(np.concatenate([a.ravel() for a in activation])).astype(np.int64)
                      if activation else np.zeros(0, np.int64))
        """Sorted distinct activation steps (where a fixed-step loop has to stop)."""

    def advance(self, step: int) -> None:
        """Activate every tap whose activation step is ``<= step``."""
        for k, (order, acts) in enumerate(zip(self.order, self.sorted)):
            end = int(np.searchsorted(acts, step, side="right"))
            if end > self.pos[k]:
                idx = order[self.pos[k]:end]
                self.work[k].flat[idx] = self.full[k].flat[idx]
                self.pos[k] = end


# -- shapes ----------------------------------------------------------------------------------
def infer_size(expr: sp.Basic, system: SystemIR) -> int | None:
    """Number of elements of an IR expression (``None``: a scalar that broadcasts).

    Errors name the expression when sizes do not fit (other than 1 and ``n``).
    """
    sizes: dict[str, int | None] = dict(system.symbol_sizes())
    for name, p in system.params.items():
        nd = np.ndim(p.value)
        sizes[name] = None if nd == 0 else int(np.shape(p.value)[0])
    sizes[system.time.name] = None
    return _size(expr, sizes, system)


def _size(expr: sp.Basic, sizes: dict[str, int | None], system: SystemIR) -> int | None:
    if isinstance(expr, sp.Symbol):
        if expr.name not in sizes:
            raise EquationError(f"unknown symbol '{expr.name}' in an equation")
        return sizes[expr.name]
    if isinstance(expr, (*REDUCTIONS, Randn)) or not expr.args:
        return None
    if isinstance(expr, EdgeSum):
        return system.edges[int(expr.args[1])].n_target
    if isinstance(expr, Past):
        return _size(expr.args[0], sizes, system)
    if isinstance(expr, Index):
        return _size(expr.args[1], sizes, system)
    if isinstance(expr, (Interp, Roll)):
        return _size(expr.args[0], sizes, system)
    if isinstance(expr, Dot):
        mat = expr.args[0]
        return _size(mat, sizes, system) if isinstance(mat, sp.Symbol) else None
    if isinstance(expr, Slice):
        n = _size(expr.args[0], sizes, system) or 1
        a, b = (int(v) for v in expr.args[1:])
        return len(range(n)[a:b])
    if isinstance(expr, Concatenate):
        return sum(_size(a, sizes, system) or 1 for a in expr.args)
    found = {s for a in expr.args if (s := _size(a, sizes, system)) is not None}
    if len(found) > 1:
        found.discard(1)
    if len(found) > 1:
        raise EquationError(f"mixed sizes {sorted(found)} in '{expr}'")
    return found.pop() if found else None
