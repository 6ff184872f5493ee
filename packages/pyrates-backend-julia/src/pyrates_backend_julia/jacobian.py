"""The ``'jacobian'`` codegen target of the julia backend: ``F(u, p, t)`` returning the Jacobian.

The symbolic work is :func:`pyrates_core.jacobian.jacobian_ir`; this module prints its terms
with the Julia printer (and the vector-field generator's lowering of size-changing functions)
as dense matrices. The generated file holds the model's ``F_params`` and ``F!`` and the
Jacobian ``F(u, p, t)``, which returns an ``n x n x (1 + number of delays)`` array: page 1 is
``J0``, page ``k + 1`` the derivative with respect to ``u(t - tau_k)``; delayed values are the
current ones (the linearization at a steady state). Evaluating it from Python goes through
juliacall and needs a Julia installation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from pyrates_backend_julia.codegen import _Body, _Writer, build_layout, generate_files
from pyrates_backend_julia.runner import find_julia
from pyrates_core.backend import CodegenOptions, GeneratedCode, LoadedModel
from pyrates_core.errors import SolverError
from pyrates_core.functions import Past
from pyrates_core.jacobian import Factor, jacobian_ir
from pyrates_core.jacobian_code import jacobian_args
from pyrates_core.system import SystemIR

__all__ = ["generate_jacobian", "load_jacobian"]

_JAC_HELPERS = '''
"""Diagonal matrix of an element-wise coefficient (a scalar broadcasts)."""
function pyrates_jdiag(c, n)
    v = c .* ones(n)
    M = zeros(eltype(v), n, n)
    for i in 1:n
        M[i, i] = v[i]
    end
    return M
end

"""Weight matrix of the edges sel of a bundle (duplicates add up)."""
function pyrates_jedges(w, n, sel, rows, cols, m1, m2)
    wv = w .* ones(n)
    M = zeros(eltype(wv), m1, m2)
    for k in eachindex(sel)
        M[rows[k], cols[k]] += wv[sel[k]]
    end
    return M
end

"""Sum over all edges of a bundle (no delays: the steady state)."""
function pyrates_jsum(x, w, n, rows, cols, nout)
    wv = w .* ones(n)
    s = zeros(promote_type(eltype(wv), eltype(x)), nout)
    for k in 1:n
        s[rows[k]] += wv[k] * x[cols[k]]
    end
    return s
end
'''


def _ints(values: np.ndarray) -> str:
    items = ", ".join(str(int(v) + 1) for v in np.ravel(values))
    return f"[{items}]" if items else "Int[]"


def _matrix(values: np.ndarray) -> str:
    items = ", ".join(repr(complex(v)).replace("j", "im") if np.iscomplexobj(values) else
                      repr(float(v)) for v in np.ravel(values, order="F"))
    return f"reshape([{items}], {values.shape[0]}, {values.shape[1]})"


class _JacWriter(_Writer):
    """The vector-field writer with steady-state edge sums (all edges, no delays)."""

    def edge_sum(self, k: int) -> str:
        """Code of the steady-state ``EdgeSum(x, k)``."""
        b = self.system.edges[k]
        return (f"pyrates_jsum({self.layout.locals[b.source]}, p.{self.layout.fields[b.weights]}"
                f", {b.n_edges}, {_ints(b.target_idx)}, {_ints(b.source_idx)}, {b.n_target})")


class _JacBody(_Body):
    """A body whose ``Past`` reads are the current values (steady state)."""

    def special(self, expr: sp.Basic) -> sp.Symbol:
        """As the vector field's, but ``Past(x, tau)`` is ``x``."""
        if isinstance(expr, Past):
            return sp.Symbol(str(expr.args[0]))
        return super().special(expr)


def _source(system: SystemIR, func: str) -> tuple[str, Any]:
    files, layout = generate_files(system, func)
    jac = jacobian_ir(system)
    writer = _JacWriter(system, build_layout(system, func))
    for name, _, _ in jac.aux:
        ident = f"jx_{name.lstrip('_')}"
        writer.printer.names[name] = ident
        writer.array[name] = True
    body = _JacBody(writer)
    writer._prologue(body)
    for name, expr, size in jac.aux:
        code = writer.printer.doprint(body.lower(expr))
        ident = writer.printer.names[name]
        body.lines.append(f"    {ident} = @. {code}" if writer.is_array(expr) else
                          f"    {ident} = fill({code}, {size})")

    def factor(f: Factor) -> str:
        if f.kind == "diag":
            assert f.expr is not None
            return f"pyrates_jdiag({body.atom(f.expr)}, {f.shape[0]})"
        if f.kind == "matrix":
            assert f.rows is not None and f.cols is not None and f.values is not None
            dense = np.zeros(f.shape, dtype=np.result_type(f.values, np.float64))
            np.add.at(dense, (f.rows, f.cols), f.values)
            return _matrix(dense)
        assert f.bundle is not None and f.edges is not None
        assert f.rows is not None and f.cols is not None
        b = system.edges[f.bundle]
        return (f"pyrates_jedges(p.{writer.layout.fields[b.weights]}, {b.n_edges}, "
                f"{_ints(f.edges)}, {_ints(f.rows)}, {_ints(f.cols)}, "
                f"{f.shape[0]}, {f.shape[1]})")

    n, pages = system.n_state, len(jac.delays) + 1
    starts = {s.name: s for s in system.states}
    adds = []
    for term in jac.terms:
        r, c = starts[term.row], starts[term.col]
        chain = " * ".join(factor(f) for f in term.factors)
        adds.append(f"    J[{r.start + 1}:{r.start + r.size}, {c.start + 1}:{c.start + c.size}, "
                    f"{term.delay + 1}] .+= {chain}")
    dtype = "ComplexF64" if system.is_complex else "Float64"
    delays = ", ".join(f"{d:g}" for d in jac.delays) or "none"
    lines = [f'"""Jacobian of the vector field at (u, t): an n x n x {pages} array, page 1 = J0,',
             f'page k+1 = d f / d u(t - tau_k) (delays: {delays})."""',
             f"function {func}(u, p, t)", *body.lines,
             f"    J = zeros({dtype}, {n}, {n}, {pages})", *adds, "    return J", "end"]
    source = files[f"{func}.jl"] + "\n" + "\n".join(lines) + "\n" + _JAC_HELPERS
    return source, layout


def generate_jacobian(system: SystemIR, options: CodegenOptions) -> GeneratedCode:
    """``F.jl`` with the parameters, the vector field and the Jacobian ``F(u, p, t)``."""
    if set(options.extra) - {"sparse"}:
        raise SolverError(f"the julia Jacobian takes only the option 'sparse'; got "
                          f"{', '.join(sorted(set(options.extra) - {'sparse'}))}")
    source, layout = _source(system, options.func_name)
    return GeneratedCode("julia", source, ".jl", options.func_name,
                         list(system.params) + list(system.inputs), system, options,
                         metadata={"jacobian": True, "layout": layout,
                                   "delays": list(jacobian_ir(system).delays)})


class JuliaJacobian:
    """The generated Jacobian as ``J(t, y, *params, *inputs)`` (needs Julia, via juliacall)."""

    def __init__(self, code: GeneratedCode) -> None:
        self.code = code

    def __call__(self, t: float, y: Any, *args: Any) -> Any:
        """The Jacobian at ``(t, y)``; a clear error where Julia is missing."""
        if find_julia() is None:
            raise SolverError(f"evaluating the Julia Jacobian {self.code.func_name} needs a "
                              "Julia installation (none found); the generated Julia source is "
                              "in GeneratedCode.source")
        import tempfile

        from juliacall import Main as jl  # noqa: N813 - juliacall's own name

        code = self.code
        with tempfile.TemporaryDirectory(prefix="pyrates_julia_") as tmp:
            path = Path(tmp) / f"{code.func_name}.jl"
            path.write_text(code.source)
            jl.include(str(path))
        fields = code.metadata["layout"].fields
        over = {fields[n]: np.asarray(v) for n, v in zip(code.arg_names, args)
                if n in code.system.params}
        p = jl.seval(f"{code.func_name}_params")(**over)
        raw = np.asarray(jl.seval(code.func_name)(np.asarray(y, code.system.value_dtype), p,
                                                  float(t)))
        pages = [raw[:, :, k] for k in range(raw.shape[2])]
        if code.options.extra.get("sparse", False):
            from scipy import sparse

            pages = [sparse.csr_matrix(m) for m in pages]
        return (pages[0], pages[1:]) if code.metadata["delays"] else pages[0]


def load_jacobian(code: GeneratedCode, workdir: Path, file_name: str | None = None
                  ) -> LoadedModel:
    """Write ``F.jl`` below ``workdir``; the function evaluates it through juliacall."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / (Path(file_name).name if file_name else f"{code.func_name}.jl")
    path.write_text(code.source)
    return LoadedModel(code=code, path=path, func=JuliaJacobian(code),
                       args=jacobian_args(code.system), handle=path)
