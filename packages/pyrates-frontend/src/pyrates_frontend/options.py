"""Checking the keyword arguments of ``run``/``get_run_func`` against a backend's specs.

Every keyword either belongs to the frontend, is a backend option (``Backend.option_specs``)
or an option of the chosen solver (``SolverSpec.options``). Anything else is an error that
names the keyword and suggests the closest accepted one; an option of another solver (say
``method=`` with the fixed-step ``euler``) is an error that says which solvers take it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pyrates_core.backend import HISTORY_MODES, OptionSpec, SolverSpec
from pyrates_core.errors import SolverError

__all__ = ["BACKEND_ALIASES", "FLOAT_PRECISIONS", "check_history", "resolve_backend_name",
           "solver_spec", "split_options"]

BACKEND_ALIASES: dict[str, str] = {"default": "numpy"}
"""Backend names of PyRates 1.x that stand for another one."""

FLOAT_PRECISIONS: dict[str, tuple[str, bool]] = {
    "float32": ("float32", False), "float64": ("float64", False),
    "complex64": ("float32", True), "complex128": ("float64", True),
}
"""``float_precision`` value -> (real precision of the IR, force complex values)."""


def resolve_backend_name(backend: str | None) -> str:
    """The registry name for ``backend`` (None and ``'default'`` mean ``'numpy'``)."""
    if backend is None:
        return "numpy"
    if not isinstance(backend, str):
        raise TypeError(f"backend must be a backend name such as 'numpy', got {backend!r}")
    return BACKEND_ALIASES.get(backend, backend)


def check_history(history: Any) -> str:
    """Validate the ``history`` keyword (pre-history of delayed reads)."""
    if history not in HISTORY_MODES:
        raise ValueError(f"history must be one of {sorted(HISTORY_MODES)} ('zero': delayed "
                         "reads before t = 0 give 0, as in PyRates 1.x; 'initial': they give the "
                         f"initial value); got {history!r}")
    return str(history)


def solver_spec(backend: Any, solver: str, export: bool = False) -> SolverSpec:
    """The backend's spec of ``solver``; a clear error naming the choices if it has none.

    ``export=True`` (``get_run_func``) also accepts the backend's export-only solvers
    (:attr:`SolverSpec.export_only`: a vector field for a solver the backend does not run).
    """
    specs = {s.name: s for s in getattr(backend, "solver_specs", ())}
    exported = sorted(n for n, s in specs.items() if s.export_only)
    if solver in backend.solvers:
        if solver not in specs:
            raise SolverError(f"the '{backend.name}' backend lists solver '{solver}' in "
                              "'solvers' but declares no SolverSpec for it in 'solver_specs' "
                              "(it needs one per solver)")
        return specs[solver]
    if export and solver in exported:
        return specs[solver]
    choices = sorted(backend.solvers) + (exported if export else [])
    hint = _did_you_mean(solver, choices)
    if solver in exported:
        hint += (f" '{solver}' is export-only with this backend: get_run_func(solver='{solver}') "
                 "writes a vector field for it.")
    raise SolverError(f"solver '{solver}' is not supported by the '{backend.name}' backend; "
                      f"choose one of: {', '.join(choices)}.{hint}")


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    near = difflib.get_close_matches(word, sorted(set(options)), n=3, cutoff=0.6)
    return f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""


def split_options(backend: Any, solver: str, kwargs: dict[str, Any], frontend: Iterable[str],
                  where: str, export: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``kwargs`` into (solver options, backend options), checking every value.

    ``frontend`` names keywords the caller handles itself (only used for suggestions);
    ``where`` names the call in error messages (e.g. ``"run()"``); ``export`` as for
    :func:`solver_spec`.
    """
    spec = solver_spec(backend, solver, export)
    mine: dict[str, OptionSpec] = {o.name: o for o in spec.options}
    backend_opts: dict[str, OptionSpec] = {o.name: o for o in getattr(backend, "option_specs", ())}
    others: dict[str, list[str]] = {}
    for s in getattr(backend, "solver_specs", ()):
        for o in s.options:
            if s.name != solver:
                others.setdefault(o.name, []).append(s.name)
    solver_out: dict[str, Any] = {}
    backend_out: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in mine:
            solver_out[key] = mine[key].check(value, f"solver '{solver}'")
        elif key in backend_opts:
            backend_out[key] = backend_opts[key].check(value, f"the '{backend.name}' backend")
        elif key in others:
            kind = "adaptive" if spec.adaptive else "fixed-step"
            raise TypeError(
                f"{where}: option '{key}' applies to solver(s) "
                f"{', '.join(repr(s) for s in others[key])} of the '{backend.name}' backend, not "
                f"to the {kind} solver '{solver}'; pass solver={others[key][0]!r} or drop it")
        else:
            known = set(frontend) | set(mine) | set(backend_opts) | set(others)
            accepted = sorted(set(mine) | set(backend_opts))
            raise TypeError(
                f"{where} got an unexpected keyword argument '{key}'.{_did_you_mean(key, known)}"
                f" Options of the '{backend.name}' backend with solver '{solver}': "
                f"{', '.join(accepted) or 'none'}")
    return solver_out, backend_out
