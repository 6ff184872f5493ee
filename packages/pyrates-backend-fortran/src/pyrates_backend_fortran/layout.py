"""Where every IR quantity lives in the arrays handed to the generated Fortran code.

The generated code receives a few flat arrays instead of one argument per symbol, so that
the same compiled module serves every parameter set (parameter values are runtime data, the
source only depends on the structure of the system):

* ``pr_p``: the real (or complex) parameters the equations use, concatenated;
* ``pr_ip``: integer data, 1-based: integer parameters (``Index`` gathers) and the source,
  target and edge indices of the undelayed edges of every bundle;
* ``pr_u(nu, nrows)``: all inputs, one column per step (or one column for constant inputs).

Size-1 symbols are Fortran scalars, larger ones arrays; scalar parameters broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from pyrates_backend_fortran.printer import fortran_names
from pyrates_core.errors import EquationError
from pyrates_core.functions import EdgeSum, Past
from pyrates_core.system import SystemIR

__all__ = ["Layout", "ParamSlot", "BundleSlot", "DelayedRead", "build_layout"]


@dataclass
class ParamSlot:
    """A parameter the equations use: its Fortran name and place in ``pr_p`` / ``pr_ip``."""

    name: str
    fname: str
    offset: int
    """0-based offset in ``pr_p`` (real/complex) or ``pr_ip`` (integer)."""
    size: int
    integer: bool


@dataclass
class BundleSlot:
    """The undelayed edges of one bundle, as offsets into ``pr_ip``."""

    index: int
    n_undelayed: int
    src_off: int
    tgt_off: int
    edge_off: int
    delayed: int | None
    """Index of the bundle's delayed read in :attr:`Layout.reads`, if it has delayed edges."""


@dataclass
class DelayedRead:
    """A delayed quantity: the delayed edges of a bundle or one ``Past`` term."""

    temp: str
    symbol: str
    n_out: int
    history: int
    """0-based index into :attr:`Layout.history`."""
    bundle: int | None = None
    past: sp.Expr | None = None


@dataclass
class Layout:
    """Names, sizes and array offsets of one generated system."""

    names: dict[str, str]
    sizes: dict[str, int]
    params: list[ParamSlot]
    n_real: int
    n_int: int
    inputs: dict[str, tuple[int, int]]
    """Input name -> (0-based row offset in ``pr_u``, size)."""
    n_u: int
    bundles: list[BundleSlot]
    reads: list[DelayedRead]
    history: list[str]
    """Symbols with a history buffer (states or assignments)."""
    int_data: np.ndarray
    """The edge part of ``pr_ip`` (after the integer parameters), 1-based."""
    temps: dict[sp.Expr, str] = field(default_factory=dict)
    """``EdgeSum``/``Past`` term -> Fortran temporary."""
    record_codes: dict[str, int] = field(default_factory=dict)
    """Input/assignment name -> code in the recording ``select case`` (states use 0)."""
    matrices: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Matrix parameter name -> shape (stored column-major in ``pr_p``)."""


def _used_symbols(system: SystemIR) -> set[str]:
    used: set[str] = set()
    for expr in [*system.derivatives, *(a.expr for a in system.assignments)]:
        used |= {s.name for s in sp.sympify(expr).free_symbols}
        for p in sp.sympify(expr).atoms(Past):
            used |= {s.name for s in p.args[1].free_symbols}
    for b in system.edges:
        used.add(b.weights)
    return used


def build_layout(system: SystemIR) -> Layout:
    """Assign Fortran names and array offsets to every quantity of ``system``."""
    order = [s.name for s in system.states] + list(system.inputs) + \
        [a.name for a in system.assignments] + list(system.params)
    names = fortran_names(order)
    names[system.time.name] = "t"
    sizes = system.symbol_sizes()
    used = _used_symbols(system)
    params: list[ParamSlot] = []
    matrices: dict[str, tuple[int, int]] = {}
    n_real = n_int = 0
    for name, spec in system.params.items():
        if name not in used:
            continue
        value = np.asarray(spec.value)
        if value.ndim > 2:
            raise EquationError(f"parameter '{name}' has {value.ndim} dimensions (shape "
                                f"{value.shape}); the fortran backend supports scalars, "
                                "vectors and matrices only")
        if value.ndim == 2:
            matrices[name] = (int(value.shape[0]), int(value.shape[1]))
        integer = value.dtype.kind in "iub"
        slot = ParamSlot(name, names[name], n_int if integer else n_real, int(value.size),
                         integer)
        params.append(slot)
        sizes[name] = int(value.size) if value.ndim else 1
        if integer:
            n_int += slot.size
        else:
            n_real += slot.size
    inputs: dict[str, tuple[int, int]] = {}
    n_u = 0
    for name, inp in system.inputs.items():
        inputs[name] = (n_u, inp.size)
        n_u += inp.size
    history: list[str] = []
    reads: list[DelayedRead] = []
    bundles: list[BundleSlot] = []
    chunks: list[np.ndarray] = []
    offset = n_int
    for k, b in enumerate(system.edges):
        if np.any(b.delays < 0):
            raise EquationError(f"edge bundle '{b.name}' has negative delays; delays must be "
                                ">= 0")
        zero = np.flatnonzero(b.delays == 0)
        src = b.source_idx[zero].astype(np.int64) + 1
        tgt = b.target_idx[zero].astype(np.int64) + 1
        chunks += [src, tgt, zero.astype(np.int64) + 1]
        delayed = None
        if zero.size < b.n_edges:
            if b.source not in history:
                history.append(b.source)
            delayed = len(reads)
            reads.append(DelayedRead(f"pr_ed{k}", b.source, b.n_target,
                                     history.index(b.source), bundle=k))
        bundles.append(BundleSlot(k, int(zero.size), offset, offset + zero.size,
                                  offset + 2 * zero.size, delayed))
        offset += 3 * zero.size
    layout = Layout(names, sizes, params, n_real, n_int, inputs, n_u, bundles, reads, history,
                    np.concatenate(chunks) if chunks else np.zeros(0, np.int64),
                    matrices=matrices)
    for k, b in enumerate(system.edges):
        layout.temps[EdgeSum(sp.Symbol(b.source), k)] = f"pr_es{k}"
    exprs = [a.expr for a in system.assignments] + list(system.derivatives)
    for expr in exprs:
        for p in sorted(sp.sympify(expr).atoms(Past), key=sp.default_sort_key):
            if p in layout.temps:
                continue
            x = p.args[0]
            if not isinstance(x, sp.Symbol) or x.name not in sizes or x.name in system.inputs \
                    or x.name in system.params:
                raise EquationError(f"Past() needs a state or assignment symbol, got '{x}' in "
                                    f"{p}")
            if x.name not in history:
                history.append(x.name)
            temp = f"pr_past{len(reads)}"
            reads.append(DelayedRead(temp, x.name, sizes[x.name], history.index(x.name),
                                     past=p))
            layout.temps[p] = temp
    code = 1
    for name in list(system.inputs) + [a.name for a in system.assignments]:
        layout.record_codes[name] = code
        code += 1
    return layout
