"""Differentiable fixed-step integration (euler, heun, rk4) in a ``tf.function``.

The time loop is a ``tf.while_loop`` over samples with an inner loop over the steps between
two samples, traced once per model and run layout (cached on the handle), compiled with XLA
(option ``jit_compile``, default on) and reused across runs and fitting epochs. Tensors that
come in from outside (parameters, edge weights, delay interpolation weights) are
differentiable with ``tf.GradientTape``; the history of a delayed symbol is a loop variable
re-assembled with ``tf.concat`` at every step (no in-place writes).
Rows follow the PyRates 1.x convention (row 0 = the initial state, ``t_k = k*s``,
``k = 0..n-1``; the state at ``T`` is the final state). Non-finite states are reported after
the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp
import tensorflow as tf

from pyrates_backend_tensorflow.codegen import OBSERVE, Layout
from pyrates_core.backend import SimulationRequest
from pyrates_core.errors import DivergenceError, SolverError
from pyrates_core.runtime import edge_delays
from pyrates_core.system import SystemIR
from pyrates_core.tensor_plan import (
    STAGE_OFFSETS,
    history_lengths,
    initial_state,
    input_rows,
    lagrange_weights,
    plan_outputs,
    resolve_values,
    sampling,
    stencil_columns,
)

__all__ = ["Handle", "Trajectory", "simulate"]


@dataclass
class Handle:
    """What :meth:`TensorflowBackend.load` keeps: module, layout, system, device, compiled loops."""

    module: ModuleType
    func: Any
    layout: Layout
    system: SystemIR
    device: str
    jit_compile: bool = True
    """Compile the time loop with XLA (``tf.function(jit_compile=True)``)."""
    checkpoint: int | None = None
    """Gradient checkpointing: steps per recomputed segment (backend option; None: off)."""
    loops: dict[tuple, Any] = field(default_factory=dict)


@dataclass
class Trajectory:
    """Recorded outputs as tensors (batch axis first), sample times, final state."""

    time: np.ndarray
    outputs: dict[str, tf.Tensor]
    final_state: tf.Tensor
    n_steps: int
    batch: bool


def read_symbols(h: Handle) -> list[str]:
    """Source symbol of every read argument, in layout order."""
    return [h.system.edges[k].source if kind == "bundle" else h.layout.plan.pasts[k].symbol
            for kind, k in h.layout.reads]


def _tensor(value: Any, dtype: tf.DType) -> tf.Tensor:
    if tf.is_tensor(value) or isinstance(value, tf.Variable):
        return tf.cast(value, dtype)
    return tf.constant(np.asarray(value), dtype=dtype)


def _shaped(v: tf.Tensor, shape: tuple[int, ...], batched: bool) -> tf.Tensor:
    lead = [tf.shape(v)[0]] if batched else [1]
    return tf.reshape(v, [*lead, -1] if len(shape) <= 1 else [*lead, *shape])


def _params(h: Handle, request: SimulationRequest, overrides: dict[str, tf.Tensor],
            dtype: tf.DType) -> tuple[dict[str, tf.Tensor], int]:
    system = h.system
    values, batch = resolve_values(system, request)
    out: dict[str, tf.Tensor] = {}
    for name in h.layout.params:
        shape = np.shape(system.params[name].value)
        if name in h.layout.int_params:
            out[name] = tf.constant(np.ravel(values[name]), dtype=tf.int64)
            continue
        v = overrides[name] if name in overrides else values[name]
        out[name] = _shaped(_tensor(v, dtype), shape, name in request.batch_params)
    return out, batch


def _edge_args(h: Handle, params: dict[str, tf.Tensor]) -> list[tf.Tensor]:
    system, args = h.system, []
    cache: dict[int, dict[str, tf.Tensor]] = {}
    for k, kind in h.layout.edges:
        if k not in cache:
            b, bp = system.edges[k], h.layout.plan.bundles[k]
            w = params[b.weights]
            nb = int(w.shape[0])
            w = tf.broadcast_to(tf.reshape(w, [nb, -1]), [nb, b.n_edges])
            zero, dl = np.flatnonzero(bp.zero), np.flatnonzero(bp.delayed)
            entry = {"src": tf.constant(b.source_idx[zero]), "tgt": tf.constant(b.target_idx[zero]),
                     "w": tf.gather(w, zero, axis=1), "dw": tf.gather(w, dl, axis=1),
                     "dtgt": tf.constant(b.target_idx[dl])}
            if bp.dense and bp.zero.any():
                flat = b.target_idx[zero] * b.n_source + b.source_idx[zero]
                mat = tf.math.unsorted_segment_sum(tf.transpose(entry["w"]), flat,
                                                   b.n_target * b.n_source)
                mat = tf.reshape(tf.transpose(mat), [nb, b.n_target, b.n_source])
                entry["mat"] = mat[0] if nb == 1 else mat
            cache[k] = entry
        args.append(cache[k][kind])
    return args


def _reads(h: Handle, params: dict[str, tf.Tensor], delay_overrides: dict[int, tf.Tensor],
           dtype: tf.DType) -> list[tuple[str, np.ndarray, tf.Tensor]]:
    """(symbol, source indices, delays) per read argument."""
    system, plan, reads = h.system, h.layout.plan, []
    for kind, k in h.layout.reads:
        if kind == "bundle":
            b, bp = system.edges[k], plan.bundles[k]
            d = delay_overrides.get(k)
            if d is None and b.delay_param is not None:  # the delay parameter, checked
                v = params[b.delay_param]
                if int(v.shape[0]) != 1:
                    raise SolverError(f"delay parameter '{b.delay_param}': the tensorflow "
                                      "backend takes one value per run (no 'delay_params' "
                                      "batches)")
                edge_delays(system, b, {b.delay_param: np.asarray(v[0])})
                d = tf.cast(tf.broadcast_to(tf.reshape(v[0], [-1]), [b.n_edges]), dtype)
            d = _tensor(b.delays, dtype) if d is None else d
            dl = np.flatnonzero(bp.delayed)
            reads.append((b.source, b.source_idx[dl], tf.gather(d, dl)))
        else:
            pp = plan.pasts[k]
            syms = sorted(pp.tau.free_symbols, key=sp.default_sort_key)
            vals = []
            for s in syms:
                v = params[s.name]
                if int(v.shape[0]) != 1:
                    raise SolverError(f"the delay of {pp.expr} cannot carry a batch axis")
                vals.append(v[0])
            tau = sp.lambdify(syms, pp.tau, modules=[{"exp": tf.exp}, "math"])(*vals)
            tau = tf.broadcast_to(_tensor(tau, dtype), [pp.size])
            reads.append((pp.symbol, np.arange(pp.size), tau))
    return reads


def _tables(h: Handle, reads: list[tuple[str, np.ndarray, tf.Tensor]], dt: float,
            offsets: tuple[float, ...], dtype: tf.DType, zero: bool = False
            ) -> tuple[dict[str, int], list]:
    """Per stage offset and read: history columns, stencil weights and activation steps.

    ``zero`` (zero pre-history): a read is 0 before its activation step, the first step at
    which its stage reads a time ``>= 0`` (``> 0`` for stages after the start of a step, which
    read the left limit); the buffer itself holds the initial value before ``t = 0``, so that
    stencils near ``t = 0`` see a continuous history. Otherwise every read is active.
    """
    lengths = history_lengths([(sym, np.real(d.numpy())) for sym, _, d in reads], dt)
    sizes = h.system.symbol_sizes()
    tables = []
    for c in offsets:
        stage = []
        for sym, src, d in reads:
            lag = tf.math.real(d) / dt - c if d.dtype.is_complex else d / dt - c
            j, cols, act = stencil_columns(np.real(d.numpy()), src, lengths[sym], sizes[sym], dt,
                                           c, f"a delayed read of '{sym}'")
            u = lag - tf.constant(j, dtype=lag.dtype)
            q = tf.constant((j == 0).astype(float), dtype=lag.dtype)
            w = tf.cast(tf.stack(lagrange_weights(u, q)), dtype)
            act = act if zero else np.zeros(act.shape)
            stage.append((tf.constant(cols, dtype=tf.int64), w, tf.constant(act, dtype=tf.int32)))
        tables.append(tuple(stage))
    return lengths, tables


def _inputs(h: Handle, request: SimulationRequest, n_steps: int, dtype: tf.DType
            ) -> list[tf.Tensor]:
    return [_tensor(a, dtype) for a in input_rows(h.system, h.layout.inputs, request, n_steps)]


def stage_reads(h: Handle, hist: list[str], bufs: tuple, stage: tuple, i: tf.Tensor
                ) -> list[tf.Tensor]:
    """The delayed reads of one stage at step ``i`` (0 before their activation steps)."""
    out = []
    for (cols, w, act), sym in zip(stage, read_symbols(h), strict=True):
        val = tf.reduce_sum(tf.gather(bufs[hist.index(sym)], cols, axis=1) * w, axis=1)
        on = tf.cast(tf.cast(i, tf.int32) >= act, val.dtype)
        out.append(val * on)
    return out


def _build_loop(h: Handle, request: SimulationRequest, lengths: dict[str, int], dtype: tf.DType,
                n_steps: int, stride: int, n_samples: int, jit: bool | None) -> Any:
    """The compiled time loop for one run layout (checkpointed with ``h.checkpoint``)."""
    checkpoint = h.checkpoint
    system, lay = h.system, h.layout
    dt = float(request.step_size)
    solver = request.solver
    out_plan = plan_outputs(system, request.outputs)
    sizes = system.symbol_sizes()
    states = {s.name: s for s in system.states}
    assign_pos = {a.name: i for i, a in enumerate(system.assignments)}
    hist = list(lengths)
    assign_hist = [s for s in hist if s not in states]
    observe, func = getattr(h.module, OBSERVE), h.func
    keys = list(request.outputs)
    last = len(STAGE_OFFSETS[solver]) - 1

    def args(i: tf.Tensor, bufs: tuple, head: tuple, series: tuple, edges: tuple,
             stage: tuple) -> list[Any]:
        row = tf.minimum(i, n_steps - 1)
        return [*head, *(s[row][None, :] for s in series), *edges,
                *stage_reads(h, hist, bufs, stage, i)]

    def step(i: tf.Tensor, y: tf.Tensor, bufs: tuple, head: tuple, series: tuple, edges: tuple,
             tables: tuple) -> tuple[tf.Tensor, tuple]:
        t = tf.cast(i, dtype) * dt
        a0 = args(i, bufs, head, series, edges, tables[0])
        k1 = func(t, y, *a0)
        if solver == "euler":
            y = y + dt * k1
        elif solver == "heun":
            k2 = func(t + dt, y + dt * k1, *args(i, bufs, head, series, edges, tables[last]))
            y = y + (dt / 2) * (k1 + k2)
        else:
            ah = args(i, bufs, head, series, edges, tables[1])
            k2 = func(t + dt / 2, y + (dt / 2) * k1, *ah)
            k3 = func(t + dt / 2, y + (dt / 2) * k2, *ah)
            k4 = func(t + dt, y + dt * k3, *args(i, bufs, head, series, edges, tables[last]))
            y = y + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
        new = []
        for sym, buf in zip(hist, bufs, strict=True):
            n = sizes[sym]
            if sym in states:
                s = states[sym]
                new.append(tf.concat([buf[:, n:], y[:, s.start:s.start + s.size]], axis=1))
            else:
                new.append(tf.concat([buf[:, n:], buf[:, -n:]], axis=1))
        if assign_hist:
            obs = observe(t + dt, y, *args(i + 1, tuple(new), head, series, edges, tables[0]))
            for sym in assign_hist:
                p = hist.index(sym)
                new[p] = tf.concat([new[p][:, :-sizes[sym]], obs[assign_pos[sym]]], axis=1)
        return y, tuple(new)

    def record(m: tf.Tensor, y: tf.Tensor, bufs: tuple, head: tuple, series: tuple,
               edges: tuple, tables: tuple) -> list[tf.Tensor]:
        obs = observe(tf.cast(m, dtype) * dt, y, *args(m, bufs, head, series, edges, tables[0])) \
            if out_plan.assigns else ()
        row = tf.minimum(m, n_steps - 1)
        vals = []
        for k in keys:
            if k in out_plan.states:
                vals.append(tf.gather(y, out_plan.states[k], axis=1))
            elif k in out_plan.inputs:
                sym, idx = out_plan.inputs[k]
                v = tf.gather(series[lay.inputs.index(sym)][row], idx)[None, :]
                vals.append(tf.broadcast_to(v, [tf.shape(y)[0], idx.size]))
            else:
                sym, idx = out_plan.assigns[k]
                vals.append(tf.gather(obs[assign_pos[sym]], idx, axis=1))
        return vals

    def loop(y: tf.Tensor, bufs: tuple, head: tuple, series: tuple, edges: tuple,
             tables: tuple) -> tuple:
        first = n_blocks * spc  # samples recorded by the checkpointed blocks (0 without)
        tas = tuple(tf.TensorArray(dtype, size=n_samples - first) for _ in keys)

        def inner(m: tf.Tensor, y: tf.Tensor, bufs: tuple, count: int) -> tuple:
            def body(j: tf.Tensor, y: tf.Tensor, bufs: tuple) -> tuple:
                y, bufs = step(m + j, y, bufs, head, series, edges, tables)
                return j + 1, y, bufs
            _, y, bufs = tf.while_loop(lambda j, *_: j < count, body,
                                       (tf.constant(0), y, bufs), maximum_iterations=count)
            return y, bufs

        def outer(k: tf.Tensor, y: tf.Tensor, bufs: tuple, tas: tuple) -> tuple:
            m = k * stride
            vals = record(m, y, bufs, head, series, edges, tables)
            tas = tuple(ta.write(k - first, v) for ta, v in zip(tas, vals, strict=True))
            y, bufs = inner(m, y, bufs, stride)
            return k + 1, y, bufs, tas

        blocks: list[tf.Tensor] = []
        if n_blocks:
            y, bufs, blocks = checkpointed(y, bufs, head, series, edges, tables)
        stacked = blocks
        if n_samples > first:
            _, y, bufs, tas = tf.while_loop(lambda k, *_: k < n_samples, outer,
                                            (tf.constant(first), y, bufs, tas),
                                            maximum_iterations=n_samples - first)
            rows = [ta.stack() for ta in tas]
            stacked = [tf.concat([b, r], axis=0) for b, r in zip(blocks, rows, strict=True)] \
                if blocks else rows
        rest = n_steps - n_samples * stride
        if rest:
            y, bufs = inner(tf.constant(n_samples * stride), y, bufs, rest)
        outs = tuple(tf.transpose(x, [1, 0, 2]) for x in stacked)
        return outs, y

    # gradient checkpointing: blocks of ``spc`` sampling intervals, each a tf.recompute_grad
    # function of everything it reads that may carry a gradient (passed explicitly, so that
    # the recomputation routes their gradients)
    spc = max(1, int(checkpoint) // stride) if checkpoint else 0
    n_blocks = n_samples // spc if spc else 0

    def checkpointed(y: tf.Tensor, bufs: tuple, head: tuple, series: tuple, edges: tuple,
                     tables: tuple) -> tuple[tf.Tensor, tuple, list[tf.Tensor]]:
        n_b, n_h, n_e = len(bufs), len(head), len(edges)

        def block(k: tf.Tensor, y: tf.Tensor, *flat: tf.Tensor) -> tuple:
            bufs, head = tuple(flat[:n_b]), tuple(flat[n_b:n_b + n_h])
            edges = tuple(flat[n_b + n_h:n_b + n_h + n_e])
            ws = iter(flat[n_b + n_h + n_e:])
            tabs = tuple(tuple((c, next(ws), a) for c, _, a in stage) for stage in tables)
            rows = tuple(tf.TensorArray(dtype, size=spc) for _ in keys)

            def body(s: tf.Tensor, y: tf.Tensor, bufs: tuple, rows: tuple) -> tuple:
                m = (k * spc + s) * stride
                vals = record(m, y, bufs, head, series, edges, tabs)
                rows = tuple(r.write(s, v) for r, v in zip(rows, vals, strict=True))

                def one(j: tf.Tensor, y: tf.Tensor, bufs: tuple) -> tuple:
                    return (j + 1, *step(m + j, y, bufs, head, series, edges, tabs))

                _, y, bufs = tf.while_loop(lambda j, *_: j < stride, one,
                                           (tf.constant(0), y, bufs), maximum_iterations=stride)
                return s + 1, y, bufs, rows

            _, y, bufs, rows = tf.while_loop(lambda s, *_: s < spc, body,
                                             (tf.constant(0), y, bufs, rows),
                                             maximum_iterations=spc)
            return (y, *bufs, *(r.stack() for r in rows))

        run_block = tf.recompute_grad(block)
        weights = tuple(w for stage in tables for _, w, _ in stage)
        tas = tuple(tf.TensorArray(dtype, size=n_blocks) for _ in keys)

        def over(k: tf.Tensor, y: tf.Tensor, bufs: tuple, tas: tuple) -> tuple:
            out = run_block(k, y, *bufs, *head, *edges, *weights)
            y, bufs, rows = out[0], tuple(out[1:1 + n_b]), out[1 + n_b:]
            tas = tuple(ta.write(k, r) for ta, r in zip(tas, rows, strict=True))
            return k + 1, y, bufs, tas

        _, y, bufs, tas = tf.while_loop(lambda k, *_: k < n_blocks, over,
                                        (tf.constant(0), y, bufs, tas),
                                        maximum_iterations=n_blocks)
        blocks = [tf.reshape(ta.stack(), tf.concat([[n_blocks * spc], tf.shape(ta.stack())[2:]],
                                                   axis=0)) for ta in tas]
        return y, bufs, blocks

    if jit is None:  # the plain Python function, for callers that trace it themselves
        return loop
    return tf.function(loop, reduce_retracing=True, jit_compile=jit)


@dataclass
class Prepared:
    """The loop's arguments for one run, and what identifies its compiled loop."""

    key: tuple
    args: tuple
    """(y0, bufs, head, series, edges, tables)."""
    lengths: dict[str, int]
    dtype: tf.DType
    n_steps: int
    stride: int
    n_samples: int


def prepare(h: Handle, request: SimulationRequest, overrides: dict[str, tf.Tensor] | None = None,
            delay_overrides: dict[int, tf.Tensor] | None = None) -> Prepared:
    """Check ``request`` and build the loop arguments (differentiable in the overrides)."""
    system, lay = h.system, h.layout
    if request.solver not in STAGE_OFFSETS:
        raise SolverError(f"solver '{request.solver}' is not supported by the tensorflow "
                          f"backend; choose one of: {', '.join(STAGE_OFFSETS)}")
    if request.history not in ("zero", "initial"):
        raise SolverError(f"history '{request.history}' is not one of 'zero', 'initial'")
    dtype = tf.as_dtype(str(system.value_dtype))
    n_steps, stride, n_samples = sampling(request)
    dt = float(request.step_size)
    with tf.device(h.device):
        params, batch = _params(h, request, overrides or {}, dtype)
        head = tuple(params[p] for p in lay.params)
        series = tuple(_inputs(h, request, n_steps, dtype))
        edges = tuple(_edge_args(h, params))
        reads = _reads(h, params, delay_overrides or {}, dtype)
        lengths, tables = _tables(h, reads, dt, STAGE_OFFSETS[request.solver], dtype,
                                  request.history == "zero")
        y0 = initial_state(system, request)
        y = tf.broadcast_to(tf.constant(y0.reshape(1, -1), dtype=dtype), [batch, system.n_state])
        bufs = _initial_history(h, request, lengths, y, head, series, edges, tables[0], dtype)
    plan_outputs(system, request.outputs)
    key = (request.solver, n_steps, stride, n_samples, dt, tuple(lengths.items()),
           tuple((k, v[0], tuple(np.atleast_1d(v[1]).tolist()) if v[1] is not None else None)
                 for k, v in request.outputs.items()))
    return Prepared(key, (y, bufs, head, series, edges, tables), lengths, dtype, n_steps,
                    stride, n_samples)


def loop_function(h: Handle, request: SimulationRequest, prep: Prepared,
                  jit: bool | None) -> Any:
    """The (cached) loop ``f(y0, bufs, head, series, edges, tables) -> (outputs, y)``."""
    key = (jit, *prep.key)
    if key not in h.loops:
        h.loops[key] = _build_loop(h, request, prep.lengths, prep.dtype, prep.n_steps,
                                   prep.stride, prep.n_samples, jit)
    return h.loops[key]


def check_finite(h: Handle, y: tf.Tensor, t_end: float) -> None:
    """Raise :class:`DivergenceError` naming the states that are not finite."""
    if not bool(tf.reduce_all(tf.math.is_finite(tf.abs(y)))):
        yy = y.numpy()
        bad = [s.name for s in h.system.states
               if not np.all(np.isfinite(yy[:, s.start:s.start + s.size]))]
        raise DivergenceError(f"the simulation diverged: state variable(s) {', '.join(bad)} are "
                              f"non-finite at t = {t_end:g}; try a smaller step size or check "
                              "the parameters")


def simulate(h: Handle, request: SimulationRequest,
             overrides: dict[str, tf.Tensor] | None = None,
             delay_overrides: dict[int, tf.Tensor] | None = None,
             differentiable: bool = False) -> Trajectory:
    """Integrate with the fixed-step ``request.solver``; outputs stay TensorFlow tensors.

    ``differentiable=True`` runs the graph without XLA, so that an outer ``GradientTape`` can
    differentiate it (TensorFlow cannot hand a loop's gradient accumulators out of an XLA
    cluster; :mod:`pyrates_backend_tensorflow.fit` differentiates inside XLA instead).
    """
    prep = prepare(h, request, overrides, delay_overrides)
    with tf.device(h.device):
        outs, y = loop_function(h, request, prep, h.jit_compile and not differentiable)(
            *prep.args)
    check_finite(h, y, prep.n_steps * request.step_size)
    times = np.arange(prep.n_samples) * prep.stride * request.step_size
    return Trajectory(times, dict(zip(request.outputs, outs, strict=True)), y, prep.n_steps,
                      bool(request.batch_params))


def _initial_history(h: Handle, request: SimulationRequest, lengths: dict[str, int],
                     y: tf.Tensor, head: tuple, series: tuple, edges: tuple, stage: tuple,
                     dtype: tf.DType) -> tuple:
    """History buffers at t = 0: the initial value before t = 0 in both history modes.

    ('zero' masks the reads before their activation steps instead, see :func:`_tables`.)
    """
    system = h.system
    states = {s.name: s for s in system.states}
    sizes = system.symbol_sizes()
    hist = list(lengths)
    batch = int(y.shape[0])

    def fill(value: tf.Tensor, length: int) -> tf.Tensor:
        return tf.tile(value, [1, length])

    bufs = []
    for sym in hist:
        if sym in states:
            s = states[sym]
            bufs.append(fill(y[:, s.start:s.start + s.size], lengths[sym]))
        else:
            bufs.append(tf.zeros([batch, lengths[sym] * sizes[sym]], dtype))
    assign_pos = {a.name: i for i, a in enumerate(system.assignments)}
    observe = getattr(h.module, OBSERVE)
    for _ in range(2 if any(s not in states for s in hist) else 0):
        reads = stage_reads(h, hist, bufs, stage, tf.constant(0))
        obs = observe(tf.constant(0.0, dtype), y, *head, *(s[0][None, :] for s in series),
                      *edges, *reads)
        for p, sym in enumerate(hist):
            if sym not in states:
                bufs[p] = fill(obs[assign_pos[sym]], lengths[sym])
    return tuple(bufs)
