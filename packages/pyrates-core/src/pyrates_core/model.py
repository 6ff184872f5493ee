"""Model-level intermediate representation: operators, nodes, edges and flat networks.

These classes hold what a user wrote (equation strings and variable declarations) after the
frontend resolved templates, inheritance and sub-circuits.
:func:`pyrates_core.compile.compile_network` turns a :class:`NetworkDef` into a vectorized
:class:`pyrates_core.system.SystemIR`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyrates_core.errors import TemplateError

__all__ = ["EdgeDef", "NetworkDef", "NodeDef", "OperatorDef", "VariableDef", "parse_variable"]

VARIABLE_KINDS = ("state_var", "input", "output", "constant")
_DECL = re.compile(r"^\s*(output|input|variable|state_var|constant)\s*(?:\((.*)\))?\s*$")


@dataclass
class VariableDef:
    """A declared variable: its kind and its default value (scalar or array)."""

    kind: str
    """One of ``state_var`` (written ``variable``), ``input``, ``output``, ``constant``."""
    value: Any

    def copy(self, value: Any = None) -> VariableDef:
        """Copy, optionally with a new value."""
        return VariableDef(self.kind, self.value if value is None else value)


def _to_value(raw: Any, where: str) -> Any:
    if isinstance(raw, (list, tuple)):
        return np.asarray([_to_value(r, where) for r in raw])
    if isinstance(raw, np.ndarray):
        return raw
    if isinstance(raw, (bool, int, float, complex, np.number)):
        return raw
    if isinstance(raw, str):
        text = raw.strip().replace("I", "j") if "I" in raw and raw.strip() != "I" else raw.strip()
        try:
            return float(text)
        except ValueError:
            try:
                return complex(text.replace(" ", ""))
            except ValueError:
                pass
    raise TemplateError(f"cannot read the value {raw!r} of {where}: expected a number")


def parse_variable(raw: Any, where: str) -> VariableDef:
    """Read a variable declaration as written in YAML/Python.

    Accepts ``1.5`` (constant), ``'output(0.0)'``, ``'input'``, ``'variable(1.0)'``,
    ``'state_var(0)'``, a numpy array or list (vector constant), or a dict
    ``{'default': ..., 'unit': ..., 'description': ...}`` (the old long form).
    """
    if isinstance(raw, VariableDef):
        return raw.copy()
    if isinstance(raw, dict):
        if "default" not in raw:
            raise TemplateError(f"{where}: a variable given as a dict needs a 'default' entry")
        inner = parse_variable(raw["default"], where)
        if "vtype" in raw or "type" in raw:
            kind = str(raw.get("vtype", raw.get("type")))
            inner.kind = "state_var" if kind in ("state_var", "variable") else kind
            if inner.kind not in VARIABLE_KINDS:
                raise TemplateError(f"{where}: unknown variable type '{kind}' (use one of "
                                    f"{', '.join(VARIABLE_KINDS)})")
        return inner
    if isinstance(raw, str):
        m = _DECL.match(raw)
        if m:
            kind = m.group(1)
            kind = "state_var" if kind == "variable" else kind
            arg = m.group(2)
            value = 0.0 if arg is None or not arg.strip() else _to_value(arg, where)
            return VariableDef(kind, value)
    return VariableDef("constant", _to_value(raw, where))


@dataclass
class OperatorDef:
    """An operator: equations plus the variables they use."""

    name: str
    equations: list[str]
    variables: dict[str, VariableDef]
    source: str = ""
    """Where it was defined (template path, for error messages)."""

    def signature(self) -> tuple:
        """Structure of the operator, independent of variable values."""
        kinds = tuple(sorted((k, v.kind, np.shape(v.value)) for k, v in self.variables.items()))
        return (self.name, tuple(self.equations), kinds)


@dataclass
class NodeDef:
    """A node: named operators, in the order they were given."""

    operators: dict[str, OperatorDef]
    template: str = ""
    """Name of the node template (used to name vectorized groups)."""
    units: int = 0
    """For a population (``n`` identical units held as one node of length-``n`` vectors): ``n``.
    Its equations then mean what they mean for one unit, and uniform constants become scalars,
    as for ``n`` explicit nodes vectorized into one group."""

    def signature(self) -> tuple:
        """Structure of the node; nodes with equal signatures can be vectorized together."""
        return tuple(op.signature() for op in self.operators.values())


@dataclass
class EdgeDef:
    """An edge from a source variable to a target input variable."""

    source: str
    """``node/op/var`` path of the source (node paths may contain '/' for sub-circuits)."""
    target: str
    weight: float = 1.0
    delay: float | None = None
    spread: float | None = None
    operators: dict[str, OperatorDef] = field(default_factory=dict)
    """Operators of an edge template (synaptic dynamics on the edge), if any."""
    template: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    """Other attributes given on the edge (e.g. values of edge-operator variables)."""


@dataclass
class NetworkDef:
    """A flat network: nodes by their full path and edges between their variables."""

    nodes: dict[str, NodeDef]
    edges: list[EdgeDef] = field(default_factory=list)
    name: str = "circuit"
    connections: list[Any] = field(default_factory=list)
    """Matrix connections (:class:`pyrates_core.connectivity.ConnectionDef`), lowered as
    whole arrays (populations)."""
    edge_blocks: list[Any] = field(default_factory=list)
    """Further plain edges in compact form (:class:`pyrates_core.edge_blocks.EdgeBlock`)."""
