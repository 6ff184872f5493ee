"""Symbolic Jacobian of a scalar system for AUTO-07p (``JAC = 1``).

For systems whose states, assignments and edge weights are all scalars (what
``vectorize=False`` gives for small models), the assignments are substituted into the
derivatives, undelayed edge sums become ``weight * source`` (times the number of edges), and
sympy differentiates ``f`` with respect to the states (``DFDU``) and the ``PAR`` parameters
(``DFDP``). Systems with vectors, delays or non-differentiable IR functions get no Jacobian
(AUTO then uses finite differences, ``JAC = 0``).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from pyrates_core.functions import IR_FUNCTIONS, EdgeSum
from pyrates_core.system import SystemIR

__all__ = ["scalar_jacobian"]


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
