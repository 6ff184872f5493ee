"""Shared steps of backends that run generated code in an external interpreter.

Backends such as Julia and MATLAB/Octave generate a set of files, write them to a work folder,
run a driver in another program and read the recorded arrays back. Around the parts that are
really language-specific they do the same checks and book-keeping, collected here:

* :func:`check_codegen`: the code-generation target and the backend options are acceptable;
* :func:`split_main_file`: :class:`~pyrates_core.backend.GeneratedCode` from the generated
  files (the vector-field file is ``source``, the others go to ``files``);
* :func:`default_values`: the values of ``GeneratedCode.arg_names`` (parameters, inputs);
* :func:`check_request`: solver, pre-history mode, no batch, and the solver options (checked
  against the solver's :class:`~pyrates_core.backend.OptionSpec` s);
* :func:`pick_outputs`: the requested outputs from recorded states, assignments and inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from pyrates_core.backend import (
    CodegenOptions,
    GeneratedCode,
    OptionSpec,
    SimulationRequest,
    SolverSpec,
)
from pyrates_core.errors import SolverError, VariableNotFoundError
from pyrates_core.runtime import check_history
from pyrates_core.system import SystemIR

__all__ = ["check_codegen", "check_request", "default_values", "pick_outputs",
           "split_main_file"]


def check_codegen(backend: str, options: CodegenOptions, option_specs: Sequence[OptionSpec],
                  targets: Sequence[str] = ("simulate", "vector_field")) -> None:
    """Raise ``ValueError`` for a target the backend does not generate or an unknown option;
    check every option's value (``OptionSpec.check``).
    """
    if options.target not in targets:
        raise ValueError(f"the {backend} backend generates targets "
                         f"{' and '.join(repr(t) for t in targets)}, not '{options.target}'")
    known = {o.name: o for o in option_specs}
    for key, value in options.extra.items():
        if key not in known:
            raise ValueError(f"unknown option '{key}' for the {backend} backend; accepted: "
                             f"{', '.join(sorted(known)) or 'none'}")
        known[key].check(value, f"the {backend} backend")


def split_main_file(backend: str, suffix: str, system: SystemIR, options: CodegenOptions,
                    files: dict[str, str], layout: Any) -> GeneratedCode:
    """The code of generated ``files``: ``<func_name><suffix>`` is the source, the rest extra
    files; the arguments are the parameters, then the inputs; ``layout`` goes to metadata.
    """
    files = dict(files)
    main = files.pop(f"{options.func_name}{suffix}")
    return GeneratedCode(backend=backend, source=main, suffix=suffix,
                         func_name=options.func_name,
                         arg_names=list(system.params) + list(system.inputs),
                         system=system, options=options, metadata={"layout": layout},
                         files=files)


def default_values(system: SystemIR) -> tuple[np.ndarray, ...]:
    """The system's parameter values, then its inputs' defaults, as arrays (argument order)."""
    params = tuple(np.asarray(p.value) for p in system.params.values())
    return params + tuple(np.asarray(i.default) for i in system.inputs.values())


def check_request(backend: str, solver_specs: Sequence[SolverSpec],
                  request: SimulationRequest) -> dict[str, Any]:
    """Check that ``request`` can run on a one-parameter-set backend; return its checked
    solver options (a ``SolverError``/``TypeError`` names what to change).
    """
    specs = {s.name: s for s in solver_specs}
    if request.solver not in specs:
        raise SolverError(f"solver '{request.solver}' is not supported by the {backend} "
                          f"backend; choose one of: {', '.join(specs)}")
    check_history(request.history)
    if request.batch_params or request.batch_inputs:
        raise SolverError(f"the {backend} backend runs one parameter set at a time "
                          "(batch_params and batch_inputs are not supported); use "
                          "backend='numpy'")
    known = {o.name: o for o in specs[request.solver].options}
    unknown = set(request.solver_options) - set(known)
    if unknown:
        raise SolverError(f"unknown solver_options {sorted(unknown)} for solver "
                          f"'{request.solver}' of the {backend} backend; accepted: "
                          f"{', '.join(sorted(known)) or 'none'}")
    where = f"solver '{request.solver}' of the {backend} backend"
    return {key: known[key].check(value, where) for key, value in request.solver_options.items()}


def pick_outputs(system: SystemIR, request: SimulationRequest, states: np.ndarray, stride: int,
                 assigned: Callable[[str], np.ndarray | None],
                 inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``request.outputs`` from the recorded ``states`` (one row per sample), the recorded
    assignment ``assigned(name)`` (None: not recorded) and the input series ``inputs`` (rows
    per step; an input not given reads its default). Indices wrap like NumPy's.
    """
    n_rows = states.shape[0]
    state_names = {s.name for s in system.states}
    outputs = {}
    for key, (sym, idx) in request.outputs.items():
        index = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        if sym in state_names:
            st = system.state(sym)
            block = states[:, st.start:st.start + st.size]
        elif (values := assigned(sym)) is not None:
            block = np.asarray(values).reshape(n_rows, -1)
        elif sym in system.inputs:
            arr = np.asarray(inputs.get(sym, system.inputs[sym].default[None, :]),
                             system.value_dtype)
            arr = arr.reshape(arr.shape[0], -1)
            block = arr[np.minimum(np.arange(n_rows) * stride, arr.shape[0] - 1)]
        else:
            raise VariableNotFoundError(f"output '{key}': '{sym}' is neither a state, an "
                                        "assignment nor an input of the model")
        outputs[key] = block[:, index % block.shape[1]]
    return outputs
