"""Batches on the numba loop: the ``B`` sets of a request through one compiled loop, in threads.

Every set gets its arguments once (:func:`~pyrates_backend_numpy.solvers.prepare_fixed`, the
recording plan shared) and records straight into its row of one ``(B, n_samples, n_cols)``
array, so a set costs Python only the preparation and one call of the compiled
``run_fixed_step`` per segment (a few microseconds); the sets are split into one contiguous
slice per CPU, run in threads (the loop releases the GIL). Each set goes through exactly the
code of a single run, so it equals its single run bit for bit.

A loop over the sets inside the generated code was tried and dropped: numba links the whole
``run_fixed_step`` into such a caller and LLVM optimizes it again, which doubled the cold
compile of a sweep (Jansen-Rit, 200 sets, empty cache: 3.1 s without, 6-7 s with the batch
loop) for no measurable gain at run time.

:func:`integrate_batch` returns ``None`` for pure NumPy and scipy;
:func:`pyrates_backend_numpy.solvers.integrate` then runs the sets one by one.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from pyrates_backend_numpy.codegen import LOOP
from pyrates_backend_numpy.solvers import (
    FIXED_METHODS,
    ModelHandle,
    batch_workers,
    prepare_fixed,
)
from pyrates_core.backend import SimulationRequest, SimulationResult
from pyrates_core.errors import DivergenceError
from pyrates_core.runtime import (
    batch_member,
    batch_size,
    initial_state,
    progress_bar,
    run_fixed_segments,
    sampling,
)

__all__ = ["integrate_batch"]


def integrate_batch(handle: ModelHandle, request: SimulationRequest) -> SimulationResult | None:
    """Integrate the batch of ``request`` set by set through the compiled loop, in threads;
    ``None`` where that does not apply (pure NumPy, scipy).
    """
    if not handle.numba or request.solver not in FIXED_METHODS:
        return None
    system = handle.system
    n = batch_size(request)
    plan = sampling(request)
    members = [batch_member(request, b) for b in range(n)]
    y0 = [initial_state(system, r) for r in members]
    first = prepare_fixed(handle, members[0], plan.n_steps, plan.stride, plan.n_samples, y0[0])
    rec = np.zeros((n, *first.rec.shape), system.value_dtype)
    runs = [first] + [prepare_fixed(handle, r, plan.n_steps, plan.stride, 0, y, first.plan)
                      for r, y in zip(members[1:], y0[1:])]
    for b, run in enumerate(runs):
        run.args[3] = rec[b]  # record into the set's row (the loop's ``_rec``)
    states = np.empty((n, system.n_state), system.value_dtype)
    loop = getattr(handle.module, LOOP)
    method = FIXED_METHODS[request.solver]
    bar = progress_bar(request.progress, n * plan.n_steps)
    bar_lock = threading.Lock()

    def one(b: int) -> None:
        run, mask = runs[b], runs[b].zero_history
        try:
            states[b] = run_fixed_segments(
                lambda n0, n1, y: loop(method, y, n0, n1, *run.args), y0[b], plan.n_steps,
                system, request.step_size, False, () if mask is None else mask.steps,
                None if mask is None else mask.advance)
        except DivergenceError as err:
            raise DivergenceError(f"parameter set {b} of {n}: {err}") from err
        if bar is not None:
            with bar_lock:
                bar.update(plan.n_steps)

    workers = min(n, batch_workers(handle, request))
    bounds = np.linspace(0, n, workers + 1).round().astype(int)
    slices = [range(int(a), int(z)) for a, z in zip(bounds[:-1], bounds[1:]) if z > a]
    start = time.perf_counter()
    try:
        if len(slices) == 1:
            for b in slices[0]:
                one(b)
        else:
            with ThreadPoolExecutor(len(slices), thread_name_prefix="pyrates-batch") as pool:
                for done in [pool.submit(lambda s: [one(b) for b in s], s) for s in slices]:
                    done.result()
    finally:
        if bar is not None:
            bar.close()
    stats = {"run_time": time.perf_counter() - start, "n_steps": plan.n_steps,
             "n_rhs_evals": plan.n_steps * (1, 2, 4)[method], "numba": True, "batch": n,
             "batch_mode": "compiled loop", "batch_workers": len(slices)}
    return SimulationResult(plan.times, first.plan.split(rec), states, stats)
