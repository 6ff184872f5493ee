"""How templates and circuits show themselves: plain-text ``repr`` and Jupyter HTML.

Equations are rendered with sympy's LaTeX printer inside ``$$ ... $$`` (MathJax, as in
Jupyter and the documentation site); variables, nodes and edges are HTML tables.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.latex import LatexPrinter

from pyrates_core.equations import parse_expression, split_equation
from pyrates_core.errors import PyRatesError
from pyrates_core.functions import Past
from pyrates_core.model import NodeDef, OperatorDef, VariableDef

__all__ = ["equation_latex", "html_repr", "operator_rows", "safe_repr", "text_repr"]

MAX_ROWS = 30
"""Nodes/edges shown in a table before the rest are summarised as "... n more"."""

_ROLES = {"state_var": "state variable", "input": "input", "output": "output",
          "constant": "constant"}
_T = sp.Symbol("t")


class _Printer(LatexPrinter):
    """sympy's LaTeX printer; a delayed read ``past(x, tau)`` is written ``x(t - tau)``."""

    def _print_Function(self, expr: Any, exp: Any = None) -> str:
        if isinstance(expr, Past):
            var, delay = expr.args
            text = rf"{self._print(var)}\left(t - {self._print(delay)}\right)"
            return text if exp is None else rf"{text}^{{{exp}}}"
        return super()._print_Function(expr, exp)


def _latex(expr: Any) -> str:
    return _Printer().doprint(expr)


def equation_latex(equation: str, variables: Iterable[str]) -> str:
    """The LaTeX form of one equation string (``d/dt * x = ...`` as a derivative).

    An equation that cannot be parsed is shown as its text (``\\text{...}``), so a broken
    template can still be looked at; running it reports the error.
    """
    symbols = {name: sp.Symbol(name) for name in variables}
    try:
        lhs, rhs_text, differential = split_equation(equation)
        rhs = parse_expression(rhs_text, symbols)
    except PyRatesError:
        return r"\text{" + _latex_text(equation) + "}"
    left = sp.Symbol(lhs)
    lhs_tex = _latex(sp.Derivative(left, _T)) if differential else _latex(left)
    return f"{lhs_tex} = {_latex(rhs)}"


def _latex_text(text: str) -> str:
    for char in "\\{}$&#%_^~":
        text = text.replace(char, "\\" + char if char not in "\\^~" else " ")
    return text


def _value_text(value: Any) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return f"{arr.item():g}" if np.isrealobj(arr) else str(arr.item())
    flat = arr.ravel()
    head = ", ".join(f"{v:g}" for v in flat[:3]) + (", ..." if flat.size > 3 else "")
    return f"array{arr.shape} [{head}]"


def operator_rows(variables: Mapping[str, VariableDef],
                  values: Mapping[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """(name, role, value) of every variable; ``values`` overrides the defaults."""
    rows = []
    for name, decl in variables.items():
        val = (values or {}).get(name, decl.value)
        if isinstance(val, VariableDef):
            val = val.value
        text = val if isinstance(val, str) else _value_text(val)
        rows.append((name, _ROLES.get(decl.kind, decl.kind), text))
    return rows


# -- plain text --------------------------------------------------------------------------------
def _op_text(name: str, op: OperatorDef, values: Mapping[str, Any] | None,
             indent: str) -> list[str]:
    lines = [f"{indent}operator {name}"]
    lines += [f"{indent}  {eq}" for eq in op.equations]
    lines += [f"{indent}    {n:<12} {role:<15} {val}" for n, role, val in
              operator_rows(op.variables, values)]
    return lines


def _opt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _limited(items: list[Any]) -> tuple[list[Any], int]:
    return items[:MAX_ROWS], max(len(items) - MAX_ROWS, 0)


def text_repr(template: Any) -> str:
    """A multi-line plain-text summary of an operator, node, edge or circuit template."""
    head = f"<{template.kind} '{template.path}'>"
    lines = [head] + ([f"  {template.description.strip().splitlines()[0]}"]
                      if template.description.strip() else [])
    kind = template.kind
    if kind == "OperatorTemplate":
        lines += _op_text(template.name, template.to_def(), None, "")[1:]
    elif kind in ("NodeTemplate", "EdgeTemplate"):
        for name, op in template.to_def().operators.items():
            lines += _op_text(name, op, None, "  ")
    elif kind == "CircuitTemplate":
        net = template.network()
        shown, rest = _limited(list(net.nodes.items()))
        lines.append(f"  nodes ({len(net.nodes)})")
        for path, node in shown:
            lines.append(f"    {path}: {node.template or '-'} [{', '.join(node.operators)}]")
        if rest:
            lines.append(f"    ... {rest} more")
        edges, rest = _limited(net.edges)
        lines.append(f"  edges ({len(net.edges)}): source -> target (weight, delay, spread)")
        for e in edges:
            lines.append(f"    {e.source} -> {e.target} ({e.weight:g}, {_opt(e.delay)}, "
                         f"{_opt(e.spread)})")
        if rest:
            lines.append(f"    ... {rest} more")
    return "\n".join(lines)


# -- HTML ---------------------------------------------------------------------------------
def _esc(text: Any) -> str:
    return html.escape(str(text))


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]], more: int = 0) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    tail = f"<tr><td colspan='99'>... {more} more</td></tr>" if more else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}{tail}</tbody></table>"


def _op_html(name: str, op: OperatorDef, values: Mapping[str, Any] | None, level: int) -> str:
    eqs = "".join(f"<div>$${equation_latex(eq, op.variables)}$$</div>" for eq in op.equations)
    table = _table(("variable", "role", "default"), operator_rows(op.variables, values))
    return f"<h{level}>operator {_esc(name)}</h{level}>{eqs}{table}"


def _node_html(node: NodeDef, level: int, same: list[NodeDef] | None = None) -> str:
    """A node's operators; with ``same`` (nodes of equal structure) values that differ
    between them are shown as their range.
    """
    parts = []
    for name, op in node.operators.items():
        values = None
        if same and len(same) > 1:
            values = {v: _merged([n.operators[name].variables[v].value for n in same])
                      for v in op.variables}
        parts.append(_op_html(name, op, values, level))
    return "".join(parts)


def _merged(values: list[Any]) -> Any:
    """The common value, or a text ``min ... max (varies over nodes)`` when they differ."""
    arrays = [np.asarray(v) for v in values]
    first = arrays[0]
    if all(a.shape == first.shape and np.array_equal(a, first) for a in arrays[1:]):
        return values[0]
    flat = np.concatenate([a.ravel() for a in arrays])
    if np.iscomplexobj(flat):
        return f"{len(values)} different values (varies over nodes)"
    return f"{flat.min():g} ... {flat.max():g} (varies over nodes)"


def _circuit_html(template: Any) -> str:
    net = template.network()
    nodes, more = _limited(list(net.nodes.items()))
    parts = [f"<h4>nodes ({len(net.nodes)})</h4>",
             _table(("node", "template", "operators"),
                    ((p, n.template or "-", ", ".join(n.operators)) for p, n in nodes), more)]
    edges, more = _limited(net.edges)
    parts += [f"<h4>edges ({len(net.edges)})</h4>",
              _table(("source", "target", "template", "weight", "delay", "spread"),
                     ((e.source, e.target, e.template or "-", f"{e.weight:g}",
                       _opt(e.delay), _opt(e.spread)) for e in edges), more)]
    seen: dict[tuple, str] = {}
    for path, node in net.nodes.items():
        seen.setdefault(node.signature(), path)
    parts.append("<h4>equations</h4>")
    for sig, path in seen.items():
        same = [p for p, n in net.nodes.items() if n.signature() == sig]
        label = path if len(same) == 1 else f"{path} (and {len(same) - 1} more like it)"
        group = [net.nodes[p] for p in same]
        parts.append(f"<details open><summary>node {_esc(label)}</summary>"
                     f"{_node_html(net.nodes[path], 5, group)}</details>")
    shown: set[str] = set()
    for e in net.edges:
        if e.operators and e.template not in shown:
            shown.add(e.template)
            parts.append(f"<details open><summary>edge template {_esc(e.template)}</summary>"
                         f"{_node_html(NodeDef(e.operators, e.template), 5)}</details>")
    return "".join(parts)


def html_repr(template: Any) -> str:
    """HTML for Jupyter (``_repr_html_``): LaTeX equations and tables of variables/nodes/edges."""
    parts = [f"<div class='pyrates-template'><h3>{_esc(template.kind)} "
             f"<code>{_esc(template.path)}</code></h3>"]
    if template.description.strip():
        parts.append(f"<p>{_esc(template.description.strip())}</p>")
    kind = template.kind
    if kind == "OperatorTemplate":
        op = template.to_def()
        parts += [f"<div>$${equation_latex(eq, op.variables)}$$</div>" for eq in op.equations]
        parts.append(_table(("variable", "role", "default"), operator_rows(op.variables)))
    elif kind in ("NodeTemplate", "EdgeTemplate"):
        parts.append(_node_html(template.to_def(), 4))
    elif kind == "CircuitTemplate":
        parts.append(_circuit_html(template))
    parts.append("</div>")
    return "".join(parts)


def safe_repr(template: Any, html: bool) -> str:
    """``repr``/``_repr_html_`` that never raises: a template that cannot be flattened
    (e.g. an edge to a missing node) still shows its name and the reason.
    """
    try:
        return html_repr(template) if html else text_repr(template)
    except (PyRatesError, KeyError, TypeError, ValueError) as err:
        head = f"<{template.kind} '{template.path}'> (cannot be shown: {err})"
        return f"<pre>{_esc(head)}</pre>" if html else head
