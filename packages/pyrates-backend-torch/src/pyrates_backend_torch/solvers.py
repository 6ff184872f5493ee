"""Differentiable fixed-step integration (euler, heun, rk4) of a generated torch model.

:func:`simulate` returns torch tensors, so gradients flow from the outputs back to parameter
tensors passed in ``overrides`` (values of system parameters, edge weights included) and
``delay_overrides`` (per-bundle edge delays). Nothing is written in place: the history of a
delayed symbol is a tensor that is re-assembled (``torch.cat``) at every step, which autograd
sees. Rows follow the PyRates 1.x convention (row 0 = the initial state, ``t_k = k*s`` for
``k = 0..n-1``; the state at ``T`` is the final state).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp
import torch
import torch.utils.checkpoint

from pyrates_backend_torch.codegen import OBSERVE, Layout
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

__all__ = ["Handle", "Trajectory", "simulate_fixed"]


@dataclass
class Handle:
    """What :meth:`TorchBackend.load` keeps: the module, layout, system and device."""

    module: ModuleType
    func: Any
    layout: Layout
    system: SystemIR
    device: torch.device
    checkpoint: int | None = None
    """Steps per gradient-checkpointing segment (backend option ``checkpoint``; None: off)."""


@dataclass
class Trajectory:
    """Recorded outputs as tensors (batch axis first), sample times, final state."""

    time: np.ndarray
    outputs: dict[str, torch.Tensor]
    final_state: torch.Tensor
    n_steps: int
    batch: bool


def _tensor(value: Any, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    if torch.is_tensor(value):
        return value.to(dtype=dtype, device=device)
    return torch.as_tensor(np.asarray(value), dtype=dtype, device=device)


def _shaped(v: torch.Tensor, shape: tuple[int, ...], batched: bool) -> torch.Tensor:
    lead = (v.shape[0],) if batched else (1,)
    return v.reshape(*lead, -1) if len(shape) <= 1 else v.reshape(*lead, *shape)


def _param_tensors(h: Handle, request: SimulationRequest, overrides: dict[str, torch.Tensor],
                   dtype: torch.dtype) -> tuple[dict[str, torch.Tensor], int]:
    system = h.system
    values, batch = resolve_values(system, request)
    out: dict[str, torch.Tensor] = {}
    for name in h.layout.params:
        shape = np.shape(system.params[name].value)
        if name in h.layout.int_params:
            out[name] = torch.as_tensor(np.ravel(values[name]), dtype=torch.long, device=h.device)
            continue
        batched = name in request.batch_params
        v = overrides[name] if name in overrides else values[name]
        out[name] = _shaped(_tensor(v, dtype, h.device), shape, batched)
    return out, batch


def _edge_args(h: Handle, params: dict[str, torch.Tensor]) -> list[torch.Tensor]:
    system, args = h.system, []
    cache: dict[int, dict[str, torch.Tensor]] = {}
    for k, kind in h.layout.edges:
        if k not in cache:
            b, bp = system.edges[k], h.layout.plan.bundles[k]
            w = params[b.weights]
            w = w.reshape(w.shape[0], -1).expand(w.shape[0], b.n_edges)
            zero = torch.as_tensor(np.flatnonzero(bp.zero), device=h.device)
            dl = torch.as_tensor(np.flatnonzero(bp.delayed), device=h.device)
            src = torch.as_tensor(b.source_idx, device=h.device)
            tgt = torch.as_tensor(b.target_idx, device=h.device)
            entry = {"src": src[zero], "tgt": tgt[zero], "w": w[:, zero], "dw": w[:, dl],
                     "dtgt": tgt[dl]}
            if bp.dense and bp.zero.any():
                flat = tgt[zero] * b.n_source + src[zero]
                mat = torch.zeros(w.shape[0], b.n_target * b.n_source, dtype=w.dtype,
                                  device=h.device).index_add(1, flat, w[:, zero])
                mat = mat.reshape(w.shape[0], b.n_target, b.n_source)
                entry["mat"] = mat[0] if w.shape[0] == 1 else mat
            cache[k] = entry
        args.append(cache[k][kind])
    return args


@dataclass
class _Read:
    symbol: str
    src: torch.Tensor
    delays: torch.Tensor


def _reads(h: Handle, params: dict[str, torch.Tensor],
           delay_overrides: dict[int, torch.Tensor], dtype: torch.dtype) -> list[_Read]:
    system, plan, reads = h.system, h.layout.plan, []
    for kind, k in h.layout.reads:
        if kind == "bundle":
            b, bp = system.edges[k], plan.bundles[k]
            d = delay_overrides.get(k)
            if d is None and b.delay_param is not None:  # the delay parameter, checked
                v = params[b.delay_param]
                if v.shape[0] != 1:
                    raise SolverError(f"delay parameter '{b.delay_param}': the torch backend "
                                      "takes one value per run (no 'delay_params' batches)")
                edge_delays(system, b, {b.delay_param: v[0].detach().cpu().numpy()})
                d = torch.broadcast_to(v[0].reshape(-1), (b.n_edges,)).to(dtype)
            d = _tensor(b.delays, dtype, h.device) if d is None else d
            if d.dim() > 1:
                raise SolverError(f"edge bundle '{b.name}': delays cannot carry a batch axis")
            dl = torch.as_tensor(np.flatnonzero(bp.delayed), device=h.device)
            src = torch.as_tensor(b.source_idx, device=h.device)[dl]
            reads.append(_Read(b.source, src, d[dl]))
        else:
            pp = plan.pasts[k]
            syms = sorted(pp.tau.free_symbols, key=sp.default_sort_key)
            vals = []
            for s in syms:
                v = params[s.name]
                if v.shape[0] != 1:
                    raise SolverError(f"the delay of {pp.expr} cannot carry a batch axis")
                vals.append(v[0])
            tau = sp.lambdify(syms, pp.tau, modules=[{"exp": torch.exp}, "math"])(*vals)
            tau = torch.broadcast_to(_tensor(tau, dtype, h.device), (pp.size,))
            reads.append(_Read(pp.symbol, torch.arange(pp.size, device=h.device), tau))
    return reads


def _tables(h: Handle, reads: list[_Read], dt: float, offsets: tuple[float, ...],
            ) -> tuple[dict[str, int],
                       list[list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]]]:
    """History lengths and, per stage offset and read, (columns (4, m), weights (4, m),
    activation steps (m,)): the first step at which the stage reads a time ``>= 0`` (``> 0``
    for the stages after the start of a step, which read the left limit), as
    :func:`pyrates_core.lowering.stage_taps`; with a zero pre-history the read is 0 before.
    """
    lengths = history_lengths([(r.symbol, r.delays.detach().cpu().numpy().real)
                               for r in reads if r.delays.numel()], dt)
    for r in reads:
        lengths.setdefault(r.symbol, 4)
    sizes = h.system.symbol_sizes()
    tables = []
    for c in offsets:
        stage = []
        for r in reads:
            lag = r.delays.real / dt - c if r.delays.is_complex() else r.delays / dt - c
            j, cols, act = stencil_columns(r.delays.detach().cpu().numpy().real,
                                           r.src.cpu().numpy(), lengths[r.symbol],
                                           sizes[r.symbol], dt, c,
                                           f"a delayed read of '{r.symbol}'")
            u = lag - torch.as_tensor(j, dtype=lag.dtype, device=h.device)
            q = torch.as_tensor(j == 0, dtype=lag.dtype, device=h.device)
            w = torch.stack(lagrange_weights(u, q))
            stage.append((torch.as_tensor(cols, device=h.device), w,
                          torch.as_tensor(act, dtype=torch.float64)))
        tables.append(stage)
    return lengths, tables


def _inputs(h: Handle, request: SimulationRequest, n_steps: int, dtype: torch.dtype
            ) -> list[torch.Tensor]:
    return [_tensor(a, dtype, h.device)
            for a in input_rows(h.system, h.layout.inputs, request, n_steps)]


def _divergence(system: SystemIR, y: torch.Tensor, t: float) -> DivergenceError:
    yy = y.detach().cpu().numpy()
    bad = [s.name for s in system.states if not np.all(np.isfinite(yy[:, s.start:s.start +
                                                                       s.size]))]
    return DivergenceError(f"the simulation diverged: state variable(s) {', '.join(bad)} became "
                           f"non-finite by t = {t:g}; try a smaller step size or check the "
                           "parameters")


def simulate_fixed(h: Handle, request: SimulationRequest,
             overrides: dict[str, torch.Tensor] | None = None,
             delay_overrides: dict[int, torch.Tensor] | None = None,
             checkpoint: int | None = None) -> Trajectory:
    """Integrate with ``request.solver``; outputs stay torch tensors.

    ``checkpoint``: steps per segment of gradient checkpointing (``torch.utils.checkpoint``):
    under autograd only the state and history at segment boundaries are kept, and each
    segment is recomputed during the backward pass (less memory, one extra forward pass).

    The fixed-step solvers run here; :func:`pyrates_backend_torch.run.simulate` also sends
    ``'torchdiffeq'`` to :func:`pyrates_backend_torch.adaptive.simulate_adaptive`.
    """
    system, lay = h.system, h.layout
    checkpoint = h.checkpoint if checkpoint is None else checkpoint
    if request.solver not in STAGE_OFFSETS:
        raise SolverError(f"solver '{request.solver}' is not supported by the torch backend; "
                          f"choose one of: {', '.join(STAGE_OFFSETS)}, torchdiffeq")
    if request.history not in ("zero", "initial"):
        raise SolverError(f"history '{request.history}' is not one of 'zero', 'initial'")
    dtype = getattr(torch, str(system.value_dtype))
    n_steps, stride, n_samples = sampling(request)
    dt = float(request.step_size)
    params, batch = _param_tensors(h, request, overrides or {}, dtype)
    head = [params[p] for p in lay.params]
    series = _inputs(h, request, n_steps, dtype)
    edges = _edge_args(h, params)
    reads = _reads(h, params, delay_overrides or {}, dtype)
    offsets = STAGE_OFFSETS[request.solver]
    lengths, tables = _tables(h, reads, dt, offsets)
    out_plan = plan_outputs(system, request.outputs)
    y0 = initial_state(system, request)
    y = _tensor(y0, dtype, h.device).reshape(1, -1).expand(batch, -1)
    sizes = system.symbol_sizes()
    states = {s.name: s for s in system.states}
    assign_pos = {a.name: i for i, a in enumerate(system.assignments)}
    observe = getattr(h.module, OBSERVE)
    func = h.func
    t_tensor = lay.plan.uses_time

    def tt(t: float) -> Any:
        return torch.tensor(t, dtype=dtype, device=h.device) if t_tensor else t

    zero_history = request.history == "zero"
    # the tensors the steps read that may carry gradients; a checkpointed segment swaps in
    # the copies it receives as inputs (see ``checkpointed``)
    live: dict[str, Any] = {"head": head, "edges": edges, "tables": tables}

    def read(bufs: dict[str, torch.Tensor], stage: int, i: int) -> list[torch.Tensor]:
        out = []
        for r, (cols, w, act) in zip(reads, live["tables"][stage], strict=True):
            v = (bufs[r.symbol][:, cols] * w).sum(dim=1)
            if zero_history and bool((act > i).any()):
                v = v * (act <= i).to(device=h.device, dtype=v.real.dtype)
            out.append(v)
        return out

    def args(i: int, bufs: dict[str, torch.Tensor], stage: int) -> list[Any]:
        return [*live["head"], *(s[min(i, n_steps - 1)].unsqueeze(0) for s in series),
                *live["edges"],
                *read(bufs, stage, i)]

    def fill(value: torch.Tensor, length: int) -> torch.Tensor:
        # the rows before t = 0 hold the initial value (continuous interpolation stencils
        # near t = 0); a zero pre-history masks the reads before their activation step
        return value.repeat(1, length)

    bufs: dict[str, torch.Tensor] = {}
    for sym in lengths:
        if sym in states:
            s = states[sym]
            bufs[sym] = fill(y[:, s.start:s.start + s.size], lengths[sym])
        else:
            bufs[sym] = torch.zeros(batch, lengths[sym] * sizes[sym], dtype=dtype,
                                    device=h.device)
    assign_hist = [s for s in lengths if s not in states]
    observed = None
    for _ in range(2 if assign_hist else 0):
        observed = observe(tt(0.0), y, *args(0, bufs, 0))
        for sym in assign_hist:
            bufs[sym] = fill(observed[assign_pos[sym]], lengths[sym])
    need_observe = bool(out_plan.assigns)
    records: list[dict[str, torch.Tensor]] = []

    def row(i: int, y: torch.Tensor, obs: Any) -> dict[str, torch.Tensor]:
        out = {k: y[:, idx] for k, idx in out_plan.states.items()}
        for k, (sym, idx) in out_plan.inputs.items():
            out[k] = series[lay.inputs.index(sym)][min(i, n_steps - 1)][idx].unsqueeze(0) \
                .expand(batch, -1)
        for k, (sym, idx) in out_plan.assigns.items():
            out[k] = obs[assign_pos[sym]][:, idx]
        return out

    if need_observe and observed is None:
        observed = observe(tt(0.0), y, *args(0, bufs, 0))
    records.append(row(0, y, observed))
    last_stage = len(offsets) - 1

    def advance(i: int, y: torch.Tensor, bufs: dict[str, torch.Tensor]
                ) -> tuple[torch.Tensor, dict[str, torch.Tensor], dict[str, torch.Tensor] | None]:
        """One step from ``i*dt``: the new state, history and (when due) the recorded row."""
        bufs = dict(bufs)
        t = i * dt
        k1 = func(tt(t), y, *args(i, bufs, 0))
        if request.solver == "euler":
            y = y + dt * k1
        elif request.solver == "heun":
            k2 = func(tt(t + dt), y + dt * k1, *args(i, bufs, last_stage))
            y = y + (dt / 2) * (k1 + k2)
        else:
            a_half = args(i, bufs, 1)
            k2 = func(tt(t + dt / 2), y + (dt / 2) * k1, *a_half)
            k3 = func(tt(t + dt / 2), y + (dt / 2) * k2, *a_half)
            k4 = func(tt(t + dt), y + dt * k3, *args(i, bufs, last_stage))
            y = y + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
        for sym in lengths:
            if sym in states:
                s = states[sym]
                bufs[sym] = torch.cat((bufs[sym][:, sizes[sym]:], y[:, s.start:s.start + s.size]),
                                      dim=1)
            else:  # the newest row is not known yet: repeat the previous one
                bufs[sym] = torch.cat((bufs[sym][:, sizes[sym]:], bufs[sym][:, -sizes[sym]:]),
                                      dim=1)
        due = (i + 1) % stride == 0 and (i + 1) // stride < n_samples
        observed = None
        if assign_hist or (due and need_observe):
            observed = observe(tt(t + dt), y, *args(i + 1, bufs, 0))
            for sym in assign_hist:
                bufs[sym] = torch.cat((bufs[sym][:, :-sizes[sym]], observed[assign_pos[sym]]),
                                      dim=1)
        if (i + 1) % 16 == 0 and not bool(torch.isfinite(y).all()):
            raise _divergence(system, y, (i + 1) * dt)
        return y, bufs, (row(i + 1, y, observed) if due else None)

    def segment(i0: int, i1: int, y: torch.Tensor, bufs: dict[str, torch.Tensor]
                ) -> tuple[torch.Tensor, dict[str, torch.Tensor], list[dict[str, torch.Tensor]]]:
        """Steps ``i0 .. i1 - 1``; the rows they record."""
        rows = []
        for i in range(i0, i1):
            y, bufs, r = advance(i, y, bufs)
            if r is not None:
                rows.append(r)
        return y, bufs, rows

    sym_order = list(lengths)
    n_head, n_edges = len(head), len(edges)

    def checkpointed(i0: int, i1: int, y: torch.Tensor, *flat: torch.Tensor
                     ) -> tuple[torch.Tensor, ...]:
        """``segment`` on flat tensors (state, histories, gradient-carrying inputs), so that
        ``torch.utils.checkpoint`` (reentrant: no graph inside the segment) routes the
        gradients of every input.
        """
        bufs_in = dict(zip(sym_order, flat[:len(sym_order)], strict=True))
        rest = list(flat[len(sym_order):])
        weights = iter(rest[n_head + n_edges:])
        saved = dict(live)
        live["head"], live["edges"] = rest[:n_head], rest[n_head:n_head + n_edges]
        live["tables"] = [[(c, next(weights), a) for c, _, a in stage] for stage in tables]
        try:
            y_out, bufs_out, rows = segment(i0, i1, y, bufs_in)
        finally:
            live.update(saved)
        return (y_out, *(bufs_out[k] for k in sym_order),
                *(r[k] for r in rows for k in request.outputs))

    if checkpoint is not None and int(checkpoint) < 1:
        raise SolverError(f"checkpoint must be a positive number of steps per segment, got "
                          f"{checkpoint} (or None to switch it off)")
    span = int(checkpoint or n_steps)
    weights = [w for stage in tables for _, w, _ in stage]
    keys = list(request.outputs)
    for i0 in range(0, n_steps, span):
        i1 = min(i0 + span, n_steps)
        if checkpoint and torch.is_grad_enabled():
            out = torch.utils.checkpoint.checkpoint(
                checkpointed, i0, i1, y, *(bufs[k] for k in sym_order), *head, *edges,
                *weights, use_reentrant=True)
            y, bufs = out[0], dict(zip(sym_order, out[1:1 + len(sym_order)], strict=True))
            flat_rows = out[1 + len(sym_order):]
            rows = [dict(zip(keys, flat_rows[j:j + len(keys)], strict=True))
                    for j in range(0, len(flat_rows), len(keys))]
        else:
            y, bufs, rows = segment(i0, i1, y, bufs)
        records += rows
    if not bool(torch.isfinite(y).all()):
        raise _divergence(system, y, n_steps * dt)
    outputs = {k: torch.stack([r[k] for r in records], dim=1) for k in keys}
    times = np.arange(len(records)) * stride * dt
    return Trajectory(times, outputs, y, n_steps, bool(request.batch_params))
