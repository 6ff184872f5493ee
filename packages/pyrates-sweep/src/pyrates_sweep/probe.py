"""Where the swept values live in the compiled system, found by probing with marker values.

The compiler may merge equal scalars of vectorized nodes, fold constants into equations, or
turn a value into structure (a gamma chain's order, a delay buffer). Rather than guessing, the
sweep compiles the model with a distinct *marker* value in every target and looks for the
markers among the parameter arrays of the :class:`~pyrates_core.system.SystemIR`. A grid column
is *free* when a second probe with other markers changes nothing but those parameter
elements: its sets then run through one compiled model with ``param_values`` or
``batch_params``. Any other column is *structural* (e.g. initial values and gamma-kernel
spreads); sets are grouped by its values and each group is compiled once.

Edge delays are parameters of the IR (a bundle's delay parameter, see
:attr:`~pyrates_core.system.EdgeBundle.delay_param`). For a backend with the
``delay_params`` capability only *which* edges are delayed is structure, so a delay column is
free: its sets run through one system, one generated code and one load (as batch columns
where the backend batches). For other backends the delay values count as structure and a
delay column stays structural (one system per delay value), so that no backend silently
runs with the compiled default delays.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyrates_core.compile import compile_network
from pyrates_core.system import SystemIR
from pyrates_frontend import CircuitTemplate
from pyrates_sweep.params import Target, apply_values

__all__ = ["Placement", "compile_with", "locate", "probe_columns"]

_GOLDEN = 0.6180339887498949
_COMPLEX = {"complex64": "float32", "complex128": "float64"}


@dataclass
class Placement:
    """The parameter elements that the free columns set, in one compiled system."""

    system: SystemIR
    positions: dict[str, list[tuple[str, np.ndarray]]] = field(default_factory=dict)
    """Free column -> [(parameter name, flat element indices)]."""

    def param_values(self, row: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Parameter overrides for one set (``row``: column -> value)."""
        out: dict[str, np.ndarray] = {}
        for col, places in self.positions.items():
            for name, idx in places:
                arr = out.get(name)
                if arr is None:
                    arr = out[name] = np.array(self.system.params[name].value, copy=True)
                arr.reshape(-1)[idx] = row[col]
        return out

    def batch_params(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
        """Batched overrides: parameter name -> array ``(B, *shape)``."""
        out: dict[str, np.ndarray] = {}
        for col, places in self.positions.items():
            vals = np.asarray([r[col] for r in rows])
            for name, idx in places:
                arr = out.get(name)
                if arr is None:
                    base = np.asarray(self.system.params[name].value)
                    arr = out[name] = np.repeat(base[None, ...], len(rows), axis=0)
                arr.reshape(len(rows), -1)[:, idx] = vals[:, None]
        return out


def markers(targets: Sequence[Target], scale: Mapping[str, float],
            shift: float = 0.0) -> dict[Target, float]:
    """One distinct value per target, close to the size of its column's values.

    Staying near the swept values keeps markers valid where the value has to be, e.g. a
    delay (positive, at least one step) or a rate.
    """
    return {t: scale[t.column] * (1.0 + 1e-4 * (1.0 + ((i + 1) * _GOLDEN) % 1.0) + shift)
            for i, t in enumerate(targets)}


def compile_with(model: CircuitTemplate, values: Mapping[Target, Any], *, vectorize: bool,
                 inputs: set[str], float_precision: str) -> SystemIR:
    """The system of ``model`` with the targets set to ``values`` (the model is not changed).

    ``float_precision`` is one of ``'float32'``, ``'float64'``, ``'complex64'`` and
    ``'complex128'`` (the complex ones make the system complex-valued, as ``run`` does).
    """
    c = apply_values(copy.deepcopy(model), values)
    real = _COMPLEX.get(float_precision, float_precision)
    system = compile_network(c.network(), vectorize=vectorize, inputs=inputs,
                             float_precision=real)
    if float_precision in _COMPLEX and not system.is_complex:
        system = dataclasses.replace(system, is_complex=True)
    return system


def locate(system: SystemIR, marks: Mapping[Target, float]) -> dict[Target, list[tuple]]:
    """Parameter elements that hold each target's marker: target -> [(name, indices)]."""
    out: dict[Target, list[tuple[str, np.ndarray]]] = {t: [] for t in marks}
    for name, p in system.params.items():
        value = np.asarray(p.value)
        if value.dtype.kind not in "fc":
            continue
        flat = value.reshape(-1)
        for t, m in marks.items():
            hit = np.flatnonzero(flat == np.asarray(m).astype(value.dtype))
            if hit.size:
                out[t].append((name, hit))
    return out


def _structure(system: SystemIR, delay_params: bool = False) -> tuple:
    """Everything of a system except its parameter values.

    ``delay_params``: edge delays that are parameters count by which edges are delayed only
    (their values are the delay parameter's).
    """
    def delays(b: Any) -> bytes:
        d = np.asarray(b.delays)
        return (d > 0).tobytes() if delay_params and b.delay_param is not None else d.tobytes()

    return (
        tuple((s.name, s.start, s.labels, s.init.tobytes()) for s in system.states),
        tuple(str(d) for d in system.derivatives),
        tuple((a.name, str(a.expr), a.size, tuple(a.labels)) for a in system.assignments),
        tuple((i.name, i.size, tuple(i.labels), np.asarray(i.default).tobytes())
              for i in system.inputs.values()),
        tuple((b.name, b.source, b.n_source, b.n_target, b.source_idx.tobytes(),
               b.target_idx.tobytes(), b.weights, b.delay_param, delays(b))
              for b in system.edges),
        tuple((n, np.shape(p.value), np.asarray(p.value).dtype.str, tuple(p.labels))
              for n, p in system.params.items()),
        system.dtype, system.is_complex,
    )


def _changed(a: SystemIR, b: SystemIR) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    for name, p in a.params.items():
        va = np.asarray(p.value).reshape(-1)
        vb = np.asarray(b.params[name].value).reshape(-1)
        out.update((name, int(i)) for i in np.flatnonzero(va != vb))
    return out


def probe_columns(model: CircuitTemplate, targets: Sequence[Target],
                  scale: Mapping[str, float], *, delay_params: bool = False,
                  **compile_kw: Any) -> tuple[list[str], list[str], SystemIR]:
    """Split the grid columns into free and structural ones (see the module docstring).

    ``delay_params``: the backend has the ``delay_params`` capability (delay values are
    run-time parameters). Also returns the system compiled with the first markers in every
    target (it serves the sweep directly when no column is structural).
    """
    columns = list(dict.fromkeys(t.column for t in targets))
    a_marks = markers(targets, scale)
    base = compile_with(model, a_marks, **compile_kw)
    shape = _structure(base, delay_params)
    where = locate(base, a_marks)
    shifted = markers(targets, scale, 3.3e-3)

    def moves_only_its_places(cols: list[str]) -> bool:
        mine = [t for t in targets if t.column in cols]
        b_marks = {**a_marks, **{t: shifted[t] for t in mine}}
        other = compile_with(model, b_marks, **compile_kw)
        expected = {(name, int(i)) for t in mine for name, idx in where[t] for i in idx}
        return (all(where[t] for t in mine) and _structure(other, delay_params) == shape
                and _changed(base, other) == expected
                and all(_holds(other, where[t], b_marks[t]) for t in mine))

    if len(columns) > 1 and moves_only_its_places(columns):  # the usual case: one probe
        return columns, [], base
    free = [c for c in columns if moves_only_its_places([c])]
    return free, [c for c in columns if c not in free], base


def _holds(system: SystemIR, places: list[tuple[str, np.ndarray]], value: float) -> bool:
    for name, idx in places:
        arr = np.asarray(system.params[name].value)
        if not np.all(arr.reshape(-1)[idx] == np.asarray(value).astype(arr.dtype)):
            return False
    return True
