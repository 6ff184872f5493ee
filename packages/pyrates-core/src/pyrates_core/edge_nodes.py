"""Edges with their own operators (e.g. synaptic depression on a connection).

Such an edge becomes a small node of its own, placed between source and target: the (delayed)
source value feeds the edge operators' free input variable, and the edge's output variable,
times the edge weight, feeds the target. Edge nodes of the same template are vectorized like
any other nodes, so a thousand plastic synapses cost one line of generated code per equation.

Edge attributes other than ``weight``, ``delay`` and ``spread`` set values of the edge
operators' variables: ``{'tau_x': 50.0}`` or ``{'depression_op/tau_x': 50.0}``.
"""

from __future__ import annotations

import copy

from pyrates_core.errors import TemplateError
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef

__all__ = ["expand_edge_operators"]


def _free_inputs(node: NodeDef) -> list[tuple[str, str]]:
    """Input variables of a node that no other operator of the node provides."""
    out = []
    for name, op in node.operators.items():
        for var, decl in op.variables.items():
            if decl.kind != "input":
                continue
            provided = any(var in other.variables and other.variables[var].kind != "input"
                           for oname, other in node.operators.items() if oname != name)
            if not provided:
                out.append((name, var))
    return out


def _output(node: NodeDef, where: str) -> tuple[str, str]:
    for name in reversed(list(node.operators)):
        outs = [v for v, d in node.operators[name].variables.items() if d.kind == "output"]
        if len(outs) == 1:
            return name, outs[0]
        if len(outs) > 1:
            raise TemplateError(f"{where}: operator '{name}' has several outputs {outs}; an "
                                "edge operator needs exactly one")
    raise TemplateError(f"{where}: the edge operators declare no output variable")


def expand_edge_operators(network: NetworkDef) -> NetworkDef:
    """Replace every edge that has operators by an edge node and two plain edges."""
    if not any(e.operators for e in network.edges):
        return network
    nodes = dict(network.nodes)
    edges: list[EdgeDef] = []
    for k, e in enumerate(network.edges):
        if not e.operators:
            edges.append(e)
            continue
        where = f"edge {e.source} -> {e.target} (template '{e.template}')"
        label = f"{e.source}->{e.target}"
        if label in nodes:
            label = f"{label}#{k}"
        node = NodeDef({n: copy.deepcopy(op) for n, op in e.operators.items()},
                       template=e.template or "edge")
        for key, value in e.attrs.items():
            op_name, _, var = key.rpartition("/")
            targets = [op_name] if op_name else [n for n, op in node.operators.items()
                                                 if var in op.variables]
            if not targets or any(t not in node.operators for t in targets):
                raise TemplateError(f"{where}: attribute '{key}' is neither weight, delay, "
                                    "spread nor a variable of the edge operators")
            for t in targets:
                op = node.operators[t]
                if var not in op.variables:
                    raise TemplateError(f"{where}: edge operator '{t}' has no variable '{var}'")
                op.variables[var] = op.variables[var].copy(value)
        free = _free_inputs(node)
        if len(free) != 1:
            raise TemplateError(f"{where}: the edge operators must have exactly one input that "
                                f"receives the source; found {free or 'none'}")
        (in_op, in_var), (out_op, out_var) = free[0], _output(node, where)
        nodes[label] = node
        edges.append(EdgeDef(e.source, f"{label}/{in_op}/{in_var}", 1.0, e.delay, e.spread))
        edges.append(EdgeDef(f"{label}/{out_op}/{out_var}", e.target, e.weight))
    return NetworkDef(nodes, edges, network.name)
