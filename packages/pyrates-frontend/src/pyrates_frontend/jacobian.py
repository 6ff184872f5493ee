"""``CircuitTemplate.get_jacobian_func``: the Jacobian of the vector field (PyRates 1.2 API)."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyrates_core.backend import CodegenOptions
from pyrates_core.errors import TemplateError
from pyrates_core.registry import get_backend
from pyrates_frontend.options import resolve_backend_name, solver_spec, split_options
from pyrates_frontend.simulation import (
    _FUNC_KEYS,
    _driven,
    _frontend_arg_name,
    _input_labels,
    _load_into,
    _say,
    build_system,
)

if TYPE_CHECKING:
    from pyrates_frontend.circuit import CircuitTemplate

__all__ = ["jacobian_func"]


def jacobian_func(circuit: CircuitTemplate, func_name: str, step_size: float | None = None,
                  inputs: dict[str, Any] | None = None, backend: str | None = None,
                  vectorize: bool = True, verbose: bool = True, clear: bool = False,
                  in_place: bool = True, sparse: bool = False,
                  **kwargs: Any) -> tuple[Any, tuple, tuple[str, ...], dict[str, Any]]:
    """See :meth:`CircuitTemplate.get_jacobian_func`."""
    solver = kwargs.pop("solver", "euler")
    file_name = kwargs.pop("file_name", None)
    float_precision = kwargs.pop("float_precision", "float64")
    be = get_backend(resolve_backend_name(backend))
    if "jacobian" not in be.capabilities:
        raise TemplateError(f"backend '{be.name}' cannot generate Jacobians (it does not declare "
                            "the 'jacobian' capability); use backend='numpy'")
    spec = solver_spec(be, solver)
    adaptive = kwargs.pop("adaptive", spec.adaptive)
    _, extra = split_options(be, solver, kwargs, (*_FUNC_KEYS, "sparse"),
                             "get_jacobian_func()")
    extra["sparse"] = bool(sparse)
    _say(verbose, f"Generating the {be.name} Jacobian '{func_name}'...")
    inputs = dict(inputs or {})
    matched = _input_labels(circuit.network(compact=True), inputs, f"circuit '{circuit.path}'")
    start = copy.deepcopy(circuit)  # y starts at the last run's final state (PyRates 1.x)
    start._carry = {**start._carry, **start._state}
    system = build_system(start, vectorize, float_precision,
                          {lab for labs in matched.values() for lab in labs})
    options = CodegenOptions(func_name=func_name, solver=solver, adaptive=bool(adaptive),
                             step_size=step_size, extra=extra, target="jacobian")
    code = be.generate(system, options)
    if file_name is not None:
        model = _load_into(be, code, file_name)
    else:
        with tempfile.TemporaryDirectory(prefix="pyrates_") as workdir:
            model = be.load(code, Path(workdir))
    if not clear and in_place:
        circuit._run_cache["jacobian_func"] = (system, model)
    func = model.func
    if inputs:
        func = _driven(func, system, code.arg_names, inputs, matched, step_size, bool(adaptive))
    names = ("t", "y", *(_frontend_arg_name(system, a) for a in system.params),
             *system.inputs)
    indices = {lab: s.start + i for s in system.states for i, lab in enumerate(s.labels)}
    args = (0.0, system.initial_state().copy(), *model.args)
    return func, args, names, indices
