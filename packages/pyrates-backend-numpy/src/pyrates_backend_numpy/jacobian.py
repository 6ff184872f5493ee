"""The ``'jacobian'`` codegen target: a NumPy/scipy module that evaluates the system's Jacobian.

The symbolic work is done once, in :func:`pyrates_core.jacobian.jacobian_ir`; this module prints
its terms. The generated ``<func_name>(t, y, *args)`` (``args``: the parameters, then the
current value of every input, as for the vector field) returns the dense ``n x n`` Jacobian, or
``(J0, [J_tau1, ...])`` for delayed systems; ``CodegenOptions.extra['sparse']=True`` makes it
return ``scipy.sparse.csr_matrix`` matrices. Constant index and value arrays are embedded in
the source (base64), so the module needs nothing but numpy and scipy.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import sympy as sp

from pyrates_backend_numpy.codegen import RESERVED
from pyrates_backend_numpy.printer import NumpyCodePrinter
from pyrates_core.arg_layout import (
    array_symbols,
    check_func_name,
    default_arguments,
    is_array,
    symbol_names,
)
from pyrates_core.backend import CodegenOptions, GeneratedCode, LoadedModel
from pyrates_core.embedded_arrays import DECODER_SOURCE, EmbeddedArrays
from pyrates_core.generated_files import import_module_file, source_path, write_generated
from pyrates_core.identifiers import Identifiers
from pyrates_core.jacobian import Factor, JacobianIR, jacobian_ir
from pyrates_core.jacobian_blocks import jacobian_blocks
from pyrates_core.system import SystemIR

__all__ = ["generate_jacobian", "load_jacobian"]

_counter = itertools.count()
_OWN_NAMES = frozenset({"base64", "np", "sparse", "DTYPE", "_arr", "_mat", "_diag", "_weights",
                        "_edges", "_edge_sum", "_assemble", "_parts", "_out"})
"""Names the Jacobian module defines itself (neither a model symbol nor its function)."""

_HELPERS = DECODER_SOURCE + '''

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


class _JacobianEmitter:
    def __init__(self, jac: JacobianIR, options: CodegenOptions) -> None:
        self.jac = jac
        self.system = jac.system
        self.options = options
        self.dtype = self.system.value_dtype.name
        aux = [name for name, _, _ in jac.aux]
        self.names = symbol_names(self.system, Identifiers(RESERVED | _OWN_NAMES), extra=aux)
        self.arg_names = [self.names[p] for p in [*self.system.params, *self.system.inputs]]
        self.arrays = arrays = array_symbols(self.system) | set(aux)
        self.printer = NumpyCodePrinter(self.names, lambda e: is_array(e, arrays),
                                        self._edge_sum, self._past)
        self.consts = EmbeddedArrays()

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
        if not is_array(expr, self.arrays):
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
        body = [f"    {self.names[s.name]} = y[{s.start}:{s.start + s.size}]" for s in sysm.states]
        for a in sysm.assignments:
            body.append(f"    {self.names[a.name]} = {self._value(a.expr, a.size)}")
        for name, expr, size in jac.aux:
            body.append(f"    {self.names[name]} = {self._value(expr, size)}")
        body.append(f"    _parts = [[] for _ in range({len(jac.delays) + 1})]")
        for b in jacobian_blocks(jac):
            chain = " @ ".join(self._factor(f) for f in b.factors) or "1"
            body.append(f"    _parts[{b.delay}].append(({b.row}, {b.col}, {chain}))")
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
    check_func_name(options.func_name, _OWN_NAMES)
    emit = _JacobianEmitter(jac := jacobian_ir(system), options)
    check_func_name(options.func_name, taken=emit.names.values())
    return GeneratedCode(backend=backend, source=emit.source(), suffix=".py",
                         func_name=options.func_name, arg_names=list(emit.arg_names),
                         system=system, options=options,
                         metadata={"jacobian": True, "delays": list(jac.delays),
                                   "arg_symbols": list(system.params) + list(system.inputs)})


def load_jacobian(code: GeneratedCode, workdir: Path, file_name: str | None = None) -> LoadedModel:
    """Write the Jacobian module below ``workdir`` and import it."""
    path = write_generated(code, source_path(workdir, file_name,
                                             f"pyrates_jacobian_{next(_counter)}", ".py"))
    module = import_module_file(path, f"_pyrates_jacobian_{path.stem}_{next(_counter)}")
    return LoadedModel(code=code, path=path, func=getattr(module, code.func_name),
                       args=default_arguments(code.system), handle=module)
