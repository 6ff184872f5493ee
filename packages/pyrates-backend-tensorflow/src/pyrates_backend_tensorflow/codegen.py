"""Generation of the TensorFlow module of a system: ``vector_field`` and ``observe``.

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

from pyrates_backend_tensorflow.printer import TensorflowCodePrinter, numeric_constants
from pyrates_core.functions import ArrayMean, ArraySum, Concatenate, EdgeSum, Index, Interp, Past
from pyrates_core.system import SystemIR
from pyrates_core.tensor_plan import ModelPlan, plan_model

__all__ = ["HELPERS", "Layout", "OBSERVE", "build_source"]

OBSERVE = "observe"
_RESERVED = {"t", "y", "tensorflow", "tf", "math", OBSERVE}

HELPERS = '''
def _fit(v, y, n):
    """v broadcast to (batch, n) with the dtype of y."""
    return tensorflow.broadcast_to(tensorflow.cast(v, y.dtype), [tensorflow.shape(y)[0], n])


def _pair(a, b):
    """Both arguments as tensors of a common dtype."""
    ref = a if tensorflow.is_tensor(a) else b
    return tensorflow.cast(a, ref.dtype), tensorflow.cast(b, ref.dtype)


def _maxi(a, b):
    """Element-wise maximum."""
    return tensorflow.maximum(*_pair(a, b))


def _mini(a, b):
    """Element-wise minimum."""
    return tensorflow.minimum(*_pair(a, b))


def _where(c, a, b):
    """Element-wise choice between a and b."""
    return tensorflow.where(c, *_pair(a, b))


def _cat(*xs):
    """Concatenate along the element axis, broadcasting the batch axis."""
    ref = next(x for x in xs if tensorflow.is_tensor(x))
    ts = [tensorflow.reshape(tensorflow.cast(x, ref.dtype), [1, 1]) if not
          tensorflow.is_tensor(x) or len(x.shape) == 0 else tensorflow.cast(x, ref.dtype)
          for x in xs]
    b = tensorflow.reduce_max(tensorflow.stack([tensorflow.shape(x)[0] for x in ts]))
    return tensorflow.concat([tensorflow.broadcast_to(x, [b, tensorflow.shape(x)[1]])
                              for x in ts], axis=-1)


def _dot(a, x):
    """numpy.dot of a matrix (batched: (1|B, n, m)) and a vector ((B, m)), or of two vectors."""
    a, x = _pair(a, x)
    if len(a.shape) == len(x.shape):
        return tensorflow.reduce_sum(a * x, axis=-1, keepdims=True)
    return tensorflow.linalg.matvec(a, x)


def _randn(y):
    """One standard normal draw per batch member, shape (B, 1), in y's real dtype."""
    return tensorflow.random.normal([tensorflow.shape(y)[0], 1], dtype=y.dtype.real_dtype)


def _interp(x, xp, fp):
    """Piecewise-linear interpolation as numpy.interp (constant beyond the ends)."""
    xp, fp = tensorflow.reshape(xp, [-1]), tensorflow.reshape(fp, [-1])
    flat = tensorflow.reshape(x, [-1])
    i = tensorflow.searchsorted(xp, flat, side="right")
    i = tensorflow.clip_by_value(i, 1, tensorflow.shape(xp)[0] - 1)
    x0, x1 = tensorflow.gather(xp, i - 1), tensorflow.gather(xp, i)
    f0, f1 = tensorflow.gather(fp, i - 1), tensorflow.gather(fp, i)
    mid = f0 + (flat - x0) * (f1 - f0) / (x1 - x0)
    out = tensorflow.where(flat <= xp[0], fp[0], tensorflow.where(flat >= xp[-1], fp[-1], mid))
    return tensorflow.reshape(out, tensorflow.shape(x))


def _dense(x, mat):
    """Undelayed edges as a matrix product: (batch, n_source) -> (batch, n_target)."""
    if len(mat.shape) == 2:
        return tensorflow.matmul(x, mat, transpose_b=True)
    return tensorflow.linalg.matvec(mat, x)


def _scatter(v, tgt, n):
    """out[:, tgt[e]] += v[:, e]."""
    return tensorflow.transpose(tensorflow.math.unsorted_segment_sum(tensorflow.transpose(v),
                                                                     tgt, n))
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
    """Source text of the TensorFlow module of ``system`` and its argument layout."""
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
                parts.append(f"_scatter(_e{k}_w * tensorflow.gather({{x}}, _e{k}_src, axis=1), "
                             f"_e{k}_tgt, {bp.n_target})")
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

    printer = TensorflowCodePrinter(names, edge_sum, lambda e: past_names[e])
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
    lines = [f'"""{header}"""', "", "import tensorflow", "", HELPERS, "",
             f"def {func_name}({sig}):",
             '    """Right-hand side dy/dt at (t, y); y and the result are (batch, n_state)."""',
             *body]
    if derivs:
        lines.append(f"    return tensorflow.concat([{', '.join(derivs)}], axis=-1)")
    else:
        lines.append("    return tensorflow.zeros_like(y)")
    lines += ["", "", f"def {OBSERVE}({sig}):",
              '    """Every assignment (algebraic variable) at (t, y), in IR order."""', *body,
              f"    return ({assigned}{',' if system.assignments else ''})", ""]
    return "\n".join(lines), lay
