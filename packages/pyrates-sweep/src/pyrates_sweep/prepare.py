"""Building blocks of a sweep: options, inputs and output requests of one compiled system."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pyrates_core.backend import Backend
from pyrates_core.errors import PyRatesError, VariableNotFoundError
from pyrates_core.system import SystemIR
from pyrates_frontend import CircuitTemplate
from pyrates_frontend.paths import match_labels, pattern_for

__all__ = ["SweepError", "input_labels", "output_requests", "parse_bytes", "split_options"]


class SweepError(PyRatesError, RuntimeError):
    """A chunk of parameter sets failed (its sets and the cause are in the message)."""


def split_options(be: Backend, solver: str, kwargs: dict[str, Any]
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Solver options and backend options from ``kwargs``; unknown names are an error."""
    spec = next((s for s in be.solver_specs if s.name == solver), None)
    solver_specs = {o.name: o for o in (spec.options if spec else ())}
    backend_specs = {o.name: o for o in be.option_specs}
    solver_opts: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in solver_specs:
            solver_opts[key] = solver_specs[key].check(value, f"solver '{solver}'")
        elif key in backend_specs:
            extra[key] = backend_specs[key].check(value, f"backend '{be.name}'")
        else:
            known = sorted({*solver_specs, *backend_specs, *_SWEEP_KEYWORDS})
            near = difflib.get_close_matches(key, known, n=1)
            other = [s.name for s in be.solver_specs if any(o.name == key for o in s.options)]
            hint = (f"; it is an option of solver(s) {other}, not of '{solver}'" if other
                    else f"; did you mean '{near[0]}'?" if near else "")
            raise TypeError(f"grid_search got an unknown keyword argument '{key}'{hint} "
                            f"(options of backend '{be.name}' with solver '{solver}': "
                            f"{', '.join(sorted({*solver_specs, *backend_specs})) or 'none'})")
    return solver_opts, extra


_SWEEP_KEYWORDS = ("sampling_step_size", "permute_grid", "vectorize", "solver", "backend",
                   "clear", "file_name", "cutoff", "client", "chunk_size", "memory_budget", "batch",
                   "progress", "float_precision", "history", "verbose", "in_place", "inputs",
                   "outputs")

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(value: int | float | str) -> int:
    """``2**30``, ``'1GiB'``, ``'500 MB'`` -> bytes."""
    if isinstance(value, bool):
        raise TypeError(f"memory_budget must be a number of bytes or a string like '2GiB', "
                        f"got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if value <= 0:
            raise ValueError(f"memory_budget must be positive, got {value!r}")
        return int(value)
    m = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(value))
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"memory_budget {value!r} is not a size; write e.g. 2**30, '1GiB' "
                         "or '500MB'")
    return parse_bytes(float(m.group(1)) * _UNITS[m.group(2).lower()])


def input_labels(model: CircuitTemplate, inputs: Mapping[str, Any]) -> dict[str, list[str]]:
    """Input path -> the input-variable labels of the single model it matches."""
    net = model.network()
    labels = [f"{p}/{o}/{v}" for p, n in net.nodes.items() for o, op in n.operators.items()
              for v, d in op.variables.items() if d.kind == "input"]
    return {path: match_labels(path, labels, "input variable", f"circuit '{model.path}'")
            for path in inputs}


def input_arrays(system: SystemIR, inputs: Mapping[str, Any], matched: Mapping[str, list[str]],
                 n_steps: int, n_sets: int) -> tuple[dict[str, np.ndarray], list[str]]:
    """Shared input arrays of the request, and the paths whose data differ per set."""
    where = {lab: (spec.name, i) for spec in system.inputs.values()
             for i, lab in enumerate(spec.labels)}
    arrays = {name: np.tile(spec.default, (n_steps, 1)).astype(system.value_dtype)
              for name, spec in system.inputs.items()}
    per_set: list[str] = []
    for path, data in inputs.items():
        arr = np.asarray(data)
        labs = matched[path]
        k = len(labs)
        if arr.ndim == 0 or arr.shape[0] != n_steps:
            raise ValueError(
                f"input '{path}' has {'no time axis' if arr.ndim == 0 else f'{arr.shape[0]} rows'}"
                f", expected one row per step: round(simulation_time / step_size) = {n_steps}")
        shared = arr.ndim == 1 or (arr.ndim == 2 and (arr.shape[1] == 1 or
                                                      (k > 1 and arr.shape[1] == k)))
        if not shared:
            if (arr.ndim == 2 and arr.shape[1] == n_sets) or (
                    arr.ndim == 3 and arr.shape[1] == n_sets and arr.shape[2] in (1, k)):
                per_set.append(path)
                continue
            per = f"({n_steps}, {n_sets})" + (f" or ({n_steps}, {n_sets}, {k})" if k > 1 else "")
            raise ValueError(
                f"input '{path}' has shape {arr.shape}; it matches {k} variable(s) per parameter "
                f"set and there are {n_sets} sets: pass ({n_steps},) or ({n_steps}, 1) for all "
                f"sets" + (f", ({n_steps}, {k}) for the same series in every set" if k > 1 else "")
                + f", or {per} for one series per set")
        cols = np.broadcast_to(arr.reshape(n_steps, -1), (n_steps, k))
        for j, lab in enumerate(labs):
            name, i = where[lab]
            arrays[name][:, i] = cols[:, j]
    return arrays, per_set


def set_inputs(system: SystemIR, inputs: Mapping[str, Any], matched: Mapping[str, list[str]],
               paths: Sequence[str], base: Mapping[str, np.ndarray],
               index: int) -> dict[str, np.ndarray]:
    """The input arrays of parameter set ``index`` for inputs that differ per set."""
    where = {lab: (spec.name, i) for spec in system.inputs.values()
             for i, lab in enumerate(spec.labels)}
    out: dict[str, np.ndarray] = {}
    for path in paths:
        arr = np.asarray(inputs[path])
        labs = matched[path]
        col = arr[:, index] if arr.ndim == 2 else arr[:, index, :]
        cols = np.broadcast_to(col.reshape(arr.shape[0], -1), (arr.shape[0], len(labs)))
        for j, lab in enumerate(labs):
            name, i = where[lab]
            if name not in out:
                out[name] = np.array(base[name], copy=True)
            out[name][:, i] = cols[:, j]
    return out


def _internal(state: Any) -> bool:
    flag = getattr(state, "internal", None)
    return bool(flag) if flag is not None else "_chain" in state.name


def default_outputs(system: SystemIR) -> dict[str, str]:
    """Every state variable of the single model (its path as output key)."""
    paths = [lab.split("[")[0] for s in system.states if not _internal(s) for lab in s.labels]
    return {p: p for p in dict.fromkeys(paths)}


def output_requests(system: SystemIR, outputs: Mapping[str, str], context: str
                    ) -> tuple[dict[str, tuple[str, np.ndarray]], dict[str, list[tuple]]]:
    """Backend output requests, and per output key its columns (label, request, position)."""
    readable: dict[str, tuple[str, int]] = {}
    groups = ([s for s in system.states if not _internal(s)], system.assignments,
              list(system.inputs.values()))
    for group in groups:
        for spec in group:
            for i, lab in enumerate(spec.labels):
                readable.setdefault(lab, (spec.name, i))
    params = {lab for p in system.params.values() for lab in p.labels}
    requests: dict[str, tuple[str, list[int]]] = {}
    columns: dict[str, list[tuple[str, str, int]]] = {}
    for key, path in outputs.items():
        try:
            labs = match_labels(path, readable, "output variable", context)
        except VariableNotFoundError:
            if any(pattern_for(path).match(p) for p in params):
                raise VariableNotFoundError(
                    f"output '{path}' in {context} is a constant; it does not change over time "
                    "(the swept values are in the returned parameter table)") from None
            raise
        for lab in labs:
            name, idx = readable[lab]
            req = f"{key}@{name}"
            requests.setdefault(req, (name, []))[1].append(idx)
            columns.setdefault(key, []).append((lab, req, len(requests[req][1]) - 1))
    return ({k: (n, np.asarray(i, dtype=np.int64)) for k, (n, i) in requests.items()}, columns)
