"""Source generation: a :class:`~pyrates_core.system.SystemIR` as a ``jax.numpy`` module.

The module imports only ``jax`` and defines two pure functions of the same arguments:

* ``<func_name>(t, y, *args)``: the vector field ``dy/dt``;
* ``observe_assignments(t, y, *args)``: the algebraic variables (assignments), in order.

``args`` are, in this order (see :attr:`Layout.arg_names`): every parameter, the current value
of every input, the integer index arrays of the undelayed edges of each bundle
(``<bundle>_src``, ``<bundle>_tgt`` and, for per-edge weights, ``<bundle>_eid``), and one
*delayed value* per delayed quantity: ``<bundle>_dly`` is the summed delayed input of a bundle
(length ``n_target``), ``past_<x>`` the value of ``x(t - tau)``. The time loop
(:mod:`pyrates_backend_jax.simulate`) computes the delayed values from its history buffers; the
generated functions never see a history, so they are plain differentiable JAX functions.

The exported vector field (target ``'vector_field'``, ``get_run_func``) applies the weights of
delayed edges itself, so that its weight arguments act on them: there ``<bundle>_dly`` holds
the *unweighted* delayed source value of every delayed edge (``x_src(t - d_e)``, one entry per
delayed edge), and the index arrays ``<bundle>_dtgt`` (and ``<bundle>_deid`` for per-edge
weights) of the delayed edges follow the undelayed index arrays.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from pyrates_backend_jax.printer import JaxCodePrinter
from pyrates_core.backend import CodegenOptions
from pyrates_core.errors import EquationError
from pyrates_core.functions import Past
from pyrates_core.system import SystemIR

__all__ = ["OBSERVE", "DelayItem", "Layout", "generate_source"]

OBSERVE = "observe_assignments"
_RESERVED = {"t", "y", "jax", "jnp", "dy", OBSERVE, "abs", "min", "max", "len", "range"}


@dataclass
class DelayItem:
    """One delayed quantity: the delayed edges of a bundle, or one ``Past`` term."""

    arg: str
    """Identifier of its delayed-value argument."""
    symbol: str
    """IR name of the symbol whose history it reads."""
    n_out: int
    bundle: int | None = None
    past: sp.Expr | None = None


@dataclass
class Layout:
    """How the IR maps onto the generated code (``GeneratedCode.metadata['layout']``)."""

    names: dict[str, str]
    """IR symbol name -> identifier in the generated code."""
    params: list[str]
    inputs: list[str]
    edge_args: dict[int, list[str]] = field(default_factory=dict)
    """Bundle index -> names of its undelayed index arrays (src, tgt[, eid])."""
    delayed: list[DelayItem] = field(default_factory=list)
    arg_names: list[str] = field(default_factory=list)
    delayed_edge_args: dict[int, list[str]] = field(default_factory=dict)
    """Bundle index -> names of its delayed index arrays (tgt[, eid]); only where the
    function applies the delayed weights itself (``per_edge_delays``)."""

    @property
    def per_edge_delays(self) -> bool:
        """Whether ``<bundle>_dly`` arguments are unweighted per-edge values (exported field)."""
        return bool(self.delayed_edge_args)

    @property
    def history(self) -> list[str]:
        """IR names of the symbols whose history the time loop keeps, in first-use order."""
        return list(dict.fromkeys(d.symbol for d in self.delayed))


class _Names:
    """Allocator of unique, valid Python identifiers."""

    def __init__(self) -> None:
        self.used = set(_RESERVED)

    def __call__(self, base: str) -> str:
        name = re.sub(r"\W", "_", base) or "v"
        name = "_" + name if name[0].isdigit() else name
        candidate, i = name, 1
        while candidate in self.used or keyword.iskeyword(candidate):
            i += 1
            candidate = f"{name}_{i}"
        self.used.add(candidate)
        return candidate


def edge_weight_vector(system: SystemIR, k: int) -> bool:
    """Whether bundle ``k`` has one weight per edge (else one weight for all its edges)."""
    b = system.edges[k]
    value = np.asarray(system.params[b.weights].value)
    return value.ndim == 1 and value.size == b.n_edges and b.n_edges > 1


def build_layout(system: SystemIR, func_name: str = "vector_field",
                 per_edge_delays: bool = False) -> Layout:
    """Assign identifiers to every symbol and argument of the generated functions.

    ``per_edge_delays``: delayed bundles take one unweighted delayed value per edge and the
    function applies their weights (the exported vector field; see the module docstring).
    """
    ident = _Names()
    ident.used.add(func_name)
    names = {system.time.name: "t"}
    for group in (system.states, list(system.params.values()), list(system.inputs.values()),
                  system.assignments):
        for spec in group:
            names[spec.name] = ident(spec.name)
    layout = Layout(names, list(system.params), list(system.inputs))
    sizes = system.symbol_sizes()
    for k, b in enumerate(system.edges):
        if b.weights not in system.params:
            raise EquationError(f"edge bundle '{b.name}' names the weight parameter "
                                f"'{b.weights}', which is not a parameter of the system")
        if b.source not in sizes or b.source in system.inputs:
            raise EquationError(f"edge bundle '{b.name}' reads '{b.source}', which is neither "
                                "a state nor an assignment of the system")
        if np.any(b.delays < 0):
            raise EquationError(f"edge bundle '{b.name}' has negative delays "
                                f"({float(b.delays.min()):g}); delays must be >= 0")
        prefix = b.name or f"edges{k}"
        if np.any(b.delays == 0):
            parts = ["src", "tgt"] + (["eid"] if edge_weight_vector(system, k) else [])
            layout.edge_args[k] = [ident(f"{prefix}_{p}") for p in parts]
        if b.delayed and per_edge_delays:
            parts = ["dtgt"] + (["deid"] if edge_weight_vector(system, k) else [])
            layout.delayed_edge_args[k] = [ident(f"{prefix}_{p}") for p in parts]
            layout.delayed.append(DelayItem(ident(f"{prefix}_dly"), b.source,
                                            int(np.count_nonzero(b.delays > 0)), bundle=k))
        elif b.delayed:
            layout.delayed.append(DelayItem(ident(f"{prefix}_dly"), b.source, b.n_target,
                                            bundle=k))
    seen: set[sp.Expr] = set()
    for expr in [a.expr for a in system.assignments] + list(system.derivatives):
        for p in sorted(expr.atoms(Past), key=sp.default_sort_key):
            if p in seen:
                continue
            seen.add(p)
            x = p.args[0]
            if not isinstance(x, sp.Symbol) or x.name not in sizes or x.name in system.inputs:
                raise EquationError(f"past() needs a state or an algebraic variable as its first "
                                    f"argument, got '{x}' in {p}")
            layout.delayed.append(DelayItem(ident(f"past_{x.name}"), x.name, sizes[x.name],
                                            past=p))
    layout.arg_names = [names[p] for p in layout.params] + [names[i] for i in layout.inputs]
    layout.arg_names += [n for k in sorted(layout.edge_args) for n in layout.edge_args[k]]
    layout.arg_names += [n for k in sorted(layout.delayed_edge_args)
                         for n in layout.delayed_edge_args[k]]
    layout.arg_names += [d.arg for d in layout.delayed]
    return layout


class _Writer:
    """Writes the two functions of the module."""

    def __init__(self, system: SystemIR, options: CodegenOptions, layout: Layout) -> None:
        self.system, self.options, self.layout = system, options, layout
        past_args = {d.past: d.arg for d in layout.delayed if d.past is not None}
        delayed_args = {d.bundle: d.arg for d in layout.delayed if d.bundle is not None}

        def edge_sum(k: int, x: str) -> str:
            if k >= len(system.edges):
                raise EquationError(f"EdgeSum refers to edge bundle {k}; the system has "
                                    f"{len(system.edges)}")
            b = system.edges[k]
            terms = []
            if k in layout.edge_args:
                names = layout.edge_args[k]
                w = layout.names[b.weights]
                gathered = f"{x}[{names[0]}]"
                if len(names) == 3:
                    terms.append(f"jax.ops.segment_sum({w}[{names[2]}] * {gathered}, {names[1]}, "
                                 f"num_segments={b.n_target})")
                else:
                    terms.append(f"{w} * jax.ops.segment_sum({gathered}, {names[1]}, "
                                 f"num_segments={b.n_target})")
            if k in layout.delayed_edge_args:  # unweighted per-edge values: weigh and sum
                names = layout.delayed_edge_args[k]
                w, dly = layout.names[b.weights], delayed_args[k]
                if len(names) == 2:
                    terms.append(f"jax.ops.segment_sum({w}[{names[1]}] * {dly}, {names[0]}, "
                                 f"num_segments={b.n_target})")
                else:
                    terms.append(f"{w} * jax.ops.segment_sum({dly}, {names[0]}, "
                                 f"num_segments={b.n_target})")
            elif k in delayed_args:
                terms.append(delayed_args[k])
            return f"({' + '.join(terms)})"

        constants = {n: p.value.item() for n, p in system.params.items() if p.value.ndim == 0}
        self.printer = JaxCodePrinter(layout.names, edge_sum, lambda p: past_args[p], constants)
        self.signature = ", ".join(["t", "y", *layout.arg_names])

    def _body(self) -> list[str]:
        lines = [f"    {self.layout.names[s.name]} = y[{s.start}:{s.start + s.size}]"
                 for s in self.system.states]
        for a in self.system.assignments:
            code = self.printer.doprint(a.expr)
            lines.append(f"    {self.layout.names[a.name]} = jnp.broadcast_to({code}, "
                         f"({a.size},))")
        return lines

    def vector_field(self) -> list[str]:
        lines = [f"def {self.options.func_name}({self.signature}):",
                 '    """Right-hand side dy/dt of the model at time t."""', *self._body()]
        parts = []
        for s, expr in zip(self.system.states, self.system.derivatives):
            parts.append(f"jnp.broadcast_to({self.printer.doprint(expr)}, ({s.size},))")
        if parts:
            joined = ",\n        ".join(parts)
            lines.append(f"    return jnp.concatenate((\n        {joined},\n    )).astype(y.dtype)")
        else:
            lines.append("    return jnp.zeros(0, dtype=y.dtype)")
        return lines

    def observe(self) -> list[str]:
        values = [self.layout.names[a.name] for a in self.system.assignments]
        return [f"def {OBSERVE}({self.signature}):",
                '    """Algebraic variables (assignments) at time t, in evaluation order."""',
                *self._body(),
                f"    return ({', '.join(values)}{',' if len(values) == 1 else ''})"]


def generate_source(system: SystemIR, options: CodegenOptions) -> tuple[str, Layout]:
    """The module source for ``system`` and its :class:`Layout`."""
    if len(system.derivatives) != len(system.states):
        raise EquationError(f"the system has {len(system.states)} states but "
                            f"{len(system.derivatives)} derivative expressions")
    layout = build_layout(system, options.func_name,
                          per_edge_delays=options.target == "vector_field")
    writer = _Writer(system, options, layout)
    head = ['"""Model generated by PyRates (jax backend); edit the model, not this file.',
            "",
            f"Vector field: {options.func_name}(t, y, *args) with args =",
            f"    ({', '.join(layout.arg_names)})",
            '"""',
            "",
            "import jax",
            "import jax.numpy as jnp",
            "", "",
            "def _randn(t, k):",
            '    """A standard-normal draw for occurrence k of randn() at time t."""',
            "    key = jax.random.key(k)",
            "    for bits in jnp.ravel(jax.lax.bitcast_convert_type(t, jnp.uint32)):",
            "        key = jax.random.fold_in(key, bits)",
            "    return jax.random.normal(key, dtype=jnp.result_type(float))",
            "", ""]
    lines = head + writer.vector_field() + ["", ""] + writer.observe()
    return "\n".join(lines) + "\n", layout
