"""Argument layout of generated functions ``f(t, y, *args)``: names, kinds and default values.

Code generators that print one identifier per IR symbol share these steps:

* :func:`symbol_names`: IR name -> identifier for the time, states, parameters, inputs and
  assignments (in that order, so the mangling is deterministic), through an
  :class:`~pyrates_core.identifiers.Identifiers` allocator;
* :func:`check_func_name`: the generated function's own name is valid and clashes with nothing;
* :func:`array_symbols` / :func:`is_array`: which symbols and expressions are arrays in the
  array convention (every state, input and assignment is an array, even of size 1; parameters
  are arrays when they have at least one dimension, Python numbers otherwise);
* :func:`param_arguments` / :func:`default_arguments`: argument values in that convention
  (parameters first, then the current value of every input).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from pyrates_core import functions as irf
from pyrates_core.identifiers import PYTHON_KEYWORDS, Identifiers
from pyrates_core.runtime import resolve_params
from pyrates_core.system import SystemIR

__all__ = [
    "array_symbols",
    "check_func_name",
    "default_arguments",
    "is_array",
    "param_arguments",
    "symbol_names",
]


def symbol_names(system: SystemIR, ident: Identifiers, time: str = "t",
                 extra: Iterable[str] = ()) -> dict[str, str]:
    """IR name -> identifier: the time is ``time``, then states, parameters, inputs,
    assignments and the ``extra`` names (e.g. auxiliary symbols) get ``ident(name)``.
    """
    names = {system.time.name: time}
    for group in (system.states, system.params.values(), system.inputs.values(),
                  system.assignments):
        for spec in group:
            names[spec.name] = ident(spec.name)
    for name in extra:
        names[name] = ident(name)
    return names


def check_func_name(func_name: str, reserved: Iterable[str] = (),
                    taken: Iterable[str] = ()) -> None:
    """Raise ``ValueError`` unless ``func_name`` is a Python identifier, no keyword, not one
    of the generated code's own names (``reserved``) and no model identifier (``taken``).
    """
    if (not func_name.isidentifier() or func_name in PYTHON_KEYWORDS
            or func_name in set(reserved)):
        raise ValueError(f"func_name '{func_name}' is not a usable identifier: choose another "
                         "name of letters, digits and underscores")
    if func_name in set(taken):
        raise ValueError(f"func_name '{func_name}' clashes with a model symbol: choose another "
                         "name")


def array_symbols(system: SystemIR) -> set[str]:
    """IR names that hold arrays: states, inputs, assignments, parameters with ``ndim >= 1``."""
    names = {s.name for s in system.states} | set(system.inputs)
    names |= {a.name for a in system.assignments}
    names |= {p.name for p in system.params.values() if np.ndim(p.value) >= 1}
    return names


def is_array(expr: sp.Basic, arrays: set[str]) -> bool:
    """Whether ``expr`` evaluates to an array (True) or a scalar (False); ``arrays`` as
    returned by :func:`array_symbols` (plus any temporaries).
    """
    if isinstance(expr, sp.Symbol):
        return expr.name in arrays
    if isinstance(expr, (*irf.REDUCTIONS, irf.Randn)):
        return False
    if isinstance(expr, (irf.EdgeSum, irf.Past, irf.Concatenate, irf.Slice, irf.Roll)):
        return True
    if isinstance(expr, (irf.Dot, irf.Index)):
        return is_array(expr.args[1], arrays)
    if isinstance(expr, irf.Interp):
        return is_array(expr.args[0], arrays)
    return any(is_array(a, arrays) for a in expr.args)


def param_arguments(system: SystemIR, values: Mapping[str, np.ndarray],
                    names: Iterable[str] | None = None) -> list[Any]:
    """Parameter arguments: scalars as Python numbers, arrays contiguous in the system's value
    dtype (integer arrays keep theirs); ``names`` defaults to every parameter.
    """
    out: list[Any] = []
    for name in system.params if names is None else names:
        v = np.asarray(values[name])
        if v.ndim == 0:
            out.append(v.item())
        else:
            dtype = system.value_dtype if v.dtype.kind in "fc" else v.dtype
            out.append(np.ascontiguousarray(v, dtype=dtype))
    return out


def default_arguments(system: SystemIR) -> tuple[Any, ...]:
    """The default ``args``: :func:`param_arguments` of the system's values, then every input's
    default value (an array in the value dtype).
    """
    out = param_arguments(system, resolve_params(system, {}))
    out += [np.asarray(i.default, system.value_dtype) for i in system.inputs.values()]
    return tuple(out)
