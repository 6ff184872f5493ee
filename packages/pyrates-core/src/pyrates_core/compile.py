"""From a flat network of nodes and edges to a vectorized :class:`SystemIR`.

Steps: parse every operator's equations; group nodes with the same structure (vectorization);
give every (group, operator, variable) one array-valued symbol; wire node-internal inputs, user
inputs and edges; order the algebraic variables; translate distributed (gamma) delays into
chains of linear ODEs.

Per-node semantics
    Nodes with the same structure become one group whose symbols hold one element per node.
    Every operation must mean what it means for one node alone, so a group is only formed from
    nodes whose variables are all scalars, and its equations are rewritten: a reduction
    (``sum``, ``mean``, ...) of a node's scalar is that scalar, ``Index(x, 0)`` is ``x``.
    Equations that cannot be rewritten element-wise (``concatenate``, ``interp`` over a node's
    own variables, other indices) keep their nodes apart, as do vector-valued variables.

Input variables
    The value of an ``input`` variable is its baseline (the user's time series if one is given,
    else its default) plus the sum of the same-named variables of the other operators of its
    node plus the sum of its incoming edges.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import sympy as sp

from pyrates_core.connectivity import expand_connection_operators, wire_connections
from pyrates_core.delays import gamma_chain
from pyrates_core.edge_blocks import EdgeBlock
from pyrates_core.edge_nodes import expand_edge_operators
from pyrates_core.equations import parse_equation
from pyrates_core.errors import EquationError, TemplateError, VariableNotFoundError
from pyrates_core.functions import (
    REDUCTIONS,
    Concatenate,
    Dot,
    EdgeSum,
    Index,
    Interp,
    Past,
    Roll,
    Slice,
)
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef
from pyrates_core.naming import sanitize, unique_names
from pyrates_core.system import (
    Assignment,
    EdgeBundle,
    InputSpec,
    ParameterSpec,
    StateSpec,
    SystemIR,
)

__all__ = ["compile_network", "split_path"]


_ELEMENT = re.compile(r"^(\w+)\[(\d+)\]$")


def split_path(path: str) -> tuple[str, str, str]:
    """Split ``'node/sub/op/var'`` into ``('node/sub', 'op', 'var')``."""
    parts = path.strip("/").split("/")
    if len(parts) < 3:
        raise VariableNotFoundError(
            f"'{path}' is not a variable path: write 'node/operator/variable'"
        )
    return "/".join(parts[:-2]), parts[-2], parts[-1]


@dataclass
class _Group:
    name: str
    nodes: list[str]
    node: NodeDef  # the first node: the structure of all


@dataclass
class _Var:
    """What one (group, op, var) becomes."""

    role: str  # 'state' | 'assign' | 'input' | 'param'
    symbol: sp.Symbol
    per_node: int  # elements per node
    values: list[np.ndarray]
    labels: list[str]
    expr: sp.Expr | None = None
    extra: list[sp.Expr] = field(default_factory=list)  # summands of inputs
    unitwise: bool = False  # a population's variable: one element per unit


def _element_labels(node_paths: list[str], op: str, var: str, per_node: int) -> list[str]:
    if per_node == 1:
        return [f"{p}/{op}/{var}" for p in node_paths]
    return [f"{p}/{op}/{var}[{i}]" for p in node_paths for i in range(per_node)]


def _node_expressions(node: NodeDef) -> list[sp.Expr]:
    """Right-hand sides of a node's equations (unparsable ones are skipped: they are
    reported when the group is built).
    """
    out = []
    for op in node.operators.values():
        local = {v: sp.Symbol(v) for v in op.variables}
        for eq in op.equations:
            try:
                out.append(parse_equation(eq, local).rhs)
            except EquationError:
                continue
    return out


def _is_zero_index(idx: sp.Basic) -> bool:
    return isinstance(idx, sp.Integer) and int(idx) in (0, -1)


def _elementwise(expr: sp.Basic) -> bool:
    """Whether ``expr`` over scalar node variables can be evaluated for many nodes at once."""
    for sub in sp.preorder_traversal(expr):
        if isinstance(sub, (Concatenate, Dot, Roll, Slice)) and sub.free_symbols:
            return False
        if isinstance(sub, Interp) and (sub.args[1].free_symbols or sub.args[2].free_symbols):
            return False
        if isinstance(sub, Index) and sub.args[0].free_symbols and not _is_zero_index(sub.args[1]):
            return False
    return True


def rewrite_per_node(expr: sp.Expr) -> sp.Expr:
    """Rewrite ``expr`` over scalar node variables so that it means the same for a vector of
    nodes: reductions of node variables become their argument, ``Index(x, 0)`` becomes ``x``.
    """
    if not expr.args or isinstance(expr, sp.Symbol):
        return expr
    args = [rewrite_per_node(a) for a in expr.args]
    if isinstance(expr, REDUCTIONS) and args[0].free_symbols:
        return args[0]
    if isinstance(expr, Index) and args[0].free_symbols and _is_zero_index(args[1]):
        return args[0]
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    return expr.func(*args)


def _mergeable(node: NodeDef) -> bool:
    """Whether nodes of this structure can share one vectorized group (see module doc)."""
    if any(np.ndim(v.value) > 0 for op in node.operators.values()
           for v in op.variables.values()):
        return False
    return all(_elementwise(e) for e in _node_expressions(node))


def _group_nodes(network: NetworkDef, vectorize: bool) -> list[_Group]:
    buckets: dict[tuple, list[str]] = {}
    mergeable: dict[tuple, bool] = {}
    signatures: dict[int, tuple] = {}  # nodes may share one definition
    for path, node in network.nodes.items():
        if id(node) not in signatures:
            signatures[id(node)] = node.signature()
        sig = signatures[id(node)]
        if vectorize and sig not in mergeable:
            mergeable[sig] = _mergeable(node)
        key = (sig,) if vectorize and mergeable[sig] else (path,)
        buckets.setdefault(key, []).append(path)
    groups: list[_Group] = []
    raw_names = []
    for paths in buckets.values():
        node = network.nodes[paths[0]]
        raw_names.append(paths[0] if len(paths) == 1 else (node.template or "nodes"))
        groups.append(_Group("", paths, node))
    names = unique_names([(sanitize(n).lower(),) for n in raw_names])
    for g, n in zip(groups, raw_names, strict=True):
        g.name = names[(sanitize(n).lower(),)]
    return groups


class _Builder:
    def __init__(self, network: NetworkDef, vectorize: bool, inputs: set[str],
                 float_precision: str) -> None:
        self.net = network
        self.groups = _group_nodes(network, vectorize)
        self.user_inputs = set(inputs)
        self.dtype = float_precision
        self.where: dict[str, tuple[_Group, int]] = {}
        for g in self.groups:
            for i, p in enumerate(g.nodes):
                self.where[p] = (g, i)
        keys = [(var, op, g.name) for g in self.groups for op, od in g.node.operators.items()
                for var in od.variables]
        self.names = unique_names(keys)
        self.vars: dict[tuple[str, str, str], _Var] = {}
        self.states: list[StateSpec] = []
        self.derivs: list[sp.Expr] = []
        self.params: dict[str, ParameterSpec] = {}
        self.inputs: dict[str, InputSpec] = {}
        self.assigns: dict[str, Assignment] = {}
        self.bundles: list[EdgeBundle] = []
        self.edge_sources: set[str] = set()
        """Symbols that edges read (they must be arrays the backend can index)."""
        self.chain_states: list[StateSpec] = []
        self.chain_derivs: list[sp.Expr] = []
        self.is_complex = False

    # -- symbols ---------------------------------------------------------------------------
    def sym(self, g: _Group, op: str, var: str) -> sp.Symbol:
        return sp.Symbol(self.names[(var, op, g.name)])

    def fresh(self, base: str) -> str:
        taken = set(self.names.values()) | set(self.params) | set(self.assigns)
        taken |= {s.name for s in self.chain_states}
        name, n = sanitize(base), 0
        while name in taken:
            n += 1
            name = f"{sanitize(base)}_{n}"
        self.names[(name, "", "")] = name
        return name

    # -- per-group variables ---------------------------------------------------------------
    def build_groups(self) -> None:
        for g in self.groups:
            for op_name, op in g.node.operators.items():
                where = f"operator '{op_name}' of node '{g.nodes[0]}'"
                if op.source:
                    where += f" (template {op.source})"
                local = {v: self.sym(g, op_name, v) for v in op.variables}
                defined: dict[str, tuple[bool, sp.Expr]] = {}
                merged = len(g.nodes) > 1 or g.node.units > 1  # per-unit semantics
                for eq in op.equations:
                    parsed = parse_equation(eq, local, where)
                    if merged:
                        parsed = replace(parsed, rhs=rewrite_per_node(parsed.rhs))
                    if parsed.lhs in defined:
                        raise EquationError(
                            f"variable '{parsed.lhs}' is defined by two equations in {where}"
                        )
                    if op.variables[parsed.lhs].kind in ("input", "constant"):
                        kind = op.variables[parsed.lhs].kind
                        raise EquationError(
                            f"'{parsed.lhs}' in {where} is declared as {kind} but defined by "
                            f"equation '{eq}': declare it as 'variable(...)' or 'output(...)'"
                        )
                    defined[parsed.lhs] = (parsed.differential, parsed.rhs)
                defs = [self.net.nodes[p] for p in g.nodes]
                shared = all(d is defs[0] for d in defs)
                for var, decl in op.variables.items():
                    if shared:  # one definition for all nodes: one value object
                        values = [np.asarray(defs[0].operators[op_name].variables[var].value)]
                        values *= len(defs)
                    else:
                        values = [np.asarray(d.operators[op_name].variables[var].value)
                                  for d in defs]
                    if any(np.iscomplexobj(v) for v in values[:1 if shared else None]):
                        self.is_complex = True
                    per_node = int(values[0].size) if values[0].ndim else 1
                    labels = _element_labels(g.nodes, op_name, var, per_node)
                    s = self.sym(g, op_name, var)
                    if var in defined:
                        diff, rhs = defined[var]
                        role = "state" if diff else "assign"
                        self.vars[(g.name, op_name, var)] = _Var(role, s, per_node, values,
                                                                 labels, rhs)
                    elif decl.kind == "input":
                        self.vars[(g.name, op_name, var)] = _Var("input", s, per_node, values,
                                                                 labels)
                    else:
                        self.vars[(g.name, op_name, var)] = _Var("param", s, per_node, values,
                                                                 labels)
                    self.vars[(g.name, op_name, var)].unitwise = g.node.units > 1

    def wire_node_inputs(self) -> None:
        for g in self.groups:
            for op_name, op in g.node.operators.items():
                for var, decl in op.variables.items():
                    if decl.kind != "input":
                        continue
                    v = self.vars[(g.name, op_name, var)]
                    for other, other_op in g.node.operators.items():
                        if other != op_name and var in other_op.variables:
                            src = self.vars[(g.name, other, var)]
                            if src.role in ("state", "assign") or other_op.variables[
                                    var].kind == "output":
                                v.extra.append(src.symbol)

    def wire_edges(self) -> None:
        plain: dict[tuple[str, str], list[tuple[int, int, float, float]]] = defaultdict(list)
        gamma: dict[tuple[str, str], list[tuple[int, int, float, float, float]]] = defaultdict(
            list)
        by_name: dict[str, _Var] = {}
        blocks: dict[tuple[str, str], list[np.ndarray]] = defaultdict(list)
        for e in self.net.edges:
            self._wire_edge(e, plain, gamma, by_name)
        for blk in self.net.edge_blocks:
            if blk.distributed or not self._wire_block(blk, blocks, by_name):
                for e in blk.edge_defs():
                    self._wire_edge(e, plain, gamma, by_name)
        for key in list(blocks):
            plain.setdefault(key, [])
        for (s_name, t_name), rows in plain.items():
            src, tgt = by_name[s_name], by_name[t_name]
            parts = [np.asarray(rows, dtype=float).reshape(-1, 4), *blocks.get((s_name, t_name),
                                                                               [])]
            arr = np.concatenate(parts)
            self._add_bundle(s_name, len(src.labels), tgt, arr[:, 0], arr[:, 1], arr[:, 2],
                             arr[:, 3])
        for (s_name, t_name), grows in gamma.items():
            self._add_gamma(by_name[s_name], by_name[t_name], grows)

    def _wire_block(self, blk: EdgeBlock, blocks: dict[tuple[str, str], list[np.ndarray]],
                    by_name: dict[str, _Var]) -> bool:
        """Wire a compact edge block with array operations (False: not possible, e.g. nodes
        whose variables have several elements; the caller then wires its edges one by one).
        """
        ends = []
        for nodes, var, idx, what in ((blk.source_nodes, blk.source_var, blk.source_idx,
                                       "source"),
                                      (blk.target_nodes, blk.target_var, blk.target_idx,
                                       "target")):
            var_ids, flat = np.zeros(len(nodes), np.int64), np.zeros(len(nodes))
            found: dict[int, tuple[int, _Var]] = {}
            for n in np.unique(idx).tolist():
                path = f"{nodes[n]}/{var}"
                other = f"(add_edges_from_matrix {'targets' if what == 'source' else 'sources'})"
                e = EdgeDef(path, other) if what == "source" else EdgeDef(other, path)
                v, elements = self._locate(path, e, what)
                if len(elements) != 1:
                    return False
                var_ids[n] = found.setdefault(id(v), (len(found), v))[0]
                flat[n] = elements[0]
            ends.append(([v for _, v in found.values()], var_ids[idx], flat[idx]))
        (srcs, s_id, s_flat), (tgts, t_id, t_flat) = ends
        for v in tgts:
            if v.role != "input":
                raise TemplateError(
                    f"edges {blk.label(0)} ...: the target variable must be declared as an "
                    f"input (e.g. '{blk.target_var.split('/')[-1]}: input(0.0)'), it is not")
        for v in srcs:
            if v.role == "param":
                raise TemplateError(
                    f"edges {blk.label(0)} ...: the source must be a state or algebraic "
                    "variable (defined by an equation), not a constant or unconnected input")
        for a, src in enumerate(srcs):
            for b, tgt in enumerate(tgts):
                mask = (s_id == a) & (t_id == b)
                if not mask.any():
                    continue
                self.edge_sources.add(src.symbol.name)
                by_name[src.symbol.name], by_name[tgt.symbol.name] = src, tgt
                blocks[(src.symbol.name, tgt.symbol.name)].append(np.column_stack(
                    [s_flat[mask], t_flat[mask], blk.weight[mask], blk.delay[mask]]))
        return True

    def _wire_edge(self, e: EdgeDef, plain: dict, gamma: dict, by_name: dict[str, _Var]) -> None:
        """Wire one edge: validate it and add it to the rows of its (source, target) pair."""
        src, sidxs = self._locate(e.source, e, "source")
        tgt, tidxs = self._locate(e.target, e, "target")
        if len(sidxs) == 1 and len(tidxs) > 1:
            sidxs = sidxs * len(tidxs)  # one source element feeds every target element
        if len(sidxs) != len(tidxs):
            raise TemplateError(
                f"edge {e.source} -> {e.target}: the source has {len(sidxs)} elements, the "
                f"target {len(tidxs)}; connect single elements with 'node/op/var[i]'")
        if tgt.role != "input":
            raise TemplateError(
                f"edge {e.source} -> {e.target}: the target variable must be declared as "
                f"an input (e.g. '{split_path(e.target)[2]}: input(0.0)'), it is not"
            )
        if src.role == "param":
            raise TemplateError(
                f"edge {e.source} -> {e.target}: the source must be a state or algebraic "
                "variable (defined by an equation), not a constant or unconnected input"
            )
        self.edge_sources.add(src.symbol.name)
        delay = float(e.delay or 0.0)
        if delay < 0:
            raise TemplateError(f"edge {e.source} -> {e.target}: negative delay {delay}; "
                                "delays must be positive (or 0 for none)")
        if e.spread is not None and e.spread <= 0:
            raise TemplateError(f"edge {e.source} -> {e.target}: spread {e.spread} must be "
                                "positive (the standard deviation of the delay distribution)")
        key = (src.symbol.name, tgt.symbol.name)
        by_name[src.symbol.name], by_name[tgt.symbol.name] = src, tgt
        if e.spread:
            if delay <= 0:
                raise TemplateError(
                    f"edge {e.source} -> {e.target}: a spread needs a positive delay (mean)"
                )
            gamma[key] += [(si, ti, float(e.weight), delay, float(e.spread))
                           for si, ti in zip(sidxs, tidxs, strict=True)]
        else:
            plain[key] += [(si, ti, float(e.weight), delay)
                           for si, ti in zip(sidxs, tidxs, strict=True)]

    def _locate(self, path: str, e: EdgeDef, what: str) -> tuple[_Var, list[int]]:
        """The variable an edge end refers to and the flat element indices it covers."""
        node, op, var = split_path(path)
        element = None
        m = _ELEMENT.match(var)
        if m:
            var, element = m.group(1), int(m.group(2))
        if node not in self.where:
            raise VariableNotFoundError(
                f"edge {e.source} -> {e.target}: {what} node '{node}' does not exist "
                f"(nodes: {', '.join(sorted(self.where)[:20])})"
            )
        g, i = self.where[node]
        if (g.name, op, var) not in self.vars:
            ops = self.net.nodes[node].operators
            hint = (f"operators of '{node}': {', '.join(ops)}" if op not in ops else
                    f"variables of '{node}/{op}': {', '.join(ops[op].variables)}")
            raise VariableNotFoundError(
                f"edge {e.source} -> {e.target}: {what} variable '{op}/{var}' not found ({hint})"
            )
        v = self.vars[(g.name, op, var)]
        if element is None:
            return v, list(range(i * v.per_node, (i + 1) * v.per_node))
        if not 0 <= element < v.per_node:
            raise VariableNotFoundError(
                f"edge {e.source} -> {e.target}: index {element} is out of range for {what} "
                f"'{op}/{var}' with {v.per_node} element(s)")
        return v, [i * v.per_node + element]

    def _add_bundle(self, source: str, n_source: int, tgt: _Var, sidx: np.ndarray,
                    tidx: np.ndarray, w: np.ndarray, d: np.ndarray) -> None:
        k = len(self.bundles)
        wname = self.fresh(f"w_{tgt.symbol.name}_{source}")
        self.params[wname] = ParameterSpec(wname, np.asarray(w, dtype=float), role="weight")
        delays = np.asarray(d, dtype=float)
        dname = None
        if np.any(delays > 0):  # delays are parameters: read at run time (EdgeBundle docs)
            dname = self.fresh(f"d_{tgt.symbol.name}_{source}")
            self.params[dname] = ParameterSpec(dname, delays.copy(), role="delay")
        self.bundles.append(EdgeBundle(
            name=f"edges_{k}", source=source, n_source=n_source, n_target=len(tgt.labels),
            source_idx=np.asarray(sidx, dtype=np.int64), target_idx=np.asarray(tidx, np.int64),
            weights=wname, delays=delays, delay_param=dname))
        tgt.extra.append(EdgeSum(sp.Symbol(source), sp.Integer(k)))

    def _add_gamma(self, src: _Var, tgt: _Var, rows: list) -> None:
        """Gamma-kernel edges as one vectorized chain of linear ODEs (linear chain trick)."""
        orders, rates = zip(*(gamma_chain(r[3], r[4]) for r in rows), strict=True)
        n_e = len(rows)
        prev: list[int] = []
        slot_rate = list(rates)
        last = list(range(n_e))
        pos = n_e
        for e, m in enumerate(orders):
            before = e
            for _ in range(m - 1):
                prev.append(before)
                slot_rate.append(rates[e])
                before = pos
                pos += 1
            last[e] = before
        base = f"{tgt.symbol.name}_{src.symbol.name}"
        chain = self.fresh(f"{base}_chain")
        sidx_name = self.fresh(f"{base}_src")
        self.params[sidx_name] = ParameterSpec(
            sidx_name, np.asarray([r[0] for r in rows], dtype=np.int64), role="index")
        rate_name = self.fresh(f"{base}_rate")
        self.params[rate_name] = ParameterSpec(rate_name, np.asarray(slot_rate, dtype=float))
        feed: sp.Expr = Index(src.symbol, sp.Symbol(sidx_name))
        x = sp.Symbol(chain)
        if prev:
            prev_name = self.fresh(f"{base}_prev")
            self.params[prev_name] = ParameterSpec(prev_name, np.asarray(prev, dtype=np.int64),
                                                   role="index")
            feed = Concatenate(feed, Index(x, sp.Symbol(prev_name)))
        init = np.zeros(pos)
        self.chain_states.append(StateSpec(chain, 0, init,
                                           [f"{chain}[{i}]" for i in range(pos)], internal=True))
        self.chain_derivs.append(sp.Symbol(rate_name) * (feed - x))
        self._add_bundle(chain, pos, tgt, np.asarray(last), np.asarray([r[1] for r in rows]),
                         np.asarray([r[2] for r in rows]), np.zeros(n_e))

    # -- final assembly --------------------------------------------------------------------
    def finalize(self) -> SystemIR:
        for v in self.vars.values():
            if all(x is v.values[0] for x in v.values):
                values = np.tile(np.ravel(v.values[0]), len(v.values))
            else:
                values = np.concatenate([np.ravel(x) for x in v.values])
            name = v.symbol.name
            if v.role == "state":
                self.states.append(StateSpec(name, 0, values.copy(), v.labels))
                self.derivs.append(v.expr)
            elif v.role == "assign":
                self.assigns[name] = Assignment(name, v.expr, len(v.labels), v.labels)
            elif v.role == "param" or (v.role == "input" and not v.extra
                                        and name not in self.edge_sources
                                        and not any(lab in self.user_inputs for lab in v.labels)):
                # constants, and inputs that nothing feeds (they keep their default value)
                per = 1 if v.unitwise else v.per_node
                self.params[name] = ParameterSpec(name, _reduced(values, per), v.labels)
            else:  # input: baseline (time series or default) + node-internal sums + edges
                parts: list[sp.Expr] = list(v.extra)
                if any(lab in self.user_inputs for lab in v.labels):
                    iname = self.fresh(f"{name}_input")
                    self.inputs[iname] = InputSpec(iname, len(v.labels), v.labels, values.copy())
                    parts.insert(0, sp.Symbol(iname))
                elif parts and np.all(values == values[0]):
                    if values[0] != 0:
                        parts.insert(0, sp.sympify(values[0].item()))
                else:  # different defaults, or an edge source fed by nothing: an array
                    pname = self.fresh(f"{name}_0")
                    self.params[pname] = ParameterSpec(pname, values.copy(), v.labels)
                    parts.insert(0, sp.Symbol(pname))
                self.assigns[name] = Assignment(name, sp.Add(*parts), len(v.labels), v.labels)
        self.states += self.chain_states
        self.derivs += self.chain_derivs
        self._check_past()
        order = self._order_assignments()
        self._prune_params()
        self._mark_delays()
        start = 0
        for s in self.states:
            s.start = start
            start += s.size
        return SystemIR(states=self.states, derivatives=self.derivs, params=self.params,
                        inputs=self.inputs, assignments=order, edges=self.bundles,
                        dtype=self.dtype, is_complex=self.is_complex)

    def _prune_params(self) -> None:
        """Drop constants that no equation uses (e.g. symbols removed by 'replace')."""
        used: set[str] = {b.weights for b in self.bundles}
        used |= {b.delay_param for b in self.bundles if b.delay_param is not None}
        for expr in [*self.derivs, *(a.expr for a in self.assigns.values())]:
            used |= {s.name for s in expr.free_symbols}
        self.params = {k: v for k, v in self.params.items() if k in used}

    def _mark_delays(self) -> None:
        """Constants used only as delays of ``past()`` get the role 'delay'."""
        exprs = [*self.derivs, *(a.expr for a in self.assigns.values())]
        in_delays: set[str] = set()
        elsewhere: set[str] = set()
        for expr in exprs:
            pasts = expr.atoms(Past)
            for p in pasts:
                in_delays |= {s.name for s in p.args[1].free_symbols}
            rest = expr.subs({p: 0 for p in pasts}) if pasts else expr
            elsewhere |= {s.name for s in rest.free_symbols}
            for p in pasts:
                elsewhere |= {s.name for s in p.args[0].free_symbols}
        for name in in_delays - elsewhere:
            if name in self.params and self.params[name].role == "value":
                self.params[name].role = "delay"

    def _check_past(self) -> None:
        state_names = {s.name for s in self.states}
        exprs = [v.expr for v in self.vars.values() if v.expr is not None]
        for expr in exprs:
            for p in expr.atoms(Past):
                x = p.args[0]
                if not isinstance(x, sp.Symbol) or x.name not in state_names:
                    raise EquationError(f"past({p.args[0]}, {p.args[1]}): the first argument must "
                                        "be a state variable (defined by a differential equation)")

    def _order_assignments(self) -> list[Assignment]:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.assigns)
        for name, a in self.assigns.items():
            for s in a.expr.free_symbols:
                if s.name in self.assigns:
                    graph.add_edge(s.name, name)
            for es in a.expr.atoms(EdgeSum):
                src = es.args[0].name
                b = self.bundles[int(es.args[1])]
                if src in self.assigns and not b.delayed:
                    graph.add_edge(src, name)
        try:
            order = list(nx.lexicographical_topological_sort(graph, key=list(self.assigns).index))
        except nx.NetworkXUnfeasible as err:
            cycle = nx.find_cycle(graph)
            names = " -> ".join(f"{u}" for u, _ in cycle)
            labels = [self.assigns[u].labels[0] for u, _ in cycle]
            raise EquationError(
                f"algebraic loop between {names} ({', '.join(labels)}): these variables depend "
                "on each other instantaneously; make one of them a state variable or add a delay"
            ) from err
        return [self.assigns[n] for n in order]


def _reduced(values: np.ndarray, per_node: int) -> np.ndarray:
    """Identical values of scalar variables become one scalar (the vector otherwise)."""
    if per_node == 1 and np.all(values == values[0]):
        return np.asarray(values[0])
    return values


def compile_network(network: NetworkDef, *, vectorize: bool = True,
                    inputs: set[str] | None = None,
                    float_precision: str = "float64") -> SystemIR:
    """Compile a flat network into a vectorized :class:`SystemIR`.

    ``inputs`` holds the element labels (``node/op/var``) that will be driven by user time
    series; they become :class:`InputSpec` entries.
    """
    if float_precision not in ("float32", "float64"):
        raise ValueError(f"float_precision must be 'float32' or 'float64', not {float_precision!r}")
    for e in network.edges:
        if e.attrs and not e.operators:
            raise TemplateError(
                f"edge {e.source} -> {e.target}: unknown attribute(s) {sorted(e.attrs)}; an edge "
                "without template takes 'weight', 'delay' and 'spread'")
    network = expand_connection_operators(network)
    connections = list(network.connections)
    network = expand_edge_operators(network)
    b = _Builder(network, vectorize, inputs or set(), float_precision)
    b.build_groups()
    b.wire_node_inputs()
    b.wire_edges()
    wire_connections(b, connections)
    return b.finalize()
