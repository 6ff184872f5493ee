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
``J(t, y, *params, *inputs)`` giving the dense ``n x n`` matrix, ``(J0, [J_tau...])`` for
delayed systems (:func:`delayed_scalar_jacobian`), ``scipy.sparse.csr_matrix`` matrices with
``CodegenOptions.extra['sparse']=True``.
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
from pyrates_core.functions import IR_FUNCTIONS, EdgeSum, Past
from pyrates_core.system import SystemIR

__all__ = ["delayed_scalar_jacobian", "generate_jacobian", "load_jacobian", "scalar_jacobian"]


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


def _delay_value(expr: sp.Expr, system: SystemIR) -> float | None:
    subs = {}
    for sym in expr.free_symbols:
        if sym.name not in system.params or np.size(system.params[sym.name].value) != 1:
            return None
        subs[sym] = float(np.real(np.ravel(system.params[sym.name].value)[0]))
    return float(sp.N(expr.xreplace(subs)))


def delayed_scalar_jacobian(system: SystemIR
                            ) -> tuple[list[float], list[dict[tuple[int, int], sp.Expr]]] | None:
    """``(delays, pages)`` of a scalar system with delayed edges or ``past()`` of states:
    ``pages[0]`` is ``J0``, ``pages[k]`` the derivative with respect to ``y(t - delays[k-1])``
    (1-based ``{(row, column): expr}``, delayed values replaced by current ones), or None when
    the system is not scalar (see :func:`scalar_jacobian`).
    """
    if any(s.size != 1 for s in system.states) or any(a.size != 1 for a in system.assignments):
        return None
    states = {s.name: s.symbol for s in system.states}
    assigns = {a.name: a for a in system.assignments}
    delays: list[float] = []

    def index(tau: float) -> int:
        for k, d in enumerate(delays):
            if abs(d - tau) <= 1e-12 * max(1.0, abs(tau)):
                return k + 1
        delays.append(tau)
        return len(delays)

    def lagged(name: str, k: int) -> sp.Expr | None:
        if name in states:
            return sp.Symbol(f"{name}@{k}")
        expr = sp.sympify(assigns[name].expr)
        if expr.atoms(EdgeSum, Past) or any(s.name not in states and s.name not in
                                            system.params and s.name not in system.inputs
                                            and s.name != system.time.name
                                            for s in expr.free_symbols):
            return None  # nested delays or chains of assignments: not covered
        return expr.xreplace({v: sp.Symbol(f"{n}@{k}") for n, v in states.items()})

    edge_map: dict[sp.Expr, sp.Expr] = {}
    for k, b in enumerate(system.edges):
        weights = np.asarray(system.params[b.weights].value)
        if weights.size != 1 or b.n_target != 1 or b.n_source != 1:
            return None
        total: sp.Expr = sp.S.Zero
        taus = np.asarray(b.delays, dtype=float)
        for tau in np.unique(taus):
            count = int(np.sum(taus == tau))
            src = sp.Symbol(b.source) if tau == 0 else lagged(b.source, index(float(tau)))
            if src is None:
                return None
            total += sp.Symbol(b.weights) * src * count
        edge_map[EdgeSum(sp.Symbol(b.source), k)] = total
    for expr in [a.expr for a in system.assignments] + list(system.derivatives):
        for past in sp.sympify(expr).atoms(Past):
            x, tau = past.args
            value = _delay_value(tau, system)
            if value is None or str(x) not in states:
                return None
            edge_map[past] = lagged(str(x), index(value)) if value > 0 else x
    assigned: dict[sp.Symbol, sp.Expr] = {}
    for a in system.assignments:
        assigned[a.symbol] = sp.sympify(a.expr).xreplace(edge_map).xreplace(assigned)
    rhs = [sp.sympify(d).xreplace(edge_map).xreplace(assigned) for d in system.derivatives]
    if any(e.atoms(*IR_FUNCTIONS) for e in rhs):
        return None
    current = {sp.Symbol(f"{n}@{k}"): v for n, v in states.items()
               for k in range(1, len(delays) + 1)}
    order = sorted(range(len(delays)), key=lambda i: delays[i])
    pages: list[dict[tuple[int, int], sp.Expr]] = [{} for _ in range(len(delays) + 1)]
    for i, f in enumerate(rhs, start=1):
        for j, st in enumerate(system.states, start=1):
            for page, k in enumerate([0, *[o + 1 for o in order]]):
                sym = st.symbol if k == 0 else sp.Symbol(f"{st.name}@{k}")
                d = sp.diff(f, sym).xreplace(current)
                if d.has(sp.Derivative, sp.Subs):
                    return None
                if d != 0:
                    pages[page][(i, j)] = d
    return sorted(delays), pages


def generate_jacobian(system: SystemIR, options: CodegenOptions) -> GeneratedCode:
    """Fortran source of the Jacobian subroutine of a scalar ``system``."""
    unknown = set(options.extra) - {"sparse", "build_dir", "compiler"}
    if unknown:
        raise SolverError(f"the fortran Jacobian takes the options 'sparse', 'build_dir' and "
                          f"'compiler' only; got {', '.join(sorted(unknown))}")
    if system.dtype == "float32":
        raise SolverError("the fortran backend computes in double precision only; use "
                          "float_precision='float64'")
    if system.is_complex:
        raise SolverError("the fortran Jacobian is real-valued; use backend='numpy' for the "
                          "complex (Wirtinger) Jacobian")
    jac = delayed_scalar_jacobian(system)
    if jac is None:
        raise SolverError("the fortran Jacobian needs scalar variables and scalar edge weights "
                          "(build the circuit with vectorize=False), no vector functions and "
                          "delays only on edges or past() of states; use backend='numpy' "
                          "otherwise")
    delays, pages = jac
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
           f"  {vt}, intent(in) :: p({n_p})",
           f"  {vt}, intent(out) :: jac({n}, {n}, {len(pages)})"]
    src += [f"  {vt} :: {names[s.name]}" for s in system.states]
    src += [f"  {vt} :: {names[x]}" for x in params + inputs]
    src += [f"  {names[s.name]} = y({s.start + 1})" for s in system.states]
    src += [f"  {names[x]} = p({k + 1})" for k, x in enumerate(params + inputs)]
    src += ["  jac = 0"]
    for page, entries in enumerate(pages, start=1):
        for (i, j), e in sorted(entries.items()):
            src += wrap(f"jac({i}, {j}, {page}) = {printer.code(e)}", "  ")
    src += [f"end subroutine {func}", ""]
    return GeneratedCode("fortran", "\n".join(src), ".f90", func, [names[x] for x in
                         params + inputs], system, options,
                         metadata={"jacobian": True, "delays": delays,
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
        mats = [out[:, :, k] for k in range(out.shape[2])]
        if as_sparse:
            from scipy import sparse

            mats = [sparse.csr_matrix(m) for m in mats]
        return (mats[0], mats[1:]) if code.metadata["delays"] else mats[0]

    args = tuple(np.ravel(system.params[x].value)[0].item() for x in system.params) + \
        tuple(np.asarray(i.default, dtype) for i in system.inputs.values())
    return LoadedModel(code=code, path=path, func=jacobian, args=args, handle=module)
