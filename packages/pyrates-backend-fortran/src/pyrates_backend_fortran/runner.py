"""Run a compiled simulation module: pack the arrays, call Fortran, unpack the recording.

Row convention (PyRates 1.x): with stride ``s`` steps per sample and ``n = n_steps // s``
samples, row ``k`` holds the state (and assignments, inputs) at ``t_k = k * s * dt`` for
``k = 0 .. n-1``, row 0 being the initial state; the state at the end is ``final_state``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from pyrates_backend_fortran.codegen import SIMULATE
from pyrates_backend_fortran.delays import delay_taps
from pyrates_backend_fortran.layout import Layout
from pyrates_core import runtime
from pyrates_core.backend import SimulationRequest, SimulationResult
from pyrates_core.errors import SolverError, VariableNotFoundError
from pyrates_core.system import SystemIR

__all__ = ["FIXED_METHODS", "FortranModel", "integrate", "pack_params"]

FIXED_METHODS = {"euler": 0, "heun": 1, "rk4": 2}


@dataclass
class FortranModel:
    """Backend-private part of a loaded model."""

    module: ModuleType
    layout: Layout
    system: SystemIR


def pack_params(system: SystemIR, lay: Layout, params: dict[str, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray]:
    """``(pr_p, pr_ip)``: flat real/complex parameters and 1-based integer data."""
    real = np.zeros(max(1, lay.n_real), system.value_dtype)
    ints = np.zeros(lay.n_int, np.int32)
    for slot in lay.params:
        value = np.ravel(params[slot.name], order="F")  # column-major matrices
        if slot.integer:
            ints[slot.offset:slot.offset + slot.size] = value + 1
        else:
            real[slot.offset:slot.offset + slot.size] = value
    ip = np.concatenate([ints, lay.int_data.astype(np.int32)])
    return real, (ip if ip.size else np.zeros(1, np.int32))


def _inputs(system: SystemIR, lay: Layout, given: dict[str, np.ndarray], n_steps: int
            ) -> np.ndarray:
    """``pr_u(nu, rows)``: one column per step (a single column if every input is constant)."""
    series = runtime.input_series(system, given, n_steps, list(lay.inputs))
    rows = max([1] + [min(arr.shape[0], n_steps) for arr in series])
    u = np.zeros((max(1, lay.n_u), rows), system.value_dtype, order="F")
    for (off, size), arr in zip(lay.inputs.values(), series):
        u[off:off + size, :] = arr[:rows].T if arr.shape[0] > 1 else arr.T
    return u


def _recording(system: SystemIR, lay: Layout, outputs: dict[str, tuple[str, Any]]
               ) -> tuple[np.ndarray, np.ndarray, dict[str, slice]]:
    sizes = system.symbol_sizes()
    states = {s.name: s for s in system.states}
    codes: list[int] = []
    idx: list[int] = []
    columns: dict[str, slice] = {}
    for key, (sym, index) in outputs.items():
        if sym not in sizes:
            raise VariableNotFoundError(f"output '{key}': '{sym}' is neither a state, an "
                                        "assignment nor an input of the model")
        ind = np.arange(sizes[sym]) if index is None else np.atleast_1d(np.asarray(index))
        ind = ind.astype(np.int64)
        if ind.size and (ind.min() < -sizes[sym] or ind.max() >= sizes[sym]):
            raise VariableNotFoundError(f"output '{key}': indices {ind.tolist()} out of range "
                                        f"for '{sym}' of size {sizes[sym]}")
        ind = ind % max(1, sizes[sym])
        columns[key] = slice(len(codes), len(codes) + ind.size)
        if sym in states:
            codes += [0] * ind.size
            idx += (ind + states[sym].start + 1).tolist()
        else:
            codes += [lay.record_codes[sym]] * ind.size
            idx += (ind + 1).tolist()
    return np.asarray(codes or [-1], np.int32), np.asarray(idx or [1], np.int32), columns


def integrate(model: FortranModel, request: SimulationRequest) -> SimulationResult:
    """Run ``request`` (euler, heun or rk4) in the compiled Fortran loop."""
    system, lay = model.system, model.layout
    if request.solver not in FIXED_METHODS:
        raise SolverError(f"solver '{request.solver}' is not supported by the fortran backend; "
                          f"choose one of: {', '.join(FIXED_METHODS)}")
    runtime.check_history(request.history)
    if request.solver_options:
        raise SolverError(f"solver_options {sorted(request.solver_options)} have no meaning for "
                          f"the fixed-step solver '{request.solver}' of the fortran backend")
    if request.progress:
        warnings.warn("the fortran backend runs the whole loop in one Fortran call and shows "
                      "no progress bar", stacklevel=2)
    if request.batch_params:
        raise SolverError("the fortran backend has no batch axis; run the parameter sets one "
                          "by one (or use pyrates_sweep)")
    rows = runtime.sampling(request)
    n_steps, stride, n_samples = rows.n_steps, rows.stride, rows.n_samples
    dt = request.step_size
    y = np.ascontiguousarray(runtime.initial_state(system, request), dtype=system.value_dtype)
    if y.size == 0:
        y = np.zeros(1, system.value_dtype)
    params = runtime.resolve_params(system, request.param_values)
    p, ip = pack_params(system, lay, params)
    u = _inputs(system, lay, request.inputs, n_steps)
    taps = delay_taps(system, lay, params, dt)
    sizes = system.symbol_sizes()
    lengths = [2 * taps.lengths[h] * sizes[s] for h, s in enumerate(lay.history)]
    hoff = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int32) if lengths else \
        np.zeros(1, np.int32)
    hbuf = np.zeros(max(1, int(sum(lengths))), system.value_dtype)
    hlen = np.asarray(taps.lengths or [1], np.int32)
    codes, idx, columns = _recording(system, lay, request.outputs)
    rec = np.zeros((codes.size, max(1, n_samples)), system.value_dtype, order="F")

    def nonempty(a: np.ndarray, dtype: Any) -> np.ndarray:
        return a if a.size else np.zeros(1, dtype)

    start = time.perf_counter()
    status = getattr(model.module, SIMULATE)(
        pr_method=FIXED_METHODS[request.solver], pr_nsteps=n_steps, pr_dt=dt,
        pr_stride=stride, pr_nsamp=max(1, n_samples), pr_y=y, pr_rec=rec, pr_rsym=codes,
        pr_ridx=idx, pr_p=p, pr_ip=ip, pr_u=u, pr_hbuf=hbuf, pr_hoff=hoff, pr_hlen=hlen,
        pr_hmode=1 if request.history == "initial" else 0, pr_ntab=len(lay.reads),
        pr_dbase=taps.base, pr_drp=nonempty(taps.rows, np.int32),
        pr_doff=nonempty(taps.offset, np.int32),
        pr_dw=nonempty(taps.weight, system.value_dtype),
        pr_dact=nonempty(taps.activation, np.int32))
    run_time = time.perf_counter() - start
    final = y[:system.n_state].copy()
    if status >= 0:
        raise runtime.divergence_error(system, final, status * dt)
    data = rec[:, :n_samples].T
    outputs = {key: np.array(data[:, sl]) for key, sl in columns.items()}
    times = rows.times
    stats = {"run_time": run_time, "n_steps": n_steps,
             "n_rhs_evals": n_steps * (1, 2, 4)[FIXED_METHODS[request.solver]]}
    return SimulationResult(times, outputs, final, stats)
