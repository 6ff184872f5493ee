"""The ``'jacobian'`` codegen target: a NumPy/scipy module that evaluates the system's Jacobian.

The symbolic work is done once, in :func:`pyrates_core.jacobian.jacobian_ir`; this module prints
its terms. The generated ``<func_name>(t, y, *args)`` (``args``: the parameters, then the
current value of every input, as for the vector field) returns the dense ``n x n`` Jacobian, or
``(J0, [J_tau1, ...])`` for delayed systems; ``CodegenOptions.extra['sparse']=True`` makes it
return ``scipy.sparse.csr_matrix`` matrices. Constant index and value arrays are embedded in
the source (base64), so the module needs nothing but numpy and scipy.
"""

from __future__ import annotations

import base64
import importlib.util
import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from pyrates_backend_numpy.codegen import _array_symbols, _is_array, _Names
from pyrates_backend_numpy.printer import NumpyCodePrinter
from pyrates_core.backend import CodegenOptions, GeneratedCode, LoadedModel
from pyrates_core.jacobian import Factor, JacobianIR, jacobian_ir
from pyrates_core.runtime import resolve_params
from pyrates_core.system import SystemIR

__all__ = ["generate_jacobian", "load_jacobian"]

_counter = itertools.count()

_HELPERS = '''
def _arr(text, dtype):
    """A constant array embedded as base64."""
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()


def _mat(rows, cols, values, shape):
    return sparse.csr_matrix((values, (rows, cols)), shape=shape)


def _diag(c, n):
    return sparse.diags(np.broadcast_to(np.asarray(c, dtype=DTYPE), (n,)).copy(), 0,
                        shape=(n, n), format="csr")


def _weights(w, n):
    w = np.asarray(w, dtype=DTYPE)
    return np.broadcast_to(w.ravel() if w.ndim else w, (n,))


def _edges(w, n, sel, rows, cols, shape):
    return sparse.csr_matrix((_weights(w, n)[sel], (rows, cols)), shape=shape)


def _edge_sum(x, w, n, rows, cols, n_out):
    out = np.zeros(n_out, dtype=DTYPE)
    np.add.at(out, rows, _weights(w, n) * np.asarray(x)[cols])
    return out


def _assemble(parts, n, as_sparse):
    out = []
    for blocks in parts:
        rows, cols, vals = [], [], []
        for r0, c0, block in blocks:
            coo = sparse.coo_matrix(block)
            rows.append(coo.row + r0)
            cols.append(coo.col + c0)
            vals.append(coo.data.astype(DTYPE))
        if rows:
            m = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                                  np.concatenate(cols))), shape=(n, n))
        else:
            m = sparse.csr_matrix((n, n), dtype=DTYPE)
        m.sum_duplicates()
        out.append(m if as_sparse else m.toarray())
    return out
'''


class _Consts:
    """Module-level constant arrays (base64 in the source, deduplicated)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.seen: dict[tuple[str, bytes], str] = {}

    def __call__(self, values: np.ndarray, dtype: str) -> str:
        data = np.ascontiguousarray(values, dtype=dtype)
        key = (dtype, data.tobytes())
        if key not in self.seen:
            name = f"_C{len(self.seen)}"
            text = base64.b64encode(data.tobytes()).decode()
            self.lines.append(f'{name} = _arr("{text}", np.{dtype})')
            self.seen[key] = name
        return self.seen[key]


class _JacobianEmitter:
    def __init__(self, jac: JacobianIR, options: CodegenOptions) -> None:
        self.jac = jac
        self.system = jac.system
        self.options = options
        self.dtype = self.system.value_dtype.name
        ident = _Names()
        self.names = {self.system.time.name: "t"}
        for group in (self.system.states, list(self.system.params.values()),
                      list(self.system.inputs.values()), self.system.assignments):
            for spec in group:
                self.names[spec.name] = ident(spec.name)
        for name, _, _ in jac.aux:
            self.names[name] = ident(name)
        self.arg_names = [self.names[p] for p in self.system.params] + \
            [self.names[i] for i in self.system.inputs]
        arrays = _array_symbols(self.system) | {name for name, _, _ in jac.aux}
        self.arrays = arrays
        self.printer = NumpyCodePrinter(self.names, lambda e: _is_array(e, arrays),
                                        self._edge_sum, self._past)
        self.consts = _Consts()

    def _edge_sum(self, k: int) -> str:
        b = self.system.edges[k]
        rows = self.consts(b.target_idx, "int64")
        cols = self.consts(b.source_idx, "int64")
        return (f"_edge_sum({self.names[b.source]}, {self.names[b.weights]}, {b.n_edges}, "
                f"{rows}, {cols}, {b.n_target})")

    def _past(self, expr: sp.Expr) -> str:  # steady state: y(t - tau) = y(t)
        return self.names[str(expr.args[0])]

    def _value(self, expr: sp.Expr, size: int) -> str:
        code = self.printer.doprint(expr)
        if not _is_array(expr, self.arrays):
            code = f"np.full({size}, {code}, dtype=DTYPE)"
        return code

    def _factor(self, f: Factor) -> str:
        if f.kind == "diag":
            assert f.expr is not None
            return f"_diag({self.printer.doprint(f.expr)}, {f.shape[0]})"
        if f.kind == "matrix":
            assert f.rows is not None and f.cols is not None and f.values is not None
            vals = self.consts(f.values, self.dtype)
            return (f"_mat({self.consts(f.rows, 'int64')}, {self.consts(f.cols, 'int64')}, "
                    f"{vals}, {f.shape})")
        assert f.bundle is not None and f.edges is not None
        assert f.rows is not None and f.cols is not None
        b = self.system.edges[f.bundle]
        return (f"_edges({self.names[b.weights]}, {b.n_edges}, {self.consts(f.edges, 'int64')}, "
                f"{self.consts(f.rows, 'int64')}, {self.consts(f.cols, 'int64')}, {f.shape})")

    def source(self) -> str:
        sysm, jac = self.system, self.jac
        starts = {s.name: s.start for s in sysm.states}
        body = [f"    {self.names[s.name]} = y[{s.start}:{s.start + s.size}]" for s in sysm.states]
        for a in sysm.assignments:
            body.append(f"    {self.names[a.name]} = {self._value(a.expr, a.size)}")
        for name, expr, size in jac.aux:
            body.append(f"    {self.names[name]} = {self._value(expr, size)}")
        n_parts = len(jac.delays) + 1
        body.append(f"    _parts = [[] for _ in range({n_parts})]")
        for term in jac.terms:
            chain = " @ ".join(self._factor(f) for f in term.factors) or "1"
            body.append(f"    _parts[{term.delay}].append(({starts[term.row]}, "
                        f"{starts[term.col]}, {chain}))")
        body.append(f"    _out = _assemble(_parts, {sysm.n_state}, "
                    f"{bool(self.options.extra.get('sparse', False))})")
        body.append("    return (_out[0], _out[1:])" if jac.delayed else "    return _out[0]")
        sig = ", ".join(["t", "y", *self.arg_names])
        kind = ("(J0, [J_tau...]) for the delays " + ", ".join(f"{d:g}" for d in jac.delays)
                if jac.delayed else "the n x n Jacobian")
        head = ['"""Jacobian generated by PyRates (numpy backend); edit the model, not this file.',
                "", f"{self.options.func_name}(t, y, {', '.join(self.arg_names)}) returns {kind}.",
                '"""', "", "import base64", "", "import numpy as np", "from scipy import sparse",
                "", f"DTYPE = np.{self.dtype}", _HELPERS]
        func = [f"def {self.options.func_name}({sig}):",
                '    """Jacobian of the vector field at (t, y)."""', *body]
        return "\n".join([*head, *self.consts.lines, "", "", *func]) + "\n"


def generate_jacobian(backend: str, system: SystemIR, options: CodegenOptions) -> GeneratedCode:
    """Generate the Jacobian module of ``system`` (no file-system access)."""
    if not options.func_name.isidentifier():
        raise ValueError(f"func_name '{options.func_name}' is not a usable identifier")
    jac = jacobian_ir(system)
    emit = _JacobianEmitter(jac, options)
    if options.func_name in emit.names.values():
        raise ValueError(f"func_name '{options.func_name}' clashes with a model symbol")
    return GeneratedCode(backend=backend, source=emit.source(), suffix=".py",
                         func_name=options.func_name, arg_names=list(emit.arg_names),
                         system=system, options=options,
                         metadata={"jacobian": True, "delays": list(jac.delays),
                                   "arg_symbols": list(system.params) + list(system.inputs)})


def default_jacobian_args(system: SystemIR) -> tuple[Any, ...]:
    """Parameter values (scalars as Python numbers) and default inputs, in argument order."""
    values = resolve_params(system, {})
    out: list[Any] = []
    for name in system.params:
        v = values[name]
        if v.ndim == 0:
            out.append(v.item())
        else:
            out.append(np.asarray(v, dtype=system.value_dtype if v.dtype.kind in "fc"
                                  else v.dtype))
    out += [np.asarray(i.default, system.value_dtype) for i in system.inputs.values()]
    return tuple(out)


def load_jacobian(code: GeneratedCode, workdir: Path, file_name: str | None = None) -> LoadedModel:
    """Write the Jacobian module below ``workdir`` and import it."""
    name = Path(file_name).name if file_name else f"pyrates_jacobian_{next(_counter)}.py"
    path = Path(workdir) / name
    if path.suffix != ".py":
        path = path.with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code.source)
    module_name = f"_pyrates_jacobian_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always loads
        raise ImportError(f"cannot import the generated module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(module_name, None)
    return LoadedModel(code=code, path=path, func=getattr(module, code.func_name),
                       args=default_jacobian_args(code.system), handle=module)
