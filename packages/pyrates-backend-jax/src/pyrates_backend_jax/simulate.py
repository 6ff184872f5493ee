"""The time loop: fixed-step solvers as one ``jax.jit``-compiled ``lax.scan``.

Conventions (those of PyRates 1.x, see :class:`pyrates_core.backend.SimulationResult`)
------------------------------------------------------------------------------------
* Rows are sampled at ``t_k = k * s`` (``s`` the sampling step, a multiple of the step ``dt``),
  ``k = 0 .. n - 1`` with ``n = round(T / s)``; row 0 is the initial state, with the
  assignments and inputs at ``t = 0``. The final state is the state at ``T``.
* Inputs have one row per step; row ``i`` is held during step ``i`` by every stage.
* Delayed reads come from ring buffers (see :mod:`pyrates_backend_jax.delays`); a read of a
  time before ``t = 0`` is 0 (``history='zero'``, the 1.x default) or the initial value
  (``'initial'``). Buffers of states are written at the start of every step; buffers of
  algebraic variables are written with their value at the start of the step (a read of their
  own current value through a delay below two steps sees the previous step's value).
* Edge delays are parameters too (:attr:`~pyrates_core.system.EdgeBundle.delay_param`): the
  lags and interpolation coefficients are computed inside the loop from the traced delay
  values (index = floor of the lag), so they can be batched and differentiated; only the
  ring-buffer lengths and the "every lag on a step" flags are static (from the concrete values
  of the request; a traced delay must stay within the buffer, whose length is rounded up to
  a power of two).
* The whole loop is one compiled function of the parameter values, the initial state and the
  input series: new parameter values do not recompile, and the function can be differentiated
  (``jax.grad``) and vectorized (``jax.vmap``, used for ``batch_params``).
* Gradient checkpointing (``LoopConfig.checkpoint``, the backend option ``checkpoint``): the
  scan over samples becomes an outer scan over segments of whole sampling intervals (the steps
  per segment rounded down to a multiple of the sampling step, at least one interval, as the
  TensorFlow backend does) with each segment wrapped in ``jax.checkpoint``; reverse-mode
  autodiff then keeps only the carry (state and ring buffers) at segment boundaries and
  recomputes each segment in the backward pass. Samples that do not fill a last segment, and
  the steps after the last sample, run in one more (shorter) checkpointed segment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp
from jax import lax

from pyrates_backend_jax.codegen import Layout, edge_weight_vector
from pyrates_backend_jax.delays import Read, buffer_length, exact_lags, make_read
from pyrates_core.errors import SolverError
from pyrates_core.runtime import edge_delays
from pyrates_core.system import SystemIR
from pyrates_core.tableaus import tableau

__all__ = ["LoopConfig", "build_loop", "segment_samples", "tableau_floats"]


def tableau_floats(solver: str) -> tuple[tuple[float, ...], tuple[tuple[float, ...], ...],
                                          tuple[float, ...]]:
    """``(c, a, b)`` of ``solver``'s Butcher tableau (:mod:`pyrates_core.tableaus`) as floats."""
    tab = tableau(solver)
    return (tuple(float(c) for c in tab.c), tuple(tuple(float(x) for x in row) for row in tab.a),
            tuple(float(b) for b in tab.b))


@dataclass(frozen=True)
class LoopConfig:
    """Everything static about one compiled loop (the key of the compile cache)."""

    solver: str
    dt: float
    n_steps: int
    stride: int
    n_samples: int
    history: str
    lengths: tuple[int, ...]
    """Ring-buffer rows per history symbol (order of ``Layout.history``)."""
    exact: tuple[tuple[bool, ...], ...]
    """Per delayed item and stage offset: every lag on a step (a single gather)."""
    outputs: tuple[tuple[str, str, tuple[int, ...]], ...]
    """(key, symbol, indices) of every recorded output."""
    checkpoint: int | None = None
    """Steps per gradient-checkpointing segment (None: off); see :func:`segment_samples`."""


def segment_samples(checkpoint: int | None, stride: int) -> int:
    """Sampling intervals per checkpointed segment: ``checkpoint // stride``, at least 1
    (0 when ``checkpoint`` is None, i.e. no checkpointing).
    """
    if checkpoint is None:
        return 0
    if isinstance(checkpoint, bool) or not isinstance(checkpoint, (int, np.integer)) \
            or checkpoint < 1:
        raise SolverError(f"checkpoint must be a positive number of steps per segment, got "
                          f"{checkpoint!r} (or None to switch it off)")
    return max(1, int(checkpoint) // stride)


def undelayed_indices(system: SystemIR, layout: Layout) -> list[np.ndarray]:
    """The index arrays of the undelayed edges, in argument order."""
    arrays = []
    for k in sorted(layout.edge_args):
        b = system.edges[k]
        zero = b.delays == 0
        arrays += [b.source_idx[zero].astype(np.int32), b.target_idx[zero].astype(np.int32)]
        if edge_weight_vector(system, k):
            arrays.append(np.flatnonzero(zero).astype(np.int32))
    return arrays


def delayed_indices(system: SystemIR, layout: Layout) -> list[np.ndarray]:
    """The index arrays of the delayed edges (target[, edge id]) where the function applies
    their weights itself (the exported vector field), in argument order.
    """
    arrays = []
    for k in sorted(layout.delayed_edge_args):
        keep = system.edges[k].delays > 0
        arrays.append(system.edges[k].target_idx[keep].astype(np.int32))
        if len(layout.delayed_edge_args[k]) == 2:
            arrays.append(np.flatnonzero(keep).astype(np.int32))
    return arrays


def item_entries(system: SystemIR, layout: Layout, k: int, params: dict[str, Any]
                 ) -> tuple[Any, Any, np.ndarray, np.ndarray | None]:
    """``(delays, weights, src, out)`` of delayed item ``k`` (weights/delays may be traced)."""
    item = layout.delayed[k]
    if item.bundle is not None:
        b = system.edges[item.bundle]
        keep = b.delays > 0  # the structure; the values come from the delay parameter
        w = params[b.weights]
        w = w[np.flatnonzero(keep)] if edge_weight_vector(system, item.bundle) else \
            jnp.broadcast_to(jnp.reshape(w, (-1,))[0] if jnp.size(w) == 1 else w,
                             (int(keep.sum()),))
        if b.delay_param is None:
            d: Any = b.delays[keep].astype(float)
        else:  # a traced argument: the interpolation coefficients follow it (jax.grad)
            d = jnp.broadcast_to(jnp.real(jnp.reshape(params[b.delay_param], (-1,))),
                                 (b.n_edges,))[np.flatnonzero(keep)]
        return (d, w, b.source_idx[keep].astype(np.int32), b.target_idx[keep].astype(np.int32))
    tau = past_delay(system, item.past, params, jnp)
    n = item.n_out
    return jnp.broadcast_to(tau, (n,)), jnp.ones(n), np.arange(n, dtype=np.int32), None


def past_delay(system: SystemIR, past: sp.Expr, params: dict[str, Any], module: Any) -> Any:
    """The delay of ``Past(x, tau)`` evaluated on ``params`` (numpy or jax ``module``)."""
    tau = past.args[1]
    syms = sorted(tau.free_symbols, key=sp.default_sort_key)
    missing = [s.name for s in syms if s.name not in system.params]
    if missing:
        raise ValueError(f"the delay of {past} must be built from numbers and constants; "
                         f"{', '.join(missing)} are not constants")
    func = sp.lambdify(syms, tau, modules=[{"re": module.real}, "jax" if module is jnp
                                           else "numpy"])
    return module.real(func(*[params[s.name] for s in syms]))


def build_loop(system: SystemIR, layout: Layout, vf: Callable, obs: Callable,
               cfg: LoopConfig) -> Callable:
    """The loop ``run(params, y0, series) -> (records, finite, y_end)`` for ``cfg``.

    ``params`` is a tuple of parameter values in ``layout.params`` order, ``series`` a tuple of
    input arrays ``(rows, size)`` in ``layout.inputs`` order. ``records`` maps output keys to
    ``(n_samples, n_indices)`` arrays, ``finite`` flags the samples whose state is finite.
    """
    c_nodes, a_rows, b_row = tableau_floats(cfg.solver)
    offsets = sorted(set(c_nodes))
    dt = cfg.dt
    rdtype = jnp.float32 if system.dtype == "float32" else jnp.float64
    edge_idx = [jnp.asarray(a) for a in undelayed_indices(system, layout)]
    history = layout.history
    length = dict(zip(history, cfg.lengths))
    states = {s.name: s for s in system.states}
    assign_pos = {a.name: i for i, a in enumerate(system.assignments)}
    hist_assign = [s for s in history if s not in states]
    sizes = system.symbol_sizes()
    observed = any(sym in assign_pos for _, sym, _ in cfg.outputs)
    # zero pre-history: exact look-ups at the start of a step (every read of euler with delays
    # on the step grid) simply find zeros in the buffer; other reads need the initial value
    # there (continuous stencils) and are masked before their activation step
    zero_filled = {s for s in history if cfg.history == "zero" and offsets == [0.0] and
                   all(cfg.exact[k][0] for k, d in enumerate(layout.delayed) if d.symbol == s)}
    masked = {s for s in history if cfg.history == "zero"} - zero_filled

    def run(pvals: tuple, y0: Any, series: tuple) -> tuple[dict[str, Any], Any, Any]:
        P = dict(zip(layout.params, pvals))
        pargs = list(pvals)
        reads: dict[float, list[Read]] = {c: [] for c in offsets}
        for k, item in enumerate(layout.delayed):
            d, w, src, out = item_entries(system, layout, k, P)
            for c in offsets:
                exact = cfg.exact[k][offsets.index(c)]
                reads[c].append(make_read(d, w, src, out, item.n_out, dt, c, exact,
                                          item.symbol in masked))

        def inputs(i: Any) -> list[Any]:
            return [s[jnp.minimum(i, s.shape[0] - 1)] for s in series]

        def delayed(H: dict[str, Any], i: Any, c: float) -> list[Any]:
            return [r.value(H[item.symbol], i) for r, item in zip(reads[c], layout.delayed)]

        def call(func: Callable, t: Any, y: Any, u: list[Any], dly: list[Any]) -> Any:
            return func(t, y, *pargs, *u, *edge_idx, *dly)

        def time(i: Any) -> Any:
            return jnp.asarray(i, rdtype) * dt

        def write(H: dict[str, Any], i: Any, y: Any, u: list[Any]) -> dict[str, Any]:
            H = dict(H)
            for s in history:
                if s in states:
                    st = states[s]
                    H[s] = H[s].at[i % length[s]].set(y[st.start:st.start + st.size])
            if hist_assign:
                for s in hist_assign:  # the current row is unknown: use the previous one
                    H[s] = H[s].at[i % length[s]].set(H[s][(i - 1) % length[s]])
                a = call(obs, time(i), y, u, delayed(H, i, 0.0))
                for s in hist_assign:
                    H[s] = H[s].at[i % length[s]].set(a[assign_pos[s]])
            return H

        def initial_history(y: Any) -> dict[str, Any]:
            H = {s: jnp.zeros((length[s], sizes[s]), y.dtype) for s in history}
            if history:  # pre-history: the initial value (reads are masked for 'zero')
                for s in history:
                    if s in states and s not in zero_filled:
                        st = states[s]
                        H[s] = jnp.tile(y[st.start:st.start + st.size], (length[s], 1))
                filled = [s for s in hist_assign if s not in zero_filled]
                for _ in range(2 if filled else 0):
                    a = call(obs, time(0), y, inputs(0), delayed(H, 0, 0.0))
                    for s in filled:
                        H[s] = jnp.tile(a[assign_pos[s]], (length[s], 1))
            return write(H, 0, y, inputs(0))

        def advance(carry: tuple, i: Any) -> tuple[tuple, None]:
            y, H = carry
            u, t = inputs(i), time(i)
            dly = {c: delayed(H, i, c) for c in offsets}
            ks: list[Any] = []
            for c, a_row in zip(c_nodes, a_rows):
                yk = y
                for a_ij, k in zip(a_row, ks):
                    if a_ij:
                        yk = yk + (dt * a_ij) * k
                ks.append(call(vf, t + c * dt, yk, u, dly[c]))
            inc = ks[0] * b_row[0]
            for b_j, k in zip(b_row[1:], ks[1:]):
                inc = inc + b_j * k
            y_next = (y + dt * inc).astype(y.dtype)
            return (y_next, write(H, i + 1, y_next, inputs(i + 1))), None

        def record(carry: tuple, i: Any) -> tuple[dict[str, Any], Any]:
            y, H = carry
            u = inputs(i)
            a = call(obs, time(i), y, u, delayed(H, i, 0.0)) if observed else ()
            rec = {}
            for key, sym, idx in cfg.outputs:
                ix = np.asarray(idx, dtype=np.int32)
                if sym in states:
                    rec[key] = y[states[sym].start + ix]
                elif sym in assign_pos:
                    rec[key] = a[assign_pos[sym]][ix]
                else:
                    rec[key] = u[layout.inputs.index(sym)][ix].astype(y.dtype)
            return rec, jnp.all(jnp.isfinite(y))

        def steps(carry: tuple, first: Any, count: int) -> tuple:
            if count == 0:
                return carry
            carry, _ = lax.scan(advance, carry, first + jnp.arange(count))
            return carry

        def sample(carry: tuple, k: Any) -> tuple[tuple, tuple]:
            out = record(carry, k * cfg.stride)
            if cfg.stride == 1:
                return advance(carry, k)[0], out
            return steps(carry, k * cfg.stride, cfg.stride), out

        def samples(carry: tuple, first: Any, count: int) -> tuple[tuple, tuple]:
            return lax.scan(sample, carry, first + jnp.arange(count))

        def tail(carry: tuple) -> tuple[tuple, tuple]:
            """The last sample and the steps after it (T not a multiple of the sampling step)."""
            last = record(carry, n_full * cfg.stride)
            return steps(carry, n_full * cfg.stride, cfg.n_steps - n_full * cfg.stride), last

        def segmented(carry: tuple) -> tuple[tuple, tuple]:
            """The first ``n_full`` samples in checkpointed segments of ``spc`` samples."""
            n_seg, rest = divmod(n_full, spc)
            block = jax.checkpoint(lambda c, first: samples(c, first, spc), prevent_cse=False)
            carry, (recs, finite) = lax.scan(lambda c, j: block(c, j * spc), carry,
                                             jnp.arange(n_seg))
            recs = {key: r.reshape(n_seg * spc, *r.shape[2:]) for key, r in recs.items()}
            finite = finite.reshape(n_seg * spc)
            if rest:
                carry, (r2, f2) = jax.checkpoint(
                    lambda c: samples(c, n_seg * spc, rest))(carry)
                recs = {key: jnp.concatenate((recs[key], r2[key]), axis=0) for key in recs}
                finite = jnp.concatenate((finite, f2))
            return carry, (recs, finite)

        carry = (y0, initial_history(y0))
        n_full = cfg.n_samples if cfg.n_samples * cfg.stride == cfg.n_steps else \
            cfg.n_samples - 1
        spc = segment_samples(cfg.checkpoint, cfg.stride)
        carry, (recs, finite) = segmented(carry) if spc and n_full else \
            samples(carry, 0, n_full)
        if n_full < cfg.n_samples:  # T is not a multiple of the sampling step
            carry, (last, last_finite) = jax.checkpoint(tail)(carry) if spc else tail(carry)
            recs = {key: jnp.concatenate((recs[key], last[key][None]), axis=0) for key in last}
            finite = jnp.concatenate((finite, last_finite[None]))
        return recs, finite, carry[0]

    return run


def stage_offsets(solver: str) -> list[float]:
    """Distinct stage offsets (in steps) of a fixed-step solver."""
    return sorted(set(tableau_floats(solver)[0]))


def static_delays(system: SystemIR, layout: Layout, params: list[dict[str, Any]], dt: float,
                  solver: str, traced: frozenset[str] = frozenset()
                  ) -> tuple[tuple[int, ...], tuple[tuple[bool, ...], ...]]:
    """Buffer lengths and exact-lag flags from the concrete delays of every parameter set.

    Delay parameters named in ``traced`` are differentiated (their values in ``params`` are
    stand-ins): their reads always interpolate, so that the lag coefficients carry the
    derivative (on a step the cubic stencil is exact anyway). Overrides of a bundle's delay
    parameter are checked with :func:`pyrates_core.runtime.edge_delays` (errors name it).
    """
    offsets = stage_offsets(solver)
    longest: dict[str, float] = {}
    exact: list[tuple[bool, ...]] = []
    for item in layout.delayed:
        if item.bundle is not None:
            b = system.edges[item.bundle]
            d = np.concatenate([edge_delays(system, b, p, dt)[b.delays > 0] for p in params])
            flags = tuple(b.delay_param not in traced and exact_lags(d, dt, c)
                          for c in offsets)
        else:
            d = np.concatenate([np.ravel(past_delay(system, item.past, p, np)) for p in params])
            flags = tuple(False for _ in offsets)
        what = (f"edge bundle '{system.edges[item.bundle].name}'" if item.bundle is not None
                else f"the delay of {item.past}")
        if d.size and float(np.min(d)) < 0:
            raise SolverError(f"{what} has a negative delay ({float(np.min(d)):g}); delays "
                              "must be >= 0")
        if d.size and float(np.min(d)) < dt * (1 - 1e-9):
            raise SolverError(f"{what} has a delay of {float(np.min(d)):g}, shorter than the step "
                              f"size {dt:g}; delays must be 0 (undelayed edges) or at least one "
                              "step (reduce step_size)")
        longest[item.symbol] = max(longest.get(item.symbol, 0.0), float(np.max(d)))
        exact.append(flags)
    lengths = tuple(buffer_length(longest[s], dt) for s in layout.history)
    return lengths, tuple(exact)
