"""Checks of the arguments users pass to ``run``, ``integrate`` and ``update_var``.

Each check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, bad value)
with a message that names the argument, the variable or the input path and says what is
expected, before anything deep inside the pipeline can fail with a message that names nothing.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from pyrates_core.system import SystemIR

__all__ = [
    "check_finite_system",
    "check_inputs",
    "check_number",
    "check_outputs",
    "check_run_times",
    "check_value",
]

def check_number(name: str, value: Any, positive: bool = True) -> float:
    """``value`` as a float; a clear error if it is not a (positive, finite) real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    if positive and out <= 0:
        raise ValueError(f"{name} must be positive, got {out}")
    return out


def check_run_times(simulation_time: Any, step_size: Any,
                    sampling_step_size: Any = None) -> None:
    """Types and consistency of the time arguments of ``run``."""
    T = check_number("simulation_time", simulation_time)
    dt = check_number("step_size", step_size)
    if dt > T * (1 + 1e-12):
        raise ValueError(f"step_size ({dt}) is longer than simulation_time ({T}); choose a "
                         "step_size of at most simulation_time")
    if sampling_step_size is None:
        return
    s = check_number("sampling_step_size", sampling_step_size)
    ratio = s / dt
    if ratio < 1 - 1e-9:
        raise ValueError(f"sampling_step_size ({s}) is shorter than step_size ({dt}); results "
                         "are recorded at most once per step")
    if abs(ratio - round(ratio)) > 1e-6 * ratio:
        raise ValueError(f"sampling_step_size ({s}) must be a whole multiple of step_size "
                         f"({dt}), e.g. {round(ratio) * dt:g}")


def check_outputs(outputs: Any) -> None:
    """``outputs`` is None, a dict ``{name: path}``, a list of paths or one path."""
    if outputs is None or isinstance(outputs, str):
        return
    if isinstance(outputs, dict):
        bad = {k: v for k, v in outputs.items() if not isinstance(v, str)}
        if bad:
            raise TypeError(f"outputs maps names to variable paths ('node/op/var'); these are "
                            f"not strings: {bad}")
        return
    if isinstance(outputs, (list, tuple)) and all(isinstance(p, str) for p in outputs):
        return
    raise TypeError(f"outputs must be a dict {{name: 'node/op/var'}} or a list of paths, got "
                    f"{type(outputs).__name__} {outputs!r}")


def check_inputs(inputs: Any) -> dict[str, np.ndarray]:
    """``inputs`` as ``{path: numeric array}``; NaN or inf values are an error naming the row."""
    if inputs is None:
        return {}
    if not isinstance(inputs, dict):
        raise TypeError(f"inputs must be a dict {{'node/op/var': array}}, got "
                        f"{type(inputs).__name__}")
    out: dict[str, np.ndarray] = {}
    for path, data in inputs.items():
        if not isinstance(path, str):
            raise TypeError(f"inputs: keys are variable paths ('node/op/var'), got {path!r}")
        try:
            arr = np.asarray(data)
            if arr.dtype.kind not in "biufc":
                raise TypeError
        except (TypeError, ValueError):
            raise TypeError(f"input '{path}' must be a numeric array with one row per step, "
                            f"got {type(data).__name__} {data!r:.60}") from None
        bad = ~np.isfinite(arr)
        if bad.any():
            row = int(np.argwhere(bad)[0][0]) if arr.ndim else 0
            kind = "NaN" if np.isnan(arr[np.unravel_index(np.argmax(bad), arr.shape)]
                                     if arr.ndim else arr) else "inf"
            raise ValueError(f"input '{path}' contains {kind} (first at row {row}, "
                             f"t = row * step_size); inputs must be finite")
        out[path] = arr
    return out


def check_value(path: str, value: Any) -> Any:
    """A value for ``update_var``: a number or a numeric array."""
    try:
        arr = np.asarray(value)
        ok = arr.dtype.kind in "biufc"
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise TypeError(f"update_var: the value of '{path}' must be a number or a numeric "
                        f"array, got {type(value).__name__} {value!r}")
    return value


def check_finite_system(system: SystemIR) -> None:
    """Parameters and initial values must be finite (else the run would 'diverge' at t = 0)."""
    for p in system.params.values():
        vals = np.asarray(p.value)
        if vals.dtype.kind not in "fc" or np.isfinite(vals).all():
            continue
        bad = np.flatnonzero(~np.isfinite(vals.ravel()))
        labels = [p.labels[i] for i in bad if i < len(p.labels)] if vals.ndim else p.labels
        which = ", ".join(labels[:5]) or p.name
        kind = "NaN" if np.isnan(vals.ravel()[bad[0]]) else "inf"
        raise ValueError(f"parameter {which} is {kind}; set a finite value with update_var")
    for s in system.states:
        bad = np.flatnonzero(~np.isfinite(np.asarray(s.init)))
        if bad.size:
            labels = ", ".join(s.labels[i] for i in bad[:5])
            raise ValueError(f"initial value of {labels} is not finite; set a finite value")
