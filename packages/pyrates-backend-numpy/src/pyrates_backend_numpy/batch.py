"""Batches on the numba loop: the ``B`` sets of a request in one compiled call per thread.

The generated ``run_fixed_batch`` loops over sets inside numba; every argument that differs
between sets carries a leading batch axis of length ``B``, every shared one a leading axis of
length 1 (a view, no copy). States, recordings and history buffers always have one row per
set. The sets are split into contiguous slices, one per thread (the loop releases the GIL),
so Python does per-set work only once, while preparing the arguments.

:func:`integrate_batch` returns ``None`` where a batch cannot be laid out this way (pure
NumPy or scipy, delay tables of different shapes between sets);
:func:`pyrates_backend_numpy.solvers.integrate` then runs the sets one by one. Both ways
give the same numbers.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from pyrates_backend_numpy.codegen import BATCH_LOOP
from pyrates_backend_numpy.solvers import (
    FIXED_METHODS,
    ModelHandle,
    batch_workers,
    prepare_fixed,
)
from pyrates_core.backend import SimulationRequest, SimulationResult
from pyrates_core.lowering import ActivationMask
from pyrates_core.runtime import (
    batch_member,
    batch_size,
    divergence_error,
    initial_state,
    progress_bar,
    sampling,
)

__all__ = ["integrate_batch", "stack_arguments"]


def _lead(value: Any) -> np.ndarray:
    """``value`` with a leading axis of length 1 (a view of a writable C-contiguous array)."""
    arr = np.asarray(value)
    if not (arr.flags.c_contiguous and arr.flags.writeable):
        arr = np.array(arr, order="C")
    return arr[None]


def _same(values: Sequence[Any]) -> bool:
    """Whether all values are equal (the same object, or equal arrays)."""
    first = values[0]
    if all(v is first for v in values):
        return True
    head = np.ravel(first)[:16]
    return all(np.shape(v) == np.shape(first) and np.array_equal(np.ravel(v)[:16], head)
               for v in values[1:]) and all(np.array_equal(v, first) for v in values[1:])


def stack_arguments(per_set: Sequence[Sequence[Any]], always: set[int]) -> list[np.ndarray] | None:
    """Arguments of ``run_fixed_batch`` from the arguments of each set (one list per set).

    Position ``j`` becomes ``value[None]`` where every set has the same value, else the
    values stacked along a new first axis. Positions in ``always`` (mutable state: the
    history buffers) are stacked in any case, 1-D arrays of different lengths padded with
    zeros at the end. Returns ``None`` if other values differ in shape.
    """
    out: list[np.ndarray] = []
    for j, values in enumerate(zip(*per_set)):
        if j in always:
            longest = max(np.shape(v)[0] for v in values)
            buf = np.zeros((len(values), longest), dtype=np.asarray(values[0]).dtype)
            for b, v in enumerate(values):
                buf[b, :np.shape(v)[0]] = v
            out.append(buf)
        elif _same(values):
            out.append(_lead(values[0]))
        elif len({np.shape(v) for v in values}) != 1:
            return None
        else:
            out.append(np.stack([np.asarray(v) for v in values]))
    return out


def integrate_batch(handle: ModelHandle, request: SimulationRequest) -> SimulationResult | None:
    """Integrate the batch of ``request`` through ``run_fixed_batch``, or return ``None`` if
    it does not apply (see the module docstring).
    """
    if not handle.numba or request.solver not in FIXED_METHODS:
        return None
    module, layout, system = handle.module, handle.layout, handle.system
    n = batch_size(request)
    plan = sampling(request)
    members = [batch_member(request, b) for b in range(n)]
    y0 = [initial_state(system, r) for r in members]
    runs = [prepare_fixed(handle, members[0], plan.n_steps, plan.stride, plan.n_samples, y0[0])]
    runs += [prepare_fixed(handle, r, plan.n_steps, plan.stride, 0, y, runs[0].plan)
             for r, y in zip(members[1:], y0[1:])]
    names = layout.loop_arg_names[4:]  # after (_method, _y, _n0, _n1)
    first = names.index("_rec_assign") + 1
    buffers = {names.index(f"{layout.plan.history[s]}_buf") - first for s in layout.history}
    stacked = stack_arguments([r.args[first:] for r in runs], buffers)
    if stacked is None:
        return None
    masks = _masked_weights(runs, first, stacked)
    if masks is None:
        return None
    rec = np.zeros((n, *runs[0].rec.shape), system.value_dtype)
    head = [*runs[0].args[:3], rec, *runs[0].args[4:first]]
    states = np.ascontiguousarray(np.stack(y0))
    status = np.full(n, -1, dtype=np.int64)
    kernel = getattr(module, BATCH_LOOP)
    method = FIXED_METHODS[request.solver]
    workers = min(n, batch_workers(handle, request))
    bounds = np.linspace(0, n, workers + 1).round().astype(int)
    slices = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    bar = progress_bar(request.progress, plan.n_steps)
    chunk = plan.n_steps if bar is None else max(1, plan.n_steps // 100)
    steps = {int(s) for m in masks for s in m.steps}
    stops = sorted(s for s in steps if 0 < s < plan.n_steps)
    ends = [*stops, plan.n_steps]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pyrates-batch") as pool:
        n0 = 0
        while n0 < plan.n_steps:
            n1 = min(plan.n_steps, n0 + chunk, next(e for e in ends if e > n0))
            for m in masks:
                m.advance(n0)

            def part(bounds: tuple[int, int], n0: int = n0, n1: int = n1) -> None:
                kernel(bounds[0], bounds[1], status, states, method, n0, n1, *head, *stacked)

            with np.errstate(over="ignore", invalid="ignore"):
                list(pool.map(part, slices))
            bad = np.flatnonzero(status >= 0)
            if bad.size:
                b = int(bad[0])
                raise _set_error(divergence_error(system, states[b], status[b] * request.step_size),
                                 b, n)
            if bar is not None:
                bar.update(n1 - n0)
            n0 = n1
    if bar is not None:
        bar.close()
    run_time = time.perf_counter() - start
    stats = {"run_time": run_time, "n_steps": plan.n_steps,
             "n_rhs_evals": plan.n_steps * (1, 2, 4)[method], "numba": True, "batch": n,
             "batch_mode": "vectorized", "batch_workers": len(slices)}
    return SimulationResult(plan.times, runs[0].plan.split(rec), states, stats)


def _masked_weights(runs: list[Any], first: int,
                    stacked: list[np.ndarray]) -> list[ActivationMask] | None:
    """Lay out the zero-history masks of a batch; returns the masks to advance (``None``: the
    batch cannot be laid out).

    Where every set has the same weights and activation steps, all sets read the first
    set's masked weights (``stacked`` holds views of them). Otherwise the masked weights are
    stacked and each set's mask is rebound to its row, so that advancing the masks switches
    the taps on in the stacked arrays.
    """
    masks = [r.zero_history for r in runs]
    if masks[0] is None:
        return []
    first_mask = masks[0]
    work = {j: k for j in range(len(stacked)) for k, w in enumerate(first_mask.work)
            if runs[0].args[first + j] is w}
    same = all(np.array_equal(m.steps, first_mask.steps) and all(
        np.array_equal(a, b) for a, b in zip(m.full, first_mask.full)) for m in masks[1:])
    if same:
        for j, k in work.items():
            stacked[j] = first_mask.work[k][None]
        return [first_mask]
    for j, k in work.items():
        rows = [m.work[k] for m in masks]
        if len({w.shape for w in rows}) != 1:
            return None
        stacked[j] = np.stack(rows)
        for b, m in enumerate(masks):
            m.work[k] = stacked[j][b]
    return masks


def _set_error(err: Exception, b: int, n: int) -> Exception:
    """``err`` with the parameter set it happened in."""
    err.args = (f"parameter set {b} of {n}: {err.args[0]}", *err.args[1:])
    return err
