"""Edges with their own operators (e.g. synaptic depression on a connection).

Such an edge becomes a small node of its own, placed between source and target: the (delayed)
source value feeds the edge operators' free input variable, and the edge's output variable,
times the edge weight, feeds the target. Edge nodes of the same template are vectorized like
any other nodes, so a thousand plastic synapses cost one line of generated code per equation.

Edge attributes other than ``weight``, ``delay`` and ``spread`` set values of the edge
operators' variables: ``{'tau_x': 50.0}`` or ``{'depression_op/tau_x': 50.0}`` (optionally
prefixed by the edge template's name). An attribute whose value is ``'source'`` names the
input that receives the edge's source (needed when the edge operators have several inputs);
a value that is a variable path (``'b/osc_op/theta'``) feeds that variable into the edge
operator's input, which gives edges several source variables (e.g. Kuramoto coupling
``sin(theta_source - theta_target)``).
"""

from __future__ import annotations

import copy

from pyrates_core.errors import TemplateError
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef

__all__ = ["attr_target", "expand_edge_operators", "free_inputs", "output_variable"]


def free_inputs(node: NodeDef) -> list[tuple[str, str]]:
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


def output_variable(node: NodeDef, where: str) -> tuple[str, str]:
    """The ``(operator, variable)`` an edge's operators hand to the target: the single output
    of the last operator that declares one.
    """
    for name in reversed(list(node.operators)):
        outs = [v for v, d in node.operators[name].variables.items() if d.kind == "output"]
        if len(outs) == 1:
            return name, outs[0]
        if len(outs) > 1:
            raise TemplateError(f"{where}: operator '{name}' has several outputs {outs}; an "
                                "edge operator needs exactly one")
    raise TemplateError(f"{where}: the edge operators declare no output variable")


def attr_target(key: str, node: NodeDef, where: str) -> tuple[str, str]:
    """The (operator, variable) an edge attribute such as ``edge/op/var`` or ``var`` refers to."""
    parts = key.split("/")
    if len(parts) == 3:  # template name first, as in the original's YAML
        parts = parts[1:]
    if len(parts) == 2:
        op_name, var = parts
        if op_name in node.operators and var in node.operators[op_name].variables:
            return op_name, var
    elif len(parts) == 1:
        hits = [n for n, op in node.operators.items() if key in op.variables]
        if len(hits) == 1:
            return hits[0], key
    raise TemplateError(f"{where}: attribute '{key}' is neither weight, delay, spread nor a "
                        "variable of the edge operators")


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
        source_inputs: list[tuple[str, str]] = []
        mapped: list[tuple[str, str, str]] = []
        for key, value in e.attrs.items():
            op_name, var = attr_target(key, node, where)
            decl = node.operators[op_name].variables[var]
            if isinstance(value, str) and decl.kind == "input":
                if value == "source":
                    source_inputs.append((op_name, var))
                elif "/" in value:
                    mapped.append((op_name, var, value))
                else:
                    raise TemplateError(f"{where}: attribute '{key}: {value}' must be 'source' or "
                                        "a variable path 'node/op/var'")
                continue
            node.operators[op_name].variables[var] = decl.copy(value)
        if not source_inputs:
            taken = {(o, v) for o, v, _ in mapped}
            source_inputs = [fi for fi in free_inputs(node) if fi not in taken]
            if len(source_inputs) != 1:
                raise TemplateError(
                    f"{where}: the edge operators must have exactly one input that receives the "
                    f"source; found {source_inputs or 'none'}. Name it with an attribute "
                    "'<op>/<var>: source' (and map further inputs to 'node/op/var' paths)")
        out_op, out_var = output_variable(node, where)
        nodes[label] = node
        for in_op, in_var in source_inputs:
            edges.append(EdgeDef(e.source, f"{label}/{in_op}/{in_var}", 1.0, e.delay, e.spread))
        for in_op, in_var, path in mapped:
            edges.append(EdgeDef(path, f"{label}/{in_op}/{in_var}", 1.0))
        edges.append(EdgeDef(f"{label}/{out_op}/{out_var}", e.target, e.weight))
    return NetworkDef(nodes, edges, network.name, connections=network.connections,
                      edge_blocks=network.edge_blocks)
