"""The statement plan of a batched tensor module, shared by the torch and TensorFlow backends.

:func:`build_module` writes the source of a module that defines::

    vector_field(t, y, *params, *inputs, *edges, *reads) -> dy      # (B, n_state)
    observe(t, y, *params, *inputs, *edges, *reads) -> tuple          # every assignment

for any framework described by a :class:`TensorDialect`: its module name, the helper
functions the printed code calls (``_fit``, ``_dense``, ``_scatter``, ``_maxi``...), its
expression printer and how it gathers columns and concatenates along the element axis.
Every array carries a leading batch axis ``B``. Neither function writes into its arguments.
``edges`` are per bundle the undelayed operator (a dense matrix ``'mat'``, or source/target
indices and weights ``'src'``, ``'tgt'``, ``'w'``) and the weights and targets of the delayed
edges (``'dw'``, ``'dtgt'``); ``reads`` are the delayed source values per delayed bundle and
the values of every ``Past`` term, which the solver interpolates from its history.

The module text depends only on the system and the dialect; the backends evaluate it with
their framework (see ``pyrates_core/tests/test_tensor_codegen.py`` for a NumPy dialect).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import sympy as sp

from pyrates_core.functions import ArrayMean, ArraySum, Concatenate, EdgeSum, Index, Interp, Past
from pyrates_core.system import SystemIR
from pyrates_core.tensor_plan import ModelPlan, plan_model

__all__ = ["OBSERVE", "ExprPrinter", "TensorDialect", "TensorLayout", "batched_of_size",
           "build_module", "identifiers"]

OBSERVE = "observe"
"""Name of the generated function of the algebraic variables."""


class ExprPrinter(Protocol):
    """What :func:`build_module` needs of a printer: ``doprint(expr) -> code``."""

    def doprint(self, expr: Any) -> str:
        """Code of ``expr``."""
        ...


@dataclass(frozen=True)
class TensorDialect:
    """How one framework spells the few statements :func:`build_module` writes."""

    module: str
    """The module the generated code imports and calls (``'torch'``, ``'tensorflow'``)."""
    helpers: str
    """Source of the helper functions, pasted after the import."""
    reserved: frozenset[str]
    """Identifiers the generated code uses itself (model symbols are renamed around them)."""
    printer: Callable[[Mapping[str, str], Callable[[int, str], str], Callable[[sp.Expr], str]],
                      ExprPrinter]
    """``printer(names, edge_sum, past)``: ``edge_sum(k, x_code)`` and ``past(expr)`` give the
    code of ``EdgeSum(x, k)`` and ``Past(x, tau)``."""
    prepare: Callable[[sp.Expr], sp.Expr] = lambda e: e
    """Applied to every expression before printing (e.g. folding numeric constants)."""
    gather: str = "{x}[:, {idx}]"
    """Columns ``idx`` of a (B, n) array ``x``."""
    concat: str = "{module}.concatenate([{parts}], axis=-1)"
    """Concatenation of (B, n_i) arrays along the element axis."""


@dataclass
class TensorLayout:
    """Argument layout of the generated functions (after ``t, y``)."""

    params: list[str] = field(default_factory=list)
    int_params: set[str] = field(default_factory=set)
    inputs: list[str] = field(default_factory=list)
    edges: list[tuple[int, str]] = field(default_factory=list)
    """(bundle, kind) per edge argument: 'mat', 'src', 'tgt', 'w', 'dw', 'dtgt'."""
    reads: list[tuple[str, int]] = field(default_factory=list)
    """('bundle', k) or ('past', j) per read argument."""
    arg_names: list[str] = field(default_factory=list)
    plan: ModelPlan | None = None


def identifiers(system: SystemIR, reserved: frozenset[str] | set[str]) -> dict[str, str]:
    """IR symbol -> identifier in the generated code (``reserved`` and ``_*`` names avoided)."""
    names: dict[str, str] = {}
    taken: set[str] = set(reserved)
    symbols = [s.name for s in system.states] + list(system.params) + list(system.inputs) + \
        [a.name for a in system.assignments]
    for name in symbols:
        ident = name if name not in taken and not name.startswith("_") else f"v_{name}"
        while ident in taken:
            ident += "_"
        names[name] = ident
        taken.add(ident)
    names[system.time.name] = "t"
    return names


_OPAQUE = (Index, ArraySum, ArrayMean, Concatenate, Interp)


def batched_of_size(expr: sp.Expr, size: int, batched: dict[str, int], system: SystemIR) -> bool:
    """Whether ``expr`` certainly evaluates to a (batch, size) array (no ``_fit`` needed).

    ``batched`` maps the symbols known to be (batch, n) arrays to their n.
    """
    if isinstance(expr, sp.Symbol):
        return batched.get(expr.name) == size
    if isinstance(expr, EdgeSum):
        return system.edges[int(expr.args[1])].n_target == size and \
            batched.get(str(expr.args[0])) is not None
    if isinstance(expr, Past):
        return batched.get(str(expr.args[0])) == size
    if isinstance(expr, _OPAQUE) or not expr.args:
        return False
    return any(batched_of_size(a, size, batched, system) for a in expr.args)


def _layout(system: SystemIR, names: dict[str, str], dialect: TensorDialect
            ) -> tuple[TensorLayout, dict[int, str], dict[sp.Expr, str]]:
    plan = plan_model(system)
    lay = TensorLayout(plan=plan)
    lay.params = list(system.params)
    lay.int_params = {k for k, p in system.params.items() if np.asarray(p.value).dtype.kind in "iu"}
    lay.inputs = list(system.inputs)
    args = [names[p] for p in lay.params] + [names[i] for i in lay.inputs]
    edge_code: dict[int, str] = {}
    for bp in plan.bundles:
        k, parts = bp.index, []
        if bp.zero.any():
            if bp.dense:
                lay.edges.append((k, "mat"))
                args.append(f"_e{k}_mat")
                parts.append(f"_dense({{x}}, _e{k}_mat)")
            else:
                lay.edges += [(k, "src"), (k, "tgt"), (k, "w")]
                args += [f"_e{k}_src", f"_e{k}_tgt", f"_e{k}_w"]
                cols = dialect.gather.format(x="{x}", idx=f"_e{k}_src", module=dialect.module)
                parts.append(f"_scatter(_e{k}_w * {cols}, _e{k}_tgt, {bp.n_target})")
        if bp.delayed.any():
            lay.edges += [(k, "dw"), (k, "dtgt")]
            args += [f"_e{k}_dw", f"_e{k}_dtgt"]
            parts.append(f"_scatter(_e{k}_dw * _d{k}, _e{k}_dtgt, {bp.n_target})")
        edge_code[k] = " + ".join(parts) if parts else "0.0"
    past_names: dict[sp.Expr, str] = {}
    for bp in plan.bundles:
        if bp.delayed.any():
            lay.reads.append(("bundle", bp.index))
            args.append(f"_d{bp.index}")
    for j, pp in enumerate(plan.pasts):
        lay.reads.append(("past", j))
        past_names[pp.expr] = f"_past{j}"
        args.append(f"_past{j}")
    lay.arg_names = args
    return lay, edge_code, past_names


def build_module(system: SystemIR, func_name: str, header: str, dialect: TensorDialect
                 ) -> tuple[str, TensorLayout]:
    """Source text of the module of ``system`` in ``dialect`` and its argument layout."""
    names = identifiers(system, dialect.reserved | {"t", "y", "math", OBSERVE})
    lay, edge_code, past_names = _layout(system, names, dialect)

    def edge_sum(k: int, x: str) -> str:
        return "(" + edge_code[k].replace("{x}", x) + ")"

    printer = dialect.printer(names, edge_sum, lambda e: past_names[e])
    sig = ", ".join(["t", "y", *lay.arg_names])
    body = [f"    {names[s.name]} = y[:, {s.start}:{s.start + s.size}]" for s in system.states]
    batched = {s.name: s.size for s in system.states}

    def fitted(expr: sp.Expr, size: int) -> str:
        code = printer.doprint(dialect.prepare(expr))
        return code if batched_of_size(expr, size, batched, system) else \
            f"_fit({code}, y, {size})"

    for a in system.assignments:
        body.append(f"    {names[a.name]} = {fitted(a.expr, a.size)}")
        batched[a.name] = a.size
    derivs = [fitted(d, s.size) for s, d in zip(system.states, system.derivatives, strict=True)]
    assigned = ", ".join(names[a.name] for a in system.assignments)
    lines = [f'"""{header}"""', "", f"import {dialect.module}", "", dialect.helpers, "",
             f"def {func_name}({sig}):",
             '    """Right-hand side dy/dt at (t, y); y and the result are (batch, n_state)."""',
             *body]
    if derivs:
        joined = dialect.concat.format(module=dialect.module, parts=", ".join(derivs))
        lines.append(f"    return {joined}")
    else:
        lines.append(f"    return {dialect.module}.zeros_like(y)")
    lines += ["", "", f"def {OBSERVE}({sig}):",
              '    """Every assignment (algebraic variable) at (t, y), in IR order."""', *body,
              f"    return ({assigned}{',' if system.assignments else ''})", ""]
    return "\n".join(lines), lay
