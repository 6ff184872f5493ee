"""Symbolic Jacobian of a scalar system: AUTO-07p's ``JAC = 1`` and the ``'jacobian'`` target.

For systems whose states, assignments and edge weights are all scalars (what
``vectorize=False`` gives for small models), the assignments are substituted into the
derivatives, undelayed edge sums become ``weight * source`` (times the number of edges), and
sympy differentiates ``f`` with respect to the states (``DFDU``) and the ``PAR`` parameters
(``DFDP``). Systems with vectors, delays or non-differentiable IR functions get no Jacobian
(AUTO then uses finite differences, ``JAC = 0``).

:func:`generate_jacobian` prints the same ``DFDU`` entries as a Fortran subroutine
``<func_name>(t, y, p, jac)`` (``p``: the parameters, then the inputs); :func:`load_jacobian`
compiles it with f2py (the build the simulation modules use) and returns
``J(t, y, *params, *inputs)`` giving the dense ``n x n`` matrix (``scipy.sparse.csr_matrix``
with ``CodegenOptions.extra['sparse']=True``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from pyrates_backend_fortran.build import compile_module
from pyrates_backend_fortran.codegen import wrap
from pyrates_backend_fortran.printer import FortranPrinter, fortran_names
from pyrates_core.backend import CodegenOptions, GeneratedCode, LoadedModel
from pyrates_core.errors import SolverError
from pyrates_core.functions import IR_FUNCTIONS, EdgeSum
from pyrates_core.system import SystemIR

__all__ = ["generate_jacobian", "load_jacobian", "scalar_jacobian"]


def scalar_jacobian(system: SystemIR, par_symbols: dict[int, sp.Symbol]
                    ) -> tuple[dict[tuple[int, int], sp.Expr],
                               dict[tuple[int, int], sp.Expr]] | None:
    """``(dfdu, dfdp)`` as {(row, column): expr} (1-based, nonzero entries), or None."""
    if any(s.size != 1 for s in system.states) or any(a.size != 1 for a in system.assignments):
        return None
    edge_map: dict[sp.Expr, sp.Expr] = {}
    for k, b in enumerate(system.edges):
        weights = np.asarray(system.params[b.weights].value)
        if b.delayed or weights.size != 1 or b.n_target != 1 or b.n_source != 1:
            return None
        edge_map[EdgeSum(sp.Symbol(b.source), k)] = \
            sp.Symbol(b.weights) * sp.Symbol(b.source) * b.n_edges
    assigned: dict[sp.Symbol, sp.Expr] = {}
    for a in system.assignments:
        assigned[a.symbol] = sp.sympify(a.expr).xreplace(edge_map).xreplace(assigned)
    rhs = [sp.sympify(d).xreplace(edge_map).xreplace(assigned) for d in system.derivatives]
    custom = tuple(f for f in IR_FUNCTIONS)
    if any(e.atoms(*custom) for e in rhs):
        return None
    dfdu: dict[tuple[int, int], sp.Expr] = {}
    dfdp: dict[tuple[int, int], sp.Expr] = {}
    for i, f in enumerate(rhs, start=1):
        for j, s in enumerate(system.states, start=1):
            d = sp.diff(f, s.symbol)
            if d != 0:
                dfdu[(i, j)] = d
        for k, p in par_symbols.items():
            d = sp.diff(f, p)
            if d != 0:
                dfdp[(i, k)] = d
    if any(e.has(sp.Derivative, sp.Subs) for e in [*dfdu.values(), *dfdp.values()]):
        return None
    return dfdu, dfdp


def generate_jacobian(system: SystemIR, options: CodegenOptions) -> GeneratedCode:
    """Fortran source of the Jacobian subroutine of a scalar, undelayed ``system``."""
    unknown = set(options.extra) - {"sparse", "build_dir", "compiler"}
    if unknown:
        raise SolverError(f"the fortran Jacobian takes the options 'sparse', 'build_dir' and "
                          f"'compiler' only; got {', '.join(sorted(unknown))}")
    if system.dtype == "float32":
        raise SolverError("the fortran backend computes in double precision only; use "
                          "float_precision='float64'")
    if system.delayed_symbols():
        raise SolverError("the fortran Jacobian covers systems without delays (edge delays or "
                          "past()); use backend='numpy' for the split (J0, [J_tau...])")
    if system.is_complex:
        raise SolverError("the fortran Jacobian is real-valued; use backend='numpy' for the "
                          "complex (Wirtinger) Jacobian")
    jac = scalar_jacobian(system, {})
    if jac is None:
        raise SolverError("the fortran Jacobian needs scalar variables and scalar edge weights "
                          "(build the circuit with vectorize=False) and no vector functions; "
                          "use backend='numpy' otherwise")
    dfdu = jac[0]
    params, inputs = list(system.params), list(system.inputs)
    names = fortran_names([s.name for s in system.states] + params + inputs)
    names[system.time.name] = "t"
    vt = "complex(8)" if system.is_complex else "double precision"
    printer = FortranPrinter(names, {n: 1 for n in names}, None, system.is_complex)
    n, n_p = system.n_state, max(1, len(params) + len(inputs))
    func = options.func_name.lower()
    if not func.isidentifier() or func in names.values():
        raise ValueError(f"func_name '{options.func_name}' is not a usable Fortran name here")
    src = ["! Jacobian generated by PyRates (fortran backend); edit the model, not this file.",
           f"subroutine {func}(t, y, p, jac)", "  implicit none",
           "  double precision, intent(in) :: t", f"  {vt}, intent(in) :: y({n})",
           f"  {vt}, intent(in) :: p({n_p})", f"  {vt}, intent(out) :: jac({n}, {n})"]
    src += [f"  {vt} :: {names[s.name]}" for s in system.states]
    src += [f"  {vt} :: {names[x]}" for x in params + inputs]
    src += [f"  {names[s.name]} = y({s.start + 1})" for s in system.states]
    src += [f"  {names[x]} = p({k + 1})" for k, x in enumerate(params + inputs)]
    src += ["  jac = 0"]
    for (i, j), e in sorted(dfdu.items()):
        src += wrap(f"jac({i}, {j}) = {printer.code(e)}", "  ")
    src += [f"end subroutine {func}", ""]
    return GeneratedCode("fortran", "\n".join(src), ".f90", func, [names[x] for x in
                         params + inputs], system, options,
                         metadata={"jacobian": True, "delays": [],
                                   "build_dir": options.extra.get("build_dir"),
                                   "compiler": options.extra.get("compiler") or "f2py"})


def load_jacobian(code: GeneratedCode, workdir: Path, file_name: str | None = None
                  ) -> LoadedModel:
    """Write and compile the Jacobian subroutine; ``func(t, y, *params, *inputs)``."""
    path = Path(workdir) / (Path(file_name).name if file_name else
                            f"pyrates_{code.func_name}_jacobian.f90")
    path = path.with_suffix(".f90")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code.source)
    start = time.perf_counter()
    module, _, hit = compile_module(code.source, code.metadata.get("build_dir"),
                                    code.metadata.get("compiler", "f2py"))
    code.metadata["compile_time"], code.metadata["cache_hit"] = time.perf_counter() - start, hit
    routine = getattr(module, code.func_name)
    system = code.system
    dtype = system.value_dtype
    as_sparse = bool(code.options.extra.get("sparse", False))

    def jacobian(t: float, y: Any, *args: Any) -> Any:
        """The Jacobian at ``(t, y)`` for the parameters and inputs ``args``."""
        if len(args) != len(code.arg_names):
            raise TypeError(f"the Jacobian takes t, y and {len(code.arg_names)} parameters and "
                            f"inputs ({', '.join(code.arg_names)}); got {len(args)}")
        p = np.array([np.ravel(a)[0] for a in args] or [0.0], dtype=dtype)
        out = routine(float(t), np.asarray(y, dtype), p)
        if as_sparse:
            from scipy import sparse

            return sparse.csr_matrix(out)
        return out

    args = tuple(np.ravel(system.params[x].value)[0].item() for x in system.params) + \
        tuple(np.asarray(i.default, dtype) for i in system.inputs.values())
    return LoadedModel(code=code, path=path, func=jacobian, args=args, handle=module)
