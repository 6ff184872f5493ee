"""The ``'jacobian'`` codegen target of the matlab backend: ``<func>.m`` returning the Jacobian.

The symbolic work is :func:`pyrates_core.jacobian.jacobian_ir`; this module prints its terms
with the MATLAB printer as dense matrices. ``<func>(t, y, p)`` (``p`` from the generated
``<func>_params.m``) returns an ``n x n x (1 + number of delays)`` array: page 1 is ``J0``,
page ``k + 1`` the derivative with respect to ``y(t - tau_k)``. Delayed values are taken equal
to the current ones (the linearization at a steady state). :func:`load_jacobian` wraps the
files as ``J(t, y, *params, *inputs)``, evaluated in GNU Octave (one process per call), with
the PyRates 1.x return contract (``(J0, [J_tau...])`` for delayed systems, ``csr_matrix`` with
``CodegenOptions.extra['sparse']=True``).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io as sio
import sympy as sp
from scipy import sparse as sps

from pyrates_backend_matlab.codegen import HEADER, _is_array, _sizes, generate_files, matlab_literal
from pyrates_backend_matlab.octave import _clean, find_octave
from pyrates_backend_matlab.printer import MatlabPrinter
from pyrates_core.backend import CodegenOptions, GeneratedCode, LoadedModel
from pyrates_core.errors import SolverError
from pyrates_core.jacobian import Factor, jacobian_ir
from pyrates_core.jacobian_code import jacobian_args
from pyrates_core.system import SystemIR

__all__ = ["generate_jacobian", "load_jacobian"]

_JAC_HELPERS = """function M = pyrates_jdiag(c, n)
  % Diagonal matrix of an element-wise coefficient (a scalar broadcasts).
  M = diag(c(:) .* ones(n, 1));
end

function M = pyrates_jedges(w, n, sel, rows, cols, m1, m2)
  % Weight matrix of the edges sel of a bundle (duplicates add up).
  w = w(:) .* ones(n, 1);
  M = full(sparse(rows, cols, w(sel), m1, m2));
end

function s = pyrates_jsum(x, w, n, rows, cols, nout)
  % Sum over all edges of a bundle (no delays: the steady state).
  w = w(:) .* ones(n, 1);
  x = x(:);
  s = full(sparse(rows, ones(n, 1), w .* x(cols), nout, 1));
end
"""


class _MatlabJacobian:
    def __init__(self, system: SystemIR, func: str) -> None:
        self.system = system
        self.jac = jacobian_ir(system)
        files, layout = generate_files(system, func)
        self.params_file = files[f"{func}_params.m"]
        self.layout = layout
        self.func = func
        names: dict[str, str] = {system.time.name: "t", **layout.locals}
        names.update({n: f"p.{f}" for n, f in layout.fields.items()})
        taken = set(names.values())
        for name, _, _ in self.jac.aux:
            ident = f"jx{len(names)}"
            while ident in taken:
                ident += "_"
            names[name] = ident
            taken.add(ident)
        self.names = names
        self.sizes = _sizes(system)
        self.sizes.update({name: size for name, _, size in self.jac.aux})
        self.printer = MatlabPrinter(names, self._edge_sum, self._past)

    def _edge_sum(self, k: int) -> str:
        b = self.system.edges[k]
        return (f"pyrates_jsum({self.names[b.source]}, {self.names[b.weights]}, {b.n_edges}, "
                f"{matlab_literal(np.asarray(b.target_idx, np.int64) + 1)}, "
                f"{matlab_literal(np.asarray(b.source_idx, np.int64) + 1)}, {b.n_target})")

    def _past(self, expr: sp.Expr) -> str:
        return self.names[str(expr.args[0])]

    def _factor(self, f: Factor) -> str:
        if f.kind == "diag":
            assert f.expr is not None
            return f"pyrates_jdiag({self.printer.doprint(f.expr)}, {f.shape[0]})"
        if f.kind == "matrix":
            assert f.rows is not None and f.cols is not None and f.values is not None
            dense = np.zeros(f.shape, dtype=np.result_type(f.values, np.float64))
            np.add.at(dense, (f.rows, f.cols), f.values)
            return f"({matlab_literal(dense)})"
        assert f.bundle is not None and f.edges is not None
        assert f.rows is not None and f.cols is not None
        b = self.system.edges[f.bundle]
        return (f"pyrates_jedges({self.names[b.weights]}, {b.n_edges}, "
                f"{matlab_literal(np.asarray(f.edges, np.int64) + 1)}, "
                f"{matlab_literal(np.asarray(f.rows, np.int64) + 1)}, "
                f"{matlab_literal(np.asarray(f.cols, np.int64) + 1)}, {f.shape[0]}, "
                f"{f.shape[1]})")

    def _value(self, expr: sp.Expr, size: int) -> str:
        code = self.printer.doprint(expr)
        if size > 1 and not _is_array(expr, self.sizes):
            code = f"{code} + zeros({size}, 1)"
        return code

    def source(self) -> str:
        sysm, jac = self.system, self.jac
        n, pages = sysm.n_state, len(jac.delays) + 1
        delays = ", ".join(f"{d:g}" for d in jac.delays) or "none"
        lines = [f"function J = {self.func}(t, y, p)",
                 f"%{self.func.upper()} Jacobian of the vector field at (t, y): an n x n x "
                 f"{pages} array,",
                 f"%   page 1 = J0, page k+1 = d f / d y(t - tau_k) (delays: {delays}).",
                 f"%   p: parameters (see {self.func}_params). {HEADER}"]
        for s in sysm.states:
            lines.append(f"  {self.names[s.name]} = y({s.start + 1}:{s.start + s.size});")
        for a in sysm.assignments:
            lines.append(f"  {self.names[a.name]} = {self._value(a.expr, a.size)};")
        for name, expr, size in jac.aux:
            lines.append(f"  {self.names[name]} = {self._value(expr, size)};")
        lines.append(f"  J = zeros({n}, {n}, {pages});")
        starts = {s.name: s for s in sysm.states}
        for term in jac.terms:
            r, c = starts[term.row], starts[term.col]
            chain = " * ".join(self._factor(f) for f in term.factors)
            rows = f"{r.start + 1}:{r.start + r.size}"
            cols = f"{c.start + 1}:{c.start + c.size}"
            lines.append(f"  J({rows}, {cols}, {term.delay + 1}) = J({rows}, {cols}, "
                         f"{term.delay + 1}) + {chain};")
        lines += ["end", "", _JAC_HELPERS]
        return "\n".join(lines)


def generate_jacobian(system: SystemIR, options: CodegenOptions) -> GeneratedCode:
    """``<func>.m`` (the Jacobian) and, in ``files``, ``<func>_params.m``."""
    unknown = set(options.extra) - {"sparse", "octave_timeout"}
    if unknown:
        raise SolverError(f"the matlab Jacobian takes the options 'sparse' and "
                          f"'octave_timeout' only; got {', '.join(sorted(unknown))}")
    writer = _MatlabJacobian(system, options.func_name)
    return GeneratedCode("matlab", writer.source(), ".m", options.func_name,
                         list(system.params) + list(system.inputs), system, options,
                         metadata={"jacobian": True, "delays": list(writer.jac.delays),
                                   "layout": writer.layout},
                         files={f"{options.func_name}_params.m": writer.params_file})


class OctaveJacobian:
    """The generated Jacobian as ``J(t, y, *params, *inputs)``, evaluated in GNU Octave.

    Each call writes the function files into a fresh temporary folder (the files written by
    :func:`load_jacobian` may be gone, e.g. after ``get_jacobian_func``) and runs one Octave.
    """

    def __init__(self, code: GeneratedCode) -> None:
        self.code = code

    def __call__(self, t: float, y: Any, *args: Any) -> Any:
        """The Jacobian at ``(t, y)``; ``args`` are the values of ``code.arg_names``."""
        code = self.code
        if args and len(args) != len(code.arg_names):
            raise TypeError(f"{code.func_name} takes t, y and {len(code.arg_names)} parameters "
                            f"and inputs ({', '.join(code.arg_names)}); got {len(args)}")
        exe = find_octave()
        if exe is None:
            raise SolverError("evaluating the matlab Jacobian needs GNU Octave ('octave-cli'), "
                              "which was not found")
        fields = code.metadata["layout"].fields
        dtype = code.system.value_dtype
        over = {fields[n]: np.asarray(v) for n, v in zip(code.arg_names, args)}
        with tempfile.TemporaryDirectory(prefix="pyrates_octave_") as tmp:
            job: dict[str, Any] = {"t": float(t), "y": np.asarray(y, dtype).ravel()}
            if over:
                job["over"] = over
            sio.savemat(Path(tmp) / "job.mat", job, oned_as="column")
            func = code.func_name
            (Path(tmp) / f"{func}.m").write_text(code.source)
            for name, text in code.files.items():
                (Path(tmp) / name).write_text(text)
            script = ("S = load('job.mat'); "
                      f"p = {func}_params({'S.over' if over else 'struct()'}); "
                      f"J = {func}(S.t, S.y, p); save('-mat7-binary', 'out.mat', 'J');")
            proc = subprocess.run([exe, "--norc", "--quiet", "--no-history", "--eval", script],
                                  cwd=tmp, capture_output=True, text=True, check=False,
                                  timeout=code.options.extra.get("octave_timeout"))
            if proc.returncode != 0 or not (Path(tmp) / "out.mat").exists():
                raise SolverError(f"Octave failed to evaluate {func}: {_clean(proc.stderr)}")
            n = code.system.n_state
            raw = np.asarray(sio.loadmat(Path(tmp) / "out.mat")["J"], dtype=dtype)
        pages = [m for m in raw.reshape(n, n, -1).transpose(2, 0, 1)]
        if code.options.extra.get("sparse", False):
            pages = [sps.csr_matrix(m) for m in pages]
        return (pages[0], pages[1:]) if code.metadata["delays"] else pages[0]


def load_jacobian(code: GeneratedCode, workdir: Path, file_name: str | None = None
                  ) -> LoadedModel:
    """Write ``<func>.m`` and ``<func>_params.m`` below ``workdir``."""
    if file_name is not None and Path(file_name).stem != code.func_name:
        raise ValueError(f"MATLAB names a function after its file: file_name must be "
                         f"'{code.func_name}.m' (got '{file_name}')")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"{code.func_name}.m"
    path.write_text(code.source)
    for name, text in code.files.items():
        (workdir / name).write_text(text)
    return LoadedModel(code=code, path=path, func=OctaveJacobian(code),
                       args=jacobian_args(code.system), handle=workdir)
