"""Fitting template variables to data by gradient descent: :func:`fit` and :func:`loss_gradient`.

Trainable variables are named like the variables of ``update_var``:

* ``'node/op/var'`` (``all`` wildcards allowed): a constant of the model; every matched element
  shares one trained value;
* ``(source, target, 'weight')`` or ``(source, target, 'delay')``, optionally with an edge
  index before the attribute as in ``update_var`` (``(source, target, 0, 'delay')``): the
  weight or delay of the edge(s) ``source -> target``.

Any backend with the ``grad`` capability runs the optimisation (``'torch'``, ``'tensorflow'``,
``'jax'`` (with optax; edge delays not trainable there), and any other that implements
:class:`pyrates_core.fitting.GradientBackend`).
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.errors import SolverError, TemplateError, VariableNotFoundError
from pyrates_core.fitting import FitRequest, FitResult, Trainable, supports_fitting
from pyrates_core.registry import get_backend
from pyrates_core.system import SystemIR
from pyrates_frontend.options import split_options
from pyrates_frontend.paths import match_labels
from pyrates_frontend.simulation import _input_arrays, _input_labels, _output_requests

if TYPE_CHECKING:
    from pyrates_frontend.circuit import CircuitTemplate

__all__ = ["fit", "loss_gradient"]

_SENTINEL = 7.654321e7
"""Marker values (plus the trainable's number) that locate trainables in the compiled system."""


def _edge_spec(spec: tuple, where: str) -> tuple[str, str, int | None, str]:
    if len(spec) == 3:
        src, tgt, attr = spec
        idx = None
    elif len(spec) == 4:
        src, tgt, idx, attr = spec
    else:
        raise TemplateError(f"{where}: an edge trainable is (source, target, 'weight'|'delay') or "
                            f"(source, target, index, 'weight'|'delay'), got {spec!r}")
    if attr not in ("weight", "delay"):
        raise TemplateError(f"{where}: edge attribute {attr!r} cannot be trained; use 'weight' or "
                            "'delay'")
    return str(src), str(tgt), idx, attr


def _name(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    src, tgt, idx, attr = _edge_spec(tuple(spec), "fit")
    return f"{src}->{tgt}{'' if idx is None else f'[{idx}]'}:{attr}"


def _mark(circuit: CircuitTemplate, params: list[Any]) -> CircuitTemplate:
    """A copy of ``circuit`` whose trainables hold marker values."""
    marked = copy.deepcopy(circuit)
    values = marked.variable_paths()
    for k, spec in enumerate(params):
        marker = _SENTINEL + k
        if isinstance(spec, str):
            found = match_labels(spec, values, context=f"circuit '{circuit.path}'")
            marked.update_var(node_vars={f: marker for f in found})
        else:
            src, tgt, idx, attr = _edge_spec(tuple(spec), "fit")
            entry = (src, tgt, {attr: marker}) if idx is None else (src, tgt, idx, {attr: marker})
            marked.update_var(edge_vars=[entry])
    return marked


def _initial(circuit: CircuitTemplate, spec: Any) -> float:
    if isinstance(spec, str):
        val = circuit.get_var(spec)
        vals = list(val.values()) if isinstance(val, dict) else [val]
        arr = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in vals])
        if not np.all(arr == arr[0]):
            raise ValueError(f"fit: the variables matched by '{spec}' have different values "
                             f"{arr.tolist()}; they share one trained value, so set them equal "
                             "first (update_var) or list them separately")
        return float(arr[0])
    src, tgt, idx, attr = _edge_spec(tuple(spec), "fit")
    hits = [e for e in circuit.edges if e[0] == src and e[1] == tgt]
    if not hits:
        raise VariableNotFoundError(f"fit: circuit '{circuit.path}' has no edge {src} -> {tgt}")
    attrs = hits[idx if idx is not None else 0][3]
    default = 1.0 if attr == "weight" else 0.0
    value = attrs.get(attr, default)
    if attr == "delay" and (value is None or float(value) <= 0):
        raise ValueError(f"fit: the edge {src} -> {tgt} has no positive delay to train; give it "
                         "a delay of at least one step first")
    if attr == "delay" and attrs.get("spread"):
        raise ValueError(f"fit: the delay of {src} -> {tgt} has a spread (distributed delay); "
                         "only discrete delays can be trained")
    return float(value)


def _locate(system: SystemIR, params: list[Any], initial: list[float]) -> list[Trainable]:
    """Find the marker values in the compiled system and put the real values back."""
    out = []
    for k, spec in enumerate(params):
        marker = _SENTINEL + k
        name = _name(spec)
        found: Trainable | None = None
        if isinstance(spec, str) or _edge_spec(tuple(spec), "fit")[3] == "weight":
            for pname, p in system.params.items():
                flat = np.ravel(p.value)
                if flat.dtype.kind != "f":
                    continue
                hit = np.flatnonzero(flat == marker)
                if hit.size:
                    value = np.array(p.value, dtype=float)
                    value.reshape(-1)[hit] = initial[k]
                    p.value = value
                    found = Trainable(name, "param", pname, hit, initial[k])
                    break
        else:
            for i, b in enumerate(system.edges):
                hit = np.flatnonzero(b.delays == marker)
                if not hit.size:
                    continue
                b.delays = b.delays.copy()  # the compiled default follows the initial value
                b.delays[hit] = initial[k]
                if b.delay_param is None:  # a hand-built bundle: delays patched directly
                    found = Trainable(name, "delay", str(i), hit, initial[k])
                    break
                # the delay parameter is trained like any parameter (the backend reads it)
                p = system.params[b.delay_param]
                value = np.array(p.value, dtype=float)
                value.reshape(-1)[hit] = initial[k]
                p.value = value
                found = Trainable(name, "param", b.delay_param, hit, initial[k])
                break
        if found is None:
            raise VariableNotFoundError(
                f"fit: '{name}' is not a trainable quantity of the compiled model (it must be a "
                "constant used by an equation, or the weight/delay of an edge)")
        out.append(found)
    return out


def _targets(target: Any, groups: dict[str, list[str]], width: dict[str, int],
             times: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for key in groups:
        if hasattr(target, "index") and hasattr(target, "columns"):  # a pandas DataFrame
            if key not in target:
                raise KeyError(f"fit: the target has no column '{key}' (columns: "
                               f"{list(target.columns)[:10]})")
            col = target[key]
            index = np.asarray(target.index, dtype=float)
            pos = np.searchsorted(index, times - 1e-9 * max(1.0, times[-1]))
            near = index[np.minimum(pos, index.size - 1)]
            ok = bool(np.all(pos < index.size)) and np.allclose(
                near, times, rtol=0, atol=1e-9 * max(1.0, times[-1]))
            if not ok:
                raise ValueError(f"fit: the target's time index does not contain the sample "
                                 f"times {times[:3].tolist()}...; simulate the target with the "
                                 "same step sizes (and row convention) as the fit")
            arr = np.asarray(col.to_numpy(), dtype=float)[pos]
        else:
            if key not in target:
                raise KeyError(f"fit: the target has no entry '{key}'")
            arr = np.asarray(target[key], dtype=float)
        arr = arr.reshape(arr.shape[0], -1)
        if arr.shape != (times.size, width[key]):
            raise ValueError(f"fit: target '{key}' has shape {arr.shape}, the output has "
                             f"({times.size}, {width[key]}) (samples, columns)")
        out[key] = arr
    return out


def _prepare(circuit: CircuitTemplate, params: list[Any], target: Any,
             outputs: dict[str, str] | list[str], simulation_time: float, step_size: float,
             backend: str, solver: str, sampling_step_size: float | None,
             inputs: dict[str, Any] | None, float_precision: str,
             backend_options: dict[str, Any]) -> tuple[Any, Any, FitRequest, SystemIR]:
    if not params:
        raise ValueError("fit: give at least one trainable in params")
    be = get_backend(backend)
    if not supports_fitting(be):
        raise SolverError(f"the '{be.name}' backend cannot compute gradients; fit with a backend "
                          "that has the 'grad' capability: backend='torch', 'tensorflow' or 'jax'")
    solver_opts, backend_options = split_options(be, solver, backend_options, (), "fit()")
    initial = [_initial(circuit, p) for p in params]
    marked = _mark(circuit, params)
    network = marked.network()
    inputs = dict(inputs or {})
    matched = _input_labels(network, inputs, f"circuit '{circuit.path}'")
    system = compile_network(network, inputs={lab for labs in matched.values() for lab in labs},
                             float_precision=float_precision)
    trainables = _locate(system, params, initial)
    if isinstance(outputs, (list, tuple)):
        outputs = {p: p for p in outputs}
    requests, columns = _output_requests(system, outputs, f"circuit '{circuit.path}'")
    groups: dict[str, list[str]] = {}
    for key, _, req, _ in columns:
        if req not in groups.setdefault(key, []):
            groups[key].append(req)
    width = {k: sum(int(requests[r][1].size) for r in rs) for k, rs in groups.items()}
    n_steps = int(round(simulation_time / step_size))
    sim = SimulationRequest(simulation_time=simulation_time, step_size=step_size, solver=solver,
                            sampling_step_size=sampling_step_size,
                            inputs=_input_arrays(system, inputs, matched, n_steps),
                            outputs=requests, solver_options=solver_opts)
    s = sampling_step_size or step_size
    n_samples = min(int(round(simulation_time / s)), n_steps // int(round(s / step_size)))
    times = np.arange(n_samples) * s
    request = FitRequest(sim, trainables, _targets(target, groups, width, times), groups)
    options = CodegenOptions(solver=solver, step_size=step_size, n_steps=n_steps,
                             extra=dict(backend_options))
    return be, options, request, system


def fit(circuit: CircuitTemplate, params: list[Any], target: Any,
        outputs: dict[str, str] | list[str], simulation_time: float, step_size: float, *,
        loss: Any = None, optimizer: Any = "adam", learning_rate: float = 0.01,
        epochs: int = 100, backend: str = "torch", solver: str = "euler",
        sampling_step_size: float | None = None, inputs: dict[str, Any] | None = None,
        float_precision: str = "float64", tolerance: float = 0.0, callback: Any = None,
        update_template: bool = True, **backend_options: Any) -> FitResult:
    """Fit template variables (constants, edge weights, edge delays) to a target trace.

    ``params`` lists the trainables (see the module docstring); ``outputs`` maps output keys to
    variable paths as in ``run``; ``target`` is a DataFrame such as ``run`` returns (rows are
    matched by time) or a dict key -> array ``(n_samples, n_columns)``. ``loss(outputs, target)``
    receives dicts of framework tensors and returns a scalar (default: mean squared error).
    ``optimizer`` is ``'adam'``, ``'sgd'``, ``'rmsprop'``, ``'adagrad'`` (torch and jax also
    ``'lbfgs'``) or a framework optimizer (torch.optim, keras, optax); every trainable is
    optimised in units of its initial value, so ``learning_rate`` is a relative step. The
    fitted values are written back into ``circuit`` unless ``update_template=False``. Further
    keywords are the solver's options (e.g. ``method``, ``rtol`` of ``solver='torchdiffeq'``)
    and the backend's (e.g. ``checkpoint=500`` for gradient checkpointing with torch,
    tensorflow or jax), checked as in ``run``. Returns a
    :class:`~pyrates_core.fitting.FitResult` (``values``, ``loss_history``).
    """
    if epochs < 1:
        raise ValueError(f"fit: epochs must be at least 1, got {epochs}")
    be, options, request, system = _prepare(
        circuit, params, target, outputs, simulation_time, step_size, backend, solver,
        sampling_step_size, inputs, float_precision, backend_options)
    request.loss, request.optimizer, request.learning_rate = loss, optimizer, learning_rate
    request.epochs, request.tolerance, request.callback = epochs, tolerance, callback
    code = be.generate(system, options)
    with tempfile.TemporaryDirectory(prefix="pyrates_fit_") as workdir:
        model = be.load(code, Path(workdir))
        result = be.fit(model, request)
    if update_template:
        _write_back(circuit, params, result)
    return result


def loss_gradient(circuit: CircuitTemplate, params: list[Any], target: Any,
                  outputs: dict[str, str] | list[str], simulation_time: float,
                  step_size: float, *, values: dict[str, float] | list[dict[str, float]] | None
                  = None, loss: Any = None, backend: str = "torch", solver: str = "euler",
                  sampling_step_size: float | None = None, inputs: dict[str, Any] | None = None,
                  float_precision: str = "float64", **backend_options: Any) -> Any:
    """The loss of :func:`fit` and its gradient per trainable, as ``(loss, {name: dloss})``.

    Evaluated at the circuit's current values, or at ``values`` (trainable name -> value; names
    as in :attr:`FitResult.values`); a list of such dicts gives a list of results computed
    with one compiled model (e.g. for finite-difference checks).
    """
    be, options, request, system = _prepare(
        circuit, params, target, outputs, simulation_time, step_size, backend, solver,
        sampling_step_size, inputs, float_precision, backend_options)
    request.loss = loss
    points = values if isinstance(values, list) else [values]
    known = {t.name for t in request.trainables}
    for point in points:
        unknown = set(point or {}) - known
        if unknown:
            raise KeyError(f"loss_gradient: {sorted(unknown)} are not trainables; they are named "
                           f"{sorted(known)}")
    code = be.generate(system, options)
    with tempfile.TemporaryDirectory(prefix="pyrates_fit_") as workdir:
        model = be.load(code, Path(workdir))
        results = [be.value_and_grad(model, request, p) for p in points]
    return results if isinstance(values, list) else results[0]


def _write_back(circuit: CircuitTemplate, params: list[Any], result: FitResult) -> None:
    for spec in params:
        value = result.values[_name(spec)]
        if isinstance(spec, str):
            found = match_labels(spec, circuit.variable_paths(),
                                 context=f"circuit '{circuit.path}'")
            circuit.update_var(node_vars={f: value for f in found})
        else:
            src, tgt, idx, attr = _edge_spec(tuple(spec), "fit")
            entry = (src, tgt, {attr: value}) if idx is None else (src, tgt, idx, {attr: value})
            circuit.update_var(edge_vars=[entry])
