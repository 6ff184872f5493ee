"""Generation of the torch module of a system: ``vector_field`` and ``observe``.

The generated module defines::

    vector_field(t, y, *params, *inputs, *edges, *reads) -> dy      # (B, n_state)
    observe(t, y, *params, *inputs, *edges, *reads) -> tuple          # every assignment

Neither writes into its arguments. ``edges`` are per bundle the undelayed operator (a dense
matrix, or source/target indices and weights) and the weights and targets of the delayed
edges; ``reads`` are the delayed source values per delayed bundle and the values of every
``Past`` term, which the solver interpolates from its history for each stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from pyrates_backend_torch.printer import TorchCodePrinter, numeric_constants
from pyrates_core.functions import ArrayMean, ArraySum, Concatenate, EdgeSum, Index, Interp, Past
from pyrates_core.system import SystemIR
from pyrates_core.tensor_plan import ModelPlan, plan_model

__all__ = ["HELPERS", "Layout", "OBSERVE", "build_source"]

OBSERVE = "observe"
_RESERVED = {"t", "y", "torch", "math", OBSERVE}

HELPERS = '''
def _fit(v, y, n):
    """v broadcast to (batch, n) with the dtype and device of y."""
    return torch.broadcast_to(torch.as_tensor(v, dtype=y.dtype, device=y.device),
                              (y.shape[0], n))


def _pair(a, b):
    """Both arguments as tensors of a common dtype and device."""
    ref = a if torch.is_tensor(a) else b
    return (torch.as_tensor(a, dtype=ref.dtype, device=ref.device),
            torch.as_tensor(b, dtype=ref.dtype, device=ref.device))


def _maxi(a, b):
    """Element-wise maximum."""
    return torch.maximum(*_pair(a, b))


def _mini(a, b):
    """Element-wise minimum."""
    return torch.minimum(*_pair(a, b))


def _cat(*xs):
    """Concatenate along the element axis, broadcasting the batch axis."""
    ref = next(x for x in xs if torch.is_tensor(x))
    ts = [torch.as_tensor(x, dtype=ref.dtype, device=ref.device) for x in xs]
    ts = [x.reshape(1, 1) if x.dim() == 0 else x for x in ts]
    b = max(x.shape[0] for x in ts)
    return torch.cat([x.expand(b, x.shape[1]) for x in ts], dim=-1)


def _dot(a, b):
    """numpy.dot with leading batch axes: matrix (1|B, n, m) times vector (1|B, m)."""
    a, b = _pair(a, b)
    if a.dim() == 3 and b.dim() == 2:
        return torch.matmul(a, b.unsqueeze(-1)).squeeze(-1)
    if a.dim() == 2 and b.dim() == 2:
        return torch.sum(a * b, dim=-1, keepdim=True)
    return torch.matmul(a, b)


def _interp(x, xp, fp):
    """Piecewise-linear interpolation as numpy.interp (constant beyond the ends)."""
    xp, fp = xp.reshape(-1), fp.reshape(-1)
    i = torch.clamp(torch.searchsorted(xp, x.contiguous(), right=True), 1, xp.shape[0] - 1)
    x0, x1, f0, f1 = xp[i - 1], xp[i], fp[i - 1], fp[i]
    mid = f0 + (x - x0) * (f1 - f0) / (x1 - x0)
    return torch.where(x <= xp[0], fp[0], torch.where(x >= xp[-1], fp[-1], mid))


def _dense(x, mat):
    """Undelayed edges as a matrix product: (batch, n_source) -> (batch, n_target)."""
    return (mat @ x.unsqueeze(-1)).squeeze(-1)


def _scatter(v, tgt, n):
    """out[:, tgt[e]] += v[:, e], out of place."""
    return torch.zeros(v.shape[0], n, dtype=v.dtype, device=v.device).index_add(1, tgt, v)
'''


@dataclass
class Layout:
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


def _identifiers(system: SystemIR) -> dict[str, str]:
    names: dict[str, str] = {}
    taken: set[str] = set(_RESERVED)
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


def _batched_of_size(expr: sp.Expr, size: int, batched: dict[str, int],
                     system: SystemIR) -> bool:
    """Whether ``expr`` certainly evaluates to a (batch, size) tensor (no ``_fit`` needed)."""
    if isinstance(expr, sp.Symbol):
        return batched.get(expr.name) == size
    if isinstance(expr, EdgeSum):
        return system.edges[int(expr.args[1])].n_target == size and \
            batched.get(str(expr.args[0])) is not None
    if isinstance(expr, Past):
        return batched.get(str(expr.args[0])) == size
    if isinstance(expr, _OPAQUE) or not expr.args:
        return False
    return any(_batched_of_size(a, size, batched, system) for a in expr.args)


def build_source(system: SystemIR, func_name: str, header: str) -> tuple[str, Layout]:
    """Source text of the torch module of ``system`` and its argument layout."""
    plan = plan_model(system)
    names = _identifiers(system)
    lay = Layout(plan=plan)
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
                parts.append(f"_scatter(_e{k}_w * {{x}}[:, _e{k}_src], _e{k}_tgt, {bp.n_target})")
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

    def edge_sum(k: int, x: str) -> str:
        return "(" + edge_code[k].replace("{x}", x) + ")"

    printer = TorchCodePrinter(names, edge_sum, lambda e: past_names[e])
    sig = ", ".join(["t", "y", *args])
    body = []
    for s in system.states:
        body.append(f"    {names[s.name]} = y[:, {s.start}:{s.start + s.size}]")
    batched = {s.name: s.size for s in system.states}

    def fitted(expr: sp.Expr, size: int) -> str:
        code = printer.doprint(numeric_constants(expr))
        return code if _batched_of_size(expr, size, batched, system) else \
            f"_fit({code}, y, {size})"

    for a in system.assignments:
        body.append(f"    {names[a.name]} = {fitted(a.expr, a.size)}")
        batched[a.name] = a.size
    derivs = [fitted(d, s.size) for s, d in zip(system.states, system.derivatives, strict=True)]
    assigned = ", ".join(names[a.name] for a in system.assignments)
    lines = [f'"""{header}"""', "", "import torch", "", HELPERS, "",
             f"def {func_name}({sig}):",
             '    """Right-hand side dy/dt at (t, y); y and the result are (batch, n_state)."""',
             *body]
    if derivs:
        lines.append(f"    return torch.cat(({', '.join(derivs)},), dim=-1)")
    else:
        lines.append("    return torch.zeros_like(y)")
    lines += ["", "", f"def {OBSERVE}({sig}):",
              '    """Every assignment (algebraic variable) at (t, y), in IR order."""', *body,
              f"    return ({assigned}{',' if system.assignments else ''})", ""]
    return "\n".join(lines), lay
